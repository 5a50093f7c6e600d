/**
 * code2vec (Alon et al., POPL 2019). Each path-context (start token, path, end token) is embedded
 * as c_i = [t_s; p; t_e] (3d; tokens and paths have separate embeddings, stored as one table), dropped out elementwise during training, and combined
 * c̃_i = tanh(c_i·W) with W ∈ ℝ^{3d×3d}; attention α = masked softmax(c̃·a) over the contexts
 * (padding contexts, path id 0, are masked out); the code vector v = Σ_i α_i c̃_i; logits = v·Y
 * with one learned 3d-vector per label (no biases, as in the paper). Contexts beyond the first
 * `contexts` of a sample are dropped (the extractor already samples at most that many).
 */
import { ops as o, tensor } from '../server/src/onnx';
import type { VocabSizes } from '../server/src/dataset/source';
import type { Architecture } from '../server/src/train/architecture';
import { ModelDefinition, maskedAttentionPool, notPadding, requirePositiveInts, requireSizes, rowBlockedMatmul } from './common';

/** Hyper-parameters of code2vec. */
export interface Code2vecHyper {
  /** Token and path embedding dimension d (the context vector is 3d). */
  dim: number;
  /** Path-contexts per sample (padded/truncated). */
  contexts: number;
  /** Dropout rate on the context vectors during training. */
  dropout: number;
}

/** Builds the code2vec architecture. */
export function buildCode2vec(sizes: VocabSizes, h: Code2vecHyper): Architecture {
  requireSizes('code2vec', sizes, true);
  requirePositiveInts('code2vec', h, ['dim', 'contexts']);
  const { dim: d, contexts: N } = h;
  const D = 3 * d;
  const C = sizes.labels;
  return {
    name: 'code2vec',
    classes: C,
    params: [
      // One table for both vocabularies: rows [0, tokens) embed tokens, rows [tokens, tokens + paths)
      // embed paths, so a context's three vectors come from one Gather already laid out as
      // [start; path; end] (no Concat forward, no Split and one scatter backward).
      { name: 'embeddings', shape: [sizes.tokens + sizes.paths, d], init: { kind: 'normal', std: 1 / Math.sqrt(d) }, decay: true },
      { name: 'W', shape: [D, D], init: { kind: 'glorot' }, decay: true },
      { name: 'a', shape: [D, 1], init: { kind: 'normal', std: 1 / Math.sqrt(D) }, decay: false },
      { name: 'Y', shape: [D, C], init: { kind: 'glorot' }, decay: true },
    ],
    features: [{ name: 'contexts', dtype: 'int32', shape: [N, 3] }],
    dropouts: h.dropout > 0 ? [{ name: 'contexts', shape: [N, D], rate: h.dropout }] : [],
    forward({ params: p, features, dropout, embed }) {
      const ctx = features.contexts!; // [B, N, 3]: start token, path, end token (vocabulary ids)
      const paths = o.squeeze(o.slice(ctx, [1], [2], [2]), [2]); // [B, N]
      const real = notPadding(paths); // [B, N]: padding contexts have path id 0
      const rows = o.add(ctx, ctx.graph.constant(tensor('int32', [3], [0, sizes.tokens, 0])));
      // [B, N, 3, d] → [B·N, 3d]: each row is [t_s; p; t_e]. The real-position mask covers the
      // three vectors of a context (only the embeddings graph computes it).
      let c = o.reshape(embed('contexts', 'embeddings', rows, o.expandLike(o.unsqueeze(real, [2]), rows)), [-1, D]);
      // Inverted dropout (c·m/(1 − r))·W computed as (c·m)·(W/(1 − r)): the scale goes to the
      // small 3d×3d matrix instead of the [B·N, 3d] activations (one multiply by the 0/1 mask;
      // onnxruntime's Where was measured 3× slower than Mul here).
      let W = p.W!;
      const drop = dropout?.contexts;
      if (drop) {
        c = o.mul(c, o.cast(o.reshape(drop.mask, [-1, D]), c.dtype));
        W = o.mul(W, 1 / (1 - drop.rate));
      }
      // The products with W and a run on [B·N, 3d] rows: with a rank-3 left operand the gradient
      // of W would be B batched products summed afterwards instead of one product over B·N rows.
      // The B·N rows are multiplied in blocks of ≤ 1,024 (rowBlockedMatmul: MLAS is ~40 % faster).
      const flat = o.tanh(rowBlockedMatmul(c, W)); // [B·N, 3d]
      // The scores are taken from the [B, N, 3d] view (onnxruntime runs the same [B·N, 3d] × 3d
      // product), so that their gradient and the pooling's reach the same value as two outer
      // products, which the autodiff sums inside one product (autodiff.ts, productSum).
      const combined = o.reshape(flat, [-1, N, D]); // [B, N, 3d]
      const scores = o.reshape(o.matmul(combined, p.a!), [-1, N]); // [B, N]
      const code = maskedAttentionPool(scores, real, combined); // [B, 3d]
      return o.matmul(code, p.Y!);
    },
    fill(source, index, row, arrays) {
      const c = source.contexts(index);
      const out = arrays.contexts as Int32Array;
      const n = Math.min(Math.floor(c.length / 3), N) * 3;
      for (let k = 0; k < n; k++) out[row * N * 3 + k] = c[k]!;
    },
    // W: N·D·D, attention N·D, pooling N·D, head D·C (multiply-adds × 2); tanh/softmax ≈ 5 per element.
    forwardFlops: 2 * (N * D * D + 2 * N * D + D * C) + 5 * N * D + 5 * C,
  };
}


/** The code2vec model definition. */
export const code2vec: ModelDefinition<Code2vecHyper> = {
  name: 'code2vec',
  description: 'code2vec (Alon et al. 2019): path-context embeddings, tanh combination, attention, label softmax',
  consumes: ['contexts'],
  presets: {
    tiny: { dim: 4, contexts: 6, dropout: 0.25 },
    small: { dim: 32, contexts: 50, dropout: 0.25 },
    reference: { dim: 128, contexts: 200, dropout: 0.25 },
  },
  defaultPreset: 'reference',
  referenceSizes: { tokens: 20_000, paths: 50_000, labels: 10_000 },
  build: buildCode2vec,
};
