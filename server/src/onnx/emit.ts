/**
 * ModelProto emission: turns a built {@link Graph} into ONNX protobuf bytes for onnxruntime.
 *
 * Nodes that do not contribute to the graph outputs are pruned (gradient code and helpers often
 * create values that end up unused), and so are unused constants. Declared inputs and named
 * initializers are always kept, so a session's input names do not depend on what the graph
 * happens to use.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { ONNX_DTYPE_CODE, TensorData, storageBytes } from './dtype';
import { Graph, OPSET_VERSION } from './graph';
import { OP_TABLE } from './op-table';
import { ATTRIBUTE_TYPE, AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, TypeProto, ValueInfoProto, encodeModelProto } from './proto';
import type { Shape } from './shape';
import type { Node, Value } from './values';

/** ONNX IR version matching opset 18. */
export const IR_VERSION = 8;

/** Options of {@link emitModel}. */
export interface EmitOptions {
  /** ModelProto.producer_name (default 'memaudit'). */
  readonly producer?: string;
  /** ModelProto.doc_string. */
  readonly doc?: string;
  /** Key/value metadata (e.g. vocabulary hashes, model kind) stored in the model. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Also write the builder's inferred shape of every intermediate value (GraphProto.value_info).
   * onnxruntime then checks them against its own inference; off by default.
   */
  readonly valueInfo?: boolean;
  /** Remove nodes that do not reach an output (default true). */
  readonly prune?: boolean;
}

/** Builds the ModelProto of a root graph. */
export function toModelProto(graph: Graph, options: EmitOptions = {}): ModelProto {
  if (graph.parent) throw new EngineError(ERROR_CODES.GRAPH, `graph '${graph.name}' is a subgraph; emit its root graph '${graph.root.name}'`);
  if (graph.outputs.length === 0) throw new EngineError(ERROR_CODES.GRAPH, `graph '${graph.name}' has no outputs`);
  const model: ModelProto = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET_VERSION }],
    producer_name: options.producer ?? 'memaudit',
    graph: graphProto(graph, options),
  };
  if (options.doc) model.doc_string = options.doc;
  if (options.metadata) model.metadata_props = Object.entries(options.metadata).map(([key, value]) => ({ key, value }));
  return model;
}

/** Serializes a root graph to ONNX model bytes. */
export function emitModel(graph: Graph, options: EmitOptions = {}): Uint8Array {
  return encodeModelProto(toModelProto(graph, options));
}

/** Nodes of `g` that contribute to its outputs, and the outer values they (or their subgraphs) read. */
export function liveNodes(g: Graph, prune = true): { nodes: Node[]; outerRefs: Set<Value> } {
  const needed = new Set<Value>(g.outputs);
  const live: Node[] = [];
  const outerRefs = new Set<Value>();
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k]!;
    if (prune && !n.outputs.some((v) => needed.has(v))) continue;
    live.push(n);
    const reads: Value[] = n.inputs.filter((v): v is Value => v !== undefined);
    for (const a of Object.values(n.attrs)) if (a instanceof Graph) reads.push(...liveNodes(a, prune).outerRefs);
    for (const v of reads) {
      if (v.graph === g) needed.add(v);
      else outerRefs.add(v);
    }
  }
  for (const v of g.outputs) if (v.graph !== g) outerRefs.add(v);
  live.reverse();
  return { nodes: live, outerRefs };
}

function typeProto(dtype: keyof typeof ONNX_DTYPE_CODE, shape: Shape): TypeProto {
  return {
    tensor_type: {
      elem_type: ONNX_DTYPE_CODE[dtype],
      shape: { dim: shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
    },
  };
}

function valueInfo(v: Value): ValueInfoProto {
  return { name: v.name, type: typeProto(v.dtype, v.shape) };
}

/** TensorProto of host data (raw little-endian bytes). */
export function tensorProto(data: TensorData, name?: string): TensorProto {
  const t: TensorProto = { dims: [...data.dims], data_type: ONNX_DTYPE_CODE[data.dtype], raw_data: storageBytes(data.data) };
  if (name !== undefined) t.name = name;
  return t;
}

function attributeProto(op: string, name: string, value: unknown, options: EmitOptions): AttributeProto {
  const type = OP_TABLE[op]!.attrs[name]!;
  switch (type) {
    case 'int':
      return { name, type: ATTRIBUTE_TYPE.INT, i: value as number };
    case 'float':
      return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value as number };
    case 'string':
      return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value as string) };
    case 'ints':
      return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...(value as number[])] };
    case 'floats':
      return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: [...(value as number[])] };
    case 'strings':
      return { name, type: ATTRIBUTE_TYPE.STRINGS, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) };
    case 'tensor':
      return { name, type: ATTRIBUTE_TYPE.TENSOR, t: tensorProto(value as TensorData) };
    case 'graph':
      return { name, type: ATTRIBUTE_TYPE.GRAPH, g: graphProto(value as Graph, options) };
    default:
      throw new EngineError(ERROR_CODES.INTERNAL, `attribute type ${String(type)} cannot be emitted`);
  }
}

function nodeProto(n: Node, options: EmitOptions): NodeProto {
  const input = n.inputs.map((v) => v?.name ?? '');
  while (input.length && input[input.length - 1] === '') input.pop();
  return {
    input,
    output: n.outputs.map((v) => v.name),
    name: n.name,
    op_type: n.op,
    domain: '',
    attribute: Object.entries(n.attrs).map(([k, a]) => attributeProto(n.op, k, a, options)),
  };
}

function graphProto(g: Graph, options: EmitOptions): GraphProto {
  const prune = options.prune ?? true;
  const { nodes } = liveNodes(g, prune);
  // Constants and initializers read by live nodes anywhere below this graph.
  const used = new Set<Value>();
  const collect = (graph: Graph): void => {
    for (const n of liveNodes(graph, prune).nodes) {
      for (const v of n.inputs) if (v) used.add(v);
      for (const a of Object.values(n.attrs)) if (a instanceof Graph) collect(a);
    }
    for (const v of graph.outputs) used.add(v);
  };
  collect(g);
  const initializer = g.initializers
    .filter((v) => v.source.kind === 'initializer' || !prune || used.has(v))
    .map((v) => tensorProto(v.constData!, v.name));
  const proto: GraphProto = {
    node: nodes.map((n) => nodeProto(n, options)),
    name: g.name,
    initializer,
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
    value_info: options.valueInfo ? nodes.flatMap((n) => n.outputs.filter((v) => !g.outputs.includes(v)).map(valueInfo)) : [],
  };
  if (g.doc) proto.doc_string = g.doc;
  return proto;
}
