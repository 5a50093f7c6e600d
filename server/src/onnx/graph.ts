/**
 * The graph builder: (sub)graphs of the values and nodes of values.ts.
 *
 * A {@link Graph} records nodes in creation order, which is a topological order because a node can
 * only consume values that already exist. Every {@link Value} carries a dtype and a shape computed
 * by its op's shape rule in the op table, so shape errors surface where the graph is built, with
 * the op and the shapes named, instead of inside onnxruntime.
 *
 * Subgraphs (Loop bodies) are graphs with a parent. A node may consume values of its own graph or
 * of any ancestor graph (ONNX outer-scope references); names are unique across the whole model.
 * Constants always live in the root graph, deduplicated by content, so that loop bodies and
 * gradient code can create them freely.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { DType, DTYPES, TensorData, storageBytes } from './dtype';
import { OP_TABLE, InferContext, ValueType } from './op-table';
import { Shape, canonicalShape, formatShape } from './shape';
import { ApplyOptions, AttrType, AttrValue, Attrs, GraphLike, Node, Value } from './values';

/** ONNX default-domain opset version every emitted model imports. */
export const OPSET_VERSION = 18;

function graphError(message: string): EngineError {
  return new EngineError(ERROR_CODES.GRAPH, message);
}

/** Names shared by a root graph and all of its subgraphs. */
class NameScope {
  readonly used = new Set<string>();
  private counter = 0;
  private nodes = 0;

  nextSeq(): number {
    return this.nodes++;
  }

  claim(name: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_.:/-]*$/.test(name)) {
      throw graphError(`invalid value name '${name}': use letters, digits, '_', '.', ':', '/', '-', starting with a letter or '_'`);
    }
    if (this.used.has(name)) throw graphError(`duplicate value name '${name}'`);
    this.used.add(name);
    return name;
  }

  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }
}

/** Options of {@link Graph.constructor}. */
export interface GraphOptions {
  /** Free text written to GraphProto.doc_string. */
  readonly doc?: string;
}

/** A graph under construction: the root graph of a model, or a subgraph (Loop body). */
export class Graph implements GraphLike {
  /** Parent graph for subgraphs. */
  readonly parent: Graph | undefined;
  readonly doc: string | undefined;
  private readonly scope: NameScope;
  private readonly nodeList: Node[] = [];
  private readonly inputList: Value[] = [];
  private readonly outputList: Value[] = [];
  private readonly initList: Value[] = [];
  private readonly constCache = new Map<string, Value>();

  constructor(
    readonly name: string,
    options: GraphOptions & { readonly parent?: Graph } = {},
  ) {
    this.parent = options.parent;
    this.doc = options.doc;
    this.scope = options.parent ? options.parent.scope : new NameScope();
  }

  /** A model-wide unique name starting with `prefix` (for subgraphs and generated values). */
  uniqueName(prefix: string): string {
    return this.scope.fresh(prefix);
  }

  /** Creates a subgraph (a Loop body) whose nodes may read this graph's values. */
  subgraph(name: string): Graph {
    return new Graph(name, { parent: this });
  }

  /** The outermost graph. */
  get root(): Graph {
    let g: Graph = this;
    while (g.parent) g = g.parent;
    return g;
  }

  /** Nodes in topological (creation) order. */
  get nodes(): readonly Node[] {
    return this.nodeList;
  }

  /** Graph inputs in declaration order. */
  get inputs(): readonly Value[] {
    return this.inputList;
  }

  /** Graph outputs in declaration order. */
  get outputs(): readonly Value[] {
    return this.outputList;
  }

  /** Initializers and constants of this graph. */
  get initializers(): readonly Value[] {
    return this.initList;
  }

  /** True when `g` is this graph or one of its ancestors. */
  isWithin(g: GraphLike): boolean {
    for (let c: GraphLike | undefined = this; c; c = c.parent) if (c === g) return true;
    return false;
  }

  /**
   * The innermost of the graphs defining `values` (and this graph). All must lie on one chain of
   * ancestors, otherwise a value would be used outside the scope that defines it.
   */
  deepest(values: readonly (Value | undefined)[]): GraphLike {
    let g: GraphLike = this;
    for (const v of values) {
      if (!v) continue;
      if (v.graph.isWithin(g)) g = v.graph;
      else if (!g.isWithin(v.graph)) throw graphError(`value '${v.name}' of graph '${v.graph.name}' is not visible from graph '${g.name}'`);
    }
    return g;
  }

  /** Declares a graph input (a tensor fed at run time). */
  input(name: string, dtype: DType, shape: Shape): Value {
    checkDType(dtype);
    const v = new Value(this, this.scope.claim(name), dtype, canonicalShape(shape), { kind: 'input' });
    this.inputList.push(v);
    return v;
  }

  /**
   * Declares a named initializer: a tensor stored in the model, e.g. trained weights of an exported
   * inference model.
   */
  initializer(name: string, data: TensorData): Value {
    checkDType(data.dtype);
    const v = new Value(this, this.scope.claim(name), data.dtype, canonicalShape(data.dims), { kind: 'initializer', data });
    this.initList.push(v);
    return v;
  }

  /**
   * A constant tensor. Constants are stored in the root graph and deduplicated by content, so
   * asking twice for the same small constant (an axes list, a scalar) yields the same value.
   */
  constant(data: TensorData): Value {
    const root = this.root;
    if (root !== this) return root.constant(data);
    checkDType(data.dtype);
    // Small constants (axes, scalars, shapes) recur constantly in gradient code: share them.
    const small = data.data.length <= 64;
    const key = small ? `${data.dtype}|${data.dims.join(',')}|${storageBytes(data.data).join(',')}` : '';
    if (small) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const v = new Value(this, this.scope.fresh('const'), data.dtype, canonicalShape(data.dims), { kind: 'constant', data });
    this.initList.push(v);
    if (small) this.constCache.set(key, v);
    return v;
  }

  /**
   * Applies an op of the op table in this graph. The op's shape rule checks the inputs and
   * attributes and types the outputs; inputs may come from this graph or an ancestor.
   */
  apply(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs = {}, options: ApplyOptions = {}): Value[] {
    const entry = OP_TABLE[op];
    if (!entry) throw graphError(`unknown op '${op}': it has no entry in the op table (server/src/onnx/op-table.ts)`);
    for (const v of inputs) {
      if (v && !this.isWithin(v.graph)) {
        throw graphError(`${op}: input '${v.name}' belongs to graph '${v.graph.name}', which is not visible from graph '${this.name}'`);
      }
    }
    for (const [k, a] of Object.entries(attrs)) {
      const type = entry.attrs[k];
      if (!type) {
        throw graphError(`${op}: unknown attribute '${k}' (known: ${Object.keys(entry.attrs).join(', ') || 'none'})`);
      }
      checkAttr(op, k, type, a);
    }
    const ctx = new Inference(op, inputs, attrs, options.shapeHints ?? []);
    const types: readonly ValueType[] = entry.infer(ctx);
    const names = types.map((_, i) => {
      const given = options.names?.[i];
      return given ? this.scope.claim(given) : this.scope.fresh(op.toLowerCase());
    });
    const outputs: Value[] = [];
    // Node names live in their own ONNX namespace; deriving them from the first output keeps them
    // unique and lets an onnxruntime error about a node be traced to the value in a dump.
    const node = new Node(this, `${names[0] ?? op}:node`, this.scope.nextSeq(), op, Object.freeze([...inputs]), Object.freeze({ ...attrs }), outputs);
    types.forEach((t, i) => outputs.push(new Value(this, names[i]!, t.dtype, canonicalShape(t.shape), { kind: 'node', node, index: i })));
    this.nodeList.push(node);
    return outputs;
  }

  /**
   * Declares `v` as a graph output. When `name` differs from the value's name, or the value is not
   * computed by a node of this graph (an input, a constant, an outer value), an Identity node
   * gives it its own output name.
   */
  output(v: Value, name?: string): Value {
    let out = v;
    if ((name !== undefined && name !== v.name) || v.producer?.graph !== this) {
      out = this.apply('Identity', [v], {}, { names: [name ?? this.scope.fresh(`${v.name}_out`)] })[0]!;
    }
    if (this.outputList.includes(out)) throw graphError(`'${out.name}' is already an output of graph '${this.name}'`);
    this.outputList.push(out);
    return out;
  }

  /** Finds a value of this graph (input, initializer or node output) by name. */
  find(name: string): Value | undefined {
    for (const v of this.inputList) if (v.name === name) return v;
    for (const v of this.initList) if (v.name === name) return v;
    for (const n of this.nodeList) for (const v of n.outputs) if (v.name === name) return v;
    return undefined;
  }
}

function checkDType(d: DType): void {
  if (!DTYPES.includes(d)) throw graphError(`unsupported dtype '${String(d)}' (supported: ${DTYPES.join(', ')})`);
}

function checkAttr(op: string, name: string, type: AttrType, a: AttrValue): void {
  const ok =
    type === 'int' ? typeof a === 'number' && Number.isInteger(a)
    : type === 'float' ? typeof a === 'number'
    : type === 'string' ? typeof a === 'string'
    : type === 'ints' ? Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isInteger(x))
    : type === 'floats' ? Array.isArray(a) && a.every((x) => typeof x === 'number')
    : type === 'strings' ? Array.isArray(a) && a.every((x) => typeof x === 'string')
    : type === 'tensor' ? typeof a === 'object' && !Array.isArray(a) && !(a instanceof Graph) && 'dtype' in a
    : a instanceof Graph;
  if (!ok) throw graphError(`${op}: attribute '${name}' must be of type ${type}`);
}

/** The context a shape rule sees: inputs, attributes with defaults, constant input values. */
class Inference implements InferContext {
  constructor(
    readonly op: string,
    readonly inputs: readonly (Value | undefined)[],
    readonly attrs: Attrs,
    private readonly hints: readonly (Shape | undefined)[],
  ) {}

  fail(message: string): never {
    const shapes = this.inputs.map((v) => (v ? `${v.dtype}${formatShape(v.shape)}` : '-')).join(', ');
    throw graphError(`${this.op}(${shapes}): ${message}`);
  }

  input(i: number): Value {
    const v = this.inputs[i];
    if (!v) this.fail(`input ${i} is required`);
    return v;
  }

  optional(i: number): Value | undefined {
    return this.inputs[i];
  }

  int(name: string, dflt: number): number {
    const a = this.attrs[name];
    return a === undefined ? dflt : (a as number);
  }

  float(name: string, dflt: number): number {
    const a = this.attrs[name];
    return a === undefined ? dflt : (a as number);
  }

  str(name: string, dflt: string): string {
    const a = this.attrs[name];
    return a === undefined ? dflt : (a as string);
  }

  ints(name: string): readonly number[] | undefined {
    return this.attrs[name] as readonly number[] | undefined;
  }

  graph(name: string): Graph {
    const a = this.attrs[name];
    if (!(a instanceof Graph)) this.fail(`attribute '${name}' (a graph) is required`);
    return a;
  }

  tensorAttr(name: string): TensorData | undefined {
    return this.attrs[name] as TensorData | undefined;
  }

  constInts(i: number): number[] | undefined {
    const v = this.inputs[i];
    const d = v?.constData;
    if (!v || !d) return undefined;
    if (d.dtype !== 'int64' && d.dtype !== 'int32') this.fail(`input ${i} must be an integer tensor`);
    const out: number[] = [];
    for (const x of d.data as BigInt64Array | Int32Array) out.push(Number(x));
    return out;
  }

  hint(i: number): Shape | undefined {
    return this.hints[i];
  }

  sameDType(indices: readonly number[]): DType {
    const ds = indices.map((i) => this.input(i).dtype);
    if (ds.some((d) => d !== ds[0])) this.fail(`inputs must share one dtype, got ${ds.join(', ')}`);
    return ds[0]!;
  }
}
