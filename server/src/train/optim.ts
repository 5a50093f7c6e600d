/**
 * Optimizers as graph code: given parameter values, their gradients and optimizer state, build
 * the updated values inside the train graph (one step). The learning rate and Adam's bias
 * corrections are per-step graph inputs computed in JS, so schedules and step counters never
 * recompile a graph.
 *
 * Formulas (PyTorch conventions, so results can be compared with a textbook reference):
 *   clipping    c = min(1, clipNorm / (‖g‖₂ + 1e-6)) over all gradients together; g ← c·g
 *   SGD         g ← g + wd·p (L2);  b ← μ·b + g;  p ← p − lr·b          (μ = 0: p ← p − lr·g)
 *   Adam        g ← g + wd·p (L2);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *               p ← p − lr·(m/bc₁) / (√(v/bc₂) + ε),  bcᵢ = 1 − βᵢᵗ, t = 1-based step
 *               The state slots hold the moments divided by (1 − β): u = m/(1−β₁), w = v/(1−β₂),
 *               so u ← β₁u + g and w ← β₂w + g², and p ← p − a·u / (√(k·w) + ε) with the scalars
 *               a = lr(1−β₁)/bc₁, k = (1−β₂)/bc₂, computed as p ← p − (a/√k)·u / (√w + ε/√k)
 *               (k > 0, so both scalars are finite, and lr = 0 leaves p unchanged): 10 elementwise
 *               passes per parameter instead of 13 (the update is memory-bound: code2vec's 13M
 *               parameters make it ~10% of a step).
 *   AdamW       as Adam without the L2 term, and p ← p·(1 − lr·wd) before the Adam update
 *               (decoupled weight decay, Loshchilov & Hutter 2019).
 * Weight decay applies only to parameters declared `decay` (matrices, embeddings), not to biases,
 * LayerNorm gains or attention vectors.
 */
import { EngineError, ERROR_CODES } from '../errors';
import type { Value } from '../onnx';
import { ops as o } from '../onnx';
import type { OptimizerConfig } from './types';

/** Optimizer settings with defaults filled in. */
export interface ResolvedOptimizer {
  readonly kind: 'sgd' | 'adam' | 'adamw';
  readonly momentum: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
}

/** Defaults: Adam(0.9, 0.999, 1e-8), no weight decay, no clipping, SGD without momentum. */
export const DEFAULT_OPTIMIZER: OptimizerConfig = { kind: 'adam' };

function bad(field: string, message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, `optimizer.${field} ${message}`, { field: `optimizer.${field}` });
}

/** Validates settings and fills defaults (E_CONFIG names the bad field). */
export function resolveOptimizer(c: OptimizerConfig = DEFAULT_OPTIMIZER): ResolvedOptimizer {
  if (c.kind !== 'sgd' && c.kind !== 'adam' && c.kind !== 'adamw') throw bad('kind', `must be sgd, adam or adamw (got ${String(c.kind)})`);
  const r: ResolvedOptimizer = {
    kind: c.kind,
    momentum: c.momentum ?? 0,
    beta1: c.beta1 ?? 0.9,
    beta2: c.beta2 ?? 0.999,
    eps: c.eps ?? 1e-8,
    weightDecay: c.weightDecay ?? 0,
    clipNorm: c.clipNorm ?? 0,
  };
  const unit = (name: keyof ResolvedOptimizer, v: number): void => {
    if (!(v >= 0 && v < 1)) throw bad(name, `must be in [0, 1) (got ${v})`);
  };
  unit('momentum', r.momentum);
  unit('beta1', r.beta1);
  unit('beta2', r.beta2);
  if (!(r.eps > 0)) throw bad('eps', `must be positive (got ${r.eps})`);
  if (!(r.weightDecay >= 0)) throw bad('weightDecay', `must be ≥ 0 (got ${r.weightDecay})`);
  if (!(r.clipNorm >= 0)) throw bad('clipNorm', `must be ≥ 0 (0 = off) (got ${r.clipNorm})`);
  return r;
}

/** Names of the per-parameter state tensors (each shaped like its parameter; Adam: u, w above). */
export function stateSlots(c: ResolvedOptimizer): readonly string[] {
  if (c.kind === 'sgd') return c.momentum > 0 ? ['mom'] : [];
  return ['u', 'w'];
}

/** Adam's bias corrections of 1-based step t: [1 − β₁ᵗ, 1 − β₂ᵗ] (1 for SGD). */
export function biasCorrections(c: ResolvedOptimizer, t: number): [number, number] {
  if (c.kind === 'sgd') return [1, 1];
  return [1 - Math.pow(c.beta1, t), 1 - Math.pow(c.beta2, t)];
}

/** Per-step scalar inputs of an update (float32 scalars). */
export interface StepScalars {
  readonly lr: Value;
  /** 1 − β₁ᵗ. */
  readonly bc1: Value;
  /** 1 − β₂ᵗ. */
  readonly bc2: Value;
}

/** One parameter to update. */
export interface ParamUpdate {
  readonly value: Value;
  readonly grad: Value;
  /** Current state, in `stateSlots` order. */
  readonly state: readonly Value[];
  readonly decay: boolean;
}

/** Global gradient norm ‖g‖₂ over all gradients (a scalar). */
export function globalNorm(grads: readonly Value[]): Value {
  const squares = grads.map((g) => o.reduceSum(o.mul(g, g), undefined, false));
  return o.sqrt(o.sum(squares));
}

/**
 * Builds one optimizer step. Returns, per parameter, its new value and new state. The gradients
 * are clipped by their global norm first when `clipNorm` > 0.
 */
export function optimizerStep(c: ResolvedOptimizer, params: readonly ParamUpdate[], s: StepScalars): { value: Value; state: Value[] }[] {
  let scale: Value | undefined;
  if (c.clipNorm > 0 && params.length) {
    const norm = globalNorm(params.map((p) => p.grad));
    scale = o.min(o.div(c.clipNorm, o.add(norm, 1e-6)), 1);
  }
  // Scalars shared by all parameters (Adam): a/√k and ε/√k with a = lr(1−β₁)/bc₁ and
  // k = (1−β₂)/bc₂, i.e. 1/√k = √(bc₂/(1−β₂)); 1 − lr·wd (AdamW).
  const rootInvK = c.kind === 'sgd' ? undefined : o.sqrt(o.div(s.bc2, 1 - c.beta2));
  const aOverRootK = c.kind === 'sgd' ? undefined : o.mul(o.div(o.mul(s.lr, 1 - c.beta1), s.bc1), rootInvK!);
  const epsOverRootK = c.kind === 'sgd' ? undefined : o.mul(rootInvK!, c.eps);
  const shrink = c.kind === 'adamw' && c.weightDecay > 0 ? o.sub(1, o.mul(s.lr, c.weightDecay)) : undefined;
  return params.map((p) => {
    let g = scale ? o.mul(p.grad, scale) : p.grad;
    const l2 = p.decay && c.weightDecay > 0 && c.kind !== 'adamw';
    if (l2) g = o.add(g, o.mul(p.value, c.weightDecay));
    if (c.kind === 'sgd') {
      if (c.momentum === 0) return { value: o.sub(p.value, o.mul(g, s.lr)), state: [] };
      const b = o.add(o.mul(p.state[0]!, c.momentum), g);
      return { value: o.sub(p.value, o.mul(b, s.lr)), state: [b] };
    }
    const u = o.add(o.mul(p.state[0]!, c.beta1), g);
    const w = o.add(o.mul(p.state[1]!, c.beta2), o.mul(g, g));
    const step = o.div(o.mul(u, aOverRootK!), o.add(o.sqrt(w), epsOverRootK!));
    const base = shrink && p.decay ? o.mul(p.value, shrink) : p.value;
    return { value: o.sub(base, step), state: [u, w] };
  });
}
