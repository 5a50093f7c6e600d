/**
 * Forgetting events and first-learned epoch (Toneva et al. 2019; docs/metrics.md § "Forgetting
 * events"), from acc_i^(r) = 1[top1_i^(r) = y_i] over the recorded epochs (rows) r = 0 … E−1 (for
 * the training split every epoch is recorded, so row = epoch).
 *
 * - forgetting_i = #{ r ≥ 1 : acc_i^(r−1) = 1 and acc_i^(r) = 0 } (1 → 0 transitions); a sample
 *   never correct in any row gets E (docs/metrics.md § "Forgetting events"), which ranks it above
 *   every sample that was learned at least once (at most ⌊E/2⌋ events).
 * - firstLearned_i = the smallest r such that acc_i^(r') = 1 for every r' ≥ r, i.e. the first
 *   epoch from which the sample stays correct to the end. A sample not correct at the last row
 *   never reached that state and gets E (not −1): "later than any epoch", so larger always
 *   means learned later (memorized samples are learned late) and the value ranks directly.
 *
 * A top1 of −1 (not presented) is not correct. One pass over top1, O(rows · n).
 */
import { checkSource, type DynamicsSource } from './dynamics-source';

/** Forgetting counts and first-learned rows of every sample. */
export interface Forgetting {
  /** 1 → 0 transitions; E for never-learned samples. */
  events: Int32Array;
  /** First row from which the sample stays correct; E when not correct at the last row. */
  firstLearned: Int32Array;
}

/** Both forgetting signals in one pass over top1 (needs ≥ 1 row). */
export function forgetting(d: DynamicsSource): Forgetting {
  checkSource('forgetting', d, 1);
  const { n, rows, labels } = d;
  const prev = new Uint8Array(n);
  const ever = new Uint8Array(n);
  const events = new Int32Array(n);
  const first = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    const top1 = d.row(r).top1;
    for (let p = 0; p < n; p++) {
      const acc = top1[p] === labels[p] ? 1 : 0;
      if (acc === 1) {
        // Start of a correct streak: it is the first-learned row if the streak lasts to the end.
        if (prev[p] === 0) first[p] = r;
        ever[p] = 1;
      } else if (prev[p] === 1) {
        events[p]!++;
      }
      prev[p] = acc;
    }
  }
  for (let p = 0; p < n; p++) {
    if (ever[p] === 0) events[p] = rows;
    if (prev[p] === 0) first[p] = rows;
  }
  return { events, firstLearned: first };
}

/** Forgetting events per sample (see {@link forgetting}). */
export function forgettingEvents(d: DynamicsSource): Int32Array {
  return forgetting(d).events;
}

/** First-learned row per sample (see {@link forgetting}). */
export function firstLearnedEpoch(d: DynamicsSource): Int32Array {
  return forgetting(d).firstLearned;
}
