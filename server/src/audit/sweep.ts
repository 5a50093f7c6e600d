/**
 * The mitigation explorer (`--sweep dropout=0,0.25 --sweep weightDecay=0,1e-4`): one ordinary
 * audit per setting of the Cartesian product of the axes, in order, each in its own folder and
 * under its own key (so each is resumable and reusable on its own); then, in the first setting's
 * report (the baseline), the settings side by side (`AuditReport.sweep`) and a one-line
 * recommendation (docs/metrics.md § "Mitigation explorer"). Nothing is trained again to compare.
 */
import type { AuditProgress } from '../protocol';
import type { AuditReport, RunReport, SweepLevel, SweepSetting } from '../protocol/report';
import { meanOf, noiseGroups, summarizeLevel } from '../report/shared/aggregate';
import { settingText } from '../report/shared/sweep';
import { dropoutIsOff, NUMBER_MITIGATIONS, type AuditConfig, type SweepAxis } from './config';
import { runParts, type ModelOutcome, type SingleAudit } from './models';
import { AUDIT_FILES } from './runs-store';

/** The least drop of M that counts as help, and the most test F1 a setting may cost. */
export const SWEEP_MIN_NOISE_FIT_DROP = 0.2;
export const SWEEP_MAX_F1_COST = 0.02;

/** The settings of a sweep: the Cartesian product, the first axis varying slowest. */
export function sweepSettings(axes: readonly SweepAxis[]): Record<string, number>[] {
  let out: Record<string, number>[] = [{}];
  for (const a of axes) out = out.flatMap((s) => a.values.map((v) => ({ ...s, [a.name]: v })));
  return out;
}

/**
 * The single-setting configuration of one setting: `weightDecay`, `distill`, `mixup` and
 * `earlyStopping` (each absent at 0), `hyper.dropout` (absent at 0 for a model without dropout in
 * its presets), so that a setting of zeros is the plain audit.
 */
export function settingConfig(c: AuditConfig, setting: Readonly<Record<string, number>>): AuditConfig {
  const { sweep, hyper, ...out } = c;
  for (const n of NUMBER_MITIGATIONS) {
    const v = setting[n] ?? c[n] ?? 0;
    if (v > 0) out[n] = v;
    else delete out[n];
  }
  const dropout = setting.dropout ?? hyper?.dropout;
  return dropout !== undefined && !dropoutIsOff(dropout, [c.model]) ? { ...out, hyper: { ...hyper, dropout } } : out;
}

/** Each setting of `c.sweep` in order (`setting 2/4 weightDecay 0.001: …`), then the settings side by side with the recommendation. */
export function runSweep(c: AuditConfig, onProgress: ((p: AuditProgress) => void) | undefined, single: SingleAudit): Promise<ModelOutcome> {
  const settings = sweepSettings(c.sweep ?? []);
  const parts = settings.map((s, i) => ({ config: settingConfig(c, s), tag: `setting ${i + 1}/${settings.length} ${settingText(s)}` }));
  const combine = (reports: AuditReport[]): AuditReport => {
    const entries = reports.map((r, i) => sweepEntry(settings[i]!, r));
    return { ...reports[0]!, sweep: entries, sweepRecommendation: sweepRecommendation(entries) };
  };
  return runParts(parts, onProgress, single, combine, AUDIT_FILES.sweepReport);
}

/** One setting's entry, from its audit's report. */
export function sweepEntry(setting: Record<string, number>, r: AuditReport): SweepSetting {
  const levels = sweepLevels(r);
  return {
    setting,
    runId: r.runId,
    G: r.scores.G,
    M: r.scores.M,
    gap: r.scores.gap,
    bestEpochTestF1: levels.find((l) => l.level === 0)?.bestEpochTestF1 ?? null,
    levels,
  };
}

/** Per noise kind and level (each kind's rows open with the clean runs at 0), means over seeds. */
export function sweepLevels(r: Pick<AuditReport, 'runs' | 'config'>): SweepLevel[] {
  return noiseGroups(r).flatMap((g) =>
    g.levels.map((l) => {
      const s = summarizeLevel(l);
      return { kind: g.kind, level: l.level, noiseFit: s.noiseFitRate, testF1: s.testF1, bestEpochTestF1: meanOf(l.runs.map(bestEpochTestF1)) };
    }),
  );
}

/** Test F1 at the first epoch of highest validation F1 (robust overfitting: best vs last). */
export function bestEpochTestF1(run: Pick<RunReport, 'epochs'>): number | null {
  let best: { val: number; test: number | null } | null = null;
  for (const e of run.epochs) {
    if (!e.val) continue;
    if (best === null || e.val.f1 > best.val) best = { val: e.val.f1, test: e.test?.f1 ?? null };
  }
  return best?.test ?? null;
}

const f2 = (x: number): string => x.toFixed(2);

/**
 * The recommendation (docs/metrics.md § "Mitigation explorer"): against the baseline (the first
 * setting), the setting with the largest drop of M (noise fit) among those that lower it by at
 * least 0.2 while G (test F1) drops by at most 0.02; the earlier setting on a tie.
 */
export function sweepRecommendation(entries: readonly Pick<SweepSetting, 'setting' | 'G' | 'M'>[]): string {
  const base = entries[0];
  let pick: { e: Pick<SweepSetting, 'setting' | 'G' | 'M'>; drop: number } | null = null;
  if (base && base.M !== null && base.G !== null) {
    for (const e of entries.slice(1)) {
      if (e.M === null || e.G === null) continue;
      const drop = base.M - e.M;
      // A small tolerance, so that 0.2 and 0.02 written in decimal are met exactly.
      if (drop < SWEEP_MIN_NOISE_FIT_DROP - 1e-9 || base.G - e.G > SWEEP_MAX_F1_COST + 1e-9) continue;
      if (pick === null || drop > pick.drop) pick = { e, drop };
    }
  }
  if (pick === null || !base) {
    return `no setting lowered noise fit by ≥ ${SWEEP_MIN_NOISE_FIT_DROP} without costing more than ${SWEEP_MAX_F1_COST} of test F1`;
  }
  const line = `${settingText(pick.e.setting)}: noise fit ${f2(base.M!)} → ${f2(pick.e.M!)}, test F1 ${f2(base.G!)} → ${f2(pick.e.G!)}`;
  // Distillation's teacher is the clean run, trained on labels a user with noisy data lacks.
  return (pick.e.setting.distill ?? 0) > 0 ? `${line} (the distillation teacher was trained on the clean labels)` : line;
}
