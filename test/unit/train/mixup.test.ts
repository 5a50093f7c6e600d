/**
 * Mixup on the code vectors (train/mixup.ts): the draws (partners among real rows, λ ~ Beta(α, α),
 * seeded per step), the mixed loss against a hand-computed 2-row fixture and a float64 gradient
 * check, and the compiled model: statistics of the unmixed forward pass, no extra draws from the
 * trainer's Rng, an unchanged graph at α = 0, and resume-equivalence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArchitecture, createModel, MODEL_NAMES } from '../../../models/registry';
import { Graph, Value, emitModel } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import { buildTrainGraph, emitTrainModel, forward } from '../../../server/src/train/compile';
import { MIXUP_NAMES, betaSymmetric, drawMixup, mixupLoss } from '../../../server/src/train/mixup';
import { resolveOptimizer } from '../../../server/src/train/optim';
import type { Batch } from '../../../server/src/train/types';
import { Rng } from '../../../server/src/util/rng';
import { gradCheck } from '../onnx/gradcheck';
import { learnableSource, range } from './helpers';

test('drawMixup: a permutation of the real rows, padding rows fixed with λ = 1, λ in [0, 1]; the same (seed, step) draws the same', () => {
  const perm = new Int32Array(8);
  const lambda = new Float32Array(8);
  drawMixup(0.4, 7, 3, 5, perm, lambda);
  assert.deepEqual([...perm.subarray(0, 5)].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual([...perm.subarray(5)], [5, 6, 7]);
  assert.deepEqual([...lambda.subarray(5)], [1, 1, 1]);
  for (const l of lambda.subarray(0, 5)) assert.ok(l >= 0 && l <= 1, `λ = ${l}`);
  const again = { perm: new Int32Array(8), lambda: new Float32Array(8) };
  drawMixup(0.4, 7, 3, 5, again.perm, again.lambda);
  assert.deepEqual(again, { perm, lambda });
  drawMixup(0.4, 7, 4, 5, again.perm, again.lambda);
  assert.notDeepEqual(again.lambda, lambda);
});

test('betaSymmetric: mean ½ and variance 1/(4(2α + 1)) of Beta(α, α); finite for a tiny α', () => {
  for (const alpha of [0.2, 1, 4]) {
    const rng = new Rng(11);
    const n = 20_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const l = betaSymmetric(rng, alpha);
      s += l;
      s2 += l * l;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    const expected = 1 / (4 * (2 * alpha + 1));
    assert.ok(Math.abs(mean - 0.5) < 0.01, `α ${alpha}: mean ${mean}`);
    assert.ok(Math.abs(variance - expected) < 0.1 * expected, `α ${alpha}: variance ${variance}, expected ${expected}`);
  }
  const rng = new Rng(1);
  for (let i = 0; i < 1000; i++) assert.ok(Number.isFinite(betaSymmetric(rng, 0.001)));
});

test('mixupLoss on 2 rows equals the hand-computed λ·CE(z̃, yᵢ) + (1 − λ)·CE(z̃, y_π(i))', async () => {
  // z̃₀ = 0.7·z₀ + 0.3·z₁ = [0.85, 1.1, 0.9], z̃₁ = 0.4·z₁ + 0.6·z₀ = [0.8, 0.8, 1.2];
  // ℓ₀ = 0.7·CE(z̃₀, 1) + 0.3·CE(z̃₀, 2), ℓ₁ = 0.4·CE(z̃₁, 2) + 0.6·CE(z̃₁, 1).
  const g = new Graph('mixup_fixture');
  const loss = mixupLoss(g.input('z', 'float64', [2, 3]), g.input('y', 'int32', [2]), g.input('perm', 'int32', [2]), g.input('lambda', 'float64', [2]), 0);
  g.output(loss, 'loss');
  const session = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1, name: g.name });
  try {
    const r = await session.run({
      z: { dtype: 'float64', dims: [2, 3], data: Float64Array.of(1, 2, 0, 0.5, -1, 3) },
      y: { dtype: 'int32', dims: [2], data: Int32Array.of(1, 2) },
      perm: { dtype: 'int32', dims: [2], data: Int32Array.of(1, 0) },
      lambda: { dtype: 'float64', dims: [2], data: Float64Array.of(0.7, 0.4) },
    });
    const got = r.loss!.data<'float64'>().data;
    assert.ok(Math.abs(got[0]! - 1.0145615848797722) < 1e-12, `ℓ₀ = ${got[0]}`);
    assert.ok(Math.abs(got[1]! - 1.09042443558358) < 1e-12, `ℓ₁ = ${got[1]}`);
  } finally {
    await session.dispose();
  }
});

test('mixupLoss: float64 gradient with respect to the logits and through the bag model matches finite differences', async () => {
  const onLogits = await gradCheck({
    name: 'mixup_logits',
    covers: [],
    dtype: 'float64',
    inputs: [
      { name: 'z', shape: [3, 4] },
      { name: 'y', shape: [3], dtype: 'int32', init: { values: [1, 3, 1] } },
      { name: 'perm', shape: [3], dtype: 'int32', init: { values: [2, 0, 1] } },
      { name: 'lambda', shape: [3], init: { values: [0.3, 0.8, 1] }, diff: false },
    ],
    build: ([z, y, perm, lambda]: readonly Value[]) => mixupLoss(z!, y!, perm!, lambda!, 0.1),
  });
  assert.ok(onLogits.error <= 1e-7, JSON.stringify(onLogits.errors));

  const arch = buildArchitecture('bag', { tokens: 10, paths: 10, labels: 3 }, 'tiny', { dim: 4, tokens: 5 });
  const throughModel = await gradCheck({
    name: 'mixup_bag',
    covers: [],
    dtype: 'float64',
    inputs: [
      ...arch.params.map((p) => ({ name: `p_${p.name}`, shape: [...p.shape] })),
      { name: 'x_tokens', shape: [3, 5], dtype: 'int32', init: { ints: 10 } },
      { name: 'y', shape: [3], dtype: 'int32', init: { values: [0, 2, 1] } },
      { name: 'perm', shape: [3], dtype: 'int32', init: { values: [1, 2, 0] } },
      { name: 'lambda', shape: [3], init: { values: [0.25, 0.6, 0.9] }, diff: false },
    ],
    build: (v: readonly Value[]) => {
      const params: Record<string, Value> = {};
      arch.params.forEach((p, i) => (params[p.name] = v[i]!));
      const [x, y, perm, lambda] = v.slice(arch.params.length);
      const { logits } = forward(arch, params, { tokens: x! });
      return mixupLoss(logits, y!, perm!, lambda!, 0);
    },
  }, 5);
  assert.ok(throughModel.error <= 1e-6, JSON.stringify(throughModel.errors));
});

for (const name of MODEL_NAMES) {
  test(`${name}: the train graph without mixup (absent or false) is byte-identical and has no mixup inputs`, () => {
    const arch = buildArchitecture(name, { tokens: 10, paths: 10, labels: 3 }, 'tiny');
    const opts = { optimizer: resolveOptimizer({ kind: 'adam' }), batchSize: 4, labelSmoothing: 0, embeddingGradient: 'sorted' as const };
    const plain = buildTrainGraph(arch, opts);
    assert.deepEqual(emitTrainModel(buildTrainGraph(arch, { ...opts, mixup: false })), emitTrainModel(plain));
    assert.ok(!plain.inputs.some((v) => v.name.startsWith('mix_')));
    const mixed = buildTrainGraph(arch, { ...opts, mixup: true }).inputs.map((v) => v.name);
    assert.ok(mixed.includes(MIXUP_NAMES.perm) && mixed.includes(MIXUP_NAMES.lambda));
  });
}

const B = 8;

function setup(name: string, mixup: number | undefined, stepsPerRun = 4) {
  const { source, labels } = learnableSource({ seed: 3, samples: 40, labels: 4, tokens: 12, vocab: 40 });
  const hyper: Record<string, number> = name === 'code2vec' ? { contexts: 11 } : name === 'transformer' ? { tokens: 12 } : {};
  return createModel(name, { source, preset: 'tiny', hyper, batchSize: B, stepsPerRun, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, ...(mixup !== undefined ? { mixup } : {}) }).then((m) => ({ m, labels }));
}

function batchesOf(m: { makeBatch(i: Int32Array, l: Int32Array): Batch }, labels: Int32Array, n: number): Batch[] {
  // The last batch is short (5 rows): padding rows are never partners.
  return Array.from({ length: n }, (_, k) => {
    const idx = range(k * B, k * B + (k === n - 1 ? 5 : B));
    return m.makeBatch(idx, Int32Array.from(idx, (i) => labels[i]!));
  });
}

for (const name of MODEL_NAMES) {
  test(`${name}: mixup keeps the stats of the unmixed forward pass and the trainer's Rng, changes the update; α = 0 trains as without mixup`, async () => {
    const plain = await setup(name, undefined);
    const zero = await setup(name, 0);
    const mixed = await setup(name, 1);
    try {
      const batches = batchesOf(plain.m, plain.labels, 2);
      const run = async (m: typeof plain.m) => {
        const rng = new Rng(5);
        const stats = await m.trainSteps(batches, [0.05, 0.05], rng);
        return { stats, rng: rng.state(), state: await m.getState() };
      };
      const [a, z, b] = [await run(plain.m), await run(zero.m), await run(mixed.m)];
      assert.deepEqual(z.state, a.state);
      assert.deepEqual(z.stats, a.stats);
      // The first step's stats are of the same parameters and batch: identical bit for bit.
      assert.deepEqual(b.stats[0], a.stats[0]);
      assert.deepEqual(b.rng, a.rng);
      assert.ok(Object.keys(a.state.tensors).some((k) => a.state.tensors[k]!.data.some((v, i) => v !== b.state.tensors[k]!.data[i])), 'mixup changed no parameter');
    } finally {
      for (const x of [plain, zero, mixed]) await x.m.dispose();
    }
  });
}

test('bag with mixup: 2 steps, a checkpoint, 2 more steps in a fresh model equal 4 steps straight, bit for bit', async () => {
  const straight = await setup('bag', 0.5);
  const first = await setup('bag', 0.5, 1);
  const resumed = await setup('bag', 0.5, 1);
  try {
    const batches = batchesOf(straight.m, straight.labels, 4);
    const lr = [0.05, 0.05, 0.02, 0.02];
    await straight.m.trainSteps(batches, lr, new Rng(9));
    const rng = new Rng(9);
    await first.m.trainSteps(batches.slice(0, 2), lr.slice(0, 2), rng);
    await resumed.m.setState(await first.m.getState());
    await resumed.m.trainSteps(batches.slice(2), lr.slice(2), new Rng(rng.state()));
    assert.deepEqual(await resumed.m.getState(), await straight.m.getState());
  } finally {
    for (const x of [straight, first, resumed]) await x.m.dispose();
  }
});
