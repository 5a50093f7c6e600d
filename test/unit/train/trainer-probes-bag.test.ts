/**
 * The optional measurements with a real compiled model (`bag`, tiny preset, CPU): susceptibility
 * and CSR together leave the run bit for bit unchanged, CSR is 0 at radius 0 and grows with the
 * radius, and a run cancelled (mid-epoch, or inside the CSR search) and resumed on a fresh model
 * ends with the same results and measurements as the uninterrupted run.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { CSR_DEFAULTS, measureCsr } from '../../../server/src/train/probes';
import { Rng } from '../../../server/src/util/rng';
import { resume, train, type TrainConfig, type TrainResult } from '../../../server/src/train/trainer';
import type { ModelState } from '../../../server/src/train/types';
import { range } from './helpers';
import { assertSameDynamics, assertSameState, bagCorpus, tempDir } from './trainer-helpers';

const { source, data } = bagCorpus();
const rng = new Rng(21);
const randomSet = { indices: range(0, 112), labels: Int32Array.from({ length: 112 }, () => rng.int(4)) };

const make = () => createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1 });

// 112 samples / 16 = 7 steps per epoch, in groups of 3, 3, 1.
const base: TrainConfig = { epochs: 6, batchSize: 16, seed: 5, schedule: { kind: 'cosine', lr: 0.05, warmupSteps: 3 }, progressIntervalMs: 0 };
const probes: Pick<TrainConfig, 'susceptibility' | 'csr'> = {
  susceptibility: { set: randomSet },
  csr: { indices: range(0, 40), everyEpochs: 2, maxIterations: 12 },
};

async function run(c: TrainConfig): Promise<{ result: TrainResult; state: ModelState }> {
  const m = await make();
  try {
    return { result: await train(m, data, c), state: await m.getState() };
  } finally {
    await m.dispose();
  }
}

function assertSameRun(a: { result: TrainResult; state: ModelState }, b: { result: TrainResult; state: ModelState }): Promise<void> {
  assertSameDynamics(a.result.dynamics, b.result.dynamics);
  assert.deepEqual(a.result.curves, b.result.curves);
  assert.deepEqual(a.result.final.rng, b.result.final.rng);
  assert.equal(a.result.final.globalStep, b.result.final.globalStep);
  assert.equal(a.result.fingerprint, b.result.fingerprint);
  return assertSameState(a.state, b.state);
}

let reference: Promise<{ result: TrainResult; state: ModelState }> | undefined;
/** The uninterrupted run with both measurements (shared by the tests). */
const probed = () => (reference ??= run({ ...base, ...probes }));

test('bag: susceptibility and CSR leave the run bit for bit unchanged, and are recorded', async (t) => {
  const plain = await run(base);
  const p = await probed();
  await assertSameRun(plain, p);
  assert.deepEqual(p.result.final, plain.result.final);
  const z = p.result.susceptibility!;
  assert.equal(z.records.length, 6);
  // The default B̃ is min(128, batchSize) rows. With Adam the step also carries the first moment
  // of the main run (β₁ = 0.9), so Δ need not be positive at every epoch (see the SGD test below).
  assert.ok(z.records.every((r) => r.rows === 16 && Number.isFinite(r.phiBefore) && Number.isFinite(r.phiAfter) && r.phiBefore !== r.phiAfter));
  assert.equal(z.zeta.length, 6);
  const csr = p.result.csr!;
  assert.deepEqual(csr.map((r) => r.epoch), [1, 3, 5]);
  for (const r of csr) {
    assert.equal(r.evaluated, 40);
    assert.equal(r.ratio, r.critical / 40);
    assert.equal(r.criticalPositions.length, r.critical);
    assert.ok(r.scale > 0);
    assert.equal(r.radius, CSR_DEFAULTS.radius * r.scale);
    assert.equal(r.step, CSR_DEFAULTS.step * r.scale);
    assert.equal(r.noise, CSR_DEFAULTS.noise * r.scale);
    assert.equal(r.maxIterations, 12);
    assert.ok(r.meanIterations >= 1 && r.meanIterations <= 12);
  }
  assert.ok(p.result.timings.susceptibilityMs! > 0 && p.result.timings.csrMs! > 0);
  assert.equal(plain.result.timings.susceptibilityMs, undefined);
  t.diagnostic(`ζ ${z.zeta.map((v) => v.toFixed(4)).join(' ')}; CSR ${csr.map((r) => `${r.ratio.toFixed(3)} (r ${r.radius.toExponential(2)})`).join(', ')}`);
  t.diagnostic(`ms: train ${(p.result.timings.batchMs + p.result.timings.stepMs).toFixed(0)}, susceptibility ${p.result.timings.susceptibilityMs!.toFixed(0)}, csr ${p.result.timings.csrMs!.toFixed(0)}`);
});

test('bag (plain SGD): one step on B̃ lowers its loss at every epoch, and ζ grows with the learning rate', async (t) => {
  const zeta: number[] = [];
  for (const lr of [0.1, 0.5, 2]) {
    const m = await createModel('bag', { source, preset: 'tiny', batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'sgd' }, device: 'cpu', threads: 1 });
    try {
      const r = await train(m, data, { ...base, epochs: 4, schedule: { kind: 'constant', lr }, susceptibility: { set: randomSet } });
      const z = r.susceptibility!;
      z.records.slice(1).forEach((x) => assert.ok(x.phiBefore > x.phiAfter, `lr ${lr} epoch ${x.epoch}: Φ ${x.phiBefore} → ${x.phiAfter}`));
      zeta.push(z.zeta.at(-1)!);
    } finally {
      await m.dispose();
    }
  }
  t.diagnostic(`ζ(3) at lr 0.1, 0.5, 2: ${zeta.join(', ')}`);
  assert.ok(zeta[0]! < zeta[1]! && zeta[1]! < zeta[2]!, `ζ by learning rate: ${zeta.join(', ')}`);
});

test('bag: CSR is 0 at radius 0 and grows with the radius', async (t) => {
  const m = await make();
  try {
    await m.setState((await probed()).state);
    const ratios: number[] = [];
    for (const radius of [0, 0.05, 0.3, 2]) {
      const r = await measureCsr(m, range(0, 112), { radius, step: radius / 4, noise: radius / 10, maxIterations: 20, batchSize: 64 }, { epoch: 0, seed: 1 });
      if (radius === 0) assert.equal(r.meanIterations, 20);
      ratios.push(r.ratio);
    }
    t.diagnostic(`CSR by radius 0, 0.05, 0.3, 2 (× scale): ${ratios.join(', ')}`);
    assert.equal(ratios[0], 0);
    for (let k = 1; k < ratios.length; k++) assert.ok(ratios[k]! >= ratios[k - 1]!, `CSR by radius: ${ratios.join(', ')}`);
    assert.ok(ratios[3]! > ratios[1]!, `CSR by radius: ${ratios.join(', ')}`);
    assert.ok(ratios[3]! > 0.5, `CSR by radius: ${ratios.join(', ')}`);
  } finally {
    await m.dispose();
  }
});

test('bag: resume after a mid-epoch cancel and after a cancel inside the CSR search is bit for bit, measurements included', async () => {
  const dir = tempDir();
  const ref = await probed();
  const c: TrainConfig = { ...base, ...probes, checkpoint: { path: path.join(dir, 'ckpt.bin') } };
  const same = async (resumed: { result: TrainResult; state: ModelState }): Promise<void> => {
    await assertSameRun(ref, resumed);
    assert.deepEqual(resumed.result.susceptibility, ref.result.susceptibility);
    assert.deepEqual(resumed.result.csr, ref.result.csr);
  };
  const resumeFresh = async (cc: TrainConfig = c): Promise<{ result: TrainResult; state: ModelState }> => {
    const m = await make();
    try {
      return { result: await resume(m, data, cc), state: await m.getState() };
    } finally {
      await m.dispose();
    }
  };
  const cancelled = (e: unknown): boolean => isEngineError(e) && e.code === ERROR_CODES.CANCELLED;
  /** Trains with checkpoints and cancels after global step 10 = step 3 of epoch 1. */
  const cancelAtStep10 = async (): Promise<void> => {
    const m = await make();
    const ac = new AbortController();
    try {
      await assert.rejects(train(m, data, c, { signal: ac.signal, onProgress: (p) => p.globalStep === 10 && ac.abort() }), cancelled);
    } finally {
      await m.dispose();
    }
  };

  // 1. Mid-epoch: after global step 10 = step 3 of epoch 1 (its probe is in the checkpoint).
  {
    await cancelAtStep10();
    const r = await resumeFresh();
    assert.deepEqual(r.result.final.resumedFrom, { epoch: 1, position: 3, globalStep: 10 });
    await same(r);
  }
  // 2. Inside the CSR search of epoch 3 (after its evaluation): the evaluation and the search rerun.
  {
    const m = await make();
    const ac = new AbortController();
    const inner = m.gradientAtEmbeddings.bind(m);
    let epoch = -1;
    let calls = 0;
    m.gradientAtEmbeddings = async (batch, emb, targets) => {
      if (epoch === 3 && ++calls === 4) ac.abort();
      return inner(batch, emb, targets);
    };
    try {
      await assert.rejects(
        train(m, data, c, { signal: ac.signal, onProgress: (p) => void (epoch = p.epoch) }),
        (e) => cancelled(e) && /critical sample ratio of epoch 4/.test((e as Error).message),
      );
    } finally {
      await m.dispose();
    }
    const r = await resumeFresh();
    assert.deepEqual(r.result.final.resumedFrom, { epoch: 3, position: 7, globalStep: 28 });
    await same(r);
  }
  // 3. Other measurement settings (or none) do not resume this checkpoint.
  {
    await cancelAtStep10();
    const configErr = (e: unknown): boolean => isEngineError(e) && e.code === ERROR_CODES.CONFIG && /measurement settings/.test((e as Error).message);
    await assert.rejects(resumeFresh({ ...c, csr: { ...probes.csr!, radius: 0.2 } }), configErr);
    await assert.rejects(resumeFresh({ ...c, susceptibility: undefined, csr: undefined }), configErr);
    await same(await resumeFresh());
  }
});

test('bag with the name head: the label-subtoken lookup is no CSR input, the probes leave the run unchanged, and the head changes the run', async () => {
  const labelSubtokens = Array.from({ length: source.sizes.labels }, (_, c) => [2 + (c % (source.sizes.tokens - 2)), 2]);
  const named = { ...source, sizes: { ...source.sizes, labelSubtokens } };
  const go = async (c: TrainConfig, nameHead: number) => {
    const m = await createModel('bag', { source: named, preset: 'tiny', hyper: { nameHead }, batchSize: 16, stepsPerRun: 3, seed: 7, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1 });
    try {
      return { result: await train(m, data, c), state: await m.getState() };
    } finally {
      await m.dispose();
    }
  };
  const plain = await go(base, 1);
  const p = await go({ ...base, ...probes }, 1);
  await assertSameRun(plain, p);
  assert.deepEqual(p.result.csr!.map((r) => r.epoch), [1, 3, 5]);
  assert.ok(p.result.csr!.every((r) => r.evaluated === 40 && r.scale > 0));
  const classHead = await go(base, 0);
  assert.notDeepEqual(Array.from(classHead.result.dynamics.train.loss), Array.from(plain.result.dynamics.train.loss));
});
