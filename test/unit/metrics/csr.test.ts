/**
 * Critical sample ratio (docs/metrics.md § "Critical sample ratio"): the LASS reference loop on a
 * toy model whose argmax is 1[x₀ > 0], and the CSR aggregation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES } from '../../../server/src/errors';
import { criticalSampleRatio, criticalSampleRatioLass, embeddingScale, lassSearch, type LassModel } from '../../../server/src/metrics/csr';
import { Rng } from '../../../server/src/util/rng';
import { near, rejectsCode, throwsCode } from './helpers';

/**
 * Class 1 iff x₀ > 0. CE of class 1 falls as x₀ grows, so ∇CE(·, 1) has sign (−1, 0, …);
 * for class 0 it is (+1, 0, …).
 */
function toy(log?: Float32Array[]): LassModel {
  return {
    predict: (x) => {
      log?.push(x.slice());
      return x[0]! > 0 ? 1 : 0;
    },
    gradSign: (x, target) => Array.from(x, (_, j) => (j === 0 ? (target === 1 ? -1 : 1) : 0)),
  };
}

test('lassSearch: steps along the gradient sign until the prediction flips (hand-computed)', async () => {
  // x₀: 0.05 → 0.03 → 0.01 → −0.01 at the third iteration (inside the radius 0.1).
  const r = await lassSearch(Float32Array.from([0.05, 0]), toy(), { radius: 0.1, step: 0.02, noise: 0 }, new Rng(1));
  assert.deepEqual(r, { critical: true, iterations: 3, originalClass: 1, finalClass: 0 });
  // Class 0 at −0.05 climbs: −0.03, −0.01, 0.01 → critical at 3.
  const up = await lassSearch(Float32Array.from([-0.05, 0]), toy(), { radius: 0.1, step: 0.02, noise: 0 }, new Rng(1));
  assert.deepEqual([up.critical, up.iterations, up.finalClass], [true, 3, 1]);
});

test('lassSearch: the L∞ clip keeps the search in the ball (not critical)', async () => {
  // Radius 0.04 around 0.05 stops x₀ at 0.01 > 0: never flips, all 100 iterations run.
  const log: Float32Array[] = [];
  const r = await lassSearch(Float32Array.from([0.05, 0]), toy(log), { radius: 0.04, step: 0.02, noise: 0 }, new Rng(1));
  assert.deepEqual(r, { critical: false, iterations: 100, originalClass: 1, finalClass: 1 });
  assert.equal(log.length, 101);
  near(log[100]![0]!, 0.01, 1e-8);
  const few = await lassSearch(Float32Array.from([0.5]), toy(), { radius: 0.1, step: 0.02, noise: 0, maxIterations: 7 }, new Rng(1));
  assert.equal(few.iterations, 7);
});

test('lassSearch with noise: reproducible from the seed, always inside the ball, async callbacks', async () => {
  const e = Float32Array.from([0.3, -0.2, 0.1, 0.4]);
  const radius = 0.25;
  const run = async (seed: number) => {
    const log: Float32Array[] = [];
    const base = toy(log);
    const model: LassModel = { predict: async (x) => base.predict(x), gradSign: async (x, t) => base.gradSign(x, t) };
    const r = await lassSearch(e, model, { radius, step: 0.01, noise: 0.1 }, new Rng(seed));
    return { r, log };
  };
  const a = await run(7);
  const b = await run(7);
  assert.deepEqual(a.r, b.r);
  assert.deepEqual(a.log, b.log);
  for (const x of a.log) for (let j = 0; j < e.length; j++) assert.ok(Math.abs(x[j]! - e[j]!) <= radius + 1e-6, `|Δ| ${Math.abs(x[j]! - e[j]!)} > r`);
  // x₀ is confined to [0.3 − r, 0.3 + r] = [0.05, 0.55], where the class is always 1.
  assert.equal(a.r.critical, false);
});

test('lassSearch: invalid parameters and broken callbacks', async () => {
  const e = Float32Array.from([0.1]);
  const rng = new Rng(1);
  await rejectsCode(() => lassSearch(e, toy(), { radius: 0, step: 0.1, noise: 0 }, rng), 'radius');
  await rejectsCode(() => lassSearch(e, toy(), { radius: 1, step: -1, noise: 0 }, rng), 'step');
  await rejectsCode(() => lassSearch(e, toy(), { radius: 1, step: 1, noise: NaN }, rng), 'noise');
  await rejectsCode(() => lassSearch(e, toy(), { radius: 1, step: 1, noise: 0, maxIterations: 0 }, rng), 'maxIterations');
  await rejectsCode(() => lassSearch(new Float32Array(0), toy(), { radius: 1, step: 1, noise: 0 }, rng), 'empty');
  await rejectsCode(() => lassSearch(Float32Array.from([NaN]), toy(), { radius: 1, step: 1, noise: 0 }, rng), 'NaN');
  const shortGrad: LassModel = { predict: () => 0, gradSign: () => [] };
  await rejectsCode(() => lassSearch(e, shortGrad, { radius: 1, step: 1, noise: 0 }, rng), 'gradSign returned 0 values', ERROR_CODES.INTERNAL);
  const badClass: LassModel = { predict: () => 0.5, gradSign: () => [1] };
  await rejectsCode(() => lassSearch(e, badClass, { radius: 1, step: 1, noise: 0 }, rng), 'not a class id', ERROR_CODES.INTERNAL);
});

test('criticalSampleRatio and criticalSampleRatioLass aggregate #critical / #evaluated', async () => {
  assert.deepEqual(criticalSampleRatio([1, 0, 0, 1]), { critical: 2, evaluated: 4, ratio: 0.5 });
  assert.deepEqual(criticalSampleRatio([true]), { critical: 1, evaluated: 1, ratio: 1 });
  const empty = criticalSampleRatio([]);
  assert.ok(Number.isNaN(empty.ratio));
  // 0.05 and −0.05 flip within 0.1; 0.5 cannot: CSR = 2/3.
  const set = [Float32Array.from([0.05, 1]), Float32Array.from([0.5, 1]), Float32Array.from([-0.05, 1])];
  const r = await criticalSampleRatioLass(set, toy(), { radius: 0.1, step: 0.02, noise: 0 }, 3);
  assert.deepEqual([r.critical, r.evaluated], [2, 3]);
  near(r.ratio, 2 / 3);
  assert.deepEqual(Array.from(r.perSample), [1, 0, 1]);
  assert.deepEqual(Array.from(r.iterations), [3, 100, 3]);
  assert.deepEqual(r.params, { radius: 0.1, step: 0.02, noise: 0, maxIterations: 100 });
  const none = await criticalSampleRatioLass([], toy(), { radius: 0.1, step: 0.02, noise: 0 }, 3);
  assert.ok(Number.isNaN(none.ratio));
});

test('embeddingScale: root mean square', () => {
  near(embeddingScale([3, 4]), Math.sqrt(12.5));
  assert.ok(Number.isNaN(embeddingScale([])));
  throwsCode(() => embeddingScale([Infinity]), 'Infinity');
});
