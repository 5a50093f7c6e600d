/**
 * "Mitigations" (`AuditReport.sweep`): the table every writer draws from, one row per setting,
 * as plain strings, and the recommendation line.
 */
import type { AuditReport, SweepSetting } from '../../protocol/report';
import type { ModelsTable } from './models';

const fixed = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));

/** A setting as its name: `dropout 0.5, weightDecay 0.001`. */
export function settingText(setting: Readonly<Record<string, number>>): string {
  return Object.entries(setting)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** The sweep of a report, when it has one. */
export function reportSweep(r: Pick<AuditReport, 'sweep'>): SweepSetting[] | undefined {
  return r.sweep && r.sweep.length > 0 ? r.sweep : undefined;
}

/** The noisy levels of the sweep (kind and level > 0), in first-appearance order. */
function noisyLevels(sweep: readonly SweepSetting[]): { kind: string; level: number }[] {
  const keys: { kind: string; level: number }[] = [];
  for (const l of sweep.flatMap((s) => s.levels)) {
    if (l.level > 0 && !keys.some((k) => k.kind === l.kind && k.level === l.level)) keys.push({ kind: l.kind, level: l.level });
  }
  return keys;
}

/**
 * One row per setting: G, M, gap, the clean runs' test F1 at the last and at the best-validation
 * epoch (robust overfitting), and the noise fit per noisy level.
 */
export function sweepTable(sweep: readonly SweepSetting[]): ModelsTable {
  const levels = noisyLevels(sweep);
  return {
    header: ['setting', 'G (test F1)', 'best-epoch test F1', 'M (noise fit)', 'gap', ...levels.map((k) => `noise fit ${k.kind} ${k.level}%`), 'audit'],
    rows: sweep.map((s) => [
      settingText(s.setting),
      fixed(s.G),
      fixed(s.bestEpochTestF1),
      fixed(s.M),
      fixed(s.gap),
      ...levels.map((k) => fixed(s.levels.find((l) => l.kind === k.kind && l.level === k.level)?.noiseFit)),
      s.runId,
    ]),
  };
}

/** One point per setting for the chart of M against G: the setting's name (the table's first cell), G and M. */
export function sweepPoints(sweep: readonly SweepSetting[]): { name: string; G: number | null; M: number | null }[] {
  return sweep.map((s) => ({ name: settingText(s.setting), G: s.G, M: s.M }));
}

/**
 * The G axis of that chart: the settings' G padded by 0.05 and rounded out to tenths, within
 * [0, 1], so that close values stay apart and ticks stay round; [0, 1] without any G.
 */
export function sweepGDomain(points: readonly { G: number | null }[]): [number, number] {
  const gs = points.map((p) => p.G).filter((g): g is number => g !== null && Number.isFinite(g));
  if (gs.length === 0) return [0, 1];
  const lo = Math.max(0, Math.floor((Math.min(...gs) - 0.05) * 10) / 10);
  const hi = Math.min(1, Math.ceil((Math.max(...gs) + 0.05) * 10) / 10);
  return [lo, Math.max(hi, lo + 0.1)];
}
