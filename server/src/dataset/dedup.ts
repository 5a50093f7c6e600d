/**
 * Exact duplicates. Two samples are duplicates when their label (name subtokens) and body token
 * sequence are identical; duplicated code inflates test scores of models that memorize
 * (Allamanis 2019, "The adverse effects of code duplication in machine learning models of code").
 */
import type { SampleColumns } from './columns';
import { hashInts53 } from './hash';
import { SPLIT } from './split';

/** Per-sample status after deduplication. */
export const STATUS = {
  kept: 0,
  /** Same split holds an earlier identical sample. */
  duplicate: 1,
  /** An earlier split (train before val before test) holds an identical sample: it would leak. */
  leaked: 2,
  /** Kept by deduplication, left out by the `top:K` label setting (its name is not among the K; `dataset/build.ts`). */
  outsideTopLabels: 3,
} as const;

/** Counts of removed samples. */
export interface DuplicateCounts {
  withinTrain: number;
  withinVal: number;
  withinTest: number;
  /** Val samples identical to a train sample. */
  valFromTrain: number;
  /** Test samples identical to a train sample. */
  testFromTrain: number;
  /** Test samples identical to a val sample (and to no train sample). */
  testFromVal: number;
}

function sameSample(c: SampleColumns, a: number, b: number): boolean {
  if (c.label[a] !== c.label[b]) return false;
  const a0 = c.bodyOffsets[a]!;
  const b0 = c.bodyOffsets[b]!;
  const len = c.bodyOffsets[a + 1]! - a0;
  if (c.bodyOffsets[b + 1]! - b0 !== len) return false;
  const t = c.bodyTokens;
  for (let k = 0; k < len; k++) if (t[a0 + k] !== t[b0 + k]) return false;
  return true;
}

/**
 * Marks exact duplicates. Samples are visited split by split (train, val, test), each split in
 * `order`; the first of identical samples is kept, a later one in the same split is a
 * `duplicate`, one in a later split is `leaked`. So train keeps one copy of everything, and
 * val/test hold nothing that train (or, for test, val) already holds.
 */
export function markExactDuplicates(c: SampleColumns, split: Uint8Array, order: Int32Array): { status: Uint8Array; counts: DuplicateCounts } {
  const status = new Uint8Array(c.count);
  const counts: DuplicateCounts = { withinTrain: 0, withinVal: 0, withinTest: 0, valFromTrain: 0, testFromTrain: 0, testFromVal: 0 };
  // hash -> first sample with that hash; samples with the same hash but other contents (a 2^-53
  // event) go to `chains`, keyed by hash, so correctness never rests on the hash.
  const first = new Map<number, number>();
  const chains = new Map<number, number[]>();
  for (let s: number = SPLIT.train; s <= SPLIT.test; s++) {
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (split[i] !== s) continue;
      const h = hashInts53(c.label[i]!, c.bodyTokens, c.bodyOffsets[i]!, c.bodyOffsets[i + 1]!);
      const f = first.get(h);
      let match = -1;
      if (f === undefined) first.set(h, i);
      else if (sameSample(c, f, i)) match = f;
      else {
        const chain = chains.get(h) ?? [];
        match = chain.find((j) => sameSample(c, j, i)) ?? -1;
        if (match < 0) {
          chain.push(i);
          chains.set(h, chain);
        }
      }
      if (match < 0) continue;
      const from = split[match]!;
      if (from === s) {
        status[i] = STATUS.duplicate;
        if (s === SPLIT.train) counts.withinTrain++;
        else if (s === SPLIT.val) counts.withinVal++;
        else counts.withinTest++;
      } else {
        status[i] = STATUS.leaked;
        if (s === SPLIT.val) counts.valFromTrain++;
        else if (from === SPLIT.train) counts.testFromTrain++;
        else counts.testFromVal++;
      }
    }
  }
  return { status, counts };
}
