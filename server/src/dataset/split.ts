/**
 * Deterministic train/validation/test split. Samples are never split one by one: all methods of
 * a file (or of a repository) land in the same split, since methods of one file share names,
 * helpers and style, and splitting them would let a model pass the test by remembering the file.
 */
import { EngineError, ERROR_CODES } from '../errors';
import type { SampleColumns } from './columns';
import { BALANCE_TOLERANCE, balanceGroups, type BalanceGroup } from './balance';
import { refineDistinct } from './balance-distinct';
import { hashInts53, unitHash } from './hash';

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
  /** What was kept whole: files, repositories, or (the fallback) single methods. */
  by: 'file' | 'repo' | 'method';
  /** Why this grouping was used (for the report). */
  reason: string;
  /** Number of groups (files, repositories or methods). */
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

/** Fewest test methods a score should rest on; below it a file split falls back to methods (see `assignSplits`). */
export const MIN_EVAL_METHODS = 50;

/** How far (share of samples) a split by file may land from a ratio before the split falls back to methods. */
export const MAX_SHARE_OFF = 0.015;

const pct = (x: number): string => `${Math.round(100 * x)}`;

/**
 * Assigns every sample to a split, keeping the groups (files or repositories) whole and the
 * shares of *distinct methods* near the ratios (`balance.ts`, `distinctWeights`): each group starts where its hash puts it,
 * u = unitHash(key, seed) in [0, 1) → train when u < r_train, val when u < r_train + r_val, else
 * test, and the fewest groups needed are then moved to balance the shares. Deterministic for a
 * seed; adding files moves an existing one only where the balance needs it.
 *
 * When the files are too few or too unequal to give the test split `MIN_EVAL_METHODS` methods, or
 * the shares within `MAX_SHARE_OFF` of the ratios, although the corpus has enough methods for it
 * (N · r_test ≥ MIN_EVAL_METHODS), the split is by method instead, with the reason saying so: methods of one file may then be on both sides, which
 * flatters the test score (leakage), but a test split of a handful of methods says nothing at all.
 */
export function assignSplits(c: SampleColumns, opts: SplitOptions): SplitAssignment {
  validateRatios(opts.ratios);
  const { by, reason } = chooseGrouping(c, opts);
  const keyOf = by === 'repo' ? repoKeyOf : fileKeyOf;
  const methods = distinctMethods(c);
  const grouped = assignGroups(c, keyOf, methods, opts);
  const r = opts.ratios;
  const total = methods.classes;
  const counts = keptCounts(methods, grouped.split);
  const off = Math.max(...[r.train, r.val, r.test].map((ratio, s) => Math.abs(counts[s]! / total - ratio)));
  const tooSmall = counts[SPLIT.test]! < MIN_EVAL_METHODS;
  if (by === 'file' && r.test > 0 && (tooSmall || off > MAX_SHARE_OFF) && total * r.test >= MIN_EVAL_METHODS) {
    const byMethod = assignGroups(c, (cols, i) => `m\u0000${cols.ids[i]}`, methods, opts);
    const why = tooSmall
      ? `could give the test split only ${Math.round(counts[SPLIT.test]!)} distinct methods (at least ${MIN_EVAL_METHODS} needed)`
      : `cannot be split near ${pct(r.train)}/${pct(r.val)}/${pct(r.test)} (the closest is ${counts.map((n) => pct(n / total)).join('/')})`;
    return {
      split: byMethod.split,
      by: 'method',
      reason: `split by method: the ${grouped.groups} files ${why}; methods of one file may be in both training and test, so the test scores are optimistic (leakage)`,
      groups: byMethod.groups,
    };
  }
  return { split: grouped.split, by, reason, groups: grouped.groups };
}

/**
 * The methods of the corpus as deduplication sees them: a class per distinct name + body, and
 * each sample's weight in the balance, 1/k for a method that occurs k times. Deduplication keeps
 * one copy of each (and drops a val/test copy of a training method as leakage), so what a split
 * ends up holding is its distinct methods, not its samples: the generated demo corpus lost a
 * quarter of its test split to deduplication when files were balanced by raw counts.
 */
interface DistinctMethods {
  classOf: Int32Array;
  classes: number;
  weights: Float64Array;
}

function distinctMethods(c: SampleColumns): DistinctMethods {
  const classOf = new Int32Array(c.count);
  const index = new Map<number, number>();
  const copies: number[] = [];
  for (let i = 0; i < c.count; i++) {
    const h = hashInts53(c.label[i]!, c.bodyTokens, c.bodyOffsets[i]!, c.bodyOffsets[i + 1]!);
    let k = index.get(h);
    if (k === undefined) {
      index.set(h, (k = copies.length));
      copies.push(0);
    }
    copies[k]!++;
    classOf[i] = k;
  }
  return { classOf, classes: copies.length, weights: Float64Array.from(classOf, (k) => 1 / copies[k]!) };
}

/** Distinct methods per split as deduplication will keep them: each in the earliest split holding a copy. */
function keptCounts(methods: DistinctMethods, split: Uint8Array): number[] {
  const first = new Int8Array(methods.classes).fill(3);
  split.forEach((s, i) => {
    const k = methods.classOf[i]!;
    if (s < first[k]!) first[k] = s;
  });
  const counts = [0, 0, 0];
  for (const s of first) if (s < 3) counts[s]!++;
  return counts;
}

/** By repository when there are enough of them (or when asked), else by file; and why. */
function chooseGrouping(c: SampleColumns, opts: SplitOptions): { by: 'file' | 'repo'; reason: string } {
  const repos = new Set<string>();
  for (let i = 0; i < c.count; i++) repos.add(repoKeyOf(c, i));
  const n = repos.size;
  if (opts.by === 'file') return { by: 'file', reason: 'split by file (requested)' };
  if (opts.by === 'repo') return { by: 'repo', reason: `split by repository (requested; ${n} ${n === 1 ? 'repository' : 'repositories'})` };
  if (n >= opts.minReposForRepoSplit) return { by: 'repo', reason: `split by repository: ${n} repositories` };
  const reason = n > 1 ? `split by file: ${n} repositories are too few for a split by repository (at least ${opts.minReposForRepoSplit})` : 'split by file: one repository';
  return { by: 'file', reason };
}

/** The balanced split of the samples grouped by `keyOf`: by weight (`balance.ts`), then by distinct methods (`balance-distinct.ts`). */
function assignGroups(c: SampleColumns, keyOf: (c: SampleColumns, i: number) => string, methods: DistinctMethods, opts: SplitOptions): { split: Uint8Array; groups: number } {
  const r = opts.ratios;
  const weights = methods.weights;
  const groupOf = new Int32Array(c.count);
  const index = new Map<string, number>();
  const keys: string[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < c.count; i++) {
    const key = keyOf(c, i);
    let g = index.get(key);
    if (g === undefined) {
      index.set(key, (g = keys.length));
      keys.push(key);
      sizes.push(0);
    }
    sizes[g] = sizes[g]! + weights[i]!;
    groupOf[i] = g;
  }
  const u = keys.map((k) => unitHash(k, opts.seed));
  const order = keys.map((_, g) => g).sort((a, b) => u[a]! - u[b]! || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const rank = new Int32Array(keys.length);
  order.forEach((g, k) => (rank[g] = k));
  const groups: BalanceGroup[] = keys.map((_, g) => ({
    size: sizes[g]!,
    preferred: u[g]! < r.train ? SPLIT.train : u[g]! < r.train + r.val ? SPLIT.val : SPLIT.test,
    rank: rank[g]!,
  }));
  const ratios = [r.train, r.val, r.test];
  const where = balanceGroups(groups, ratios);
  refineDistinct({ groupOf, classOf: methods.classOf, classes: methods.classes, weight: sizes }, where, ratios, Math.max(0.5, BALANCE_TOLERANCE * methods.classes));
  return { split: Uint8Array.from(groupOf, (g) => where[g]!), groups: keys.length };
}
