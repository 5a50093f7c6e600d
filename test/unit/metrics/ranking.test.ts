/** AUROC (Mann–Whitney, midranks) and average precision (ties as one threshold). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auroc, aurocTwoSample, averagePrecision, maxTprMinusFpr, orderByScore, rankingQuality } from '../../../server/src/metrics/ranking';
import { Rng } from '../../../server/src/util/rng';
import { near, throwsCode } from './helpers';

/** AUROC by its definition: Σ over (pos, neg) pairs of 1[s⁺ > s⁻] + ½ 1[s⁺ = s⁻]. */
function aurocPairs(s: number[], pos: number[]): number {
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < s.length; i++) {
    if (!pos[i]) continue;
    for (let j = 0; j < s.length; j++) {
      if (pos[j]) continue;
      pairs++;
      u += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return u / pairs;
}

/** AP by its definition over distinct thresholds t: Σ (R(t) − R(t_prev)) P(t), flagging s ≥ t. */
function apThresholds(s: number[], pos: number[]): number {
  const nPos = pos.filter(Boolean).length;
  const ts = [...new Set(s)].sort((a, b) => b - a);
  let ap = 0;
  let prevR = 0;
  for (const t of ts) {
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < s.length; i++) if (s[i]! >= t) (pos[i] ? tp++ : fp++);
    const r = tp / nPos;
    ap += (r - prevR) * (tp / (tp + fp));
    prevR = r;
  }
  return ap;
}

test('auroc and averagePrecision: hand-computed, no ties', () => {
  // Positives 0.9 and 0.7, negatives 0.8 and 0.6: 0.9 beats both, 0.7 beats 0.6 → U = 3 of 4.
  const s = [0.9, 0.8, 0.7, 0.6];
  const pos = [1, 0, 1, 0];
  assert.equal(auroc(s, pos), 0.75);
  // Descending: 0.9 (P = 1, R = ½), 0.8 negative, 0.7 (P = 2/3, R = 1) → AP = ½·1 + ½·⅔ = 5/6.
  near(averagePrecision(s, pos), 5 / 6);
  assert.deepEqual(rankingQuality(s, pos), { auroc: 0.75, averagePrecision: averagePrecision(s, pos), positives: 2, negatives: 2 });
});

test('ties: midranks for AUROC, one threshold per distinct score for AP', () => {
  // All tied: AUROC ½; AP = precision of the single threshold = 2/4.
  assert.equal(auroc([1, 1, 1, 1], [1, 0, 1, 0]), 0.5);
  assert.equal(averagePrecision([1, 1, 1, 1], [1, 0, 1, 0]), 0.5);
  // [2⁺, 1⁺, 1⁻, 0⁻]: 2 beats both (2), 1⁺ ties 1⁻ (½) and beats 0 (1) → 3.5 / 4.
  assert.equal(auroc([2, 1, 1, 0], [1, 1, 0, 0]), 0.875);
  // Thresholds 2 (P 1, R ½), 1 (P ⅔, R 1) → ½ + ⅓.
  near(averagePrecision([2, 1, 1, 0], [1, 1, 0, 0]), 5 / 6);
  // The order of tied samples does not matter.
  near(averagePrecision([0, 1, 1, 2], [0, 0, 1, 1]), 5 / 6);
  assert.equal(auroc([1, 0, 2, 1], [0, 0, 1, 1]), 0.875);
  // −0 and +0 tie.
  assert.equal(auroc([-0, 0], [1, 0]), 0.5);
  assert.equal(auroc([0, -0], [1, 0]), 0.5);
});

test('perfect, reversed, infinite and degenerate inputs', () => {
  assert.equal(auroc([3, 2, 1], [1, 0, 0]), 1);
  assert.equal(auroc([1, 2, 3], [1, 0, 0]), 0);
  assert.equal(averagePrecision([1, 2, 3], [1, 0, 0]), 1 / 3);
  assert.equal(auroc([Infinity, -Infinity], [1, 0]), 1);
  assert.equal(auroc([Infinity, Infinity], [true, false]), 0.5);
  assert.equal(auroc([-Infinity, -Infinity, 0], [1, 0, 0]), 0.25);
  // No positives: both NaN. No negatives: AUROC NaN, AP 1 (every threshold is all positive).
  assert.ok(Number.isNaN(auroc([1, 2], [0, 0])));
  assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
  assert.ok(Number.isNaN(auroc([1, 2], [1, 1])));
  assert.equal(averagePrecision([1, 2], [1, 1]), 1);
  assert.ok(Number.isNaN(auroc([], [])));
  // n = 1.
  assert.ok(Number.isNaN(auroc([0.3], [1])));
  assert.equal(averagePrecision([0.3], [1]), 1);
  throwsCode(() => auroc([1, NaN], [1, 0]), 'NaN at index 1');
  throwsCode(() => auroc([1, 2], [1]), 'one per sample');
});

test('auroc and AP equal their pairwise / threshold definitions on random tied data', () => {
  const rng = new Rng(5);
  for (let trial = 0; trial < 30; trial++) {
    const n = 2 + rng.int(60);
    const s = Array.from({ length: n }, () => rng.int(6) - 2);
    const pos = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    if (!pos.includes(1) || !pos.includes(0)) continue;
    near(auroc(s, pos), aurocPairs(s, pos), 1e-12, `auroc trial ${trial}`);
    near(averagePrecision(s, pos), apThresholds(s, pos), 1e-12, `ap trial ${trial}`);
    near(auroc(Float32Array.from(s), Uint8Array.from(pos)), aurocPairs(s, pos), 1e-12);
    const p = s.filter((_, i) => pos[i]);
    const q = s.filter((_, i) => !pos[i]);
    near(aurocTwoSample(p, q), aurocPairs(s, pos), 1e-12);
  }
});

test('maxTprMinusFpr: best threshold "positive if score ≥ t"', () => {
  assert.deepEqual(maxTprMinusFpr([3, 4], [1, 2]), { advantage: 1, threshold: 3 });
  assert.deepEqual(maxTprMinusFpr([1, 2], [3, 4]), { advantage: 0, threshold: Infinity });
  // Positives {1, 3}, negatives {2}: t = 3 → ½ − 0; t = 2 → ½ − 1; t = 1 → 1 − 1 → ½ at 3.
  assert.deepEqual(maxTprMinusFpr([1, 3], [2]), { advantage: 0.5, threshold: 3 });
  assert.ok(Number.isNaN(maxTprMinusFpr([], [1]).advantage));
});

test('orderByScore: decreasing, ties in position order, infinities ordered', () => {
  assert.deepEqual(Array.from(orderByScore([1, 3, 3, 2])), [1, 2, 3, 0]);
  assert.deepEqual(Array.from(orderByScore([-Infinity, Infinity, 0, Infinity])), [1, 3, 2, 0]);
  assert.deepEqual(Array.from(orderByScore([])), []);
  throwsCode(() => orderByScore([NaN]), 'NaN');
});
