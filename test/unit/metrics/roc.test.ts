/**
 * ROC curves behind the detection AUROC (docs/metrics.md § "Self-calibration (detection AUROC /
 * AP)") and their downsampling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auroc } from '../../../server/src/metrics/ranking';
import { areaUnderCurve, downsampleCurve, rocCurve } from '../../../server/src/metrics/roc';
import { Rng } from '../../../server/src/util/rng';
import { near, throwsCode } from './helpers';

test('rocCurve: one point per distinct threshold, ties as one diagonal step (hand-computed)', () => {
  // Scores 0.9 (pos), 0.8 (neg), 0.8 (pos), 0.3 (neg), 0.1 (pos): n₊ = 3, n₋ = 2.
  const c = rocCurve([0.9, 0.8, 0.8, 0.3, 0.1], [1, 0, 1, 0, 1])!;
  assert.deepEqual(Array.from(c.fpr), [0, 0, 0.5, 1, 1]);
  assert.deepEqual(Array.from(c.tpr), [0, 1 / 3, 2 / 3, 2 / 3, 1]);
  // Trapezoids = Mann–Whitney with ties ½: pairs (pos > neg) 0.9>{0.8,0.3}, 0.8=0.8 (½), 0.8>0.3, 0.1<both → 3.5 / 6.
  near(areaUnderCurve(c), 3.5 / 6);
  near(areaUnderCurve(c), auroc([0.9, 0.8, 0.8, 0.3, 0.1], [1, 0, 1, 0, 1]));
});

test('rocCurve: perfect, inverted, undefined, NaN', () => {
  assert.deepEqual(Array.from(rocCurve([3, 2, 1, 0], [1, 1, 0, 0])!.tpr), [0, 0.5, 1, 1, 1]);
  near(areaUnderCurve(rocCurve([3, 2, 1, 0], [1, 1, 0, 0])!), 1);
  near(areaUnderCurve(rocCurve([3, 2, 1, 0], [0, 0, 1, 1])!), 0);
  assert.equal(rocCurve([1, 2], [1, 1]), null);
  assert.equal(rocCurve([1, 2], [0, 0]), null);
  throwsCode(() => rocCurve([1, NaN], [1, 0]), 'NaN');
});

test('downsampleCurve: at most maxPoints, ends kept, points of the curve, monotone; AUROC barely moves', () => {
  const rng = new Rng(7);
  const n = 20000;
  const positive = Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const scores = Float64Array.from(positive, (p) => rng.next() + (p ? 0.4 : 0));
  const full = rocCurve(scores, positive)!;
  assert.ok(full.fpr.length > 10000);
  for (const max of [2, 3, 50, 200]) {
    const d = downsampleCurve(full, max);
    assert.ok(d.fpr.length <= max && d.fpr.length >= 2, `${d.fpr.length} points for max ${max}`);
    assert.deepEqual([d.fpr[0], d.tpr[0], d.fpr[d.fpr.length - 1], d.tpr[d.tpr.length - 1]], [0, 0, 1, 1]);
    for (let i = 1; i < d.fpr.length; i++) assert.ok(d.fpr[i]! >= d.fpr[i - 1]! && d.tpr[i]! >= d.tpr[i - 1]!);
    if (max >= 50) near(areaUnderCurve(d), areaUnderCurve(full), 0.01);
  }
  // Every kept point lies on the full curve.
  const d = downsampleCurve(full, 100);
  const onCurve = new Set(Array.from(full.fpr, (x, i) => `${x},${full.tpr[i]}`));
  for (let i = 0; i < d.fpr.length; i++) assert.ok(onCurve.has(`${d.fpr[i]},${d.tpr[i]}`));
  // A curve with few corners keeps exactly its corners (collinear points dropped).
  const straight = rocCurve([4, 3, 2, 1], [1, 1, 0, 0])!;
  assert.deepEqual(Array.from(downsampleCurve(straight, 200).fpr), [0, 0, 1]);
  assert.deepEqual(Array.from(downsampleCurve(straight, 200).tpr), [0, 1, 1]);
  throwsCode(() => downsampleCurve(full, 1), 'maxPoints');
});
