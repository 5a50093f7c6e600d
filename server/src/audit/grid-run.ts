/** One run of the audit's grid, trained in the calling thread (the audit's, or a run worker's). */
import { runMemFold, type MemFoldOutcome } from './mem-folds';
import type { PlannedRun } from './plan';
import { runOne, type AuditInputs, type RunOutcome, type RunProgress } from './run-one';

/** A finished run of the grid: a training run or a memorization fold run. */
export type GridRun = { kind: 'run'; outcome: RunOutcome } | { kind: 'memfold'; fold: MemFoldOutcome };

/** Trains one run of the grid with the audit's inputs `a` (its runtime and signal are the run's). */
export async function trainGridRun(a: AuditInputs, run: PlannedRun, progress: (p: RunProgress) => void): Promise<GridRun> {
  if (run.kind === 'memfold') return { kind: 'memfold', fold: await runMemFold(a, run, progress) };
  return { kind: 'run', outcome: await runOne(a, run, progress) };
}
