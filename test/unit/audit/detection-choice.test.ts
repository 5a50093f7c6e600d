/**
 * The detection choice end to end on synthetic dynamics (docs/metrics.md § "Detection choice"):
 * corrupted samples fight their label in the first epochs and are memorized later, so AUM over the
 * first epochs finds them and AUM over all epochs hardly does. The per-run candidate tables, the
 * cross-fitted choice in the summary, the headline AUROC, and findings ranked over the chosen window.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRanking, detectionAuroc, detectionReplicateName, detectionSummary, findingsOf, HELD_OUT_REPLICATES } from '../../../server/src/audit/aggregate';
import { bestValRows, detectionCandidates, detectionChoice, parseCandidate, runTable } from '../../../server/src/audit/detection-choice';
import { meanInterval } from '../../../server/src/audit/detection-intervals';
import type { SampleColumns } from '../../../server/src/dataset/columns';
import { assignFolds, dynamicsFromRows, windowSignals, type DynamicsSource } from '../../../server/src/metrics';
import { SIGNAL_NAMES } from '../../../server/src/metrics/signals';
import type { EpochReport, RunReport } from '../../../server/src/protocol/report';
import { Rng } from '../../../server/src/util/rng';
import { fakeRun } from './fake-run';

const N = 200;
const E = 8;
const ids = Array.from({ length: N }, (_, i) => `m${i}`);
const folds = assignFolds(ids);

/** Margins: clean samples N(1, 1) throughout; corrupted ones N(−2, 1) in epochs 0–3, then N(3, 1) (memorized). */
function dynamics(rng: Rng, corrupted: Uint8Array): DynamicsSource {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const labels = new Int32Array(N);
  const rows = Array.from({ length: E }, (_, e) => ({
    loss: new Float32Array(N),
    margin: Float32Array.from(corrupted, (c) => gauss() + (c ? (e < 4 ? -2 : 3) : 1)),
    pLabel: new Float32Array(N),
    top1: new Int32Array(N),
  }));
  return dynamicsFromRows(labels, rows);
}

function corruptedMask(rng: Rng): Uint8Array {
  return Uint8Array.from({ length: N }, () => (rng.next() < 0.2 ? 1 : 0));
}

/** Epoch reports with a validation F1 that peaks at epoch `best` (1-based). */
function epochs(best: number): EpochReport[] {
  const m = { loss: 1, accuracy: 0.5, precision: 0.5, recall: 0.5 };
  return Array.from({ length: E }, (_, r) => ({
    epoch: r + 1,
    train: { ...m, f1: 0.5 },
    trainClean: null,
    trainCorrupted: null,
    val: { ...m, f1: 0.5 - Math.abs(r + 1 - best) / 100 },
    test: null,
    lossGini: 0,
    learningRate: 0.01,
  }));
}

function noisyRun(seed: number): { run: RunReport; d: DynamicsSource } {
  const rng = new Rng(seed);
  const corrupted = corruptedMask(rng);
  const d = dynamics(rng, corrupted);
  const table = detectionCandidates(d, corrupted, folds, bestValRows(epochs(6)));
  return { run: fakeRun('y-shuffle', 20, seed, { epochs: epochs(6), detection: [{ signal: 'aum', auroc: table.auroc['aum@all']![2]!, averagePrecision: 0.5 }], detectionCandidates: table }), d };
}

test('bestValRows: the epochs up to the best validation F1 (first on ties); null without validation', () => {
  assert.equal(bestValRows(epochs(6)), 6);
  assert.equal(bestValRows(epochs(6).map((e) => ({ ...e, val: null }))), null);
});

test('detectionCandidates: every signal over every window, AUROC on each fold and on all samples', () => {
  const { run } = noisyRun(1);
  const t = run.detectionCandidates!;
  assert.deepEqual(t.windows.map((w) => `${w.id}:${w.epochs}`), ['all:8', 'first-2:2', 'first-4:4', 'first-6:6', 'best-val:6']);
  assert.equal(Object.keys(t.auroc).length, SIGNAL_NAMES.length * 5);
  assert.equal(t.foldSizes.corrupted.length, 2);
  // AUM (orientation +1 stored; suspicion is −AUM) separates well over the first 4 epochs, hardly over all 8.
  assert.ok(t.auroc['aum@first-4']![2]! < 0.05, `aum@first-4 ${t.auroc['aum@first-4']![2]}`);
  assert.ok(Math.abs(t.auroc['aum@all']![2]! - 0.5) < 0.25);
  const keys = [...runTable(t).keys()];
  assert.equal(keys.length, SIGNAL_NAMES.length * 5 * 2);
  assert.deepEqual(keys.slice(0, 2), ['aum@all:-', 'aum@all:+'], 'the usual orientation first');
  assert.deepEqual(parseCandidate('firstLearned@first-4:-'), { signal: 'firstLearned', window: 'first-4', orientation: -1 });
});

test('aggregation: the summary chooses −AUM over an early window, the headline is its held-out AUROC', () => {
  const runs = [fakeRun('none', 0, 1, { epochs: epochs(5) }), noisyRun(1).run, noisyRun(2).run];
  const d = detectionSummary(runs);
  const c = d.choice!;
  assert.equal(c.signal, 'aum');
  assert.equal(c.orientation, -1);
  assert.equal(c.window.kind, 'first');
  assert.ok(c.window.epochs <= 4, `window ${c.window.id}`);
  assert.equal(d.best, 'aum');
  assert.equal(c.candidates, SIGNAL_NAMES.length * 5 * 2);
  assert.equal(c.folds, 2);
  assert.equal(c.foldChoices.length, 2);
  assert.ok(c.heldOutAuroc > 0.95 && c.inSampleAuroc > 0.95, `held-out ${c.heldOutAuroc}, in-sample ${c.inSampleAuroc}`);
  assert.match(c.reason, /^chosen among 100 candidates .* on half of the corrupted samples; measured on the other half/);
  assert.equal(detectionAuroc(d), c.heldOutAuroc);
  assert.equal(detectionReplicateName(d), HELD_OUT_REPLICATES);
  // Each run's own held-out AUROC; with every value defined their mean is the headline's.
  assert.deepEqual(c.byRun!.map((b) => b.run), runs.filter((r) => r.detectionCandidates).map((r) => r.id));
  const mean = c.byRun!.reduce((a, b) => a + b.heldOutAuroc!, 0) / c.byRun!.length;
  assert.ok(Math.abs(mean - c.heldOutAuroc) < 1e-12, `${mean} vs ${c.heldOutAuroc}`);
  // Runs of an older memaudit (no tables): the best signal over all epochs, in-sample, no choice.
  const old = detectionSummary(runs.map(({ detectionCandidates: _, ...r }) => r));
  assert.equal(old.choice, undefined);
  assert.equal(detectionReplicateName(old), 'auroc:aum');
});

test('best-val: the chosen window takes the clean run\'s own best validation epoch', () => {
  const { run } = noisyRun(3);
  const t = run.detectionCandidates!;
  // Make best-val the only informative window.
  for (const key of Object.keys(t.auroc)) t.auroc[key] = [0.5, 0.5, 0.5];
  t.auroc['meanLoss@best-val'] = [0.9, 0.9, 0.9];
  const out = detectionChoice([run], fakeRun('none', 0, 1, { epochs: epochs(3) }))!;
  assert.deepEqual(out.choice.window, { id: 'best-val', kind: 'best-val', epochs: 3 });
  assert.equal(out.choice.orientation, 1);
});

test('a first-k window longer than a clean run that stopped early (early stopping) is all of its epochs', () => {
  const { run } = noisyRun(3);
  const t = run.detectionCandidates!;
  for (const key of Object.keys(t.auroc)) t.auroc[key] = [0.5, 0.5, 0.5];
  t.auroc['meanLoss@first-6'] = [0.9, 0.9, 0.9];
  const stopped = epochs(3).slice(0, 4);
  assert.deepEqual(detectionChoice([run], fakeRun('none', 0, 1, { epochs: stopped }))!.choice.window, { id: 'all', kind: 'all', epochs: 4 });
  assert.deepEqual(detectionChoice([run], fakeRun('none', 0, 1, { epochs: epochs(3) }))!.choice.window, { id: 'first-6', kind: 'first', epochs: 6 });
});

test('findings: the clean run ranked by the chosen signal over the chosen window, named in the message', () => {
  const rng = new Rng(9);
  const clean = dynamics(rng, corruptedMask(rng));
  const window = { id: 'first-4', kind: 'first' as const, epochs: 4 };
  const windowed = windowSignals(clean, window).aum!;
  const allEpochs = windowSignals(clean, { epochs: E }) as Record<string, ArrayLike<number>>;
  const columns = {
    sample: (i: number) => ({ id: ids[i]!, origin: { file: `f${i}.py`, root: 0 }, range: { startLine: i, startColumn: 0, endLine: i + 1, endColumn: 0 }, language: 'python', name: `name${i}` }),
  } as unknown as SampleColumns;
  const trainIdx = Int32Array.from(ids.keys());
  const ranking = { signal: 'aum', orientation: -1 as const, values: windowed, window, why: 'the score chosen among 80 candidates on half of the corrupted samples (held-out AUROC 0.990)' };
  const findings = findingsOf(columns, ['.'], trainIdx, allEpochs, ranking, 5);
  const lowest = [...windowed].map((v, p) => [v, p] as const).sort((a, b) => a[0] - b[0])[0]![1];
  assert.equal(findings[0]!.sampleId, ids[lowest]);
  assert.deepEqual(findings[0]!.window, window);
  assert.equal(findings[0]!.score, -windowed[lowest]!);
  assert.equal(Object.keys(findings[0]!.details)[0], 'aum@first-4', 'the ranked value first, then the all-epoch signals');
  assert.equal(findings[0]!.details['aum@first-4'], windowed[lowest]);
  assert.equal(findings[0]!.details.aum, allEpochs.aum![lowest]);
  assert.match(findings[0]!.message, /rank 1 by aum over the first 4 epochs \(aum = -?\d+\.\d{3}\); the score chosen among 80 candidates/);
  // A choice over all epochs names its window too, and keeps details as they are.
  const all = findingsOf(columns, ['.'], trainIdx, allEpochs, { ...ranking, values: allEpochs.aum!, window: { id: 'all', kind: 'all', epochs: E } }, 1);
  assert.match(all[0]!.message, /rank 1 by aum over all 8 epochs \(aum = /);
  assert.deepEqual(Object.keys(all[0]!.details), Object.keys(allEpochs));
  // Without a choice: the all-epoch signal, no window.
  const plain = findingsOf(columns, ['.'], trainIdx, allEpochs, defaultRanking(allEpochs, null), 1);
  assert.equal(plain[0]!.window, undefined);
  assert.match(plain[0]!.message, /rank 1 by aum \(aum = .*no noisy run calibrated the signals/);
  // A signal undefined in this run (AUM of a one-epoch run is NaN; a loss can be +∞) is left out
  // of the details rather than written as a number JSON cannot hold.
  const undefinedAum = { ...allEpochs, aum: Float64Array.from(allEpochs.aum!, () => NaN), finalLoss: Float64Array.from(allEpochs.finalLoss!, () => Infinity) };
  const byLoss = findingsOf(columns, ['.'], trainIdx, undefinedAum, { signal: 'meanLoss', orientation: 1, values: allEpochs.meanLoss!, why: 'test' }, 1);
  assert.equal('aum' in byLoss[0]!.details, false);
  assert.equal('finalLoss' in byLoss[0]!.details, false);
  assert.equal(typeof byLoss[0]!.details.meanLoss, 'number');
});

test('meanInterval: the percentile interval of the mean over runs of their replicates; null when a run has none', () => {
  const reps = new Map([
    ['a', Float64Array.from({ length: 100 }, (_, k) => k / 100)],
    ['b', Float64Array.from({ length: 100 }, (_, k) => k / 100)],
  ]);
  const ci = meanInterval(reps, ['a', 'b'])!;
  assert.ok(ci.low < 0.05 && ci.high > 0.95);
  assert.equal(meanInterval(reps, ['a', 'c']), null);
});
