/**
 * What the detection choice reads back from the runs' files after the last run (docs/metrics.md §
 * "Detection choice", intervals): held-out and in-sample replicates per calibration run from its
 * dynamics file and ledger, and the clean run's values over the chosen window for the findings.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { bestValRows, detectionCandidates, detectionChoice } from '../../../server/src/audit/detection-choice';
import { choiceReplicates, cleanWindowValues, meanInterval } from '../../../server/src/audit/detection-intervals';
import { assignFolds, windowSignals } from '../../../server/src/metrics';
import type { RunReport } from '../../../server/src/protocol/report';
import { Dynamics, SplitDynamics, writeDynamics } from '../../../server/src/train/dynamics';
import { Rng } from '../../../server/src/util/rng';
import { fakeRun } from './fake-run';

const N = 300;
const E = 6;
const folds = assignFolds(Array.from({ length: N }, (_, i) => `m${i}`));

/** Train dynamics: corrupted samples have margin N(−1.5, 1) in the first 3 epochs, N(2, 1) later; clean ones N(1, 1). */
function trainDynamics(rng: Rng, corrupted: Uint8Array): SplitDynamics {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const d = new SplitDynamics('train', Int32Array.from({ length: N }, (_, i) => i), new Int32Array(N), E);
  for (let e = 0; e < E; e++) {
    const row = d.addRow(e);
    for (let p = 0; p < N; p++) {
      row.margin[p] = gauss() + (corrupted[p] ? (e < 3 ? -1.5 : 2) : 1);
      row.loss[p] = 1;
      row.pLabel[p] = 0.5;
      row.top1[p] = 0;
    }
  }
  return d;
}

const empty = (split: 'val' | 'test') => new SplitDynamics(split, new Int32Array(0), new Int32Array(0), 0);

/** Writes a run's dynamics (and ledger when noisy) under `dir` and returns its report. */
async function writeRun(dir: string, seed: number, noisy: boolean): Promise<{ run: RunReport; train: SplitDynamics }> {
  const rng = new Rng(seed);
  const corrupted = Uint8Array.from({ length: N }, () => (noisy && rng.next() < 0.25 ? 1 : 0));
  const train = trainDynamics(rng, corrupted);
  const id = noisy ? `y-shuffle-25-s${seed}` : `clean-s${seed}`;
  fs.mkdirSync(path.join(dir, id), { recursive: true });
  await writeDynamics(path.join(dir, id, 'dynamics.bin'), new Dynamics(train, empty('val'), empty('test')));
  const entries = [...corrupted.keys()].filter((p) => corrupted[p]).map((position) => ({ position }));
  if (noisy) fs.writeFileSync(path.join(dir, id, 'ledger.json'), JSON.stringify({ trainSize: N, entries }));
  const files = { dynamics: `${id}/dynamics.bin`, ...(noisy ? { ledger: `${id}/ledger.json` } : {}) };
  const table = noisy ? detectionCandidates(train, corrupted, folds, bestValRows([])) : undefined;
  const run = fakeRun(noisy ? 'y-shuffle' : 'none', noisy ? 25 : 0, seed, { files, ...(table ? { detectionCandidates: table } : {}) });
  return { run: { ...run, id }, train };
}

test('choiceReplicates: per calibration run, held-out and in-sample replicates around the point estimates', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-detection-'));
  try {
    const runs = [await writeRun(dir, 1, true), await writeRun(dir, 2, true)].map((r) => r.run);
    const outcome = detectionChoice(runs, undefined)!;
    assert.equal(outcome.choice.signal, 'aum');
    assert.equal(outcome.choice.window.kind, 'first');
    const reps = await choiceReplicates({ runDir: dir, runs, outcome, folds, resamples: 200 });
    assert.deepEqual([...reps.heldOut.keys()], runs.map((r) => r.id));
    const held = meanInterval(reps.heldOut, runs.map((r) => r.id))!;
    const inSample = meanInterval(reps.inSample, runs.map((r) => r.id))!;
    assert.ok(held.low <= outcome.choice.heldOutAuroc && outcome.choice.heldOutAuroc <= held.high, `held-out ${outcome.choice.heldOutAuroc} in [${held.low}, ${held.high}]`);
    assert.ok(inSample.low <= outcome.choice.inSampleAuroc && outcome.choice.inSampleAuroc <= inSample.high);
    // A run whose files are gone is left out, with a message.
    fs.rmSync(path.join(dir, runs[1]!.id, 'dynamics.bin'));
    const said: string[] = [];
    const partial = await choiceReplicates({ runDir: dir, runs, outcome, folds, resamples: 50, log: (m) => said.push(m) });
    assert.deepEqual([...partial.heldOut.keys()], [runs[0]!.id]);
    assert.ok(said.some((m) => m.includes(runs[1]!.id)));
    assert.equal(meanInterval(partial.heldOut, runs.map((r) => r.id)), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cleanWindowValues: the chosen signal over the chosen window from the clean run\'s dynamics file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-detection-'));
  try {
    const { run, train } = await writeRun(dir, 3, false);
    const window = { id: 'first-3', kind: 'first' as const, epochs: 3 };
    const got = await cleanWindowValues(dir, run, 'aum', window, undefined);
    assert.deepEqual(Array.from(got!), Array.from(windowSignals(train, window).aum!));
    // All epochs: the run's in-memory signals, no file read.
    const all = { aum: [1, 2, 3] };
    assert.equal(await cleanWindowValues(path.join(dir, 'nowhere'), run, 'aum', { id: 'all', kind: 'all', epochs: E }, all), all.aum);
    assert.equal(await cleanWindowValues(dir, run, 'aum', { id: 'first-9', kind: 'first', epochs: 9 }, undefined), undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
