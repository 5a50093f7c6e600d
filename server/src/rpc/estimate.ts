/**
 * A training-time estimate for the preset picker: the grid's sample-epochs times a rate. The rate
 * and the corpus size come from the last finished audit of the same output folder when there is
 * one (measured on this machine, so the best guess we have); otherwise the rate is a rough default
 * per model (README "Performance", a 2-core CPU) and the corpus size is unknown.
 */
import type { AuditConfig } from '../audit/config';
import { planSize } from '../audit/config';
import type { AuditReport } from '../protocol/report';

/** Training + evaluation samples per second on one CPU core, per model (README, Performance). */
const DEFAULT_RATES: Record<string, number> = { bag: 5000, code2vec: 450, transformer: 100 };

export interface TrainingEstimate {
  seconds: number | null;
  basis: string;
}

function trainSamples(config: AuditConfig, corpusTrain: number): number {
  return config.maxTrainSamples > 0 ? Math.min(config.maxTrainSamples, corpusTrain) : corpusTrain;
}

export function estimateTraining(config: AuditConfig, last: AuditReport | undefined): TrainingEstimate {
  const sampleEpochs = (n: number) => planSize(config) * config.epochs * n;
  const fallbackRate = DEFAULT_RATES[config.model] ?? 1000;
  if (!last) {
    const per10k = (planSize(config) * config.epochs * 10_000) / fallbackRate;
    return { seconds: null, basis: `no earlier audit here to size the corpus; about ${Math.round(per10k)} s of training per 10,000 methods on a laptop CPU` };
  }
  const n = trainSamples(config, last.dataset.train);
  const measured = last.runs.length * (last.runs[0]?.epochs.length ?? last.config.epochs) * last.dataset.trainUsed;
  const sameModel = last.config.model === config.model && last.config.modelPreset === config.modelPreset;
  if (sameModel && measured > 0 && last.timings.trainMs > 0) {
    const secondsPerSampleEpoch = last.timings.trainMs / 1000 / measured;
    return { seconds: sampleEpochs(n) * secondsPerSampleEpoch, basis: `measured on the last audit of this folder (${last.dataset.train} training methods)` };
  }
  return { seconds: sampleEpochs(n) / fallbackRate, basis: `corpus size from the last audit (${last.dataset.train} training methods), speed a rough CPU figure for ${config.model}` };
}
