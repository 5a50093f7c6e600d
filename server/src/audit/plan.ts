/**
 * The audit plan: the grid of training runs (kind × level × seed). Level 0 of every kind is the
 * same training (nothing corrupted), so it is one clean run per seed, shared by all kinds. Then,
 * when `memFolds` K > 0, the K fold runs of the memorization score (docs/metrics.md §
 * "Memorization score (cross-fitted)"), of the first seed: fold run k trains on the clean labels of
 * every fold but k. They are not calibration or headline runs.
 */
import type { AuditConfig, NoiseKindName } from './config';

export interface PlannedRun {
  /** Folder-safe id, e.g. `clean-s0`, `y-shuffle-25-s0`. */
  id: string;
  kind: NoiseKindName | 'none' | 'memfold';
  /** Percent of the training split to corrupt. */
  level: number;
  seed: number;
  /** A fold run: the fold it holds out (0-based) of `of`. */
  fold?: { k: number; of: number };
}

/** Label kinds change names; input kinds change code. */
export function isLabelKind(kind: string): boolean {
  return kind === 'y-shuffle' || kind === 'y-random';
}

export function planRuns(c: AuditConfig): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const seed of c.seeds) {
    runs.push({ id: `clean-s${seed}`, kind: 'none', level: 0, seed });
    for (const item of c.noise) {
      for (const level of item.levels) {
        if (level === 0) continue;
        runs.push({ id: `${item.kind}-${level}-s${seed}`, kind: item.kind, level, seed });
      }
    }
  }
  const seed = c.seeds[0];
  if (seed !== undefined) {
    for (let k = 0; k < c.memFolds; k++) runs.push({ id: memFoldRunId(k, c.memFolds, seed), kind: 'memfold', level: 0, seed, fold: { k, of: c.memFolds } });
  }
  return runs;
}

/** The id of fold run k (0-based) of K: `memfold-<k+1>of<K>-s<seed>`. */
export function memFoldRunId(k: number, of: number, seed: number): string {
  return `memfold-${k + 1}of${of}-s${seed}`;
}
