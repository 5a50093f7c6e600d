/**
 * The compiled model end to end on tiny presets: S steps in one Loop run equal S single-step
 * runs bit for bit (CPU), state round trips, the exported inference model agrees with evaluate(),
 * probe gradients have the lookups' shapes, and padded short batches are handled.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel, MODEL_NAMES } from '../../../models/registry';
import { createSession } from '../../../server/src/runtime';
import { Rng } from '../../../server/src/util/rng';
import type { Batch, SampleStats } from '../../../server/src/train/types';
import { learnableSource, range } from './helpers';

const B = 8;

function setup(name: string, stepsPerRun: number, threads = 2) {
  const { source, labels } = learnableSource({ seed: 3, samples: 40, labels: 4, tokens: 12, vocab: 40 });
  return createModel(name, { source, preset: 'tiny', hyper: name === 'code2vec' ? { contexts: 11 } : name === 'transformer' ? { tokens: 12 } : {}, batchSize: B, stepsPerRun, seed: 7, optimizer: { kind: 'adamw', weightDecay: 0.01, clipNorm: 1 }, device: 'cpu', threads }).then((m) => ({ m, labels }));
}

function batchesOf(m: { makeBatch(i: Int32Array, l: Int32Array): Batch }, labels: Int32Array, n: number): Batch[] {
  return Array.from({ length: n }, (_, k) => {
    const idx = range(k * B, (k + 1) * B);
    return m.makeBatch(idx, Int32Array.from(idx, (i) => labels[i]!));
  });
}

for (const name of MODEL_NAMES) {
  // Two threads use the 'sorted' embedding gradient, one thread 'scatter-add'.
  for (const threads of [2, 1]) test(`${name}, ${threads} thread(s): 4 steps in one Loop run equal 4 single-step runs bit for bit`, async () => {
    const a = await setup(name, 4, threads);
    const b = await setup(name, 1, threads);
    try {
      const batches = batchesOf(a.m, a.labels, 4);
      const lr = [0.01, 0.02, 0.03, 0.01];
      const sa = await a.m.trainSteps(batches, lr, new Rng(5));
      const rb = new Rng(5);
      const sb: SampleStats[] = [];
      for (let k = 0; k < 4; k++) sb.push(...(await b.m.trainSteps([batches[k]!], [lr[k]!], rb)));
      assert.equal(a.m.device, 'cpu');
      const [xa, xb] = [await a.m.getState(), await b.m.getState()];
      assert.equal(xa.step, 4);
      for (const k of Object.keys(xa.tensors)) assert.deepEqual(xa.tensors[k]!.data, xb.tensors[k]!.data, k);
      sa.forEach((s, i) => assert.deepEqual(s.loss, sb[i]!.loss));
    } finally {
      await a.m.dispose();
      await b.m.dispose();
    }
  });

  test(`${name}: state round trip, padded batches, probe and exported inference model`, async () => {
    const { m, labels } = await setup(name, 2);
    try {
      const batches = batchesOf(m, labels, 3);
      // A short last batch is padded with weight-0 rows; its stats have its own row count.
      const short = m.makeBatch(range(24, 29), labels.subarray(24, 29));
      const stats = await m.trainSteps([...batches, short], [0.01, 0.01, 0.01, 0.01], new Rng(1));
      assert.equal(stats.length, 4);
      assert.equal(stats[3]!.loss.length, 5);
      for (const s of stats) for (const v of s.loss) assert.ok(Number.isFinite(v));

      const saved = await m.getState();
      const evalBatch = m.makeBatch(range(29, 40), labels.subarray(29, 40));
      const before = await m.evaluate(evalBatch, 3);
      await m.trainSteps(batches, [0.05, 0.05, 0.05], new Rng(2));
      await m.setState(saved);
      const after = await m.evaluate(evalBatch, 3);
      assert.deepEqual(after.loss, before.loss);
      assert.equal(after.topkIds.length, 11 * 3);
      for (let r = 0; r < 11; r++) {
        assert.equal(after.topkIds[r * 3], after.top1[r]);
        assert.ok(Math.abs(after.topkScores[r * 3]! - (after.correct[r] ? after.pLabel[r]! : after.topkScores[r * 3]!)) < 1e-6);
        assert.ok(after.topkScores[r * 3]! >= after.topkScores[r * 3 + 1]!);
        assert.equal(after.correct[r], after.top1[r] === evalBatch.labels[r] ? 1 : 0);
        assert.equal(after.margin[r]! > 0, after.correct[r] === 1);
      }

      const probe = await m.probe!(evalBatch);
      // Another graph (onnxruntime fuses differently around the backward pass): equal to rounding.
      probe.loss.forEach((v, r) => assert.ok(Math.abs(v - after.loss[r]!) <= 1e-5 * (1 + after.loss[r]!), `probe loss row ${r}`));
      for (const g of Object.values(probe.grads)) {
        assert.equal(g.dims[0], 11);
        assert.ok(g.data.some((v) => v !== 0));
      }

      const session = await createSession(await m.exportInference(), { device: 'cpu', name: 'exported' });
      try {
        const feeds: Record<string, { dtype: 'int32'; dims: number[]; data: Int32Array }> = {};
        for (const [k, v] of Object.entries(evalBatch.inputs)) feeds[`x_${k}`] = { dtype: 'int32', dims: [11, ...(k === 'contexts' ? [v.length / 33, 3] : [v.length / 11])], data: v as Int32Array };
        const out = await session.run(feeds);
        const logits = out.logits!.data<'float32'>().data;
        const C = logits.length / 11;
        for (let r = 0; r < 11; r++) {
          const row = logits.subarray(r * C, (r + 1) * C);
          const max = Math.max(...row);
          const lse = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
          assert.ok(Math.abs(lse - row[evalBatch.labels[r]!]! - after.loss[r]!) < 1e-5, `row ${r}`);
          assert.equal(row.indexOf(max), after.top1[r]);
        }
      } finally {
        await session.dispose();
      }
    } finally {
      await m.dispose();
    }
  });
}
