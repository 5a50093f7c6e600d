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
import type { TrainConfig } from '../../../server/src/train/trainer';
import { assertResumesAfterCancel, bagCorpus, tempDir, trainUninterrupted } from './trainer-helpers';

const { source, data } = bagCorpus();

const make = () => createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, mixup: 0.4 });

test('bag with mixup (tiny, CPU): learns, and resumes bit for bit after a mid-epoch cancel', async () => {
  const dir = tempDir();
  // 112 samples / 16 = 7 steps per epoch, in groups of 3, 3, 1.
  const c: TrainConfig = { epochs: 5, batchSize: 16, seed: 5, schedule: { kind: 'cosine', lr: 0.05, warmupSteps: 3 }, progressIntervalMs: 0, checkpoint: { path: path.join(dir, 'ckpt.bin') } };
  const refRun = await trainUninterrupted(make, data, c);
  const r = refRun.result;
  assert.ok(r.curves.at(-1)!.trainAcc > r.curves[0]!.trainAcc + 0.2, `train accuracy ${r.curves[0]!.trainAcc} → ${r.curves.at(-1)!.trainAcc}`);

  await assertResumesAfterCancel(make, data, c, refRun);
});
