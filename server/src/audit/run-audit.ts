/**
 * The audit: extract → dataset → for every run of the plan (kind × level × seed) apply the noise
 * to the training split, train a fresh model from the same initial seed while recording every
 * sample's dynamics, compute the run's metrics → aggregate scores, self-calibration (which signal
 * finds the injected noise best) and findings on the clean run → report.
 *
 * Resumable: each run lives in `<outDir>/runs/<auditKey>/<runId>/`; a finished run leaves a
 * `result.json` (written atomically, last) and is reused as is; an interrupted one resumes from
 * its checkpoint. The audit key hashes the corpus, the dataset and every setting that changes
 * results, so rerunning the same command finds the same folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256Hex, stableStringify } from '../cache/keys';
import type { Dataset } from '../dataset/build';
import type { SampleColumns } from '../dataset/columns';
import { topLabelsOf } from '../dataset/labels';
import { EngineError, ERROR_CODES, isEngineError } from '../errors';
import { NOISE_VERSION } from '../noise/kinds';
import { DEFAULT_EXTRACT_SETTINGS } from '../parse/extract';
import { loadOrBuildDataset } from '../pipeline/dataset-stage';
import { extractCorpus, type CorpusExtraction } from '../pipeline/extract-corpus';
import { reportJsonText } from '../report/shared/json-text';
import { assertValidReport } from '../report/schema';
import { REPORT_SCHEMA_VERSION, type AuditReport, type DetectionSummary, type Finding, type MemorizationSummary, type ReportGate, type RunReport } from '../protocol/report';
import { datasetSource } from '../dataset/source';
import { Rng } from '../util/rng';
import type { ActiveRun, AuditProgress } from '../protocol';
import { writeFileAtomic } from '../util/atomic';
import { VERSION } from '../version';
import {
  calibrationRuns,
  defaultRanking,
  detectionAuroc,
  detectionReplicateName,
  detectionSummary,
  findingsOf,
  HELD_OUT_REPLICATES,
  headlineIntervals,
  headlineScores,
  scoreStatus,
  uncertaintySettings,
  type FindingRanking,
} from './aggregate';
import { detectionChoice, DETECTION_VERSION } from './detection-choice';
import { choiceReplicates, cleanWindowValues, meanInterval } from './detection-intervals';
import { assignFolds, memorizationFolds } from '../metrics';
import { cleanFinalEpoch, memorizationCsv, memorizationFindings } from './memorization-findings';
import { finishedMemFold, type MemFoldOutcome } from './mem-folds';
import { trainGridRun, type GridRun } from './grid-run';
import { windowLabel } from '../report/shared/format';
import { mitigationsOf, type AuditConfig } from './config';
import { evaluateGates, type GateMetric } from './gates';
import { editorFor } from './noise-adapter';
import { findingNoise } from './noise-diffs';
import { runModels } from './models';
import { runSweep } from './sweep';
import { planRuns, type PlannedRun } from './plan';
import { damagedRunFiles, finishedRun, ledgerIsWhole, rewriteLedger, type AuditInputs, type RunOutcome, type RunProgress } from './run-one';
import { AUDIT_FILES, RUN_FILES, RunsStore, type AuditFolder, type AuditLock } from './runs-store';
import { RunWorkers } from './run-workers';
import { schedule, schedulePolicy, type JobsSetting } from './scheduler';
import { teacherIndex, teacherMissing } from './teacher';
import { shardFileName, shardRuns, type ShardRecord, type ShardSpec } from './shard';
import { sourceLookup } from './source-lookup';

export interface AuditOptions {
  config: AuditConfig;
  cwd: string;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  log?: (message: string) => void;
  /** Findings kept in the report (most suspicious first). Default 50. */
  maxFindings?: number;
  /** Runs trained at a time (audit/scheduler.ts); default 'auto'. Results are the same for any. */
  jobs?: JobsSetting;
  /**
   * Train nothing: every run must be finished in the audit's folder (`memaudit merge`); the
   * error for the first one that is not (in plan order).
   */
  reuseOnly?: (missing: PlannedRun, folder: AuditFolder) => Error;
}

export interface AuditOutcome {
  report: AuditReport;
  /** Folder of this audit (`<outDir>/runs/<id>`); report.json is there. */
  runDir: string;
  reportFile: string;
  /** Runs reused from an earlier, interrupted invocation. */
  reusedRuns: number;
}

/** Share of the progress bar per stage; training takes the rest. */
const P_EXTRACT = 0.05;
const P_DATASET = 0.02;
const P_REPORT = 0.01;
const P_TRAIN = 1 - P_EXTRACT - P_DATASET - P_REPORT;

/**
 * The audit: with several models (`config.models`), one audit per model and their comparison
 * (audit/models.ts); with a sweep (`config.sweep`), one audit per setting and their comparison
 * (audit/sweep.ts); else the single-model audit.
 */
export async function runAudit(opts: AuditOptions): Promise<AuditOutcome> {
  if (opts.config.sweep) return runSweep(opts.config, opts.onProgress, (config, onProgress) => runSingleAudit({ ...opts, config, onProgress }));
  if (!opts.config.models) return runSingleAudit(opts);
  return runModels(opts.config, opts.onProgress, (config, onProgress) => runSingleAudit({ ...opts, config, onProgress }));
}

/** The audit's stages, in order; each leaves what the next needs. */
async function runSingleAudit(opts: AuditOptions): Promise<AuditOutcome> {
  return inAudit(opts, async (stage, corpus, inputs, clock) => {
    const grid = await runGrid(stage, inputs, planRuns(inputs.config));
    clock.trained = performance.now();
    return reportStage(stage, corpus, inputs, grid, clock);
  });
}

/** What a shard of an audit did (`runShard`). */
export interface ShardOutcome {
  /** The audit's id and folder (`<outDir>/runs/<id>`). */
  auditId: string;
  runDir: string;
  /** The shard's record in the audit folder (audit/shard.ts `ShardRecord`). */
  shardFile: string;
  /** The runs of the shard, in plan order, and how many of them the plan has in all. */
  runs: string[];
  planRuns: number;
  /** Runs reused from an earlier, interrupted invocation of the shard. */
  reusedRuns: number;
}

/**
 * Shard `spec` of the audit (audit/shard.ts): the stages up to the runs, for the shard's share of
 * the plan only; then its record in the audit folder, and no report (`memaudit merge` writes it
 * from every shard's runs). Resumable like the audit.
 */
export async function runShard(opts: AuditOptions, spec: ShardSpec): Promise<ShardOutcome> {
  if (opts.config.models) {
    throw new EngineError(ERROR_CODES.USAGE, `a shard trains one model: run each of ${opts.config.models.join(', ')} as its own sharded audit (--model ${opts.config.model} --shard …), or audit them together without --shard`, { flag: '--shard' });
  }
  if (opts.config.sweep) {
    throw new EngineError(ERROR_CODES.USAGE, '--shard with a sweep is not supported yet: run the sweep whole, or each setting alone with weightDecay / hyper in a config file', { flag: '--shard' });
  }
  if (opts.config.distill) {
    throw new EngineError(ERROR_CODES.USAGE, "--shard with distillation is not supported: a noisy run needs its seed's clean run (its teacher) in the same process; run the audit whole (--jobs N trains runs side by side)", { flag: '--shard' });
  }
  return inAudit(opts, async (stage, _corpus, inputs) => {
    const plan = planRuns(inputs.config);
    const mine = shardRuns(plan, spec, inputs.config);
    const grid = await runGrid(stage, inputs, mine);
    const record: ShardRecord = { auditId: inputs.folder.id, shard: spec.index, of: spec.count, runs: mine.map((r) => r.id), finishedAt: new Date().toISOString() };
    const shardFile = path.join(inputs.folder.dir, shardFileName(spec));
    await writeFileAtomic(shardFile, JSON.stringify(record, null, 2));
    stage.progress({ stage: 'train', fraction: 1, message: 'done' });
    return { auditId: inputs.folder.id, runDir: inputs.folder.dir, shardFile, runs: record.runs, planRuns: plan.length, reusedRuns: grid.reused };
  });
}

/** Opens the audit (corpus, dataset, its folder under lock), runs `body`, releases the lock. */
async function inAudit<T>(opts: AuditOptions, body: (s: Stage, corpus: CorpusStage, inputs: AuditInputs, clock: Clock) => Promise<T>): Promise<T> {
  const clock = { start: performance.now(), extracted: 0, datasetBuilt: 0, trained: 0 };
  const store = new RunsStore(path.resolve(opts.cwd, opts.config.outDir));
  const stage = { opts, log: onceLog(opts.log), progress: (p: AuditProgress) => opts.onProgress?.(p) };
  // A folder that cannot be written fails now, not after the training.
  await store.checkWritable();
  const corpus = await corpusStage(stage, store, clock);
  const { inputs, lock } = await openAudit(stage, corpus, store);
  try {
    return await body(stage, corpus, inputs, clock);
  } finally {
    lock.release();
  }
}

interface Stage {
  opts: AuditOptions;
  log: (message: string) => void;
  progress: (p: AuditProgress) => void;
}

interface Clock {
  start: number;
  extracted: number;
  datasetBuilt: number;
  trained: number;
}

/** Each run creates its sessions anew; say the same thing (e.g. the device fallback) only once. */
function onceLog(log: ((message: string) => void) | undefined): (message: string) => void {
  const said = new Set<string>();
  return (m) => {
    if (said.has(m)) return;
    said.add(m);
    log?.(m);
  };
}

interface CorpusStage {
  extraction: CorpusExtraction;
  dataset: Dataset;
  /** The dataset's identity (corpus, split settings and algorithm): part of the audit's id. */
  datasetKey: string;
  /** Dataset indices of the training positions (the audit's training subset). */
  trainIdx: Int32Array;
}

/** 1. Corpus and dataset: extract every method, build the split, pick the training subset. */
async function corpusStage(s: Stage, store: RunsStore, clock: Clock): Promise<CorpusStage> {
  const c = s.opts.config;
  s.progress({ stage: 'extract', fraction: 0, message: 'extracting methods' });
  const extraction = await extractCorpus({
    inputs: c.inputs,
    cwd: s.opts.cwd,
    corpus: { maxFileBytes: c.maxFileBytes, ...(c.language ? { forceLanguage: c.language } : {}) },
    cacheDir: store.cacheDir,
    log: s.log,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
    onProgress: (p) =>
      s.progress({ stage: 'extract', fraction: P_EXTRACT * (p.walkDone && p.found > 0 ? p.done / p.found : 0), message: `extracting: ${p.done} files, ${p.samples} methods` }),
  });
  clock.extracted = performance.now();
  s.progress({ stage: 'dataset', fraction: P_EXTRACT, message: 'building the dataset' });
  const { dataset, key: datasetKey } = await loadOrBuildDataset(extraction, { seed: c.splitSeed, topLabels: topLabelsOf(c.labels) }, store.cacheDir, s.log);
  clock.datasetBuilt = performance.now();
  if (dataset.train.length < 2 || dataset.test.length < 1) {
    throw new EngineError(
      ERROR_CODES.EMPTY_CORPUS,
      `The corpus is too small to audit: ${dataset.train.length} training and ${dataset.test.length} test methods after splitting and deduplication. ` +
        'An audit needs at least a few hundred methods (in several files) to say anything; point memaudit at a larger folder.',
    );
  }
  checkTopLabels(dataset, s.log);
  const trainIdx = subsetTrain(dataset.train, c.maxTrainSamples, c.splitSeed);
  if (trainIdx.length < dataset.train.length) {
    s.log(`training on a subset of ${trainIdx.length} of ${dataset.train.length} training methods (maxTrainSamples)`);
  }
  for (const w of dataset.report.warnings) s.log(w);
  return { extraction, dataset, datasetKey, trainIdx };
}

/**
 * `top:K`: says which names were kept and how many methods were left out; fewer than two names in
 * training is no classification task, an error rather than an audit.
 */
function checkTopLabels(dataset: Dataset, log: (message: string) => void): void {
  const top = dataset.report.labels;
  if (!top) return;
  const names = dataset.vocab.labels.strings.filter((_, c) => c !== dataset.vocab.labels.unk);
  const { train, val, test } = top.outside;
  log(`labels ${top.setting}: ${top.classes} of ${top.candidates} training names kept (${names.join(', ')}); methods left out: train ${train}, val ${val}, test ${test}`);
  if (top.classes < 2) {
    throw new EngineError(
      ERROR_CODES.EMPTY_CORPUS,
      `labels ${top.setting}: the training split has ${top.classes} distinct method name${top.classes === 1 ? '' : 's'}; a top-K task needs at least 2. Audit more code, or use labels 'full'.`,
    );
  }
}

/** A deterministic subset of at most `max` training samples (kept in canonical order). */
function subsetTrain(trainIdx: Int32Array, max: number, seed: number): Int32Array {
  if (max <= 0 || trainIdx.length <= max) return trainIdx;
  const order = Int32Array.from(trainIdx.keys());
  new Rng(seed ^ 0x5eed).shuffle(order);
  const keep = order.subarray(0, max).sort();
  return Int32Array.from(keep, (p) => trainIdx[p]!);
}

/**
 * 2. Where the audit lives, and what its runs share. The audit's id hashes the dataset (its
 * corpus, split settings and algorithm) and every setting that changes results, so rerunning the
 * same command finds the same folder (and resumes it).
 */
async function openAudit(s: Stage, corpus: CorpusStage, store: RunsStore): Promise<{ inputs: AuditInputs; lock: AuditLock }> {
  const c = s.opts.config;
  const { extraction } = corpus;
  // `labels: full` is left out so that audits from before the setting keep their ids (top:K
  // changes the dataset key as well).
  const resultConfig = { ...c, gates: undefined, outDir: undefined, inputs: undefined, labels: c.labels === 'full' ? undefined : c.labels };
  // DETECTION_VERSION: runs finished without the detection candidate table are not reused.
  const folder = store.audit(sha256Hex(`memaudit:${VERSION}`, `noise:${NOISE_VERSION}`, `detection:${DETECTION_VERSION}`, corpus.datasetKey, stableStringify(resultConfig)).slice(0, 12));
  // One audit at a time in a folder: a second one would train the same runs and pick up the
  // first one's checkpoints.
  const lock = folder.lock(s.log);
  try {
    await writeFileAtomic(
      folder.file(AUDIT_FILES.config),
      JSON.stringify({ config: { ...c, gates: c.gates.map((g) => g.text) }, version: VERSION, node: process.version, corpusKey: extraction.corpusKey }, null, 2),
    );
    return { inputs: auditInputs(s, corpus, folder), lock };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** What the runs of the audit in `folder` share. */
function auditInputs(s: Stage, corpus: CorpusStage, folder: AuditFolder): AuditInputs {
  const c = s.opts.config;
  const { extraction, dataset, trainIdx } = corpus;
  const columns = extraction.columns;
  const labelled = (indices: Int32Array) => ({ indices, labels: Int32Array.from(indices, (i) => dataset.labelClass[i]!) });
  const names = (indices: Int32Array) => Array.from(indices, (i) => labelString(columns, i));
  return {
    config: c,
    columns,
    dataset,
    trainIdx,
    vocab: { strings: dataset.vocab.labels.strings, unk: dataset.vocab.labels.unk },
    truth: { train: names(trainIdx), val: names(dataset.val), test: names(dataset.test) },
    evalSets: { val: labelled(dataset.val), test: labelled(dataset.test) },
    baseSource: datasetSource(columns, dataset),
    ...probeSets(c, trainIdx, dataset.vocab.labels.strings.length),
    noise: {
      columns,
      dataset,
      trainIdx,
      cleanLabels: Int32Array.from(trainIdx, (i) => dataset.labelClass[i]!),
      tables: extraction.tables,
      source: sourceLookup(columns, c.inputs, s.opts.cwd, c.maxFileBytes),
      settings: DEFAULT_EXTRACT_SETTINGS,
      ...(s.opts.signal ? { signal: s.opts.signal } : {}),
    },
    folds: assignFolds(Array.from(trainIdx, (i) => columns.ids[i]!)),
    memFolds: c.memFolds > 0 ? memorizationFolds(Array.from(trainIdx, (i) => columns.ids[i]!), c.memFolds) : new Uint8Array(0),
    folder,
    log: s.log,
    ...(s.opts.signal ? { signal: s.opts.signal } : {}),
  };
}

/**
 * What a run worker (audit/run-worker.ts) trains with: the audit's inputs rebuilt in the worker's
 * thread from the same corpus and settings (the extraction and the dataset come from the cache
 * the audit just filled), for the audit folder the audit holds the lock of.
 */
export async function workerInputs(opts: Pick<AuditOptions, 'config' | 'cwd' | 'signal' | 'log'>, folderId: string): Promise<AuditInputs> {
  const store = new RunsStore(path.resolve(opts.cwd, opts.config.outDir));
  const stage: Stage = { opts, log: onceLog(opts.log), progress: () => {} };
  const corpus = await corpusStage(stage, store, { start: 0, extracted: 0, datasetBuilt: 0, trained: 0 });
  return auditInputs(stage, corpus, store.audit(folderId));
}

function labelString(c: SampleColumns, i: number): string {
  return c.strings[c.label[i]!]!;
}

/**
 * The probes' sets are drawn once, from the clean training inputs, so every run measures the
 * same thing: S̃ = the training inputs with uniform random labels (susceptibility), and a fixed
 * subset of 256 training samples (critical sample ratio).
 */
function probeSets(c: AuditConfig, trainIdx: Int32Array, labelCount: number): Pick<AuditInputs, 'susceptibilitySet' | 'csrIndices'> {
  const zetaRng = new Rng(c.splitSeed ^ 0x5a17);
  return {
    susceptibilitySet: { indices: trainIdx.slice(), labels: Int32Array.from(trainIdx, () => zetaRng.int(labelCount)) },
    csrIndices: new Rng(c.splitSeed ^ 0xc5).shuffle(trainIdx.slice()).slice(0, Math.min(256, trainIdx.length)),
  };
}

interface GridOutcome {
  runs: RunReport[];
  /** The clean runs' per-sample signals, by seed. */
  cleanSignals: Map<number, Record<string, ArrayLike<number>>>;
  /** Bootstrap replicates of each run's scores, by run id (absent for runs an older memaudit finished). */
  replicates: Map<string, Record<string, ArrayLike<number>>>;
  /** The memorization fold runs (not in `runs`: they are neither calibration nor headline runs). */
  memFolds: MemFoldOutcome[];
  /** Runs reused from an earlier, interrupted invocation. */
  reused: number;
}


/**
 * 3. The runs of `plan`: those finished earlier are reused as they are (checked in plan order);
 * the others are trained by the run scheduler, several side by side (audit/scheduler.ts). The
 * outcome lists them in plan order, whatever order they finished in.
 */
async function runGrid(s: Stage, a: AuditInputs, plan: readonly PlannedRun[]): Promise<GridOutcome> {
  const done: (GridRun | undefined)[] = [];
  for (const run of plan) {
    if (s.opts.signal?.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'audit cancelled');
    done.push(await finishedGridRun(s, a, run));
  }
  const reused = done.filter((d) => d !== undefined).length;
  const todo = plan.flatMap((_run, k) => (done[k] ? [] : [k]));
  if (todo.length > 0 && s.opts.reuseOnly) throw s.opts.reuseOnly(plan[todo[0]!]!, a.folder);
  const policy = schedulePolicy(s.opts.jobs ?? 'auto', todo.length);
  if (policy.jobs > 1) s.log(`training ${todo.length} run(s), ${policy.jobs} at a time on ${policy.cores} cores`);
  const eta = new GridEta(plan, a.config.epochs, reused);
  // Side by side, each run trains in a worker thread of its own (onnxruntime works on the calling thread).
  const workers = policy.jobs > 1 ? new RunWorkers({ config: a.config, cwd: s.opts.cwd, folderId: a.folder.id }, s.log) : undefined;
  try {
    const trained = await schedule(
      todo.length,
      policy,
      (j, runtime, signal) => {
        const k = todo[j]!;
        const progress = (p: RunProgress) => s.progress(eta.progress(k, p));
        const run = workers ? workers.run(plan[k]!, runtime, signal, progress) : trainGridRun({ ...a, runtime, signal }, plan[k]!, progress);
        return run.finally(() => eta.runDone(k));
      },
      s.opts.signal,
      teacherOrder(a, plan, todo),
    );
    todo.forEach((k, j) => (done[k] = trained[j]));
  } finally {
    await workers?.close();
  }
  return gridOutcome(plan, done as GridRun[], reused);
}

/**
 * Distillation's order (audit/teacher.ts): for each run of `todo`, the position in `todo` of the
 * teacher it waits for, when that teacher is trained in this invocation too.
 */
function teacherOrder(a: AuditInputs, plan: readonly PlannedRun[], todo: readonly number[]): (number | undefined)[] {
  return todo.map((k) => {
    const t = teacherIndex(a.config, plan, plan[k]!);
    const j = t === undefined ? -1 : todo.indexOf(t);
    return j < 0 ? undefined : j;
  });
}

/** A run an earlier invocation finished (with whole files), or undefined. */
async function finishedGridRun(s: Stage, a: AuditInputs, run: PlannedRun): Promise<GridRun | undefined> {
  if (run.kind === 'memfold') {
    const fold = finishedMemFold(a, run);
    return fold ? { kind: 'memfold', fold } : undefined;
  }
  const outcome = await reusableRun(s, a, run);
  return outcome ? { kind: 'run', outcome } : undefined;
}

function gridOutcome(plan: readonly PlannedRun[], done: readonly GridRun[], reused: number): GridOutcome {
  const out: GridOutcome = { runs: [], cleanSignals: new Map(), replicates: new Map(), memFolds: [], reused };
  done.forEach((d, k) => {
    if (d.kind === 'memfold') {
      out.memFolds.push(d.fold);
      return;
    }
    const run = plan[k]!;
    out.runs.push(d.outcome.report);
    if (d.outcome.signals) out.cleanSignals.set(run.seed, d.outcome.signals);
    if (d.outcome.replicates) out.replicates.set(run.id, d.outcome.replicates);
  });
  return out;
}

/**
 * A run an earlier invocation finished, when its files are whole. A damaged dynamics, cartography
 * or signals file (a disk error, a hand edit, a copy cut short) is reported and the run trained
 * again; a damaged ledger is derived again from the run's noise, without training.
 */
async function reusableRun(s: Stage, a: AuditInputs, run: PlannedRun): Promise<RunOutcome | undefined> {
  const outcome = finishedRun(a.folder, run);
  if (!outcome) {
    const result = a.folder.runFile(run.id, RUN_FILES.result);
    if (fs.existsSync(result)) s.log(`warning: ${result} is damaged; training ${run.id} again`);
    return undefined;
  }
  const damage = teacherMissing(a.config, a.folder, run) ? `its teacher weights ${RUN_FILES.teacher} are missing` : await damagedRunFiles(a, run);
  if (damage === undefined && ledgerIsWhole(a, outcome.report)) return outcome;
  if (damage === undefined) {
    s.log(`warning: the ledger of ${run.id} (${a.folder.runFile(run.id, RUN_FILES.ledger)}) is missing or damaged; writing it again from the run's noise`);
    try {
      await rewriteLedger(a, run, outcome.report);
      return outcome;
    } catch (e) {
      if (!isEngineError(e) || e.code !== ERROR_CODES.CACHE_CORRUPT) throw e;
      s.log(`warning: ${e.message}; training ${run.id} again`);
    }
  } else {
    s.log(`warning: a file of the finished run ${run.id} is damaged (${damage}); training ${run.id} again`);
  }
  // Without its result.json the run is unfinished until it is trained again, also if this
  // invocation stops before that.
  fs.rmSync(a.folder.runFile(run.id, RUN_FILES.result), { force: true });
  return undefined;
}

/**
 * Progress over the grid's epochs, with every run training now, and the time left estimated
 * from the epochs trained so far in this invocation (runs side by side count together).
 */
class GridEta {
  private readonly start = performance.now();
  /** Epochs of the runs finished so far (reused ones included). */
  private epochsDone: number;
  private epochsTrained = 0;
  /** The runs training or attacked now, by plan index: their latest progress. */
  private readonly active = new Map<number, RunProgress>();

  constructor(
    private readonly plan: readonly PlannedRun[],
    private readonly epochs: number,
    reused: number,
  ) {
    this.epochsDone = reused * epochs;
  }

  runDone(k: number): void {
    this.active.delete(k);
    this.epochsDone += this.epochs;
    this.epochsTrained += this.epochs;
  }

  progress(k: number, p: RunProgress): AuditProgress {
    this.active.set(k, p);
    // A run in its attack phase has trained all its epochs.
    const partial = (q: RunProgress) => (q.phase === 'attack' ? this.epochs : q.epoch + (q.stepsPerEpoch > 0 ? q.step / q.stepsPerEpoch : 0));
    const inFlight = [...this.active.values()].reduce((acc, q) => acc + partial(q), 0);
    const total = this.plan.length * this.epochs;
    const done = this.epochsDone + inFlight;
    const trained = this.epochsTrained + inFlight;
    const rate = trained > 0 ? (performance.now() - this.start) / 1000 / trained : 0;
    const active = [...this.active.entries()].sort((x, y) => x[0] - y[0]).map(([j, q]) => this.activeRun(j, q));
    const self = this.activeRun(k, p);
    return {
      stage: 'train',
      fraction: P_EXTRACT + P_DATASET + P_TRAIN * (done / total),
      run: k + 1,
      runs: this.plan.length,
      runId: self.runId,
      epoch: self.epoch,
      epochs: self.epochs,
      samplesPerSec: [...this.active.values()].reduce((acc, q) => acc + (q.phase === 'attack' ? 0 : q.samplesPerSec), 0),
      ...(rate > 0 ? { etaSec: rate * (total - done) } : {}),
      active,
      message: activeMessage(active, this.plan.length),
      ...(self.attack ? { phase: 'attack' as const, attack: self.attack } : {}),
    };
  }

  private activeRun(j: number, q: RunProgress): ActiveRun {
    const runId = this.plan[j]!.id;
    if (q.phase === 'attack') return { run: j + 1, runId, epoch: this.epochs, epochs: this.epochs, attack: { done: q.done, total: q.total } };
    return { run: j + 1, runId, epoch: q.epoch + 1, epochs: q.epochs };
  }
}

/** What a run is doing: `epoch 2/10`, or `attack 40/320` (methods attacked, adversarial/run.ts). */
function runStep(r: ActiveRun): string {
  return r.attack ? `attack ${r.attack.done}/${r.attack.total}` : `epoch ${r.epoch}/${r.epochs}`;
}

/** `run 3/12 clean-s0: epoch 2/10`, or with several: `runs 3,4/12: clean-s0 attack 40/320, y-shuffle-25-s0 epoch 1/10`. */
export function activeMessage(active: readonly ActiveRun[], runs: number): string {
  if (active.length === 1) {
    const r = active[0]!;
    return `run ${r.run}/${runs} ${r.runId}: ${runStep(r)}`;
  }
  return `runs ${active.map((r) => r.run).join(',')}/${runs}: ${active.map((r) => `${r.runId} ${runStep(r)}`).join(', ')}`;
}

/** 4. Aggregate: scores, self-calibration, findings with their noise, gates; the report, validated and written. */
async function reportStage(s: Stage, corpus: CorpusStage, a: AuditInputs, grid: GridOutcome, clock: Clock): Promise<AuditOutcome> {
  s.progress({ stage: 'report', fraction: 1 - P_REPORT, message: 'writing the report' });
  const c = a.config;
  const scores = headlineScores(grid.runs);
  const detection = await detectionStage(s, a, grid);
  scores.detection_auroc = detectionAuroc(detection);
  const scoreIntervals = headlineIntervals(grid.runs, scores, grid.replicates, detectionReplicateName(detection));
  if (detection.choice) detection.choice.heldOutInterval = scoreIntervals.detection_auroc;
  const status = scoreStatus(scores, scoreIntervals, corpus.dataset.test.length);
  const ranking = await findingRanking(s, a, grid, detection);
  const { findings: ranked, memorization } = await rankedFindings(s, a, grid, ranking);
  // Which noisy runs corrupted each finding's method, and its original and noised code for a diff view.
  const { findings, diffs } = await findingNoise({ findings: ranked, runs: grid.runs, runDir: a.folder.dir, columns: a.columns, trainIdx: a.trainIdx, source: a.noise.source, editor: () => editorFor(a.noise), log: s.log });
  const diffsFile = a.folder.file(AUDIT_FILES.noiseDiffs);
  if (diffs) await writeFileAtomic(diffsFile, JSON.stringify(diffs));
  else fs.rmSync(diffsFile, { force: true });
  const gates: ReportGate[] = evaluateGates(c.gates, scores as Partial<Record<GateMetric, number | null>>, status).map((g) => ({
    gate: g.text,
    metric: g.metric,
    op: g.op,
    value: g.value,
    actual: g.actual ?? null,
    passed: g.passed,
    message: g.message,
  }));
  const report = auditReport(corpus, a, grid.runs, { scores, scoreIntervals, scoreStatus: status, detection, findings, gates, hasDiffs: diffs !== undefined, ...(memorization ? { memorization } : {}) }, clock);
  // A report that does not match its published schema is a bug; never write one.
  assertValidReport(report);
  const reportFile = a.folder.file(AUDIT_FILES.report);
  await writeFileAtomic(reportFile, reportJsonText(report));
  s.progress({ stage: 'report', fraction: 1, message: 'done' });
  return { report, runDir: a.folder.dir, reportFile, reusedRuns: grid.reused };
}

/**
 * The detection summary with its cross-fitted choice (docs/metrics.md § "Detection choice"), and
 * the calibration runs' held-out replicates added to `grid.replicates` for the headline interval
 * (only when every calibration run has them: an interval over some of the runs would be of
 * another number).
 */
async function detectionStage(s: Stage, a: AuditInputs, grid: GridOutcome): Promise<DetectionSummary> {
  const detection = detectionSummary(grid.runs);
  signalMeanIntervals(detection, grid);
  if (!detection.choice) return detection;
  const used = calibrationRuns(grid.runs).filter((r) => r.detectionCandidates);
  const outcome = detectionChoice(used, cleanRun(a, grid));
  if (!outcome) return detection;
  const reps = await choiceReplicates({ runDir: a.folder.dir, runs: used, outcome, folds: a.folds, log: s.log });
  if (used.every((r) => reps.heldOut.has(r.id) && grid.replicates.has(r.id))) {
    for (const r of used) grid.replicates.set(r.id, { ...grid.replicates.get(r.id)!, [HELD_OUT_REPLICATES]: reps.heldOut.get(r.id)! });
  }
  detection.choice.inSampleInterval = meanInterval(reps.inSample, used.map((r) => r.id));
  for (const b of detection.choice.byRun ?? []) b.heldOutInterval = meanInterval(reps.heldOut, [b.run]);
  return detection;
}

/**
 * Intervals of each signal's mean AUROC and AP over the calibration runs, from the runs' own
 * replicates (replicate k of the mean = the mean of the runs' replicate k; docs/metrics.md §
 * "Uncertainty"). Left absent when a calibration run has no replicates of the signal.
 */
function signalMeanIntervals(detection: DetectionSummary, grid: GridOutcome): void {
  const ids = detection.calibrationRuns ?? [];
  if (ids.length === 0) return;
  for (const q of detection.signals) {
    const of = (prefix: string) => new Map(ids.flatMap((id) => { const r = grid.replicates.get(id)?.[`${prefix}:${q.signal}`]; return r ? [[id, Float64Array.from(r)] as const] : []; }));
    const auroc = meanInterval(of('auroc'), ids);
    const ap = meanInterval(of('ap'), ids);
    if (auroc) q.aurocInterval = auroc;
    if (ap) q.averagePrecisionInterval = ap;
  }
}

/**
 * The findings: with the memorization fold runs, the memorized and the not-learned methods
 * (docs/metrics.md § "Memorization score (cross-fitted)"), up to `maxFindings` of each; without
 * them, the clean run's training methods ranked by the detection score.
 */
async function rankedFindings(s: Stage, a: AuditInputs, grid: GridOutcome, ranking: FindingRanking | null): Promise<{ findings: Finding[]; memorization?: MemorizationSummary }> {
  const c = a.config;
  const limit = s.opts.maxFindings ?? 50;
  const signals = grid.cleanSignals.get(c.seeds[0]!);
  const clean = cleanRun(a, grid);
  if (grid.memFolds.length === 0 || !signals || !ranking || !clean?.files.dynamics) return { findings: findingsOf(a.columns, c.inputs, a.trainIdx, signals, ranking, limit) };
  const full = await cleanFinalEpoch(path.join(a.folder.dir, clean.files.dynamics), a.noise.cleanLabels, s.log);
  const { findings, summary, scores } = memorizationFindings({ columns: a.columns, inputs: c.inputs, trainIdx: a.trainIdx, signals, ranking }, full, grid.memFolds, limit);
  await writeFileAtomic(a.folder.file(AUDIT_FILES.memorization), memorizationCsv(a.columns, a.trainIdx, scores));
  return { findings, memorization: summary };
}

/** The clean run of the first seed: its training samples are the findings. */
function cleanRun(a: AuditInputs, grid: GridOutcome): RunReport | undefined {
  return grid.runs.find((r) => r.kind === 'none' && r.seed === a.config.seeds[0]);
}

/**
 * How the findings are ranked: the detection choice (signal, orientation, window) on the clean
 * run; its window's values come from the run's dynamics file. Without a choice (or without the
 * dynamics, said in the log) the best signal over all epochs.
 */
async function findingRanking(s: Stage, a: AuditInputs, grid: GridOutcome, detection: DetectionSummary): Promise<FindingRanking | null> {
  const signals = grid.cleanSignals.get(a.config.seeds[0]!);
  const choice = detection.choice;
  const clean = cleanRun(a, grid);
  if (!choice || !clean) return defaultRanking(signals, detection.best);
  const why = `the score chosen among ${choice.candidates} candidates on half of the corrupted samples (held-out AUROC ${choice.heldOutAuroc.toFixed(3)})`;
  const values = await cleanWindowValues(a.folder.dir, clean, choice.signal, choice.window, signals, s.log);
  if (values) return { signal: choice.signal, orientation: choice.orientation, values, window: choice.window, why };
  s.log(`the clean run's dynamics are unreadable: the findings are ranked by ${choice.signal} over all epochs instead of ${windowLabel(choice.window)}`);
  const all = signals?.[choice.signal];
  return all ? { signal: choice.signal, orientation: choice.orientation, values: all, why: `${why}, over all epochs since the clean run's dynamics were unreadable` } : null;
}

type Aggregates = Pick<AuditReport, 'scores' | 'detection' | 'findings' | 'gates' | 'memorization'> & Required<Pick<AuditReport, 'scoreIntervals' | 'scoreStatus'>> & { hasDiffs: boolean };

/** The report document (report/types.ts, schema REPORT_SCHEMA_VERSION). */
function auditReport(corpus: CorpusStage, a: AuditInputs, runs: RunReport[], agg: Aggregates, clock: Clock): AuditReport {
  const c = a.config;
  const { extraction, dataset } = corpus;
  const devices = [...new Set(runs.map((r) => r.device))];
  const dup = dataset.report.duplicates;
  const report: AuditReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'memaudit', version: VERSION },
    runId: a.folder.id,
    createdAt: new Date().toISOString(),
    config: reportConfig(c),
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: os.availableParallelism(),
      device: { requested: c.device, used: devices.join(', ') || 'cpu', notes: [] },
      parser: extraction.parser.backend,
    },
    corpus: { inputs: c.inputs, filesParsed: extraction.stats.parsed, filesSkipped: extraction.stats.skipped, samples: a.columns.count, byLanguage: extraction.stats.samplesByLanguage },
    dataset: {
      train: dataset.train.length,
      trainUsed: a.trainIdx.length,
      val: dataset.val.length,
      test: dataset.test.length,
      labels: dataset.vocab.labels.strings.length,
      labelCoverage: dataset.report.vocab.labels.coverage,
      exactDuplicatesRemoved: dup.withinTrain + dup.withinVal + dup.withinTest,
      leakageRemoved: dup.valFromTrain + dup.testFromTrain + dup.testFromVal,
      nearDuplicatePairs: 'pairs' in dataset.report.nearDuplicates ? dataset.report.nearDuplicates.pairs : 0,
      split: dataset.report.split.reason,
    },
    runs,
    scores: agg.scores,
    scoreIntervals: agg.scoreIntervals,
    scoreStatus: agg.scoreStatus,
    uncertainty: uncertaintySettings(),
    detection: agg.detection,
    findings: agg.findings,
    ...(agg.memorization ? { memorization: agg.memorization } : {}),
    gates: agg.gates,
    ...(agg.hasDiffs || agg.memorization ? { files: { ...(agg.hasDiffs ? { noiseDiffs: AUDIT_FILES.noiseDiffs } : {}), ...(agg.memorization ? { memorization: AUDIT_FILES.memorization } : {}) } } : {}),
    timings: {
      totalMs: 0,
      extractMs: clock.extracted - clock.start,
      datasetMs: clock.datasetBuilt - clock.extracted,
      trainMs: clock.trained - clock.datasetBuilt,
      metricsMs: runs.reduce((acc, r) => acc + r.timings.metricsMs, 0),
      reportMs: 0,
    },
  };
  report.timings.reportMs = performance.now() - clock.trained;
  report.timings.totalMs = performance.now() - clock.start;
  return report;
}

function reportConfig(c: AuditConfig): AuditReport['config'] {
  return {
    inputs: c.inputs,
    ...(c.language ? { language: c.language } : {}),
    model: c.model,
    modelPreset: c.modelPreset,
    noise: c.noise,
    seeds: c.seeds,
    epochs: c.epochs,
    batchSize: c.batchSize,
    learningRate: c.learningRate,
    device: c.device,
    gates: c.gates.map((g) => g.text),
    splitSeed: c.splitSeed,
    maxTrainSamples: c.maxTrainSamples,
    susceptibility: c.susceptibility,
    csrEvery: c.csrEvery,
    memFolds: c.memFolds,
    labels: c.labels,
    adversarial: c.adversarial,
    ...mitigationsOf(c),
  };
}
