/**
 * A run's bootstrap intervals (docs/metrics.md § "Uncertainty (bootstrap intervals)"): each
 * contains its score, a constant split gives a zero-width interval, the same run gives the same
 * intervals, and a run without a test split has no test-based interval.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeRunMetrics, type RunMetricsInput } from '../../../server/src/audit/run-metrics';
import type { Interval } from '../../../server/src/protocol/report';
import { Dynamics, SplitDynamics } from '../../../server/src/train/dynamics';
import { Rng } from '../../../server/src/util/rng';
import { assignFolds } from '../../../server/src/metrics';
import { bestValRows } from '../../../server/src/audit/detection-choice';

const vocab = { strings: ['<UNK>', 'get|name', 'set|name', 'get|user|name', 'is|empty'], unk: 0 };

/** A split of n samples over `epochs` epochs; `right(p, e)` says whether sample p is predicted right at epoch e. */
function split(name: 'train' | 'val' | 'test', labels: number[], epochs: number, right: (p: number, e: number) => boolean, rng: Rng): SplitDynamics {
  const d = new SplitDynamics(name, Int32Array.from(labels, (_, i) => i), Int32Array.from(labels), epochs);
  for (let e = 0; e < epochs; e++) {
    const row = d.addRow(e);
    labels.forEach((y, p) => {
      const ok = right(p, e);
      row.top1[p] = ok ? y : 1 + ((y + rng.int(3)) % 4);
      row.loss[p] = ok ? 0.2 + rng.next() : 1 + 2 * rng.next();
      row.margin[p] = ok ? 1 + rng.next() : -1 - rng.next();
      row.pLabel[p] = Math.exp(-row.loss[p]!);
    });
  }
  return d;
}

function input(opts: { testRight?: (p: number) => boolean; noTest?: boolean } = {}): RunMetricsInput {
  const rng = new Rng(3);
  const n = 80;
  const labels = Array.from({ length: n }, (_, p) => 1 + (p % 4));
  const corrupted = Uint8Array.from(labels, (_, p) => (p % 4 === 0 ? 1 : 0));
  // Clean samples are learned from epoch 1; corrupted ones late and only half of them.
  const train = split('train', labels, 4, (p, e) => (corrupted[p] ? e >= 3 && p % 8 === 0 : e >= 1 || p % 3 === 0), rng);
  const evalLabels = opts.noTest ? [] : labels.slice(0, 60);
  const testRight = opts.testRight ?? ((p: number) => p % 5 < 3);
  // An audit without a test split records no evaluation rows for it.
  const evalEpochs = opts.noTest ? 0 : 4;
  const val = split('val', evalLabels, evalEpochs, (p) => testRight(p), rng);
  const test_ = split('test', evalLabels, evalEpochs, (p) => testRight(p), rng);
  const names = (ls: number[]) => ls.map((y) => vocab.strings[y]!);
  return {
    dynamics: new Dynamics(train, val, test_),
    curves: [],
    vocab,
    truth: { train: names(labels), val: names(evalLabels), test: names(evalLabels) },
    corrupted,
    labelNoise: true,
    resamples: 300,
  };
}

function contains(ci: Interval | null | undefined, x: number | null | undefined, what: string): void {
  assert.ok(ci && x !== null && x !== undefined, `${what}: no interval or no score`);
  assert.ok(ci.low <= x && x <= ci.high, `${what}: [${ci.low}, ${ci.high}] ∌ ${x}`);
}

test('every run interval contains its score (train/test F1, gap, noise fit, MIA, each signal AUROC / AP)', () => {
  const m = computeRunMetrics(input());
  contains(m.intervals.trainF1, m.final.trainF1, 'trainF1');
  contains(m.intervals.testF1, m.final.testF1, 'testF1');
  contains(m.intervals.gap, m.final.gap, 'gap');
  contains(m.intervals.noiseFitRate, m.final.noiseFitRate, 'noiseFitRate');
  contains(m.intervals.membershipAuroc, m.membership?.auroc, 'membership');
  assert.ok(m.detection.length > 0);
  for (const q of m.detection) {
    contains(q.aurocInterval, q.auroc, `${q.signal} AUROC`);
    contains(q.averagePrecisionInterval, q.averagePrecision, `${q.signal} AP`);
  }
  assert.ok(m.intervals.testF1!.high > m.intervals.testF1!.low, 'a mixed test split has a non-degenerate interval');
  assert.deepEqual(Object.keys(m.replicates).filter((k) => !k.startsWith('auroc:') && !k.startsWith('ap:')).sort(), ['gap', 'membershipAdvantage', 'membershipAuroc', 'noiseFitRate', 'testF1', 'trainF1']);
  for (const q of m.detection) assert.ok(m.replicates[`auroc:${q.signal}`] && m.replicates[`ap:${q.signal}`], q.signal);
  assert.equal(m.replicates.testF1!.length, 300);
});

test('run intervals are deterministic; an all-correct test split gives test F1 [1, 1]', () => {
  assert.deepEqual(computeRunMetrics(input()).intervals, computeRunMetrics(input()).intervals);
  const m = computeRunMetrics(input({ testRight: () => true }));
  assert.deepEqual(m.intervals.testF1, { low: 1, high: 1 });
});

test('without a test split the test-based intervals are null', () => {
  const m = computeRunMetrics(input({ noTest: true }));
  assert.equal(m.intervals.testF1, null);
  assert.equal(m.intervals.gap, null);
  assert.equal(m.intervals.membershipAuroc, null);
  assert.ok(m.intervals.trainF1);
});

test('with folds, a run with corrupted samples gets its detection candidate table; without, none', () => {
  const base = input();
  const folds = assignFolds(Array.from(base.corrupted, (_, p) => `sample-${p}`));
  const m = computeRunMetrics({ ...base, folds });
  const t = m.detectionCandidates!;
  // 4 epochs: all, the first 1, 2 and 3 epochs, and up to the best validation epoch of the run.
  const best = bestValRows(m.epochs)!;
  assert.deepEqual(t.windows.map((w) => `${w.id}:${w.epochs}`), ['all:4', 'first-1:1', 'first-2:2', 'first-3:3', `best-val:${best}`]);
  assert.equal(t.folds, 2);
  assert.equal(t.foldSizes.corrupted.reduce((a, b) => a + b, 0), 20);
  // The all-samples column is the run's own detection AUROC of the signal (orientation +1).
  const aum = m.detection.find((q) => q.signal === 'aum')!;
  assert.ok(Math.abs(1 - t.auroc['aum@all']![2]! - aum.auroc) < 1e-6, 'AUM is oriented −1 in the run table');
  assert.equal(t.auroc['aum@first-1'], undefined, 'AUM needs two epochs');
  assert.equal(computeRunMetrics(base).detectionCandidates, undefined);
});
