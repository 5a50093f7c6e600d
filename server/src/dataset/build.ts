/**
 * Building a dataset from extracted samples: split, exact deduplication, near-duplicate search,
 * vocabularies and coverage. The dataset does not copy the samples; it is a set of per-sample
 * arrays (split, status, label class) and index lists over the corpus `SampleColumns`.
 */
import type { StringTables } from '../parse/sample';
import type { SampleColumns } from './columns';
import { markExactDuplicates, STATUS, type DuplicateCounts } from './dedup';
import { findNearDuplicates, resolveNearDuplicateOptions, tokenHashes, type NearDuplicateOptions, type NearDuplicateParams, type NearDuplicateSearch } from './neardup';
import {
  assignSplits,
  DEFAULT_MIN_REPOS_FOR_REPO_SPLIT,
  DEFAULT_RATIOS,
  MIN_EVAL_METHODS,
  SPLIT_NAMES,
  validateRatios,
  type SplitAssignment,
  type SplitBy,
  type SplitName,
  type SplitRatios,
} from './split';
import { labelSettingText, topLabels, topLabelsOf, type LabelSetting } from './labels';
import { buildVocabulary, DEFAULT_VOCAB, PAD, UNK, type Vocabulary, type VocabOptions } from './vocab';

/** Settings of `buildDataset`; every field has a default. They are part of the dataset's cache key. */
export interface DatasetOptions {
  /** Seed of the split (and of the near-duplicate hashes). Default 0. */
  seed?: number;
  /** Default 0.8 / 0.1 / 0.1. */
  ratios?: SplitRatios;
  /** Default `auto`: by repository with at least `minReposForRepoSplit` repositories, else by file. */
  splitBy?: SplitBy;
  /** Default 10. */
  minReposForRepoSplit?: number;
  vocab?: { tokens?: VocabOptions; paths?: VocabOptions; labels?: VocabOptions };
  /** Near-duplicate search settings, or `false` to skip the search. */
  nearDuplicates?: NearDuplicateOptions | false;
  /** Near-duplicate pairs kept for the report (all are counted). Default 10 000. */
  maxListedPairs?: number;
  /**
   * K of the `top:K` label setting (`dataset/labels.ts`): keep only methods whose name is among
   * the K most frequent names of the training split. 0 or absent: every method (`full`).
   */
  topLabels?: number;
}

/** `DatasetOptions` with defaults filled in (what the cache key hashes). */
export interface ResolvedDatasetOptions {
  seed: number;
  ratios: SplitRatios;
  splitBy: SplitBy;
  minReposForRepoSplit: number;
  vocab: { tokens: Required<VocabOptions>; paths: Required<VocabOptions>; labels: Required<VocabOptions> };
  nearDuplicates: NearDuplicateParams | false;
  maxListedPairs: number;
  /** Present only for `top:K`, so that `full` datasets keep the cache keys they had. */
  topLabels?: number;
}

/** Fills in defaults and checks values (`E_CONFIG`); idempotent. */
export function resolveDatasetOptions(o: DatasetOptions | ResolvedDatasetOptions = {}): ResolvedDatasetOptions {
  const seed = o.seed ?? 0;
  const ratios = o.ratios ?? DEFAULT_RATIOS;
  validateRatios(ratios);
  return {
    seed,
    ratios: { train: ratios.train, val: ratios.val, test: ratios.test },
    splitBy: o.splitBy ?? 'auto',
    minReposForRepoSplit: o.minReposForRepoSplit ?? DEFAULT_MIN_REPOS_FOR_REPO_SPLIT,
    vocab: {
      tokens: { ...DEFAULT_VOCAB.tokens, ...o.vocab?.tokens },
      paths: { ...DEFAULT_VOCAB.paths, ...o.vocab?.paths },
      labels: { ...DEFAULT_VOCAB.labels, ...o.vocab?.labels },
    },
    nearDuplicates: o.nearDuplicates === false ? false : resolveNearDuplicateOptions({ seed, ...o.nearDuplicates }),
    maxListedPairs: o.maxListedPairs ?? 10_000,
    ...(o.topLabels ? { topLabels: topLabelsOf(`top:${o.topLabels}`, 'topLabels') } : {}),
  };
}

/** Counts per split. */
export type PerSplit<T> = Record<SplitName, T>;

/** Near-duplicate pairs kept for the report, as parallel arrays of sample indices. */
export interface NearDuplicatePairs {
  a: Int32Array;
  b: Int32Array;
  jaccard: Float32Array;
}

/** Everything a user or a report needs to know about how the dataset was made. */
export interface DatasetReport {
  samples: number;
  split: { by: SplitAssignment['by']; reason: string; groups: number; seed: number; ratios: SplitRatios };
  /** Samples per split before deduplication. */
  assigned: PerSplit<number>;
  /** Samples per split after deduplication (what training and evaluation use). */
  kept: PerSplit<number>;
  duplicates: DuplicateCounts;
  nearDuplicates:
    | (NearDuplicateSearch & {
        params: NearDuplicateParams;
        /** Pairs by the splits of their two samples ("train-test", …). */
        bySplits: Record<string, number>;
        /** Pairs listed in `Dataset.nearDuplicates` (cross-split pairs first). */
        listed: number;
      })
    | { skipped: true };
  vocab: {
    tokens: { size: number; candidates: number };
    paths: { size: number; candidates: number };
    labels: { size: number; candidates: number; coverage: PerSplit<number> };
  };
  /** The `top:K` selection; absent for `full`. */
  labels?: TopLabelsReport;
  /** Conditions a user should know about (an empty split, a tiny vocabulary). */
  warnings: string[];
}

/** What the `top:K` label setting kept. */
export interface TopLabelsReport {
  setting: LabelSetting;
  /** Names kept: K, or fewer when training has fewer distinct names. */
  classes: number;
  /** Distinct non-empty names among the deduplicated training methods. */
  candidates: number;
  /** Methods per split left out because their name is not among the kept names. */
  outside: PerSplit<number>;
}

/** A built dataset over a `SampleColumns`. */
export interface Dataset {
  /** Per sample: 0 train, 1 val, 2 test. */
  split: Uint8Array;
  /** Per sample: 0 kept, 1 duplicate within its split, 2 leaked (duplicate of an earlier split), 3 outside the `top:K` names. */
  status: Uint8Array;
  /** Kept samples of each split, in canonical order (by origin and position). */
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
  /** Per sample: label class (index into `vocab.labels`, `vocab.labels.unk` when out of vocabulary). */
  labelClass: Int32Array;
  vocab: { tokens: Vocabulary; paths: Vocabulary; labels: Vocabulary };
  nearDuplicates: NearDuplicatePairs;
  report: DatasetReport;
}

/**
 * Canonical order of samples: by repository, file, archive entry, JSONL line, then position and
 * id. Deduplication keeps "the first" of identical samples in this order, so the result does not
 * depend on the order in which workers returned them.
 */
export function canonicalOrder(c: SampleColumns): Int32Array {
  const n = c.count;
  // Rank the strings the order looks at (files, repositories, entries, record paths: far fewer
  // than names and docs) once, so that comparisons are integer comparisons.
  const used = new Set<number>();
  for (const col of [c.file, c.repo, c.archiveEntry, c.recordPath]) for (const id of col) if (id >= 0) used.add(id);
  const byString = [...used].sort((a, b) => (c.strings[a]! < c.strings[b]! ? -1 : c.strings[a]! > c.strings[b]! ? 1 : 0));
  const rank = new Int32Array(c.strings.length);
  byString.forEach((id, r) => (rank[id] = r));
  const opt = (id: number): number => (id < 0 ? -1 : rank[id]!);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort(
    (a, b) =>
      opt(c.repo[a]!) - opt(c.repo[b]!) ||
      c.root[a]! - c.root[b]! ||
      rank[c.file[a]!]! - rank[c.file[b]!]! ||
      opt(c.archiveEntry[a]!) - opt(c.archiveEntry[b]!) ||
      opt(c.recordPath[a]!) - opt(c.recordPath[b]!) ||
      c.jsonlLine[a]! - c.jsonlLine[b]! ||
      c.ranges[4 * a]! - c.ranges[4 * b]! ||
      c.ranges[4 * a + 1]! - c.ranges[4 * b + 1]! ||
      (c.ids[a]! < c.ids[b]! ? -1 : c.ids[a]! > c.ids[b]! ? 1 : a - b),
  );
  return Int32Array.from(order);
}

/** What a user should know about the split: an empty one, one too small to score, leakage by method. */
function splitWarnings(a: SplitAssignment, kept: PerSplit<number>, ratios: SplitRatios, n: number): string[] {
  const out: string[] = [];
  const unit = a.by === 'repo' ? 'repositories' : a.by === 'method' ? 'methods' : 'files';
  for (const name of SPLIT_NAMES) {
    if (kept[name] === 0 && ratios[name] > 0) out.push(`the ${name} split is empty (${n} samples in ${a.groups} ${unit}); add more code or change the split`);
  }
  if (kept.test > 0 && kept.test < MIN_EVAL_METHODS) {
    out.push(`not enough test methods: ${kept.test} (scores on fewer than ${MIN_EVAL_METHODS} mean little); audit more code`);
  }
  if (a.by === 'method') out.push(a.reason);
  return out;
}

/**
 * The `top:K` label setting: the K most frequent names of the kept training methods
 * (`topLabels`), then every split filtered to methods with one of those names. Left-out methods
 * get status `outsideTopLabels`; `lists` and `kept` are updated in place.
 */
function keepTopLabels(c: SampleColumns, lists: PerSplit<Int32Array>, status: Uint8Array, kept: PerSplit<number>, k: number, warnings: string[]): TopLabelsReport {
  const top = topLabels(c.label, lists.train, c.strings, k);
  const outside: PerSplit<number> = { train: 0, val: 0, test: 0 };
  for (const name of SPLIT_NAMES) {
    const inTop = lists[name].filter((i) => top.kept[c.label[i]!] === 1);
    for (const i of lists[name]) if (top.kept[c.label[i]!] !== 1) status[i] = STATUS.outsideTopLabels;
    outside[name] = lists[name].length - inTop.length;
    lists[name] = inTop;
    kept[name] = inTop.length;
  }
  if (top.chosen < k) {
    warnings.push(`labels top:${k}: the training split has only ${top.chosen} distinct method names, so the task has ${top.chosen} classes, not ${k}; audit more code or lower K`);
  }
  return { setting: labelSettingText(k), classes: top.chosen, candidates: top.candidates, outside };
}

/**
 * Builds the dataset. Steps: canonical order → split (by file or repository) → exact
 * duplicates (removed; cross-split ones counted as leakage) → with `top:K`, the methods whose
 * name is not among training's K most frequent (removed) → near-duplicates among the kept
 * samples (counted and listed, not removed) → vocabularies over the kept training samples →
 * label coverage per split. Throws `E_CONFIG` for invalid options.
 */
export function buildDataset(c: SampleColumns, tables: StringTables, options: DatasetOptions | ResolvedDatasetOptions = {}): Dataset {
  // Resolving is idempotent, so resolved options may be passed back in.
  const o = resolveDatasetOptions(options);
  const n = c.count;
  const warnings: string[] = [];
  const order = canonicalOrder(c);

  const assignment = assignSplits(c, { seed: o.seed, ratios: o.ratios, by: o.splitBy, minReposForRepoSplit: o.minReposForRepoSplit });
  const split = assignment.split;
  const { status, counts: duplicates } = markExactDuplicates(c, split, order);

  const assigned: PerSplit<number> = { train: 0, val: 0, test: 0 };
  const kept: PerSplit<number> = { train: 0, val: 0, test: 0 };
  for (let i = 0; i < n; i++) {
    assigned[SPLIT_NAMES[split[i]!]!]++;
    if (status[i] === STATUS.kept) kept[SPLIT_NAMES[split[i]!]!]++;
  }
  const lists = { train: new Int32Array(kept.train), val: new Int32Array(kept.val), test: new Int32Array(kept.test) };
  const fill = { train: 0, val: 0, test: 0 };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (status[i] !== STATUS.kept) continue;
    const name = SPLIT_NAMES[split[i]!]!;
    lists[name][fill[name]++] = i;
  }
  const labelsReport = o.topLabels ? keepTopLabels(c, lists, status, kept, o.topLabels, warnings) : undefined;
  warnings.push(...splitWarnings(assignment, kept, o.ratios, n));

  // Near-duplicates among kept samples, in canonical order so that pair (a, b) has a first.
  let nearReport: DatasetReport['nearDuplicates'] = { skipped: true };
  let pairs: NearDuplicatePairs = { a: new Int32Array(0), b: new Int32Array(0), jaccard: new Float32Array(0) };
  if (o.nearDuplicates !== false) {
    const members = new Int32Array(kept.train + kept.val + kept.test);
    let m = 0;
    for (let k = 0; k < n; k++) if (status[order[k]!] === STATUS.kept) members[m++] = order[k]!;
    const bySplits: Record<string, number> = {};
    // Cross-split pairs matter most (they are leakage the exact check cannot see), so they are
    // kept for the listing first; same-split pairs fill what room is left.
    const cross: [number, number, number][] = [];
    const same: [number, number, number][] = [];
    const cap = o.maxListedPairs;
    const search = findNearDuplicates(c, members, tokenHashes(tables.tokens.strings), o.nearDuplicates, (a, b, j) => {
      const sa = split[a]!;
      const sb = split[b]!;
      const key = `${SPLIT_NAMES[Math.min(sa, sb)]}-${SPLIT_NAMES[Math.max(sa, sb)]}`;
      bySplits[key] = (bySplits[key] ?? 0) + 1;
      const list = sa === sb ? same : cross;
      if (list.length < cap) list.push([a, b, j]);
    });
    const position = new Int32Array(n);
    for (let k = 0; k < n; k++) position[order[k]!] = k;
    const byPosition = (x: [number, number, number], y: [number, number, number]) => position[x[0]]! - position[y[0]]! || position[x[1]]! - position[y[1]]!;
    cross.sort(byPosition);
    same.sort(byPosition);
    const listed = cross.concat(same).slice(0, cap);
    pairs = {
      a: Int32Array.from(listed, (p) => p[0]),
      b: Int32Array.from(listed, (p) => p[1]),
      jaccard: Float32Array.from(listed, (p) => p[2]),
    };
    nearReport = { ...search, params: o.nearDuplicates, bySplits, listed: listed.length };
    if (search.truncated) {
      warnings.push(`near-duplicate search stopped after ${search.candidates} candidate pairs (maxCandidates); its counts are lower bounds`);
    }
  }

  // Vocabularies over the kept training samples. Token counts include body tokens and the
  // terminals of path-contexts, so that one vocabulary serves both kinds of model.
  const tokenCounts = new Int32Array(tables.tokens.size);
  const pathCounts = new Int32Array(tables.paths.size);
  const labelCounts = new Int32Array(c.strings.length);
  for (const i of lists.train) {
    const b0 = c.bodyOffsets[i]!;
    const b1 = c.bodyOffsets[i + 1]!;
    for (let k = b0; k < b1; k++) tokenCounts[c.bodyTokens[k]!]!++;
    const x0 = c.contextOffsets[i]!;
    const x1 = c.contextOffsets[i + 1]!;
    for (let k = x0; k + 2 < x1; k += 3) {
      tokenCounts[c.contexts[k]!]!++;
      pathCounts[c.contexts[k + 1]!]!++;
      tokenCounts[c.contexts[k + 2]!]!++;
    }
    labelCounts[c.label[i]!]!++;
  }
  const tokens = buildVocabulary(tokenCounts, tables.tokens.strings, o.vocab.tokens, [PAD, UNK], 'tokens');
  const paths = buildVocabulary(pathCounts, tables.paths.strings, o.vocab.paths, [PAD, UNK], 'paths');
  const labels = buildVocabulary(labelCounts, c.strings, o.vocab.labels, [UNK], 'labels');

  const labelClass = new Int32Array(n);
  for (let i = 0; i < n; i++) labelClass[i] = labels.fromTable[c.label[i]!]!;
  const coverage: PerSplit<number> = { train: 0, val: 0, test: 0 };
  for (const name of SPLIT_NAMES) {
    const list = lists[name];
    let inVocab = 0;
    for (const i of list) if (labelClass[i] !== labels.unk) inVocab++;
    coverage[name] = list.length === 0 ? 0 : inVocab / list.length;
  }
  if (kept.test > 0 && coverage.test < 0.2) {
    warnings.push(`only ${(coverage.test * 100).toFixed(1)}% of test samples have a method name seen in training; method-name accuracy will be low for any model`);
  }

  const count = (xs: Int32Array, min: number) => xs.reduce((acc, v) => (v >= min ? acc + 1 : acc), 0);
  const report: DatasetReport = {
    samples: n,
    split: { by: assignment.by, reason: assignment.reason, groups: assignment.groups, seed: o.seed, ratios: o.ratios },
    assigned,
    kept,
    duplicates,
    nearDuplicates: nearReport,
    vocab: {
      tokens: { size: tokens.strings.length, candidates: count(tokenCounts, 1) },
      paths: { size: paths.strings.length, candidates: count(pathCounts, 1) },
      labels: { size: labels.strings.length, candidates: count(labelCounts, 1), coverage },
    },
    ...(labelsReport ? { labels: labelsReport } : {}),
    warnings,
  };
  return { split, status, train: lists.train, val: lists.val, test: lists.test, labelClass, vocab: { tokens, paths, labels }, nearDuplicates: pairs, report };
}

/** A listed near-duplicate pair in readable form. */
export interface NearDuplicatePairView {
  a: string;
  b: string;
  jaccard: number;
  splits: [SplitName, SplitName];
}

/** The listed near-duplicate pairs with sample ids (for reports). */
export function nearDuplicatePairs(d: Dataset, c: SampleColumns): NearDuplicatePairView[] {
  const out: NearDuplicatePairView[] = [];
  for (let k = 0; k < d.nearDuplicates.a.length; k++) {
    const a = d.nearDuplicates.a[k]!;
    const b = d.nearDuplicates.b[k]!;
    out.push({ a: c.ids[a]!, b: c.ids[b]!, jaccard: d.nearDuplicates.jaccard[k]!, splits: [SPLIT_NAMES[d.split[a]!]!, SPLIT_NAMES[d.split[b]!]!] });
  }
  return out;
}
