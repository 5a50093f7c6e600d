/** Shared setup of the trainer tests: a toy corpus split three ways, the fake model, comparisons. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dynamics } from '../../../server/src/train/dynamics';
import { DYNAMICS_SPLITS } from '../../../server/src/train/dynamics';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { resume, train, type TrainConfig, type TrainData, type TrainResult } from '../../../server/src/train/trainer';
import type { ModelState, TrainableModel } from '../../../server/src/train/types';
import type { SampleSource } from '../../../server/src/dataset/source';
import { FakeModel, makeToyCorpus, type FakeModelOptions, type ToyCorpus } from './fake-model';
import { learnableSource, range } from './helpers';

/** The toy setup: 240 train, 80 val, 80 test samples. */
export interface Setup {
  corpus: ToyCorpus;
  data: TrainData;
  model(o?: Partial<FakeModelOptions>): FakeModel;
}

/** Builds the toy setup; `noisy` replaces the training labels (val and test stay clean). */
export function setup(o: { n?: number; noisy?: (labels: Int32Array) => Int32Array } = {}): Setup {
  const n = o.n ?? 400;
  const corpus = makeToyCorpus(n);
  const nTrain = Math.floor(0.6 * n);
  const nVal = Math.floor(0.2 * n);
  const range = (a: number, b: number): Int32Array => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const train = range(0, nTrain);
  const val = range(nTrain, nTrain + nVal);
  const test = range(nTrain + nVal, n);
  const labelsOf = (idx: Int32Array): Int32Array => idx.map((i) => corpus.labels[i]!);
  const clean = labelsOf(train);
  const data: TrainData = {
    train,
    trainLabels: o.noisy ? o.noisy(clean) : clean,
    val: { indices: val, labels: labelsOf(val) },
    test: { indices: test, labels: labelsOf(test) },
  };
  return { corpus, data, model: (m = {}) => new FakeModel(corpus.features, { vocab: corpus.vocab, classes: corpus.classes, ...m }) };
}

/** A small run: 240 samples in batches of 32 = 8 steps per epoch, the last one of 16. */
export function config(over: Partial<TrainConfig> = {}): TrainConfig {
  return { epochs: 5, batchSize: 32, seed: 11, schedule: { kind: 'constant', lr: 0.5 }, progressIntervalMs: 0, ...over };
}

/** A fresh temp folder, removed when the process exits. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-train-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Asserts two dynamics are equal bit for bit (NaN payloads included). */
export function assertSameDynamics(a: Dynamics, b: Dynamics): void {
  for (const s of DYNAMICS_SPLITS) {
    const x = a.get(s);
    const y = b.get(s);
    assert.equal(x.rows, y.rows, `${s} rows`);
    assert.deepEqual(Array.from(x.epochs), Array.from(y.epochs), `${s} epochs`);
    assert.ok(bytes(x.indices).equals(bytes(y.indices)), `${s} indices`);
    assert.ok(bytes(x.labels).equals(bytes(y.labels)), `${s} labels`);
    const cx = x.columns();
    const cy = y.columns();
    for (const f of ['loss', 'margin', 'pLabel', 'top1'] as const) assert.ok(bytes(cx[f]).equals(bytes(cy[f])), `${s}.${f} differs`);
  }
}

/** Asserts two model states are equal bit for bit. */
export async function assertSameState(a: TrainableModel | ModelState, b: TrainableModel | ModelState): Promise<void> {
  const sa = 'getState' in a ? await a.getState() : a;
  const sb = 'getState' in b ? await b.getState() : b;
  assert.equal(sa.step, sb.step);
  assert.deepEqual(Object.keys(sa.tensors).sort(), Object.keys(sb.tensors).sort());
  for (const k of Object.keys(sa.tensors)) {
    assert.deepEqual(sa.tensors[k]!.dims, sb.tensors[k]!.dims);
    assert.ok(bytes(sa.tensors[k]!.data).equals(bytes(sb.tensors[k]!.data)), `tensor ${k} differs`);
  }
}

/**
 * The learnable corpus of the bag trainer tests: 160 samples, 4 labels, split 112 / 24 / 24 in
 * order.
 */
export function bagCorpus(): { source: SampleSource; data: TrainData } {
  const { source, labels } = learnableSource({ seed: 3, samples: 160, labels: 4, tokens: 12, vocab: 40 });
  return {
    source,
    data: {
      train: range(0, 112),
      trainLabels: labels.subarray(0, 112),
      val: { indices: range(112, 136), labels: labels.subarray(112, 136) },
      test: { indices: range(136, 160), labels: labels.subarray(136, 160) },
    },
  };
}

/** A run trained without interruption (no checkpoint) on a fresh model, with its final state. */
export async function trainUninterrupted(make: () => Promise<TrainableModel>, data: TrainData, c: TrainConfig): Promise<{ result: TrainResult; state: ModelState }> {
  const model = await make();
  try {
    return { result: await train(model, data, { ...c, checkpoint: undefined }), state: await model.getState() };
  } finally {
    await model.dispose();
  }
}

/**
 * Cancels a run of `c` at global step 10 (epoch 1, position 3 with 7 steps per epoch in groups
 * of 3, 3, 1), resumes it on a freshly made model, and checks that it ends bit for bit as `ref`.
 */
export async function assertResumesAfterCancel(make: () => Promise<TrainableModel>, data: TrainData, c: TrainConfig, ref: { result: TrainResult; state: ModelState }): Promise<void> {
  const first = await make();
  const ac = new AbortController();
  try {
    await assert.rejects(
      train(first, data, c, { signal: ac.signal, onProgress: (p) => p.globalStep === 10 && ac.abort() }),
      (e) => isEngineError(e) && e.code === ERROR_CODES.CANCELLED,
    );
  } finally {
    await first.dispose();
  }
  const second = await make();
  try {
    const resumed = await resume(second, data, c);
    assert.deepEqual(resumed.final.resumedFrom, { epoch: 1, position: 3, globalStep: 10 });
    assertSameDynamics(ref.result.dynamics, resumed.dynamics);
    assert.deepEqual(resumed.curves, ref.result.curves);
    await assertSameState(ref.state, second);
  } finally {
    await second.dispose();
  }
}
