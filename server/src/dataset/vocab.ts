/**
 * Vocabularies of a dataset, built from the training split only (counting val/test would leak
 * which names and tokens they contain). Each keeps the K most frequent entries with at least a
 * minimum count; ties are broken by the string, so the vocabulary does not depend on the order
 * in which strings were interned.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** Padding token id in token and path vocabularies. */
export const PAD = '<PAD>';
/** Unknown entry (out of vocabulary). */
export const UNK = '<UNK>';

export interface VocabOptions {
  /** Entries kept besides the special ones. */
  topK?: number;
  /** Entries seen fewer times in train are left out. */
  minCount?: number;
}

/** A vocabulary: entry i is `strings[i]`; `fromTable` maps a source table id to an entry. */
export interface Vocabulary {
  /** Entries by id; the special entries come first. */
  strings: string[];
  /** Training count of each entry (0 for the special entries). */
  counts: Int32Array;
  /** Source-table id → vocabulary id; `unk` for entries left out. */
  fromTable: Int32Array;
  /** Id of `<UNK>`. */
  unk: number;
  /** Id of `<PAD>`, or -1 when the vocabulary has none (labels). */
  pad: number;
}

/** Defaults: generous for tokens and paths, and every training label that occurs at least once. */
export const DEFAULT_VOCAB = {
  tokens: { topK: 100_000, minCount: 2 },
  paths: { topK: 100_000, minCount: 2 },
  labels: { topK: 50_000, minCount: 1 },
} as const;

function check(o: Required<VocabOptions>, what: string): void {
  if (!Number.isSafeInteger(o.topK) || o.topK < 0) throw new EngineError(ERROR_CODES.CONFIG, `vocab.${what}.topK must be a non-negative integer (got ${o.topK})`, { field: `vocab.${what}.topK` });
  if (!Number.isSafeInteger(o.minCount) || o.minCount < 1) throw new EngineError(ERROR_CODES.CONFIG, `vocab.${what}.minCount must be an integer ≥ 1 (got ${o.minCount})`, { field: `vocab.${what}.minCount` });
}

/**
 * Builds a vocabulary from per-table-id counts. Selection: entries with count ≥ minCount, by
 * count descending then string ascending, the first topK. To avoid sorting a million strings
 * the count cutoff c* is found from a histogram first (entries above c* are all in; entries
 * at c* compete on their string), so only about topK entries are sorted.
 */
export function buildVocabulary(counts: Int32Array, strings: readonly string[], options: Required<VocabOptions>, specials: readonly string[], what = 'vocab'): Vocabulary {
  check(options, what);
  const { topK, minCount } = options;
  let maxCount = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > maxCount) maxCount = counts[i]!;
  let chosen: number[] = [];
  if (maxCount >= minCount && topK > 0) {
    const hist = new Int32Array(maxCount + 1);
    for (let i = 0; i < counts.length; i++) if (counts[i]! >= minCount) hist[counts[i]!]!++;
    let above = 0;
    let cutoff = minCount;
    for (let v = maxCount; v >= minCount; v--) {
      if (above + hist[v]! >= topK) {
        cutoff = v;
        break;
      }
      above += hist[v]!;
    }
    const atCutoff: number[] = [];
    for (let i = 0; i < counts.length; i++) {
      const v = counts[i]!;
      if (v > cutoff) chosen.push(i);
      else if (v === cutoff && v >= minCount) atCutoff.push(i);
    }
    const cmp = (a: number, b: number): number => {
      const d = counts[b]! - counts[a]!;
      if (d !== 0) return d;
      const sa = strings[a]!;
      const sb = strings[b]!;
      return sa < sb ? -1 : sa > sb ? 1 : 0;
    };
    atCutoff.sort(cmp);
    chosen = chosen.concat(atCutoff.slice(0, Math.max(0, topK - chosen.length)));
    chosen.sort(cmp);
  }
  const vocabStrings = [...specials];
  const vocabCounts = new Int32Array(specials.length + chosen.length);
  const unk = specials.indexOf(UNK);
  if (unk < 0) throw new EngineError(ERROR_CODES.INTERNAL, 'a vocabulary needs an <UNK> entry');
  const fromTable = new Int32Array(counts.length).fill(unk);
  for (const id of chosen) {
    const v = vocabStrings.length;
    vocabStrings.push(strings[id]!);
    vocabCounts[v] = counts[id]!;
    fromTable[id] = v;
  }
  return { strings: vocabStrings, counts: vocabCounts, fromTable, unk, pad: specials.indexOf(PAD) };
}

/** Maps table ids to vocabulary ids into `out` (allocated when absent). Ids outside the table map to `<UNK>`. */
export function toVocabIds(v: Vocabulary, tableIds: Int32Array, out = new Int32Array(tableIds.length)): Int32Array {
  const map = v.fromTable;
  for (let i = 0; i < tableIds.length; i++) {
    const t = tableIds[i]!;
    out[i] = t >= 0 && t < map.length ? map[t]! : v.unk;
  }
  return out;
}
