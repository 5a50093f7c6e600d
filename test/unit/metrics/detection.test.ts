/**
 * Detection quality against the noise ledger (docs/metrics.md § "Self-calibration (detection AUROC
 * / AP)") and the best signal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestSignal, detectionQuality, rankBySuspicion } from '../../../server/src/metrics/detection';
import { maskFromPositions } from '../../../server/src/metrics/dynamics-source';
import { perSampleSignals, SIGNAL_NAMES } from '../../../server/src/metrics/signals';
import { Rng } from '../../../server/src/util/rng';
import { dynOf, near, throwsCode } from './helpers';

const corrupted = maskFromPositions(4, [2, 3]);

test('detectionQuality: oriented AUROC and AP per signal (hand-computed)', () => {
  const q = detectionQuality(
    {
      // −AUM = [−2, −1, 1, 0]: both corrupted above both clean → AUROC 1, AP 1.
      aum: [2, 1, -1, 0],
      // Loss as is: corrupted {0.3, 0.9}, clean {0.1, 0.5} → 3 of 4 pairs; AP ½·1 + ½·⅔.
      finalLoss: [0.1, 0.5, 0.3, 0.9],
      // NaN somewhere: undefined quality.
      confidence: [0.5, NaN, 0.2, NaN],
    },
    corrupted,
  );
  assert.deepEqual(
    q.map((x) => [x.signal, x.orientation, x.auroc, x.positives, x.negatives, x.undefinedSamples]),
    [
      ['aum', -1, 1, 2, 2, 0],
      ['finalLoss', 1, 0.75, 2, 2, 0],
      ['confidence', -1, NaN, 2, 2, 2],
    ],
  );
  assert.equal(q[0]!.averagePrecision, 1);
  near(q[1]!.averagePrecision, 5 / 6);
  assert.ok(Number.isNaN(q[2]!.averagePrecision));
  assert.equal(bestSignal(q)!.signal, 'aum');
  assert.equal(bestSignal(q, 'averagePrecision')!.signal, 'aum');
});

test('detectionQuality: custom orientations, missing orientation, length mismatch', () => {
  const q = detectionQuality({ odd: [0, 0, 1, 1] }, corrupted, { odd: 1 });
  assert.equal(q[0]!.auroc, 1);
  throwsCode(() => detectionQuality({ odd: [0, 0, 1, 1] }, corrupted), "orientation of signal 'odd'");
  throwsCode(() => detectionQuality({ aum: [0, 1] }, corrupted), 'one per sample');
  assert.deepEqual(detectionQuality({}, corrupted), []);
});

test('no corrupted samples: every AUROC is NaN and there is no best signal', () => {
  const q = detectionQuality({ aum: [1, 2, 3], meanLoss: [3, 2, 1] }, new Uint8Array(3));
  assert.ok(q.every((x) => Number.isNaN(x.auroc) && Number.isNaN(x.averagePrecision)));
  assert.equal(bestSignal(q), null);
  assert.equal(bestSignal([]), null);
});

test('bestSignal: ties on the measure go to the other measure, then to input order', () => {
  const base = { orientation: 1 as const, positives: 1, negatives: 1, undefinedSamples: 0 };
  const q = [
    { ...base, signal: 'a', auroc: 0.8, averagePrecision: 0.5 },
    { ...base, signal: 'b', auroc: 0.8, averagePrecision: 0.7 },
    { ...base, signal: 'c', auroc: 0.8, averagePrecision: 0.7 },
    { ...base, signal: 'd', auroc: NaN, averagePrecision: 0.99 },
  ];
  assert.equal(bestSignal(q)!.signal, 'b');
  assert.equal(bestSignal(q, 'averagePrecision')!.signal, 'd');
});

test('rankBySuspicion: most suspicious first, NaN left out, ties in position order, limit', () => {
  assert.deepEqual(Array.from(rankBySuspicion([0.5, NaN, 2, 2, -1], 1)), [2, 3, 0, 4]);
  assert.deepEqual(Array.from(rankBySuspicion([0.5, NaN, 2, 2, -1], -1)), [4, 0, 2, 3]);
  assert.deepEqual(Array.from(rankBySuspicion([0.5, NaN, 2, 2, -1], 1, 2)), [2, 3]);
  assert.deepEqual(Array.from(rankBySuspicion([], 1)), []);
  throwsCode(() => rankBySuspicion([1], 1, -1), 'limit');
});

test('end to end: on simulated dynamics where corrupted samples are learned late, every signal detects them', () => {
  // 200 samples, 10 epochs; the 40 corrupted ones have low margins and p(label), are correct
  // once at epoch 3 (then forgotten) and for good from epoch 6; the clean ones from epoch 1.
  const rng = new Rng(3);
  const n = 200;
  const E = 10;
  const bad = new Set(Array.from({ length: 40 }, (_, k) => 5 * k));
  const labels = Array.from({ length: n }, () => rng.int(4));
  const series = (f: (p: number, e: number) => number) => Array.from({ length: n }, (_, p) => Array.from({ length: E }, (_, e) => f(p, e)));
  const learned = (p: number, e: number) => (bad.has(p) ? e >= 6 || e === 3 : e >= 1);
  const d = dynOf(labels, E, {
    margin: series((p, e) => (learned(p, e) ? 1 : -1) + 0.1 * rng.normal()),
    pLabel: series((p, e) => (learned(p, e) ? 0.8 : 0.1) + 0.05 * rng.next()),
    top1: series((p, e) => (learned(p, e) ? labels[p]! : (labels[p]! + 1) % 4)),
    loss: series((p, e) => (learned(p, e) ? 0.2 : 2) + 0.1 * rng.next()),
  });
  const q = detectionQuality(perSampleSignals(d), maskFromPositions(n, [...bad]));
  assert.deepEqual(
    q.map((x) => x.signal),
    [...SIGNAL_NAMES],
  );
  for (const x of q) {
    if (x.signal === 'finalLoss' || x.signal === 'finalExcessLoss') continue; // everyone is learned at the end: near chance by design
    assert.ok(x.auroc > 0.95, `${x.signal}: AUROC ${x.auroc}`);
  }
  assert.ok(bestSignal(q)!.auroc > 0.95);
});
