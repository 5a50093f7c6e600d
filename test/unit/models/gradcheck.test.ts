/**
 * Finite-difference gradient checks of each built-in model, end to end (embeddings → loss):
 *   1. float64: the architecture's forward pass + label-smoothed cross-entropy, differentiated by
 *      the graph builder's autodiff, against central differences (normwise relative error ≤ 1e-6);
 *   2. float32, through the compiled model: one SGD step with lr = 1 (p₁ = p₀ − ∇L) against
 *      central differences of the batch's mean loss from evaluate() (≤ 1e-3), for both embedding
 *      gradient strategies — this covers the Loop, the row weights and the table scatter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODEL_NAMES, buildArchitecture, createModel, type ModelName } from '../../../models/registry';
import { Value, nn } from '../../../server/src/onnx';
import type { VocabSizes } from '../../../server/src/dataset/source';
import { forward } from '../../../server/src/train/compile';
import { Rng } from '../../../server/src/util/rng';
import { gradCheck, CaseInput } from '../onnx/gradcheck';
import { learnableSource, range } from '../train/helpers';

/** labelSubtokens: for bag's name head (a repeated subtoken, 2, ties two labels to one row). */
const SIZES: VocabSizes = { tokens: 10, paths: 10, labels: 3, labelSubtokens: [[2, 3], [4], [5, 6, 2]] };
/** Smaller than the 'tiny' presets: every parameter element costs two session runs. */
const HYPER: Record<string, Record<string, number>> = {
  bag: { dim: 4, tokens: 5 },
  code2vec: { dim: 2, contexts: 4 },
  transformer: { dim: 4, heads: 2, ff: 6, tokens: 5, layers: 2 },
};
const B = 3;
const CASES = [
  ...MODEL_NAMES.map((name) => ({ name, title: name, hyper: HYPER[name]! })),
  { name: 'bag' as const, title: 'bag with the name head', hyper: { ...HYPER.bag!, nameHead: 1 } },
];
/**
 * Dropout sites with their masks as fixed inputs (float64 only: the compiled step draws its masks,
 * which evaluate() does not apply, so that check runs without dropout).
 */
const DROPOUT_CASES = [
  { name: 'bag' as const, title: 'bag with dropout', hyper: { ...HYPER.bag!, dropout: 0.5 }, sites: 1 },
  { name: 'bag' as const, title: 'bag with the name head and dropout', hyper: { ...HYPER.bag!, nameHead: 1, dropout: 0.5 }, sites: 1 },
  { name: 'transformer' as const, title: 'transformer with dropout', hyper: { ...HYPER.transformer!, dropout: 0.5 }, sites: 2 * HYPER.transformer!.layers! + 1 },
];

const FLOAT64_CASES: { name: ModelName; title: string; hyper: Record<string, number>; sites?: number }[] = [...CASES, ...DROPOUT_CASES];

for (const { name, title, hyper: caseHyper, sites } of FLOAT64_CASES) {
  test(`${title}: float64 gradient of forward + loss matches finite differences`, async () => {
    const arch = buildArchitecture(name, SIZES, 'tiny', caseHyper);
    if (sites !== undefined) assert.equal(arch.dropouts.length, sites, 'every dropout site is checked');
    const inputs: CaseInput[] = [
      ...arch.params.map((p) => ({ name: `p_${p.name}`, shape: [...p.shape] })),
      ...arch.features.map((f) => ({ name: `x_${f.name}`, shape: [B, ...f.shape], dtype: 'int32' as const, init: { ints: SIZES.tokens } })),
      ...arch.dropouts.map((d) => ({ name: `mask_${d.name}`, shape: [B, ...d.shape], dtype: 'bool' as const, init: 'bool' as const, diff: false })),
      { name: 'labels', shape: [B], dtype: 'int32', init: { ints: SIZES.labels } },
    ];
    const result = await gradCheck({
      name: `${name}_model`,
      covers: [],
      dtype: 'float64',
      inputs,
      build: (v: readonly Value[]) => {
        let k = 0;
        const params: Record<string, Value> = {};
        for (const p of arch.params) params[p.name] = v[k++]!;
        const features: Record<string, Value> = {};
        for (const f of arch.features) features[f.name] = v[k++]!;
        const dropout: Record<string, { mask: Value; rate: number }> = {};
        for (const d of arch.dropouts) dropout[d.name] = { mask: v[k++]!, rate: d.rate };
        const { logits } = forward(arch, params, features, arch.dropouts.length ? dropout : undefined);
        return nn.softmaxCrossEntropy(logits, v[k]!, { labelSmoothing: 0.1 }).loss;
      },
    }, 11);
    assert.equal(Object.keys(result.errors).length, arch.params.length);
    assert.ok(result.error <= 1e-6, `${name}: ${JSON.stringify(result.errors)}`);
  });
}

for (const { name, title, hyper: caseHyper } of CASES) {
  test(`${title}: the compiled SGD step moves parameters by −∇L (float32 finite differences)`, async () => {
    const learnable = learnableSource({ seed: 5, samples: 8, labels: 3, tokens: 5, vocab: 10, paths: 10 });
    const { labels } = learnable;
    const source = { ...learnable.source, sizes: { ...learnable.source.sizes, labelSubtokens: SIZES.labelSubtokens } };
    const hyper = { ...caseHyper, ...(name === 'code2vec' ? { dropout: 0 } : {}) };
    const grads: Float64Array[] = [];
    for (const [strategy, threads] of [['sorted', 2], ['scatter-add', 1]] as const) {
      const m = await createModel(name, { source, preset: 'tiny', hyper, batchSize: 6, optimizer: { kind: 'sgd' }, device: 'cpu', threads, seed: 2, embeddingGradient: strategy });
      try {
        // A 5-row batch in a 6-row step: the padding row must not count.
        const batch = m.makeBatch(range(0, 5), labels.subarray(0, 5));
        const meanLoss = async (): Promise<number> => (await m.evaluate(batch)).loss.reduce((s, v) => s + v, 0) / 5;
        const before = await m.getState();
        await m.trainSteps([batch], [1], new Rng(0));
        const after = await m.getState();
        const analytic: number[] = [];
        const numeric: number[] = [];
        // The transformer's embeddings (std 0.02) feed a LayerNorm, so its loss curves on the
        // scale of 0.02: a smaller step keeps the truncation error of the differences small.
        const h = name === 'transformer' ? 1e-4 : 1e-2;
        for (const key of Object.keys(before.tensors)) {
          const t0 = before.tensors[key]!.data;
          const t1 = after.tensors[key]!.data;
          for (let i = 0; i < t0.length; i++) {
            analytic.push(t0[i]! - t1[i]!);
            const probe = (delta: number) => {
              const tensors = { ...before.tensors, [key]: { dims: before.tensors[key]!.dims, data: Float32Array.from(t0) } };
              tensors[key]!.data[i] = t0[i]! + delta;
              return m.setState({ step: 0, tensors }).then(meanLoss);
            };
            const up = await probe(h);
            const down = await probe(-h);
            numeric.push((up - down) / (Math.fround(t0[i]! + h) - Math.fround(t0[i]! - h)));
          }
        }
        const norm = (xs: number[]): number => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
        const err = norm(analytic.map((a, i) => a - numeric[i]!)) / Math.max(norm(analytic), norm(numeric));
        assert.ok(err <= 1e-3, `${name} (${strategy}): relative error ${err}`);
        grads.push(Float64Array.from(analytic));
      } finally {
        await m.dispose();
      }
    }
    const [a, b] = grads;
    a!.forEach((v, i) => assert.ok(Math.abs(v - b![i]!) <= 1e-6 * (1 + Math.abs(v)), `strategies differ at ${i}`));
  });
}
