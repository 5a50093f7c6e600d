/**
 * Reverse-mode automatic differentiation over the op table.
 *
 * Given a loss value and the values to differentiate with respect to, the backward pass is
 * appended to the same graph(s) as ordinary nodes:
 *   1. forward sweep: mark the values that depend on some `wrt` value through float tensors;
 *   2. backward sweep, in reverse creation order (a topological order across the root graph and
 *      its subgraphs): for each node that has at least one output gradient and at least one
 *      marked float input, call the op's gradient rule;
 *   3. a value used by several nodes receives several contributions, summed with one Sum node
 *      when the value's own producer is processed (or at the end, for the `wrt` values); when
 *      they are all thin products (MatMuls with a small inner dimension), with one product of
 *      the concatenated operands instead ({@link productSum}).
 * Broadcasting is undone inside the rules (ops.unbroadcast), so every contribution has exactly the
 * shape of the value it is for; this is checked, and a mismatch is an INTERNAL error.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { isFloat } from './dtype';
import { GatherGradient, GradStrategy, OP_TABLE } from './op-table';
import * as o from './ops';
import { dimsEqual, formatShape } from './shape';
import type { Node, Value } from './values';

/** Largest total inner dimension Σ Kᵢ of the products that {@link productSum} merges. */
const PRODUCT_SUM_MAX_K = 16;

/**
 * Σᵢ Aᵢ·Bᵢ as the one product [A₁ … Aₙ]·[B₁; …; Bₙ] (left operands concatenated along their last
 * dim, right operands, broadcast to the batch dims, along their second-to-last), when every
 * contribution is a MatMul of rank ≥ 2 operands whose left operand has the contribution's shape
 * up to its last dim, and Σ Kᵢ ≤ {@link PRODUCT_SUM_MAX_K}. Such thin products (outer products
 * of the backward pass, as where code2vec's attention pooling and scores both reach the context
 * vectors) are bound by writing their output: one product writes the sum once, instead of n
 * outputs and a Sum pass over them (8 ms instead of 19 for code2vec's [256, 200, 384] gradient on
 * one thread). The sum is the same up to float rounding. undefined when the rule does not apply.
 */
function productSum(list: readonly Value[]): Value | undefined {
  const out = list[0]!.shape;
  const r = out.length;
  const lefts: Value[] = [];
  const rights: Value[] = [];
  let k = 0;
  for (const v of list) {
    const n = v.producer;
    const a = n?.inputs[0];
    const b = n?.inputs[1];
    if (!n || n.op !== 'MatMul' || !a || !b || r < 2 || a.rank !== r || b.rank < 2 || b.rank > r) return undefined;
    const ka = a.shape[r - 1]!;
    if (typeof ka !== 'number' || !a.shape.slice(0, r - 1).every((d, i) => dimsEqual(d, out[i]!))) return undefined;
    const target = [...out.slice(0, r - 2), ka, out[r - 1]!];
    if (!target.every((d) => typeof d === 'number')) return undefined;
    k += ka;
    lefts.push(a);
    rights.push(b.rank === r && b.shape.every((d, i) => dimsEqual(d, target[i]!)) ? b : o.expand(b, target as number[]));
  }
  if (k > PRODUCT_SUM_MAX_K) return undefined;
  return o.matmul(o.concat(lefts, r - 1), o.concat(rights, r - 2));
}

/** Options of {@link gradients}. */
export interface GradientOptions {
  /**
   * dL/dloss. Default: 1, which requires a scalar loss. Pass a tensor of the loss's shape to get
   * a vector-Jacobian product (the gradient of Σ seed·loss).
   */
  readonly seed?: Value;
  /**
   * What to return for a `wrt` value the loss does not depend on: zeros of its shape (default)
   * or a GRAPH error (useful to catch a parameter that was accidentally left out of the model).
   */
  readonly unreached?: 'zeros' | 'error';
  /** How Gather gradients sum repeated indices (default 'sorted'; see GatherGradient). */
  readonly gatherGradient?: GatherGradient;
}

/**
 * Builds dL/dv for each v in `wrt`, in order. `wrt` may be graph inputs, initializers or
 * intermediate values of float dtype; they may live in `loss`'s graph or an enclosing one.
 */
export function gradients(loss: Value, wrt: readonly Value[], options: GradientOptions = {}): Value[] {
  for (const v of wrt) {
    if (!isFloat(v.dtype)) throw new EngineError(ERROR_CODES.GRAPH, `cannot differentiate with respect to '${v.name}' of dtype ${v.dtype}`);
  }
  if (!isFloat(loss.dtype)) throw new EngineError(ERROR_CODES.GRAPH, `the loss '${loss.name}' must be float, got ${loss.dtype}`);
  let seed = options.seed;
  if (!seed) {
    if (loss.rank !== 0) {
      throw new EngineError(ERROR_CODES.GRAPH, `the loss '${loss.name}' must be a scalar, got shape ${formatShape(loss.shape)}; reduce it or pass a seed`);
    }
    seed = o.scalarLike(loss, 1);
  } else if (seed.dtype !== loss.dtype || seed.rank !== loss.rank || !seed.shape.every((d, i) => dimsEqual(d, loss.shape[i]!))) {
    throw new EngineError(ERROR_CODES.GRAPH, `the seed ${seed.dtype}${formatShape(seed.shape)} must match the loss ${loss.dtype}${formatShape(loss.shape)}`);
  }

  // Nodes the loss depends on, ordered by creation (topological across graphs).
  const backward = new Set<Node>();
  const stack: Value[] = [loss];
  const seen = new Set<Value>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const n = v.producer;
    if (!n || backward.has(n)) continue;
    backward.add(n);
    for (const i of n.inputs) if (i) stack.push(i);
  }
  const order = [...backward].sort((a, b) => a.seq - b.seq);

  // Values that depend on a wrt value through float tensors.
  const active = new Set<Value>(wrt);
  for (const n of order) {
    if (n.inputs.some((i) => i && active.has(i) && isFloat(i.dtype))) {
      for (const out of n.outputs) if (isFloat(out.dtype)) active.add(out);
    }
  }

  const strategy: GradStrategy = { gatherGradient: options.gatherGradient ?? 'sorted' };
  const contributions = new Map<Value, Value[]>();
  const add = (v: Value, g: Value): void => {
    const list = contributions.get(v);
    if (list) list.push(g);
    else contributions.set(v, [g]);
  };
  const total = (v: Value): Value | undefined => {
    const list = contributions.get(v);
    if (!list) return undefined;
    if (list.length > 1) {
      // Adds in order rather than one Sum node: the same float32 values on the CPU (onnxruntime's
      // Sum adds its inputs left to right), and onnxruntime 1.30's WebGPU provider has no Sum
      // kernel, so a Sum node sent each gradient to host memory and back (runtime/devices.ts).
      const s = productSum(list) ?? list.slice(1).reduce((acc, g) => o.add(acc, g), list[0]!);
      contributions.set(v, [s]);
      return s;
    }
    return list[0];
  };
  add(loss, seed);

  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k]!;
    const wants = n.inputs.map((i) => !!i && active.has(i) && isFloat(i.dtype));
    if (!wants.some(Boolean)) continue;
    const dy = n.outputs.map(total);
    if (!dy.some((g) => g !== undefined)) continue;
    const rule = OP_TABLE[n.op]!.grad;
    if (rule === 'zero') continue;
    if (rule === 'unsupported') {
      const needed = n.inputs.filter((_, i) => wants[i]).map((i) => i!.name);
      throw new EngineError(ERROR_CODES.GRAPH, `no gradient rule for ${n.op} (node '${n.name}'), needed for input(s) ${needed.join(', ')}`);
    }
    const grads = rule({ node: n, x: n.inputs, y: n.outputs, dy, wants, options: strategy });
    n.inputs.forEach((input, i) => {
      const g = grads[i];
      if (!input || !wants[i] || !g) return;
      if (g.dtype !== input.dtype || g.rank !== input.rank || !g.shape.every((d, j) => dimsEqual(d, input.shape[j]!))) {
        throw new EngineError(
          ERROR_CODES.INTERNAL,
          `gradient rule of ${n.op} produced ${g.dtype}${formatShape(g.shape)} for input '${input.name}' of ${input.dtype}${formatShape(input.shape)}`,
        );
      }
      add(input, g);
    });
  }

  return wrt.map((v) => {
    const g = total(v);
    if (g) return g;
    if (options.unreached === 'error') throw new EngineError(ERROR_CODES.GRAPH, `the loss '${loss.name}' does not depend on '${v.name}'`);
    return o.zerosLike(v);
  });
}
