/**
 * The detection choice of docs/metrics.md § "Detection choice (signal × orientation × window,
 * cross-fitted)": per noisy run, while its dynamics are in memory, the AUROC of every signal over
 * every window on each fold and on all samples (`detectionCandidates`, kept in the run's report);
 * over the calibration runs, the cross-fitted choice (`detectionChoice`).
 */
import {
  candidateAurocs,
  crossFit,
  DETECTION_FOLDS,
  detectionWindows,
  foldCounts,
  SIGNAL_NAMES,
  SIGNAL_ORIENTATION,
  windowSignals,
  withOrientations,
  type CrossFit,
  type DynamicsSource,
  type SignalName,
} from '../metrics';
import type { DetectionCandidates, DetectionChoice, DetectionWindowRef, EpochReport, RunReport } from '../protocol/report';

/**
 * Version of the runs' detection candidate table, part of the audit key: runs finished by a
 * memaudit without it (or with another) are not reused, so every calibration run has one.
 */
export const DETECTION_VERSION = 1;

/**
 * Recorded epochs up to and including the best validation epoch (highest validation F1, the
 * first on ties), or null when no epoch was validated. `epochs` has one entry per recorded
 * training epoch, in order, as a run's report holds them.
 */
export function bestValRows(epochs: readonly Pick<EpochReport, 'val'>[]): number | null {
  let best = -1;
  epochs.forEach((e, r) => {
    if (e.val && Number.isFinite(e.val.f1) && (best < 0 || e.val.f1 > epochs[best]!.val!.f1)) best = r;
  });
  return best < 0 ? null : best + 1;
}

function round6(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : null;
}

/**
 * The run's candidate table: for every window of its dynamics (`detectionWindows`) and every signal
 * that window supports, the AUROC of the signal (orientation +1) on each fold and on all samples.
 * `folds` gives the fold of each training position (`assignFolds` of the sample ids).
 */
export function detectionCandidates(train: DynamicsSource, corrupted: Uint8Array, folds: Uint8Array, bestVal: number | null): DetectionCandidates {
  const windows = train.rows > 0 ? detectionWindows(train.rows, bestVal) : [];
  const auroc: Record<string, (number | null)[]> = {};
  for (const w of windows) {
    const signals = windowSignals(train, w) as Record<string, ArrayLike<number>>;
    const scores = Object.entries(signals).map(([name, v]) => [`${name}@${w.id}`, v] as const);
    for (const [key, row] of candidateAurocs(scores, corrupted, folds)) auroc[key] = row.map(round6);
  }
  const c = foldCounts(folds, corrupted);
  return { folds: DETECTION_FOLDS, foldSizes: { corrupted: c.positives, clean: c.negatives }, windows, auroc };
}

/** A candidate key `<signal>@<window id>:<+|->` taken apart. */
export interface CandidateRef {
  signal: SignalName;
  orientation: 1 | -1;
  window: string;
}

/** Parses a candidate key of {@link runTable}. */
export function parseCandidate(key: string): CandidateRef {
  const at = key.indexOf('@');
  const colon = key.lastIndexOf(':');
  return { signal: key.slice(0, at) as SignalName, window: key.slice(at + 1, colon), orientation: key.endsWith(':-') ? -1 : 1 };
}

/**
 * A run's table for `crossFit`: both orientations of every candidate, the signal's usual
 * orientation (SIGNAL_ORIENTATION) first so that it wins ties; null marks undefined (NaN).
 * Candidates come in signal order, then window order, whatever the order of the stored keys.
 */
export function runTable(c: DetectionCandidates): Map<string, number[]> {
  const base = new Map<string, number[]>();
  for (const name of SIGNAL_NAMES) {
    for (const w of c.windows) {
      const row = c.auroc[`${name}@${w.id}`];
      if (row) base.set(`${name}@${w.id}`, row.map((x) => (x === null ? NaN : x)));
    }
  }
  return withOrientations(base, (key) => SIGNAL_ORIENTATION[parseCandidate(`${key}:+`).signal] ?? 1);
}

/** The cross-fit over `runs` (calibration runs with candidate tables) and what it chose. */
export interface ChoiceOutcome {
  fit: CrossFit;
  choice: DetectionChoice;
  /** Each fold's candidate, parsed. */
  foldRefs: (CandidateRef | null)[];
  chosenRef: CandidateRef;
}

/**
 * The cross-fitted choice over the calibration runs that carry candidate tables; `clean` (the
 * clean run whose samples the findings rank) gives the chosen window's epochs. Null when no run
 * has a table or no candidate is defined. Intervals are null here: they need the runs' dynamics
 * (detection-intervals.ts fills them).
 */
export function detectionChoice(runs: readonly RunReport[], clean: RunReport | undefined): ChoiceOutcome | null {
  const withTables = runs.filter((r) => r.detectionCandidates);
  const tables = withTables.map((r) => r.detectionCandidates!);
  if (tables.length === 0) return null;
  const runTables = tables.map(runTable);
  const fit = crossFit(runTables, tables[0]!.folds);
  if (fit.chosen === null || !Number.isFinite(fit.heldOut)) return null;
  const chosenRef = parseCandidate(fit.chosen);
  const window = choiceWindow(tables.find((t) => t.windows.some((w) => w.id === chosenRef.window))!, chosenRef.window, clean);
  const foldRefs = fit.foldChoices.map((k) => (k === null ? null : parseCandidate(k)));
  const choice: DetectionChoice = {
    signal: chosenRef.signal,
    orientation: chosenRef.orientation,
    window,
    heldOutAuroc: fit.heldOut,
    heldOutInterval: null,
    inSampleAuroc: fit.inSample,
    inSampleInterval: null,
    candidates: fit.candidates,
    folds: fit.foldChoices.length,
    foldChoices: foldRefs.flatMap((f, i) => (f ? [{ ...f, auroc: Number.isFinite(fit.heldOutByFold[i]!) ? fit.heldOutByFold[i]! : null }] : [])),
    byRun: withTables.map((r, i) => ({ run: r.id, heldOutAuroc: runHeldOut(runTables[i]!, fit.foldChoices) })),
    reason: `chosen among ${fit.candidates} candidates (signal × orientation × window) on half of the corrupted samples; measured on the other half (${fit.foldChoices.length}-fold cross-fitting over ${tables.length} calibration run${tables.length === 1 ? '' : 's'})`,
  };
  return { fit, choice, foldRefs, chosenRef };
}

/** A run's own held-out AUROC: the mean over folds f of fold f's choice on the run's fold f (null when none is defined). */
function runHeldOut(table: ReadonlyMap<string, readonly number[]>, foldChoices: readonly (string | null)[]): number | null {
  const values = foldChoices.flatMap((k, f) => {
    const v = k === null ? NaN : (table.get(k)?.[f] ?? NaN);
    return Number.isFinite(v) ? [v] : [];
  });
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The chosen window with the clean run's epochs: its own best validation epoch for 'best-val'; all
 * of its epochs for a first-k window longer than the clean run (a run that early stopping ended
 * before the calibration runs).
 */
function choiceWindow(table: DetectionCandidates, id: string, clean: RunReport | undefined): DetectionWindowRef {
  const w = table.windows.find((x) => x.id === id)!;
  if (w.kind === 'first' && clean && w.epochs > clean.epochs.length) return { id: 'all', kind: 'all', epochs: clean.epochs.length };
  if (w.kind !== 'best-val' || !clean) return { id: w.id, kind: w.kind, epochs: w.epochs };
  return { id: w.id, kind: w.kind, epochs: bestValRows(clean.epochs) ?? w.epochs };
}
