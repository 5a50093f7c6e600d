/**
 * Mixup on the code vectors (Zhang et al. 2018; manifold mixup, Verma et al. 2019) as a training
 * loss (docs/metrics.md § "Mitigation explorer", "Mixup"). Per step and real row i: a partner
 * j = π(i) (π a random permutation of the step's real rows; padding rows are never partners and
 * keep π(i) = i, λ = 1), λᵢ ~ Beta(α, α), and
 *
 *   ℓᵢ = λᵢ·CE(f(h̃ᵢ), yᵢ) + (1 − λᵢ)·CE(f(h̃ᵢ), y_π(i)),  h̃ᵢ = λᵢhᵢ + (1 − λᵢ)h_π(i).
 *
 * Every model's head f is affine in the code vector h (pinned per model by a unit test), so
 * f(h̃ᵢ) = λᵢf(hᵢ) + (1 − λᵢ)f(h_π(i)): the graph mixes rows of the logits, and the models' forward
 * passes are untouched.
 *
 * The draws come from an Rng of their own, seeded by (run seed, global step): a run without mixup
 * draws nothing more from the trainer's Rng, and a resumed run draws what it would have drawn.
 */
import { Value, nn, ops as o } from '../onnx';
import { Rng } from '../util/rng';
import { mixSeed } from './probes';

/** Names of the train graph's mixup inputs, both [S, B]. */
export const MIXUP_NAMES = { perm: 'mix_perm', lambda: 'mix_lambda' } as const;

/** Stream tag of the mixup draws (beside probes.ts' tags). */
const MIXUP_TAG = 0x5c03;

/**
 * The mixup training loss per row, from the step's logits [B, C] (the unmixed forward pass),
 * labels [B], partners `perm` int32 [B] and weights `lambda` [B]. Label smoothing applies to both
 * cross-entropies.
 */
export function mixupLoss(logits: Value, labels: Value, perm: Value, lambda: Value, labelSmoothing: number): Value {
  const lam = o.unsqueeze(lambda, [1]);
  const mixed = o.add(o.mul(logits, lam), o.mul(o.gather(logits, perm, 0), o.sub(1, lam)));
  const own = nn.softmaxCrossEntropy(mixed, labels, { labelSmoothing }).loss;
  const partner = nn.softmaxCrossEntropy(mixed, o.gather(labels, perm, 0), { labelSmoothing }).loss;
  return o.add(o.mul(own, lambda), o.mul(partner, o.sub(1, lambda)));
}

/**
 * log X for X ~ Gamma(a, 1): Marsaglia & Tsang (2000) for a ≥ 1; for a < 1, Gamma(a) =
 * Gamma(a + 1)·U^{1/a}, kept in logs (U^{1/a} underflows to 0 for small a).
 */
export function logGamma(rng: Rng, a: number): number {
  if (a < 1) return logGamma(rng, a + 1) + Math.log(1 - rng.next()) / a;
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** λ ~ Beta(α, α) as X/(X + Y), X, Y ~ Gamma(α), computed as 1/(1 + e^{log Y − log X}). */
export function betaSymmetric(rng: Rng, alpha: number): number {
  const lx = logGamma(rng, alpha);
  const ly = logGamma(rng, alpha);
  return 1 / (1 + Math.exp(ly - lx));
}

/**
 * Fills one step's partners and weights (B entries each, `rows` real): a Fisher–Yates
 * permutation of the real rows and λᵢ ~ Beta(α, α) per real row; padding rows get π(i) = i, λ = 1.
 * Seeded by (seed, step), so the draws do not depend on how steps are grouped into runs.
 */
export function drawMixup(alpha: number, seed: number, step: number, rows: number, perm: Int32Array, lambda: Float32Array): void {
  const rng = new Rng(mixSeed(MIXUP_TAG, seed, step));
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  lambda.fill(1);
  rng.shuffle(perm.subarray(0, rows));
  for (let i = 0; i < rows; i++) lambda[i] = betaSymmetric(rng, alpha);
}
