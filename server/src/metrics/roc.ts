/**
 * ROC curves of a score (docs/metrics.md § "Self-calibration (detection AUROC / AP)": the curve
 * behind each signal's AUROC), and their downsampling to a few points for the report.
 *
 * With the distinct scores t₁ > t₂ > … > t_K as thresholds (tied scores are one threshold, as
 * in `ranking.ts`), TP_k and FP_k the positives and negatives scoring ≥ t_k, the curve is
 *
 *     (FPR_0, TPR_0) = (0, 0),   (FPR_k, TPR_k) = (FP_k / n₋, TP_k / n₊),   k = 1…K,
 *
 * ending at (1, 1). Joining the points by straight lines, the area under the curve (trapezoids)
 * is exactly the Mann–Whitney AUROC with ties counting ½ (`ranking.ts`): a group of tied samples
 * is a diagonal segment.
 *
 * `downsampleCurve` keeps at most `maxPoints` points, spread evenly along the curve's length
 * (arc length in the unit square), always with both ends, so that steep and flat parts are
 * drawn equally well; the points kept are points of the full curve (no interpolation), so the
 * drawn curve never claims a rate that some threshold does not reach.
 */
import { configError, maskOfLength, noNaN, type Mask, type Numbers } from './check';

/** A ROC curve: false and true positive rates at decreasing thresholds, from (0, 0) to (1, 1). */
export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
}

/**
 * The ROC curve of `scores` (higher = more likely positive) against `positive`; null when there
 * is no positive or no negative (no rate is defined). A NaN score throws `E_CONFIG`. O(n log n).
 */
export function rocCurve(scores: Numbers, positive: Mask): RocCurve | null {
  const fn = 'rocCurve';
  maskOfLength(fn, 'positive', positive, scores.length);
  noNaN(fn, 'scores', scores);
  const n = scores.length;
  let np = 0;
  for (let i = 0; i < n; i++) if (positive[i]) np++;
  const nn = n - np;
  if (np === 0 || nn === 0) return null;
  // Indices by decreasing score; ties grouped below.
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const s = Float64Array.from(scores);
  order.sort((a, b) => (s[b]! > s[a]! ? 1 : s[b]! < s[a]! ? -1 : 0));
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; ) {
    const t = s[order[k]!]!;
    while (k < n && s[order[k]!] === t) {
      if (positive[order[k]!]) tp++;
      else fp++;
      k++;
    }
    fpr.push(fp / nn);
    tpr.push(tp / np);
  }
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr) };
}

/** Area under a curve by trapezoids (for a ROC curve: its AUROC). */
export function areaUnderCurve(c: { fpr: ArrayLike<number>; tpr: ArrayLike<number> }): number {
  let a = 0;
  for (let i = 1; i < c.fpr.length; i++) a += (c.fpr[i]! - c.fpr[i - 1]!) * (c.tpr[i]! + c.tpr[i - 1]!) * 0.5;
  return a;
}

/**
 * At most `maxPoints` (≥ 2) points of the curve, evenly spread along its length, first and last
 * included; collinear runs collapse first, so a curve with few corners keeps all of them.
 */
export function downsampleCurve(c: RocCurve, maxPoints: number): RocCurve {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw configError('downsampleCurve', 'maxPoints', `must be an integer ≥ 2 (got ${String(maxPoints)})`);
  const { fpr, tpr } = c;
  const m = fpr.length;
  // Corners only: a point on the straight line between its neighbours adds nothing.
  const corners: number[] = [];
  for (let i = 0; i < m; i++) {
    if (i > 0 && i < m - 1) {
      const cross = (fpr[i]! - fpr[i - 1]!) * (tpr[i + 1]! - tpr[i - 1]!) - (tpr[i]! - tpr[i - 1]!) * (fpr[i + 1]! - fpr[i - 1]!);
      if (Math.abs(cross) < 1e-12) continue;
    }
    corners.push(i);
  }
  if (corners.length <= maxPoints) return { fpr: Float64Array.from(corners, (i) => fpr[i]!), tpr: Float64Array.from(corners, (i) => tpr[i]!) };
  const along = new Float64Array(corners.length);
  for (let k = 1; k < corners.length; k++) {
    const a = corners[k - 1]!;
    const b = corners[k]!;
    along[k] = along[k - 1]! + Math.hypot(fpr[b]! - fpr[a]!, tpr[b]! - tpr[a]!);
  }
  const total = along[corners.length - 1]!;
  const keep: number[] = [corners[0]!];
  // Target k of maxPoints − 1 equal steps: the first corner at or past it, never one twice.
  let j = 1;
  for (let k = 1; k < maxPoints - 1; k++) {
    const target = (total * k) / (maxPoints - 1);
    while (j < corners.length - 1 && along[j]! < target) j++;
    if (j >= corners.length - 1) break;
    if (keep[keep.length - 1] !== corners[j]) keep.push(corners[j]!);
  }
  keep.push(corners[corners.length - 1]!);
  return { fpr: Float64Array.from(keep, (i) => fpr[i]!), tpr: Float64Array.from(keep, (i) => tpr[i]!) };
}
