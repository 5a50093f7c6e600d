/**
 * The op table: one entry per ONNX op = { op type, attribute schema, shape rule, gradient rule }.
 *
 * Shape rules type the outputs from the inputs' dtypes and shapes (and the values of constant
 * inputs such as axes); they throw GRAPH errors naming the op and shapes. Gradient rules map the
 * gradients of a node's outputs (dL/dy) to gradients of its inputs (dL/dx), written with the ops of
 * ops.ts, so every gradient is itself an ONNX graph. A rule is
 *   - a function: the op is differentiable with respect to its float inputs;
 *   - 'zero': the outputs are piecewise constant in the inputs (comparisons, argmax, shapes), so
 *     the gradient is zero and backpropagation stops there;
 *   - 'unsupported': a gradient exists but is not implemented; autodiff raises a GRAPH error if it
 *     is ever needed.
 *
 * Notation in the formulas: y = op(x…), dy = dL/dy, unb(g, x) = g summed over the axes along
 * which x was broadcast, then reshaped to x's shape.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { DType, TensorData, dtypeFromOnnxCode, isFloat } from './dtype';
import * as o from './ops';
import { Dim, Shape, broadcastShapes, dimsEqual, divDims, formatShape, mulDims, normalizeAxes, normalizeAxis, numel } from './shape';
import type { AttrType, Attrs, GraphLike, Node, Value } from './values';

/** dtype and shape of one output. */
export interface ValueType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** What a shape rule sees. */
export interface InferContext {
  readonly op: string;
  readonly inputs: readonly (Value | undefined)[];
  readonly attrs: Attrs;
  /** Throws a GRAPH error prefixed with the op and its input shapes. */
  fail(message: string): never;
  /** Input i, which must be present. */
  input(i: number): Value;
  /** Input i, or undefined when omitted. */
  optional(i: number): Value | undefined;
  int(name: string, dflt: number): number;
  float(name: string, dflt: number): number;
  str(name: string, dflt: string): string;
  ints(name: string): readonly number[] | undefined;
  graph(name: string): GraphLike;
  /** Values of a constant integer input (axes, shapes), or undefined when computed at run time. */
  constInts(i: number): number[] | undefined;
  /** Output shape supplied by the caller for outputs the rule cannot derive (see ApplyOptions). */
  hint(i: number): Shape | undefined;
  /** The common dtype of the given inputs (GRAPH error when they differ). */
  sameDType(indices: readonly number[]): DType;
}

/** What a gradient rule sees. */
export interface GradArgs {
  readonly node: Node;
  /** The node's inputs. */
  readonly x: readonly (Value | undefined)[];
  /** The node's outputs. */
  readonly y: readonly Value[];
  /** dL/dy per output; undefined where the output does not reach the loss. */
  readonly dy: readonly (Value | undefined)[];
  /** Which inputs need a gradient (rules may skip the others). */
  readonly wants: readonly boolean[];
  /** Strategy choices of the current autodiff call. */
  readonly options: GradStrategy;
}

/**
 * How the gradient of Gather (embedding lookups) accumulates rows hit by repeated indices.
 *   - 'sorted' (default): sort the indices, sum each run of equal indices with a float64 prefix
 *     sum, scatter the sums into zeros with ScatterND (no reduction; indices are now unique).
 *     Deterministic and correct with any number of threads, float64-accurate; several passes
 *     over the gradient. Needs float64 kernels (CPU EP).
 *   - 'scatter-add': one ScatterND(reduction='add') into zeros. Fastest, but onnxruntime's CPU
 *     kernel splits the updates over intra-op threads without synchronization, so repeated
 *     indices race and rows lose updates (measured, onnxruntime 1.30; issue #23396). Use it on
 *     the CPU only with intraOpThreads = 1, or on GPU providers whose kernel accumulates atomically.
 */
export type GatherGradient = 'sorted' | 'scatter-add';

/** Choices that change how gradients are built, not what they compute. */
export interface GradStrategy {
  readonly gatherGradient: GatherGradient;
}

/** Returns dL/dx per input (undefined: no gradient for that input). */
export type GradRule = (a: GradArgs) => readonly (Value | undefined)[];

/** One op of the table. */
export interface OpEntry {
  /** ONNX op type in the default domain. */
  readonly type: string;
  /** Attribute names and types; attributes not listed here are rejected. */
  readonly attrs: Readonly<Record<string, AttrType>>;
  /** Shape rule. */
  readonly infer: (ctx: InferContext) => readonly ValueType[];
  /** Gradient rule, or 'zero' / 'unsupported' (see the module comment). */
  readonly grad: GradRule | 'zero' | 'unsupported';
}

// ---------------------------------------------------------------------------------------------
// Shape-rule helpers

function graphError(message: string): EngineError {
  return new EngineError(ERROR_CODES.GRAPH, message);
}

function floatInput(c: InferContext, i: number): DType {
  const d = c.input(i).dtype;
  if (!isFloat(d)) c.fail(`input ${i} must be float32 or float64, got ${d}`);
  return d;
}

function numericInput(c: InferContext, i: number): DType {
  const d = c.input(i).dtype;
  if (d === 'bool') c.fail(`input ${i} must be numeric, got bool`);
  return d;
}

function intInput(c: InferContext, i: number): void {
  const d = c.input(i).dtype;
  if (d !== 'int64' && d !== 'int32') c.fail(`input ${i} must be int64 or int32, got ${d}`);
}

function bcast(c: InferContext, indices: readonly number[]): Shape {
  return broadcastShapes(indices.map((i) => c.input(i).shape), c.op);
}

function attrInt(n: Node, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a === undefined ? dflt : (a as number);
}

function constIntsOf(v: Value | undefined): number[] | undefined {
  const d = v?.constData;
  return d ? Array.from(d.data as BigInt64Array, (x) => Number(x)) : undefined;
}

/** Axes a Reduce* node reduces (normalized), from its constant axes input. */
function reducedAxes(n: Node): number[] {
  const x = n.inputs[0]!;
  const axes = constIntsOf(n.inputs[1]);
  if (axes === undefined || axes.length === 0) return x.shape.map((_, i) => i);
  return normalizeAxes(axes, x.rank, n.op).sort((a, b) => a - b);
}

function reduceInfer(c: InferContext, dtype: DType): ValueType[] {
  const x = c.input(0);
  let axes = c.optional(1) ? c.constInts(1) : [];
  if (axes === undefined) c.fail('the axes input must be a constant');
  if (axes.length === 0) {
    if (c.int('noop_with_empty_axes', 0)) return [{ dtype, shape: x.shape }];
    axes = x.shape.map((_, i) => i);
  }
  const set = new Set(normalizeAxes(axes, x.rank, c.op));
  const keep = c.int('keepdims', 1) === 1;
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!set.has(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ dtype, shape }];
}

/** dL/dy of a reduction, with the reduced axes restored as size-1 axes (keepdims form). */
function keepdimsGrad(n: Node, dy: Value): Value {
  if (attrInt(n, 'keepdims', 1) === 1) return dy;
  return o.unsqueeze(dy, reducedAxes(n));
}

/** Output dims of ONNX Slice on one axis of static size `n` (clamping as the spec says). */
function sliceDim(n: number, start: number, end: number, step: number): { start: number; len: number } {
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), n);
    e = Math.min(Math.max(e, 0), n);
    return { start: s, len: Math.max(0, Math.ceil((e - s) / step)) };
  }
  s = Math.min(Math.max(s, 0), n - 1);
  e = Math.min(Math.max(e, -1), n - 1);
  return { start: s, len: Math.max(0, Math.ceil((e - s) / step)) };
}

/** Slice ends at or beyond this mean "to the end" on symbolic axes (e.g. Number.MAX_SAFE_INTEGER). */
const TO_THE_END = 2 ** 31;

interface SliceSpec {
  axes: number[];
  starts: number[];
  ends: number[];
  steps: number[];
}

function sliceSpec(x: Value, inputs: readonly (Value | undefined)[], fail: (m: string) => never): SliceSpec {
  const starts = constIntsOf(inputs[1]);
  const ends = constIntsOf(inputs[2]);
  if (!starts || !ends) fail('starts and ends must be constants');
  const axes = inputs[3] ? constIntsOf(inputs[3]) : starts.map((_, i) => i);
  const steps = inputs[4] ? constIntsOf(inputs[4]) : starts.map(() => 1);
  if (!axes || !steps) fail('axes and steps must be constants');
  if (axes.length !== starts.length || ends.length !== starts.length || steps.length !== starts.length) fail('starts, ends, axes and steps must have equal lengths');
  if (steps.some((s) => s === 0)) fail('steps must be non-zero');
  return { axes: normalizeAxes(axes, x.rank, 'Slice'), starts, ends, steps };
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

function permOf(n: Node, rank: number): number[] {
  const p = n.attrs.perm as readonly number[] | undefined;
  return p ? [...p] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

// ---------------------------------------------------------------------------------------------
// Entry builders

type Table = Record<string, OpEntry>;

function entry(type: string, attrs: Readonly<Record<string, AttrType>>, infer: OpEntry['infer'], grad: OpEntry['grad']): OpEntry {
  return Object.freeze({ type, attrs: Object.freeze({ ...attrs }), infer, grad });
}

/** Float unary op whose output has the input's type. */
function floatUnary(type: string, grad: OpEntry['grad']): OpEntry {
  return entry(type, {}, (c: InferContext) => [{ dtype: floatInput(c, 0), shape: c.input(0).shape }], grad);
}

/** Numeric unary op whose output has the input's type. */
function numericUnary(type: string, grad: OpEntry['grad']): OpEntry {
  return entry(type, {}, (c: InferContext) => [{ dtype: numericInput(c, 0), shape: c.input(0).shape }], grad);
}

/** Broadcasting binary op with a numeric output of the inputs' common dtype. */
function arith(type: string, grad: OpEntry['grad']): OpEntry {
  return entry(type, {}, (c: InferContext) => {
    const dtype = c.sameDType([0, 1]);
    if (dtype === 'bool') c.fail('inputs must be numeric');
    return [{ dtype, shape: bcast(c, [0, 1]) }];
  }, grad);
}

/** Broadcasting comparison with a bool output. */
function compare(type: string): OpEntry {
  return entry(type, {}, (c: InferContext) => {
    c.sameDType([0, 1]);
    return [{ dtype: 'bool', shape: bcast(c, [0, 1]) }];
  }, 'zero');
}

/** Broadcasting logical op over bools. */
function logical(type: string): OpEntry {
  return entry(type, {}, (c: InferContext) => {
    if (c.sameDType([0, 1]) !== 'bool') c.fail('inputs must be bool');
    return [{ dtype: 'bool', shape: bcast(c, [0, 1]) }];
  }, 'zero');
}

function reduceEntry(type: string, grad: OpEntry['grad']): OpEntry {
  return entry(type, { keepdims: 'int', noop_with_empty_axes: 'int' }, (c) => reduceInfer(c, numericInput(c, 0)), grad);
}

/** Max/Min: the gradient goes to the selected operand (the first one on ties). */
function selectGrad(pick: (a: Value, b: Value) => Value): GradRule {
  return ({ x, dy, wants }) => {
    if (x.length !== 2) throw graphError('the gradients of Max and Min are implemented for two operands');
    const [a, b] = [x[0]!, x[1]!];
    const g = dy[0]!;
    const first = pick(a, b);
    return [wants[0] ? o.unbroadcast(o.where(first, g, 0), a) : undefined, wants[1] ? o.unbroadcast(o.where(first, 0, g), b) : undefined];
  };
}

// ---------------------------------------------------------------------------------------------
// Gradient rules that need more than a line

/**
 * MatMul, numpy semantics. With A: [..., M, K], B: [..., K, N], dY: [..., M, N]:
 *   dA = unb(dY · Bᵀ, A),  dB = unb(Aᵀ · dY, B).
 * 1-D operands are promoted as in the forward op (A: [K] → [1, K], B: [K] → [K, 1]) and the
 * matching axis is inserted into dY.
 */
const matmulGrad: GradRule = ({ x, dy, wants }) => {
  const a = x[0]!;
  const b = x[1]!;
  const a2 = a.rank === 1 ? o.unsqueeze(a, [0]) : a;
  const b2 = b.rank === 1 ? o.unsqueeze(b, [1]) : b;
  let g = dy[0]!;
  if (b.rank === 1) g = o.unsqueeze(g, [g.rank]);
  if (a.rank === 1) g = o.unsqueeze(g, [g.rank - 1]);
  const da = wants[0] ? o.reshapeLike(o.unbroadcast(o.matmul(g, o.transposeLast2(b2)), a2), a) : undefined;
  const db = wants[1] ? o.reshapeLike(o.unbroadcast(o.matmul(o.transposeLast2(a2), g), b2), b) : undefined;
  return [da, db];
};

/**
 * Gemm: Y = α·op(A)·op(B) + β·C.
 *   d op(A) = α·dY·op(B)ᵀ,  d op(B) = α·op(A)ᵀ·dY,  dC = unb(β·dY, C);
 * each written as one Gemm with the transposes folded into transA/transB.
 */
const gemmGrad: GradRule = ({ node, x, dy, wants }) => {
  const [a, b, c] = [x[0]!, x[1]!, x[2]];
  const g = dy[0]!;
  const alpha = (node.attrs.alpha as number | undefined) ?? 1;
  const beta = (node.attrs.beta as number | undefined) ?? 1;
  const tA = attrInt(node, 'transA', 0) === 1;
  const tB = attrInt(node, 'transB', 0) === 1;
  let da: Value | undefined;
  let db: Value | undefined;
  if (wants[0]) da = tA ? o.gemm(b, g, undefined, { alpha, transA: tB, transB: true }) : o.gemm(g, b, undefined, { alpha, transB: !tB });
  if (wants[1]) db = tB ? o.gemm(g, a, undefined, { alpha, transA: true, transB: tA }) : o.gemm(a, g, undefined, { alpha, transA: !tA });
  // Float attributes are stored as float32: use the value the forward op actually applies.
  const dc = c && wants[2] ? o.unbroadcast(beta === 1 ? g : o.mul(g, Math.fround(beta)), c) : undefined;
  return [da, db, dc];
};

/**
 * Gather along axis a: Y = data[:a] × indices × data[a+1:]. The gradient scatters dY back into
 * zeros of data's shape, summing over repeated indices:
 *   dData[idx[j], …] = Σ_{k: idx[k] = idx[j]} dY[k, …]
 * (see GatherGradient for the two ways of doing the sum). For a > 0 the indexed axis is moved to
 * the front first and moved back after.
 */
const gatherGrad: GradRule = ({ node, x, dy, wants, options }) => {
  if (!wants[0]) return [undefined, undefined];
  const data = x[0]!;
  const g = dy[0]!;
  const a = normalizeAxis(attrInt(node, 'axis', 0), data.rank, 'Gather');
  const idx = o.cast(x[1]!, 'int64');
  const q = idx.rank;
  if (a === 0) return [scatterRows(data, idx, g, options.gatherGradient), undefined];
  // dY axes: [data[:a]] [indices] [data[a+1:]] → [indices] [data[:a]] [data[a+1:]]
  const r = g.rank;
  const moved = o.transpose(g, [...range(a, a + q), ...range(0, a), ...range(a + q, r)]);
  const front = [a, ...range(0, a), ...range(a + 1, data.rank)];
  const dataT = o.transpose(data, front);
  return [o.transpose(scatterRows(dataT, idx, moved, options.gatherGradient), inversePerm(front)), undefined];
};

/**
 * dT with dT[i, …] = Σ_{j: idx[j] = i} upd[j, …], shaped like `like` ([V, …rest]); `idx` has any
 * shape I and `upd` has shape I × rest.
 */
function scatterRows(like: Value, idx: Value, upd: Value, strategy: GatherGradient): Value {
  const zeros = o.zerosLike(like);
  if (strategy === 'scatter-add') return o.scatterND(zeros, o.unsqueeze(idx, [idx.rank]), upd, 'add');
  const rest = like.shape.slice(1);
  const n = numel(idx.shape);
  const flat = o.reshape(idx, [n]);
  // Negative indices count from the end; normalize them so that both spellings of a row sort
  // into one run.
  const v = like.shape[0]!;
  const rows = typeof v === 'number' ? o.scalarLike(flat, v) : o.reshape(o.gather(o.shapeOf(like), o.int64s(like.graph, [0]), 0), []);
  const ids = o.where(o.less(flat, 0), o.add(flat, rows), flat);
  const updates = o.reshape(upd, [n, ...rest]);
  // Ascending sort of the indices (TopK with k = n); the permutation orders the update rows.
  const g = like.graph;
  const k = typeof n === 'number' ? o.int64s(g, [n]) : o.reshape(o.apply1('Size', [ids]), [1]);
  const [sortedIds, perm] = o.applyN('TopK', [ids, k], { axis: 0, largest: 0, sorted: 1 }, [[n], [n]]);
  const { first, last } = runBounds(sortedIds!, ids, n);
  // Run sums from an inclusive float64 prefix sum P over the sorted rows: the run [s, e] sums to
  // P[e] − P[s] + row[s]; each term is gathered at the U run boundaries only.
  const sorted = o.cast(o.gather(updates, perm!, 0), 'float64');
  const prefix = o.apply1('CumSum', [sorted, g.constant(scalarInt64(0))]);
  const sums = o.add(o.sub(o.gather(prefix, last, 0), o.gather(prefix, first, 0)), o.gather(sorted, first, 0));
  return o.scatterND(zeros, o.unsqueeze(o.gather(sortedIds!, first, 0), [1]), o.cast(sums, like.dtype), 'none');
}

/**
 * First and last positions of each run of equal values in sorted non-negative `sorted` of length
 * `n`. With a static n they come from comparing neighbours and NonZero (O(n)); with a symbolic n,
 * whose n − 1 the shape rules cannot express, from Unique's counts (a second sort).
 */
function runBounds(sorted: Value, ids: Value, n: Dim): { first: Value; last: Value } {
  const g = sorted.graph;
  // The number of runs is data-dependent: a fresh symbol per call, so that the run counts of two
  // different embedding tables are never taken for equal dims.
  const runs = g.uniqueName('runs');
  if (typeof n === 'number') {
    // −1 never equals a normalized index, so position 0 starts a run and position n − 1 ends one.
    const sentinel = o.int64s(g, [-1]);
    const prev = o.concat([sentinel, o.slice(sorted, [0], [n - 1])], 0);
    const next = o.concat([o.slice(sorted, [1], [n]), sentinel], 0);
    const positions = (mask: Value): Value => o.reshape(o.applyN('NonZero', [mask], {}, [[1, runs]])[0]!, [runs]);
    return { first: positions(o.not(o.equal(sorted, prev))), last: positions(o.not(o.equal(sorted, next))) };
  }
  const counts = o.applyN('Unique', [ids], { sorted: 1 }, [[runs]])[3]!;
  const end = o.apply1('CumSum', [counts, g.constant(scalarInt64(0))]);
  return { first: o.sub(end, counts), last: o.sub(end, 1) };
}

function scalarInt64(v: number): TensorData {
  return { dtype: 'int64', dims: [], data: BigInt64Array.of(BigInt(v)) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/**
 * LayerNormalization over axes A = [axis, rank): with μ, σ² the mean and variance over A,
 * r = 1/√(σ² + ε), x̂ = (x − μ)·r and g = dY·scale:
 *   dX = r · (g − mean_A(g) − x̂ · mean_A(g · x̂)),
 *   dScale = unb(dY · x̂, scale),  dBias = unb(dY, bias).
 * The statistics are recomputed from x rather than taken from the op's optional outputs, which
 * not every execution provider produces.
 */
const layerNormGrad: GradRule = ({ node, x, dy, wants }) => {
  const [v, scale, bias] = [x[0]!, x[1]!, x[2]];
  const g = dy[0]!;
  const axis = normalizeAxis(attrInt(node, 'axis', -1), v.rank, 'LayerNormalization');
  // epsilon is a float32 attribute: recompute with the value the forward op used.
  const eps = Math.fround((node.attrs.epsilon as number | undefined) ?? 1e-5);
  const axes = range(axis, v.rank);
  const mu = o.reduceMean(v, axes, true);
  const xc = o.sub(v, mu);
  const variance = o.reduceMean(o.mul(xc, xc), axes, true);
  const r = o.reciprocal(o.sqrt(o.add(variance, eps)));
  const xhat = o.mul(xc, r);
  let dx: Value | undefined;
  if (wants[0]) {
    const gs = o.mul(g, scale);
    const inner = o.sub(o.sub(gs, o.reduceMean(gs, axes, true)), o.mul(xhat, o.reduceMean(o.mul(gs, xhat), axes, true)));
    dx = o.mul(r, inner);
  }
  const dscale = wants[1] ? o.unbroadcast(o.mul(g, xhat), scale) : undefined;
  const dbias = bias && wants[2] ? o.unbroadcast(g, bias) : undefined;
  return [dx, dscale, dbias];
};

/**
 * ReduceMax / ReduceMin: the gradient flows to the arg-extremum; ties share it equally
 * (m = [x = y], dX = m · dY / Σ_A m), a valid subgradient.
 */
const extremumGrad: GradRule = ({ node, x, y, dy }) => {
  const v = x[0]!;
  const yk = keepdimsGrad(node, y[0]!);
  const m = o.cast(o.equal(v, o.expandLike(yk, v)), v.dtype);
  const count = o.reduceSum(m, reducedAxes(node), true);
  return [o.mul(m, o.div(keepdimsGrad(node, dy[0]!), count)), undefined];
};

// ---------------------------------------------------------------------------------------------
// The table

const ops: OpEntry[] = [
  // dA = unb(dY, A), dB = unb(dY, B)
  arith('Add', ({ x, dy, wants }) => [wants[0] ? o.unbroadcast(dy[0]!, x[0]!) : undefined, wants[1] ? o.unbroadcast(dy[0]!, x[1]!) : undefined]),
  // dA = unb(dY, A), dB = unb(−dY, B)
  arith('Sub', ({ x, dy, wants }) => [wants[0] ? o.unbroadcast(dy[0]!, x[0]!) : undefined, wants[1] ? o.unbroadcast(o.neg(dy[0]!), x[1]!) : undefined]),
  // dA = unb(dY·B, A), dB = unb(dY·A, B)
  arith('Mul', ({ x, dy, wants }) => [
    wants[0] ? o.unbroadcast(o.mul(dy[0]!, x[1]!), x[0]!) : undefined,
    wants[1] ? o.unbroadcast(o.mul(dy[0]!, x[0]!), x[1]!) : undefined,
  ]),
  // Y = A/B: dA = unb(dY/B, A), dB = unb(−dY·Y/B, B)
  arith('Div', ({ x, y, dy, wants }) => [
    wants[0] ? o.unbroadcast(o.div(dy[0]!, x[1]!), x[0]!) : undefined,
    wants[1] ? o.unbroadcast(o.neg(o.div(o.mul(dy[0]!, y[0]!), x[1]!)), x[1]!) : undefined,
  ]),
  // Y = A^B: dA = unb(dY·B·A^(B−1), A), dB = unb(dY·Y·ln A, B) (A > 0 where dB is needed)
  entry('Pow', {}, (c: InferContext) => {
    const dtype = floatInput(c, 0);
    numericInput(c, 1);
    return [{ dtype, shape: bcast(c, [0, 1]) }];
  }, ({ x, y, dy, wants }) => {
    const [a, b] = [x[0]!, x[1]!];
    const bf = o.cast(b, a.dtype);
    return [
      wants[0] ? o.unbroadcast(o.mul(dy[0]!, o.mul(bf, o.pow(a, o.sub(bf, 1)))), a) : undefined,
      wants[1] && isFloat(b.dtype) ? o.unbroadcast(o.mul(dy[0]!, o.mul(y[0]!, o.log(a))), b) : undefined,
    ];
  }),
  // dX_i = unb(dY, X_i)
  entry('Sum', {}, (c: InferContext) => {
    const idx = c.inputs.map((_, i) => i);
    return [{ dtype: c.sameDType(idx), shape: bcast(c, idx) }];
  }, ({ x, dy, wants }) => x.map((v, i) => (wants[i] ? o.unbroadcast(dy[0]!, v!) : undefined))),
  // Y = max(A, B): dA = unb(dY·[A ≥ B], A), dB = unb(dY·[A < B], B)
  arith('Max', selectGrad((a, b) => o.greaterOrEqual(a, b))),
  // Y = min(A, B): dA = unb(dY·[A ≤ B], A), dB = unb(dY·[A > B], B)
  arith('Min', selectGrad((a, b) => o.lessOrEqual(a, b))),

  // dX = −dY
  numericUnary('Neg', ({ dy }) => [o.neg(dy[0]!)]),
  // dX = dY·sign(X)
  numericUnary('Abs', ({ x, dy }) => [o.mul(dy[0]!, o.apply1('Sign', [x[0]!]))]),
  numericUnary('Sign', 'zero'),
  // dX = dY
  entry('Identity', {}, (c: InferContext) => [{ dtype: c.input(0).dtype, shape: c.input(0).shape }], ({ dy }) => [dy[0]]),
  // Y = eˣ: dX = dY·Y
  floatUnary('Exp', ({ y, dy }) => [o.mul(dy[0]!, y[0]!)]),
  // dX = dY/X
  floatUnary('Log', ({ x, dy }) => [o.div(dy[0]!, x[0]!)]),
  // Y = √X: dX = dY/(2Y)
  floatUnary('Sqrt', ({ y, dy }) => [o.div(o.mul(dy[0]!, 0.5), y[0]!)]),
  // Y = 1/X: dX = −dY·Y²
  floatUnary('Reciprocal', ({ y, dy }) => [o.neg(o.mul(dy[0]!, o.mul(y[0]!, y[0]!)))]),
  // Y = tanh X: dX = dY·(1 − Y²)
  floatUnary('Tanh', ({ y, dy }) => [o.mul(dy[0]!, o.sub(1, o.mul(y[0]!, y[0]!)))]),
  // dX = dY·[X > 0]
  floatUnary('Relu', ({ x, dy }) => [o.where(o.greater(x[0]!, 0), dy[0]!, 0)]),
  // Y = σ(X): dX = dY·Y·(1 − Y)
  floatUnary('Sigmoid', ({ y, dy }) => [o.mul(dy[0]!, o.mul(y[0]!, o.sub(1, y[0]!)))]),
  // d erf(x)/dx = 2/√π · e^(−x²)
  floatUnary('Erf', ({ x, dy }) => [o.mul(dy[0]!, o.mul(o.exp(o.neg(o.mul(x[0]!, x[0]!))), 2 / Math.sqrt(Math.PI)))]),

  compare('Equal'),
  compare('Greater'),
  compare('Less'),
  compare('GreaterOrEqual'),
  compare('LessOrEqual'),
  logical('And'),
  logical('Or'),
  entry('Not', {}, (c: InferContext) => {
    if (c.input(0).dtype !== 'bool') c.fail('input must be bool');
    return [{ dtype: 'bool', shape: c.input(0).shape }];
  }, 'zero'),

  // Y = C ? A : B: dA = unb(C ? dY : 0, A), dB = unb(C ? 0 : dY, B)
  entry('Where', {}, (c: InferContext) => {
    if (c.input(0).dtype !== 'bool') c.fail('the condition must be bool');
    return [{ dtype: c.sameDType([1, 2]), shape: bcast(c, [0, 1, 2]) }];
  }, ({ x, dy, wants }) => [
    undefined,
    wants[1] ? o.unbroadcast(o.where(x[0]!, dy[0]!, 0), x[1]!) : undefined,
    wants[2] ? o.unbroadcast(o.where(x[0]!, 0, dy[0]!), x[2]!) : undefined,
  ]),

  // Between float types: dX = cast(dY, dtype(X)); from or to integers there is no gradient.
  entry('Cast', { to: 'int' }, (c: InferContext) => [{ dtype: dtypeFromOnnxCode(c.int('to', 0)), shape: c.input(0).shape }], ({ x, y, dy }) => [
    isFloat(x[0]!.dtype) && isFloat(y[0]!.dtype) ? o.cast(dy[0]!, x[0]!.dtype) : undefined,
  ]),

  entry('MatMul', {}, (c: InferContext) => {
    const dtype = c.sameDType([0, 1]);
    const a = c.input(0).shape;
    const b = c.input(1).shape;
    if (a.length === 0 || b.length === 0) c.fail('operands must have rank ≥ 1');
    const a2 = a.length === 1 ? [1, a[0]!] : a;
    const b2 = b.length === 1 ? [b[0]!, 1] : b;
    const k1 = a2[a2.length - 1]!;
    const k2 = b2[b2.length - 2]!;
    if (!dimsEqual(k1, k2)) c.fail(`inner dims differ (${k1} vs ${k2})`);
    const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)], 'MatMul batch dims');
    const out: Dim[] = [...batch];
    if (a.length > 1) out.push(a2[a2.length - 2]!);
    if (b.length > 1) out.push(b2[b2.length - 1]!);
    return [{ dtype, shape: out }];
  }, matmulGrad),

  entry('Gemm', { alpha: 'float', beta: 'float', transA: 'int', transB: 'int' }, (c: InferContext) => {
    const dtype = c.sameDType(c.optional(2) ? [0, 1, 2] : [0, 1]);
    const a = c.input(0).shape;
    const b = c.input(1).shape;
    if (a.length !== 2 || b.length !== 2) c.fail('A and B must be 2-D');
    const [m, k1] = c.int('transA', 0) ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
    const [k2, n] = c.int('transB', 0) ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
    if (!dimsEqual(k1, k2)) c.fail(`inner dims differ (${k1} vs ${k2})`);
    const cc = c.optional(2);
    if (cc) {
      const out = broadcastShapes([[m, n], cc.shape], 'Gemm C');
      if (!dimsEqual(out[0]!, m) || !dimsEqual(out[1]!, n)) c.fail(`C ${formatShape(cc.shape)} does not broadcast to [${m},${n}]`);
    }
    return [{ dtype, shape: [m, n] }];
  }, gemmGrad),

  // Y = softmax(X): dX = Y·(dY − Σ_axis dY·Y)
  entry('Softmax', { axis: 'int' }, (c: InferContext) => {
    normalizeAxis(c.int('axis', -1), c.input(0).rank, 'Softmax');
    return [{ dtype: floatInput(c, 0), shape: c.input(0).shape }];
  }, ({ node, y, dy }) => {
    const axis = attrInt(node, 'axis', -1);
    const s = o.reduceSum(o.mul(dy[0]!, y[0]!), [axis], true);
    return [o.mul(y[0]!, o.sub(dy[0]!, s))];
  }),
  // Y = log softmax(X): dX = dY − e^Y · Σ_axis dY
  entry('LogSoftmax', { axis: 'int' }, (c: InferContext) => {
    normalizeAxis(c.int('axis', -1), c.input(0).rank, 'LogSoftmax');
    return [{ dtype: floatInput(c, 0), shape: c.input(0).shape }];
  }, ({ node, y, dy }) => {
    const axis = attrInt(node, 'axis', -1);
    return [o.sub(dy[0]!, o.mul(o.exp(y[0]!), o.reduceSum(dy[0]!, [axis], true)))];
  }),

  entry('LayerNormalization', { axis: 'int', epsilon: 'float', stash_type: 'int' }, (c: InferContext) => {
    const dtype = floatInput(c, 0);
    const x = c.input(0);
    const axis = normalizeAxis(c.int('axis', -1), x.rank, 'LayerNormalization');
    const norm = x.shape.slice(axis);
    for (const i of c.optional(2) ? [1, 2] : [1]) {
      const s = c.input(i).shape;
      const b = broadcastShapes([norm, s], 'LayerNormalization scale/bias');
      if (!b.every((d, j) => dimsEqual(d, norm[j]!)) || b.length !== norm.length) c.fail(`scale/bias ${formatShape(s)} must broadcast to the normalized shape ${formatShape(norm)}`);
    }
    c.sameDType(c.optional(2) ? [0, 1, 2] : [0, 1]);
    return [{ dtype, shape: x.shape }];
  }, layerNormGrad),

  // dX = broadcast of dY back over the reduced axes
  reduceEntry('ReduceSum', ({ node, x, dy }) => [o.expandLike(keepdimsGrad(node, dy[0]!), x[0]!), undefined]),
  // dX = broadcast of dY / n, n = number of elements reduced into each output
  reduceEntry('ReduceMean', ({ node, x, y, dy }) => {
    const v = x[0]!;
    const ratio = divDims(numel(v.shape), numel(y[0]!.shape));
    const n = typeof ratio === 'number'
      ? o.scalarLike(v, ratio)
      : o.div(o.cast(o.apply1('Size', [v]), v.dtype), o.cast(o.apply1('Size', [y[0]!]), v.dtype));
    return [o.expandLike(o.div(keepdimsGrad(node, dy[0]!), n), v), undefined];
  }),
  reduceEntry('ReduceMax', extremumGrad),
  reduceEntry('ReduceMin', extremumGrad),

  entry('ArgMax', { axis: 'int', keepdims: 'int', select_last_index: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    const axis = normalizeAxis(c.int('axis', 0), x.rank, 'ArgMax');
    const keep = c.int('keepdims', 1) === 1;
    const shape = x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : []));
    return [{ dtype: 'int64', shape }];
  }, 'zero'),

  // Values: dX = scatter-add of dValues at the selected indices; indices are not differentiable.
  entry('TopK', { axis: 'int', largest: 'int', sorted: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    const k = c.constInts(1);
    const axis = normalizeAxis(c.int('axis', -1), x.rank, 'TopK');
    let kDim: Dim;
    if (k) {
      if (k.length !== 1) c.fail('K must have shape [1]');
      const d = x.shape[axis]!;
      if (typeof d === 'number' && k[0]! > d) c.fail(`K = ${k[0]} exceeds the axis size ${d}`);
      kDim = k[0]!;
    } else {
      const h = c.hint(0);
      if (!h) c.fail('K is computed at run time: pass the output shape as a hint');
      kDim = h[axis]!;
    }
    const shape = x.shape.map((e, i) => (i === axis ? kDim : e));
    return [{ dtype: numericInput(c, 0), shape }, { dtype: 'int64', shape }];
  }, ({ node, x, y, dy }) => {
    if (!dy[0]) return [undefined, undefined];
    const axis = attrInt(node, 'axis', -1);
    return [o.scatterElements(o.zerosLike(x[0]!), y[1]!, dy[0], axis, 'add'), undefined];
  }),

  // dX = reshape(dY, shape(X)) for every pure reshaping op
  entry('Reshape', { allowzero: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    const spec = c.constInts(1);
    if (!spec) {
      const h = c.hint(0);
      if (!h) c.fail('the shape input is computed at run time: pass the output shape as a hint (ops.reshapeLike does)');
      return [{ dtype: x.dtype, shape: h }];
    }
    const out: Dim[] = spec.map((s, i) => (s === 0 && !c.int('allowzero', 0) ? (x.shape[i] ?? c.fail(`dim ${i} copies a missing input dim`)) : s));
    const hole = out.indexOf(-1);
    if (hole >= 0) {
      const known = out.filter((_, i) => i !== hole).reduce<Dim>((p, d) => mulDims(p, d), 1);
      const rest = divDims(numel(x.shape), known);
      if (rest === undefined) c.fail(`cannot infer the -1 dim of ${formatShape(spec)}`);
      out[hole] = rest;
    }
    if (!dimsEqual(numel(out), numel(x.shape))) c.fail(`cannot reshape to ${formatShape(out)}: element counts differ`);
    // A hint names the symbolic dims the 0 / -1 entries stand for; it must agree with the rest.
    const h = c.hint(0);
    if (h && (h.length !== out.length || h.some((d, i) => typeof d === 'number' && typeof out[i] === 'number' && d !== out[i]))) {
      c.fail(`the shape hint ${formatShape(h)} contradicts the target ${formatShape(out)}`);
    }
    return [{ dtype: x.dtype, shape: h ?? out }];
  }, ({ x, dy }) => [o.reshapeLike(dy[0]!, x[0]!), undefined]),

  entry('Squeeze', {}, (c: InferContext) => {
    const x = c.input(0);
    const axes = c.optional(1) ? c.constInts(1) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    if (!axes) c.fail('axes must be a constant');
    const set = new Set(normalizeAxes(axes, x.rank, 'Squeeze'));
    for (const a of set) if (x.shape[a] !== 1) c.fail(`axis ${a} has size ${x.shape[a]}, not 1`);
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !set.has(i)) }];
  }, ({ x, dy }) => [o.reshapeLike(dy[0]!, x[0]!), undefined]),

  entry('Unsqueeze', {}, (c: InferContext) => {
    const x = c.input(0);
    const axes = c.constInts(1);
    if (!axes) c.fail('axes must be a constant');
    const r = x.rank + axes.length;
    const set = new Set(normalizeAxes(axes, r, 'Unsqueeze'));
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : x.shape[j++]!);
    return [{ dtype: x.dtype, shape: out }];
  }, ({ x, dy }) => [o.reshapeLike(dy[0]!, x[0]!), undefined]),

  // dX = unb(dY, X)
  entry('Expand', {}, (c: InferContext) => {
    const x = c.input(0);
    const spec = c.constInts(1);
    const target = spec ?? c.hint(0);
    if (!target) c.fail('the shape input is computed at run time: pass the output shape as a hint (ops.expandLike does)');
    return [{ dtype: x.dtype, shape: broadcastShapes([x.shape, target], 'Expand') }];
  }, ({ x, dy }) => [o.unbroadcast(dy[0]!, x[0]!), undefined]),

  // dX = transpose(dY, perm⁻¹)
  entry('Transpose', { perm: 'ints' }, (c: InferContext) => {
    const x = c.input(0);
    const perm = c.ints('perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) c.fail(`perm [${perm.join(',')}] is not a permutation of rank ${x.rank}`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  }, ({ node, x, dy }) => [o.transpose(dy[0]!, inversePerm(permOf(node, x[0]!.rank)))]),

  // dX_i = the slice of dY that X_i occupies along the axis
  entry('Concat', { axis: 'int' }, (c: InferContext) => {
    const xs = c.inputs.map((_, i) => c.input(i));
    const dtype = c.sameDType(xs.map((_, i) => i));
    const r = xs[0]!.rank;
    const axis = normalizeAxis(c.int('axis', 0), r, 'Concat');
    let total: Dim = 0;
    for (const v of xs) {
      if (v.rank !== r) c.fail('inputs must have equal ranks');
      v.shape.forEach((d, i) => {
        if (i !== axis && !dimsEqual(d, xs[0]!.shape[i]!)) c.fail(`dims differ on axis ${i}`);
      });
      const d = v.shape[axis]!;
      if (typeof d !== 'number' || typeof total !== 'number') c.fail('symbolic sizes along the concatenation axis are not supported');
      total += d;
    }
    return [{ dtype, shape: xs[0]!.shape.map((d, i) => (i === axis ? total : d)) }];
  }, ({ node, x, dy }) => {
    const axis = normalizeAxis(attrInt(node, 'axis', 0), x[0]!.rank, 'Concat');
    return o.split(dy[0]!, x.map((v) => v!.shape[axis] as number), axis);
  }),

  // dX = concat of the dY_i (zeros for outputs that do not reach the loss)
  entry('Split', { axis: 'int', num_outputs: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    const axis = normalizeAxis(c.int('axis', 0), x.rank, 'Split');
    const sizes = c.constInts(1);
    if (!sizes) c.fail('split sizes must be a constant input');
    const d = x.shape[axis]!;
    if (typeof d !== 'number' || sizes.reduce((p, s) => p + s, 0) !== d) c.fail(`split sizes [${sizes.join(',')}] do not add up to ${d}`);
    return sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === axis ? s : e)) }));
  }, ({ node, y, dy }) => {
    const axis = attrInt(node, 'axis', 0);
    return [o.concat(y.map((v, i) => dy[i] ?? o.zerosLike(v)), axis), undefined];
  }),

  // Step 1: dX = zero-padding of dY back to X's extent. Other steps are not implemented.
  entry('Slice', {}, (c: InferContext) => {
    const x = c.input(0);
    const s = sliceSpec(x, c.inputs, (m) => c.fail(m));
    const out: Dim[] = [...x.shape];
    s.axes.forEach((a, i) => {
      const d = x.shape[a]!;
      if (typeof d === 'number') out[a] = sliceDim(d, s.starts[i]!, s.ends[i]!, s.steps[i]!).len;
      else if (!(s.starts[i] === 0 && s.ends[i]! >= TO_THE_END && s.steps[i] === 1)) c.fail(`axis ${a} has symbolic size ${d}: only full slices are supported there`);
    });
    return [{ dtype: x.dtype, shape: out }];
  }, ({ x, dy }) => {
    const v = x[0]!;
    const s = sliceSpec(v, x, (m) => {
      throw graphError(`Slice gradient: ${m}`);
    });
    const pads = new Array<number>(2 * v.rank).fill(0);
    s.axes.forEach((a, i) => {
      const d = v.shape[a]!;
      if (typeof d !== 'number') return;
      if (s.steps[i] !== 1) throw graphError('the gradient of Slice is implemented for step 1 only');
      const { start, len } = sliceDim(d, s.starts[i]!, s.ends[i]!, 1);
      pads[a] = start;
      pads[v.rank + a] = d - start - len;
    });
    return [pads.every((p) => p === 0) ? dy[0]! : o.pad(dy[0]!, pads), undefined, undefined, undefined, undefined];
  }),

  // Constant padding: dX = the un-padded region of dY.
  entry('Pad', { mode: 'string' }, (c: InferContext) => {
    const x = c.input(0);
    if (c.str('mode', 'constant') !== 'constant') c.fail('only constant padding is supported');
    const pads = c.constInts(1);
    const axes = c.optional(3) ? c.constInts(3) : x.shape.map((_, i) => i);
    if (!pads || !axes) c.fail('pads and axes must be constants');
    const ax = normalizeAxes(axes, x.rank, 'Pad');
    if (pads.length !== 2 * ax.length) c.fail(`pads needs ${2 * ax.length} values`);
    const out: Dim[] = [...x.shape];
    ax.forEach((a, i) => {
      const d = x.shape[a]!;
      if (typeof d !== 'number') c.fail(`axis ${a} is symbolic`);
      out[a] = d + pads[i]! + pads[i + ax.length]!;
    });
    return [{ dtype: x.dtype, shape: out }];
  }, ({ x, dy }) => {
    const v = x[0]!;
    const pads = constIntsOf(x[1])!;
    const axes = x[3] ? normalizeAxes(constIntsOf(x[3])!, v.rank, 'Pad') : v.shape.map((_, i) => i);
    if (pads.some((p) => p < 0)) throw graphError('the gradient of Pad is implemented for non-negative pads only');
    const starts = axes.map((_, i) => pads[i]!);
    const ends = axes.map((a, i) => pads[i]! + (v.shape[a] as number));
    return [o.slice(dy[0]!, starts, ends, axes), undefined, undefined, undefined];
  }),

  // Y = cumsum(X) along an axis: dX = reverse cumsum of dY (same exclusive flag, direction flipped)
  entry('CumSum', { exclusive: 'int', reverse: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    numericInput(c, 0);
    const axis = c.constInts(1);
    if (!axis || axis.length !== 1) c.fail('axis must be a constant with one element');
    normalizeAxis(axis[0]!, x.rank, 'CumSum');
    return [{ dtype: x.dtype, shape: x.shape }];
  }, ({ node, x, dy }) => [
    o.apply1('CumSum', [dy[0]!, x[1]!], { exclusive: attrInt(node, 'exclusive', 0), reverse: attrInt(node, 'reverse', 0) ? 0 : 1 }),
    undefined,
  ]),

  // Flattened unique (no axis): the number of unique values is only known at run time, so the
  // caller names it through a shape hint (default symbol 'unique').
  entry('Unique', { sorted: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    const n = numel(x.shape);
    const u = c.hint(0)?.[0] ?? 'unique';
    return [{ dtype: x.dtype, shape: [u] }, { dtype: 'int64', shape: [u] }, { dtype: 'int64', shape: [n] }, { dtype: 'int64', shape: [u] }];
  }, 'zero'),

  entry('Gather', { axis: 'int' }, (c: InferContext) => {
    const data = c.input(0);
    intInput(c, 1);
    const idx = c.input(1);
    const a = normalizeAxis(c.int('axis', 0), data.rank, 'Gather');
    return [{ dtype: data.dtype, shape: [...data.shape.slice(0, a), ...idx.shape, ...data.shape.slice(a + 1)] }];
  }, gatherGrad),

  // dData = ScatterElements(zeros, indices, dY, axis, reduction='add')
  entry('GatherElements', { axis: 'int' }, (c: InferContext) => {
    const data = c.input(0);
    intInput(c, 1);
    const idx = c.input(1);
    normalizeAxis(c.int('axis', 0), data.rank, 'GatherElements');
    if (idx.rank !== data.rank) c.fail('indices must have the rank of data');
    return [{ dtype: data.dtype, shape: idx.shape }];
  }, ({ node, x, dy, wants }) => [
    wants[0] ? o.scatterElements(o.zerosLike(x[0]!), x[1]!, dy[0]!, attrInt(node, 'axis', 0), 'add') : undefined,
    undefined,
  ]),

  entry('ScatterND', { reduction: 'string' }, (c: InferContext) => {
    const data = c.input(0);
    const idx = c.input(1);
    if (idx.dtype !== 'int64') c.fail('indices must be int64');
    const k = idx.shape[idx.rank - 1];
    if (typeof k !== 'number' || k > data.rank) c.fail('the last dim of indices must be a number ≤ rank(data)');
    const expected = [...idx.shape.slice(0, -1), ...data.shape.slice(k)];
    const upd = c.input(2);
    if (upd.rank !== expected.length || !upd.shape.every((d, i) => dimsEqual(d, expected[i]!))) c.fail(`updates must have shape ${formatShape(expected)}`);
    c.sameDType([0, 2]);
    return [{ dtype: data.dtype, shape: data.shape }];
  }, 'unsupported'),

  entry('ScatterElements', { axis: 'int', reduction: 'string' }, (c: InferContext) => {
    const data = c.input(0);
    intInput(c, 1);
    normalizeAxis(c.int('axis', 0), data.rank, 'ScatterElements');
    c.sameDType([0, 2]);
    return [{ dtype: data.dtype, shape: data.shape }];
  }, 'unsupported'),

  entry('OneHot', { axis: 'int' }, (c: InferContext) => {
    const idx = c.input(0);
    const depth = c.constInts(1);
    if (!depth || depth.length !== 1) c.fail('depth must be a constant with one element');
    const values = c.input(2);
    const r = idx.rank + 1;
    const axis = normalizeAxis(c.int('axis', -1), r, 'OneHot');
    const out: Dim[] = [...idx.shape];
    out.splice(axis, 0, depth[0]!);
    return [{ dtype: values.dtype, shape: out }];
  }, 'unsupported'),

  // Indices of the non-zero elements, [rank, count]; the count is data-dependent (shape hint).
  entry('NonZero', {}, (c: InferContext) => {
    const x = c.input(0);
    const count = c.hint(0)?.[1] ?? 'nonzero';
    return [{ dtype: 'int64', shape: [x.rank, count] }];
  }, 'zero'),

  entry('Shape', { start: 'int', end: 'int' }, (c: InferContext) => {
    const x = c.input(0);
    const start = c.int('start', 0);
    const end = c.int('end', x.rank);
    const s = start < 0 ? start + x.rank : start;
    const e = end < 0 ? end + x.rank : Math.min(end, x.rank);
    return [{ dtype: 'int64', shape: [Math.max(0, e - s)] }];
  }, 'zero'),

  entry('Size', {}, () => [{ dtype: 'int64', shape: [] }], 'zero'),

  entry('ConstantOfShape', { value: 'tensor' }, (c: InferContext) => {
    const dtype = (c.attrs.value as { dtype: DType } | undefined)?.dtype ?? 'float32';
    const spec = c.constInts(0);
    const shape = spec ?? c.hint(0);
    if (!shape) c.fail('the shape input is computed at run time: pass the output shape as a hint');
    return [{ dtype, shape }];
  }, 'zero'),

  entry('Loop', { body: 'graph' }, (c: InferContext) => {
    const body = c.graph('body');
    const n = c.inputs.length - 2;
    if (body.inputs.length !== n + 2) c.fail(`the body must have ${n + 2} inputs (iteration, condition, ${n} carried), has ${body.inputs.length}`);
    if (body.outputs.length < n + 1) c.fail(`the body must have at least ${n + 1} outputs`);
    const out: ValueType[] = [];
    for (let i = 0; i < n; i++) {
      const v = c.input(i + 2);
      const bi = body.inputs[i + 2]!;
      const bo = body.outputs[i + 1]!;
      for (const w of [bi, bo]) {
        if (w.dtype !== v.dtype || w.rank !== v.rank || !w.shape.every((d, j) => dimsEqual(d, v.shape[j]!))) {
          c.fail(`loop-carried value ${i} is ${v.dtype}${formatShape(v.shape)} but the body has ${w.dtype}${formatShape(w.shape)} ('${w.name}')`);
        }
      }
      out.push({ dtype: v.dtype, shape: v.shape });
    }
    const trips = c.optional(0) ? c.constInts(0) : undefined;
    body.outputs.slice(n + 1).forEach((s, k) => {
      const lead = trips ? trips[0]! : c.hint(n + k)?.[0];
      if (lead === undefined) c.fail('scan outputs need a constant trip count or a shape hint');
      out.push({ dtype: s.dtype, shape: [lead, ...s.shape] });
    });
    return out;
  }, 'unsupported'),
];

/** The op table, keyed by ONNX op type. Frozen: extend it by adding entries in this file. */
export const OP_TABLE: Readonly<Record<string, OpEntry>> = Object.freeze(
  ops.reduce<Table>((t, e) => {
    t[e.type] = e;
    return t;
  }, {}),
);
