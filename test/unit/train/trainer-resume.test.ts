/**
 * Cancellation, crashes and resume: a run interrupted anywhere and resumed from its checkpoint
 * (with a freshly built model) ends with the same parameters, dynamics and curves as an
 * uninterrupted run, bit for bit.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { readCheckpoint } from '../../../server/src/train/checkpoint';
import { resume, train, type TrainConfig, type TrainResult } from '../../../server/src/train/trainer';
import type { FakeModel } from './fake-model';
import { assertSameDynamics, assertSameState, config, setup, tempDir } from './trainer-helpers';

const s = setup();

async function reference(c: TrainConfig, stepsPerRun = 1): Promise<{ model: FakeModel; result: TrainResult }> {
  const model = s.model({ stepsPerRun });
  const result = await train(model, s.data, { ...c, checkpoint: undefined });
  return { model, result };
}

async function assertSameRun(a: { model: FakeModel; result: TrainResult }, b: { model: FakeModel; result: TrainResult }): Promise<void> {
  await assertSameState(a.model, b.model);
  assertSameDynamics(a.result.dynamics, b.result.dynamics);
  assert.deepEqual(a.result.curves, b.result.curves);
  assert.deepEqual(a.result.final.rng, b.result.final.rng);
  assert.equal(a.result.final.globalStep, b.result.final.globalStep);
}

const cancelledErr = (e: unknown): boolean => isEngineError(e) && e.code === ERROR_CODES.CANCELLED;

test('cancelled mid-epoch: a mid-epoch checkpoint is written, resume equals the uninterrupted run', async () => {
  const dir = tempDir();
  const c = config({ epochs: 4, schedule: { kind: 'cosine', lr: 0.5, warmupSteps: 4 }, checkpoint: { path: path.join(dir, 'ckpt.bin') } });
  const ref = await reference(c);
  const ac = new AbortController();
  const model = s.model();
  // Abort after global step 11 = step 3 of epoch 1 (8 steps per epoch).
  await assert.rejects(train(model, s.data, c, { signal: ac.signal, onProgress: (p) => p.globalStep === 11 && ac.abort() }), cancelledErr);
  const ck = await readCheckpoint(c.checkpoint!.path);
  assert.ok(ck);
  assert.equal(ck.trainer.inEpoch, true);
  assert.equal(ck.trainer.epoch, 1);
  assert.equal(ck.trainer.position, 3);
  assert.equal(ck.trainer.globalStep, 11);
  assert.equal(ck.dynamics.train.rows, 2);
  assert.equal(ck.dynamics.train.filled, 3 * 32);
  assert.equal(ck.order.length, 240);

  const again = s.model({ seed: 99 });
  const result = await resume(again, s.data, c);
  assert.deepEqual(result.final.resumedFrom, { epoch: 1, position: 3, globalStep: 11 });
  await assertSameRun(ref, { model: again, result });
});

test('cancelled with onCancel off: the last checkpoint is left intact and resume still equals', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'ckpt.bin');
  const c = config({ epochs: 3, checkpoint: { path: file, onCancel: false } });
  const ref = await reference(c);
  const ac = new AbortController();
  let atBoundary: Buffer | undefined;
  await assert.rejects(
    train(s.model(), s.data, c, {
      signal: ac.signal,
      onEpochEnd: (curve) => {
        if (curve.epoch === 0) atBoundary = fs.readFileSync(file);
      },
      onProgress: (p) => p.globalStep === 13 && ac.abort(),
    }),
    (e) => cancelledErr(e) && /kept as it was/.test((e as Error).message),
  );
  assert.ok(atBoundary && fs.readFileSync(file).equals(atBoundary), 'the epoch-boundary checkpoint is unchanged');
  assert.deepEqual(fs.readdirSync(dir), ['ckpt.bin'], 'no temp files are left');
  const again = s.model();
  const result = await resume(again, s.data, c);
  assert.deepEqual(result.final.resumedFrom, { epoch: 1, position: 0, globalStep: 8 });
  await assertSameRun(ref, { model: again, result });
});

test('a crash between epochs: resume from the epoch-boundary checkpoint equals the uninterrupted run', async () => {
  const dir = tempDir();
  const c = config({ epochs: 4, evalEvery: 2, checkpoint: { path: path.join(dir, 'ckpt.bin') } });
  const ref = await reference(c);
  await assert.rejects(
    train(s.model(), s.data, c, {
      onEpochEnd: (curve) => {
        if (curve.epoch === 1) throw new Error('simulated crash');
      },
    }),
    /simulated crash/,
  );
  const again = s.model();
  const result = await resume(again, s.data, c);
  assert.deepEqual(result.final.resumedFrom, { epoch: 2, position: 0, globalStep: 16 });
  await assertSameRun(ref, { model: again, result });
});

test('a crash inside a step group, periodic mid-epoch checkpoints, several steps per run', async () => {
  const dir = tempDir();
  const c = config({ epochs: 3, checkpoint: { path: path.join(dir, 'ckpt.bin'), everySteps: 2, everyEpochs: 2 } });
  const ref = await reference(c, 3);
  const model = s.model({ stepsPerRun: 3 });
  const inner = model.trainSteps.bind(model);
  let calls = 0;
  model.trainSteps = async (batches, lr, rng) => {
    // Epoch 1 runs groups of 3, 3, 2 steps; die in the second group, after the mid-epoch checkpoint of the first.
    if (++calls === 5) throw new Error('device lost');
    return inner(batches, lr, rng);
  };
  await assert.rejects(train(model, s.data, c), /device lost/);
  const ck = await readCheckpoint(c.checkpoint!.path);
  assert.equal(ck?.trainer.epoch, 1);
  assert.equal(ck?.trainer.position, 3);
  const again = s.model({ stepsPerRun: 3 });
  const result = await resume(again, s.data, c);
  await assertSameRun(ref, { model: again, result });
});

test('cancelled during evaluation: the epoch is kept trained, evaluation reruns on resume', async () => {
  const dir = tempDir();
  const c = config({ epochs: 2, evalBatchSize: 10, checkpoint: { path: path.join(dir, 'ckpt.bin') } });
  const ref = await reference(c);
  const ac = new AbortController();
  const model = s.model();
  const inner = model.evaluate.bind(model);
  let evals = 0;
  model.evaluate = async (batch, k) => {
    if (++evals === 3) ac.abort();
    return inner(batch, k);
  };
  await assert.rejects(train(model, s.data, c, { signal: ac.signal }), cancelledErr);
  const ck = await readCheckpoint(c.checkpoint!.path);
  assert.equal(ck?.trainer.position, 8);
  assert.equal(ck?.trainer.inEpoch, true);
  assert.equal(ck?.dynamics.val.rows, 0);
  const again = s.model();
  await assertSameRun(ref, { model: again, result: await resume(again, s.data, c) });
});

test('resume: a finished run returns at once; other settings, another model key or no checkpoint are refused', async () => {
  const dir = tempDir();
  const c = config({ epochs: 2, checkpoint: { path: path.join(dir, 'ckpt.bin') } });
  const done = await train(s.model(), s.data, c);
  const model = s.model();
  const again = await resume(model, s.data, c);
  assert.equal(model.seenBatches.length, 0);
  assertSameDynamics(done.dynamics, again.dynamics);
  await assert.rejects(resume(s.model(), s.data, { ...c, seed: 5 }), (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG);
  await assert.rejects(resume(s.model(), s.data, { ...c, checkpoint: { path: path.join(dir, 'none.bin') } }), (e) => isEngineError(e) && e.code === ERROR_CODES.INPUT_NOT_FOUND);
  await assert.rejects(resume(s.model(), s.data, { ...c, modelKey: 'dim=64' }), (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG);
  // A new run replaces the old one's checkpoint even when it stops before writing its own.
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(train(s.model(), s.data, c, { signal: ac.signal }), cancelledErr);
  assert.equal(fs.existsSync(c.checkpoint!.path), false);
  await assert.rejects(resume(s.model(), s.data, c), (e) => isEngineError(e) && e.code === ERROR_CODES.INPUT_NOT_FOUND);
});
