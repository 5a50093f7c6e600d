/**
 * Cache of a built dataset (split, deduplication status, vocabularies, near-duplicate pairs and
 * the report), keyed by the corpus key and the resolved dataset options. The samples themselves
 * live in the corpus snapshot; a dataset file is small (a few bytes per sample plus the vocabularies).
 */
import * as path from 'node:path';
import { ERROR_CODES, isEngineError } from '../errors';
import type { Dataset, DatasetReport, ResolvedDatasetOptions } from '../dataset/build';
import type { Vocabulary } from '../dataset/vocab';
import { readBundle, writeBundle, type NumericArray } from './bundle';
import type { CacheLog } from './corpus-cache';
import { CACHE_FORMAT_VERSION, sha256Hex, stableStringify } from './keys';

const KIND = 'memaudit-dataset';

/**
 * Bumped whenever the same corpus and settings would give another dataset (2: splits balanced in
 * samples), so that a cached dataset, and an audit folder keyed by it, is never reused across.
 */
export const DATASET_ALGORITHM = 2;
const VOCABS = ['tokens', 'paths', 'labels'] as const;

/** Key of a dataset: the corpus it was built from, the settings and the algorithm it was built with. */
export function datasetCacheKey(corpusKey: string, options: ResolvedDatasetOptions): string {
  return sha256Hex(`format:${CACHE_FORMAT_VERSION}`, `algorithm:${DATASET_ALGORITHM}`, corpusKey, stableStringify(options));
}

/** Path of a dataset file. */
export function datasetCachePath(cacheDir: string, key: string): string {
  return path.join(cacheDir, `dataset-${key.slice(0, 40)}.bin`);
}

/** Writes a dataset atomically; false (logged) when it cannot be written. */
export async function saveDataset(file: string, key: string, d: Dataset, log?: CacheLog): Promise<boolean> {
  const sections: Record<string, NumericArray | readonly string[]> = {
    split: d.split,
    status: d.status,
    train: d.train,
    val: d.val,
    test: d.test,
    labelClass: d.labelClass,
    pairA: d.nearDuplicates.a,
    pairB: d.nearDuplicates.b,
    pairJaccard: d.nearDuplicates.jaccard,
  };
  const specials: Record<string, { unk: number; pad: number }> = {};
  for (const v of VOCABS) {
    sections[`${v}.strings`] = d.vocab[v].strings;
    sections[`${v}.counts`] = d.vocab[v].counts;
    sections[`${v}.fromTable`] = d.vocab[v].fromTable;
    specials[v] = { unk: d.vocab[v].unk, pad: d.vocab[v].pad };
  }
  try {
    await writeBundle(file, { kind: KIND, key, meta: { format: CACHE_FORMAT_VERSION, report: d.report, specials }, sections });
    return true;
  } catch (err) {
    // E_WRITE_FAILED names the file, the cause and the fix already.
    log?.(`cache: ${isEngineError(err) ? err.message : `could not write ${file}: ${err instanceof Error ? err.message : String(err)}`} (going on without this cache)`);
    return false;
  }
}

/**
 * Loads a dataset when the file exists, is intact and was written for `key`; otherwise
 * `undefined`, with the reason logged when the file was there but unusable.
 */
export async function loadDataset(file: string, key: string, log?: CacheLog): Promise<Dataset | undefined> {
  try {
    const b = await readBundle(file, KIND);
    if (!b) return undefined;
    const meta = b.meta as { format: number; report: DatasetReport; specials: Record<string, { unk: number; pad: number }> };
    if (meta.format !== CACHE_FORMAT_VERSION) {
      log?.(`cache: ignoring ${file}: format ${meta.format}, expected ${CACHE_FORMAT_VERSION}`);
      return undefined;
    }
    if (b.key !== key) {
      log?.(`cache: ignoring ${file}: written for other inputs or settings`);
      return undefined;
    }
    const n = b.numbers;
    const need = <T extends NumericArray>(name: string, ctor: new (...args: never[]) => T): T => {
      const a = n[name];
      if (!(a instanceof ctor)) throw new Error(`section ${name} is missing or has the wrong type`);
      return a;
    };
    const vocab = {} as Record<(typeof VOCABS)[number], Vocabulary>;
    for (const v of VOCABS) {
      const strings = b.strings[`${v}.strings`];
      if (!strings) throw new Error(`section ${v}.strings is missing`);
      const sp = meta.specials[v];
      if (!sp) throw new Error(`vocabulary ${v} has no special ids`);
      vocab[v] = { strings, counts: need(`${v}.counts`, Int32Array), fromTable: need(`${v}.fromTable`, Int32Array), unk: sp.unk, pad: sp.pad };
    }
    return {
      split: need('split', Uint8Array),
      status: need('status', Uint8Array),
      train: need('train', Int32Array),
      val: need('val', Int32Array),
      test: need('test', Int32Array),
      labelClass: need('labelClass', Int32Array),
      vocab,
      nearDuplicates: { a: need('pairA', Int32Array), b: need('pairB', Int32Array), jaccard: need('pairJaccard', Float32Array) },
      report: meta.report,
    };
  } catch (err) {
    const why = isEngineError(err) && err.code === ERROR_CODES.CACHE_CORRUPT ? err.message : `cache file ${file} is unusable: ${err instanceof Error ? err.message : String(err)}`;
    log?.(`cache: ignoring it (${why})`);
    return undefined;
  }
}
