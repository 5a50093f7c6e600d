/**
 * Task quality of method-name prediction (docs/metrics.md § "Subtoken F1"): exact-match accuracy
 * and subtoken precision / recall / F1 in the code2vec convention.
 *
 * A name is a sequence of subtokens; a label string is its subtokens joined with '|'
 * ('get|user|name', `dataset/columns.ts` `labelOf`). Normalization lower-cases every subtoken and
 * drops empty ones (so matching is case-insensitive).
 *
 * For one sample with predicted multiset P and true multiset T (normalized subtokens):
 *
 *     TP = |P ∩ T| = Σ_s min(count_P(s), count_T(s)),   FP = |P| − TP,   FN = |T| − TP.
 *
 * (A true multiset intersection: a subtoken predicted twice but present once counts once as TP and
 * once as FP. code2vec's own script tests list membership and would count it twice as TP.)
 * An unknown-name prediction (`null`, or the label vocabulary's `<UNK>` class) predicts nothing:
 * TP = FP = 0, FN = |T|. Micro-averaging sums TP, FP, FN over all samples, then
 *
 *     P = ΣTP / (ΣTP + ΣFP),   R = ΣTP / (ΣTP + ΣFN),   F1 = 2PR / (P + R),
 *
 * with P = 0 when nothing was predicted, R = 0 when there was nothing to find, F1 = 0 when
 * P + R = 0 (code2vec's convention). Exact match = the normalized predicted sequence equals the
 * normalized true sequence (order matters: 'name|get' ≠ 'get|name'); an unknown prediction never
 * matches. Over zero samples every score is NaN (nothing was evaluated).
 */
import { configError, maskOfLength, sameLength, type Mask } from './check';
import { checkSource, type DynamicsSource } from './dynamics-source';

/** Per-sample subtoken counts. */
export interface SubtokenCounts {
  tp: number;
  fp: number;
  fn: number;
}

/** Per-sample counts of a set of scored samples (parallel arrays; `exact` is 0/1). */
export interface SampleCounts {
  tp: Int32Array;
  fp: Int32Array;
  fn: Int32Array;
  exact: Uint8Array;
}

/** Micro-averaged task scores over a set of samples. */
export interface TaskScores {
  /** Samples scored. */
  samples: number;
  /** Samples whose prediction matched exactly. */
  exact: number;
  /** exact / samples (NaN for no samples). */
  exactMatch: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  /** Samples left out because their true label was `<UNK>` (only with `unkTruth: 'skip'`). */
  skipped: number;
}

/** Lower-cases subtokens and drops empty ones. */
export function normalizeSubtokens(subtokens: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of subtokens) if (s.length > 0) out.push(s.toLowerCase());
  return out;
}

/** Normalized subtokens of a label string ('get|User|name' → ['get', 'user', 'name']; '' → []). */
export function labelSubtokens(label: string): string[] {
  return normalizeSubtokens(label.split('|'));
}

/** Multiset overlap of two normalized subtoken lists (O(|P|·|T|); names have a handful of subtokens). */
function overlap(p: readonly string[], t: readonly string[]): number {
  if (p.length === 0 || t.length === 0) return 0;
  const used = new Uint8Array(t.length);
  let tp = 0;
  for (const s of p) {
    for (let j = 0; j < t.length; j++) {
      if (used[j] === 0 && t[j] === s) {
        used[j] = 1;
        tp++;
        break;
      }
    }
  }
  return tp;
}

function sameSequence(p: readonly string[], t: readonly string[]): boolean {
  if (p.length !== t.length) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== t[i]) return false;
  return true;
}

/**
 * TP, FP, FN of one prediction (docs/metrics.md § "Subtoken F1"). `predicted` null = unknown name
 * (predicts nothing). Inputs are normalized here (case-insensitive).
 */
export function subtokenCounts(predicted: readonly string[] | null, truth: readonly string[]): SubtokenCounts {
  const t = normalizeSubtokens(truth);
  if (predicted === null) return { tp: 0, fp: 0, fn: t.length };
  const p = normalizeSubtokens(predicted);
  const tp = overlap(p, t);
  return { tp, fp: p.length - tp, fn: t.length - tp };
}

/** Whether the normalized predicted sequence equals the normalized true one; `null` never matches. */
export function isExactMatch(predicted: readonly string[] | null, truth: readonly string[]): boolean {
  return predicted !== null && sameSequence(normalizeSubtokens(predicted), normalizeSubtokens(truth));
}

/** Accumulates counts of samples and turns them into scores. */
class Tally {
  samples = 0;
  exact = 0;
  tp = 0;
  fp = 0;
  fn = 0;
  skipped = 0;

  add(p: readonly string[] | null, t: readonly string[]): void {
    this.samples++;
    if (p === null) {
      this.fn += t.length;
      return;
    }
    const tp = overlap(p, t);
    this.tp += tp;
    this.fp += p.length - tp;
    this.fn += t.length - tp;
    if (sameSequence(p, t)) this.exact++;
  }

  scores(): TaskScores {
    return taskScoresFromCounts(this);
  }
}

/**
 * Scores from summed counts: P, R, F1 as in the module comment (0 when a denominator is 0),
 * exact-match = exact / samples (NaN when samples = 0, and then P, R, F1 are NaN too).
 */
export function taskScoresFromCounts(c: { samples: number; exact: number; tp: number; fp: number; fn: number; skipped?: number }): TaskScores {
  const none = c.samples === 0;
  const precision = none ? NaN : c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = none ? NaN : c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = none ? NaN : precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    samples: c.samples,
    exact: c.exact,
    exactMatch: none ? NaN : c.exact / c.samples,
    tp: c.tp,
    fp: c.fp,
    fn: c.fn,
    precision,
    recall,
    f1,
    skipped: c.skipped ?? 0,
  };
}

/**
 * Exact match and micro-averaged subtoken P/R/F1 of parallel lists of predicted and true names
 * (each a subtoken array; a prediction `null` = unknown name). Throws `E_CONFIG` when the lists
 * differ in length.
 */
export function taskScores(predicted: readonly (readonly string[] | null)[], truth: readonly (readonly string[])[]): TaskScores {
  sameLength('taskScores', 'predicted', predicted, 'truth', truth);
  const t = new Tally();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    t.add(p === null ? null : normalizeSubtokens(p), normalizeSubtokens(truth[i]!));
  }
  return t.scores();
}

/** The label classes of a model: class id → label string; `unk` is the unknown-name class. */
export interface LabelVocabulary {
  readonly strings: readonly string[];
  readonly unk: number;
}

/** Options of the class-id helpers. */
export interface ClassScoreOptions {
  /** Only samples with a non-zero mask entry are scored (e.g. the clean or the corrupted subset). */
  mask?: Mask;
  /**
   * A true label given as the `<UNK>` class has unknown subtokens and cannot be scored:
   * 'error' (default) throws `E_CONFIG` (pass the true names as strings instead); 'skip' leaves
   * the sample out and counts it in `skipped` (this raises the scores compared with scoring the
   * real names, which an unknown-name model mostly misses).
   */
  unkTruth?: 'error' | 'skip';
}

/** Normalized subtokens of every class (`null` for `<UNK>`). */
function classSubtokens(vocab: LabelVocabulary): (string[] | null)[] {
  if (!Number.isInteger(vocab.unk) || vocab.unk < 0 || vocab.unk >= vocab.strings.length) {
    throw configError('labelVocabulary', 'unk', `is ${String(vocab.unk)}, not a class of the ${vocab.strings.length}-entry vocabulary`);
  }
  return vocab.strings.map((s, i) => (i === vocab.unk ? null : labelSubtokens(s)));
}

/** Scorer over class ids, reusable across rows (one table of subtokens per vocabulary). */
class ClassScorer {
  private readonly table: (string[] | null)[];
  private readonly truthStrings: Map<string, string[]> = new Map();

  constructor(
    private readonly fn: string,
    vocab: LabelVocabulary,
    private readonly truth: ArrayLike<number> | readonly string[],
    private readonly options: ClassScoreOptions,
  ) {
    this.table = classSubtokens(vocab);
  }

  private classOf(what: string, id: number, i: number): string[] | null {
    if (!Number.isInteger(id) || id < 0 || id >= this.table.length) {
      throw configError(this.fn, what, `has class ${String(id)} at index ${i}, outside the ${this.table.length}-class label vocabulary`, { index: i });
    }
    return this.table[id]!;
  }

  /** Subtokens of the true label of sample i, or undefined to skip it. */
  private truthOf(i: number): string[] | undefined {
    const v = this.truth[i]!;
    if (typeof v === 'string') {
      let s = this.truthStrings.get(v);
      if (!s) {
        s = labelSubtokens(v);
        this.truthStrings.set(v, s);
      }
      return s;
    }
    const t = this.classOf('truth', v, i);
    if (t !== null) return t;
    if (this.options.unkTruth === 'skip') return undefined;
    throw configError(this.fn, 'truth', `is the <UNK> class at index ${i}: its subtokens are unknown; pass the true names as strings, or unkTruth: 'skip'`, { index: i });
  }

  /** Calls `visit` with the predicted and true subtokens of every scored sample, in position order; returns the skipped count. */
  private each(predicted: ArrayLike<number>, visit: (p: string[] | null, t: string[]) => void): number {
    const n = this.truth.length;
    sameLength(this.fn, 'predicted', predicted, 'truth', this.truth);
    const mask = this.options.mask;
    if (mask) maskOfLength(this.fn, 'mask', mask, n);
    let skipped = 0;
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      const t = this.truthOf(i);
      if (t === undefined) skipped++;
      else visit(this.classOf('predicted', predicted[i]!, i), t);
    }
    return skipped;
  }

  score(predicted: ArrayLike<number>): TaskScores {
    const tally = new Tally();
    tally.skipped = this.each(predicted, (p, t) => tally.add(p, t));
    return tally.scores();
  }

  counts(predicted: ArrayLike<number>): SampleCounts {
    const tp: number[] = [];
    const fp: number[] = [];
    const fn: number[] = [];
    const exact: number[] = [];
    this.each(predicted, (p, t) => {
      const c = p === null ? 0 : overlap(p, t);
      tp.push(c);
      fp.push(p === null ? 0 : p.length - c);
      fn.push(t.length - c);
      exact.push(p !== null && sameSequence(p, t) ? 1 : 0);
    });
    return { tp: Int32Array.from(tp), fp: Int32Array.from(fp), fn: Int32Array.from(fn), exact: Uint8Array.from(exact) };
  }
}

/**
 * Task scores from predicted class ids (e.g. a dynamics row's `top1`) against true labels given as
 * class ids of the same vocabulary or as label strings ('get|user|name'). A predicted `<UNK>`
 * class predicts nothing. Throws `E_CONFIG` for a class id outside the vocabulary, a length
 * mismatch, or (by default) a true `<UNK>` class (see {@link ClassScoreOptions.unkTruth}).
 */
export function taskScoresFromClasses(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number> | readonly string[],
  vocab: LabelVocabulary,
  options: ClassScoreOptions = {},
): TaskScores {
  return new ClassScorer('taskScoresFromClasses', vocab, truth, options).score(predicted);
}

/**
 * Per-sample TP, FP, FN and exact match of the samples `taskScoresFromClasses` would score (same
 * arguments, same checks), in position order with masked-out and skipped samples left out: the
 * input of the bootstrap intervals (docs/metrics.md § "Uncertainty (bootstrap intervals)").
 * Summing them and applying `taskScoresFromCounts` gives `taskScoresFromClasses`.
 */
export function taskCountsFromClasses(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number> | readonly string[],
  vocab: LabelVocabulary,
  options: ClassScoreOptions = {},
): SampleCounts {
  return new ClassScorer('taskCountsFromClasses', vocab, truth, options).counts(predicted);
}

/**
 * Task scores of every recorded epoch of a split's dynamics: row r's `top1` against `truth`
 * (default: the dynamics' own labels, i.e. for train the labels as trained, possibly noisy).
 * Use `mask` for the train-clean / train-corrupted subsets (docs/metrics.md § "Subtoken F1").
 */
export function taskScoresPerEpoch(
  d: DynamicsSource,
  vocab: LabelVocabulary,
  options: ClassScoreOptions & { truth?: ArrayLike<number> | readonly string[] } = {},
): TaskScores[] {
  checkSource('taskScoresPerEpoch', d, 0);
  const scorer = new ClassScorer('taskScoresPerEpoch', vocab, options.truth ?? d.labels, options);
  const out: TaskScores[] = [];
  for (let r = 0; r < d.rows; r++) out.push(scorer.score(d.row(r).top1.subarray(0, d.n)));
  return out;
}
