/**
 * Dropout of bag and the transformer (a mitigation setting, absent from their presets): a rate
 * of 0 builds no dropout site, so the model is the one without the setting; a positive rate trains
 * differently, yet bit-identically for equal seeds (the masks come from the trainer's Rng).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArchitecture, createModel } from '../../../models/registry';
import { isEngineError } from '../../../server/src/errors';
import { Rng } from '../../../server/src/util/rng';
import { learnableSource, range } from '../train/helpers';

const SIZES = { tokens: 20, paths: 0, labels: 4 };
const HYPER: Record<string, Record<string, number>> = {
  bag: { dim: 8, tokens: 6 },
  transformer: { dim: 8, layers: 1, heads: 2, ff: 8, tokens: 6 },
};

/** The weights after three Adam steps on the same batches, flattened. */
async function trainedWeights(name: string, hyper: Record<string, number>, rngSeed: number): Promise<Float32Array> {
  const { source, labels } = learnableSource({ seed: 3, samples: 24, labels: 4, tokens: 6, vocab: 20 });
  const m = await createModel(name, { source, preset: 'tiny', hyper, batchSize: 8, stepsPerRun: 3, seed: 1, device: 'cpu', threads: 1, optimizer: { kind: 'adam' } });
  try {
    const batches = [0, 8, 16].map((a) => m.makeBatch(range(a, a + 8), labels.subarray(a, a + 8)));
    await m.trainSteps(batches, [0.05, 0.05, 0.05], new Rng(rngSeed));
    const state = await m.getState();
    return Float32Array.from(Object.keys(state.tensors).sort().flatMap((k) => Array.from(state.tensors[k]!.data)));
  } finally {
    await m.dispose();
  }
}

for (const name of ['bag', 'transformer'] as const) {
  test(`${name}: dropout 0 adds no dropout site; a positive rate adds them; a rate outside [0, 1) is refused`, () => {
    assert.deepEqual(buildArchitecture(name, SIZES, 'tiny', HYPER[name]).dropouts, []);
    assert.deepEqual(buildArchitecture(name, SIZES, 'tiny', { ...HYPER[name], dropout: 0 }).dropouts, []);
    const sites = buildArchitecture(name, SIZES, 'tiny', { ...HYPER[name], dropout: 0.5 }).dropouts;
    assert.ok(sites.length > 0 && sites.every((d) => d.rate === 0.5));
    assert.throws(() => buildArchitecture(name, SIZES, 'tiny', { ...HYPER[name], dropout: 1 }), (e) => isEngineError(e) && e.details?.['field'] === 'model.dropout');
  });

  test(`${name}: with dropout it trains differently from without, and bit-identically for equal seeds`, async () => {
    const plain = await trainedWeights(name, HYPER[name]!, 7);
    const zero = await trainedWeights(name, { ...HYPER[name], dropout: 0 }, 7);
    assert.deepEqual(zero, plain, 'dropout 0 is the model without dropout');
    const a = await trainedWeights(name, { ...HYPER[name], dropout: 0.5 }, 7);
    const b = await trainedWeights(name, { ...HYPER[name], dropout: 0.5 }, 7);
    assert.deepEqual(a, b, 'same seeds, same masks, same weights');
    assert.notDeepEqual(a, plain);
    const other = await trainedWeights(name, { ...HYPER[name], dropout: 0.5 }, 8);
    assert.notDeepEqual(other, a, 'the masks come from the trainer\'s Rng');
  });
}
