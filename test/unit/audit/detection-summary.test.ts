/**
 * Which noisy runs calibrate the memorization signals (the best signal ranks the "likely
 * memorized" methods): label noise below 100% when the audit has some, else every label-noise
 * run, else every noisy run; the clean run never.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrationRuns, detectionSummary } from '../../../server/src/audit/aggregate';
import type { RunReport } from '../../../server/src/protocol/report';
import { fakeRun } from './fake-run';

/** A run whose only fields that matter here are its kind, level and per-signal AUROCs. */
function run(kind: string, level: number, aurocs: Record<string, number>): RunReport {
  return fakeRun(kind, level, 0, { detection: Object.entries(aurocs).map(([signal, auroc]) => ({ signal, auroc, averagePrecision: auroc / 2 })) });
}

const clean = run('none', 0, {});
const shuffle25 = run('y-shuffle', 25, { meanLoss: 0.8, variability: 0.5 });
const shuffle50 = run('y-shuffle', 50, { meanLoss: 0.6, variability: 0.5 });
const shuffle100 = run('y-shuffle', 100, { meanLoss: 0.2, variability: 0.9 });
const rename = run('x-rename-locals', 100, { meanLoss: 0.3, variability: 0.95 });

test('label noise below 100% calibrates the signals; input noise and 100% do not move the choice', () => {
  assert.deepEqual(calibrationRuns([clean, shuffle25, shuffle50, shuffle100, rename]).map((r) => r.id), ['y-shuffle-25-s0', 'y-shuffle-50-s0']);
  const d = detectionSummary([clean, shuffle25, shuffle50, shuffle100, rename]);
  assert.equal(d.best, 'meanLoss');
  assert.deepEqual(d.calibrationRuns, ['y-shuffle-25-s0', 'y-shuffle-50-s0']);
  assert.deepEqual(d.signals.map((s) => [s.signal, Number(s.auroc.toFixed(6)), Number(s.averagePrecision.toFixed(6))]), [
    ['meanLoss', 0.7, 0.35],
    ['variability', 0.5, 0.25],
  ]);
});

test('without label noise below 100%: every label-noise run, else every noisy run', () => {
  assert.deepEqual(calibrationRuns([clean, shuffle100, rename]).map((r) => r.id), ['y-shuffle-100-s0']);
  const inputOnly = detectionSummary([clean, rename]);
  assert.deepEqual(inputOnly.calibrationRuns, ['x-rename-locals-100-s0']);
  assert.equal(inputOnly.best, 'variability');
  const none = detectionSummary([clean]);
  assert.equal(none.best, null);
  assert.deepEqual(none.calibrationRuns, []);
  assert.deepEqual(none.signals, []);
});
