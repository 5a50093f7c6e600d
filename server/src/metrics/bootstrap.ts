/**
 * Percentile bootstrap intervals (docs/metrics.md § "Uncertainty (bootstrap intervals)"; Efron &
 * Tibshirani 1993, ch. 13). A statistic θ of n samples is recomputed on B resamples, each n draws
 * with replacement from the samples (a sample drawn w times weighs w), and the 95 % interval is
 * the 2.5th and 97.5th percentiles of the B replicates θ*_1 … θ*_B:
 *
 *     low = Q(0.025),  high = Q(0.975),  Q(q) = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)),  h = (B − 1) q
 *
 * over the sorted replicates x_(0) ≤ … ≤ x_(B−1) (linear interpolation, numpy's default). B = 1000
 * by default: the Monte Carlo error of a 2.5 % percentile is then about ±0.005 in F1 or AUROC on a
 * few hundred samples, below the third decimal the reports print, at a cost of O(B · n).
 *
 * The draws come from a seeded `Rng` (util/rng.ts): the same seed and inputs give the same
 * interval. Two statistics computed with the same seed on splits of the same size draw the same
 * positions, so replicates of different runs on the same test split are paired (the audit's
 * headline intervals combine them replicate by replicate).
 */
import { Rng } from '../util/rng';
import { configError, intAtLeast, maskOfLength, noNaN, sameLength, type Mask, type Numbers } from './check';
import { advantageOfGroups, qualityOfGroups } from './ranking';
import { taskScoresFromCounts } from './task';

/** A 95 % interval [low, high]. */
export interface Interval {
  low: number;
  high: number;
}

/** Resamples per interval (see the module comment for why 1000 is enough). */
export const BOOTSTRAP_RESAMPLES = 1000;
/** Coverage of the intervals. */
export const INTERVAL_LEVEL = 0.95;

export interface BootstrapOptions {
  seed: number;
  /** B, default `BOOTSTRAP_RESAMPLES`. */
  resamples?: number;
}

function resamplesOf(fn: string, o: BootstrapOptions): number {
  const b = o.resamples ?? BOOTSTRAP_RESAMPLES;
  intAtLeast(fn, 'resamples', b, 1);
  return b;
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` by linear interpolation; NaN when empty. */
export function quantileSorted(sorted: Numbers, q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * The percentile interval of `replicates` at `level` (default 95 %): quantiles (1 − level)/2 and
 * (1 + level)/2. NaN replicates are left out; null when none is left.
 */
export function percentileInterval(replicates: Numbers, level = INTERVAL_LEVEL): Interval | null {
  if (!(level > 0 && level < 1)) throw configError('percentileInterval', 'level', `must be in (0, 1) (got ${String(level)})`);
  const x = Float64Array.from(Array.prototype.filter.call(replicates, (v: number) => !Number.isNaN(v)) as number[]).sort();
  if (x.length === 0) return null;
  return { low: quantileSorted(x, (1 - level) / 2), high: quantileSorted(x, (1 + level) / 2) };
}

/** Weights of one resample of n samples: n uniform draws with replacement, w[i] = times i was drawn. */
function drawWeights(rng: Rng, w: Float64Array): void {
  w.fill(0);
  for (let k = 0; k < w.length; k++) w[rng.int(w.length)]!++;
}

/** B replicates of a statistic of n samples given their resample weights. Empty when n = 0. */
function replicates(fn: string, n: number, o: BootstrapOptions, stat: (w: Float64Array) => number): Float64Array {
  const b = resamplesOf(fn, o);
  if (n === 0) return new Float64Array(0);
  const rng = new Rng(o.seed);
  const w = new Float64Array(n);
  const out = new Float64Array(b);
  for (let k = 0; k < b; k++) {
    drawWeights(rng, w);
    out[k] = stat(w);
  }
  return out;
}

/** Replicates of the mean of `values` (docs/metrics.md § "Uncertainty (bootstrap intervals)"). */
export function meanReplicates(values: Numbers, o: BootstrapOptions): Float64Array {
  noNaN('meanReplicates', 'values', values);
  return replicates('meanReplicates', values.length, o, (w) => {
    let s = 0;
    for (let i = 0; i < w.length; i++) if (w[i]! > 0) s += w[i]! * values[i]!;
    return s / w.length;
  });
}

/** Per-sample subtoken counts (metrics/task.ts `taskCountsFromClasses`). */
export interface CountColumns {
  tp: Numbers;
  fp: Numbers;
  fn: Numbers;
}

/** Replicates of the micro subtoken F1 (docs/metrics.md § "Subtoken F1") of per-sample counts. */
export function microF1Replicates(c: CountColumns, o: BootstrapOptions): Float64Array {
  sameLength('microF1Replicates', 'tp', c.tp, 'fp', c.fp);
  sameLength('microF1Replicates', 'tp', c.tp, 'fn', c.fn);
  return replicates('microF1Replicates', c.tp.length, o, (w) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      tp += w[i]! * c.tp[i]!;
      fp += w[i]! * c.fp[i]!;
      fn += w[i]! * c.fn[i]!;
    }
    return taskScoresFromCounts({ samples: w.length, exact: 0, tp, fp, fn }).f1;
  });
}

/**
 * Replicates of a − b for two statistics of independent samples (e.g. gap = train F1 − test
 * F1): replicate k is a_k − b_k, the two resampled independently (different seeds).
 */
export function differenceReplicates(a: Float64Array, b: Float64Array): Float64Array {
  sameLength('differenceReplicates', 'a', a, 'b', b);
  return a.map((x, k) => x - b[k]!);
}

/** Dense ascending group id of every score (equal scores share a group) and the number of groups. */
function scoreGroups(scores: Numbers): { group: Uint32Array; groups: number } {
  const s = Float64Array.from(scores);
  const order = Uint32Array.from({ length: s.length }, (_, i) => i).sort((a, b) => (s[a]! < s[b]! ? -1 : s[a]! > s[b]! ? 1 : 0));
  const group = new Uint32Array(s.length);
  let g = -1;
  for (let k = 0; k < order.length; k++) {
    if (k === 0 || s[order[k]!] !== s[order[k - 1]!]) g++;
    group[order[k]!] = g;
  }
  return { group, groups: g + 1 };
}

/** Replicates of AUROC and AP (docs/metrics.md § "Self-calibration (detection AUROC / AP)"), and of the best TPR − FPR (the membership advantage). */
export interface RankingReplicates {
  auroc: Float64Array;
  averagePrecision: Float64Array;
  advantage: Float64Array;
}

/**
 * Stratified replicates of AUROC and AP of `scores` against `positive` (metrics/ranking.ts
 * `qualityOfGroups`): each resample draws n₊ of the positives and n₋ of the negatives, so every
 * replicate has both classes and the class balance of the data. Null without positives or without
 * negatives (the statistic is undefined). A NaN score throws `E_CONFIG`.
 */
export function rankingReplicates(scores: Numbers, positive: Mask, o: BootstrapOptions): RankingReplicates | null {
  const fn = 'rankingReplicates';
  maskOfLength(fn, 'positive', positive, scores.length);
  noNaN(fn, 'scores', scores);
  const b = resamplesOf(fn, o);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (positive[i] ? pos : neg).push(i);
  if (pos.length === 0 || neg.length === 0) return null;
  const { group, groups } = scoreGroups(scores);
  const rng = new Rng(o.seed);
  const cp = new Float64Array(groups);
  const cn = new Float64Array(groups);
  const out = { auroc: new Float64Array(b), averagePrecision: new Float64Array(b), advantage: new Float64Array(b) };
  for (let k = 0; k < b; k++) {
    cp.fill(0);
    cn.fill(0);
    for (let j = 0; j < pos.length; j++) cp[group[pos[rng.int(pos.length)]!]!]!++;
    for (let j = 0; j < neg.length; j++) cn[group[neg[rng.int(neg.length)]!]!]!++;
    const q = qualityOfGroups(cp, cn);
    out.auroc[k] = q.auroc;
    out.averagePrecision[k] = q.averagePrecision;
    out.advantage[k] = advantageOfGroups(cp, cn);
  }
  return out;
}

/** 95 % interval of the mean of `values`; null for no value. */
export function meanInterval(values: Numbers, o: BootstrapOptions): Interval | null {
  return percentileInterval(meanReplicates(values, o));
}

/** 95 % interval of the micro subtoken F1 of per-sample counts; null for no sample. */
export function microF1Interval(c: CountColumns, o: BootstrapOptions): Interval | null {
  return percentileInterval(microF1Replicates(c, o));
}

/** 95 % intervals of AUROC and AP (stratified); null without positives or negatives. */
export function rankingIntervals(scores: Numbers, positive: Mask, o: BootstrapOptions): { auroc: Interval; averagePrecision: Interval } | null {
  const r = rankingReplicates(scores, positive, o);
  if (!r) return null;
  return { auroc: percentileInterval(r.auroc)!, averagePrecision: percentileInterval(r.averagePrecision)! };
}
