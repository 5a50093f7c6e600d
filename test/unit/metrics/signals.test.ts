/**
 * Per-sample signals (docs/metrics.md § "Per-sample signals"): AUM, cartography and its
 * regions, forgetting events, first-learned epoch, loss signals; hand-computed on four samples
 * over four epochs, plus edge cases and a random cross-check against naive per-sample code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aum } from '../../../server/src/metrics/aum';
import { cartography, cartographyRegions, REGION, REGION_NAMES } from '../../../server/src/metrics/cartography';
import { dynamicsFromRows, type DynamicsSource } from '../../../server/src/metrics/dynamics-source';
import { firstLearnedEpoch, forgetting, forgettingEvents } from '../../../server/src/metrics/forgetting';
import { lossSignals } from '../../../server/src/metrics/loss-signals';
import { perSampleSignals, SIGNAL_NAMES, SIGNAL_ORIENTATION, suspicion } from '../../../server/src/metrics/signals';
import { SplitDynamics } from '../../../server/src/train/dynamics';
import { Rng } from '../../../server/src/util/rng';
import { dynOf, nearAll, throwsCode } from './helpers';

// Labels [0, 1, 2, 0]. Correct patterns over epochs 0..3:
//   s0: 0 1 1 1  (learned at 1, never forgotten)
//   s1: 1 0 1 0  (forgotten twice, wrong at the end)
//   s2: 0 0 0 0  (never learned)
//   s3: 1 0 1 1  (forgotten once, relearned at 2)
const labels = [0, 1, 2, 0];
const d = dynOf(labels, 4, {
  margin: [
    [-1, 1, 2, 3],
    [5, -1, -2, 0],
    [0, 0, 0, 0],
    [1, 1, 1, 1],
  ],
  pLabel: [
    [0.2, 0.4, 0.6, 0.8],
    [0.5, 0.5, 0.5, 0.5],
    [0, 1, 0, 1],
    [0.9, 0.9, 0.9, 0.9],
  ],
  top1: [
    [1, 0, 0, 0],
    [1, 0, 1, 0],
    [0, 0, 0, 0],
    [0, 1, 0, 0],
  ],
  loss: [
    [2, 1, 0.5, 0.25],
    [1, 1, 1, 1],
    [4, 3, 2, 1],
    [0, 0, 0, 0],
  ],
});

test('aum: mean margin skipping the first epoch (or a chosen number of epochs)', () => {
  // s0: (1 + 2 + 3)/3 = 2; s1: (−1 − 2 + 0)/3 = −1; s2: 0; s3: 1.
  nearAll(aum(d), [2, -1, 0, 1]);
  // Without skipping: s0 5/4, s1 2/4.
  nearAll(aum(d, { skipEpochs: 0 }), [1.25, 0.5, 0, 1]);
  // Nothing left to average: NaN, not an error.
  nearAll(aum(d, { skipEpochs: 4 }), [NaN, NaN, NaN, NaN]);
  throwsCode(() => aum(d, { skipEpochs: -1 }), 'skipEpochs');
});

test('cartography: confidence, population std and correctness', () => {
  const c = cartography(d);
  // s0: mean 0.5; deviations ±0.1, ±0.3 → variance (0.01 + 0.09)·2/4 = 0.05 (float32 inputs).
  nearAll(c.confidence, [0.5, 0.5, 0.5, 0.9], 1e-7);
  nearAll(c.variability, [Math.sqrt(0.05), 0, 0.5, 0], 1e-7);
  // Constant series: exactly 0 variability.
  assert.equal(c.variability[1], 0);
  assert.equal(c.variability[3], 0);
  nearAll(c.correctness, [0.75, 0.5, 0, 0.75]);
});

test('cartographyRegions: ambiguous first, then easy / hard; thresholds are inclusive', () => {
  const r = cartographyRegions({
    confidence: Float64Array.from([0.9, 0.5, 0.2, NaN, 0.3, 0.5]),
    variability: Float64Array.from([0.1, 0.25, 0.05, 0, 0.2, 0.1]),
  });
  assert.deepEqual(Array.from(r, (x) => REGION_NAMES[x]), ['easy', 'ambiguous', 'hard', 'undefined', 'ambiguous', 'easy']);
  const strict = cartographyRegions({ confidence: Float64Array.from([0.6]), variability: Float64Array.from([0.25]) }, { ambiguousVariability: 0.3, easyConfidence: 0.7 });
  assert.equal(strict[0], REGION.hard);
  // On the fixture: s0 (var 0.224) and s2 (var 0.5) ambiguous; s1 (conf 0.5) easy; s3 easy.
  assert.deepEqual(Array.from(cartographyRegions(cartography(d))), [REGION.ambiguous, REGION.easy, REGION.ambiguous, REGION.easy]);
  throwsCode(() => cartographyRegions({ confidence: new Float64Array(2), variability: new Float64Array(1) }), 'variability');
  throwsCode(() => cartographyRegions({ confidence: new Float64Array(0), variability: new Float64Array(0) }, { easyConfidence: NaN }), 'easyConfidence');
});

test('forgetting events (never learned = E) and first-learned epoch (not learned at the end = E)', () => {
  const f = forgetting(d);
  assert.deepEqual(Array.from(f.events), [0, 2, 4, 1]);
  assert.deepEqual(Array.from(f.firstLearned), [1, 4, 4, 2]);
  assert.deepEqual(forgettingEvents(d), f.events);
  assert.deepEqual(firstLearnedEpoch(d), f.firstLearned);
  // Correct from the first epoch on: learned at 0, no events.
  const always = dynOf([3], 3, {});
  assert.deepEqual([forgettingEvents(always)[0], firstLearnedEpoch(always)[0]], [0, 0]);
  // top1 −1 (not presented) is not correct.
  const unseen = dynOf([3], 2, { top1: [[3, -1]] });
  assert.deepEqual([forgettingEvents(unseen)[0], firstLearnedEpoch(unseen)[0]], [1, 2]);
});

test('loss signals: final-epoch loss and mean loss', () => {
  const l = lossSignals(d);
  nearAll(l.finalLoss, [0.25, 1, 1, 0]);
  nearAll(l.meanLoss, [0.9375, 1, 2.5, 0]);
});

test('excess losses: the loss less −log of the label\'s share of the split (hand-computed)', () => {
  // Labels 7, 7, 7, 9: π = 3/4 for the first three, 1/4 for the last.
  const src = dynOf([7, 7, 7, 9], 2, { loss: [[1, 2], [0, 0], [3, 1], [2, 2]] });
  const l = lossSignals(src);
  nearAll(l.finalExcessLoss, [2 + Math.log(0.75), Math.log(0.75), 1 + Math.log(0.75), 2 + Math.log(0.25)]);
  nearAll(l.meanExcessLoss, [1.5 + Math.log(0.75), Math.log(0.75), 2 + Math.log(0.75), 2 + Math.log(0.25)]);
  // A rare label with the same loss as a frequent one is less suspicious: its base rate explains more of the loss.
  assert.ok(l.meanExcessLoss[3]! < l.meanExcessLoss[2]!);
});

test('edge cases: one epoch, one sample, no samples, no epochs, NaN and infinite values', () => {
  const one = dynOf([1], 1, { margin: [[0.7]], pLabel: [[0.6]], top1: [[0]], loss: [[0.5]] });
  const s = perSampleSignals(one);
  assert.ok(Number.isNaN(s.aum[0]), 'AUM skips the only epoch');
  nearAll(s.confidence, [0.6], 1e-7);
  assert.deepEqual([s.variability[0], s.correctness[0], s.forgetting[0], s.firstLearned[0], s.finalLoss[0], s.meanLoss[0]], [0, 0, 1, 1, 0.5, 0.5]);
  const none = perSampleSignals(dynOf([], 3, {}));
  for (const name of SIGNAL_NAMES) assert.equal(none[name].length, 0);
  throwsCode(() => perSampleSignals(dynOf([1, 2], 0, {})), 'at least 1 needed');
  // A NaN margin only makes its own sample's AUM NaN; infinite margins (a single-class model) stay infinite.
  const odd = dynOf([0, 0, 0], 3, { margin: [[0, 1, NaN], [0, 1, 2], [0, Infinity, Infinity]] });
  nearAll(aum(odd), [NaN, 1.5, Infinity]);
});

test('shape checks: labels, short rows', () => {
  throwsCode(() => aum({ n: 2, rows: 1, labels: new Int32Array(3), row: () => ({ loss: new Float32Array(2), margin: new Float32Array(2), pLabel: new Float32Array(2), top1: new Int32Array(2) }) }), 'labels');
  const short = { loss: new Float32Array(2), margin: new Float32Array(1), pLabel: new Float32Array(2), top1: new Int32Array(2) };
  throwsCode(() => dynamicsFromRows(new Int32Array(2), [short]), 'row 0.margin');
});

test('a SplitDynamics from the trainer is a DynamicsSource (its full-capacity columns included)', () => {
  // Room for 6 epochs, 4 recorded: the signals must read only the recorded rows.
  const sd = new SplitDynamics('train', Int32Array.from([10, 11, 12, 13]), Int32Array.from(labels), 6);
  const pos = Int32Array.from([3, 1, 0, 2]);
  for (let e = 0; e < 4; e++) {
    sd.addRow(e);
    const r = d.row(e);
    const pick = <T extends Float32Array | Int32Array>(a: T): T => a.map((_, k) => a[pos[k]!]!) as T;
    sd.record(pos, { loss: pick(r.loss), margin: pick(r.margin), pLabel: pick(r.pLabel), top1: pick(r.top1), correct: new Uint8Array(4) });
  }
  const src: DynamicsSource = sd;
  assert.deepEqual(perSampleSignals(src), perSampleSignals(d));
});

test('suspicion orients signals so that higher = more suspicious', () => {
  assert.deepEqual(Array.from(suspicion([2, -1, 0], SIGNAL_ORIENTATION.aum)), [-2, 1, 0]);
  assert.ok(Object.is(suspicion([0], -1)[0], 0), '−0 is written as 0');
  throwsCode(() => suspicion([1], 2), 'orientation');
});

/** Naive per-sample reference implementations, straight from the formulas of docs/metrics.md. */
function naive(src: DynamicsSource, p: number) {
  const E = src.rows;
  const series = (f: 'loss' | 'margin' | 'pLabel') => Array.from({ length: E }, (_, r) => src.row(r)[f][p]!);
  const acc = Array.from({ length: E }, (_, r) => (src.row(r).top1[p] === src.labels[p] ? 1 : 0));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const pl = series('pLabel');
  const conf = mean(pl);
  let events = 0;
  for (let r = 1; r < E; r++) if (acc[r - 1] === 1 && acc[r] === 0) events++;
  if (!acc.includes(1)) events = E;
  let first = E;
  for (let r = E - 1; r >= 0 && acc[r] === 1; r--) first = r;
  return {
    aum: mean(series('margin').slice(1)),
    confidence: conf,
    variability: Math.sqrt(mean(pl.map((x) => (x - conf) ** 2))),
    correctness: mean(acc),
    forgetting: events,
    firstLearned: first,
    finalLoss: series('loss')[E - 1]!,
    meanLoss: mean(series('loss')),
    finalExcessLoss: series('loss')[E - 1]! + logShare(src.labels, p),
    meanExcessLoss: mean(series('loss')) + logShare(src.labels, p),
  };
}

/** log of the share of the labels equal to sample p's. */
function logShare(labels: Int32Array, p: number): number {
  let same = 0;
  for (const y of labels) if (y === labels[p]) same++;
  return Math.log(same / labels.length);
}

test('vectorised signals equal the naive per-sample definitions on random dynamics', () => {
  const rng = new Rng(17);
  const n = 50;
  const E = 7;
  const lab = Array.from({ length: n }, () => rng.int(3));
  const rand = (f: () => number) => Array.from({ length: n }, () => Array.from({ length: E }, f));
  const src = dynOf(lab, E, { loss: rand(() => 3 * rng.next()), margin: rand(() => rng.normal()), pLabel: rand(() => rng.next()), top1: rand(() => rng.int(3)) });
  const s = perSampleSignals(src);
  for (let p = 0; p < n; p++) {
    const ref = naive(src, p);
    for (const name of SIGNAL_NAMES) {
      assert.ok(Math.abs(s[name][p]! - ref[name]) <= 1e-9, `${name}[${p}] = ${s[name][p]} ≠ ${ref[name]}`);
    }
  }
});
