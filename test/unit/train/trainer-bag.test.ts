/**
 * The trainer with a real compiled model (`bag`, tiny preset, CPU, onnxruntime): it learns a
 * learnable synthetic task, records dynamics, and a run cancelled mid-epoch and resumed on a
 * freshly compiled model ends bit for bit where the uninterrupted run does.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { resume, train, type TrainConfig } from '../../../server/src/train/trainer';
import { assertSameDynamics, assertSameState, bagCorpus, tempDir } from './trainer-helpers';

const { source, data } = bagCorpus();

const make = () => createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1 });

test('bag (tiny, CPU): learns, records dynamics, and resumes bit for bit after a mid-epoch cancel', async (t) => {
  const dir = tempDir();
  // 112 samples / 16 = 7 steps per epoch, in groups of 3, 3, 1.
  const c: TrainConfig = { epochs: 6, batchSize: 16, seed: 5, schedule: { kind: 'cosine', lr: 0.05, warmupSteps: 3 }, progressIntervalMs: 0, checkpoint: { path: path.join(dir, 'ckpt.bin') } };
  const ref = await make();
  const refRun = await (async () => {
    try {
      return { result: await train(ref, data, { ...c, checkpoint: undefined }), state: await ref.getState() };
    } finally {
      await ref.dispose();
    }
  })();
  const r = refRun.result;
  assert.ok(r.curves.at(-1)!.trainAcc > r.curves[0]!.trainAcc + 0.2, `train accuracy ${r.curves[0]!.trainAcc} → ${r.curves.at(-1)!.trainAcc}`);
  assert.ok(r.curves.at(-1)!.valAcc! > 0.5, `val accuracy ${r.curves.at(-1)!.valAcc}`);
  assert.equal(r.dynamics.train.rows, 6);
  assert.equal(r.dynamics.val.rows, 6);
  t.diagnostic(`timings ms: ${JSON.stringify(r.timings, (_, v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v))}`);

  const first = await make();
  const ac = new AbortController();
  try {
    await assert.rejects(
      train(first, data, c, { signal: ac.signal, onProgress: (p) => p.globalStep === 10 && ac.abort() }),
      (e) => isEngineError(e) && e.code === ERROR_CODES.CANCELLED,
    );
  } finally {
    await first.dispose();
  }
  const second = await make();
  try {
    const resumed = await resume(second, data, c);
    assert.deepEqual(resumed.final.resumedFrom, { epoch: 1, position: 3, globalStep: 10 });
    assertSameDynamics(r.dynamics, resumed.dynamics);
    assert.deepEqual(resumed.curves, r.curves);
    await assertSameState(refRun.state, second);
  } finally {
    await second.dispose();
  }
});
