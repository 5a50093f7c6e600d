/**
 * Several models in one audit (`--model bag,code2vec,transformer`): one ordinary single-model
 * audit per model, in order, each in the folder (and under the key) that `memaudit audit --model m`
 * alone would use, so each is resumable and reusable on its own; then the side-by-side comparison
 * (`AuditReport.models`), built from the per-model reports as plain data (nothing is trained again).
 */
import type { AuditProgress } from '../protocol';
import type { AuditReport, ModelComparison, ModelLevel, RunReport } from '../protocol/report';
import { adversarialLevels } from '../report/shared/adversarial';
import { meanOf, noiseGroups, summarizeLevel } from '../report/shared/aggregate';
import { reportJsonText } from '../report/shared/json-text';
import { assertValidReport } from '../report/schema';
import { writeFileAtomic } from '../util/atomic';
import type { AuditConfig } from './config';
import { AUDIT_FILES } from './runs-store';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/** The single-model configurations of a configuration, in order (one when it has one model). */
export function modelConfigs(c: AuditConfig): AuditConfig[] {
  const { models, modelPresets, ...single } = c;
  if (!models || models.length < 2) return [single];
  return models.map((model, i) => ({ ...single, model, modelPreset: modelPresets?.[i] ?? c.modelPreset }));
}

/** What one model's audit left: the same shape as `runAudit`'s outcome. */
export interface ModelOutcome {
  report: AuditReport;
  runDir: string;
  reportFile: string;
  reusedRuns: number;
}

/** One ordinary audit of a combined audit (several models, or a sweep's settings). */
export interface AuditPart {
  config: AuditConfig;
  /** How progress names it, e.g. `model 2/3 code2vec`. */
  tag: string;
}

export type SingleAudit = (config: AuditConfig, onProgress: (p: AuditProgress) => void) => Promise<ModelOutcome>;

/**
 * Runs `single` for each part, in order, its progress said per part (`<tag>: run 3/5 …`, the
 * fraction and the time left over all parts: `partProgress`), then writes `combine(reports)` as
 * `file` in the first part's folder, beside its own report.json (runs-store.ts AUDIT_FILES).
 */
export async function runParts(
  parts: readonly AuditPart[],
  onProgress: ((p: AuditProgress) => void) | undefined,
  single: SingleAudit,
  combine: (reports: AuditReport[]) => AuditReport,
  file: (typeof AUDIT_FILES)['modelsReport' | 'sweepReport'],
): Promise<ModelOutcome> {
  const outcomes: ModelOutcome[] = [];
  for (const [i, part] of parts.entries()) {
    const start = performance.now();
    outcomes.push(await single(part.config, (p) => onProgress?.(partProgress(p, { index: i, count: parts.length, tag: part.tag, elapsedMs: performance.now() - start }))));
  }
  const first = outcomes[0]!;
  const report = combine(outcomes.map((o) => o.report));
  assertValidReport(report);
  const reportFile = path.join(first.runDir, file);
  await writeFileAtomic(reportFile, reportJsonText(report));
  return { report, runDir: first.runDir, reportFile, reusedRuns: outcomes.reduce((acc, o) => acc + o.reusedRuns, 0) };
}

/**
 * A part's progress as the whole's: the fraction maps the part's [0, 1] onto [i/n, (i+1)/n] (it
 * never goes back across parts); the time left adds, for each later part, as long as this one
 * takes in all (elapsed + left), i.e. it assumes the parts cost alike. `run`, `runs` and `active`
 * count the runs of the part, which `part` names.
 */
export function partProgress(p: AuditProgress, at: { index: number; count: number; tag: string; elapsedMs: number }): AuditProgress {
  const later = at.count - at.index - 1;
  return {
    ...p,
    fraction: (at.index + p.fraction) / at.count,
    part: at.tag,
    message: `${at.tag}: ${p.message}`,
    ...(p.etaSec !== undefined ? { etaSec: p.etaSec + later * (at.elapsedMs / 1000 + p.etaSec) } : {}),
  };
}

/** Each model of `c` in order (`model 2/3 code2vec: …`), then the models side by side. */
export function runModels(c: AuditConfig, onProgress: ((p: AuditProgress) => void) | undefined, single: SingleAudit): Promise<ModelOutcome> {
  const configs = modelConfigs(c);
  const parts = configs.map((config, i) => ({ config, tag: `model ${i + 1}/${configs.length} ${config.model}` }));
  return runParts(parts, onProgress, single, (reports) => ({ ...reports[0]!, models: reports.map(modelComparison) }), AUDIT_FILES.modelsReport);
}

/** One model's entry of the comparison, from its audit's report. */
export function modelComparison(r: AuditReport): ModelComparison {
  return {
    model: r.config.model,
    modelPreset: r.config.modelPreset,
    runId: r.runId,
    scores: r.scores,
    ...(r.scoreIntervals ? { scoreIntervals: r.scoreIntervals } : {}),
    detectionAuroc: r.detection.choice?.heldOutAuroc ?? null,
    levels: modelLevels(r),
  };
}

/** Per noise kind and level, means over seeds (the clean runs open every kind's rows at level 0). */
export function modelLevels(r: Pick<AuditReport, 'runs' | 'config'>): ModelLevel[] {
  const adversarial = adversarialLevels(r);
  return noiseGroups(r).flatMap((g) =>
    g.levels.map((l) => {
      const s = summarizeLevel(l);
      const adv = adversarial.find((a) => a.kind === g.kind && a.level === l.level);
      return {
        kind: g.kind,
        level: l.level,
        testF1: s.testF1,
        trainF1: s.trainF1,
        noiseFit: s.noiseFitRate,
        flipRates: meanFlipRates(l.runs),
        ...(adv ? { adversarialFlip: adv.pgdTest } : {}),
      };
    }),
  );
}

function meanFlipRates(runs: readonly RunReport[]): Record<string, number> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.flipRates)))];
  const out: Record<string, number> = {};
  for (const n of names) {
    const m = meanOf(runs.map((r) => r.flipRates[n]));
    if (m !== null) out[n] = m;
  }
  return out;
}
