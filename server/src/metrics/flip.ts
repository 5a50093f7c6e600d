/**
 * Robustness under meaning-preserving edits (docs/metrics.md § "Flip rates"): for each test sample
 * and transform (rename locals consistently, insert dead code, reorder independent statements),
 * whether the prediction changed.
 *
 *     flip rate(T) = #{ i applicable : pred_T(i) ≠ pred(i) } / #{ i applicable }.
 *
 * Predictions are class ids. A transform that cannot apply to a sample (nothing to rename, no
 * safe reordering) is marked by a negative prediction after (−1) and leaves the sample out of that
 * transform's denominator; a negative prediction before leaves the sample out of every transform.
 * The flip rate is NaN when no sample is applicable.
 */
import { configError, sameLength } from './check';

/** Flips of one transform. */
export interface FlipRate {
  flipped: number;
  /** Samples the transform applied to. */
  applicable: number;
  /** flipped / applicable (NaN when applicable = 0). */
  rate: number;
}

function checkClasses(fn: string, what: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isInteger(a[i])) throw configError(fn, what, `has ${String(a[i])} at index ${i}; predictions are integer class ids (−1 = not applicable)`, { index: i });
  }
}

/** Flip rate of one transform from predictions before and after it. */
export function flipRate(before: ArrayLike<number>, after: ArrayLike<number>): FlipRate {
  sameLength('flipRate', 'before', before, 'after', after);
  checkClasses('flipRate', 'before', before);
  checkClasses('flipRate', 'after', after);
  let flipped = 0;
  let applicable = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i]! < 0 || after[i]! < 0) continue;
    applicable++;
    if (after[i] !== before[i]) flipped++;
  }
  return { flipped, applicable, rate: applicable === 0 ? NaN : flipped / applicable };
}

/** Flip rate of every transform: `after[name]` holds the predictions after transform `name`. */
export function flipRates(before: ArrayLike<number>, after: Readonly<Record<string, ArrayLike<number>>>): Record<string, FlipRate> {
  const out: Record<string, FlipRate> = {};
  for (const [name, a] of Object.entries(after)) out[name] = flipRate(before, a);
  return out;
}

/**
 * Per sample: under how many transforms the prediction flipped (`flips`) and how many applied
 * (`applicable`); memorized samples flip more (a per-sample signal for the test split).
 */
export function flipCounts(before: ArrayLike<number>, after: Readonly<Record<string, ArrayLike<number>>>): { flips: Int32Array; applicable: Int32Array } {
  checkClasses('flipCounts', 'before', before);
  const flips = new Int32Array(before.length);
  const applicable = new Int32Array(before.length);
  for (const [name, a] of Object.entries(after)) {
    sameLength('flipCounts', 'before', before, `after.${name}`, a);
    checkClasses('flipCounts', `after.${name}`, a);
    for (let i = 0; i < before.length; i++) {
      if (before[i]! < 0 || a[i]! < 0) continue;
      applicable[i]!++;
      if (a[i] !== before[i]) flips[i]!++;
    }
  }
  return { flips, applicable };
}
