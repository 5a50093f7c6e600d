/**
 * Distillation's loss (train/distill.ts): the soft term and the mixed loss on a 2-row, 3-class
 * fixture against hand-computed values, the top-k soft labels at temperature T, a train graph
 * without the setting that is the graph of today, a model trained with soft labels, and the
 * trainer handing each batch its rows' soft labels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArchitecture, createModel } from '../../../models/registry';
import { Graph, emitModel, ops as o, tensor } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import { buildTrainGraph, emitTrainModel } from '../../../server/src/train/compile';
import { DISTILL_TEMPERATURE, DISTILL_TOP_K, distillLoss, distillOptions, softenTopK, softTargetTerm } from '../../../server/src/train/distill';
import { resolveOptimizer } from '../../../server/src/train/optim';
import { runFingerprint, train, type TrainData } from '../../../server/src/train/trainer';
import { Rng } from '../../../server/src/util/rng';
import { learnableSource, range } from './helpers';
import { config, setup } from './trainer-helpers';

/** Runs `softTargetTerm` and `distillLoss` (w, T = 2) on logits [2, 3], ids and p [2, 2], labels [2]. */
async function lossOf(logits: number[], ids: number[], p: number[], labels: number[], w: number): Promise<{ soft: number[]; loss: number[] }> {
  const g = new Graph('distill');
  const z = g.input('z', 'float32', [2, 3]);
  const soft = softTargetTerm(z, g.input('ids', 'int32', [2, 2]), g.input('p', 'float32', [2, 2]), 2);
  const y = o.unsqueeze(o.cast(g.input('y', 'int32', [2]), 'int64'), [1]);
  const ce = o.neg(o.squeeze(o.gatherElements(o.logSoftmax(z, -1), y, 1), [1]));
  g.output(soft, 'soft');
  g.output(distillLoss(ce, soft, w, 2), 'loss');
  const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1 });
  try {
    const r = await s.run({ z: tensor('float32', [2, 3], logits), ids: tensor('int32', [2, 2], ids), p: tensor('float32', [2, 2], p), y: tensor('int32', [2], labels) });
    return { soft: Array.from(r.soft!.data().data as Float32Array), loss: Array.from(r.loss!.data().data as Float32Array) };
  } finally {
    await s.dispose();
  }
}

test('the soft term −Σ p_j·log softmax(z/T)[ids_j] and (1 − w)·CE + w·T²·soft equal the hand-computed values (T = 2)', async () => {
  // Row 0: z/T = [1, 0, −1], log Σ e^{z/T} = log(e + 1 + 1/e) = 1.407606; q = 0.75 on class 0, 0.25 on 1:
  //   soft = 0.75·(1.407606 − 1) + 0.25·(1.407606 − 0) = 0.657606; CE(y = 0) = log(e² + 1 + e⁻²) − 2 = 0.142932.
  // Row 1: z/T = [0, 0.5, 0], log Σ = log(2 + e^0.5) = 1.244127; q = 0.6 on class 1, 0.4 on 2:
  //   soft = 0.6·(1.244127 − 0.5) + 0.4·1.244127 = 0.994377; CE(y = 2) = log(2 + e) = 1.551445.
  // Loss at w = 0.7: 0.3·CE + 0.7·4·soft = 1.884176 and 3.249688.
  const r = await lossOf([2, 0, -2, 0, 1, 0], [0, 1, 1, 2], [0.75, 0.25, 0.6, 0.4], [0, 2], 0.7);
  const close = (got: number[], want: number[]) => got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `${v} vs ${want[i]}`));
  close(r.soft, [0.657606, 0.994377]);
  close(r.loss, [1.884176, 3.249688]);
  // Padding rows (p = 0) have no soft term; w = 1 is the soft term alone, times T².
  const pad = await lossOf([2, 0, -2, 0, 1, 0], [0, 1, 0, 0], [0.75, 0.25, 0, 0], [0, 2], 1);
  close(pad.soft, [0.657606, 0]);
  close(pad.loss, [4 * 0.657606, 0]);
});

test('soft labels: the teacher\'s top k at temperature T, renormalized over the k (the tail is dropped)', () => {
  const t = [3, 1, 0, -1, 2];
  const softmax = (v: number[], T: number) => {
    const e = v.map((x) => Math.exp(x / T));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const top = [0, 4, 1];
  const s1 = softmax(t, 1);
  const q = softenTopK(Float32Array.from(top, (c) => s1[c]!), 3, 2);
  const full = softmax(t, 2);
  const kept = top.map((c) => full[c]!);
  const mass = kept.reduce((a, b) => a + b, 0);
  q.forEach((v, j) => assert.ok(Math.abs(v - kept[j]! / mass) < 1e-6, `q[${j}] = ${v}, want ${kept[j]! / mass}`));
  assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  // Truncation moves the tail's mass (here 0.17 of softmax(t/2)) onto the kept classes.
  assert.ok(q[0]! > full[0]! + 0.01);
  // Two rows at once; a row whose probabilities all underflowed puts everything on the teacher's best.
  assert.deepEqual(Array.from(softenTopK(Float32Array.of(0.5, 0.5, 0, 0), 2, 2)), [0.5, 0.5, 1, 0]);
  assert.equal(DISTILL_TEMPERATURE, 2);
  assert.equal(DISTILL_TOP_K, 8);
  assert.equal(distillOptions(0.5, 5).k, 5);
  assert.throws(() => distillOptions(0, 5), /distill must be a weight in \(0, 1\]/);
});

const SIZES = { tokens: 40, paths: 8, labels: 4 };

test('without distillation the train graph is the graph of today (no soft inputs); with it, soft_ids and soft_p [S, B, k]', () => {
  const arch = buildArchitecture('bag', SIZES, 'tiny');
  const base = { optimizer: resolveOptimizer({ kind: 'adam' }), batchSize: 8, labelSmoothing: 0, embeddingGradient: 'sorted' as const };
  const today = emitTrainModel(buildTrainGraph(arch, base));
  assert.deepEqual(emitTrainModel(buildTrainGraph(arch, { ...base, distill: undefined })), today);
  const g = buildTrainGraph(arch, { ...base, distill: distillOptions(0.5, arch.classes) });
  const soft = g.inputs.filter((v) => v.name.startsWith('soft_'));
  assert.deepEqual(soft.map((v) => [v.name, v.dtype, v.shape]), [['soft_ids', 'int32', ['steps', 8, 4]], ['soft_p', 'float32', ['steps', 8, 4]], ['soft_w', 'float32', ['steps']]]);
  assert.equal(buildTrainGraph(arch, base).inputs.some((v) => v.name.startsWith('soft_')), false);
});

test('a model with distill 0 trains as one without; with distill, a batch without soft labels is a plain CE step, and the statistics stay against the labels', async () => {
  const { source, labels } = learnableSource({ seed: 3, samples: 16, labels: 4, tokens: 12, vocab: 40 });
  const make = (distill?: number) => createModel('bag', { source, preset: 'tiny', batchSize: 8, seed: 7, device: 'cpu', threads: 1, ...(distill !== undefined ? { distill } : {}) });
  const idx = range(0, 8);
  const y = Int32Array.from(idx, (i) => labels[i]!);
  const [plain, off, on] = [await make(), await make(0), await make(0.5)];
  try {
    const a = await plain.trainSteps([plain.makeBatch(idx, y)], [0.05], new Rng(1));
    const b = await off.trainSteps([off.makeBatch(idx, y)], [0.05], new Rng(1));
    assert.deepEqual(b, a);
    assert.deepEqual(await off.getState(), await plain.getState());
    const short = on.makeBatch(idx, y);
    short.soft = { ids: new Int32Array(4), p: new Float32Array(4) };
    await assert.rejects(on.trainSteps([short], [0.05], new Rng(1)), /must carry 8 × 4 soft labels/);
    // A batch without soft labels (the susceptibility probe's step) is a plain cross-entropy step.
    const bare = await make(0.5);
    try {
      assert.deepEqual(await bare.trainSteps([bare.makeBatch(idx, y)], [0.05], new Rng(1)), a);
      assert.deepEqual((await bare.getState()).tensors, (await plain.getState()).tensors);
    } finally {
      await bare.dispose();
    }
    const batch = on.makeBatch(idx, y);
    // Soft labels that put 0.9 on the label: the statistics are −log p_y of the logits all the same.
    batch.soft = { ids: Int32Array.from({ length: 32 }, (_, j) => (y[j >> 2]! + (j & 3)) % 4), p: Float32Array.from({ length: 32 }, (_, j) => ((j & 3) === 0 ? 0.9 : 0.1 / 3)) };
    const [st] = await on.trainSteps([batch], [0.05], new Rng(1));
    st!.loss.forEach((l, r) => assert.ok(Math.abs(Math.exp(-l) - st!.pLabel[r]!) < 1e-6));
    assert.deepEqual(Array.from(st!.loss), Array.from(a[0]!.loss), 'the first step\'s forward pass is before any update');
    assert.notDeepEqual((await on.getState()).tensors, (await plain.getState()).tensors);
  } finally {
    await Promise.all([plain.dispose(), off.dispose(), on.dispose()]);
  }
});

test('the trainer gives every batch the soft labels of its rows\' training positions (shuffled order), and the soft labels enter the run\'s fingerprint', async () => {
  const s = setup();
  const model = s.model();
  const n = s.data.train.length;
  const k = 2;
  // Position p's soft ids encode its sample index: 10·train[p] and 10·train[p] + 1.
  const soft = { k, ids: Int32Array.from({ length: n * k }, (_, j) => 10 * s.data.train[j >> 1]! + (j & 1)), p: new Float32Array(n * k).fill(0.5) };
  let rows = 0;
  const inner = model.trainSteps.bind(model);
  model.trainSteps = (batches, lr, rng) => {
    for (const b of batches) {
      assert.ok(b.soft, 'a batch without soft labels');
      b.indices.forEach((i, r) => assert.deepEqual([b.soft!.ids[r * k], b.soft!.ids[r * k + 1]], [10 * i, 10 * i + 1]));
      rows += b.indices.length;
    }
    return inner(batches, lr, rng);
  };
  await train(model, { ...s.data, soft }, config({ epochs: 2 }));
  assert.equal(rows, 2 * n);
  const fp = (d: TrainData) => runFingerprint(s.model(), d, config());
  assert.notEqual(fp({ ...s.data, soft }), fp(s.data));
  assert.equal(fp({ ...s.data }), fp(s.data));
  await assert.rejects(train(s.model(), { ...s.data, soft: { ...soft, ids: soft.ids.subarray(2) } }, config()), /data\.soft must hold 240 × 2 soft labels/);
});
