/**
 * The noise kinds of the randomization test and the validation of one plan item
 * (kind × level × seed). Label kinds change only the label class a training sample is trained
 * on; input kinds change what the model reads, either by editing the method's source text
 * (`SOURCE_KINDS`) or, for token masking, its extracted tokens.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** Every noise kind, in the order reports list them. */
export const NOISE_KINDS = [
  'y-shuffle',
  'y-random',
  'x-delete-statement',
  'x-leak-name',
  'x-mask-tokens',
  'x-rename-locals',
  'x-dead-code',
] as const;

/** One of `NOISE_KINDS`. */
export type NoiseKind = (typeof NOISE_KINDS)[number];

/**
 * Version of the noise constructions: the same (kind, level, seed) gives other samples or labels
 * after a change (2: y-shuffle is a random permutation, no longer a rotation of label groups). It
 * enters the audit's key, so that runs noised the old way are never reused.
 */
export const NOISE_VERSION = 2;

/** Kinds that change the label only. */
export const LABEL_KINDS: readonly NoiseKind[] = ['y-shuffle', 'y-random'];

/** Kinds that edit the method's source text through tree-sitter and re-extract it. */
export const SOURCE_KINDS: readonly NoiseKind[] = ['x-delete-statement', 'x-leak-name', 'x-rename-locals', 'x-dead-code'];

/** Kinds whose edits keep the method's meaning (the realistic perturbations of PRODUCT.md). */
export const MEANING_PRESERVING_KINDS = ['x-rename-locals', 'x-dead-code'] as const satisfies readonly NoiseKind[];

/** One of `MEANING_PRESERVING_KINDS`. */
export type MeaningPreservingKind = (typeof MEANING_PRESERVING_KINDS)[number];

/** Share of body tokens `x-mask-tokens` masks when the item does not say. */
export const DEFAULT_MASK_RATE = 0.25;

/** One item of a noise plan, as a user or the audit plan writes it. */
export interface NoiseItem {
  kind: string;
  /** Share of training samples to corrupt, in [0, 1]. */
  level: number;
  /** Any safe integer; the same (kind, level, seed) gives bit-identical noise. */
  seed: number;
  /** `x-mask-tokens` only: share of a sample's tokens to mask, in (0, 1]. Default 0.25. */
  maskRate?: number;
}

/** A validated item with defaults filled in; it is what the ledger records. */
export interface ResolvedNoiseItem {
  kind: NoiseKind;
  level: number;
  seed: number;
  /** Settings of the kind that change its result (only `maskRate`, for `x-mask-tokens`). */
  options: { maskRate?: number };
}

/** True when `s` names a noise kind. */
export function isNoiseKind(s: string): s is NoiseKind {
  return (NOISE_KINDS as readonly string[]).includes(s);
}

function configError(field: string, message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, message, { field });
}

/**
 * Checks an item and fills in defaults. Throws `E_CONFIG` naming the field and its valid values
 * for an unknown kind, a level outside [0, 1], a seed that is not a safe integer or a mask rate
 * outside (0, 1].
 */
export function resolveNoiseItem(item: NoiseItem): ResolvedNoiseItem {
  const kind = item.kind;
  if (typeof kind !== 'string' || !isNoiseKind(kind)) {
    throw configError('noise.kind', `noise.kind is ${JSON.stringify(kind)}; valid kinds are ${NOISE_KINDS.join(', ')}.`);
  }
  const level = item.level;
  if (typeof level !== 'number' || !(level >= 0 && level <= 1)) {
    throw configError('noise.level', `noise.level is ${String(level)}; it must be a number in [0, 1] (the share of training samples to corrupt, e.g. 0.25).`);
  }
  if (typeof item.seed !== 'number' || !Number.isSafeInteger(item.seed)) {
    throw configError('noise.seed', `noise.seed is ${String(item.seed)}; it must be a safe integer (e.g. 0, 1, 2).`);
  }
  const options: ResolvedNoiseItem['options'] = {};
  if (kind === 'x-mask-tokens') {
    const rate = item.maskRate ?? DEFAULT_MASK_RATE;
    if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
      throw configError('noise.maskRate', `noise.maskRate is ${String(rate)}; it must be a number in (0, 1] (default ${DEFAULT_MASK_RATE}).`);
    }
    options.maskRate = rate;
  } else if (item.maskRate !== undefined) {
    throw configError('noise.maskRate', `noise.maskRate applies only to kind x-mask-tokens (the item's kind is ${kind}); remove it.`);
  }
  return { kind, level, seed: item.seed, options };
}
