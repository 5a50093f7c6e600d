/**
 * The trainer with a real compiled model (`bag`, tiny preset, CPU, onnxruntime): it learns a
 * learnable synthetic task, records dynamics, and a run cancelled mid-epoch and resumed on a
 * freshly compiled model ends bit for bit where the uninterrupted run does.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import type { TrainConfig } from '../../../server/src/train/trainer';
import { assertResumesAfterCancel, bagCorpus, tempDir, trainUninterrupted } from './trainer-helpers';

const { source, data } = bagCorpus();

const make = () => createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1 });

test('bag (tiny, CPU): learns, records dynamics, and resumes bit for bit after a mid-epoch cancel', async (t) => {
  const dir = tempDir();
  // 112 samples / 16 = 7 steps per epoch, in groups of 3, 3, 1.
  const c: TrainConfig = { epochs: 6, batchSize: 16, seed: 5, schedule: { kind: 'cosine', lr: 0.05, warmupSteps: 3 }, progressIntervalMs: 0, checkpoint: { path: path.join(dir, 'ckpt.bin') } };
  const refRun = await trainUninterrupted(make, data, c);
  const r = refRun.result;
  assert.ok(r.curves.at(-1)!.trainAcc > r.curves[0]!.trainAcc + 0.2, `train accuracy ${r.curves[0]!.trainAcc} → ${r.curves.at(-1)!.trainAcc}`);
  assert.ok(r.curves.at(-1)!.valAcc! > 0.5, `val accuracy ${r.curves.at(-1)!.valAcc}`);
  assert.equal(r.dynamics.train.rows, 6);
  assert.equal(r.dynamics.val.rows, 6);
  t.diagnostic(`timings ms: ${JSON.stringify(r.timings, (_, v) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : v))}`);

  await assertResumesAfterCancel(make, data, c, refRun);
});
