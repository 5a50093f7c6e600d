/**
 * Loss rank signals (docs/metrics.md § "Loss signals"): the final-epoch loss ℓ_i^(E−1) and the mean
 * loss (1/E) Σ_r ℓ_i^(r) over the recorded epochs. High loss = the model has not (or only lately)
 * fitted the label; as detection scores they are used as they are. A NaN loss propagates to the
 * sample's values; +Infinity (p = 0 under float32) stays +Infinity.
 */
import { checkSource, type DynamicsSource } from './dynamics-source';

/** Final and mean loss of every sample. */
export interface LossSignals {
  finalLoss: Float64Array;
  meanLoss: Float64Array;
}

/** Final-epoch and mean loss in one pass over the loss rows (needs ≥ 1 row). */
export function lossSignals(d: DynamicsSource): LossSignals {
  checkSource('lossSignals', d, 1);
  const { n, rows } = d;
  const mean = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const l = d.row(r).loss;
    for (let p = 0; p < n; p++) mean[p]! += l[p]!;
  }
  const inv = 1 / rows;
  for (let p = 0; p < n; p++) mean[p]! *= inv;
  const finalLoss = Float64Array.from(d.row(rows - 1).loss.subarray(0, n));
  return { finalLoss, meanLoss: mean };
}
