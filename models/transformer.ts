/**
 * transformer: a subtoken encoder. Token embeddings plus learned absolute positions, `layers`
 * pre-LN blocks (x ← x + MHA(LN(x)); x ← x + FF(LN(x)), as in GPT-2/ViT: stable from scratch
 * without a warm-up-sensitive post-LN), a final LayerNorm, mean pooling over the non-padding
 * tokens (no CLS token: every position contributes, and padding never does), then a linear
 * softmax over labels. Attention masks padding keys. The feed-forward activation is GELU in its
 * tanh form, 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) = x·σ(2√(2/π)(x + 0.044715x³)), which has
 * float64 kernels (Erf has none), so the model's gradient check runs in float64.
 *
 * With `dropout` = r > 0 (a mitigation setting; absent in the presets, 0 = off), inverted dropout
 * (x·m/(1 − r), keep-masks drawn per sample and step) is applied during training at three kinds
 * of site: the output of each block's attention and of its feed-forward network, after their
 * output projections and before they join the residual stream (GPT-2's and BERT's "residual
 * dropout", masks [T, d]), and the pooled representation before the head (masks [d], the code
 * vector, as in bag and code2vec). Dropout on the pooled vector alone would regularize only the
 * head, while what a transformer memorizes lives in its blocks; the residual branches are two
 * elementwise products per block. The attention probabilities are not dropped: their masks would
 * be [H, T, T] per sample, larger than the activations, for the same kind of regularization.
 * With r = 0 there is no dropout site, so the graphs and numbers are those without the setting.
 */
import { EngineError, ERROR_CODES } from '../server/src/errors';
import { Value, nn, ops as o } from '../server/src/onnx';
import type { VocabSizes } from '../server/src/dataset/source';
import type { Architecture, DropoutSpec, ParamSpec } from '../server/src/train/architecture';
import { ModelDefinition, dropoutRate, fillRow, notPadding, requirePositiveInts, requireSizes } from './common';

/** Hyper-parameters of the transformer. */
export interface TransformerHyper {
  /** Model width d. */
  dim: number;
  layers: number;
  /** Attention heads (d must be divisible by it). */
  heads: number;
  /** Feed-forward width. */
  ff: number;
  /** Tokens per sample (padded/truncated); also the number of learned positions. */
  tokens: number;
  /** Dropout rate on the blocks' residual branches and the pooled vector during training (module comment); absent or 0: none. */
  dropout?: number;
}

/**
 * GELU, tanh approximation (Hendrycks & Gimpel 2016), written as x·σ(x·(c₁ + c₂x²)) with
 * c₁ = 2√(2/π), c₂ = 0.044715·c₁, since ½(1 + tanh z) = σ(2z): six elementwise passes instead
 * of nine over the [B, T, ff] activations.
 */
function geluTanh(x: Value): Value {
  const c1 = 2 * Math.sqrt(2 / Math.PI);
  return o.mul(x, o.sigmoid(o.mul(x, o.add(o.mul(o.mul(x, x), 0.044715 * c1), c1))));
}

/** Builds the transformer architecture. */
export function buildTransformer(sizes: VocabSizes, h: TransformerHyper): Architecture {
  requireSizes('transformer', sizes);
  requirePositiveInts('transformer', h, ['dim', 'layers', 'heads', 'ff', 'tokens']);
  const { dim: d, layers: L, heads: H, ff: F, tokens: T } = h;
  if (d % H !== 0) throw new EngineError(ERROR_CODES.CONFIG, `model transformer: dim ${d} must be divisible by heads ${H}`, { field: 'model.heads' });
  const dh = d / H;
  const C = sizes.labels;
  const rate = dropoutRate('transformer', h);
  const dropouts: DropoutSpec[] = [];
  if (rate > 0) {
    for (let l = 0; l < L; l++) dropouts.push({ name: `l${l}_att`, shape: [T, d], rate }, { name: `l${l}_ff`, shape: [T, d], rate });
    dropouts.push({ name: 'pooled', shape: [d], rate });
  }
  const params: ParamSpec[] = [
    { name: 'emb', shape: [sizes.tokens, d], init: { kind: 'normal', std: 0.02 }, decay: true },
    { name: 'pos', shape: [T, d], init: { kind: 'normal', std: 0.02 }, decay: false },
  ];
  for (let l = 0; l < L; l++) {
    params.push(
      { name: `l${l}_ln1_g`, shape: [d], init: { kind: 'const', value: 1 }, decay: false },
      { name: `l${l}_ln1_b`, shape: [d], init: { kind: 'const', value: 0 }, decay: false },
      { name: `l${l}_qkv_W`, shape: [d, 3 * d], init: { kind: 'glorot' }, decay: true },
      { name: `l${l}_qkv_b`, shape: [3 * d], init: { kind: 'const', value: 0 }, decay: false },
      { name: `l${l}_out_W`, shape: [d, d], init: { kind: 'glorot' }, decay: true },
      { name: `l${l}_out_b`, shape: [d], init: { kind: 'const', value: 0 }, decay: false },
      { name: `l${l}_ln2_g`, shape: [d], init: { kind: 'const', value: 1 }, decay: false },
      { name: `l${l}_ln2_b`, shape: [d], init: { kind: 'const', value: 0 }, decay: false },
      { name: `l${l}_ff1_W`, shape: [d, F], init: { kind: 'glorot' }, decay: true },
      { name: `l${l}_ff1_b`, shape: [F], init: { kind: 'const', value: 0 }, decay: false },
      { name: `l${l}_ff2_W`, shape: [F, d], init: { kind: 'glorot' }, decay: true },
      { name: `l${l}_ff2_b`, shape: [d], init: { kind: 'const', value: 0 }, decay: false },
    );
  }
  params.push(
    { name: 'lnf_g', shape: [d], init: { kind: 'const', value: 1 }, decay: false },
    { name: 'lnf_b', shape: [d], init: { kind: 'const', value: 0 }, decay: false },
    { name: 'head_W', shape: [d, C], init: { kind: 'glorot' }, decay: true },
    { name: 'head_b', shape: [C], init: { kind: 'const', value: 0 }, decay: false },
  );

  return {
    name: 'transformer',
    classes: C,
    params,
    features: [{ name: 'tokens', dtype: 'int32', shape: [T] }],
    dropouts,
    forward({ params: p, features, dropout, embed }) {
      const ids = features.tokens!; // [B, T]
      const keep = notPadding(ids);
      // The residual stream is kept as [B·T, d] rows: dense layers then take a rank-2 operand, so
      // their weight gradients are single products over B·T rows (a rank-3 operand would give B
      // batched products summed afterwards).
      let x = o.reshape(o.add(embed('tokens', 'emb', ids, keep), p.pos!), [-1, d]); // [B·T, d]
      // Additive key mask [B, 1, 1, T]: 0 for real tokens, −1e9 for padding.
      const keyBias = o.unsqueeze(o.mul(o.sub(1, o.cast(keep, x.dtype)), -1e9), [1, 2]);
      // A residual branch [B·T, d] dropped out with its site's [B, T, d] mask (identity without one).
      const drop = (v: Value, site: string): Value => {
        const m = dropout?.[site];
        return m ? nn.dropout(v, o.reshape(m.mask, [-1, d]), m.rate) : v;
      };
      const heads = (v: Value): Value => o.transpose(o.reshape(v, [-1, T, H, dh]), [0, 2, 1, 3]); // [B, H, T, dh]
      for (let l = 0; l < L; l++) {
        const q = (n: string): Value => p[`l${l}_${n}`]!;
        const a = o.layerNorm(x, q('ln1_g'), q('ln1_b'));
        const [qs, ks, vs] = o.split(nn.linear(a, q('qkv_W'), q('qkv_b')), [d, d, d], 1);
        // q/√d_h before the product: a [B, T, d] multiply instead of one over the [B, H, T, T] scores.
        const scores = o.add(o.matmul(heads(o.mul(qs!, 1 / Math.sqrt(dh))), o.transpose(heads(ks!), [0, 1, 3, 2])), keyBias);
        const att = o.matmul(o.softmax(scores, -1), heads(vs!)); // [B, H, T, dh]
        const merged = o.reshape(o.transpose(att, [0, 2, 1, 3]), [-1, d]); // [B·T, d]
        x = o.add(x, drop(nn.linear(merged, q('out_W'), q('out_b')), `l${l}_att`));
        const f = o.layerNorm(x, q('ln2_g'), q('ln2_b'));
        x = o.add(x, drop(nn.linear(geluTanh(nn.linear(f, q('ff1_W'), q('ff1_b'))), q('ff2_W'), q('ff2_b')), `l${l}_ff`));
      }
      const final = o.reshape(o.layerNorm(x, p.lnf_g!, p.lnf_b!), [-1, T, d]); // [B, T, d]
      const mean = nn.maskedMean(final, o.unsqueeze(keep, [2]), 1); // [B, d]
      const pooled = dropout?.pooled ? nn.dropout(mean, dropout.pooled.mask, dropout.pooled.rate) : mean;
      return nn.linear(pooled, p.head_W!, p.head_b!);
    },
    fill(source, index, row, arrays) {
      fillRow(source.bodyTokens(index), arrays.tokens as Int32Array, row * T, T);
    },
    // Per layer: QKV 3Td², scores and αV 2T²d, output Td², FF 2TdF (multiply-adds × 2); head dC.
    forwardFlops: 2 * (L * (4 * T * d * d + 2 * T * T * d + 2 * T * d * F) + d * C),
  };
}

/** The transformer model definition. */
export const transformer: ModelDefinition<TransformerHyper> = {
  name: 'transformer',
  description: 'pre-LN transformer encoder over subtokens, learned positions, mean pooling over non-padding tokens',
  consumes: ['body'],
  presets: {
    tiny: { dim: 8, layers: 1, heads: 2, ff: 16, tokens: 6 },
    small: { dim: 32, layers: 2, heads: 4, ff: 64, tokens: 32 },
    reference: { dim: 128, layers: 2, heads: 4, ff: 512, tokens: 256 },
  },
  defaultPreset: 'reference',
  optionalHyper: { dropout: 0 },
  referenceSizes: { tokens: 20_000, paths: 0, labels: 10_000 },
  build: buildTransformer,
};
