/**
 * Gini coefficient of per-sample training loss (docs/metrics.md § "Gini coefficient of per-sample
 * loss"):
 *
 *     G = Σ_i Σ_j |ℓ_i − ℓ_j| / (2 n² mean(ℓ)),
 *
 * computed in O(n log n) from the losses sorted ascending, ℓ_(1) ≤ … ≤ ℓ_(n):
 *
 *     G = (2 Σ_k k·ℓ_(k)) / (n Σ ℓ) − (n + 1)/n  =  Σ_k (2k − n − 1) ℓ_(k) / (n Σ ℓ).
 *
 * We evaluate the last form with the coefficients of k and n + 1 − k paired (they are opposite):
 *
 *     G = Σ_{k ≤ n/2} (n + 1 − 2k)(ℓ_(n+1−k) − ℓ_(k)) / (n Σ ℓ),
 *
 * an exact rewrite whose every term is ≥ 0, so equal losses give exactly 0 and rounding never
 * makes G negative. G ∈ [0, 1 − 1/n]: 0 when every sample has the same loss, near 1 when one
 * sample holds all of it (a model that fits everything but a few memorization holdouts).
 *
 * Losses are cross-entropies, hence ≥ 0; the formula assumes that. Defined behaviour:
 * - a negative, NaN or infinite value throws `E_CONFIG` (the coefficient is not defined there);
 * - n = 0 gives NaN; n = 1 gives 0;
 * - all losses 0 (mean 0, a 0/0) gives 0: every sample has the same loss, perfect equality.
 */
import { configError, type Numbers } from './check';
import { checkSource, type DynamicsSource } from './dynamics-source';

function giniOf(fn: string, what: string, values: Numbers, n: number): number {
  const s = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(v >= 0) || v === Infinity) throw configError(fn, what, `is ${String(v)} at index ${i}; the Gini coefficient needs finite losses ≥ 0`, { index: i });
    s[i] = v;
    sum += v;
  }
  if (n === 0) return NaN;
  if (sum === 0) return 0;
  s.sort();
  let num = 0;
  for (let k = 1; 2 * k <= n; k++) num += (n + 1 - 2 * k) * (s[n - k]! - s[k - 1]!);
  return num / (n * sum);
}

/** Gini coefficient of non-negative values (see the module comment for edge cases). */
export function gini(values: Numbers): number {
  return giniOf('gini', 'values', values, values.length);
}

/** Gini coefficient of the per-sample training loss at every recorded epoch (row). */
export function lossGiniPerEpoch(d: DynamicsSource): Float64Array {
  checkSource('lossGiniPerEpoch', d, 0);
  const out = new Float64Array(d.rows);
  for (let r = 0; r < d.rows; r++) out[r] = giniOf('lossGiniPerEpoch', `loss of row ${r}`, d.row(r).loss, d.n);
  return out;
}
