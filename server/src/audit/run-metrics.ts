/**
 * Turns one training run's dynamics into the numbers of its `RunReport` (docs/metrics.md): task
 * metrics per epoch on train (as trained), train-clean, train-corrupted, validation and test;
 * the noise fit rate; Gini of per-sample loss; loss-threshold membership inference; and the
 * detection quality of every per-sample signal against the run's ledger.
 */
import type { SplitDynamics, Dynamics } from '../train/dynamics';
import {
  cartographyRegions,
  DEFAULT_REGION_THRESHOLDS,
  detectionQuality,
  downsampleCurve,
  REGION_NAMES,
  rocCurve,
  suspicion,
  lossGiniPerEpoch,
  lossMembershipInference,
  meanReplicates,
  microF1Replicates,
  percentileInterval,
  perSampleSignals,
  rankingReplicates,
  differenceReplicates,
  taskCountsFromClasses,
  taskScoresPerEpoch,
  type LabelVocabulary,
  type PerSampleSignals,
  type RocCurve,
  type TaskScores,
} from '../metrics';
import type { EpochCurve } from '../train/checkpoint';
import { Rng } from '../util/rng';
import { bestValRows, detectionCandidates } from './detection-choice';
import {
  ROC_MAX_POINTS,
  type CartographySummary,
  type DetectionCandidates,
  type EpochReport,
  type RegionCount,
  type RocPoints,
  type RunIntervals,
  type SignalQuality,
  type SplitMetrics,
} from '../protocol/report';

/**
 * Seed of every run's bootstrap: the same in every run, so that replicate k of two runs resamples
 * the same positions of a split (docs/metrics.md § "Uncertainty (bootstrap intervals)").
 */
export const BOOTSTRAP_SEED = 0x5eed_b007;

/** Bootstrap replicates of a run's scores, by name: `trainF1`, `testF1`, `gap`, `noiseFitRate`, `membershipAuroc`, `membershipAdvantage`, `auroc:<signal>`, `ap:<signal>`. */
export type RunReplicates = Record<string, Float64Array>;

export interface RunMetricsInput {
  dynamics: Dynamics;
  curves: EpochCurve[];
  vocab: LabelVocabulary;
  /** True label strings ('get|user|name') of the train, val and test positions (by dynamics position). */
  truth: { train: readonly string[]; val: readonly string[]; test: readonly string[] };
  /** Per train position: 1 when the noise ledger lists the sample as corrupted. */
  corrupted: Uint8Array;
  /** Whether the kind changes labels (y-*): then the corrupted subset is scored against its corrupted labels. */
  labelNoise: boolean;
  /** Bootstrap resamples per interval (default `BOOTSTRAP_RESAMPLES`). */
  resamples?: number;
  /**
   * Cross-fitting fold of each train position (`assignFolds` of the sample ids): with it, a run
   * with corrupted samples also gets its detection candidate table (detection-choice.ts).
   */
  folds?: Uint8Array;
}

export interface RunMetrics {
  epochs: EpochReport[];
  final: { trainF1: number; testF1: number | null; gap: number | null; noiseFitRate: number | null };
  membership: { auroc: number; advantage: number } | null;
  detection: SignalQuality[];
  /** The run's detection candidate table (docs/metrics.md § "Detection choice"); absent without corruption or folds. */
  detectionCandidates?: DetectionCandidates;
  /** 95 % intervals of `final` and the membership AUROC. */
  intervals: RunIntervals;
  /** The replicates behind the intervals, for the headline intervals over runs. */
  replicates: RunReplicates;
  /** The per-sample signals of the training split (for findings and the CSV export). */
  signals: PerSampleSignals;
  /** Cartography regions of the training samples, clean vs corrupted. */
  cartography: CartographySummary;
}

function metricsOf(s: TaskScores, loss: number): SplitMetrics {
  return { loss, accuracy: s.exactMatch, precision: s.precision, recall: s.recall, f1: s.f1 };
}

function meanLossOfRow(d: SplitDynamics, r: number, mask?: Uint8Array): number {
  const { loss } = d.row(r);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < d.n; i++) {
    if (mask && !mask[i]) continue;
    sum += loss[i]!;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

/** A NaN or infinite value has no place in a JSON report; the schema expects null for "not defined". */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function computeRunMetrics(input: RunMetricsInput): RunMetrics {
  const { dynamics, vocab, truth, corrupted } = input;
  const train = dynamics.train;
  const hasCorrupted = corrupted.some((c) => c === 1);
  const clean = corrupted.map((c) => (c ? 0 : 1));
  // docs/metrics.md § "Subtoken F1": train as trained (noisy labels); the clean subset against its
  // true labels; the corrupted subset against its corrupted labels for label noise (its accuracy is
  // the noise fit rate), against the true labels for input noise (the label did not change).
  const trainScores = taskScoresPerEpoch(train, vocab, { unkTruth: 'skip' });
  const cleanScores = taskScoresPerEpoch(train, vocab, { truth: truth.train, mask: clean });
  const corruptScores = hasCorrupted
    ? input.labelNoise
      ? taskScoresPerEpoch(train, vocab, { mask: corrupted, unkTruth: 'skip' })
      : taskScoresPerEpoch(train, vocab, { truth: truth.train, mask: corrupted })
    : [];
  const evalScores = (d: SplitDynamics, t: readonly string[]) => (d.n > 0 ? taskScoresPerEpoch(d, vocab, { truth: t }) : []);
  const valScores = evalScores(dynamics.val, truth.val);
  const testScores = evalScores(dynamics.test, truth.test);
  const gini = lossGiniPerEpoch(train);

  // Val/test are recorded only at evaluated epochs; map them by epoch number.
  const evalRowByEpoch = (d: SplitDynamics): Map<number, number> => {
    const m = new Map<number, number>();
    for (let r = 0; r < d.rows; r++) m.set(d.row(r).epoch, r);
    return m;
  };
  const valRows = evalRowByEpoch(dynamics.val);
  const testRows = evalRowByEpoch(dynamics.test);

  const epochs: EpochReport[] = [];
  for (let r = 0; r < train.rows; r++) {
    const epoch = train.row(r).epoch;
    const curve = input.curves.find((c) => c.epoch === epoch);
    const vr = valRows.get(epoch);
    const tr = testRows.get(epoch);
    epochs.push({
      epoch: epoch + 1,
      train: metricsOf(trainScores[r]!, meanLossOfRow(train, r)),
      trainClean: clean.some((c) => c === 1) ? metricsOf(cleanScores[r]!, meanLossOfRow(train, r, clean)) : null,
      trainCorrupted: hasCorrupted ? metricsOf(corruptScores[r]!, meanLossOfRow(train, r, corrupted)) : null,
      val: vr === undefined ? null : metricsOf(valScores[vr]!, meanLossOfRow(dynamics.val, vr)),
      test: tr === undefined ? null : metricsOf(testScores[tr]!, meanLossOfRow(dynamics.test, tr)),
      lossGini: gini[r]!,
      learningRate: curve?.lr ?? NaN,
    });
  }
  const last = epochs[epochs.length - 1]!;
  const lastTest = [...epochs].reverse().find((e) => e.test !== null)?.test ?? null;
  // docs/metrics.md § "Generalization gap" = train F1 − test F1 at the final epoch.
  const trainF1 = last.train.f1;
  const testF1 = lastTest ? lastTest.f1 : null;
  const noiseFitRate = input.labelNoise && last.trainCorrupted ? last.trainCorrupted.accuracy : null;

  // Loss-threshold membership inference (Yeom et al.): final train losses vs final test losses.
  let membership: RunMetrics['membership'] = null;
  if (dynamics.test.rows > 0 && dynamics.test.n > 0 && train.n > 0) {
    const trainLoss = train.row(train.rows - 1).loss.subarray(0, train.n);
    const testLoss = dynamics.test.row(dynamics.test.rows - 1).loss.subarray(0, dynamics.test.n);
    const mi = lossMembershipInference(trainLoss, testLoss);
    membership = { auroc: mi.auroc, advantage: mi.advantage };
  }

  const signals = perSampleSignals(train);
  const byName = signals as unknown as Record<string, Float64Array | Int32Array>;
  const replicates = scoreReplicates(input);
  const detection: SignalQuality[] = hasCorrupted
    ? detectionQuality(byName, corrupted)
        .filter((q) => Number.isFinite(q.auroc))
        .map((q) => {
          const score = suspicion(byName[q.signal]!, q.orientation);
          // The curve behind the AUROC, for the report's ROC chart (a few kilobytes per signal).
          const roc = rocCurve(score, corrupted);
          const ci = detectionIntervals(q.signal, score, corrupted, input.resamples, replicates);
          return { signal: q.signal, auroc: q.auroc, averagePrecision: q.averagePrecision, ...ci, ...(roc ? { roc: rocPoints(roc) } : {}) };
        })
    : [];
  const interval = (name: string) => (replicates[name] ? percentileInterval(replicates[name]) : null);
  const intervals: RunIntervals = {
    trainF1: interval('trainF1'),
    testF1: interval('testF1'),
    gap: interval('gap'),
    noiseFitRate: noiseFitRate === null ? null : interval('noiseFitRate'),
    membershipAuroc: membership ? interval('membershipAuroc') : null,
  };
  const candidates = hasCorrupted && input.folds ? detectionCandidates(train, corrupted, input.folds, bestValRows(epochs)) : undefined;
  return {
    epochs: epochs.map((e) => ({ ...e, lossGini: finiteOrNull(e.lossGini) ?? 0 })),
    final: { trainF1, testF1, gap: testF1 === null ? null : trainF1 - testF1, noiseFitRate },
    membership,
    detection,
    ...(candidates ? { detectionCandidates: candidates } : {}),
    intervals,
    replicates,
    signals,
    cartography: cartographySummary(signals, corrupted),
  };
}

/** The bootstrap seed of one statistic: its own stream, the same in every run. */
function seedOf(name: string): number {
  return new Rng(BOOTSTRAP_SEED).fork(name).nextU32();
}

/**
 * Replicates of the run's train F1, test F1, gap, noise fit rate and membership AUROC
 * (docs/metrics.md § "Uncertainty (bootstrap intervals)"), each over the samples its score is
 * computed on; a score without samples has none.
 */
export function scoreReplicates(input: RunMetricsInput): RunReplicates {
  const { dynamics, vocab, truth, corrupted } = input;
  const train = dynamics.train;
  const test = dynamics.test;
  const opts = (name: string) => ({ seed: seedOf(name), ...(input.resamples !== undefined ? { resamples: input.resamples } : {}) });
  const out: RunReplicates = {};
  if (train.rows === 0 || train.n === 0) return out;
  const trainTop1 = train.row(train.rows - 1).top1.subarray(0, train.n);
  const trainCounts = taskCountsFromClasses(trainTop1, train.labels, vocab, { unkTruth: 'skip' });
  if (trainCounts.tp.length > 0) out.trainF1 = microF1Replicates(trainCounts, opts('trainF1'));
  if (test.rows > 0 && test.n > 0) {
    const last = test.row(test.rows - 1);
    out.testF1 = microF1Replicates(taskCountsFromClasses(last.top1.subarray(0, test.n), truth.test, vocab), opts('testF1'));
    if (out.trainF1) out.gap = differenceReplicates(out.trainF1, out.testF1);
    const trainLoss = train.row(train.rows - 1).loss.subarray(0, train.n);
    const score = Float64Array.from([...trainLoss, ...last.loss.subarray(0, test.n)], (l) => -l);
    const member = Uint8Array.from(score, (_, i) => (i < train.n ? 1 : 0));
    const mia = rankingReplicates(score, member, opts('membershipAuroc'));
    if (mia) {
      out.membershipAuroc = mia.auroc;
      out.membershipAdvantage = mia.advantage;
    }
  }
  if (input.labelNoise && corrupted.some((c) => c === 1)) {
    const fit = taskCountsFromClasses(trainTop1, train.labels, vocab, { mask: corrupted, unkTruth: 'skip' });
    if (fit.exact.length > 0) out.noiseFitRate = meanReplicates(fit.exact, opts('noiseFitRate'));
  }
  return out;
}

/** Stratified intervals of one signal's detection AUROC and AP; its AUROC replicates go to `replicates`. */
function detectionIntervals(signal: string, score: Float64Array, corrupted: Uint8Array, resamples: number | undefined, replicates: RunReplicates): Pick<SignalQuality, 'aurocInterval' | 'averagePrecisionInterval'> {
  const r = rankingReplicates(score, corrupted, { seed: seedOf(`detection:${signal}`), ...(resamples !== undefined ? { resamples } : {}) });
  if (!r) return {};
  replicates[`auroc:${signal}`] = r.auroc;
  replicates[`ap:${signal}`] = r.averagePrecision;
  return { aurocInterval: percentileInterval(r.auroc)!, averagePrecisionInterval: percentileInterval(r.averagePrecision)! };
}

/** Rates rounded to 1e-4: finer than any chart draws, and a third of the digits in the JSON. */
function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** A ROC curve as the report keeps it: at most `ROC_MAX_POINTS` points, rates rounded. */
export function rocPoints(c: RocCurve): RocPoints {
  const d = downsampleCurve(c, ROC_MAX_POINTS);
  return { fpr: Array.from(d.fpr, round4), tpr: Array.from(d.tpr, round4) };
}

/**
 * Training samples per cartography region (docs/metrics.md § "Data cartography"; default
 * thresholds), clean vs corrupted.
 */
export function cartographySummary(signals: Pick<PerSampleSignals, 'confidence' | 'variability'>, corrupted: Uint8Array): CartographySummary {
  const regions = cartographyRegions(signals);
  const count = (): RegionCount => ({ clean: 0, corrupted: 0 });
  const out: CartographySummary = {
    thresholds: { ...DEFAULT_REGION_THRESHOLDS },
    regions: { easy: count(), ambiguous: count(), hard: count() },
  };
  for (let p = 0; p < regions.length; p++) {
    const name = REGION_NAMES[regions[p]!];
    if (name === 'undefined' || name === undefined) continue;
    out.regions[name][corrupted[p] ? 'corrupted' : 'clean']++;
  }
  return out;
}
