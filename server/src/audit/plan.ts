/**
 * The audit plan: the grid of training runs (kind × level × seed). Level 0 of every kind is the
 * same training (nothing corrupted), so it is one clean run per seed, shared by all kinds.
 */
import type { AuditConfig, NoiseKindName } from './config';

export interface PlannedRun {
  /** Folder-safe id, e.g. `clean-s0`, `y-shuffle-25-s0`. */
  id: string;
  kind: NoiseKindName | 'none';
  /** Percent of the training split to corrupt. */
  level: number;
  seed: number;
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
  return runs;
}
