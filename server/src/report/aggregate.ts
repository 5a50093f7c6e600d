/**
 * Views of a report that the human-readable writers share: runs grouped by noise kind and level
 * (means over seeds), per-epoch curves, and the gate summary. Each noise kind's curve starts from
 * the clean run(s) at level 0, which all kinds share.
 */
import type { AuditReport, EpochReport, ReportGate, RunReport } from './types';

/** Runs of one noise level of one kind (one per seed). */
export interface LevelGroup {
  level: number;
  runs: RunReport[];
}

/** The runs of one noise kind, clean runs first as level 0, then by level. */
export interface NoiseGroup {
  /** Noise kind; 'none' when the audit had only clean runs. */
  kind: string;
  levels: LevelGroup[];
}

/** Final scores of one level, averaged over its seeds (null where no seed has a value). */
export interface LevelSummary {
  level: number;
  seeds: number;
  trainF1: number | null;
  testF1: number | null;
  gap: number | null;
  noiseFitRate: number | null;
}

/** One point of a per-epoch curve. */
export interface EpochPoint {
  epoch: number;
  value: number | null;
}

/** A run without corruption: the clean baseline of every kind. */
export function isCleanRun(run: RunReport): boolean {
  return run.kind === 'none' || run.level === 0;
}

/** Mean of the finite values, or null when there are none. */
export function meanOf(values: readonly (number | null | undefined)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v !== null && v !== undefined && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}

/** Runs grouped by noise kind (in the order of `config.noise`, then of appearance) and level. */
export function noiseGroups(report: Pick<AuditReport, 'runs' | 'config'>): NoiseGroup[] {
  const clean = report.runs.filter(isCleanRun);
  const kinds: string[] = [];
  for (const k of [...report.config.noise.map((n) => n.kind), ...report.runs.filter((r) => !isCleanRun(r)).map((r) => r.kind)]) {
    if (!kinds.includes(k) && report.runs.some((r) => r.kind === k && !isCleanRun(r))) kinds.push(k);
  }
  const base: LevelGroup[] = clean.length > 0 ? [{ level: 0, runs: clean }] : [];
  if (kinds.length === 0) return base.length > 0 ? [{ kind: 'none', levels: base }] : [];
  return kinds.map((kind) => {
    const levels = new Map<number, RunReport[]>();
    for (const r of report.runs) {
      if (r.kind !== kind || isCleanRun(r)) continue;
      const list = levels.get(r.level) ?? [];
      list.push(r);
      levels.set(r.level, list);
    }
    const noisy = [...levels.entries()].sort((a, b) => a[0] - b[0]).map(([level, runs]) => ({ level, runs }));
    return { kind, levels: [...base, ...noisy] };
  });
}

/** Final scores of a level group, averaged over seeds. */
export function summarizeLevel(g: LevelGroup): LevelSummary {
  return {
    level: g.level,
    seeds: g.runs.length,
    trainF1: meanOf(g.runs.map((r) => r.final.trainF1)),
    testF1: meanOf(g.runs.map((r) => r.final.testF1)),
    gap: meanOf(g.runs.map((r) => r.final.gap)),
    noiseFitRate: meanOf(g.runs.map((r) => r.final.noiseFitRate)),
  };
}

/** `pick(epoch)` per epoch number, averaged over the runs (seeds); epochs in increasing order. */
export function epochCurve(runs: readonly RunReport[], pick: (e: EpochReport) => number | null | undefined): EpochPoint[] {
  const byEpoch = new Map<number, (number | null | undefined)[]>();
  for (const r of runs) {
    for (const e of r.epochs) {
      const list = byEpoch.get(e.epoch) ?? [];
      list.push(pick(e));
      byEpoch.set(e.epoch, list);
    }
  }
  return [...byEpoch.entries()].sort((a, b) => a[0] - b[0]).map(([epoch, vs]) => ({ epoch, value: meanOf(vs) }));
}

/** Gate counts; `status` is 'none' without gates, else 'failed' when any failed. */
export function gateSummary(gates: readonly ReportGate[]): { total: number; passed: number; failed: number; status: 'passed' | 'failed' | 'none' } {
  const failed = gates.filter((g) => !g.passed).length;
  return { total: gates.length, passed: gates.length - failed, failed, status: gates.length === 0 ? 'none' : failed > 0 ? 'failed' : 'passed' };
}

/** Headline scores with their label and meaning, in display order. */
export const SCORE_ROWS = [
  { key: 'G', label: 'Generalization G', help: 'test F1 of the clean run (higher is better)' },
  { key: 'M', label: 'Memorization M', help: 'mean final noise fit rate over label-noise levels > 0 (how well the model fits random labels)' },
  { key: 'gap', label: 'Generalization gap', help: 'train F1 − test F1 of the clean run' },
  { key: 'sensitivity', label: 'Noise sensitivity', help: 'slope of test F1 against the label-noise level (per unit of level)' },
  { key: 'mia_auc', label: 'Membership inference AUROC', help: 'loss-threshold attack, train vs test, clean run (0.5 = no leak)' },
  { key: 'mia_advantage', label: 'Membership inference advantage', help: 'max TPR − FPR of the loss-threshold attack' },
  { key: 'detection_auroc', label: 'Detection AUROC', help: 'how well the best per-sample signal finds the corrupted samples (mean over noisy runs)' },
] as const;
