/**
 * The audit's aggregation: from the finished runs to the report's headline scores, the
 * self-calibration of the signals (which one finds the injected noise best) and the findings; and
 * the per-sample signal table every run leaves beside its dynamics.
 */
import type { SampleColumns } from '../dataset/columns';
import { bestSignal, memorizationScore, generalizationScore, noiseSensitivity, rankBySuspicion, SIGNAL_ORIENTATION, type SignalName } from '../metrics';
import { signalsToCsv } from '../report/csv';
import type { DetectionSummary, Finding, HeadlineScores, RunReport, SignalQuality } from '../protocol/report';
import { isLabelKind } from './plan';

/**
 * Per-sample signals of a run's training samples, one row per sample (the audit's raw data,
 * docs/metrics.md § "Per-sample signals").
 */
export function signalsCsv(columns: SampleColumns, trainIdx: Int32Array, corrupted: Uint8Array, signals: Record<string, ArrayLike<number>>): string {
  const names = Object.keys(signals);
  const rows: (string | number)[][] = [];
  for (let p = 0; p < trainIdx.length; p++) {
    const i = trainIdx[p]!;
    const r = columns.ranges;
    rows.push([
      columns.ids[i]!,
      columns.strings[columns.file[i]!]!,
      r[4 * i]! + 1,
      columns.strings[columns.name[i]!]!,
      corrupted[p]!,
      ...names.map((n) => Number(signals[n]![p])),
    ]);
  }
  return signalsToCsv(['sample_id', 'file', 'line', 'name', 'corrupted', ...names], rows);
}

function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/**
 * The headline scores over the runs of the audit (docs/metrics.md § "Headline scores and gates").
 */
export function headlineScores(runs: readonly RunReport[]): HeadlineScores {
  const clean = runs.filter((r) => r.kind === 'none');
  const label = runs.filter((r) => isLabelKind(r.kind) || r.kind === 'none');
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  const withTest = label.filter((r) => r.final.testF1 !== null);
  const fit = runs.filter((r) => isLabelKind(r.kind) && r.level > 0 && r.final.noiseFitRate !== null);
  return {
    G: finite(clean.length ? generalizationScore(clean.filter((r) => r.final.testF1 !== null).map((r) => ({ level: 0, value: r.final.testF1! }))) : null),
    M: finite(fit.length ? memorizationScore(fit.map((r) => ({ level: r.level / 100, value: r.final.noiseFitRate! }))) : null),
    gap: mean(clean.map((r) => r.final.gap)),
    sensitivity: finite(withTest.length >= 2 ? noiseSensitivity(withTest.map((r) => ({ level: r.level / 100, value: r.final.testF1! }))) : null),
    mia_auc: mean(clean.map((r) => r.membership?.auroc ?? null)),
    mia_advantage: mean(clean.map((r) => r.membership?.advantage ?? null)),
    train_f1: mean(clean.map((r) => r.final.trainF1)),
    test_f1: mean(clean.map((r) => r.final.testF1)),
    detection_auroc: null,
  };
}

/**
 * The runs that calibrate the memorization signals (docs/metrics.md § "Self-calibration (detection
 * AUROC / AP)"): the label-noise runs below 100% when there are any, since a sample whose label was
 * replaced can only be fitted by memorizing it; else every label-noise run; else every noisy run.
 * Input noise leaves the label predictable (a leaked name even makes it easier), so its corrupted
 * samples are not memorized ones and would pull the choice toward whatever separates that edit; and
 * at 100% the few samples whose shuffled label happened to stay right are all the "clean" side
 * there is.
 */
export function calibrationRuns(runs: readonly RunReport[]): RunReport[] {
  const noisy = runs.filter((r) => r.detection.length > 0);
  const label = noisy.filter((r) => isLabelKind(r.kind));
  const partial = label.filter((r) => r.level < 100);
  return partial.length > 0 ? partial : label.length > 0 ? label : noisy;
}

/** Mean detection quality per signal over the calibration runs, and the best one. */
export function detectionSummary(runs: readonly RunReport[]): DetectionSummary {
  const used = calibrationRuns(runs);
  const acc = new Map<string, { auroc: number; ap: number; n: number }>();
  for (const r of used) {
    for (const q of r.detection) {
      const a = acc.get(q.signal) ?? { auroc: 0, ap: 0, n: 0 };
      a.auroc += q.auroc;
      a.ap += q.averagePrecision;
      a.n++;
      acc.set(q.signal, a);
    }
  }
  const signals: SignalQuality[] = [...acc.entries()].map(([signal, a]) => ({ signal, auroc: a.auroc / a.n, averagePrecision: a.ap / a.n }));
  const best = bestSignal(signals.map((s) => ({ ...s, orientation: 1 as const, positives: 0, negatives: 0, undefinedSamples: 0 })));
  signals.sort((a, b) => b.auroc - a.auroc);
  return { best: best?.signal ?? null, signals, calibrationRuns: used.map((r) => r.id) };
}

/** The clean run's training samples ranked by the best signal: the "likely memorized" findings. */
export function findingsOf(
  columns: SampleColumns,
  inputs: readonly string[],
  trainIdx: Int32Array,
  signals: Record<string, ArrayLike<number>> | undefined,
  best: string | null,
  limit: number,
): Finding[] {
  if (!signals) return [];
  // Without a noisy run to calibrate on, AUM is the default (Pleiss et al.: low margin = mislabeled / memorized).
  const signal = (best ?? 'aum') as SignalName;
  const values = signals[signal];
  if (!values) return [];
  const orientation = SIGNAL_ORIENTATION[signal] ?? 1;
  const order = rankBySuspicion(Float64Array.from(values), orientation, limit);
  const out: Finding[] = [];
  order.forEach((pos, r) => {
    const i = trainIdx[pos]!;
    const s = columns.sample(i);
    const details: Record<string, number> = {};
    for (const [name, arr] of Object.entries(signals)) details[name] = Number(arr[pos]);
    const score = orientation * Number(values[pos]);
    out.push({
      sampleId: s.id,
      file: s.origin.file,
      root: inputs[s.origin.root] ?? '.',
      ...(s.origin.jsonlLine !== undefined ? { jsonlLine: s.origin.jsonlLine } : {}),
      ...(s.origin.archiveEntry !== undefined ? { archiveEntry: s.origin.archiveEntry } : {}),
      range: s.range,
      language: s.language,
      name: s.name,
      split: 'train',
      signal,
      score,
      rank: r + 1,
      details,
      message: best
        ? `${s.name} looks memorized rather than learned: rank ${r + 1} by ${signal} (${signal} = ${Number(values[pos]).toFixed(3)}), the signal that best found the injected noise in this audit.`
        : `${s.name} looks memorized rather than learned: rank ${r + 1} by ${signal} (${signal} = ${Number(values[pos]).toFixed(3)}); no noisy run calibrated the signals, so AUM (Pleiss et al.) ranks them.`,
    });
  });
  return out;
}
