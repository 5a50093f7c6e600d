/**
 * Learning tests on deterministic synthetic data, with a minimal epoch loop (the real trainer
 * lives in train/trainer.ts): each built-in model, at a small size,
 *   - learns a task whose label is determined by the body content (≥ 95% train, ≥ 90% test);
 *   - memorizes fully random labels of a small set (≥ 95% train accuracy, Zhang et al. 2017).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODEL_NAMES, createModel } from '../../../models/registry';
import { randomLabels } from '../../../server/src/synth';
import type { CompiledModel } from '../../../server/src/train/model';
import { Rng } from '../../../server/src/util/rng';
import { learnableSource, range } from '../train/helpers';

const TOKENS = 16;
const HYPER: Record<string, Record<string, number>> = {
  bag: { dim: 16, tokens: TOKENS },
  code2vec: { dim: 8, contexts: TOKENS - 1 },
  transformer: { dim: 16, layers: 1, heads: 2, ff: 32, tokens: TOKENS },
};
const LR: Record<string, number> = { bag: 0.03, code2vec: 0.02, transformer: 0.005 };
const BATCH = 32;

/** Shuffled mini-batch epochs; returns the final train accuracy measured by evaluate(). */
async function fit(m: CompiledModel, train: Int32Array, labels: Int32Array, epochs: number, lr: number, seed: number): Promise<number> {
  const rng = new Rng(seed);
  for (let e = 0; e < epochs; e++) {
    const order = rng.shuffle(Int32Array.from(train));
    const batches = [];
    for (let s = 0; s < order.length; s += BATCH) {
      const idx = order.subarray(s, s + BATCH);
      batches.push(m.makeBatch(idx, Int32Array.from(idx, (i) => labels[i]!)));
    }
    await m.trainSteps(batches, batches.map(() => lr), rng);
  }
  return accuracy(m, train, labels);
}

async function accuracy(m: CompiledModel, idx: Int32Array, labels: Int32Array): Promise<number> {
  const r = await m.evaluate(m.makeBatch(idx, Int32Array.from(idx, (i) => labels[i]!)));
  return r.correct.reduce((s, v) => s + v, 0) / idx.length;
}

for (const name of MODEL_NAMES) {
  test(`${name} learns a content-determined task (≥ 95% train, ≥ 90% test)`, async (t) => {
    const { source, labels } = learnableSource({ seed: 21, samples: 600, labels: 8, tokens: TOKENS, vocab: 200, paths: 20 });
    const m = await createModel(name, { source, preset: 'small', hyper: HYPER[name], batchSize: BATCH, stepsPerRun: 8, seed: 1, device: 'cpu', threads: 1, optimizer: { kind: 'adam' } });
    try {
      const trainAcc = await fit(m, range(0, 400), labels, 12, LR[name]!, 2);
      const testAcc = await accuracy(m, range(400, 600), labels);
      t.diagnostic(`train ${trainAcc.toFixed(3)}, test ${testAcc.toFixed(3)}`);
      assert.ok(trainAcc >= 0.95, `${name}: train accuracy ${trainAcc}`);
      assert.ok(testAcc >= 0.9, `${name}: test accuracy ${testAcc}`);
    } finally {
      await m.dispose();
    }
  });

  test(`${name} fits random labels of a small set (≥ 95% train)`, async (t) => {
    const { source } = learnableSource({ seed: 22, samples: 128, labels: 8, tokens: TOKENS, vocab: 200, paths: 20 });
    const labels = Int32Array.from(randomLabels(128, 8, 5));
    const m = await createModel(name, { source, preset: 'small', hyper: { ...HYPER[name], ...(name === 'code2vec' ? { dropout: 0 } : {}) }, batchSize: BATCH, stepsPerRun: 8, seed: 1, device: 'cpu', threads: 1, optimizer: { kind: 'adam' } });
    try {
      const trainAcc = await fit(m, range(0, 128), labels, 60, LR[name]!, 3);
      t.diagnostic(`train ${trainAcc.toFixed(3)}`);
      assert.ok(trainAcc >= 0.95, `${name}: train accuracy on random labels ${trainAcc}`);
    } finally {
      await m.dispose();
    }
  });
}
