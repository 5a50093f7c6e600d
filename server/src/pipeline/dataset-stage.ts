/**
 * The dataset stage: split, deduplication, near-duplicates and vocabularies over an extracted
 * corpus, cached on disk by (corpus key, resolved dataset options).
 */
import { performance } from 'node:perf_hooks';
import { datasetCacheKey, datasetCachePath, loadDataset, saveDataset } from '../cache/dataset-cache';
import { buildDataset, resolveDatasetOptions, type Dataset, type DatasetOptions } from '../dataset/build';
import type { CorpusExtraction } from './extract-corpus';

export interface DatasetStage {
  dataset: Dataset;
  /** The dataset's identity: its corpus, settings and algorithm (`datasetCacheKey`). */
  key: string;
  cache: 'off' | 'hit' | 'miss';
  elapsedMs: number;
}

export async function loadOrBuildDataset(
  extraction: CorpusExtraction,
  options: DatasetOptions,
  cacheDir: string | undefined,
  log?: (message: string) => void,
): Promise<DatasetStage> {
  const t0 = performance.now();
  const resolved = resolveDatasetOptions(options);
  const key = datasetCacheKey(extraction.corpusKey, resolved);
  const file = cacheDir ? datasetCachePath(cacheDir, key) : undefined;
  if (file) {
    const cached = await loadDataset(file, key, log);
    // A dataset refers to sample indices; it only fits the columns it was built on (same count).
    if (cached && cached.split.length === extraction.columns.count) {
      return { dataset: cached, key, cache: 'hit', elapsedMs: performance.now() - t0 };
    }
  }
  const dataset = buildDataset(extraction.columns, extraction.tables, resolved);
  if (file) await saveDataset(file, key, dataset, log);
  return { dataset, key, cache: file ? 'miss' : 'off', elapsedMs: performance.now() - t0 };
}
