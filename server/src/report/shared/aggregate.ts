/**
 * Views of a report that the human-readable writers share: runs grouped by noise kind and level
 * (means over seeds), per-epoch curves, and the gate summary. Each noise kind's curve starts from
 * the clean run(s) at level 0, which all kinds share.
 */
import type { AuditReport, EpochReport, Interval, ReportGate, RocPoints, RunReport, ScoreKey } from '../../protocol/report';
import { fmt, MISSING } from './format';

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

/**
 * False positive rates at which ROC curves are averaged: fine near 0 (where a detector is used:
 * flag few clean samples), then every 0.01.
 */
export const ROC_GRID: readonly number[] = Object.freeze([0, 0.001, 0.002, 0.005, ...Array.from({ length: 100 }, (_, i) => (i + 1) / 100)]);

/**
 * True positive rate of a ROC curve at false positive rate `x`: linear between the curve's
 * points; where the curve rises vertically at `x`, the top of the rise (the best threshold with
 * that false positive rate).
 */
export function rocAt(roc: RocPoints, x: number): number {
  const { fpr, tpr } = roc;
  let i = -1;
  for (let k = 0; k < fpr.length && fpr[k]! <= x; k++) i = k;
  if (i < 0) return 0;
  if (i === fpr.length - 1 || fpr[i] === x) return tpr[i]!;
  const t = (x - fpr[i]!) / (fpr[i + 1]! - fpr[i]!);
  return tpr[i]! + t * (tpr[i + 1]! - tpr[i]!);
}

/** Vertical average of ROC curves (Fawcett 2006): the mean TPR at each FPR of `grid`, from (0, 0). */
export function meanRoc(curves: readonly RocPoints[], grid: readonly number[] = ROC_GRID): RocPoints {
  const fpr = [0, ...grid];
  const tpr = [0, ...grid.map((x) => curves.reduce((a, c) => a + rocAt(c, x), 0) / Math.max(1, curves.length))];
  return { fpr, tpr };
}

/** One signal's detection in a group of noisy runs: mean AUROC and AP, and the mean ROC curve. */
export interface SignalRoc {
  signal: string;
  auroc: number;
  averagePrecision: number;
  roc: RocPoints;
  /** Runs the curve averages. */
  runs: number;
}

/**
 * Per noise kind (in `noiseGroups` order), the signals' mean ROC curves over the kind's noisy runs
 * that have curves (reports before the curves existed have none: an empty list), best AUROC first.
 */
export function rocGroups(report: Pick<AuditReport, 'runs' | 'config'>): { kind: string; runs: RunReport[]; signals: SignalRoc[] }[] {
  const out: { kind: string; runs: RunReport[]; signals: SignalRoc[] }[] = [];
  for (const g of noiseGroups(report)) {
    const runs = g.levels.filter((l) => l.level > 0).flatMap((l) => l.runs).filter((r) => r.detection.some((q) => q.roc));
    if (runs.length === 0) continue;
    const names: string[] = [];
    for (const r of runs) for (const q of r.detection) if (q.roc && !names.includes(q.signal)) names.push(q.signal);
    const signals = names.map((signal): SignalRoc => {
      const qs = runs.map((r) => r.detection.find((q) => q.signal === signal && q.roc)).filter((q): q is NonNullable<typeof q> => q !== undefined);
      return {
        signal,
        auroc: meanOf(qs.map((q) => q.auroc)) ?? NaN,
        averagePrecision: meanOf(qs.map((q) => q.averagePrecision)) ?? NaN,
        roc: meanRoc(qs.map((q) => q.roc!)),
        runs: qs.length,
      };
    });
    signals.sort((a, b) => b.auroc - a.auroc);
    out.push({ kind: g.kind, runs, signals });
  }
  return out;
}

/** Gate counts; `status` is 'none' without gates, else 'failed' when any failed. */
export function gateSummary(gates: readonly ReportGate[]): { total: number; passed: number; failed: number; status: 'passed' | 'failed' | 'none' } {
  const failed = gates.filter((g) => !g.passed).length;
  return { total: gates.length, passed: gates.length - failed, failed, status: gates.length === 0 ? 'none' : failed > 0 ? 'failed' : 'passed' };
}

/**
 * Headline scores with their label and meaning, in display order. The label never repeats the
 * key (writers show both: "Generalization (G)").
 */
export const SCORE_ROWS = [
  { key: 'G', label: 'Generalization', help: 'test F1 of the clean run (higher is better)' },
  { key: 'M', label: 'Memorization', help: 'mean final noise fit rate over label-noise levels > 0 (how well the model fits random labels)' },
  { key: 'gap', label: 'Generalization gap', help: 'train F1 − test F1 of the clean run' },
  { key: 'sensitivity', label: 'Noise sensitivity', help: 'slope of test F1 against the label-noise level (per unit of level)' },
  { key: 'mia_auc', label: 'Membership inference AUROC', help: 'loss-threshold attack, train vs test, clean run (0.5 = no leak)' },
  { key: 'mia_advantage', label: 'Membership inference advantage', help: 'max TPR − FPR of the loss-threshold attack' },
  { key: 'detection_auroc', label: 'Detection AUROC', help: 'how well the chosen detection score finds the mislabeled samples, measured on samples not used to choose it (cross-fitted over the label-noise runs below 100%)' },
] as const;

/** How a headline score reads in a report (docs/metrics.md § "Uncertainty (bootstrap intervals)"). */
export interface ScoreView {
  value: number | null;
  /** The 95 % interval; null in a version 1 report or where the audit had none. */
  interval: Interval | null;
  /** Why the score rests on too little data ("not enough test methods: 12 …"), shown instead of the number; null when it is fine or the score is null. */
  insufficient: string | null;
}

/** The value, interval and status of headline score `key`. */
export function scoreView(report: Pick<AuditReport, 'scores' | 'scoreIntervals' | 'scoreStatus'>, key: ScoreKey): ScoreView {
  const value = report.scores[key];
  const status = report.scoreStatus?.[key];
  return {
    value,
    interval: report.scoreIntervals?.[key] ?? null,
    insufficient: value !== null && status && !status.ok ? (status.reason ?? 'not enough data') : null,
  };
}

/**
 * A headline score as plain text: `0.412 [0.371, 0.455]` with its interval, the bare number
 * without one (version 1), the reason when it rests on too little data, `missing` when null.
 */
export function scoreText(report: Pick<AuditReport, 'scores' | 'scoreIntervals' | 'scoreStatus'>, key: ScoreKey, missing = MISSING): string {
  const v = scoreView(report, key);
  if (v.value === null) return missing;
  if (v.insufficient) return v.insufficient;
  return v.interval ? `${fmt(v.value)} [${fmt(v.interval.low)}, ${fmt(v.interval.high)}]` : fmt(v.value);
}

/** True when a score's key only repeats the last word of its label ("Generalization gap", gap). */
export function keyRepeatsLabel(row: { key: string; label: string }): boolean {
  const words = row.label.toLowerCase().split(/\s+/);
  return words[words.length - 1] === row.key.toLowerCase();
}

/**
 * Why no signal was calibrated (docs/metrics.md § "Self-calibration"): a signal is scored by how
 * it ranks a run's corrupted training samples above its clean ones, so it needs a noisy run with
 * both; a run whose noise corrupted every sample (100 %) has no clean ones to rank against.
 */
export function uncalibratedReason(runs: readonly Pick<RunReport, 'kind' | 'level'>[]): string {
  const noisy = runs.filter((r) => r.kind !== 'none' && r.kind !== 'memfold' && r.level > 0);
  if (noisy.length === 0) return 'no run had corrupted samples';
  if (noisy.every((r) => r.level >= 100)) return 'every noisy run is at 100 %: all its training samples are corrupted, with no clean ones to rank them against: add a level below 100 %, e.g. --noise y-shuffle:0,50,100';
  return 'no noisy run had both corrupted and clean training samples with a defined AUROC';
}
