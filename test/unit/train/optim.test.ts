/**
 * Optimizer graphs against a textbook JS reference (float64) on small tensors: several steps of
 * SGD with momentum, Adam and AdamW, with L2 / decoupled weight decay and global-norm clipping,
 * fed the same random gradients; and the learning-rate schedules and dropout masks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, TensorData, emitModel } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import { fillDropoutMask } from '../../../server/src/train/init';
import { ResolvedOptimizer, biasCorrections, optimizerStep, resolveOptimizer, stateSlots } from '../../../server/src/train/optim';
import { Rng } from '../../../server/src/util/rng';
import { cosine, linearWarmup, makeSchedule } from '../../../server/src/train/schedule';
import type { OptimizerConfig } from '../../../server/src/train/types';

const SHAPES = [[3, 4], [5]];
const DECAY = [true, false];

/** The textbook update of all parameters for one step (PyTorch semantics), in float64. */
function reference(c: ResolvedOptimizer, p: number[][], g: number[][], state: number[][][], lr: number, t: number): void {
  let scale = 1;
  if (c.clipNorm > 0) {
    const norm = Math.sqrt(g.flat().reduce((s, x) => s + x * x, 0));
    scale = Math.min(1, c.clipNorm / (norm + 1e-6));
  }
  p.forEach((pp, j) => {
    for (let i = 0; i < pp.length; i++) {
      let gi = g[j]![i]! * scale;
      const decay = DECAY[j]! && c.weightDecay > 0;
      if (c.kind === 'sgd') {
        if (decay) gi += c.weightDecay * pp[i]!;
        if (c.momentum > 0) {
          state[0]![j]![i] = c.momentum * state[0]![j]![i]! + gi;
          gi = state[0]![j]![i]!;
        }
        pp[i] = pp[i]! - lr * gi;
        continue;
      }
      if (c.kind === 'adam' && decay) gi += c.weightDecay * pp[i]!;
      if (c.kind === 'adamw' && decay) pp[i] = pp[i]! * (1 - lr * c.weightDecay);
      const m = (state[0]![j]![i] = c.beta1 * state[0]![j]![i]! + (1 - c.beta1) * gi);
      const v = (state[1]![j]![i] = c.beta2 * state[1]![j]![i]! + (1 - c.beta2) * gi * gi);
      const mHat = m / (1 - Math.pow(c.beta1, t));
      const vHat = v / (1 - Math.pow(c.beta2, t));
      pp[i] = pp[i]! - (lr * mHat) / (Math.sqrt(vHat) + c.eps);
    }
  });
}

async function compare(config: OptimizerConfig): Promise<void> {
  const c = resolveOptimizer(config);
  const slots = stateSlots(c);
  const g = new Graph('opt');
  const lr = g.input('lr', 'float32', []);
  const bc1 = g.input('bc1', 'float32', []);
  const bc2 = g.input('bc2', 'float32', []);
  const params = SHAPES.map((s, j) => ({
    value: g.input(`p${j}`, 'float32', s),
    grad: g.input(`g${j}`, 'float32', s),
    state: slots.map((k) => g.input(`${k}${j}`, 'float32', s)),
    decay: DECAY[j]!,
  }));
  const out = optimizerStep(c, params, { lr, bc1, bc2 });
  out.forEach((u, j) => {
    g.output(u.value, `p${j}_next`);
    u.state.forEach((s, k) => g.output(s, `${slots[k]}${j}_next`));
  });
  const session = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1, name: 'opt' });
  try {
    const rng = new Rng(3);
    const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
    const p = SHAPES.map((s) => Array.from({ length: size(s) }, () => Math.fround(rng.normal())));
    const st = slots.map(() => SHAPES.map((s) => new Array<number>(size(s)).fill(0)));
    let cur: Record<string, TensorData> = {};
    SHAPES.forEach((s, j) => {
      cur[`p${j}`] = { dtype: 'float32', dims: s, data: Float32Array.from(p[j]!) };
      slots.forEach((k) => (cur[`${k}${j}`] = { dtype: 'float32', dims: s, data: new Float32Array(size(s)) }));
    });
    for (let t = 1; t <= 5; t++) {
      const rate = 0.05 * t;
      // Gradients large enough that clipping (clipNorm 1) is active in some steps.
      const grads = SHAPES.map((s) => Array.from({ length: size(s) }, () => Math.fround(rng.normal() * (t % 2 ? 1 : 0.1))));
      const [b1, b2] = biasCorrections(c, t);
      const feeds: Record<string, TensorData> = { ...cur, lr: { dtype: 'float32', dims: [], data: Float32Array.of(rate) }, bc1: { dtype: 'float32', dims: [], data: Float32Array.of(b1) }, bc2: { dtype: 'float32', dims: [], data: Float32Array.of(b2) } };
      SHAPES.forEach((s, j) => (feeds[`g${j}`] = { dtype: 'float32', dims: s, data: Float32Array.from(grads[j]!) }));
      const r = await session.run(feeds);
      reference(c, p, grads, st, rate, t);
      const next: Record<string, TensorData> = {};
      for (const k of Object.keys(cur)) next[k] = r[`${k}_next`]!.data();
      cur = next;
      SHAPES.forEach((_, j) => {
        const got = cur[`p${j}`]!.data as Float32Array;
        p[j]!.forEach((want, i) => assert.ok(Math.abs(got[i]! - want) <= 2e-6 * (1 + Math.abs(want)), `${config.kind} step ${t} p${j}[${i}]: ${got[i]} vs ${want}`));
      });
    }
  } finally {
    await session.dispose();
  }
}

test('SGD (plain, momentum, L2, clipping) equals the JS reference', async () => {
  await compare({ kind: 'sgd' });
  await compare({ kind: 'sgd', momentum: 0.9, weightDecay: 0.1, clipNorm: 1 });
});

test('Adam (L2, clipping) equals the JS reference', async () => {
  await compare({ kind: 'adam' });
  await compare({ kind: 'adam', weightDecay: 0.1, clipNorm: 1, beta1: 0.8, beta2: 0.99, eps: 1e-6 });
});

test('AdamW (decoupled weight decay, clipping) equals the JS reference', async () => {
  await compare({ kind: 'adamw', weightDecay: 0.1 });
  await compare({ kind: 'adamw', weightDecay: 0.3, clipNorm: 1 });
});

test('bad optimizer settings are E_CONFIG naming the field', () => {
  assert.throws(() => resolveOptimizer({ kind: 'adam', beta1: 1 }), (e: { code: string; message: string }) => e.code === 'E_CONFIG' && e.message.includes('beta1'));
  assert.throws(() => resolveOptimizer({ kind: 'rmsprop' as 'adam' }), /optimizer.kind/);
  assert.throws(() => resolveOptimizer({ kind: 'sgd', clipNorm: -1 }), /clipNorm/);
});

test('schedules: constant, linear warm-up, cosine', () => {
  assert.equal(makeSchedule({ kind: 'constant', lr: 0.1 })(1000), 0.1);
  const w = linearWarmup(1, 4);
  assert.deepEqual([0, 1, 2, 3, 4, 100].map(w), [0.25, 0.5, 0.75, 1, 1, 1]);
  const c = cosine(1, 10, 0, 0.1);
  assert.equal(c(0), 1);
  assert.ok(Math.abs(c(5) - 0.55) < 1e-12);
  assert.ok(Math.abs(c(10) - 0.1) < 1e-12);
  assert.ok(Math.abs(c(50) - 0.1) < 1e-12);
  const cw = makeSchedule({ kind: 'cosine', lr: 2, warmupSteps: 2, totalSteps: 12 });
  assert.deepEqual([cw(0), cw(1), cw(2)], [1, 2, 2]);
  assert.ok(cw(7) < 2 && cw(7) > 0);
  assert.throws(() => makeSchedule({ kind: 'cosine', lr: 1, warmupSteps: 5, totalSteps: 5 }), /totalSteps/);
  assert.throws(() => makeSchedule({ kind: 'constant', lr: 0 }), /schedule.lr/);
});

test('dropout masks realize the quantized rate and are reproducible', () => {
  const a = new Uint8Array(100_003);
  const b = new Uint8Array(100_003);
  fillDropoutMask(a, 0.25, new Rng(9));
  fillDropoutMask(b, 0.25, new Rng(9));
  assert.deepEqual(a, b);
  const dropped = a.reduce((s, v) => s + (1 - v), 0) / a.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.01, `dropped ${dropped}`);
  fillDropoutMask(a, 0, new Rng(9));
  assert.ok(a.every((v) => v === 1));
  // Flag i is the w-bit field i mod (32/w) of draw ⌊i·w/32⌋ against round(256·rate)/2^(8−w), with
  // w the fewest bits that realize the rate (0.5: 1, 0.25: 2, 0.1875: 4, 0.3: 8), on the fast
  // (aligned) and the flag-by-flag (unaligned) path alike, including a partial last draw.
  for (const [rate, w] of [[0.3, 8], [0.25, 2], [0.5, 1], [0.1875, 4]] as const) {
    for (const offset of [0, 1]) {
      const buf = new Uint8Array(1003 + offset);
      const mask = buf.subarray(offset);
      fillDropoutMask(mask, rate, new Rng(4));
      const r = new Rng(4);
      const perWord = 32 / w;
      const cut = Math.round(rate * 256) >> (8 - w);
      let word = 0;
      let dropped = 0;
      mask.forEach((v, i) => {
        if (i % perWord === 0) word = r.nextU32();
        const field = (word >>> ((i % perWord) * w)) & ((1 << w) - 1);
        assert.equal(v, field >= cut ? 1 : 0, `rate ${rate}, offset ${offset}, flag ${i}`);
        dropped += 1 - v;
      });
      assert.ok(Math.abs(dropped / mask.length - rate) < 0.05, `rate ${rate}: dropped ${dropped / mask.length}`);
    }
  }
});

test('Rng.fillU32 continues the nextU32 stream', () => {
  const a = new Rng(12);
  const b = new Rng(12);
  const words = new Uint32Array(37);
  a.fillU32(words);
  words.forEach((w) => assert.equal(w, b.nextU32()));
  assert.deepEqual(a.state(), b.state());
});
