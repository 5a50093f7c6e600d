/** Percentile bootstrap intervals (docs/metrics.md § "Uncertainty (bootstrap intervals)"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  differenceReplicates,
  meanInterval,
  meanReplicates,
  microF1Interval,
  microF1Replicates,
  percentileInterval,
  quantileSorted,
  rankingIntervals,
  rankingReplicates,
} from '../../../server/src/metrics/bootstrap';
import { advantageOfGroups, qualityOfGroups, rankingQuality } from '../../../server/src/metrics/ranking';
import { lossMembershipInference } from '../../../server/src/metrics/membership';
import { Rng } from '../../../server/src/util/rng';
import { near, throwsCode } from './helpers';

test('quantileSorted and percentileInterval: linear interpolation at (B − 1) q, NaN left out', () => {
  // Replicates 0 … 40: h = 40 · 0.025 = 1 → 1; h = 40 · 0.975 = 39 → 39.
  const x = Array.from({ length: 41 }, (_, i) => i);
  const ci = percentileInterval(x)!;
  near(ci.low, 1);
  near(ci.high, 39);
  // Five replicates: h = 4 · 0.025 = 0.1 → 10 + 0.1 · (20 − 10) = 11; h = 3.9 → 40 + 0.9 · 10 = 49.
  const five = percentileInterval([50, 10, NaN, 30, 20, 40])!;
  near(five.low, 11);
  near(five.high, 49);
  assert.equal(percentileInterval([NaN]), null);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
  throwsCode(() => percentileInterval([1], 1), 'level');
});

test('a constant sample gives a zero-width interval at its value', () => {
  assert.deepEqual(meanInterval(new Array(37).fill(0.5), { seed: 1 }), { low: 0.5, high: 0.5 });
  const f1 = microF1Interval({ tp: [2, 2, 2], fp: [1, 1, 1], fn: [0, 0, 0] }, { seed: 1 })!;
  assert.equal(f1.low, f1.high);
  near(f1.low, 0.8); // P = 2/3, R = 1
});

test('mean of [0, 0, 0, 1]: the interval of the enumerated resample distribution, [0, 0.75]', () => {
  // A resample's mean is k/4 with k ~ Binomial(4, 1/4): P(k ≤ 0) = 0.316 > 0.025, so the 2.5 %
  // percentile is 0; P(k ≤ 2) = 0.949 < 0.975 ≤ P(k ≤ 3) = 0.996, so the 97.5 % one is 3/4.
  assert.deepEqual(meanInterval([0, 0, 0, 1], { seed: 3 }), { low: 0, high: 0.75 });
  // Every replicate is one of the enumerated values k/4.
  for (const v of meanReplicates([0, 0, 0, 1], { seed: 3, resamples: 200 })) assert.ok([0, 0.25, 0.5, 0.75, 1].includes(v));
});

test('micro F1 of two samples: resample F1 is 1, 0.5 or 0 (hand-computed), interval [0, 1]', () => {
  // A = (TP 1, FP 0, FN 0), B = (TP 0, FP 1, FN 1). {A, A}: F1 1; {A, B}: P = R = ½, F1 ½; {B, B}: 0.
  const c = { tp: [1, 0], fp: [0, 1], fn: [0, 1] };
  const reps = microF1Replicates(c, { seed: 9 });
  assert.deepEqual([...new Set(reps)].sort(), [0, 0.5, 1]);
  assert.deepEqual(microF1Interval(c, { seed: 9 }), { low: 0, high: 1 });
  assert.equal(microF1Interval({ tp: [], fp: [], fn: [] }, { seed: 9 }), null);
  throwsCode(() => microF1Replicates({ tp: [1], fp: [1, 2], fn: [1] }, { seed: 1 }), 'tp');
});

test('the same seed gives the same interval; another seed draws other resamples', () => {
  const r = new Rng(5);
  const v = Array.from({ length: 200 }, () => r.next());
  assert.deepEqual(meanInterval(v, { seed: 11 }), meanInterval(v, { seed: 11 }));
  assert.notDeepEqual(meanReplicates(v, { seed: 11, resamples: 50 }), meanReplicates(v, { seed: 12, resamples: 50 }));
  throwsCode(() => meanReplicates(v, { seed: 1, resamples: 0 }), 'resamples');
});

test('the mean interval of a large sample is close to mean ± 1.96 standard errors', () => {
  const r = new Rng(21);
  const v: number[] = Array.from({ length: 2000 }, () => (r.next() < 0.3 ? 1 : 0));
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const se = Math.sqrt((m * (1 - m)) / v.length);
  const ci = meanInterval(v, { seed: 2 })!;
  near(ci.low, m - 1.96 * se, 0.004, 'low');
  near(ci.high, m + 1.96 * se, 0.004, 'high');
});

test('difference replicates are a_k − b_k; constant train and test F1 give a zero-width gap', () => {
  assert.deepEqual([...differenceReplicates(Float64Array.of(3, 2), Float64Array.of(1, 1))], [2, 1]);
  const train = microF1Replicates({ tp: [3, 3], fp: [0, 0], fn: [1, 1] }, { seed: 1 });
  const test_ = microF1Replicates({ tp: [1, 1], fp: [1, 1], fn: [1, 1] }, { seed: 2 });
  const gap = percentileInterval(differenceReplicates(train, test_))!;
  near(gap.low, 6 / 7 - 0.5);
  near(gap.high, 6 / 7 - 0.5);
  throwsCode(() => differenceReplicates(new Float64Array(2), new Float64Array(3)), 'a');
});

test('qualityOfGroups with unit weights equals rankingQuality (ties included)', () => {
  const r = new Rng(4);
  const s = Array.from({ length: 300 }, () => Math.floor(r.next() * 20));
  const pos = s.map(() => (r.next() < 0.3 ? 1 : 0));
  const groups = [...new Set(s)].sort((a, b) => a - b);
  const cp = groups.map((g) => s.filter((v, i) => v === g && pos[i]).length);
  const cn = groups.map((g) => s.filter((v, i) => v === g && !pos[i]).length);
  const q = qualityOfGroups(cp, cn);
  const ref = rankingQuality(s, pos);
  near(q.auroc, ref.auroc);
  near(q.averagePrecision, ref.averagePrecision);
});

test('stratified AUROC / AP: every replicate has both classes; the interval contains the point estimate', () => {
  const r = new Rng(8);
  const pos = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const s = pos.map((p) => r.normal() + (p ? 0.8 : 0));
  const ci = rankingIntervals(s, pos, { seed: 1 })!;
  const point = rankingQuality(s, pos);
  assert.ok(ci.auroc.low < point.auroc && point.auroc < ci.auroc.high, `${JSON.stringify(ci.auroc)} ∌ ${point.auroc}`);
  assert.ok(ci.averagePrecision.low < point.averagePrecision && point.averagePrecision < ci.averagePrecision.high);
  assert.ok(ci.auroc.high - ci.auroc.low < 0.2);
  // One positive among many negatives: still defined in every replicate (never NaN).
  const one = rankingReplicates([5, 1, 2, 3], [1, 0, 0, 0], { seed: 1, resamples: 100 })!;
  assert.ok(one.auroc.every((a) => a === 1));
  assert.equal(rankingReplicates([1, 2], [0, 0], { seed: 1 }), null);
  throwsCode(() => rankingReplicates([NaN, 1], [1, 0], { seed: 1 }), 'NaN');
});

test('AUROC of two positives and two negatives: the enumerable resamples give [0, 1]', () => {
  // Scores pos {3, 1}, neg {2, 0}. A resample draws two of each: positives {3,3}, {3,1}, {1,1}
  // (probability ¼, ½, ¼) against negatives {2,2}, {2,0}, {0,0}. AUROC = mean over pairs of
  // 1[p > n]: the lowest, {1,1} vs {2,2}, is 0 with probability 1/16 = 0.0625 > 0.025, so low = 0;
  // the highest is 1 (e.g. {3,3} vs anything, probability > 0.025), so high = 1.
  assert.deepEqual(rankingIntervals([3, 1, 2, 0], [1, 1, 0, 0], { seed: 6 })!.auroc, { low: 0, high: 1 });
});

test('advantageOfGroups with unit weights is the membership advantage (ties included); its replicates bracket it', () => {
  const rng = new Rng(12);
  // Losses on a coarse grid so that many tie; members have lower losses on average.
  const member = Array.from({ length: 60 }, () => Math.round(4 * rng.next()) / 2);
  const other = Array.from({ length: 40 }, () => Math.round(4 * rng.next() + 1) / 2);
  const scores = [...member, ...other].map((l) => -l);
  const positive = Uint8Array.from(scores, (_, i) => (i < member.length ? 1 : 0));
  const values = [...new Set(scores)].sort((a, b) => a - b);
  const cp = values.map((v) => scores.filter((s, i) => s === v && positive[i]).length);
  const cn = values.map((v) => scores.filter((s, i) => s === v && !positive[i]).length);
  const expected = lossMembershipInference(member, other).advantage;
  near(advantageOfGroups(cp, cn), expected, 1e-12);
  assert.ok(Number.isNaN(advantageOfGroups([1, 2], [0, 0])));
  // Hand-computed: positives at the top group only → TPR 1 at FPR 0.
  assert.equal(advantageOfGroups([0, 3], [2, 0]), 1);
  const reps = rankingReplicates(scores, positive, { resamples: 400, seed: 3 })!;
  const ci = percentileInterval(reps.advantage)!;
  assert.ok(ci.low <= expected && expected <= ci.high, `${JSON.stringify(ci)} vs ${expected}`);
});
