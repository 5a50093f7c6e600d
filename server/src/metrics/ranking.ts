/**
 * Ranking quality of a score at separating positives from negatives: AUROC and average precision
 * (docs/metrics.md § "Self-calibration (detection AUROC / AP)" and § "Membership inference").
 * Higher score = more likely positive. Orientation is the caller's business (e.g. detection uses
 * −AUM).
 *
 * AUROC is the Mann–Whitney statistic with midranks for ties:
 *
 *     AUROC = U / (n₊ n₋),   U = Σ_{i∈pos} Σ_{j∈neg} ( 1[s_i > s_j] + ½ 1[s_i = s_j] ),
 *
 * equal to (R₊ − n₊(n₊+1)/2) / (n₊ n₋) with R₊ the sum of the positives' midranks. It is the
 * probability that a random positive scores above a random negative, ties counting ½.
 *
 * Average precision treats tied scores as one threshold (the scikit-learn definition): with the
 * distinct scores t₁ > t₂ > … as thresholds, TP_k and FP_k the positives and negatives scoring
 * ≥ t_k, P_k = TP_k / (TP_k + FP_k) and R_k = TP_k / n₊,
 *
 *     AP = Σ_k (R_k − R_{k−1}) P_k,   R₀ = 0,
 *
 * so the result does not depend on the order of tied samples. AUROC is NaN without positives or
 * without negatives; AP is NaN without positives. A NaN score throws `E_CONFIG` (an order needs
 * numbers); ±Infinity are ordinary values (two equal infinities tie).
 *
 * Cost: each class's scores are copied to a Float64Array and sorted natively (no comparator),
 * then the two sorted lists are merged group by group: O(n log n), no per-element objects.
 */
import { maskOfLength, noNaN, type Mask, type Numbers } from './check';

/** AUROC and AP of one score with the class sizes they were computed from. */
export interface RankingQuality {
  auroc: number;
  averagePrecision: number;
  positives: number;
  negatives: number;
}

/** Sorted (ascending) Float64 copies of the positives' and the negatives' scores. */
function splitSorted(fn: string, scores: Numbers, positive: Mask): { pos: Float64Array; neg: Float64Array } {
  maskOfLength(fn, 'positive', positive, scores.length);
  noNaN(fn, 'scores', scores);
  let np = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) np++;
  const pos = new Float64Array(np);
  const neg = new Float64Array(scores.length - np);
  let a = 0;
  let b = 0;
  for (let i = 0; i < scores.length; i++) {
    if (positive[i]) pos[a++] = scores[i]!;
    else neg[b++] = scores[i]!;
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

function sortedCopy(fn: string, what: string, a: Numbers): Float64Array {
  noNaN(fn, what, a);
  return Float64Array.from(a).sort();
}

/**
 * Walks the groups of equal scores of two ascending lists, in ascending order, calling
 * `visit(cp, cn)` with the number of positives and negatives of each group. −0 and +0 form one
 * group (the native sort puts −0 first, and === equates them).
 */
function groupsAscending(pos: Float64Array, neg: Float64Array, visit: (cp: number, cn: number) => void): void {
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const v = j >= neg.length || (i < pos.length && pos[i]! <= neg[j]!) ? pos[i]! : neg[j]!;
    let cp = 0;
    let cn = 0;
    while (i < pos.length && pos[i] === v) {
      i++;
      cp++;
    }
    while (j < neg.length && neg[j] === v) {
      j++;
      cn++;
    }
    visit(cp, cn);
  }
}

/** Same as {@link groupsAscending}, highest scores first. */
function groupsDescending(pos: Float64Array, neg: Float64Array, visit: (cp: number, cn: number) => void): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    const v = j < 0 || (i >= 0 && pos[i]! >= neg[j]!) ? pos[i]! : neg[j]!;
    let cp = 0;
    let cn = 0;
    while (i >= 0 && pos[i] === v) {
      i--;
      cp++;
    }
    while (j >= 0 && neg[j] === v) {
      j--;
      cn++;
    }
    visit(cp, cn);
  }
}

function aurocSorted(pos: Float64Array, neg: Float64Array): number {
  if (pos.length === 0 || neg.length === 0) return NaN;
  // U = Σ_groups cp · (negatives strictly below + cn/2).
  let u = 0;
  let below = 0;
  groupsAscending(pos, neg, (cp, cn) => {
    u += cp * (below + cn / 2);
    below += cn;
  });
  return u / (pos.length * neg.length);
}

function averagePrecisionSorted(pos: Float64Array, neg: Float64Array): number {
  if (pos.length === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  groupsDescending(pos, neg, (cp, cn) => {
    tp += cp;
    fp += cn;
    if (cp > 0) ap += (cp / pos.length) * (tp / (tp + fp));
  });
  return ap;
}

/**
 * AUROC and AP from the weight of positives (`cp[g]`) and negatives (`cn[g]`) in each group g of
 * equal scores, groups in ascending score order: the formulas of the module comment with counts
 * replaced by weights, so that a bootstrap resample (a sample drawn w times has weight w) is
 * scored without sorting again (bootstrap.ts). With every weight 1 it equals `rankingQuality`.
 */
export function qualityOfGroups(cp: ArrayLike<number>, cn: ArrayLike<number>): { auroc: number; averagePrecision: number } {
  let np = 0;
  let nn = 0;
  for (let g = 0; g < cp.length; g++) {
    np += cp[g]!;
    nn += cn[g]!;
  }
  let u = 0;
  let below = 0;
  for (let g = 0; g < cp.length; g++) {
    u += cp[g]! * (below + cn[g]! / 2);
    below += cn[g]!;
  }
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let g = cp.length - 1; g >= 0; g--) {
    tp += cp[g]!;
    fp += cn[g]!;
    if (cp[g]! > 0) ap += (cp[g]! / np) * (tp / (tp + fp));
  }
  return { auroc: np === 0 || nn === 0 ? NaN : u / (np * nn), averagePrecision: np === 0 ? NaN : ap };
}

/**
 * max(0, max_τ TPR(τ) − FPR(τ)) for the rule "positive if score ≥ τ", τ over the groups of equal
 * scores (`cp`/`cn`: positives and negatives per group, ascending score): the membership
 * advantage of metrics/membership.ts from grouped counts (NaN without positives or negatives).
 */
export function advantageOfGroups(cp: ArrayLike<number>, cn: ArrayLike<number>): number {
  let np = 0;
  let nn = 0;
  for (let g = 0; g < cp.length; g++) {
    np += cp[g]!;
    nn += cn[g]!;
  }
  if (np === 0 || nn === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let best = 0;
  for (let g = cp.length - 1; g >= 0; g--) {
    tp += cp[g]!;
    fp += cn[g]!;
    best = Math.max(best, tp / np - fp / nn);
  }
  return best;
}

/** AUROC of `scores` for the samples where `positive` is non-zero (see the module comment). */
export function auroc(scores: Numbers, positive: Mask): number {
  const { pos, neg } = splitSorted('auroc', scores, positive);
  return aurocSorted(pos, neg);
}

/** Average precision of `scores` for the samples where `positive` is non-zero (ties as one threshold). */
export function averagePrecision(scores: Numbers, positive: Mask): number {
  const { pos, neg } = splitSorted('averagePrecision', scores, positive);
  return averagePrecisionSorted(pos, neg);
}

/** AUROC and AP in one sort. */
export function rankingQuality(scores: Numbers, positive: Mask): RankingQuality {
  const { pos, neg } = splitSorted('rankingQuality', scores, positive);
  return { auroc: aurocSorted(pos, neg), averagePrecision: averagePrecisionSorted(pos, neg), positives: pos.length, negatives: neg.length };
}

/** AUROC of two samples of scores: positives' and negatives' (no mask). */
export function aurocTwoSample(positives: Numbers, negatives: Numbers): number {
  return aurocSorted(sortedCopy('aurocTwoSample', 'positives', positives), sortedCopy('aurocTwoSample', 'negatives', negatives));
}

/**
 * Best separation by a threshold on the score, "positive if score ≥ t":
 * max over t of TPR(t) − FPR(t), where the thresholds are the distinct scores and +∞ (nothing
 * flagged, value 0), so the result is in [0, 1]. Returns the advantage and the smallest score
 * flagged at the maximum (+Infinity when no threshold beats flagging nothing). NaN when a class
 * is empty.
 */
export function maxTprMinusFpr(positives: Numbers, negatives: Numbers): { advantage: number; threshold: number } {
  const pos = sortedCopy('maxTprMinusFpr', 'positives', positives);
  const neg = sortedCopy('maxTprMinusFpr', 'negatives', negatives);
  if (pos.length === 0 || neg.length === 0) return { advantage: NaN, threshold: NaN };
  let tp = 0;
  let fp = 0;
  let best = 0;
  let threshold = Infinity;
  let i = pos.length;
  let j = neg.length;
  groupsDescending(pos, neg, (cp, cn) => {
    tp += cp;
    fp += cn;
    i -= cp;
    j -= cn;
    const gap = tp / pos.length - fp / neg.length;
    if (gap > best) {
      best = gap;
      threshold = cp > 0 ? pos[i]! : neg[j]!;
    }
  });
  return { advantage: best, threshold };
}

/**
 * Positions ordered by decreasing score (most suspicious first); ties keep position order.
 * Throws `E_CONFIG` on NaN.
 */
export function orderByScore(scores: Numbers): Uint32Array {
  noNaN('orderByScore', 'scores', scores);
  const s = Float64Array.from(scores);
  const idx = new Uint32Array(s.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  // Infinity − Infinity is NaN, which `sort` reads as "equal"; `|| a − b` then keeps position order.
  idx.sort((a, b) => s[b]! - s[a]! || a - b);
  return idx;
}

