/**
 * Area under the margin (Pleiss et al. 2020; docs/metrics.md § "Area under the margin (AUM)").
 *
 * The margin of sample i at a presentation is M_i = z_{i,y_i} − max_{k≠y_i} z_{i,k} (logits, as
 * recorded by the trainer in the `margin` field, against the label trained on), and
 *
 *     AUM_i = (1 / (E − s)) Σ_{r=s}^{E−1} M_i^(r),   s = `skipEpochs` (default 1: skip the first),
 *
 * over the recorded epochs (rows) r. Low or negative AUM = the label is fought by the rest of the
 * data: likely mislabeled, fitted only by memorization. As a detection score use −AUM.
 *
 * With E ≤ s there is no epoch left to average: every AUM is NaN (defined, not an error, so a
 * one-epoch run still yields the other signals). A NaN margin of a sample (a row it was not
 * presented in) makes its AUM NaN; ±Infinity margins (a single-class model) propagate as such.
 */
import { intAtLeast } from './check';
import { checkSource, type DynamicsSource } from './dynamics-source';

/** Options of {@link aum}. */
export interface AumOptions {
  /**
   * Leading recorded epochs left out of the mean. Default 1 (docs/metrics.md § "Area under the
   * margin (AUM)").
   */
  skipEpochs?: number;
}

/** AUM of every sample, one pass over the margin rows. */
export function aum(d: DynamicsSource, options: AumOptions = {}): Float64Array {
  const skip = options.skipEpochs ?? 1;
  checkSource('aum', d, 1);
  intAtLeast('aum', 'skipEpochs', skip, 0);
  const { n, rows } = d;
  const out = new Float64Array(n);
  if (rows <= skip) return out.fill(NaN);
  for (let r = skip; r < rows; r++) {
    const m = d.row(r).margin;
    for (let p = 0; p < n; p++) out[p]! += m[p]!;
  }
  const inv = 1 / (rows - skip);
  for (let p = 0; p < n; p++) out[p]! *= inv;
  return out;
}
