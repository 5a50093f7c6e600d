/**
 * "Models side by side" (`AuditReport.models`): the tables and chart series every writer (text,
 * Markdown, HTML, the report panel) draws from, as plain strings and numbers.
 */
import type { AuditReport, ModelComparison, ModelLevel } from '../../protocol/report';

/** `x` with 3 decimals, `n/a` when missing. */
const fixed = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));

/** A table: a header row and rows of cells (already formatted, not escaped). */
export interface ModelsTable {
  header: string[];
  rows: string[][];
}

/** The comparison of a report, when it has one (two models or more). */
export function reportModels(r: Pick<AuditReport, 'models'>): ModelComparison[] | undefined {
  return r.models && r.models.length > 0 ? r.models : undefined;
}

/** One row per model: its headline scores and its audit. */
export function modelScoresTable(models: readonly ModelComparison[]): ModelsTable {
  return {
    header: ['model', 'G (test F1)', 'M (noise fit)', 'gap', 'detection AUROC', 'audit'],
    rows: models.map((m) => [`${m.model} (${m.modelPreset})`, fixed(m.scores.G), fixed(m.scores.M), fixed(m.scores.gap), fixed(m.detectionAuroc), m.runId]),
  };
}

/** The (kind, level) rows of every model, in first-appearance order; the clean level once. */
export function modelLevelKeys(models: readonly ModelComparison[]): { kind: string; level: number }[] {
  const keys: { kind: string; level: number }[] = [];
  for (const m of models) {
    for (const l of m.levels) {
      const k = l.level === 0 ? { kind: 'none', level: 0 } : { kind: l.kind, level: l.level };
      if (!keys.some((x) => x.kind === k.kind && x.level === k.level)) keys.push(k);
    }
  }
  return keys;
}

function levelOf(m: ModelComparison, key: { kind: string; level: number }): ModelLevel | undefined {
  return m.levels.find((l) => l.level === key.level && (key.level === 0 || l.kind === key.kind));
}

/** Per noise level: each model's test F1 and noise fit (the clean level: no noise fit). */
export function modelLevelsTable(models: readonly ModelComparison[]): ModelsTable {
  return {
    header: ['noise', ...models.flatMap((m) => [`${m.model} test F1`, `${m.model} noise fit`])],
    rows: modelLevelKeys(models).map((k) => [
      k.level === 0 ? 'clean (0%)' : `${k.kind} ${k.level}%`,
      ...models.flatMap((m) => {
        const l = levelOf(m, k);
        return [fixed(l?.testF1), l?.noiseFit === null || l?.noiseFit === undefined ? '—' : fixed(l.noiseFit)];
      }),
    ]),
  };
}

/** The noise kinds the comparison has curves of (label kinds first, as in `config.noise`). */
export function modelCurveKinds(models: readonly ModelComparison[]): string[] {
  return [...new Set(models.flatMap((m) => m.levels.filter((l) => l.level > 0).map((l) => l.kind)))];
}

/** One series per model: `value` against the noise level of `kind` (its clean runs at 0). */
export function modelCurves(models: readonly ModelComparison[], kind: string, value: (l: ModelLevel) => number | null | undefined): { name: string; points: { x: number; y: number | null }[] }[] {
  return models.map((m) => ({
    name: m.model,
    // Each kind's rows open with the clean runs at level 0 (audit/models.ts `modelLevels`).
    points: m.levels.filter((l) => l.kind === kind).map((l) => ({ x: l.level, y: value(l) ?? null })),
  }));
}

/** The charts of the comparison: test F1 and noise fit against the level, per noise kind. */
export const MODEL_CHARTS = [
  { key: 'testF1', title: 'Test F1', yLabel: 'test F1', value: (l: ModelLevel) => l.testF1 },
  { key: 'noiseFit', title: 'Noise fit', yLabel: 'noise fit', value: (l: ModelLevel) => l.noiseFit },
] as const;

/** A plain-text table, columns padded to their widest cell. */
export function textTable(t: ModelsTable): string[] {
  const widths = t.header.map((h, c) => Math.max(h.length, ...t.rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(t.header), ...t.rows.map(line)];
}
