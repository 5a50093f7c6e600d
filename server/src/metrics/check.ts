/**
 * Input checks shared by the metric modules (internal; not re-exported by the barrel).
 *
 * The policy of the whole folder, stated once:
 * - an input that cannot be meant (arrays of different lengths, a noise level outside [0, 1], a
 *   negative loss, a NaN where an order is needed, an index out of range) throws `EngineError`
 *   with code `E_CONFIG` naming the argument and the offending position;
 * - a callback that breaks its contract (wrong array length) throws `E_INTERNAL`;
 * - a quantity that is well posed but undefined for the data at hand (a rate over an empty set,
 *   an AUROC without positives) is `NaN`, and each function's JSDoc says when.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** A numeric array of any kind (plain or typed). */
export type Numbers = ArrayLike<number>;

/** `E_CONFIG` error for argument `what` of metric `fn`. */
export function configError(fn: string, what: string, why: string, details: Record<string, unknown> = {}): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, `${fn}: ${what} ${why}`, { metric: fn, argument: what, ...details });
}

/** Throws unless `a` and `b` have the same length. */
export function sameLength(fn: string, aName: string, a: { length: number }, bName: string, b: { length: number }): void {
  if (a.length !== b.length) throw configError(fn, aName, `has ${a.length} entries but ${bName} has ${b.length}; they must be parallel arrays`);
}

/** Throws at the first NaN of `a` (±Infinity are accepted: they are ordered). */
export function noNaN(fn: string, what: string, a: Numbers): void {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i])) throw configError(fn, what, `is NaN at index ${i}; remove or impute undefined values before ranking`, { index: i });
  }
}

/** Throws at the first value of `a` that is not a finite number. */
export function allFinite(fn: string, what: string, a: Numbers): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw configError(fn, what, `is ${String(a[i])} at index ${i}; a finite number is required`, { index: i });
  }
}

/** Throws unless `v` is a finite number (scalars). */
export function finiteScalar(fn: string, what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw configError(fn, what, `must be a finite number (got ${String(v)})`);
}

/** Throws unless `v` is an integer ≥ `min`. */
export function intAtLeast(fn: string, what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw configError(fn, what, `must be an integer ≥ ${min} (got ${String(v)})`);
}

/** A 0/1 membership mask of length `n` (any non-zero entry counts as 1). */
export type Mask = ArrayLike<number | boolean>;

/** Throws unless `mask` has `n` entries. */
export function maskOfLength(fn: string, what: string, mask: Mask, n: number): void {
  if (mask.length !== n) throw configError(fn, what, `has ${mask.length} entries, expected one per sample (${n})`);
}
