/**
 * bag: a bag of subtokens with attention pooling. Subtoken embeddings x_t (the body, padded or
 * truncated to T tokens), scores s_t = x_t·a with a learned attention vector a, weights
 * α = masked softmax(s), code vector h = Σ_t α_t x_t, logits = h·W + b.
 */
import { nn, ops as o } from '../server/src/onnx';
import type { VocabSizes } from '../server/src/dataset/source';
import type { Architecture } from '../server/src/train/architecture';
import { ModelDefinition, fillRow, maskedAttentionPool, notPadding, requirePositiveInts, requireSizes } from './common';

/** Hyper-parameters of bag. */
export interface BagHyper {
  /** Embedding dimension. */
  dim: number;
  /** Body tokens per sample (padded/truncated). */
  tokens: number;
}

/** Builds the bag architecture. */
export function buildBag(sizes: VocabSizes, h: BagHyper): Architecture {
  requireSizes('bag', sizes);
  requirePositiveInts('bag', h, ['dim', 'tokens']);
  const { dim: d, tokens: T } = h;
  const C = sizes.labels;
  return {
    name: 'bag',
    classes: C,
    params: [
      { name: 'emb', shape: [sizes.tokens, d], init: { kind: 'normal', std: 1 / Math.sqrt(d) }, decay: true },
      { name: 'att', shape: [d, 1], init: { kind: 'normal', std: 1 / Math.sqrt(d) }, decay: false },
      { name: 'W', shape: [d, C], init: { kind: 'glorot' }, decay: true },
      { name: 'b', shape: [C], init: { kind: 'const', value: 0 }, decay: false },
    ],
    features: [{ name: 'tokens', dtype: 'int32', shape: [T] }],
    dropouts: [],
    forward({ params: p, features, embed }) {
      const ids = features.tokens!;
      const real = notPadding(ids);
      const x = embed('tokens', 'emb', ids, real); // [B, T, d]
      // On [B·T, d] rows, so that the gradient of att is one product rather than B summed ones.
      const scores = o.reshape(o.matmul(o.reshape(x, [-1, d]), p.att!), [-1, T]); // [B, T]
      const pooled = maskedAttentionPool(scores, real, x);
      return nn.linear(pooled, p.W!, p.b!);
    },
    fill(source, index, row, arrays) {
      fillRow(source.bodyTokens(index), arrays.tokens as Int32Array, row * T, T);
    },
    // scores T·d + pooling T·d + softmax ≈ 5T, head d·C (multiply-adds × 2).
    forwardFlops: 2 * (2 * T * d + d * C) + 5 * T + 5 * C,
  };
}

/** The bag model definition. */
export const bag: ModelDefinition<BagHyper> = {
  name: 'bag',
  description: 'subtoken embeddings + attention pooling + linear softmax over labels (body tokens)',
  consumes: ['body'],
  presets: {
    tiny: { dim: 8, tokens: 12 },
    small: { dim: 32, tokens: 64 },
    reference: { dim: 128, tokens: 200 },
  },
  defaultPreset: 'reference',
  referenceSizes: { tokens: 20_000, paths: 0, labels: 10_000 },
  build: buildBag,
};
