/**
 * The trainer with mixup on (`bag`, tiny preset, CPU): it still learns (the recorded accuracy is
 * of the unmixed forward pass), and a run cancelled mid-epoch and resumed on a freshly compiled
 * model ends bit for bit where the uninterrupted run does: the mixup draws are seeded by the run
 * seed and the global step, which the checkpoint restores.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { resume, train, type TrainConfig } from '../../../server/src/train/trainer';
import { assertSameDynamics, assertSameState, bagCorpus, tempDir } from './trainer-helpers';

const { source, data } = bagCorpus();

const make = () => createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, mixup: 0.4 });

test('bag with mixup (tiny, CPU): learns, and resumes bit for bit after a mid-epoch cancel', async () => {
  const dir = tempDir();
  // 112 samples / 16 = 7 steps per epoch, in groups of 3, 3, 1.
  const c: TrainConfig = { epochs: 5, batchSize: 16, seed: 5, schedule: { kind: 'cosine', lr: 0.05, warmupSteps: 3 }, progressIntervalMs: 0, checkpoint: { path: path.join(dir, 'ckpt.bin') } };
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
