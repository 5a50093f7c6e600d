/**
 * After the runs: what the detection choice needs from the runs' dynamics on disk
 * (docs/metrics.md § "Detection choice"), since the choice is only known once every calibration
 * run is done.
 *
 * - Bootstrap replicates of each calibration run's held-out AUROC (replicate k = mean over the
 *   folds f of the AUROC of fold f's choice on a stratified resample of fold f) and of the
 *   choice's in-sample AUROC; the headline interval of `detection_auroc` is built from the first.
 * - The clean run's values of the chosen signal over the chosen window, for the findings.
 *
 * A run whose dynamics or ledger cannot be read is left out with a message; the intervals are
 * then null (never an interval of something else).
 */
import * as path from 'node:path';
import {
  BOOTSTRAP_RESAMPLES,
  percentileInterval,
  rankingReplicates,
  suspicion,
  windowSignals,
  type DynamicsSource,
  type Interval,
} from '../metrics';
import { corruptedMask, type Ledger } from '../noise';
import type { DetectionWindowRef, RunReport } from '../protocol/report';
import { readDynamics } from '../train/dynamics';
import { readJsonIfValid } from '../util/atomic';
import { Rng } from '../util/rng';
import type { CandidateRef, ChoiceOutcome } from './detection-choice';
import { BOOTSTRAP_SEED } from './run-metrics';

/** Replicates per calibration run id. */
export interface ChoiceReplicates {
  heldOut: Map<string, Float64Array>;
  inSample: Map<string, Float64Array>;
}

export interface ChoiceReplicatesInput {
  /** The audit's folder (run files are relative to it). */
  runDir: string;
  /** The calibration runs with candidate tables. */
  runs: readonly RunReport[];
  outcome: ChoiceOutcome;
  /** Fold of each training position. */
  folds: Uint8Array;
  resamples?: number;
  log?: (message: string) => void;
}

/** The training dynamics of a run from its dynamics file, or undefined (with a message). */
export async function readTrainDynamics(runDir: string, run: RunReport, log?: (message: string) => void): Promise<DynamicsSource | undefined> {
  if (!run.files.dynamics) return undefined;
  try {
    return (await readDynamics(path.join(runDir, run.files.dynamics))).dynamics.train;
  } catch (err) {
    log?.(`the dynamics of ${run.id} are unreadable (${(err as Error).message}); the detection choice's intervals leave it out`);
    return undefined;
  }
}

/** Values of `ref`'s signal over its window in `run` (the run's own epochs for that window id). */
function candidateValues(train: DynamicsSource, run: RunReport, ref: CandidateRef, cache: Map<string, Record<string, ArrayLike<number>>>): ArrayLike<number> | undefined {
  const w = run.detectionCandidates?.windows.find((x) => x.id === ref.window);
  if (!w || w.epochs > train.rows) return undefined;
  let signals = cache.get(w.id);
  if (!signals) cache.set(w.id, (signals = windowSignals(train, w) as Record<string, ArrayLike<number>>));
  return signals[ref.signal];
}

function seedOf(name: string): number {
  return new Rng(BOOTSTRAP_SEED).fork(name).nextU32();
}

/** Stratified AUROC replicates of orientation × values on the samples where `keep` holds; null when undefined. */
function aurocReplicates(values: ArrayLike<number>, orientation: 1 | -1, corrupted: Uint8Array, keep: (p: number) => boolean, name: string, resamples: number): Float64Array | null {
  const idx: number[] = [];
  for (let p = 0; p < values.length; p++) if (keep(p)) idx.push(p);
  const v = idx.map((p) => values[p]!);
  if (v.some((x) => Number.isNaN(x))) return null;
  return rankingReplicates(suspicion(v, orientation), Uint8Array.from(idx, (p) => corrupted[p]!), { seed: seedOf(name), resamples })?.auroc ?? null;
}

/** One calibration run's held-out and in-sample replicates, or null when something is missing. */
async function runReplicates(input: ChoiceReplicatesInput, run: RunReport, resamples: number): Promise<{ heldOut: Float64Array; inSample: Float64Array } | null> {
  const ledger = run.files.ledger ? readJsonIfValid<Ledger>(path.join(input.runDir, run.files.ledger)) : undefined;
  const train = ledger ? await readTrainDynamics(input.runDir, run, input.log) : undefined;
  if (!ledger || !train || ledger.trainSize !== train.n || input.folds.length !== train.n) return null;
  const corrupted = corruptedMask(ledger);
  const cache = new Map<string, Record<string, ArrayLike<number>>>();
  const { foldRefs, chosenRef } = input.outcome;
  const heldOut = new Float64Array(resamples);
  let folds = 0;
  for (let f = 0; f < foldRefs.length; f++) {
    const ref = foldRefs[f];
    const values = ref ? candidateValues(train, run, ref, cache) : undefined;
    const rep = values && ref ? aurocReplicates(values, ref.orientation, corrupted, (p) => input.folds[p] === f, `detection:fold${f}`, resamples) : null;
    if (!rep) continue;
    folds++;
    for (let k = 0; k < resamples; k++) heldOut[k]! += rep[k]!;
  }
  const all = candidateValues(train, run, chosenRef, cache);
  const inSample = all ? aurocReplicates(all, chosenRef.orientation, corrupted, () => true, 'detection:inSample', resamples) : null;
  if (folds === 0 || !inSample) return null;
  return { heldOut: heldOut.map((x) => x / folds), inSample };
}

/**
 * Replicates of every calibration run that has what they need (dynamics, ledger); a run without is
 * left out with a message. Replicates are rounded to 1e-6, like the runs' own.
 */
export async function choiceReplicates(input: ChoiceReplicatesInput): Promise<ChoiceReplicates> {
  const resamples = input.resamples ?? BOOTSTRAP_RESAMPLES;
  const out: ChoiceReplicates = { heldOut: new Map(), inSample: new Map() };
  const round = (a: Float64Array) => a.map((x) => Math.round(x * 1e6) / 1e6);
  for (const run of input.runs) {
    const r = await runReplicates(input, run, resamples);
    if (!r) {
      input.log?.(`${run.id}: dynamics or ledger unavailable; the detection choice's interval leaves this run out`);
      continue;
    }
    out.heldOut.set(run.id, round(r.heldOut));
    out.inSample.set(run.id, round(r.inSample));
  }
  return out;
}

/**
 * Interval of a mean over runs from per-run replicates (replicate k = mean of the runs' replicate
 * k); null unless every one of `runIds` has replicates.
 */
export function meanInterval(byRun: ReadonlyMap<string, Float64Array>, runIds: readonly string[]): Interval | null {
  const reps = runIds.map((id) => byRun.get(id));
  if (reps.length === 0 || reps.some((r) => !r)) return null;
  const b = Math.min(...reps.map((r) => r!.length));
  const mean = new Float64Array(b);
  for (let k = 0; k < b; k++) mean[k] = reps.reduce((a, r) => a + r![k]!, 0) / reps.length;
  return percentileInterval(mean);
}

/**
 * Values per training position of the clean run for the findings: `signal` over `window`, from the
 * run's dynamics file; `allEpochs` (the run's all-epoch signals) when the window is all epochs.
 * Undefined when the dynamics are needed and unreadable.
 */
export async function cleanWindowValues(runDir: string, clean: RunReport, signal: string, window: DetectionWindowRef, allEpochs: Record<string, ArrayLike<number>> | undefined, log?: (message: string) => void): Promise<ArrayLike<number> | undefined> {
  if (window.kind === 'all' && allEpochs?.[signal]) return allEpochs[signal];
  const train = await readTrainDynamics(runDir, clean, log);
  if (!train || window.epochs > train.rows) return undefined;
  return (windowSignals(train, window) as Record<string, ArrayLike<number>>)[signal];
}
