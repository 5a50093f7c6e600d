/**
 * The input-embedding capabilities of the compiled models (critical-sample ratio): the embeddings
 * of a batch with their real-position masks, the forward pass from given embeddings (the same
 * prediction as `evaluate` at the unperturbed embeddings), and ∇_ê CE(f(ê), target), checked
 * against `probe` and against finite differences of the graph's own loss.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODEL_NAMES, createModel } from '../../../models/registry';
import { Rng } from '../../../server/src/util/rng';
import { arraySource } from '../../../server/src/dataset/source';

/** Bodies of different lengths (0 = padding shows up), contexts joining neighbours. */
const bodies = [[2, 3, 4], [5, 6, 7, 8, 9, 2, 3], [3], [4, 5, 6, 7], [9, 8, 7, 6, 5]];
const contexts = bodies.map((b) => {
  const c: number[] = [];
  for (let k = 0; k + 1 < b.length; k++) c.push(b[k]!, 2 + (k % 4), b[k + 1]!);
  return c;
});
const source = arraySource({ tokens: 10, paths: 6, labels: 3 }, bodies, contexts);
const HYPER: Record<string, Record<string, number>> = {
  bag: { dim: 4, tokens: 6 },
  code2vec: { dim: 3, contexts: 5, dropout: 0 },
  transformer: { dim: 4, heads: 2, ff: 6, tokens: 6, layers: 2 },
};
const rows = Int32Array.from(bodies.keys());
const labels = Int32Array.from([0, 1, 2, 0, 1]);

async function make(name: string) {
  return createModel(name, { source, preset: 'tiny', hyper: HYPER[name], batchSize: 8, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, seed: 3 });
}

for (const name of MODEL_NAMES) {
  test(`${name}: input embeddings, their real positions, and the prediction from them equal the ordinary forward pass`, async () => {
    const m = await make(name);
    try {
      // A few steps first, so the embedding rows are not at their initial values.
      const batch = m.makeBatch(rows, labels);
      await m.trainSteps([batch, batch], [0.05, 0.05], new Rng(1));
      const ev = await m.evaluate(batch);
      const ie = await m.inputEmbeddings(batch);
      const lookup = name === 'code2vec' ? 'contexts' : 'tokens';
      assert.deepEqual(Object.keys(ie.embeddings), [lookup]);
      const e = ie.embeddings[lookup]!;
      const T = name === 'code2vec' ? HYPER.code2vec!.contexts! : HYPER[name]!.tokens!;
      const d = HYPER[name]!.dim!;
      assert.deepEqual(e.dims, name === 'code2vec' ? [5, T, 3, d] : [5, T, d]);
      // Real positions: the first min(len, T) tokens, or the contexts (len − 1 of them, ×3 vectors).
      const real = ie.real[lookup]!;
      assert.deepEqual(real.dims, e.dims.slice(0, -1));
      bodies.forEach((b, r) => {
        const n = name === 'code2vec' ? Math.min(b.length - 1, T) : Math.min(b.length, T);
        const per = name === 'code2vec' ? 3 : 1;
        for (let q = 0; q < T * per; q++) assert.equal(real.data[r * T * per + q], Math.floor(q / per) < n ? 1 : 0, `row ${r} position ${q}`);
      });
      // The rows are the table's rows: probe's gradient has the same layout.
      const probe = await m.probe(batch);
      assert.deepEqual(probe.grads[lookup]!.dims, e.dims);
      assert.deepEqual(Array.from(ie.top1), Array.from(ev.top1));
      const emb = { [lookup]: e.data };
      assert.deepEqual(Array.from(await m.predictAtEmbeddings(batch, emb)), Array.from(ev.top1));
      // The gradient against the batch labels is probe's, and the loss evaluate's.
      const g = await m.gradientAtEmbeddings(batch, emb, labels);
      assert.deepEqual(Array.from(g.top1), Array.from(ev.top1));
      g.loss.forEach((v, r) => assert.ok(Math.abs(v - ev.loss[r]!) <= 1e-6 * (1 + Math.abs(v)), `loss ${r}: ${v} vs ${ev.loss[r]}`));
      const pg = probe.grads[lookup]!.data;
      g.grads[lookup]!.data.forEach((v, i) => assert.ok(Math.abs(v - pg[i]!) <= 1e-6 * (1 + Math.abs(v)), `grad ${i}: ${v} vs ${pg[i]}`));
      // A perturbation of the padding positions changes nothing.
      const padded = Float32Array.from(e.data);
      for (let q = 0; q < real.data.length; q++) if (!real.data[q]) for (let j = 0; j < d; j++) padded[q * d + j] += 5;
      assert.deepEqual(Array.from((await m.gradientAtEmbeddings(batch, { [lookup]: padded }, labels)).loss), Array.from(g.loss));
    } finally {
      await m.dispose();
    }
  });

  test(`${name}: ∇_ê CE(f(ê), target) matches finite differences (float32)`, async (t) => {
    const m = await make(name);
    try {
      const batch = m.makeBatch(rows, labels);
      await m.trainSteps([batch, batch], [0.05, 0.05], new Rng(1));
      const ie = await m.inputEmbeddings(batch);
      const lookup = Object.keys(ie.embeddings)[0]!;
      const e = ie.embeddings[lookup]!.data;
      const per = e.length / rows.length;
      // Targets other than the labels and the prediction: the gradient is for any given class.
      const targets = Int32Array.from(ie.top1, (c) => (c + 1) % 3);
      const g = (await m.gradientAtEmbeddings(batch, { [lookup]: e }, targets)).grads[lookup]!.data;
      const rng = new Rng(9);
      let rms = 0;
      for (const v of e) rms += v * v;
      rms = Math.sqrt(rms / e.length);
      // The transformer's LayerNorm curves its loss on the scale of the (small) embeddings.
      const h = (name === 'transformer' ? 1e-2 : 3e-2) * rms;
      let worst = 0;
      for (let dir = 0; dir < 3; dir++) {
        const v = Float32Array.from(e, () => rng.normal());
        const up = Float32Array.from(e, (x, i) => x + h * v[i]!);
        const down = Float32Array.from(e, (x, i) => x - h * v[i]!);
        const lu = (await m.gradientAtEmbeddings(batch, { [lookup]: up }, targets)).loss;
        const ld = (await m.gradientAtEmbeddings(batch, { [lookup]: down }, targets)).loss;
        for (let r = 0; r < rows.length; r++) {
          let analytic = 0;
          let norm = 0;
          for (let j = r * per; j < (r + 1) * per; j++) {
            analytic += g[j]! * v[j]!;
            norm += Math.abs(g[j]! * v[j]!);
          }
          const numeric = (lu[r]! - ld[r]!) / (2 * h);
          if (norm > 0) worst = Math.max(worst, Math.abs(analytic - numeric) / norm);
          assert.ok(Math.abs(analytic - numeric) <= 5e-3 * norm + 1e-4, `${name} direction ${dir} row ${r}: analytic ${analytic}, numeric ${numeric} (Σ|gᵢvᵢ| ${norm})`);
        }
      }
      t.diagnostic(`worst |analytic − numeric| / Σ|gᵢvᵢ| = ${worst.toExponential(2)}`);
    } finally {
      await m.dispose();
    }
  });
}
