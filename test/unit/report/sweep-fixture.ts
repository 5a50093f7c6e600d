/**
 * The fixture report as the baseline of a small sweep, and as an audit with the mitigation
 * settings and early stopping (docs/metrics.md § "Mitigation explorer").
 */
import { sweepEntry, sweepRecommendation } from '../../../server/src/audit/sweep';
import type { AuditReport, SweepSetting } from '../../../server/src/protocol/report';

const scaled = (x: number | null, f: number): number | null => (x === null ? null : Math.round(Math.min(1, x * f) * 1000) / 1000);

/** A setting whose noise fit is the baseline's × `fit` and test F1 × `f1`. */
function variant(base: SweepSetting, setting: Record<string, number>, runId: string, f1: number, fit: number): SweepSetting {
  return {
    ...base,
    setting,
    runId,
    G: scaled(base.G, f1),
    M: scaled(base.M, fit),
    bestEpochTestF1: scaled(base.bestEpochTestF1, f1),
    levels: base.levels.map((l) => ({ ...l, noiseFit: scaled(l.noiseFit, fit), testF1: scaled(l.testF1, f1), bestEpochTestF1: scaled(l.bestEpochTestF1, f1) })),
  };
}

/**
 * Three dropout settings: the baseline (the report itself), dropout 0.25 (halves the noise fit at
 * almost no test F1: recommended) and dropout 0.5 (lower still, but costs test F1); the
 * recommendation is the engine's.
 */
export function withSweep(report: AuditReport): AuditReport {
  const base = sweepEntry({ dropout: 0 }, report);
  const sweep = [base, variant(base, { dropout: 0.25 }, 'swp0000000025', 0.99, 0.5), variant(base, { dropout: 0.5 }, 'swp0000000050', 0.8, 0.2)];
  return { ...report, sweep, sweepRecommendation: sweepRecommendation(sweep) };
}

/**
 * Weight decay, dropout, mixup, distillation and early stopping (patience 2) set; the 100 % run
 * stopped at epoch 6 (best 4), the others trained every epoch.
 */
export function withRegularization(report: AuditReport): AuditReport {
  return {
    ...report,
    config: { ...report.config, weightDecay: 0.001, hyper: { dropout: 0.3 }, mixup: 0.2, distill: 0.5, earlyStopping: 2 },
    runs: report.runs.map((r) => (r.level === 100 ? { ...r, epochs: r.epochs.slice(0, 6), bestEpoch: 4, stoppedAtEpoch: 6 } : { ...r, bestEpoch: r.epochs.length })),
  };
}
