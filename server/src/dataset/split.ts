/**
 * Deterministic train/validation/test split. Samples are never split one by one: all methods of
 * a file (or of a repository) land in the same split, since methods of one file share names,
 * helpers and style, and splitting them would let a model pass the test by remembering the file.
 */
import { EngineError, ERROR_CODES } from '../errors';
import type { SampleColumns } from './columns';
import { unitHash } from './hash';

/** Split index stored per sample. */
export const SPLIT = { train: 0, val: 1, test: 2 } as const;
/** Split names by index. */
export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Shares of the three splits; they must sum to 1. */
export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

/** The default 80/10/10. */
export const DEFAULT_RATIOS: SplitRatios = { train: 0.8, val: 0.1, test: 0.1 };

/** What samples are grouped by: `auto` picks `repo` when there are enough repositories, else `file`. */
export type SplitBy = 'auto' | 'file' | 'repo';

/** Below this many repositories, `auto` splits by file: with fewer, the shares cannot come near the ratios. */
export const DEFAULT_MIN_REPOS_FOR_REPO_SPLIT = 10;

/** Settings of `assignSplits` (all required; `buildDataset` fills the defaults). */
export interface SplitOptions {
  seed: number;
  ratios: SplitRatios;
  by: SplitBy;
  minReposForRepoSplit: number;
}

/** Result of `assignSplits`. */
export interface SplitAssignment {
  /** Per sample: 0 train, 1 val, 2 test. */
  split: Uint8Array;
  by: 'file' | 'repo';
  /** Why this grouping was used (for the report). */
  reason: string;
  /** Number of groups (files or repositories). */
  groups: number;
}

/** Checks ratios; throws `E_CONFIG` naming the problem. */
export function validateRatios(r: SplitRatios): void {
  const parts = [r.train, r.val, r.test];
  if (parts.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0)) {
    throw new EngineError(ERROR_CODES.CONFIG, `split ratios must be non-negative numbers (got ${JSON.stringify(r)})`, { field: 'ratios' });
  }
  const sum = r.train + r.val + r.test;
  if (Math.abs(sum - 1) > 1e-6) {
    throw new EngineError(ERROR_CODES.CONFIG, `split ratios must sum to 1 (got ${JSON.stringify(r)}, sum ${sum})`, { field: 'ratios' });
  }
  if (r.train <= 0) throw new EngineError(ERROR_CODES.CONFIG, 'the train ratio must be above 0', { field: 'ratios' });
}

/** Repository of sample i: the JSONL `repo` field or the root folder's name; the root index when unknown. */
export function repoKeyOf(c: SampleColumns, i: number): string {
  const repo = c.repo[i]!;
  return repo >= 0 ? `r:${c.strings[repo]}` : `#root${c.root[i]}`;
}

/**
 * The file of sample i, as a key that does not depend on input order: repository + path inside
 * it (+ archive entry), or for JSONL the record's repository + `path` field. A JSONL record with
 * no `path` is a group of its own.
 */
export function fileKeyOf(c: SampleColumns, i: number): string {
  const s = c.strings;
  const repo = c.repo[i]! >= 0 ? s[c.repo[i]!] : `#root${c.root[i]}`;
  if (c.recordPath[i]! >= 0) return `p\u0000${repo}\u0000${s[c.recordPath[i]!]}`;
  if (c.jsonlLine[i]! > 0) return `j\u0000${s[c.file[i]!]}\u0000${c.jsonlLine[i]}`;
  const entry = c.archiveEntry[i]! >= 0 ? s[c.archiveEntry[i]!] : '';
  return `f\u0000${repo}\u0000${s[c.file[i]!]}\u0000${entry}`;
}

/**
 * Assigns every sample to a split.
 *
 * By file: each file gets u = unitHash(file key, seed) in [0, 1) and goes to train when
 * u < r_train, to val when u < r_train + r_val, else to test. A file's split depends only on its
 * own key and the seed, so adding or removing files never moves the others; the shares are
 * binomial around the ratios.
 *
 * By repository: few, unequal groups make independent hashing lopsided (3 repositories at
 * 80/10/10 leave test empty 73% of the time), so repositories are taken in the order of their
 * hash and each goes to the split that is least filled relative to its target:
 * argmin_s n_s / (r_s · N), with n_s samples already in split s and N samples in all (ties to
 * train, then val). Relative rather than absolute deficits, so that with only three repositories
 * each split still gets one. Deterministic and seed-dependent, but adding a repository can move
 * those after it in hash order.
 */
export function assignSplits(c: SampleColumns, opts: SplitOptions): SplitAssignment {
  validateRatios(opts.ratios);
  const n = c.count;
  const split = new Uint8Array(n);
  const repoGroups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = repoKeyOf(c, i);
    let g = repoGroups.get(k);
    if (!g) repoGroups.set(k, (g = []));
    g.push(i);
  }
  let by: 'file' | 'repo';
  let reason: string;
  const repos = repoGroups.size;
  if (opts.by === 'file') {
    by = 'file';
    reason = 'split by file (requested)';
  } else if (opts.by === 'repo') {
    by = 'repo';
    reason = `split by repository (requested; ${repos} ${repos === 1 ? 'repository' : 'repositories'})`;
  } else if (repos >= opts.minReposForRepoSplit) {
    by = 'repo';
    reason = `split by repository: ${repos} repositories`;
  } else {
    by = 'file';
    reason =
      repos > 1
        ? `split by file: ${repos} repositories are too few for a split by repository (at least ${opts.minReposForRepoSplit})`
        : 'split by file: one repository';
  }

  const r = opts.ratios;
  if (by === 'file') {
    const cache = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = fileKeyOf(c, i);
      let s = cache.get(key);
      if (s === undefined) {
        const u = unitHash(key, opts.seed);
        s = u < r.train ? SPLIT.train : u < r.train + r.val ? SPLIT.val : SPLIT.test;
        cache.set(key, s);
      }
      split[i] = s;
    }
    return { split, by, reason, groups: cache.size };
  }

  const order = [...repoGroups.entries()].map(([key, members]) => ({ key, members, u: unitHash(key, opts.seed) }));
  order.sort((a, b) => a.u - b.u || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const targets = [r.train * n, r.val * n, r.test * n];
  const counts = [0, 0, 0];
  for (const g of order) {
    let best = 0;
    let bestFill = Infinity;
    for (let s = 0; s < 3; s++) {
      if (targets[s]! <= 0) continue;
      const fill = counts[s]! / targets[s]!;
      if (fill < bestFill) {
        bestFill = fill;
        best = s;
      }
    }
    for (const i of g.members) split[i] = best;
    counts[best] = counts[best]! + g.members.length;
  }
  return { split, by, reason, groups: repos };
}
