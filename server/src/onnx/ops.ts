/**
 * Typed functions over the op table: the API models, losses, optimizers and gradient rules are
 * written in. Each function applies one ONNX op (or, in the "derived" section of nn.ts, a
 * composition of them) in the innermost graph among its inputs, turning JS numbers and arrays into
 * constants where ONNX wants tensors (axes, shapes, scalars).
 *
 * `Operand` arguments accept a number, which becomes a scalar constant of the other operand's
 * dtype, so `mul(x, 0.5)` and `sub(1, p)` read like the formulas they implement.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { DType, ONNX_DTYPE_CODE, TensorData, scalarTensor, tensor } from './dtype';
import { Dim, Shape, canonicalDim, dimFactors, dimsEqual, divDims, formatShape, isStaticShape, mulDims, numel } from './shape';
import type { Attrs, GraphLike, Value } from './values';

/** A value, or a number standing for a scalar constant of the other operand's dtype. */
export type Operand = Value | number;

function graphError(message: string): EngineError {
  return new EngineError(ERROR_CODES.GRAPH, message);
}

function graphOf(values: readonly (Value | undefined)[]): GraphLike {
  const first = values.find((v): v is Value => v !== undefined);
  if (!first) throw graphError('an op needs at least one value input to know its graph');
  return first.graph.deepest(values);
}

/** Applies `op` and returns its single output. */
export function apply1(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs = {}, hint?: Shape): Value {
  return graphOf(inputs).apply(op, inputs, attrs, hint ? { shapeHints: [hint] } : {})[0]!;
}

/** Applies `op` and returns all its outputs (`hints`: shapes the shape rule cannot derive). */
export function applyN(op: string, inputs: readonly (Value | undefined)[], attrs: Attrs = {}, hints?: readonly (Shape | undefined)[]): Value[] {
  return graphOf(inputs).apply(op, inputs, attrs, hints ? { shapeHints: hints } : {});
}

/** A constant in `g`'s root graph. */
export function constant(g: GraphLike, data: TensorData): Value {
  return g.constant(data);
}

/** A scalar constant with the dtype of `like`. */
export function scalarLike(like: Value, value: number): Value {
  return like.graph.constant(scalarTensor(like.dtype, value));
}

/** A scalar constant of the given dtype. */
export function scalar(g: GraphLike, value: number, dtype: DType): Value {
  return g.constant(scalarTensor(dtype, value));
}

/** A 1-D int64 constant (axes, shapes, indices). */
export function int64s(g: GraphLike, values: readonly number[]): Value {
  return g.constant(tensor('int64', [values.length], values));
}

function lift(a: Operand, b: Operand, what: string): [Value, Value] {
  if (typeof a === 'number' && typeof b === 'number') throw graphError(`${what}: at least one operand must be a value`);
  const va = typeof a === 'number' ? scalarLike(b as Value, a) : a;
  const vb = typeof b === 'number' ? scalarLike(a as Value, b) : b;
  return [va, vb];
}

// ---------------------------------------------------------------------------------------------
// Elementwise arithmetic (numpy broadcasting)

/** a + b. */
export const add = (a: Operand, b: Operand): Value => apply1('Add', lift(a, b, 'Add'));
/** a − b. */
export const sub = (a: Operand, b: Operand): Value => apply1('Sub', lift(a, b, 'Sub'));
/** a · b. */
export const mul = (a: Operand, b: Operand): Value => apply1('Mul', lift(a, b, 'Mul'));
/** a / b. */
export const div = (a: Operand, b: Operand): Value => apply1('Div', lift(a, b, 'Div'));
/** a ^ b. */
export const pow = (a: Operand, b: Operand): Value => apply1('Pow', lift(a, b, 'Pow'));
/** Elementwise maximum. */
export const max = (a: Operand, b: Operand): Value => apply1('Max', lift(a, b, 'Max'));
/** Elementwise minimum. */
export const min = (a: Operand, b: Operand): Value => apply1('Min', lift(a, b, 'Min'));
/** Sum of any number of values (broadcasting). */
export function sum(xs: readonly Value[]): Value {
  if (xs.length === 0) throw graphError('Sum needs at least one input');
  return xs.length === 1 ? xs[0]! : apply1('Sum', xs);
}

/** −x. */
export const neg = (x: Value): Value => apply1('Neg', [x]);
/** eˣ. */
export const exp = (x: Value): Value => apply1('Exp', [x]);
/** Natural logarithm. */
export const log = (x: Value): Value => apply1('Log', [x]);
/** √x. */
export const sqrt = (x: Value): Value => apply1('Sqrt', [x]);
/** 1/x. */
export const reciprocal = (x: Value): Value => apply1('Reciprocal', [x]);
/** |x|. */
export const abs = (x: Value): Value => apply1('Abs', [x]);
/** tanh x. */
export const tanh = (x: Value): Value => apply1('Tanh', [x]);
/** max(x, 0). */
export const relu = (x: Value): Value => apply1('Relu', [x]);
/** 1 / (1 + e⁻ˣ). */
export const sigmoid = (x: Value): Value => apply1('Sigmoid', [x]);
/** Gauss error function. */
export const erf = (x: Value): Value => apply1('Erf', [x]);
/** x, as a new value (used to name outputs). */
export const identity = (x: Value): Value => apply1('Identity', [x]);

// ---------------------------------------------------------------------------------------------
// Comparisons and logic (outputs bool; not differentiable)

/** a == b. */
export const equal = (a: Operand, b: Operand): Value => apply1('Equal', lift(a, b, 'Equal'));
/** a > b. */
export const greater = (a: Operand, b: Operand): Value => apply1('Greater', lift(a, b, 'Greater'));
/** a < b. */
export const less = (a: Operand, b: Operand): Value => apply1('Less', lift(a, b, 'Less'));
/** a ≥ b. */
export const greaterOrEqual = (a: Operand, b: Operand): Value => apply1('GreaterOrEqual', lift(a, b, 'GreaterOrEqual'));
/** a ≤ b. */
export const lessOrEqual = (a: Operand, b: Operand): Value => apply1('LessOrEqual', lift(a, b, 'LessOrEqual'));
/** Logical and. */
export const and = (a: Value, b: Value): Value => apply1('And', [a, b]);
/** Logical or. */
export const or = (a: Value, b: Value): Value => apply1('Or', [a, b]);
/** Logical not. */
export const not = (x: Value): Value => apply1('Not', [x]);

/** cond ? a : b, elementwise with broadcasting. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  const [va, vb] = lift(a, b, 'Where');
  return apply1('Where', [cond, va, vb]);
}

/** Converts to another dtype. */
export function cast(x: Value, to: DType): Value {
  return x.dtype === to ? x : apply1('Cast', [x], { to: ONNX_DTYPE_CODE[to] });
}

// ---------------------------------------------------------------------------------------------
// Linear algebra

/** Numpy matmul: batched over leading axes with broadcasting; 1-D operands are promoted. */
export const matmul = (a: Value, b: Value): Value => apply1('MatMul', [a, b]);

/** Options of {@link gemm}. */
export interface GemmOptions {
  readonly alpha?: number;
  readonly beta?: number;
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/** alpha · op(A) · op(B) + beta · C, with op = optional transpose; A and B are 2-D. */
export function gemm(a: Value, b: Value, c?: Value, o: GemmOptions = {}): Value {
  const attrs: Record<string, number> = {};
  if (o.alpha !== undefined && o.alpha !== 1) attrs.alpha = o.alpha;
  if (o.beta !== undefined && o.beta !== 1) attrs.beta = o.beta;
  if (o.transA) attrs.transA = 1;
  if (o.transB) attrs.transB = 1;
  return apply1('Gemm', c ? [a, b, c] : [a, b], attrs);
}

// ---------------------------------------------------------------------------------------------
// Normalizations

/** Softmax along `axis` (default the last). */
export const softmax = (x: Value, axis = -1): Value => apply1('Softmax', [x], { axis });
/** Log-softmax along `axis` (default the last). */
export const logSoftmax = (x: Value, axis = -1): Value => apply1('LogSoftmax', [x], { axis });

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** First normalized axis; all axes from it to the last are normalized (default -1). */
  readonly axis?: number;
  /** Added to the variance (default 1e-5). */
  readonly epsilon?: number;
}

/**
 * ONNX LayerNormalization (opset 17): (x − mean) / √(var + ε) · scale + bias over the axes from
 * `axis` on. Statistics are computed in the input's precision (stash_type = input dtype), so the
 * float64 gradient check is exact.
 */
export function layerNorm(x: Value, scale: Value, bias?: Value, o: LayerNormOptions = {}): Value {
  const attrs: Record<string, number> = { axis: o.axis ?? -1, epsilon: o.epsilon ?? 1e-5, stash_type: ONNX_DTYPE_CODE[x.dtype] };
  return apply1('LayerNormalization', bias ? [x, scale, bias] : [x, scale], attrs);
}

// ---------------------------------------------------------------------------------------------
// Reductions

function reduce(op: string, x: Value, axes: readonly number[] | undefined, keepdims: boolean): Value {
  if (axes !== undefined && axes.length === 0) return x;
  const inputs = axes === undefined ? [x] : [x, int64s(x.graph, axes)];
  return apply1(op, inputs, { keepdims: keepdims ? 1 : 0 });
}

/**
 * Sum over `axes` (all axes when omitted; an empty list reduces nothing and returns `x`).
 * `keepdims` defaults to true, as in ONNX. The other reductions below take the same arguments.
 */
export const reduceSum = (x: Value, axes?: readonly number[], keepdims = true): Value => reduce('ReduceSum', x, axes, keepdims);
/** Mean over `axes` (all axes when omitted). */
export const reduceMean = (x: Value, axes?: readonly number[], keepdims = true): Value => reduce('ReduceMean', x, axes, keepdims);
/** Maximum over `axes` (all axes when omitted). */
export const reduceMax = (x: Value, axes?: readonly number[], keepdims = true): Value => reduce('ReduceMax', x, axes, keepdims);
/** Minimum over `axes` (all axes when omitted). */
export const reduceMin = (x: Value, axes?: readonly number[], keepdims = true): Value => reduce('ReduceMin', x, axes, keepdims);

/** Index of the maximum along `axis` (int64; first index on ties). */
export function argMax(x: Value, axis: number, keepdims = false): Value {
  return apply1('ArgMax', [x], { axis, keepdims: keepdims ? 1 : 0 });
}

/** The `k` largest (or smallest) entries along `axis`, sorted, with their int64 indices. */
export function topK(x: Value, k: number, axis = -1, largest = true): { values: Value; indices: Value } {
  const [values, indices] = applyN('TopK', [x, int64s(x.graph, [k])], { axis, largest: largest ? 1 : 0, sorted: 1 });
  return { values: values!, indices: indices! };
}

// ---------------------------------------------------------------------------------------------
// Shapes

/** The shape of `x` as a 1-D int64 tensor. */
export const shapeOf = (x: Value): Value => apply1('Shape', [x]);

/**
 * Reshapes to `target`. One dim may be -1 (inferred from the element count). Symbolic dims are
 * resolved at run time: a dim equal to the input's dim at the same axis is copied (0), a single
 * remaining unknown becomes -1, and any other symbolic dim is computed from the input's shape.
 */
export function reshape(x: Value, target: readonly Dim[]): Value {
  const dims = [...target];
  const holes = dims.filter((d) => d === -1).length;
  if (holes > 1) throw graphError(`Reshape to ${formatShape(target)}: at most one dim may be -1`);
  if (holes === 1) {
    const known = dims.filter((d) => d !== -1).reduce<Dim>((p, d) => mulDims(p, d), 1);
    const rest = divDims(numel(x.shape), known);
    if (rest === undefined) throw graphError(`Reshape ${formatShape(x.shape)} to ${formatShape(target)}: the -1 dim cannot be inferred`);
    dims[dims.indexOf(-1)] = rest;
  }
  const shape = dims.map(canonicalDim);
  if (!dimsEqual(numel(shape), numel(x.shape))) {
    throw graphError(`Reshape ${formatShape(x.shape)} to ${formatShape(shape)}: element counts differ`);
  }
  if (shape.length === x.rank && shape.every((d, i) => dimsEqual(d, x.shape[i]!))) return x;
  return apply1('Reshape', [x, reshapeTarget(x, shape)], {}, shape);
}

/** The int64 shape input of a Reshape of `x` to `shape` (see {@link reshape}). */
function reshapeTarget(x: Value, shape: readonly Dim[]): Value {
  const g = x.graph;
  if (shape.some((d) => d === 0)) throw graphError(`Reshape to ${formatShape(shape)}: zero-sized dims are not supported`);
  const spec: (number | undefined)[] = shape.map((d, i) => (typeof d === 'number' ? d : i < x.rank && dimsEqual(d, x.shape[i]!) ? 0 : undefined));
  const unknown = spec.filter((s) => s === undefined).length;
  if (unknown === 0) return int64s(g, spec as number[]);
  if (unknown === 1) return int64s(g, spec.map((s) => (s === undefined ? -1 : s)));
  // Several symbolic dims cannot be copied positionally: build the shape tensor from Shape(x).
  const xs = shapeOf(x);
  const parts = shape.map((d, i) => (spec[i] !== undefined ? int64s(g, [spec[i]!]) : dimFromShape(x, xs, d)));
  return concat(parts, 0);
}

/** A [1] int64 tensor holding symbolic dim `d`, computed from the shape tensor `xs` of `x`. */
function dimFromShape(x: Value, xs: Value, d: Dim): Value {
  const g = x.graph;
  const pick = (axis: number): Value => gather(xs, int64s(g, [axis]), 0);
  const whole = x.shape.findIndex((e) => dimsEqual(e, d));
  if (whole >= 0) return pick(whole);
  const { coef, syms } = dimFactors(d);
  let acc: Value | undefined = coef === 1 ? undefined : int64s(g, [coef]);
  for (const s of syms) {
    const axis = x.shape.findIndex((e) => e === s);
    if (axis < 0) throw graphError(`Reshape ${formatShape(x.shape)}: symbolic dim '${d}' cannot be computed from the input's shape; use reshapeLike`);
    acc = acc ? mul(acc, pick(axis)) : pick(axis);
  }
  return acc ?? int64s(g, [coef]);
}

/** Reshapes `x` to the (run-time) shape of `like`. */
export function reshapeLike(x: Value, like: Value): Value {
  if (x.rank === like.rank && x.shape.every((d, i) => dimsEqual(d, like.shape[i]!))) return x;
  if (isStaticShape(like.shape)) return reshape(x, like.shape);
  if (!dimsEqual(numel(x.shape), numel(like.shape))) {
    throw graphError(`Reshape ${formatShape(x.shape)} like ${formatShape(like.shape)}: element counts differ`);
  }
  return apply1('Reshape', [x, shapeOf(like)], {}, like.shape);
}

/** Broadcasts `x` to `shape` (numpy rules; the result has the broadcast shape). */
export function expand(x: Value, shape: readonly number[]): Value {
  return apply1('Expand', [x, int64s(x.graph, shape)]);
}

/** Broadcasts `x` to the (run-time) shape of `like`. */
export function expandLike(x: Value, like: Value): Value {
  if (x.rank === like.rank && x.shape.every((d, i) => dimsEqual(d, like.shape[i]!))) return x;
  if (isStaticShape(like.shape)) return expand(x, like.shape);
  return apply1('Expand', [x, shapeOf(like)], {}, like.shape);
}

/** Permutes axes (default: reverse them). */
export function transpose(x: Value, perm?: readonly number[]): Value {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.every((a, i) => a === i)) return x;
  return apply1('Transpose', [x], { perm: p });
}

/** Swaps the last two axes (the matrix transpose of a batch of matrices). */
export function transposeLast2(x: Value): Value {
  const p = x.shape.map((_, i) => i);
  const r = x.rank;
  if (r < 2) throw graphError(`transposeLast2 needs rank ≥ 2, got ${formatShape(x.shape)}`);
  [p[r - 2], p[r - 1]] = [p[r - 1]!, p[r - 2]!];
  return transpose(x, p);
}

/** Concatenates along `axis`. */
export function concat(xs: readonly Value[], axis: number): Value {
  if (xs.length === 1) return xs[0]!;
  return apply1('Concat', xs, { axis });
}

/** Splits along `axis` into pieces of the given sizes. */
export function split(x: Value, sizes: readonly number[], axis: number): Value[] {
  return applyN('Split', [x, int64s(x.graph, sizes)], { axis });
}

/** `x[starts:ends:steps]` along `axes` (default 0..n−1); ends beyond the dim are clamped. */
export function slice(x: Value, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Value {
  const g = x.graph;
  const inputs = [x, int64s(g, starts), int64s(g, ends), axes ? int64s(g, axes) : undefined, steps ? int64s(g, steps) : undefined];
  while (inputs[inputs.length - 1] === undefined) inputs.pop();
  return apply1('Slice', inputs);
}

/** Removes the given axes of size 1. */
export function squeeze(x: Value, axes: readonly number[]): Value {
  return axes.length === 0 ? x : apply1('Squeeze', [x, int64s(x.graph, axes)]);
}

/** Inserts axes of size 1 at the given positions of the output. */
export function unsqueeze(x: Value, axes: readonly number[]): Value {
  return axes.length === 0 ? x : apply1('Unsqueeze', [x, int64s(x.graph, axes)]);
}

/** Zero padding: `pads` = [begin_0, …, begin_n, end_0, …, end_n] for the given axes (default all). */
export function pad(x: Value, pads: readonly number[], axes?: readonly number[]): Value {
  const g = x.graph;
  const inputs = [x, int64s(g, pads), undefined, axes ? int64s(g, axes) : undefined];
  while (inputs[inputs.length - 1] === undefined) inputs.pop();
  return apply1('Pad', inputs, { mode: 'constant' });
}

/** A tensor of the shape given by the 1-D int64 value `shapeValue`, filled with `value`. */
export function constantOfShape(shapeValue: Value, value: number, dtype: DType, hint: Shape): Value {
  return apply1('ConstantOfShape', [shapeValue], { value: tensor(dtype, [1], [value]) }, hint);
}

/** A tensor of static shape `shape` filled with `value`, computed at run time (no stored data). */
export function fill(g: GraphLike, shape: readonly number[], value: number, dtype: DType): Value {
  return apply1('ConstantOfShape', [int64s(g, shape)], { value: tensor(dtype, [1], [value]) });
}

/** Zeros with the dtype and (run-time) shape of `like`. */
export function zerosLike(like: Value): Value {
  if (isStaticShape(like.shape)) return fill(like.graph, like.shape, 0, like.dtype);
  return constantOfShape(shapeOf(like), 0, like.dtype, like.shape);
}

// ---------------------------------------------------------------------------------------------
// Indexing

/** `data` indexed along `axis` by integer `indices` (embedding lookup for axis 0). */
export const gather = (data: Value, indices: Value, axis = 0): Value => apply1('Gather', [data, indices], { axis });

/** out[i][j] = data[i][indices[i][j]] along `axis` (indices has data's rank). */
export const gatherElements = (data: Value, indices: Value, axis: number): Value => apply1('GatherElements', [data, indices], { axis });

/** Scatter reductions supported by ScatterND / ScatterElements (opset 18). */
export type ScatterReduction = 'none' | 'add' | 'mul' | 'max' | 'min';

/** Copy of `data` with slices at `indices` (last axis indexes data's leading axes) set or reduced. */
export function scatterND(data: Value, indices: Value, updates: Value, reduction: ScatterReduction = 'none'): Value {
  return apply1('ScatterND', [data, indices, updates], reduction === 'none' ? {} : { reduction });
}

/** Copy of `data` with elements at `indices` along `axis` set or reduced. */
export function scatterElements(data: Value, indices: Value, updates: Value, axis: number, reduction: ScatterReduction = 'none'): Value {
  return apply1('ScatterElements', [data, indices, updates], reduction === 'none' ? { axis } : { axis, reduction });
}

// ---------------------------------------------------------------------------------------------
// Helpers used by gradient rules

/**
 * Sums `grad` (the gradient of a broadcast result) down to the shape of `like` (the operand that
 * was broadcast): dL/dx = Σ over broadcast axes of dL/dy, then reshape to x's shape.
 */
export function unbroadcast(grad: Value, like: Value): Value {
  const r = grad.rank;
  const t = like.rank;
  const axes: number[] = [];
  for (let i = 0; i < r; i++) {
    const j = i - (r - t);
    if (j < 0) axes.push(i);
    else if (like.shape[j] === 1 && grad.shape[i] !== 1) axes.push(i);
    else if (!dimsEqual(like.shape[j]!, grad.shape[i]!) && grad.shape[i] !== 1) {
      throw new EngineError(ERROR_CODES.INTERNAL, `unbroadcast: gradient ${formatShape(grad.shape)} does not broadcast from ${formatShape(like.shape)}`);
    }
  }
  const summed = axes.length ? reduceSum(grad, axes, true) : grad;
  return reshapeLike(summed, like);
}

// ---------------------------------------------------------------------------------------------
// Control flow

/** What a Loop body builder receives. */
export interface LoopBodyScope {
  /** The body graph; values of enclosing graphs can be used directly (outer-scope references). */
  readonly graph: GraphLike;
  /** Iteration number, int64 scalar, 0-based. */
  readonly iteration: Value;
  /** Loop-carried values at the start of this iteration. */
  readonly carried: readonly Value[];
}

/** What a Loop body builder returns. */
export interface LoopBodyResult {
  /** Loop-carried values for the next iteration (same dtypes and shapes as on entry). */
  readonly carried: readonly Value[];
  /** Per-iteration values, stacked along a new leading axis of size `trips`. */
  readonly scans?: readonly Value[];
  /** Continue condition (bool scalar); omitted = run all `trips` iterations. */
  readonly cond?: Value;
}

/** Specification of {@link loop}. */
export interface LoopSpec {
  /** Number of iterations: a number, or an int64 scalar value fed at run time. */
  readonly trips: number | Value;
  /** Symbolic name of the scan outputs' leading dim when `trips` is a value (default 'trips'). */
  readonly tripDim?: string;
  /** Initial loop-carried values. */
  readonly carried: readonly Value[];
  /** Builds the body; called once. */
  readonly body: (scope: LoopBodyScope) => LoopBodyResult;
  /** Name of the body graph, also the prefix of its input and output names (default: generated). */
  readonly name?: string;
}

/**
 * ONNX Loop: runs `body` `trips` times, threading the carried values through the iterations.
 * Returns the final carried values and the stacked scan outputs. This is how several training
 * steps run in one `session.run`: parameters and optimizer state are carried, per-step batches are
 * gathered from outer-scope inputs by the iteration number, per-step losses are scanned out.
 */
export function loop(g: GraphLike, spec: LoopSpec): { carried: Value[]; scans: Value[] } {
  const outer = g.deepest([...spec.carried, typeof spec.trips === 'number' ? undefined : spec.trips]);
  const body = outer.subgraph(spec.name ?? outer.uniqueName(`${outer.name}_body`));
  const iteration = body.input(`${body.name}_iter`, 'int64', []);
  const condIn = body.input(`${body.name}_cond_in`, 'bool', []);
  const carriedIn = spec.carried.map((v, i) => body.input(`${body.name}_in${i}_${v.name}`, v.dtype, v.shape));
  const res = spec.body({ graph: body, iteration, carried: carriedIn });
  if (res.carried.length !== spec.carried.length) {
    throw graphError(`Loop body returned ${res.carried.length} carried values, expected ${spec.carried.length}`);
  }
  body.output(res.cond ?? condIn, `${body.name}_cond_out`);
  res.carried.forEach((v, i) => body.output(v, `${body.name}_out${i}`));
  (res.scans ?? []).forEach((v, i) => body.output(v, `${body.name}_scan${i}`));
  // M must be an int64 scalar.
  const tripsValue = typeof spec.trips === 'number' ? outer.constant(scalarTensor('int64', spec.trips)) : spec.trips;
  if (tripsValue.dtype !== 'int64') throw graphError(`Loop trip count must be int64, got ${tripsValue.dtype}`);
  const m = tripsValue.rank === 0 ? tripsValue : reshape(tripsValue, []);
  const lead: Dim = typeof spec.trips === 'number' ? spec.trips : (spec.tripDim ?? 'trips');
  const hints = [...spec.carried.map(() => undefined), ...(res.scans ?? []).map((s) => [lead, ...s.shape])];
  const outs = outer.apply('Loop', [m, undefined, ...spec.carried], { body }, { shapeHints: hints });
  return { carried: outs.slice(0, spec.carried.length), scans: outs.slice(spec.carried.length) };
}
