/**
 * Pieces shared by the built-in architectures: the model-definition shape the registry lists,
 * masked softmax pooling, and padding/truncation of token lists into fixed-width rows.
 */
import { EngineError, ERROR_CODES } from '../server/src/errors';
import { Value, ops as o } from '../server/src/onnx';
import type { VocabSizes } from '../server/src/dataset/source';
import type { Architecture } from '../server/src/train/architecture';

/** Sample fields a model consumes. */
export type SampleField = 'body' | 'contexts';

/** A built-in model: hyper-parameters, presets, and how to build its architecture. */
export interface ModelDefinition<H extends object> {
  readonly name: string;
  readonly description: string;
  /** Sample fields read by `makeBatch`. */
  readonly consumes: readonly SampleField[];
  /** Named hyper-parameter sets; `reference` is the published/benchmark size. */
  readonly presets: Readonly<Record<string, H>>;
  readonly defaultPreset: string;
  /**
   * Hyper-parameters the presets leave out, with the value that means "off" (e.g. `dropout: 0`):
   * they may be overridden like the presets' own, and a build without them behaves as before.
   */
  readonly optionalHyper?: Readonly<Record<string, number>>;
  /** Vocabulary sizes of the reference benchmark. */
  readonly referenceSizes: VocabSizes;
  /** Builds the architecture for a dataset's vocabulary sizes. */
  build(sizes: VocabSizes, hyper: H): Architecture;
}

/** Additive bias that sends masked-out logits to −∞ in practice (exp underflows to exactly 0). */
const MASKED = -1e9;

/**
 * Attention pooling: α = softmax over positions of `scores` [B, N] restricted to `mask` [B, N]
 * (1 = real), then Σₙ αₙ·xₙ for x [B, N, D] → [B, D]. α is multiplied by the mask after the
 * softmax so that a row with no real position pools to exactly 0 instead of averaging padding.
 */
export function maskedAttentionPool(scores: Value, mask: Value, x: Value): Value {
  const m = o.cast(mask, scores.dtype);
  const alpha = o.mul(o.softmax(o.add(scores, o.mul(o.sub(1, m), MASKED)), -1), m);
  return o.squeeze(o.matmul(o.unsqueeze(alpha, [1]), x), [1]);
}

/** Largest row count per block of {@link rowBlockedMatmul} (measured best for K = N = 384: 512–1,024). */
const BLOCK_ROWS = 1024;

/**
 * x·w for a tall x [R, K] and a small w [K, N], computed block by block: x is viewed as
 * [G, R/G, K] and multiplied by w expanded to [G, K, N]. The result is the same product (the
 * gradient of w becomes a sum of G partial products, a different float32 summation order). Why:
 * onnxruntime's CPU kernel (MLAS) streams all R rows of x and of the output once per 128×128
 * panel of w, so for R = 51,200 and K = N = 384 it reads and writes 9 strips of 26 MB from memory
 * and ran at 134 GFLOP/s on one thread, against 180–190 for the same product in blocks of
 * 512–1,024 rows (and 237 for one block alone, cache-hot) on the 2-core build machine. The batched
 * product needs a real [G, K, N] operand: with w as [1, K, N] onnxruntime folds the batch back
 * into one [R, K] product. Unchanged (one MatMul) when R is symbolic, small, or has no divisor
 * in [BLOCK_ROWS/4, BLOCK_ROWS].
 */
export function rowBlockedMatmul(x: Value, w: Value): Value {
  const [rows, k] = x.shape;
  const n = w.shape[1];
  if (x.rank !== 2 || w.rank !== 2 || typeof rows !== 'number' || typeof k !== 'number' || typeof n !== 'number' || rows <= 2 * BLOCK_ROWS) return o.matmul(x, w);
  let block = BLOCK_ROWS;
  while (block >= BLOCK_ROWS / 4 && rows % block !== 0) block--;
  if (block < BLOCK_ROWS / 4) return o.matmul(x, w);
  const g = rows / block;
  return o.reshape(o.matmul(o.reshape(x, [g, block, k]), o.expand(w, [g, k, n])), [rows, n]);
}

/** 1 where `ids` ≠ 0 (padding), as a bool value. */
export function notPadding(ids: Value): Value {
  return o.not(o.equal(ids, 0));
}

/** Copies up to `width` ids into `out` at `offset` (the rest stays 0 = padding). */
export function fillRow(ids: ArrayLike<number>, out: Int32Array, offset: number, width: number): void {
  const n = Math.min(ids.length, width);
  for (let k = 0; k < n; k++) out[offset + k] = ids[k]!;
}

/** Checks that hyper-parameters are positive integers (E_CONFIG names the field). */
/** An optional dropout rate `h.dropout` (absent = 0, no dropout), checked to be in [0, 1). */
export function dropoutRate(model: string, h: { dropout?: number }): number {
  const rate = h.dropout ?? 0;
  if (!(rate >= 0 && rate < 1)) throw new EngineError(ERROR_CODES.CONFIG, `model ${model}: dropout must be in [0, 1) (got ${String(h.dropout)})`, { field: 'model.dropout' });
  return rate;
}

export function requirePositiveInts(model: string, h: object, fields: readonly string[]): void {
  for (const f of fields) {
    const v = (h as Record<string, unknown>)[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new EngineError(ERROR_CODES.CONFIG, `model ${model}: ${f} must be a positive integer (got ${String(v)})`, { field: `model.${f}` });
    }
  }
}

/** Checks vocabulary sizes: tokens/paths need PAD and UNK (≥ 2 each), labels ≥ 2. */
export function requireSizes(model: string, s: VocabSizes, needPaths = false): void {
  const bad = (f: string, v: number, min: number): never => {
    throw new EngineError(ERROR_CODES.CONFIG, `model ${model}: ${f} vocabulary size must be an integer ≥ ${min} (got ${v})`, { field: `sizes.${f}` });
  };
  if (!Number.isInteger(s.tokens) || s.tokens < 2) bad('tokens', s.tokens, 2);
  if (needPaths && (!Number.isInteger(s.paths) || s.paths < 2)) bad('paths', s.paths, 2);
  if (!Number.isInteger(s.labels) || s.labels < 2) bad('labels', s.labels, 2);
}
