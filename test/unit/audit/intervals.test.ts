/**
 * Headline intervals and "not enough data" (docs/metrics.md § "Uncertainty (bootstrap
 * intervals)"): replicate k combines replicate k of one run per configuration (seed k mod S), so
 * several seeds are pooled; a score on too few test methods or with too wide an interval is
 * insufficient, and a gate on it fails with the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headlineIntervals, headlineScores, MAX_INTERVAL_WIDTH, scoreStatus } from '../../../server/src/audit/aggregate';
import { evaluateGates, parseGate } from '../../../server/src/audit/gates';
import type { RunReport } from '../../../server/src/protocol/report';
import { fakeRun } from './fake-run';

function run(kind: string, level: number, seed: number, testF1: number, noiseFitRate: number | null = null): RunReport {
  return fakeRun(kind, level, seed, {
    final: { trainF1: 0.9, testF1, gap: 0.9 - testF1, noiseFitRate },
    membership: { auroc: 0.6, advantage: 0.1 },
    detection: level > 0 ? [{ signal: 'aum', auroc: 0.8, averagePrecision: 0.5 }] : [],
  });
}

/** Constant replicates: every resample gives the run's own scores (plus `shift` on test F1 for half of them). */
function constant(r: RunReport, b: number, shift = 0): Record<string, Float64Array> {
  const fill = (x: number | null) => new Float64Array(b).fill(x ?? NaN);
  const test = Float64Array.from({ length: b }, (_, k) => r.final.testF1! + (k % 2 ? shift : 0));
  return {
    trainF1: fill(r.final.trainF1),
    testF1: test,
    gap: test.map((t) => r.final.trainF1 - t),
    membershipAuroc: fill(0.6),
    ...(r.final.noiseFitRate !== null ? { noiseFitRate: fill(r.final.noiseFitRate) } : {}),
    ...(r.level > 0 ? { 'auroc:aum': fill(0.8) } : {}),
  };
}

test('one seed: constant replicates give zero-width headline intervals at the scores', () => {
  const runs = [run('none', 0, 0, 0.5), run('y-shuffle', 50, 0, 0.3, 0.4)];
  const scores = headlineScores(runs);
  scores.detection_auroc = 0.8;
  const ci = headlineIntervals(runs, scores, new Map(runs.map((r) => [r.id, constant(r, 100)])), 'auroc:aum');
  assert.deepEqual(ci.G, { low: 0.5, high: 0.5 });
  assert.deepEqual(ci.M, { low: 0.4, high: 0.4 });
  assert.deepEqual(ci.detection_auroc, { low: 0.8, high: 0.8 });
  assert.ok(Math.abs(ci.sensitivity!.low - -0.4) < 1e-12 && ci.sensitivity!.low === ci.sensitivity!.high);
  assert.equal(ci.mia_advantage, null);
});

test('several seeds: the replicates are pooled, so the interval spans the seeds', () => {
  // Seed 0 scores G 0.4, seed 1 scores 0.6, each without sampling spread: the pooled interval is
  // [0.4, 0.6] around G = 0.5, not the zero width of an average of the two.
  const runs = [run('none', 0, 0, 0.4), run('none', 0, 1, 0.6)];
  const scores = headlineScores(runs);
  const ci = headlineIntervals(runs, scores, new Map(runs.map((r) => [r.id, constant(r, 200)])), null);
  assert.equal(scores.G, 0.5);
  assert.deepEqual(ci.G, { low: 0.4, high: 0.6 });
  assert.deepEqual(ci.test_f1, { low: 0.4, high: 0.6 });
  assert.equal(ci.detection_auroc, null, 'no calibration');
});

test('a run without replicates (an older audit folder) leaves every headline interval null', () => {
  const runs = [run('none', 0, 0, 0.4), run('none', 0, 1, 0.6)];
  const ci = headlineIntervals(runs, headlineScores(runs), new Map([[runs[0]!.id, constant(runs[0]!, 10)]]), null);
  assert.ok(Object.values(ci).every((x) => x === null));
});

test('score status: too few test methods, too wide an interval, or no score', () => {
  const runs = [run('none', 0, 0, 0.5)];
  const scores = headlineScores(runs);
  const narrow = { G: { low: 0.45, high: 0.55 }, train_f1: { low: 0.5, high: 0.5 + MAX_INTERVAL_WIDTH + 0.01 } };
  const few = scoreStatus(scores, narrow, 12);
  assert.deepEqual(few.G, { ok: false, reason: 'not enough test methods: 12 (at least 50 needed)' });
  assert.deepEqual(few.mia_auc, few.G);
  assert.deepEqual(few.M, { ok: false, reason: 'could not be computed by this audit' });
  assert.match(few.train_f1.reason!, /^interval too wide: \[0\.500, 0\.810\] spans more than 0\.3$/);
  const enough = scoreStatus(scores, narrow, 50);
  assert.deepEqual(enough.G, { ok: true });
  assert.deepEqual(enough.gap, { ok: true }, 'no interval: only the split size counts');
});

test('a gate on an insufficient score fails and says why; a sufficient one is judged as before', () => {
  const status = { G: { ok: false, reason: 'not enough test methods: 12 (at least 50 needed)' }, gap: { ok: true } };
  const r = evaluateGates([parseGate('G>=0.1'), parseGate('gap<=0.5')], { G: 0.9, gap: 0.2 }, status);
  assert.deepEqual(r.map((g) => g.passed), [false, true]);
  assert.equal(r[0]!.message, 'G >= 0.1: failed, G = 0.9 rests on too little data: not enough test methods: 12 (at least 50 needed)');
  assert.equal(r[0]!.actual, 0.9);
  assert.equal(r[1]!.message, 'gap <= 0.5: passed (gap = 0.2)');
});

test('detection_auroc: a calibration run where the signal had no AUROC is left out, as in the point estimate', () => {
  const runs = [run('none', 0, 0, 0.5), run('y-shuffle', 25, 0, 0.4, 0.3), run('y-shuffle', 50, 0, 0.3, 0.4)];
  runs[2]!.detection = [{ signal: 'meanLoss', auroc: 0.7, averagePrecision: 0.4 }];
  const reps = new Map(runs.map((r) => [r.id, constant(r, 50)]));
  delete reps.get(runs[2]!.id)!['auroc:aum'];
  const scores = { ...headlineScores(runs), detection_auroc: 0.8 };
  assert.deepEqual(headlineIntervals(runs, scores, reps, 'auroc:aum').detection_auroc, { low: 0.8, high: 0.8 });
});
