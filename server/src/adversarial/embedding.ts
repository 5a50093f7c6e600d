/**
 * FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018) in the space of a model's input
 * embeddings (docs/metrics.md § "Adversarial robustness"). A sample's input embeddings e are the
 * rows its lookups read from the embedding tables (bag, transformer: [T, d]; code2vec: [N, 3, d]);
 * the attack adds a perturbation δ to them and asks whether the prediction changes.
 *
 * Scale: for sample i, sᵢ = RMS of e over its real (non-padding) positions = ‖eᵢ‖₂ / √nᵢ, nᵢ the
 * number of real values. A relative radius ε gives the L∞ ball ‖δ‖∞ ≤ ε·sᵢ on the real positions
 * (padding is masked out of attention and pooling, so it stays put).
 *
 * Target: ŷ = the prediction at δ = 0; the loss is ℓ(δ) = CE(f(e + δ), ŷ), so ascending it pushes
 * the prediction away from ŷ (for a correctly predicted sample ŷ is its label: the textbook
 * attack). Its gradient ∂ℓ/∂δ = ∂ℓ/∂ê at ê = e + δ comes from the model's at-embeddings graph
 * (`gradientAtEmbeddings`, built by the graph builder's autodiff; gradient-checked in float64 in
 * test/unit/adversarial).
 *
 *   FGSM:  δ₁ = ε·sᵢ·sign(∇ℓ(0)).
 *   PGD:   δ₁ as FGSM, then δₜ₊₁ = clip(δₜ + α·sᵢ·sign(∇ℓ(δₜ)), −ε·sᵢ, ε·sᵢ), t < k.
 *
 * A sample is flipped by FGSM when argmax f(e + δ₁) ≠ ŷ, and by PGD when ANY iterate δ₁…δₖ flips
 * it: PGD starts with FGSM's step, so at the same ε it never flips fewer samples than FGSM.
 */
import { EngineError, ERROR_CODES } from '../errors';
import type { Batch, TrainableModel } from '../train/types';

/** Settings of the embedding-space attacks (relative to each sample's embedding scale). */
export interface EmbeddingAttackSettings {
  /** Relative L∞ radii ε (sorted ascending, each ≥ 0). */
  epsilons: readonly number[];
  /** PGD iterates k (≥ 1; the first is FGSM's step). */
  steps: number;
  /** PGD step α as a multiple of ε (default 2.5 / k, Madry et al.). */
  stepFactor?: number;
  /** Rows per model call. */
  batchSize: number;
}

/** Per ε: which samples each attack flipped. */
export interface EmbeddingAttackResult {
  epsilons: number[];
  /** [ε][sample]: 1 when the attack changed the prediction. */
  fgsm: Uint8Array[];
  pgd: Uint8Array[];
  /** The prediction at δ = 0 per sample. */
  clean: Int32Array;
}

/** Progress and cancellation of an attack. */
export interface AttackHooks {
  signal?: AbortSignal;
  /** Samples done so far of `total`. */
  onProgress?: (done: number, total: number) => void;
}

/** Whether the model has the input-embedding graphs the attack needs. */
export function supportsEmbeddingAttack(model: TrainableModel): boolean {
  return typeof model.inputEmbeddings === 'function' && typeof model.gradientAtEmbeddings === 'function';
}

/** Throws E_CANCELLED when `signal` is aborted (checked between model calls and samples). */
export function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'the adversarial attack was cancelled');
}

/** One batch's embeddings, the per-value mask of real positions, and the per-row scale sᵢ. */
interface Clean {
  e: Record<string, Float32Array>;
  real: Record<string, Uint8Array>;
  scale: Float64Array;
  top1: Int32Array;
}

async function cleanEmbeddings(model: TrainableModel, batch: Batch): Promise<Clean> {
  const ie = await model.inputEmbeddings!(batch);
  const rows = batch.indices.length;
  const e: Record<string, Float32Array> = {};
  const real: Record<string, Uint8Array> = {};
  const sum = new Float64Array(rows);
  const count = new Float64Array(rows);
  for (const [name, t] of Object.entries(ie.embeddings)) {
    const d = t.dims[t.dims.length - 1]!;
    const per = t.data.length / rows;
    const mask = ie.real[name]?.data;
    const m = new Uint8Array(t.data.length);
    for (let j = 0; j < t.data.length; j++) {
      if (mask && !mask[Math.floor(j / d)]) continue;
      m[j] = 1;
      const r = Math.floor(j / per);
      sum[r] += t.data[j]! * t.data[j]!;
      count[r]++;
    }
    e[name] = t.data;
    real[name] = m;
  }
  const scale = Float64Array.from(sum, (s, r) => (count[r]! > 0 ? Math.sqrt(s / count[r]!) : 0));
  return { e, real, scale, top1: ie.top1 };
}

/**
 * x ← clip(x + step·sᵢ·sign(g), e − ε·sᵢ, e + ε·sᵢ) on the real positions, per lookup (x is
 * updated in place; float32, so the ball holds to float32 rounding).
 */
function signStep(c: Clean, x: Record<string, Float32Array>, g: Record<string, { data: Float32Array }>, step: number, eps: number): void {
  const rows = c.scale.length;
  for (const [name, e] of Object.entries(c.e)) {
    const xs = x[name]!;
    const gs = g[name]?.data;
    if (!gs || gs.length !== e.length) throw new EngineError(ERROR_CODES.INTERNAL, `the attack got no gradient for lookup '${name}'`);
    const m = c.real[name]!;
    const per = e.length / rows;
    for (let j = 0; j < e.length; j++) {
      if (!m[j]) continue;
      const s = c.scale[Math.floor(j / per)]!;
      const r = eps * s;
      const v = xs[j]! + step * s * Math.sign(gs[j]!);
      xs[j] = Math.min(e[j]! + r, Math.max(e[j]! - r, v));
    }
  }
}

function copyAll(e: Record<string, Float32Array>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, Float32Array.from(v)]));
}

/** FGSM and PGD on one batch, at every ε; flips are written at `offset` of the result arrays. */
async function attackBatch(model: TrainableModel, batch: Batch, s: EmbeddingAttackSettings, out: EmbeddingAttackResult, offset: number, signal?: AbortSignal): Promise<void> {
  const c = await cleanEmbeddings(model, batch);
  const target = c.top1;
  out.clean.set(target, offset);
  const g0 = (await model.gradientAtEmbeddings!(batch, c.e, target)).grads;
  const alpha = s.stepFactor ?? 2.5 / s.steps;
  for (let k = 0; k < s.epsilons.length; k++) {
    const eps = s.epsilons[k]!;
    const x = copyAll(c.e);
    let g = g0;
    for (let t = 1; t <= s.steps; t++) {
      checkCancelled(signal);
      // The first iterate is FGSM's step (δ₁ = ε·s·sign g₀), later ones PGD's α·s steps.
      signStep(c, x, g, t === 1 ? eps : alpha * eps, eps);
      const r = await model.gradientAtEmbeddings!(batch, x, target);
      g = r.grads;
      for (let i = 0; i < r.top1.length; i++) {
        if (r.top1[i] === target[i]) continue;
        if (t === 1) out.fgsm[k]![offset + i] = 1;
        out.pgd[k]![offset + i] = 1;
      }
    }
  }
}

/**
 * FGSM and PGD on the samples `indices` (labels: the batch's labels, unused by the attack, which
 * targets the clean prediction). Throws E_CONFIG when the model has no input-embedding graphs,
 * E_CANCELLED when `hooks.signal` is aborted.
 */
export async function embeddingAttack(model: TrainableModel, indices: Int32Array, labels: Int32Array, s: EmbeddingAttackSettings, hooks: AttackHooks = {}): Promise<EmbeddingAttackResult> {
  if (!supportsEmbeddingAttack(model)) throw new EngineError(ERROR_CODES.CONFIG, `model ${model.name} has no input-embedding graphs, so it cannot be attacked in embedding space`, { field: 'adversarial' });
  if (!Number.isInteger(s.steps) || s.steps < 1) throw new EngineError(ERROR_CODES.CONFIG, `adversarial PGD steps must be a positive integer (got ${s.steps})`, { field: 'adversarial' });
  if (s.epsilons.some((e) => !(e >= 0))) throw new EngineError(ERROR_CODES.CONFIG, `adversarial radii must be ≥ 0 (got ${s.epsilons.join(', ')})`, { field: 'adversarial' });
  const n = indices.length;
  const out: EmbeddingAttackResult = {
    epsilons: [...s.epsilons],
    fgsm: s.epsilons.map(() => new Uint8Array(n)),
    pgd: s.epsilons.map(() => new Uint8Array(n)),
    clean: new Int32Array(n),
  };
  for (let a = 0; a < n; a += s.batchSize) {
    checkCancelled(hooks.signal);
    const b = Math.min(n, a + s.batchSize);
    await attackBatch(model, model.makeBatch(indices.subarray(a, b), labels.subarray(a, b)), s, out, a, hooks.signal);
    hooks.onProgress?.(b, n);
  }
  return out;
}

/** Share of ones (NaN for an empty array). */
export function rateOf(flags: Uint8Array): number {
  let k = 0;
  for (const f of flags) k += f;
  return flags.length === 0 ? NaN : k / flags.length;
}
