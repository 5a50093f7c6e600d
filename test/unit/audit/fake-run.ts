/** A run report for the aggregation tests: the grid position, and whatever fields a test needs. */
import type { RunReport } from '../../../server/src/protocol/report';

export function fakeRun(kind: string, level: number, seed: number, fields: Partial<RunReport>): RunReport {
  return {
    id: `${kind}-${level}-s${seed}`,
    kind,
    level,
    seed,
    corrupted: level,
    epochs: [],
    final: { trainF1: 1, testF1: 0.5, gap: 0.5, noiseFitRate: null },
    membership: null,
    detection: [],
    flipRates: {},
    files: {},
    device: 'cpu',
    susceptibility: null,
    criticalSampleRatio: [],
    timings: { trainMs: 0, evalMs: 0, recordMs: 0, metricsMs: 0 },
    ...fields,
  };
}
