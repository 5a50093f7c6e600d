/**
 * What the run scheduler relies on (audit/scheduler.ts): the embedding-gradient strategy follows
 * `strategyThreads`, not the threads a run is given, and with the same strategy a run computes
 * the same numbers, bit for bit, with one intra-op thread or two.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import { train, type TrainConfig } from '../../../server/src/train/trainer';
import { assertSameDynamics, assertSameState, bagCorpus } from './trainer-helpers';

const { source, data } = bagCorpus();
const c: TrainConfig = { epochs: 3, batchSize: 16, seed: 5, schedule: { kind: 'constant', lr: 0.05 }, progressIntervalMs: 0 };

const make = (threads: number, strategyThreads?: number) =>
  createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads, ...(strategyThreads ? { strategyThreads } : {}), log: () => {} });

test('the strategy is chosen for strategyThreads: sorted for 3 even with 1 thread, scatter-add for 1', async () => {
  for (const [threads, strategyThreads, want] of [[1, 3, 'sorted'], [1, undefined, 'scatter-add'], [2, undefined, 'sorted'], [1, 1, 'scatter-add']] as const) {
    const m = await make(threads, strategyThreads);
    try {
      assert.equal(m.embeddingGradient, want, `threads ${threads}, strategyThreads ${strategyThreads}`);
    } finally {
      await m.dispose();
    }
  }
});

test('bag with the sorted strategy: 1 and 2 threads train the same numbers', async () => {
  const runs = [];
  for (const threads of [1, 2]) {
    const m = await make(threads, 3);
    try {
      runs.push({ result: await train(m, data, c), state: await m.getState() });
    } finally {
      await m.dispose();
    }
  }
  assertSameDynamics(runs[0]!.result.dynamics, runs[1]!.result.dynamics);
  await assertSameState(runs[0]!.state, runs[1]!.state);
});
