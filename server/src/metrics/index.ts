/**
 * Metrics of docs/metrics.md as small pure modules (one per section or signal). See README.md for
 * the map of files to sections and the conventions on invalid and undefined inputs (check.ts).
 */
export { type DynamicsRowView, type DynamicsSource, dynamicsFromRows, maskFromPositions } from './dynamics-source';
export type { Mask, Numbers } from './check';
export {
  type ClassScoreOptions,
  type LabelVocabulary,
  type SampleCounts,
  type SubtokenCounts,
  type TaskScores,
  isExactMatch,
  labelSubtokens,
  normalizeSubtokens,
  subtokenCounts,
  taskScores,
  taskScoresFromClasses,
  taskCountsFromClasses,
  taskScoresFromCounts,
  taskScoresPerEpoch,
} from './task';
export {
  type LevelResult,
  accuracyPerEpoch,
  bestEpoch,
  generalizationGap,
  generalizationScore,
  memorizationScore,
  noiseFitRate,
  noiseSensitivity,
} from './run';
export { gini, lossGiniPerEpoch } from './gini';
export { type MembershipInference, correctnessMembershipAdvantage, lossMembershipInference } from './membership';
export { type RankingQuality, auroc, aurocTwoSample, averagePrecision, maxTprMinusFpr, orderByScore, qualityOfGroups, rankingQuality } from './ranking';
export { type AumOptions, aum } from './aum';
export { type Cartography, type RegionThresholds, DEFAULT_REGION_THRESHOLDS, REGION, REGION_NAMES, cartography, cartographyRegions } from './cartography';
export { type Forgetting, firstLearnedEpoch, forgetting, forgettingEvents } from './forgetting';
export { type LossSignals, lossSignals } from './loss-signals';
export { type PerSampleSignals, type SignalName, SIGNAL_NAMES, SIGNAL_ORIENTATION, perSampleSignals, suspicion } from './signals';
export { type SignalQuality, bestSignal, detectionQuality, rankBySuspicion } from './detection';
export { type RocCurve, areaUnderCurve, downsampleCurve, rocCurve } from './roc';
export {
  type SusceptibilityCandidate,
  type SusceptibilitySelection,
  selectBySusceptibility,
  susceptibility,
  susceptibilityDeltas,
} from './susceptibility';
export {
  type CsrResult,
  type LassCsrResult,
  type LassModel,
  type LassParams,
  type LassResult,
  criticalSampleRatio,
  criticalSampleRatioLass,
  embeddingScale,
  lassSearch,
} from './csr';
export { type FlipRate, flipCounts, flipRate, flipRates } from './flip';
export {
  type BootstrapOptions,
  type CountColumns,
  type Interval,
  type RankingReplicates,
  BOOTSTRAP_RESAMPLES,
  INTERVAL_LEVEL,
  differenceReplicates,
  meanInterval,
  meanReplicates,
  microF1Interval,
  microF1Replicates,
  percentileInterval,
  quantileSorted,
  rankingIntervals,
  rankingReplicates,
} from './bootstrap';
export { type DynamicsWindow, type WindowKind, SIGNAL_MIN_EPOCHS, detectionWindows, windowSignals, windowedDynamics } from './windows';
export {
  type FoldPredictions,
  type MemorizationScores,
  type PositionPredictions,
  FITTED_THRESHOLD,
  MEM_FOLD_SEED,
  memorizationFolds,
  memorizationScores,
  memorizedOrder,
  notLearnedOrder,
} from './memorization';
export { type CrossFit, DETECTION_FOLDS, FOLD_SEED, assignFolds, candidateAurocs, crossFit, foldAurocs, foldCounts, withOrientations } from './crossfit';
