/**
 * Loss rank signals (docs/metrics.md § "Loss signals"): the final-epoch loss ℓ_i^(E−1) and the mean
 * loss (1/E) Σ_r ℓ_i^(r) over the recorded epochs. High loss = the model has not (or only lately)
 * fitted the label; as detection scores they are used as they are. A NaN loss propagates to the
 * sample's values; +Infinity (p = 0 under float32) stays +Infinity.
 *
 * The excess losses subtract the loss of predicting the label's base rate: ℓ + log π_y, where π_y
 * is the share of the split's labels (as trained) equal to y. A frequent name is cheap to guess
 * from its frequency alone, a name seen once is not; the excess loss is what the body failed to
 * explain beyond that (−PMI(x, y) at a calibrated model), so a rare clean name and a frequent
 * shuffled one are compared on the same footing (docs/metrics.md § "Loss signals").
 */
import { checkSource, type DynamicsSource } from './dynamics-source';

/** Final and mean loss of every sample, and both less the label's base-rate loss −log π_y. */
export interface LossSignals {
  finalLoss: Float64Array;
  meanLoss: Float64Array;
  finalExcessLoss: Float64Array;
  meanExcessLoss: Float64Array;
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
  const logPrior = labelLogPrior(d.labels.subarray(0, n));
  return {
    finalLoss,
    meanLoss: mean,
    finalExcessLoss: Float64Array.from(finalLoss, (v, p) => v + logPrior[p]!),
    meanExcessLoss: Float64Array.from(mean, (v, p) => v + logPrior[p]!),
  };
}

/** log π_y of every position: the log share of the positions whose label equals its own. */
export function labelLogPrior(labels: Int32Array): Float64Array {
  const counts = new Map<number, number>();
  for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  const logN = Math.log(labels.length);
  return Float64Array.from(labels, (y) => Math.log(counts.get(y)!) - logN);
}
