/**
 * Distillation from a teacher's soft labels (Hinton et al. 2015; Papernot et al. 2016,
 * defensive distillation), docs/metrics.md § "Mitigation explorer", "Distillation":
 *
 *   ℓᵢ = (1 − w)·CE(zᵢ, yᵢ) + w·T²·H(qᵢ, softmax(zᵢ/T)),   H(q, s) = −Σ_c q_c·log s_c,
 *
 * zᵢ the student's logits, yᵢ its (noisy) label, qᵢ the teacher's soft label at temperature T:
 * softmax(tᵢ/T) kept on the teacher's top k classes and renormalized over them (the tail is
 * dropped, so H is a k-term sum: a Gather on the temperature log-softmax). T² keeps the soft
 * term's gradient on the scale of the hard one's as T changes (Hinton et al., § 2).
 */
import { EngineError, ERROR_CODES } from '../errors';
import { ops as o, type Value } from '../onnx';

/** The temperature T of the soft labels (fixed; Hinton et al. use 1–20, 2 keeps the top classes apart). */
export const DISTILL_TEMPERATURE = 2;
/** Classes kept per soft label (the teacher's top k, renormalized). */
export const DISTILL_TOP_K = 8;

/** The distillation term of a train graph: weight w in (0, 1], temperature T, k classes per soft label. */
export interface DistillOptions {
  readonly weight: number;
  readonly temperature: number;
  readonly k: number;
}

/** Soft labels of a training set, parallel to its positions: row p holds k class ids and their probabilities. */
export interface SoftTargets {
  readonly k: number;
  /** [n × k] class ids, the teacher's best first. */
  readonly ids: Int32Array;
  /** [n × k] probabilities at temperature T, summing to 1 per row. */
  readonly p: Float32Array;
}

/** The graph's distillation options for weight `w` on a model of `classes` classes. */
export function distillOptions(weight: number, classes: number): DistillOptions {
  if (!(weight > 0 && weight <= 1)) throw new EngineError(ERROR_CODES.CONFIG, `distill must be a weight in (0, 1] (got ${weight})`, { field: 'distill' });
  return { weight, temperature: DISTILL_TEMPERATURE, k: Math.min(DISTILL_TOP_K, classes) };
}

/**
 * The soft term per row, −Σ_j p_j·log softmax(z/T)[ids_j], from logits [B, C], ids int32 [B, k]
 * and probabilities [B, k]. Rows whose p are all 0 (padding) give 0.
 */
export function softTargetTerm(logits: Value, ids: Value, p: Value, temperature: number): Value {
  const logSoft = o.logSoftmax(o.div(logits, temperature), -1);
  const picked = o.gatherElements(logSoft, o.cast(ids, 'int64'), 1);
  return o.neg(o.reduceSum(o.mul(p, picked), [1], false));
}

/**
 * (1 − w)·CE + w·T²·soft, per row. The train graph feeds w per step (`soft_w`): the setting's
 * weight for a training step, 0 for a step without soft labels (the susceptibility probe's
 * random-label step, train/probes.ts), which is then the plain cross-entropy step.
 */
export function distillLoss(hard: Value, soft: Value, weight: Value | number, temperature: number): Value {
  const w = typeof weight === 'number' ? o.scalarLike(hard, weight) : weight;
  return o.add(o.mul(hard, o.sub(1, w)), o.mul(o.mul(soft, w), temperature * temperature));
}

/**
 * Soft labels at temperature T from a model's top-k softmax probabilities at T = 1 (the eval
 * graph's `topk_scores`, [rows × k]): softmax(t/T)_c ∝ exp(t_c)^{1/T}, so over the same k classes
 * (the order of the logits does not depend on T) q_j = s_j^{1/T} / Σ_i s_i^{1/T}. A probability
 * that underflowed to 0 at T = 1 is below e^−87 of the best: its softened share is negligible.
 */
export function softenTopK(scores: Float32Array, k: number, temperature: number): Float32Array {
  const out = new Float32Array(scores.length);
  const row = new Float64Array(k);
  for (let r = 0; r < scores.length / k; r++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += row[j] = Math.pow(scores[r * k + j]!, 1 / temperature);
    for (let j = 0; j < k; j++) out[r * k + j] = sum > 0 ? row[j]! / sum : j === 0 ? 1 : 0;
  }
  return out;
}
