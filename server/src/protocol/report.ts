/**
 * The audit report, version 3 (version 2 had no cross-fitted detection choice, version 1 no
 * intervals; readers accept all three, the newer fields being optional): everything a person, a CI pipeline or the VS Code extension needs
 * to read an audit without retraining. `report.json` holds one `AuditReport`; its JSON Schema is
 * `report.schema.json` (next to this file) and every written report is validated against it.
 *
 * Conventions: noise levels are percentages (0–100); rates, F1 and AUROC are in [0, 1]; epochs are
 * 1-based in curves (epoch 1 = after the first pass over the training data); source ranges are
 * 0-based lines and columns, as in the extracted samples (the SARIF writer converts to 1-based).
 */

export const REPORT_SCHEMA_VERSION = 3;
/**
 * Versions a reader accepts: version 2 is version 3 without `detection.choice` and the runs'
 * `detectionCandidates`, version 1 is version 2 without the optional interval fields.
 */
export const READABLE_REPORT_VERSIONS: readonly number[] = [1, 2, 3];

export interface AuditReport {
  /**
   * 1 in reports written before the intervals existed (no `intervals`, `scoreIntervals`,
   * `scoreStatus`, `uncertainty`); 2 in reports written before the cross-fitted detection choice
   * (no `detection.choice`, no runs' `detectionCandidates`; `detection_auroc` was in-sample).
   */
  schemaVersion: 1 | 2 | typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'memaudit'; version: string };
  /** Id of the audit run (folder name under `<outDir>/runs/`). */
  runId: string;
  /** ISO 8601 time the audit finished. */
  createdAt: string;
  /** The resolved configuration (gates as text). */
  config: ReportConfig;
  environment: ReportEnvironment;
  corpus: ReportCorpus;
  dataset: ReportDataset;
  /** One entry per training run of the grid (kind × level × seed); the clean run has kind 'none', level 0. */
  runs: RunReport[];
  /**
   * Headline scores (docs/metrics.md § "Headline scores and gates"). A score that could not be
   * computed is null.
   */
  scores: HeadlineScores;
  /**
   * 95 % bootstrap interval of each headline score (docs/metrics.md § "Uncertainty (bootstrap
   * intervals)"), null where the score or its replicates are missing. Absent in version 1.
   */
  scoreIntervals?: Record<ScoreKey, Interval | null>;
  /** Whether each headline score rests on enough data, and why not. Absent in version 1. */
  scoreStatus?: Record<ScoreKey, ScoreStatus>;
  /** How the intervals and the status were computed. Absent in version 1. */
  uncertainty?: UncertaintySettings;
  /**
   * Which per-sample signal found the injected noise best (docs/metrics.md § "Self-calibration
   * (detection AUROC / AP)").
   */
  detection: DetectionSummary;
  /**
   * Methods of the clean run. With the memorization score (`memorization` present): the memorized
   * ones (most memorized first), then the not-learned ones, up to 50 each, each with its
   * `category`. Without it (memFolds 0, older reports): ranked by the detection score, most
   * suspicious first.
   */
  findings: Finding[];
  /** The cross-fitted memorization score behind the findings' categories (absent when off or in older reports). */
  memorization?: MemorizationSummary;
  /** Quality gates and their outcome; the CLI exits with 1 when one failed. */
  gates: ReportGate[];
  /**
   * An audit of several models side by side (`--model bag,code2vec`): one entry per model, in
   * order, from each model's own audit (the report itself is the first model's). Absent with one model.
   */
  models?: ModelComparison[];
  /**
   * The mitigation explorer (audit/sweep.ts): one entry per setting, in order, from each
   * setting's own audit (the report is the first setting's, the baseline). Absent without a sweep.
   */
  sweep?: SweepSetting[];
  /** The one-line verdict of the sweep (docs/metrics.md § "Mitigation explorer"). */
  sweepRecommendation?: string;
  /**
   * Files of the audit, relative to the report's folder: `noiseDiffs`, the original and noised
   * code of the findings that noisy runs corrupted (`NoiseDiffs` in noise-diffs.ts), for diff views.
   * Absent in reports written before it existed.
   */
  files?: {
    noiseDiffs?: string;
    /** Every training method's memorization score, a CSV table (with `memorization`). */
    memorization?: string;
  };
  timings: { totalMs: number; extractMs: number; datasetMs: number; trainMs: number; metricsMs: number; reportMs: number };
}

/** A 95 % interval [low, high] (percentile bootstrap). */
export interface Interval {
  low: number;
  high: number;
}

/** The keys of `HeadlineScores`. */
export type ScoreKey = keyof HeadlineScores;

/** `ok: false` when the score's split is too small, its interval too wide, or it is missing; `reason` says which. */
export interface ScoreStatus {
  ok: boolean;
  reason?: string;
}

/** The settings behind `scoreIntervals` and `scoreStatus`. */
export interface UncertaintySettings {
  method: 'percentile-bootstrap';
  /** Resamples per interval (B). */
  resamples: number;
  /** Coverage, 0.95. */
  level: number;
  /** An interval wider than this marks its score insufficient. */
  maxWidth: number;
  /** A test split with fewer methods marks the test-based scores insufficient. */
  minTestMethods: number;
}

/** 95 % intervals of a run's scores (null where the score is null). */
export interface RunIntervals {
  trainF1: Interval | null;
  testF1: Interval | null;
  gap: Interval | null;
  noiseFitRate: Interval | null;
  membershipAuroc: Interval | null;
}

export interface ReportConfig {
  inputs: string[];
  language?: string;
  model: string;
  modelPreset: string;
  noise: { kind: string; levels: number[] }[];
  seeds: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  device: string;
  gates: string[];
  splitSeed: number;
  maxTrainSamples: number;
  susceptibility: boolean;
  csrEvery: number;
  /** Folds of the memorization score (0 = off); absent in older reports. */
  memFolds?: number;
  /** The task: `full` or `top:K` (audit/config.ts `labels`); absent in older reports (full). */
  labels?: string;
  /** Whether the runs were attacked (`runs[].adversarial`); absent in older reports. */
  adversarial?: boolean;
  /** The optimizer's weight decay; absent: 0. */
  weightDecay?: number;
  /** Overrides of the model preset's hyper-parameters. */
  hyper?: { dropout?: number };
  /** The sweep's axes (the per-setting audits have none). */
  sweep?: { name: string; values: number[] }[];
  /** Distillation weight of the noisy runs (docs/metrics.md § "Mitigation explorer"); absent: off. */
  distill?: number;
  /** Mixup's α (absent: off). */
  mixup?: number;
  /** Early stopping's patience in evaluations (validation F1); absent: off. */
  earlyStopping?: number;
}

/** The cross-fitted memorization score (docs/metrics.md § "Memorization score (cross-fitted)"). */
export interface MemorizationSummary {
  estimator: 'cross-fit (Feldman & Zhang 2020)';
  /** K: the fold runs, each holding one fold out. */
  folds: number;
  /** Ids of the fold runs (folders of the audit beside the grid's runs; not in `runs`). */
  runs: string[];
  /** Training time of the fold runs. */
  seconds: number;
  /** Training samples with a score (a fold run held them out). */
  samples: number;
  /** Samples in each category (all of them; the findings keep up to 50 of each). */
  memorized: number;
  notLearned: number;
  /** Mean mem of the (up to) 50 most memorized; null when none is. */
  meanMemTop50: number | null;
}

/** A finding's category under the memorization score. */
export type FindingCategory = 'memorized' | 'not-learned';

export interface ReportEnvironment {
  node: string;
  platform: string;
  arch: string;
  cpus: number;
  /** Device requested, device used, and why another one was not (e.g. no Vulkan loader). */
  device: { requested: string; used: string; notes: string[] };
  parser: string;
}

export interface ReportCorpus {
  inputs: string[];
  filesParsed: number;
  filesSkipped: Record<string, number>;
  samples: number;
  byLanguage: Record<string, number>;
}

export interface ReportDataset {
  train: number;
  /** Training samples used (after the `maxTrainSamples` subset). */
  trainUsed: number;
  val: number;
  test: number;
  labels: number;
  labelCoverage: { train: number; val: number; test: number };
  exactDuplicatesRemoved: number;
  leakageRemoved: number;
  nearDuplicatePairs: number;
  split: string;
}

/** Task metrics of one split at one epoch (docs/metrics.md § "Subtoken F1"). */
export interface SplitMetrics {
  loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EpochReport {
  epoch: number;
  /** Train as trained (noisy labels). */
  train: SplitMetrics;
  /** Training samples the noise left alone, scored against their (true) labels. */
  trainClean: SplitMetrics | null;
  /** Corrupted training samples, scored against their corrupted labels; accuracy = noise fit rate. */
  trainCorrupted: SplitMetrics | null;
  val: SplitMetrics | null;
  test: SplitMetrics | null;
  /** Gini coefficient of per-sample training loss. */
  lossGini: number;
  learningRate: number;
}

export interface SignalQuality {
  signal: string;
  auroc: number;
  averagePrecision: number;
  /** 95 % bootstrap intervals (stratified; docs/metrics.md § "Uncertainty (bootstrap intervals)"); absent in version 1. */
  aurocInterval?: Interval;
  averagePrecisionInterval?: Interval;
  /**
   * Runs only: the signal's ROC curve against the run's ledger, downsampled along its length to
   * at most `ROC_MAX_POINTS` points of the full curve, rates rounded to 1e-4 (metrics/roc.ts).
   */
  roc?: RocPoints;
}

/** Most points a ROC curve keeps in the report. */
export const ROC_MAX_POINTS = 100;

/** A ROC curve: false and true positive rates, both non-decreasing, from (0, 0) to (1, 1). */
export interface RocPoints {
  fpr: number[];
  tpr: number[];
}

/** Training samples of a cartography region, by the ledger. */
export interface RegionCount {
  clean: number;
  corrupted: number;
}

/**
 * Dataset cartography of a run's training samples (docs/metrics.md § "Data cartography") summed up
 * by region: ambiguous when variability ≥ `thresholds.ambiguousVariability`, else easy when
 * confidence ≥ `thresholds.easyConfidence`, else hard. The per-sample map is in the run's
 * `files.cartography`.
 */
export interface CartographySummary {
  thresholds: { ambiguousVariability: number; easyConfidence: number };
  regions: { easy: RegionCount; ambiguous: RegionCount; hard: RegionCount };
}

export interface RunReport {
  id: string;
  /** Noise kind, or 'none' for the clean run. */
  kind: string;
  /** Percent of the training split corrupted. */
  level: number;
  seed: number;
  /** Training samples actually corrupted (some kinds skip samples they cannot change). */
  corrupted: number;
  epochs: EpochReport[];
  final: {
    trainF1: number;
    testF1: number | null;
    gap: number | null;
    /** Accuracy of corrupted samples against their corrupted labels at the last epoch; null without corruption. */
    noiseFitRate: number | null;
  };
  membership: { auroc: number; advantage: number } | null;
  /** 95 % bootstrap intervals of `final` and `membership.auroc` (absent in version 1). */
  intervals?: RunIntervals;
  /** Detection quality of every per-sample signal against this run's ledger (empty for the clean run). */
  detection: SignalQuality[];
  /** Noisy runs: what the cross-fitted detection choice needs from this run (absent before version 3). */
  detectionCandidates?: DetectionCandidates;
  /** Robustness: share of test predictions that change under meaning-preserving edits, per transform. */
  flipRates: Record<string, number>;
  /** Files of this run, relative to the report's folder. */
  files: { dynamics?: string; ledger?: string; signals?: string; cartography?: string };
  /** Cartography regions of the training samples, clean vs corrupted (absent in older reports). */
  cartography?: CartographySummary;
  device: string;
  /**
   * Susceptibility ζ (docs/metrics.md § "Susceptibility ζ"): per epoch, the mean loss on a fixed
   * random-label batch before and after one optimizer step on it, and ζ(t) = running mean of the
   * drop (ζ of epoch 0 is null).
   */
  susceptibility: { phiBefore: number[]; phiAfter: number[]; zeta: (number | null)[] } | null;
  /**
   * Critical sample ratio in embedding space (docs/metrics.md § "Critical sample ratio") at the
   * epochs it was measured (1-based).
   */
  criticalSampleRatio: { epoch: number; ratio: number; evaluated: number; scale: number; radius: number; step: number; noise: number }[];
  /**
   * Adversarial robustness (docs/metrics.md § "Adversarial robustness"): flip rates under FGSM and
   * PGD in embedding space and under the greedy rename attack. Absent when the audit turned it
   * off (`adversarial: false`), in older reports, and for a model without input-embedding graphs.
   */
  adversarial?: AdversarialReport;
  /** `probesMs`: time of the susceptibility and critical-sample measurements; `adversarialMs`: of the attacks. */
  timings: { trainMs: number; evalMs: number; recordMs: number; metricsMs: number; probesMs?: number; adversarialMs?: number };
  /**
   * With early stopping (`config.earlyStopping`): the epoch (1-based) of the best validation
   * accuracy, and, when the run stopped before `config.epochs`, the last epoch it trained (the
   * epoch its numbers are from). Absent without early stopping.
   */
  bestEpoch?: number;
  stoppedAtEpoch?: number;
}

/** A run's adversarial flip rates (docs/metrics.md § "Adversarial robustness"). */
export interface AdversarialReport {
  /** Relative L∞ radii ε of FGSM and PGD (units of each sample's embedding RMS), ascending. */
  epsilons: number[];
  /** PGD iterates (the first is FGSM's step) and the step α as a multiple of ε. */
  steps: number;
  stepFactor: number;
  /** Rename attack: new names tried per local, renames kept at most. */
  renameCandidates: number;
  renameBudget: number;
  /** The fixed subset of the training split (what the model saw: memorized or learned). */
  train: AdversarialSplit;
  /** Its corrupted members (noisy runs with corrupted samples in the subset; else absent). */
  trainCorrupted?: AdversarialSplit;
  /** The fixed subset of the test split (unseen: generalization). */
  test: AdversarialSplit;
}

/** Flip rates of one evaluated set. */
export interface AdversarialSplit {
  /** Samples attacked in embedding space. */
  evaluated: number;
  /** Share of predictions FGSM changed, per ε (same order as `epsilons`). */
  fgsm: number[];
  /** Share of predictions any PGD iterate changed, per ε (≥ fgsm at the same ε). */
  pgd: number[];
  /** Rename attack; null when no sample of the set could be renamed (or the set has no source). */
  rename: {
    /** Samples with a renamable local and their source text. */
    applicable: number;
    flipped: number;
    /** flipped / applicable. */
    rate: number;
    /** Mean renames kept over the flipped samples (null when none flipped). */
    meanRenames: number | null;
  } | null;
}

export interface HeadlineScores {
  /** Test F1 of the clean run. */
  G: number | null;
  /** Mean final noise fit rate over label-noise runs with level > 0. */
  M: number | null;
  /** Train F1 − test F1 of the clean run. */
  gap: number | null;
  /** Least-squares slope of test F1 against the label-noise level (per unit of level in [0, 1]). */
  sensitivity: number | null;
  mia_auc: number | null;
  mia_advantage: number | null;
  train_f1: number | null;
  test_f1: number | null;
  /**
   * Held-out (cross-fitted) AUROC of the chosen detection score, `DetectionSummary.choice`
   * (docs/metrics.md § "Detection choice"). Version 2 reports: the in-sample mean AUROC of the best
   * signal over the calibration runs.
   */
  detection_auroc: number | null;
}

/** A window of training dynamics: the first `epochs` recorded epochs (docs/metrics.md § "Detection choice"). */
export interface DetectionWindowRef {
  /** 'all', 'first-<k>' or 'best-val'; the same in every run of an audit. */
  id: string;
  kind: 'all' | 'first' | 'best-val';
  /** Epochs in the window (for 'best-val' it varies by run; in a choice, the clean run's). */
  epochs: number;
}

/**
 * Per noisy run, the detection AUROC of every signal over every window of its dynamics, on each
 * cross-fitting fold and on all training samples (docs/metrics.md § "Detection choice").
 */
export interface DetectionCandidates {
  /** Folds K (2). */
  folds: number;
  /** Corrupted and clean training samples per fold. */
  foldSizes: { corrupted: number[]; clean: number[] };
  windows: DetectionWindowRef[];
  /**
   * `<signal>@<window id>` → AUROC of the suspicion score with orientation +1 on fold 0, …, fold
   * K−1, then all samples (rounded to 1e-6; null where undefined). Orientation −1 has 1 − AUROC.
   */
  auroc: Record<string, (number | null)[]>;
}

/** One fold of the cross-fit: the candidate chosen on the other fold, and its AUROC on this one. */
export interface DetectionFoldChoice {
  signal: string;
  orientation: 1 | -1;
  window: string;
  auroc: number | null;
}

/**
 * The detection score the findings use and how well it detects (docs/metrics.md § "Detection
 * choice"): chosen among signal × orientation × window on the calibration runs; its honest
 * estimate is the cross-fitted `heldOutAuroc`, `inSampleAuroc` (same samples) is optimistic.
 */
export interface DetectionChoice {
  signal: string;
  orientation: 1 | -1;
  window: DetectionWindowRef;
  /** Mean over folds and calibration runs of the AUROC of each fold's choice on that fold. */
  heldOutAuroc: number;
  /** 95 % bootstrap interval of `heldOutAuroc` (null when the runs' dynamics were not readable). */
  heldOutInterval: Interval | null;
  /** AUROC of the choice on the samples it was chosen on: optimistic, for comparison. */
  inSampleAuroc: number;
  inSampleInterval: Interval | null;
  /** Candidates compared (signal × orientation × window). */
  candidates: number;
  folds: number;
  foldChoices: DetectionFoldChoice[];
  /** Per calibration run (in run order), its own held-out AUROC: the mean over folds of the fold's choice on that fold of the run. */
  byRun?: { run: string; heldOutAuroc: number | null; heldOutInterval?: Interval | null }[];
  /** One line for people: what was chosen and how it was measured. */
  reason: string;
}

export interface DetectionSummary {
  /** The chosen signal (`choice.signal`; before version 3 the best by mean AUROC), or null when no run had corruption. */
  best: string | null;
  /** The cross-fitted choice of signal, orientation and window (absent before version 3 and without candidates). */
  choice?: DetectionChoice;
  /** Mean quality of every signal over the calibration runs. */
  signals: SignalQuality[];
  /**
   * The noisy runs averaged (ids of `runs`): the label-noise runs below 100% when there are any
   * (their corrupted samples can only be fitted by memorizing), else every label-noise run, else
   * every noisy run. Absent in reports written before it was recorded (all noisy runs then).
   */
  calibrationRuns?: string[];
}

export interface Finding {
  sampleId: string;
  /** Path relative to the corpus root it came from (forward slashes). */
  file: string;
  /** The corpus root (as given in `config.inputs`) the file is under. */
  root: string;
  /** For JSONL input: 1-based line of the record in `file` (the JSONL file). */
  jsonlLine?: number;
  /** For files inside a zip archive: the entry path inside the archive (`file` is the archive). */
  archiveEntry?: string;
  /** Repository name when known (JSONL `repo` field, or the root's folder name). */
  repo?: string;
  /** For JSONL input: the record's `path` field (the method's source file inside `repo`). */
  recordPath?: string;
  /**
   * The method's declaration, 0-based, end exclusive, columns in UTF-16 code units. For JSONL input
   * it is relative to the record's `code` snippet, for a zip entry to the entry's text.
   */
  range: { startLine: number; startColumn: number; endLine: number; endColumn: number };
  language: string;
  name: string;
  /** Which split the sample is in (findings come from the training split). */
  split: 'train';
  signal: string;
  /** The window of the clean run's dynamics the signal was computed over (absent before version 3: all epochs). */
  window?: DetectionWindowRef;
  /** The signal's suspicion score (higher = more likely memorized). */
  score: number;
  /** 1-based rank among all training samples of the clean run by the detection score (`signal`). */
  rank: number;
  /** Per-sample signals behind the finding, for the hover and the table. */
  details: Record<string, number>;
  message: string;
  /**
   * The noisy runs that corrupted this method's training copy, in run order (absent in older
   * reports; empty when no noisy run touched it). The method itself is a clean-run finding.
   */
  noise?: FindingNoise[];
  /**
   * With the memorization score: 'memorized' (fitted when trained on, not predicted when held
   * out) or 'not-learned' (not fitted even when trained on). Absent without it.
   */
  category?: FindingCategory;
  /** Memorization score P_in − P_out ∈ [−1, 1]. */
  mem?: number;
  /** mean p(label) of the models trained on it − p(label) of the one that held it out. */
  memProb?: number;
  /** P_in: share of the models trained on the method that predicted its name. */
  fittedRate?: number;
  /** P_out: share of the models that held it out that predicted its name. */
  heldOutRate?: number;
}

/** A noisy run's corruption of a finding's method (from the run's ledger). */
export interface FindingNoise {
  runId: string;
  kind: string;
  level: number;
  seed: number;
  /** What was done, for people (the ledger's `edit`). */
  edit: string;
  /** Label kinds: the label (subtokens joined by `|`) before and after. */
  label?: { from: string; to: string };
  /** True when the audit's `files.noiseDiffs` holds the original and the noised code for this run. */
  diff: boolean;
}

export interface ReportGate {
  gate: string;
  metric: string;
  op: string;
  value: number;
  actual: number | null;
  passed: boolean;
  message: string;
}

/** One model of an audit of several side by side (`AuditReport.models`). */
export interface ModelComparison {
  model: string;
  modelPreset: string;
  /** Its own audit's id (folder under `<outDir>/runs/`), where its report.json is. */
  runId: string;
  scores: HeadlineScores;
  scoreIntervals?: Record<ScoreKey, Interval | null>;
  /** Held-out AUROC of its detection choice; null without a choice. */
  detectionAuroc: number | null;
  /** Per noise kind and level (the clean runs at level 0 of each kind), means over seeds. */
  levels: ModelLevel[];
}

/** One setting of a sweep (`AuditReport.sweep`): its headline scores and its noisy grid. */
export interface SweepSetting {
  /** Setting name → value, e.g. `{ dropout: 0.5, weightDecay: 0.001 }`. */
  setting: Record<string, number>;
  /** Its own audit's id (folder under `<outDir>/runs/`). */
  runId: string;
  G: number | null;
  M: number | null;
  gap: number | null;
  /** Test F1 of the clean runs at the epoch of their best validation F1 (mean over seeds). */
  bestEpochTestF1: number | null;
  /** Per noise kind and level (the clean runs at level 0), means over seeds. */
  levels: SweepLevel[];
}

/** One noise level of a sweep setting: noise fit, and test F1 at the last and the best-validation epoch. */
export interface SweepLevel {
  kind: string;
  level: number;
  /** Accuracy of the corrupted samples on their corrupted labels at the last epoch; null without corruption. */
  noiseFit: number | null;
  testF1: number | null;
  bestEpochTestF1: number | null;
}

/** Final numbers of one model at one noise level, means over seeds. */
export interface ModelLevel {
  kind: string;
  level: number;
  testF1: number | null;
  trainF1: number | null;
  /** Accuracy of the corrupted samples on their corrupted labels; null without corruption. */
  noiseFit: number | null;
  /** Share of test predictions changed per meaning-preserving transform. */
  flipRates: Record<string, number>;
  /** PGD flip rate on the test subset at the largest ε; absent without adversarial numbers. */
  adversarialFlip?: number | null;
}
