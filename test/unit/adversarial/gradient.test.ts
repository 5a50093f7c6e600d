/**
 * The attack's input gradient ∂ℓ/∂δ, ℓ(δ) = CE(f(e + δ), target), for each built-in model:
 *   1. float64: the graph builder's autodiff of `perturbedLoss` against central differences
 *      (normwise relative error ≤ 1e-6), parameters and ids held fixed;
 *   2. the compiled model's float32 `gradientAtEmbeddings` at ê = e + δ (what the attack runs)
 *      against the float64 graph's ∂ℓ/∂δ at the same trained parameters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODEL_NAMES, buildArchitecture, createModel } from '../../../models/registry';
import { Graph, emitModel, gradients, ops as o, tensor, type Value } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import type { VocabSizes } from '../../../server/src/dataset/source';
import { perturbedLoss } from '../../../server/src/adversarial/graph';
import { buildAtEmbeddingsGraph } from '../../../server/src/train/compile';
import { Rng } from '../../../server/src/util/rng';
import { gradCheck, type CaseInput } from '../onnx/gradcheck';
import { learnableSource, range } from '../train/helpers';

const SIZES: VocabSizes = { tokens: 10, paths: 10, labels: 3 };
const HYPER: Record<string, Record<string, number>> = {
  bag: { dim: 4, tokens: 5 },
  code2vec: { dim: 2, contexts: 4, dropout: 0 },
  transformer: { dim: 4, heads: 2, ff: 6, tokens: 5, layers: 1 },
};
const B = 3;

function lookupShapes(name: string) {
  const arch = buildArchitecture(name, SIZES, 'tiny', HYPER[name]);
  return { arch, lookups: buildAtEmbeddingsGraph(arch, false).lookups };
}

for (const name of MODEL_NAMES) {
  test(`${name}: float64 ∂CE(f(e + δ), y)/∂δ matches finite differences`, async () => {
    const { arch, lookups } = lookupShapes(name);
    const inputs: CaseInput[] = [
      ...arch.params.map((p) => ({ name: `p_${p.name}`, shape: [...p.shape], diff: false })),
      ...arch.features.map((f) => ({ name: `x_${f.name}`, shape: [B, ...f.shape], dtype: 'int32' as const, init: { ints: SIZES.tokens } })),
      ...lookups.map((l) => ({ name: `delta_${l.name}`, shape: [B, ...l.shape], diff: true })),
      { name: 'labels', shape: [B], dtype: 'int32', init: { ints: SIZES.labels } },
    ];
    const result = await gradCheck({
      name: `${name}_attack`,
      covers: [],
      dtype: 'float64',
      inputs,
      build: (v: readonly Value[]) => {
        let k = 0;
        const params: Record<string, Value> = {};
        for (const p of arch.params) params[p.name] = v[k++]!;
        const features: Record<string, Value> = {};
        for (const f of arch.features) features[f.name] = v[k++]!;
        const deltas: Record<string, Value> = {};
        for (const l of lookups) deltas[l.name] = v[k++]!;
        return perturbedLoss(arch, params, features, deltas, v[k]!);
      },
    }, 7);
    assert.deepEqual(Object.keys(result.errors), lookups.map((l) => `delta_${l.name}`));
    assert.ok(result.error <= 1e-6, `${name}: ${JSON.stringify(result.errors)}`);
  });

  test(`${name}: the compiled model's gradient at e + δ equals the float64 graph's ∂ℓ/∂δ`, async () => {
    const { source, labels } = learnableSource({ seed: 4, samples: 6, labels: 3, tokens: 5, vocab: 10, paths: 10 });
    const m = await createModel(name, { source, preset: 'tiny', hyper: HYPER[name], batchSize: 6, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, seed: 2 });
    try {
      const batch = m.makeBatch(range(0, B), labels.subarray(0, B));
      await m.trainSteps([batch, batch], [0.05, 0.05], new Rng(1));
      const ie = await m.inputEmbeddings!(batch);
      const rng = new Rng(5);
      const deltas = Object.fromEntries(Object.entries(ie.embeddings).map(([k, t]) => [k, Float64Array.from(t.data, () => 0.05 * rng.normal())]));
      const at = Object.fromEntries(Object.entries(ie.embeddings).map(([k, t]) => [k, Float32Array.from(t.data, (v, i) => v + deltas[k]![i]!)]));
      const got = await m.gradientAtEmbeddings!(batch, at, ie.top1);

      const arch = buildArchitecture(name, source.sizes, 'tiny', HYPER[name]);
      const g = new Graph(`${name}_attack64`);
      const params = Object.fromEntries(arch.params.map((p) => [p.name, g.input(`p_${p.name}`, 'float64', [...p.shape])]));
      const features = Object.fromEntries(arch.features.map((f) => [f.name, g.input(`x_${f.name}`, f.dtype, [B, ...f.shape])]));
      const shapes = Object.fromEntries(Object.entries(ie.embeddings).map(([k, t]) => [k, [...t.dims]]));
      const dv = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, g.input(`delta_${k}`, 'float64', s)]));
      const targets = g.input('targets', 'int32', [B]);
      const loss = perturbedLoss(arch, params, features, dv, targets);
      const grads = gradients(o.reduceSum(loss, undefined, false), Object.values(dv));
      Object.keys(dv).forEach((k, i) => g.output(grads[i]!, `grad_${k}`));
      g.output(loss, 'loss');
      const state = await m.getState();
      const feeds: Record<string, ReturnType<typeof tensor>> = { targets: tensor('int32', [B], Array.from(ie.top1)) };
      for (const p of arch.params) feeds[`p_${p.name}`] = tensor('float64', [...p.shape], Array.from(state.tensors[`p_${p.name}`]!.data));
      for (const f of arch.features) feeds[`x_${f.name}`] = tensor('int32', [B, ...f.shape], Array.from(batch.inputs[f.name] as Int32Array));
      for (const [k, s] of Object.entries(shapes)) feeds[`delta_${k}`] = tensor('float64', s, Array.from(deltas[k]!));
      const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1, name: g.name });
      try {
        const r = await s.run(feeds);
        for (const k of Object.keys(shapes)) {
          const want = r[`grad_${k}`]!.data<'float64'>().data;
          const have = got.grads[k]!.data;
          let num = 0;
          let den = 0;
          want.forEach((w, i) => {
            num += (w - have[i]!) ** 2;
            den += w * w;
          });
          assert.ok(den > 0, `${name}: the gradient is zero`);
          assert.ok(Math.sqrt(num / den) <= 1e-4, `${name} '${k}': relative error ${Math.sqrt(num / den)}`);
        }
      } finally {
        await s.dispose();
      }
    } finally {
      await m.dispose();
    }
  });
}
