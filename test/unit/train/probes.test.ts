/**
 * The trainer's optional measurements against the fake model and pure-JS models: the
 * susceptibility probe leaves the run bit for bit unchanged, records Φ as defined (and ζ as the
 * metrics compute it), grows with the learning rate; the batched LASS search keeps the per-sample
 * semantics of `lassSearch`; invalid settings are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { criticalSampleRatioLassBatch, lassSampleSeed, lassSearch, type LassBatchModel, type LassModel } from '../../../server/src/metrics/csr';
import { susceptibility } from '../../../server/src/metrics/susceptibility';
import { susceptibilityProbe, susceptibilityRows } from '../../../server/src/train/probes';
import { Rng } from '../../../server/src/util/rng';
import { makeSchedule } from '../../../server/src/train/schedule';
import { train, type TrainConfig } from '../../../server/src/train/trainer';
import type { ModelState } from '../../../server/src/train/types';
import { assertSameDynamics, assertSameState, config, setup } from './trainer-helpers';

const s = setup();

/** S̃: the training inputs with uniform random labels, fixed. */
function randomLabelSet(seed = 4): { indices: Int32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  return { indices: s.data.train.slice(), labels: Int32Array.from(s.data.train, () => rng.int(s.corpus.classes)) };
}

const isConfigError = (field: string) => (e: unknown) => isEngineError(e) && e.code === ERROR_CODES.CONFIG && e.message.includes(field);

test('susceptibility: the run is bit for bit the run without it (dynamics, curves, state, RNG, fingerprint)', async () => {
  for (const stepsPerRun of [1, 3]) {
    const c = config({ epochs: 4, schedule: { kind: 'cosine', lr: 0.5, warmupSteps: 3 } });
    const plain = s.model({ stepsPerRun });
    const a = await train(plain, s.data, c);
    const probed = s.model({ stepsPerRun });
    const b = await train(probed, s.data, { ...c, susceptibility: { set: randomLabelSet(), batchSize: 24 } });
    await assertSameState(plain, probed);
    assertSameDynamics(a.dynamics, b.dynamics);
    assert.deepEqual(a.curves, b.curves);
    assert.deepEqual(a.final, b.final);
    assert.equal(a.fingerprint, b.fingerprint);
    assert.equal(a.susceptibility, undefined);
    assert.equal(b.susceptibility?.records.length, 4);
    // One extra step per epoch went through the model, none of it kept.
    assert.equal(probed.seenBatches.length, plain.seenBatches.length + 4);
  }
});

test('susceptibility: Φ is the loss of B̃ around one step at the start of each epoch; ζ is the metrics aggregation', async () => {
  const set = randomLabelSet();
  const c: TrainConfig = config({ epochs: 5, schedule: { kind: 'cosine', lr: 0.5, warmupSteps: 3 }, susceptibility: { set, batchSize: 32 } });
  // Plain SGD: the step on B̃ is its own gradient's (with momentum, it also carries the main
  // run's velocity, and can raise the loss of random labels).
  const model = s.model({ momentum: 0 });
  const starts: ModelState[] = [await model.getState()];
  const r = await train(model, s.data, c, { onEpochEnd: async () => void starts.push(await model.getState()) });
  const z = r.susceptibility!;
  assert.deepEqual(z.records.map((x) => x.epoch), [0, 1, 2, 3, 4]);
  assert.deepEqual(z.phiBefore, z.records.map((x) => x.phiBefore));
  assert.deepEqual(z.zeta, Array.from(susceptibility(z.phiBefore, z.phiAfter)));
  assert.ok(Number.isNaN(z.zeta[0]!));
  const lrAt = makeSchedule({ kind: 'cosine', lr: 0.5, warmupSteps: 3, totalSteps: 5 * 8 });
  for (let t = 0; t < 5; t++) {
    const rec = z.records[t]!;
    assert.equal(rec.rows, 32);
    assert.equal(rec.lr, lrAt(8 * t));
    // Recomputed from the state at the epoch's start, on the batch the probe says it used.
    const fresh = s.model({ momentum: 0 });
    await fresh.setState(starts[t]!);
    const pos = susceptibilityRows(set.indices.length, 32, c.seed, t);
    const batch = fresh.makeBatch(pos.map((p) => set.indices[p]!), pos.map((p) => set.labels[p]!));
    const before = (await fresh.evaluate(batch)).loss.reduce((a, b) => a + b, 0) / 32;
    assert.equal(rec.phiBefore, before);
    assert.deepEqual(await susceptibilityProbe(fresh, set, { epoch: t, seed: c.seed, lr: rec.lr, rows: 32 }), rec);
    await assertSameState(fresh, starts[t]!);
    // One step on B̃ lowers its loss.
    if (t > 0) assert.ok(rec.phiBefore - rec.phiAfter > 0, `epoch ${t}: Δ = ${rec.phiBefore - rec.phiAfter}`);
  }
  // The batches differ from epoch to epoch and are drawn from the whole set.
  assert.notDeepEqual(Array.from(susceptibilityRows(240, 32, 11, 1)), Array.from(susceptibilityRows(240, 32, 11, 2)));
  assert.deepEqual(Array.from(susceptibilityRows(20, 32, 11, 1)), Array.from({ length: 20 }, (_, i) => i));
});

test('susceptibility: a model that fits random labels more easily (larger learning rate) has a higher ζ', async () => {
  const set = randomLabelSet(8);
  const zeta: number[] = [];
  for (const lr of [0.02, 0.1, 0.5]) {
    const r = await train(s.model({ momentum: 0 }), s.data, config({ epochs: 5, schedule: { kind: 'constant', lr }, susceptibility: { set, batchSize: 32 } }));
    const z = r.susceptibility!;
    z.records.slice(1).forEach((x) => assert.ok(x.phiBefore > x.phiAfter, `lr ${lr}, epoch ${x.epoch}: Φ ${x.phiBefore} → ${x.phiAfter}`));
    zeta.push(z.zeta.at(-1)!);
  }
  assert.ok(zeta[0]! < zeta[1]! && zeta[1]! < zeta[2]!, `ζ by learning rate: ${zeta.join(', ')}`);
});

test('susceptibility and csr settings are checked; the fake model cannot measure CSR', async () => {
  const set = randomLabelSet();
  const run = (over: Partial<TrainConfig>) => train(s.model(), s.data, config({ epochs: 1, ...over }));
  await assert.rejects(run({ susceptibility: { set, batchSize: 33 } }), isConfigError('susceptibility.batchSize'));
  await assert.rejects(run({ susceptibility: { set: { indices: set.indices, labels: set.labels.subarray(1) } } }), isConfigError('susceptibility.set.labels'));
  await assert.rejects(run({ susceptibility: { set: { indices: new Int32Array(0), labels: new Int32Array(0) } } }), isConfigError('susceptibility.set.indices'));
  await assert.rejects(run({ csr: { indices: Int32Array.of(1, 2), everyEpochs: 0 } }), isConfigError('csr.everyEpochs'));
  await assert.rejects(run({ csr: { indices: Int32Array.of(1, 2), everyEpochs: 1, radius: -1 } }), isConfigError('csr.radius'));
  await assert.rejects(run({ csr: { indices: Int32Array.of(1, 2), everyEpochs: 1 } }), isConfigError('input-embedding'));
  // The default B̃ is capped at the run's batch size.
  const r = await run({ susceptibility: { set } });
  assert.equal(r.susceptibility!.records[0]!.rows, 32);
});

/** A linear classifier z = W x (C × d, float64): per-row results independent of the batch. */
function linear(d: number, C: number, seed: number): { single: LassModel; batch: LassBatchModel; calls: number[] } {
  const rng = new Rng(seed);
  const W = Float64Array.from({ length: C * d }, () => rng.normal());
  const logits = (x: ArrayLike<number>, at: number): Float64Array => {
    const z = new Float64Array(C);
    for (let c = 0; c < C; c++) for (let j = 0; j < d; j++) z[c] += W[c * d + j]! * x[at + j]!;
    return z;
  };
  const argmax = (z: Float64Array): number => z.reduce((b, v, c) => (v > z[b]! ? c : b), 0);
  const grad = (x: ArrayLike<number>, at: number, y: number, out: Float64Array, o: number): void => {
    const z = logits(x, at);
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < d; j++) {
      let g = 0;
      for (let c = 0; c < C; c++) g += (e[c]! / sum - (c === y ? 1 : 0)) * W[c * d + j]!;
      out[o + j] = g;
    }
  };
  const calls: number[] = [];
  return {
    calls,
    single: {
      predict: (x) => argmax(logits(x, 0)),
      gradSign: (x, y) => {
        const g = new Float64Array(d);
        grad(x, 0, y, g, 0);
        return g;
      },
    },
    batch: {
      predict: (samples, x) => {
        calls.push(samples.length);
        return Array.from(samples, (_, r) => argmax(logits(x, r * d)));
      },
      predictAndGradSign: (samples, x, targets) => {
        calls.push(samples.length);
        const g = new Float64Array(samples.length * d);
        samples.forEach((_, r) => grad(x, r * d, targets[r]!, g, r * d));
        return { top1: Array.from(samples, (_, r) => argmax(logits(x, r * d))), grad: g };
      },
    },
  };
}

test('batched LASS: every sample has the outcome of its own lassSearch; the batch shrinks as samples flip', async () => {
  const d = 6;
  const m = linear(d, 3, 2);
  const rng = new Rng(5);
  const set = Array.from({ length: 40 }, () => Float32Array.from({ length: d }, () => rng.normal()));
  const params = { radius: 0.6, step: 0.05, noise: 0.05, maxIterations: 30 };
  const r = await criticalSampleRatioLassBatch(set, m.batch, params, 77);
  let critical = 0;
  for (let i = 0; i < set.length; i++) {
    const one = await lassSearch(set[i]!, m.single, params, new Rng(lassSampleSeed(77, i)));
    assert.equal(r.perSample[i], one.critical ? 1 : 0, `sample ${i}`);
    assert.equal(r.iterations[i], one.iterations, `sample ${i}`);
    critical += one.critical ? 1 : 0;
  }
  assert.ok(critical > 0 && critical < set.length, `${critical} of ${set.length} critical: the test should see both outcomes`);
  assert.equal(r.critical, critical);
  assert.equal(r.ratio, critical / set.length);
  // One predict at e, then a combined call per iteration (the first at e), the last a predict.
  assert.equal(m.calls[0], 40);
  assert.equal(m.calls[1], 40);
  for (let k = 2; k < m.calls.length; k++) assert.ok(m.calls[k]! <= m.calls[k - 1]!);
  assert.ok(m.calls.at(-1)! < 40);
  assert.ok(m.calls.length <= params.maxIterations + 2);
  // Radius 0 is a control: the ball is {e}, nothing is critical.
  const zero = await criticalSampleRatioLassBatch(set, m.batch, { ...params, radius: 0 }, 77);
  assert.equal(zero.critical, 0);
  assert.ok(zero.iterations.every((n) => n === params.maxIterations));
  // With `free`, the other elements never move; an all-ones mask is no mask.
  const seen: { samples: Int32Array; x: Float32Array }[] = [];
  const logged: LassBatchModel = {
    predict: (samples, x) => (seen.push({ samples, x }), m.batch.predict(samples, x)),
    predictAndGradSign: (samples, x, targets) => (seen.push({ samples, x }), m.batch.predictAndGradSign(samples, x, targets)),
  };
  const half = set.map(() => Uint8Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : 0)));
  await criticalSampleRatioLassBatch(set, logged, params, 77, { free: half });
  assert.ok(seen.length > 2);
  let moved = 0;
  for (const { samples, x } of seen) {
    samples.forEach((i, r) => {
      for (let j = 0; j < d; j++) {
        if (j % 2 === 1) assert.equal(x[r * d + j], set[i]![j], `sample ${i} element ${j} moved`);
        else if (x[r * d + j] !== set[i]![j]) moved++;
      }
    });
  }
  assert.ok(moved > 0);
  const all = await criticalSampleRatioLassBatch(set, m.batch, params, 77, { free: set.map(() => new Uint8Array(d).fill(1)) });
  assert.deepEqual(Array.from(all.iterations), Array.from(r.iterations));
  // Cancellation.
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(criticalSampleRatioLassBatch(set, m.batch, params, 77, { signal: ac.signal }), (e) => isEngineError(e) && e.code === ERROR_CODES.CANCELLED);
  await assert.rejects(criticalSampleRatioLassBatch([set[0]!, new Float32Array(3)], m.batch, params, 77), (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG);
});
