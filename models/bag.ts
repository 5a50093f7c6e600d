/**
 * bag: a bag of subtokens with attention pooling. Subtoken embeddings x_t (the body, padded or
 * truncated to T tokens), scores s_t = x_t·a with a learned attention vector a, weights
 * α = masked softmax(s), code vector h = Σ_t α_t x_t, logits = h·W + b.
 *
 * With `nameHead` = 1 the output vector of label c is W_c + n_c, where n_c is the mean of the
 * body-token embeddings of c's subtokens (the same table as the body: `get|user|name` → the mean
 * of emb[get], emb[user], emb[name]): logits = h·W + h·Nᵀ + b. A name then shares what is learned
 * about its words, so a method whose name no other method has can still be predicted from a body
 * that uses those words, while a label that has nothing to do with its body (a shuffled one)
 * must be memorized. Without it such names are only learnable by memorizing them, like the noise
 * (docs/metrics.md § "The name head").
 *
 * With `dropout` = r > 0 (a mitigation setting; absent in the presets, 0 = off) the code vector is
 * dropped out elementwise during training, inverted (h·m/(1 − r), m a keep-mask of shape [d]
 * drawn per sample and step), before both heads; evaluation uses h unchanged. With r = 0 there is
 * no dropout site, so the graphs, and every number, are those of the model without the setting.
 */
import { EngineError, ERROR_CODES } from '../server/src/errors';
import { nn, ops as o, tensor, type TensorData } from '../server/src/onnx';
import type { VocabSizes } from '../server/src/dataset/source';
import type { Architecture } from '../server/src/train/architecture';
import { ModelDefinition, dropoutRate, fillRow, maskedAttentionPool, notPadding, requirePositiveInts, requireSizes } from './common';

/** Hyper-parameters of bag. */
export interface BagHyper {
  /** Embedding dimension. */
  dim: number;
  /** Body tokens per sample (padded/truncated). */
  tokens: number;
  /** 1: label output vectors include the mean embedding of the label's subtokens (module comment); 0: a plain linear head. */
  nameHead: number;
  /** Dropout rate on the code vector h during training (module comment); absent or 0: none. */
  dropout?: number;
}

/** Subtokens of a label used by the name head (longer names keep their first ones). */
const NAME_SUBTOKENS = 8;

/** Builds the bag architecture. */
export function buildBag(sizes: VocabSizes, h: BagHyper): Architecture {
  requireSizes('bag', sizes);
  requirePositiveInts('bag', h, ['dim', 'tokens']);
  const { dim: d, tokens: T } = h;
  const C = sizes.labels;
  if (h.nameHead !== 0 && h.nameHead !== 1) throw new EngineError(ERROR_CODES.CONFIG, `model bag: nameHead must be 0 or 1 (got ${String(h.nameHead)})`, { field: 'model.nameHead' });
  const names = h.nameHead === 1 ? nameTable(sizes) : null;
  const rate = dropoutRate('bag', h);
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
    dropouts: rate > 0 ? [{ name: 'code', shape: [d], rate }] : [],
    forward({ params: p, features, dropout, embed, embedFixed }) {
      const ids = features.tokens!;
      const real = notPadding(ids);
      const x = embed('tokens', 'emb', ids, real); // [B, T, d]
      // On [B·T, d] rows, so that the gradient of att is one product rather than B summed ones.
      const scores = o.reshape(o.matmul(o.reshape(x, [-1, d]), p.att!), [-1, T]); // [B, T]
      const code = dropout?.code;
      const pooled = code ? nn.dropout(maskedAttentionPool(scores, real, x), code.mask, code.rate) : maskedAttentionPool(scores, real, x);
      const logits = nn.linear(pooled, p.W!, p.b!);
      if (!names) return logits;
      // n = Σ_l w[c,l]·emb[ids[c,l]] as [C,1,L]·[C,L,d]; w = 1/|subtokens of c| on real slots, 0 on padding.
      const rows = embedFixed('names', 'emb', names.ids); // [C, L, d]
      const n = o.squeeze(o.matmul(o.cast(o.constant(rows.graph, names.weights), rows.dtype), rows), [1]); // [C, d]
      return o.add(logits, o.matmul(pooled, o.transpose(n, [1, 0])));
    },
    fill(source, index, row, arrays) {
      fillRow(source.bodyTokens(index), arrays.tokens as Int32Array, row * T, T);
    },
    // scores T·d + pooling T·d + softmax ≈ 5T, head d·C (multiply-adds × 2).
    // The name head adds h·Nᵀ per sample (N itself is built once per step, not per sample).
    forwardFlops: 2 * (2 * T * d + d * C * (names ? 2 : 1)) + 5 * T + 5 * C,
  };
}

/**
 * The name head's constant inputs: each label's subtoken ids [C, L] (0 = padding) and their mean
 * weights [C, 1, L]. E_CONFIG when the sizes carry no label subtokens (a source without label strings).
 */
function nameTable(sizes: VocabSizes): { ids: TensorData; weights: TensorData } {
  const subs = sizes.labelSubtokens;
  if (!subs || subs.length !== sizes.labels) {
    throw new EngineError(ERROR_CODES.CONFIG, 'model bag: nameHead = 1 needs the subtokens of every label (train from a dataset, or set nameHead to 0)', { field: 'model.nameHead' });
  }
  const L = Math.max(1, Math.min(NAME_SUBTOKENS, subs.reduce((m, s) => Math.max(m, s.length), 0)));
  const ids = new Int32Array(subs.length * L);
  const weights = new Float32Array(subs.length * L);
  subs.forEach((s, c) => {
    const k = Math.min(L, s.length);
    for (let l = 0; l < k; l++) {
      ids[c * L + l] = s[l]!;
      weights[c * L + l] = 1 / k;
    }
  });
  return { ids: tensor('int32', [subs.length, L], ids), weights: tensor('float32', [subs.length, 1, L], weights) };
}

/** The bag model definition. */
export const bag: ModelDefinition<BagHyper> = {
  name: 'bag',
  description: 'subtoken embeddings + attention pooling + linear softmax over labels (body tokens)',
  consumes: ['body'],
  presets: {
    tiny: { dim: 8, tokens: 12, nameHead: 0 },
    small: { dim: 32, tokens: 64, nameHead: 0 },
    reference: { dim: 128, tokens: 200, nameHead: 0 },
    names: { dim: 64, tokens: 64, nameHead: 1 },
  },
  defaultPreset: 'reference',
  optionalHyper: { dropout: 0 },
  referenceSizes: { tokens: 20_000, paths: 0, labels: 10_000 },
  build: buildBag,
};
