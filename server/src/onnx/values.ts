/**
 * What a graph is made of: values, nodes and attributes, and the graph as they see it
 * ({@link GraphLike}). The op table's rules and the typed ops are written against these; the
 * builder that implements {@link GraphLike}, `graph.ts`, applies ops through the op table. Keeping
 * them here lets both the op table and the builder import them without importing each other.
 */
import type { DType, TensorData } from './dtype';
import { Shape, formatShape } from './shape';

/** Attribute value kinds, as declared per op in the op table. */
export type AttrType = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'strings' | 'tensor' | 'graph';

/** An attribute value; its ONNX type comes from the op table's declaration. */
export type AttrValue = number | string | readonly number[] | readonly string[] | TensorData | GraphLike;

/** Attributes of one node. */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** Where a value comes from. */
export type ValueSource =
  | { readonly kind: 'input' }
  | { readonly kind: 'initializer'; readonly data: TensorData }
  | { readonly kind: 'constant'; readonly data: TensorData }
  | { readonly kind: 'node'; readonly node: Node; readonly index: number };

/** A tensor value of a graph: a graph input, an initializer, a constant or a node output. */
export class Value {
  /** @internal Values are created by the graph builder (`Graph` in graph.ts) only. */
  constructor(
    /** The graph that defines the value. */
    readonly graph: GraphLike,
    /** Unique name within the model. */
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly source: ValueSource,
  ) {}

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The producing node, if any. */
  get producer(): Node | undefined {
    return this.source.kind === 'node' ? this.source.node : undefined;
  }

  /** Host data of a constant or initializer, undefined for computed values and inputs. */
  get constData(): TensorData | undefined {
    return this.source.kind === 'constant' || this.source.kind === 'initializer' ? this.source.data : undefined;
  }

  /** `name: float32[batch,4]`. */
  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

/** One operator application. */
export class Node {
  /** @internal Nodes are created by `Graph.apply` only. */
  constructor(
    readonly graph: GraphLike,
    /** Unique node name (also written to NodeProto.name). */
    readonly name: string,
    /** Creation order across the whole model: a topological order over all graphs. */
    readonly seq: number,
    /** ONNX op type (default domain). */
    readonly op: string,
    /** Inputs in ONNX order; undefined marks an omitted optional input. */
    readonly inputs: readonly (Value | undefined)[],
    readonly attrs: Attrs,
    private readonly outputList: Value[],
  ) {}

  /** Output values in ONNX order. */
  get outputs(): readonly Value[] {
    return this.outputList;
  }
}

/** Options of {@link GraphLike.apply}. */
export interface ApplyOptions {
  /** Names for the outputs (default: generated from the op type). */
  readonly names?: readonly (string | undefined)[];
  /**
   * Output shapes the shape rule cannot derive itself (a Reshape or Expand whose target shape is
   * computed at run time, the size of Unique's output, a Loop's scan length), or can derive only
   * less precisely (the symbolic dims behind 0 and -1 in a constant Reshape target). Rules that
   * need no hint ignore it.
   */
  readonly shapeHints?: readonly (Shape | undefined)[];
}

/**
 * A graph under construction, as values, nodes, the op table and the typed ops use it: the public
 * surface of `graph.ts`'s `Graph`, its one implementation (see there for what each member does).
 */
export interface GraphLike {
  readonly name: string;
  /** Parent graph for subgraphs (Loop bodies). */
  readonly parent: GraphLike | undefined;
  readonly doc: string | undefined;
  /** The outermost graph. */
  readonly root: GraphLike;
  /** Nodes in topological (creation) order. */
  readonly nodes: readonly Node[];
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  /** Initializers and constants of this graph. */
  readonly initializers: readonly Value[];
  /** A model-wide unique name starting with `prefix`. */
  uniqueName(prefix: string): string;
  /** Creates a subgraph (a Loop body) whose nodes may read this graph's values. */
  subgraph(name: string): GraphLike;
  /** True when `g` is this graph or one of its ancestors. */
  isWithin(g: GraphLike): boolean;
  /** The innermost of the graphs defining `values` (and this graph). */
  deepest(values: readonly (Value | undefined)[]): GraphLike;
  input(name: string, dtype: DType, shape: Shape): Value;
  initializer(name: string, data: TensorData): Value;
  /** A constant tensor, stored in the root graph and deduplicated by content. */
  constant(data: TensorData): Value;
  /** Applies an op of the op table in this graph, typing its outputs with the op's shape rule. */
  apply(op: string, inputs: readonly (Value | undefined)[], attrs?: Attrs, options?: ApplyOptions): Value[];
  /** Declares `v` as a graph output (through an Identity node where it needs its own name). */
  output(v: Value, name?: string): Value;
  /** Finds a value of this graph by name. */
  find(name: string): Value | undefined;
}
