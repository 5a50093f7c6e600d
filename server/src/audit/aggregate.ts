/**
 * The audit's aggregation: from the finished runs to the report's headline scores, the
 * self-calibration of the signals (which one finds the injected noise best) and the findings; and
 * the per-sample signal table every run leaves beside its dynamics.
 */
import type { SampleColumns } from '../dataset/columns';
import { MIN_EVAL_METHODS } from '../dataset/split';
import {
  BOOTSTRAP_RESAMPLES,
  bestSignal,
  INTERVAL_LEVEL,
  memorizationScore,
  generalizationScore,
  noiseSensitivity,
  percentileInterval,
  rankBySuspicion,
  SIGNAL_ORIENTATION,
  type SignalName,
} from '../metrics';
import { findingValueKey, windowLabel } from '../report/shared/format';
import { signalsToCsv } from '../report/csv';
import type { DetectionSummary, DetectionWindowRef, Finding, HeadlineScores, Interval, RunReport, ScoreKey, ScoreStatus, SignalQuality, UncertaintySettings } from '../protocol/report';
import { detectionChoice } from './detection-choice';
import { isLabelKind } from './plan';

/**
 * Per-sample signals of a run's training samples, one row per sample (the audit's raw data,
 * docs/metrics.md § "Per-sample signals").
 */
export function signalsCsv(columns: SampleColumns, trainIdx: Int32Array, corrupted: Uint8Array, signals: Record<string, ArrayLike<number>>): string {
  const names = Object.keys(signals);
  const rows: (string | number)[][] = [];
  for (let p = 0; p < trainIdx.length; p++) {
    const i = trainIdx[p]!;
    const r = columns.ranges;
    rows.push([
      columns.ids[i]!,
      columns.strings[columns.file[i]!]!,
      r[4 * i]! + 1,
      columns.strings[columns.name[i]!]!,
      corrupted[p]!,
      ...names.map((n) => Number(signals[n]![p])),
    ]);
  }
  return signalsToCsv(['sample_id', 'file', 'line', 'name', 'corrupted', ...names], rows);
}

function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/**
 * The headline scores over the runs of the audit (docs/metrics.md § "Headline scores and gates").
 */
export function headlineScores(runs: readonly RunReport[]): HeadlineScores {
  const clean = runs.filter((r) => r.kind === 'none');
  const label = runs.filter((r) => isLabelKind(r.kind) || r.kind === 'none');
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  const withTest = label.filter((r) => r.final.testF1 !== null);
  const fit = runs.filter((r) => isLabelKind(r.kind) && r.level > 0 && r.final.noiseFitRate !== null);
  return {
    G: finite(clean.length ? generalizationScore(clean.filter((r) => r.final.testF1 !== null).map((r) => ({ level: 0, value: r.final.testF1! }))) : null),
    M: finite(fit.length ? memorizationScore(fit.map((r) => ({ level: r.level / 100, value: r.final.noiseFitRate! }))) : null),
    gap: mean(clean.map((r) => r.final.gap)),
    sensitivity: finite(withTest.length >= 2 ? noiseSensitivity(withTest.map((r) => ({ level: r.level / 100, value: r.final.testF1! }))) : null),
    mia_auc: mean(clean.map((r) => r.membership?.auroc ?? null)),
    mia_advantage: mean(clean.map((r) => r.membership?.advantage ?? null)),
    train_f1: mean(clean.map((r) => r.final.trainF1)),
    test_f1: mean(clean.map((r) => r.final.testF1)),
    detection_auroc: null,
  };
}

/**
 * The runs that calibrate the memorization signals (docs/metrics.md § "Self-calibration (detection
 * AUROC / AP)"): the label-noise runs below 100% when there are any, since a sample whose label was
 * replaced can only be fitted by memorizing it; else every label-noise run; else every noisy run.
 * Input noise leaves the label predictable (a leaked name even makes it easier), so its corrupted
 * samples are not memorized ones and would pull the choice toward whatever separates that edit; and
 * at 100% the few samples whose shuffled label happened to stay right are all the "clean" side
 * there is.
 */
export function calibrationRuns(runs: readonly RunReport[]): RunReport[] {
  const noisy = runs.filter((r) => r.detection.length > 0);
  const label = noisy.filter((r) => isLabelKind(r.kind));
  const partial = label.filter((r) => r.level < 100);
  return partial.length > 0 ? partial : label.length > 0 ? label : noisy;
}

/**
 * Mean detection quality per signal (all epochs, usual orientation) over the calibration runs,
 * and the detection choice: cross-fitted over signal × orientation × window when the calibration
 * runs carry candidate tables (docs/metrics.md § "Detection choice"; its intervals are filled by
 * detection-intervals.ts), else the signal with the best mean AUROC (runs of an older memaudit).
 */
export function detectionSummary(runs: readonly RunReport[]): DetectionSummary {
  const used = calibrationRuns(runs);
  const acc = new Map<string, { auroc: number; ap: number; n: number }>();
  for (const r of used) {
    for (const q of r.detection) {
      const a = acc.get(q.signal) ?? { auroc: 0, ap: 0, n: 0 };
      a.auroc += q.auroc;
      a.ap += q.averagePrecision;
      a.n++;
      acc.set(q.signal, a);
    }
  }
  const signals: SignalQuality[] = [...acc.entries()].map(([signal, a]) => ({ signal, auroc: a.auroc / a.n, averagePrecision: a.ap / a.n }));
  const best = bestSignal(signals.map((s) => ({ ...s, orientation: 1 as const, positives: 0, negatives: 0, undefinedSamples: 0 })));
  signals.sort((a, b) => b.auroc - a.auroc);
  const chosen = detectionChoice(used, runs.find((r) => r.kind === 'none'));
  return { best: chosen?.choice.signal ?? best?.signal ?? null, ...(chosen ? { choice: chosen.choice } : {}), signals, calibrationRuns: used.map((r) => r.id) };
}

/**
 * The headline `detection_auroc` of a summary: the held-out AUROC of the choice; for runs of an
 * older memaudit (no choice), the best signal's mean AUROC over the calibration runs (in-sample).
 */
export function detectionAuroc(d: DetectionSummary): number | null {
  if (d.choice) return d.choice.heldOutAuroc;
  return d.best ? (d.signals.find((q) => q.signal === d.best)?.auroc ?? null) : null;
}

/** The replicate name behind `detection_auroc`'s interval (see `headlineIntervals`). */
export function detectionReplicateName(d: DetectionSummary): string | null {
  return d.choice ? HELD_OUT_REPLICATES : d.best ? `auroc:${d.best}` : null;
}

/** Name of a calibration run's held-out AUROC replicates (mean over folds; detection-intervals.ts). */
export const HELD_OUT_REPLICATES = 'detection:heldOut';

/** How the findings are ranked: a signal's values over a window, its orientation, and why it. */
export interface FindingRanking {
  signal: string;
  orientation: 1 | -1;
  /** Values per training position of the clean run (over `window` when given). */
  values: ArrayLike<number>;
  /** The window of the clean run's dynamics the values are computed over (absent: all epochs). */
  window?: DetectionWindowRef;
  /** The end of each finding's message: why this score ranks them. */
  why: string;
}

/**
 * The ranking of runs without a detection choice: the best signal over all epochs in its usual
 * orientation; without a noisy run to calibrate on, AUM (Pleiss et al.: low margin = mislabeled /
 * memorized). Null without signals.
 */
export function defaultRanking(signals: Record<string, ArrayLike<number>> | undefined, best: string | null): FindingRanking | null {
  const signal = (best ?? 'aum') as SignalName;
  const values = signals?.[signal];
  if (!values) return null;
  const why = best ? 'the signal that best found the injected noise in this audit' : 'no noisy run calibrated the signals, so AUM (Pleiss et al.) ranks them';
  return { signal, orientation: SIGNAL_ORIENTATION[signal] ?? 1, values, why };
}

/** The clean run's training samples ranked by `ranking`: the "likely memorized" findings (docs/metrics.md § "Detection choice"). */
export function findingsOf(
  columns: SampleColumns,
  inputs: readonly string[],
  trainIdx: Int32Array,
  signals: Record<string, ArrayLike<number>> | undefined,
  ranking: FindingRanking | null,
  limit: number,
): Finding[] {
  if (!signals || !ranking) return [];
  const { signal, values } = ranking;
  const order = rankBySuspicion(Float64Array.from(values), ranking.orientation, limit);
  return Array.from(order, (pos, r) => {
    const f = findingAt({ columns, inputs, trainIdx, signals, ranking }, pos, r + 1);
    f.message = `${f.name} looks memorized rather than learned: rank ${r + 1} by ${rankingLabel(ranking)} (${signal} = ${Number(values[pos]).toFixed(3)}); ${ranking.why}.`;
    return f;
  });
}

/** What every finding of an audit is built from. */
export interface FindingContext {
  columns: SampleColumns;
  inputs: readonly string[];
  trainIdx: Int32Array;
  /** The clean run's per-sample signals (the finding's details). */
  signals: Record<string, ArrayLike<number>>;
  ranking: FindingRanking;
}

/** The ranking's score in words: the signal, and its window when it is not all epochs. */
export function rankingLabel(ranking: FindingRanking): string {
  return ranking.window ? `${ranking.signal} over ${windowLabel(ranking.window)}` : ranking.signal;
}

/** The finding of training position `pos`, `rank` its 1-based rank by the ranking's score; the message is left for the caller. */
export function findingAt(c: FindingContext, pos: number, rank: number): Finding {
  const { signal, orientation, values, window } = c.ranking;
  const s = c.columns.sample(c.trainIdx[pos]!);
  // The value the ranking used first (the HTML table shows the first 8 keys), when it is over a
  // shorter window than the all-epoch signals that follow.
  const details: Record<string, number> = window && window.kind !== 'all' ? { [findingValueKey({ signal, window })]: Number(values[pos]) } : {};
  // A signal undefined for this run (AUM of a one-epoch run is NaN) is left out: JSON has no NaN.
  for (const [name, arr] of Object.entries(c.signals)) if (Number.isFinite(Number(arr[pos]))) details[name] = Number(arr[pos]);
  return {
    sampleId: s.id,
    file: s.origin.file,
    root: c.inputs[s.origin.root] ?? '.',
    ...(s.origin.jsonlLine !== undefined ? { jsonlLine: s.origin.jsonlLine } : {}),
    ...(s.origin.archiveEntry !== undefined ? { archiveEntry: s.origin.archiveEntry } : {}),
    range: s.range,
    language: s.language,
    name: s.name,
    split: 'train',
    signal,
    ...(window ? { window } : {}),
    score: orientation * Number(values[pos]),
    rank,
    details,
    message: '',
  };
}

/** The headline score keys, in report order. */
export const SCORE_KEYS: readonly ScoreKey[] = ['G', 'M', 'gap', 'sensitivity', 'mia_auc', 'mia_advantage', 'train_f1', 'test_f1', 'detection_auroc'];

/** An interval wider than this marks its score insufficient (docs/metrics.md § "Uncertainty (bootstrap intervals)"). */
export const MAX_INTERVAL_WIDTH = 0.3;

/** The headline scores measured on the test split. */
const TEST_SCORES: ReadonlySet<ScoreKey> = new Set<ScoreKey>(['G', 'gap', 'sensitivity', 'mia_auc', 'mia_advantage', 'test_f1']);

/** The settings the report records beside its intervals. */
export function uncertaintySettings(): UncertaintySettings {
  return { method: 'percentile-bootstrap', resamples: BOOTSTRAP_RESAMPLES, level: INTERVAL_LEVEL, maxWidth: MAX_INTERVAL_WIDTH, minTestMethods: MIN_EVAL_METHODS };
}

/** Runs by configuration (kind, level), in run order; a group holds one run per seed. */
function configGroups(runs: readonly RunReport[]): RunReport[][] {
  const groups = new Map<string, RunReport[]>();
  for (const r of runs) {
    const key = `${r.kind}@${r.level}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

/** Run `r` with its scores replaced by replicate k (NaN where the run has no such replicate). */
function replicateRun(r: RunReport, rep: Record<string, ArrayLike<number>>, k: number): RunReport {
  const v = (name: string): number => (rep[name] ? rep[name][k]! : NaN);
  const orNull = (point: number | null, name: string): number | null => (point === null ? null : v(name));
  const f = r.final;
  return {
    ...r,
    final: { trainF1: v('trainF1'), testF1: orNull(f.testF1, 'testF1'), gap: orNull(f.gap, 'gap'), noiseFitRate: orNull(f.noiseFitRate, 'noiseFitRate') },
    membership: r.membership ? { auroc: v('membershipAuroc'), advantage: v('membershipAdvantage') } : null,
  };
}

/** Replicate k of every headline score: the headline formulas over one run per configuration, the seed k mod S. */
function headlineReplicate(groups: readonly RunReport[][], replicates: ReadonlyMap<string, Record<string, ArrayLike<number>>>, detection: string | null, k: number): HeadlineScores {
  const picked = groups.map((g) => {
    const r = g[k % g.length]!;
    return replicateRun(r, replicates.get(r.id)!, k);
  });
  const s = headlineScores(picked);
  // As `detectionSummary`: the mean over the calibration runs that have the replicates.
  const calib = calibrationRuns(picked).flatMap((r) => {
    const rep = detection === null ? undefined : replicates.get(r.id)![detection];
    return rep ? [rep[k]!] : [];
  });
  s.detection_auroc = calib.length > 0 ? calib.reduce((a, b) => a + b, 0) / calib.length : null;
  return s;
}

/**
 * 95 % intervals of the headline scores from the runs' bootstrap replicates (docs/metrics.md §
 * "Uncertainty (bootstrap intervals)"): replicate k applies the headline formulas to replicate k
 * of one run per configuration, the seed with index k mod S, so several seeds are pooled. Null for
 * a score that is null, and for every score when a run has no replicates (or, for `mia_advantage`,
 * a run written before its replicates existed: the percentile interval of NaNs is null).
 * `detection` names the calibration runs' replicates behind `detection_auroc`
 * (`detectionReplicateName`: the held-out AUROC of the detection choice).
 */
export function headlineIntervals(
  runs: readonly RunReport[],
  scores: HeadlineScores,
  replicates: ReadonlyMap<string, Record<string, ArrayLike<number>>>,
  detection: string | null,
): Record<ScoreKey, Interval | null> {
  const out = Object.fromEntries(SCORE_KEYS.map((key) => [key, null])) as Record<ScoreKey, Interval | null>;
  if (runs.length === 0 || runs.some((r) => !replicates.has(r.id))) return out;
  const lengths = runs.flatMap((r) => Object.values(replicates.get(r.id)!).map((a) => a.length));
  const b = lengths.length > 0 ? Math.min(...lengths) : 0;
  const groups = configGroups(runs);
  const cols = Object.fromEntries(SCORE_KEYS.map((key) => [key, new Float64Array(b)])) as Record<ScoreKey, Float64Array>;
  for (let k = 0; k < b; k++) {
    const s = headlineReplicate(groups, replicates, detection, k);
    for (const key of SCORE_KEYS) cols[key][k] = s[key] ?? NaN;
  }
  for (const key of SCORE_KEYS) if (scores[key] !== null) out[key] = percentileInterval(cols[key]);
  return out;
}

/**
 * Whether each headline score rests on enough data (docs/metrics.md § "Uncertainty (bootstrap
 * intervals)"): not when it is null, when it is measured on a test split of fewer than
 * `MIN_EVAL_METHODS` methods, or when its interval is wider than `MAX_INTERVAL_WIDTH`.
 */
export function scoreStatus(scores: HeadlineScores, intervals: Partial<Record<ScoreKey, Interval | null>>, testMethods: number): Record<ScoreKey, ScoreStatus> {
  const status = (key: ScoreKey): ScoreStatus => {
    if (scores[key] === null) return { ok: false, reason: 'could not be computed by this audit' };
    if (TEST_SCORES.has(key) && testMethods < MIN_EVAL_METHODS) return { ok: false, reason: `not enough test methods: ${testMethods} (at least ${MIN_EVAL_METHODS} needed)` };
    const ci = intervals[key];
    if (ci && ci.high - ci.low > MAX_INTERVAL_WIDTH) {
      return { ok: false, reason: `interval too wide: [${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}] spans more than ${MAX_INTERVAL_WIDTH}` };
    }
    return { ok: true };
  };
  return Object.fromEntries(SCORE_KEYS.map((key) => [key, status(key)])) as Record<ScoreKey, ScoreStatus>;
}
