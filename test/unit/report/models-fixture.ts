/**
 * The fixture report as an audit of two models side by side: the first entry is the report's own
 * model, built by the engine's `modelComparison`; the second a weaker model that fits more noise.
 */
import { modelComparison } from '../../../server/src/audit/models';
import type { AuditReport, ModelComparison } from '../../../server/src/protocol/report';

export function withModels(report: AuditReport): AuditReport {
  const first = modelComparison(report);
  const scaled = (x: number | null, f: number) => (x === null ? null : Math.min(1, x * f));
  const second: ModelComparison = {
    ...first,
    model: 'code2vec',
    modelPreset: 'small',
    runId: 'c2v0123456789',
    scores: { ...first.scores, G: scaled(first.scores.G, 0.8), M: scaled(first.scores.M, 1.5) },
    detectionAuroc: scaled(first.detectionAuroc, 0.9),
    levels: first.levels.map((l) => ({ ...l, testF1: scaled(l.testF1, 0.8), noiseFit: scaled(l.noiseFit, 1.5) })),
  };
  return { ...report, models: [first, second] };
}
