/**
 * The trainer: epochs of shuffled mini-batches through a `TrainableModel`, recording every
 * training sample's loss, margin, p(label) and top-1 from the training step's own forward pass
 * (`dynamics.ts`), evaluating validation and test, early stopping, progress, cancellation and
 * checkpoints from which `resume` continues bit for bit.
 *
 * Order of work in epoch e (0-based):
 *   1. draw the epoch's order: a Fisher–Yates permutation of the training positions from the
 *      trainer's RNG (seeded by `config.seed`);
 *   2. cut it into ⌈n / batchSize⌉ batches (the last one partial: every sample is presented
 *      exactly once per epoch) and run them in groups of `model.stepsPerRun` (a group never
 *      crosses an epoch boundary), one learning rate per step from the schedule, the same RNG
 *      drawing the dropout masks; record each step's statistics by training position;
 *   3. evaluate val and test when due (every `evalEvery` epochs and at the last), with the clean
 *      labels, recording their per-sample statistics too;
 *   4. update early stopping, write a checkpoint when due, call `onEpochEnd`.
 *
 * Optional measurements (`probes.ts`), which leave the run bit for bit as it is without them:
 *   - `susceptibility`: at the start of every epoch (before drawing its order), one optimizer step
 *     on a batch of a random-label set, between a snapshot of the model and its restore, records
 *     Φ_before and Φ_after; ζ = `susceptibility()` of metrics/susceptibility.ts (epoch 0 is
 *     measured too and skipped by ζ, as docs/metrics.md § "Susceptibility ζ" defines it);
 *   - `csr`: after the evaluation of every `everyEpochs`-th epoch (and of the last one, early
 *     stopping included), the critical sample ratio of a fixed subset, read-only.
 * Both are stored in the checkpoints, so a resumed run reports them as an uninterrupted one.
 *
 * Cancellation is checked before every step group and every evaluation batch: the run stops
 * there, writes a mid-epoch checkpoint (`checkpoint.onCancel`, default on; atomic, so the last
 * good checkpoint stays until the new one is complete) and throws `E_CANCELLED`. A crash leaves
 * the last checkpoint as it was.
 */
import * as fsp from 'node:fs/promises';
import { EngineError, ERROR_CODES } from '../errors';
import { crc32 } from '../util/crc32';
import { sha256Hex, stableStringify } from '../cache/keys';
import type { Dataset } from '../dataset/build';
import { susceptibility as zetaOf } from '../metrics/susceptibility';
import { readCheckpoint, writeCheckpoint, type EarlyStoppingState, type EpochCurve, type TrainerState } from './checkpoint';
import { Dynamics, SplitDynamics, writeDynamics, type DynamicsSplit } from './dynamics';
import {
  SUSCEPTIBILITY_DEFAULTS,
  measureCsr,
  resolveCsr,
  supportsCsr,
  susceptibilityProbe,
  type CsrConfig,
  type CsrRecord,
  type SusceptibilityConfig,
  type SusceptibilityRecord,
} from './probes';
import { Rng } from '../util/rng';
import { makeSchedule, type Schedule, type ScheduleConfig } from './schedule';
import type { Batch, SampleStats, TrainableModel } from './types';
import type { SoftTargets } from './distill';

export type { EpochCurve } from './checkpoint';
export type { CsrConfig, CsrRecord, SusceptibilityConfig, SusceptibilityRecord } from './probes';

/** Samples of an evaluation split with their (clean) labels, parallel arrays. */
export interface EvalSet {
  /** Dataset sample indices. */
  indices: Int32Array;
  labels: Int32Array;
}

/** What to train on: sample indices and labels are given explicitly (labels may be noisy). */
export interface TrainData {
  /** Dataset sample indices of the training set; position p is `train[p]`. */
  train: Int32Array;
  /** Label to train position p on (possibly corrupted by a noise plan). */
  trainLabels: Int32Array;
  val?: EvalSet;
  test?: EvalSet;
  /** Distillation's soft labels of the training positions (train/distill.ts), for a model trained with them. */
  soft?: SoftTargets;
}

/** Early stopping: stop after `patience` validation evaluations without improvement. */
export interface EarlyStoppingConfig {
  /** `val_score`: the value of `score` (higher is better). */
  metric: 'val_loss' | 'val_acc' | 'val_score';
  patience: number;
  /**
   * With `val_score`: a score of the validation split's top-1 classes at an evaluation (in the
   * order of `data.val`), e.g. the audit's subtoken F1. A function does not enter the run's
   * fingerprint: `modelKey` must name what it computes.
   */
  score?: (top1: Int32Array) => number;
  /** An evaluation improves on the best only by more than this. Default 0. */
  minDelta?: number;
}

/** Where and when to checkpoint. */
export interface CheckpointConfig {
  /** Checkpoint file (rewritten atomically each time). */
  path: string;
  /** Checkpoint after every this many epochs (and always after the last). Default 1. */
  everyEpochs?: number;
  /** Also checkpoint inside an epoch after at least this many steps since the last one. */
  everySteps?: number;
  /** On cancellation, write a checkpoint at the point reached. Default true. */
  onCancel?: boolean;
}

/** Settings of a training run. */
export interface TrainConfig {
  epochs: number;
  batchSize: number;
  /** Seed of the trainer's RNG (shuffling and dropout masks). */
  seed: number;
  /**
   * Identifies the model's configuration (architecture, preset, hyper-parameters, optimizer,
   * initialization seed), e.g. a stable JSON of the options it was created with. It enters the
   * run's fingerprint, so that a checkpoint is never resumed into a differently configured
   * model of the same name. Optional; without it only the model's name is checked.
   */
  modelKey?: string;
  /**
   * Learning-rate schedule (`schedule.ts`). `totalSteps` of a cosine schedule defaults to the
   * run's epochs × steps per epoch.
   */
  schedule: ScheduleConfig;
  /** Evaluate val/test every this many epochs (and always after the last). Default 1. */
  evalEvery?: number;
  /** Batch size of evaluation. Default `batchSize`. */
  evalBatchSize?: number;
  earlyStopping?: EarlyStoppingConfig;
  checkpoint?: CheckpointConfig;
  /** When set, the dynamics file is written here (atomically) at the end of the run. */
  dynamicsPath?: string;
  /** Least time between two progress events, in ms. Default 500. */
  progressIntervalMs?: number;
  /**
   * Opt-in: measure the susceptibility ζ (docs/metrics.md § "Susceptibility ζ") at the start of
   * every epoch on a fixed random-label set. Leaves the run unchanged; results in
   * `TrainResult.susceptibility`.
   */
  susceptibility?: SusceptibilityConfig;
  /**
   * Opt-in: measure the critical sample ratio (docs/metrics.md § "Critical sample ratio") of a
   * fixed subset every `everyEpochs` epochs. Needs a model with the input-embedding methods (the
   * built-in models have them). Leaves the run unchanged; results in `TrainResult.csr`.
   */
  csr?: CsrConfig;
}

/** A progress report. Epochs and steps are 0-based counts of what is done. */
export interface TrainProgress {
  phase: 'train' | 'eval';
  /** The epoch in progress (0-based). */
  epoch: number;
  epochs: number;
  /** Steps of this epoch done. */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  totalSteps: number;
  /** Training throughput of this process (input preparation + steps + recording). */
  samplesPerSec: number;
  /** Estimated seconds to the end of the run (training plus remaining evaluations). */
  etaSec: number;
  /** Running mean loss and accuracy of this epoch so far (as trained). */
  trainLoss: number;
  trainAcc: number;
  lr: number;
}

/** Callbacks and environment of a run. */
export interface TrainHooks {
  /** Stops the run at the next step boundary (see `CheckpointConfig.onCancel`). */
  signal?: AbortSignal;
  /** Throttled by `progressIntervalMs`; always called when an epoch's training ends. */
  onProgress?: (p: TrainProgress) => void;
  /** Called after each epoch (after its checkpoint); an error thrown here ends the run. */
  onEpochEnd?: (curve: EpochCurve) => void | Promise<void>;
  /** Clock in ms (default `performance.now`); injectable for tests. */
  now?: () => number;
}

/**
 * Where the time went, in ms. `recordMs` is the cost of recording the training dynamics inside
 * the training loop (copying each step's statistics into the columns); `dynamicsWriteMs` the
 * final file. `recordingOverhead` = (recordMs + dynamicsWriteMs) / (batchMs + stepMs), the share
 * of training time the audit's per-sample recording adds (the budget is 10% with the metrics).
 */
export interface TrainTimings {
  totalMs: number;
  /** `makeBatch` of training batches. */
  batchMs: number;
  /** `trainSteps`. */
  stepMs: number;
  recordMs: number;
  /** Validation and test (batches, forward passes, their recording). */
  evalMs: number;
  checkpointMs: number;
  dynamicsWriteMs: number;
  recordingOverhead: number;
  /** The susceptibility probes (present when measured). */
  susceptibilityMs?: number;
  /** The critical-sample-ratio searches (present when measured). */
  csrMs?: number;
}

/** Susceptibility of a run: the records, and Φ and ζ as arrays indexed by epoch. */
export interface SusceptibilityResult {
  /** One per epoch, taken at its start. */
  records: SusceptibilityRecord[];
  /** Φ_before, Φ_after per epoch (index = epoch), as `metrics/susceptibility` takes them. */
  phiBefore: number[];
  phiAfter: number[];
  /** ζ(t) = `susceptibility(phiBefore, phiAfter)`: ζ(0) = NaN (skipped), then the running mean of Δ_1 … Δ_t (NaN from a non-finite Φ on). */
  zeta: number[];
}

/** Outcome of a run. */
export interface TrainResult {
  /** One entry per completed epoch. */
  curves: EpochCurve[];
  dynamics: Dynamics;
  /** Timings of this process (a resumed run counts from the resume). */
  timings: TrainTimings;
  final: {
    /** Epochs completed. */
    epochs: number;
    globalStep: number;
    stoppedEarly: boolean;
    /** Epoch of the best validation value of the early-stopping metric (−1 without early stopping or validation). */
    bestEpoch: number;
    rng: number[];
    /** Where this process started: null for a fresh run. */
    resumedFrom: { epoch: number; position: number; globalStep: number } | null;
  };
  /** Fingerprint of the run (model name, data, result-relevant settings); the key of its files. */
  fingerprint: string;
  /** When `config.susceptibility` is set. */
  susceptibility?: SusceptibilityResult;
  /** When `config.csr` is set: one record per measured epoch. */
  csr?: CsrRecord[];
}

/** Training data from a dataset: its train/val/test lists, trained on `trainLabels` (default: the clean labels). */
export function trainDataFromDataset(d: Dataset, trainLabels?: Int32Array): TrainData {
  const gather = (idx: Int32Array): Int32Array => idx.map((i) => d.labelClass[i]!);
  return {
    train: d.train,
    trainLabels: trainLabels ?? gather(d.train),
    val: { indices: d.val, labels: gather(d.val) },
    test: { indices: d.test, labels: gather(d.test) },
  };
}

function configError(field: string, why: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, `training config: ${field} ${why}`, { field });
}

/** Throws `E_CONFIG` naming the first invalid setting or data array. */
export function validateTrainSetup(data: TrainData, c: TrainConfig): void {
  const posInt = (v: unknown, field: string): void => {
    if (!(Number.isInteger(v) && (v as number) >= 1)) throw configError(field, `must be an integer ≥ 1 (got ${String(v)})`);
  };
  posInt(c.epochs, 'epochs');
  posInt(c.batchSize, 'batchSize');
  if (!Number.isInteger(c.seed)) throw configError('seed', `must be an integer (got ${String(c.seed)})`);
  if (c.evalEvery !== undefined) posInt(c.evalEvery, 'evalEvery');
  if (c.evalBatchSize !== undefined) posInt(c.evalBatchSize, 'evalBatchSize');
  makeSchedule(resolveSchedule(c.schedule, c.epochs * Math.ceil(Math.max(1, data.train.length) / c.batchSize)));
  if (c.earlyStopping) {
    const e = c.earlyStopping;
    if (e.metric !== 'val_loss' && e.metric !== 'val_acc' && e.metric !== 'val_score') throw configError('earlyStopping.metric', `must be val_loss, val_acc or val_score (got ${String(e.metric)})`);
    if (e.metric === 'val_score' && typeof e.score !== 'function') throw configError('earlyStopping.score', 'must be a function of the validation top-1 classes with the metric val_score');
    posInt(e.patience, 'earlyStopping.patience');
    if (e.minDelta !== undefined && !(e.minDelta >= 0)) throw configError('earlyStopping.minDelta', `must be ≥ 0 (got ${e.minDelta})`);
    if (!data.val || data.val.indices.length === 0) throw configError('earlyStopping', 'needs a non-empty validation split');
  }
  if (c.checkpoint) {
    if (typeof c.checkpoint.path !== 'string' || c.checkpoint.path === '') throw configError('checkpoint.path', 'must be a file path');
    if (c.checkpoint.everyEpochs !== undefined) posInt(c.checkpoint.everyEpochs, 'checkpoint.everyEpochs');
    if (c.checkpoint.everySteps !== undefined) posInt(c.checkpoint.everySteps, 'checkpoint.everySteps');
  }
  if (data.train.length === 0) throw configError('data.train', 'is empty: there is nothing to train on');
  if (data.trainLabels.length !== data.train.length) throw configError('data.trainLabels', `has ${data.trainLabels.length} labels for ${data.train.length} samples`);
  if (data.soft && (data.soft.ids.length !== data.train.length * data.soft.k || data.soft.p.length !== data.soft.ids.length)) throw configError('data.soft', `must hold ${data.train.length} × ${data.soft.k} soft labels (got ${data.soft.ids.length} ids, ${data.soft.p.length} probabilities)`);
  for (const s of ['val', 'test'] as const) {
    const e = data[s];
    if (e && e.labels.length !== e.indices.length) throw configError(`data.${s}.labels`, `has ${e.labels.length} labels for ${e.indices.length} samples`);
  }
  const ids = (a: unknown, field: string): void => {
    if (!(a instanceof Int32Array) || a.length === 0) throw configError(field, 'must be a non-empty Int32Array');
    for (let i = 0; i < a.length; i++) if (a[i]! < 0) throw configError(field, `has a negative entry ${a[i]} at ${i}`);
  };
  if (c.susceptibility) {
    const z = c.susceptibility;
    ids(z.set?.indices, 'susceptibility.set.indices');
    ids(z.set?.labels, 'susceptibility.set.labels');
    if (z.set.labels.length !== z.set.indices.length) throw configError('susceptibility.set.labels', `has ${z.set.labels.length} labels for ${z.set.indices.length} samples`);
    if (z.batchSize !== undefined) {
      posInt(z.batchSize, 'susceptibility.batchSize');
      if (z.batchSize > c.batchSize) throw configError('susceptibility.batchSize', `is ${z.batchSize}, more than the run's batchSize ${c.batchSize} (the probe is one optimizer step)`);
    }
  }
  if (c.csr) {
    const r = c.csr;
    ids(r.indices, 'csr.indices');
    posInt(r.everyEpochs, 'csr.everyEpochs');
    for (const k of ['radius', 'step', 'noise'] as const) {
      const v = r[k];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw configError(`csr.${k}`, `must be a finite number ≥ 0 (got ${String(v)})`);
    }
    if (r.maxIterations !== undefined) posInt(r.maxIterations, 'csr.maxIterations');
    if (r.batchSize !== undefined) posInt(r.batchSize, 'csr.batchSize');
  }
}

/**
 * Key of the optional measurements' settings and sets (undefined without any): stored in the
 * checkpoint, so that a run is never resumed with other measurements (the records would not
 * match). It is not part of the run's fingerprint: the measurements do not change the run.
 */
function probeKey(c: TrainConfig): string | undefined {
  if (!c.susceptibility && !c.csr) return undefined;
  const sum = (a: Int32Array): string => `${a.length}:${crc32(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).toString(16)}`;
  const z = c.susceptibility;
  const r = c.csr;
  return sha256Hex(
    'memaudit-train-probes/1',
    stableStringify({
      susceptibility: z ? { indices: sum(z.set.indices), labels: sum(z.set.labels), rows: susceptibilityRowsOf(c) } : null,
      csr: r ? { indices: sum(r.indices), everyEpochs: r.everyEpochs, ...resolveCsr(r, c.evalBatchSize ?? c.batchSize) } : null,
    }),
  );
}

/** Rows of the susceptibility batch B̃. */
function susceptibilityRowsOf(c: TrainConfig): number {
  return c.susceptibility?.batchSize ?? Math.min(SUSCEPTIBILITY_DEFAULTS.batchSize, c.batchSize);
}

/** The schedule settings with `totalSteps` filled in from the run's length. */
function resolveSchedule(s: ScheduleConfig, totalSteps: number): ScheduleConfig {
  return s.kind === 'cosine' && s.totalSteps === undefined ? { ...s, totalSteps } : s;
}

/**
 * Fingerprint of a run: everything the result depends on besides the model's initial weights —
 * the model's name and step grouping, the data (indices and labels) and the settings that change
 * what is trained (not checkpoint placement, progress or file paths).
 */
export function runFingerprint(model: TrainableModel, data: TrainData, c: TrainConfig): string {
  const sum = (a: Int32Array | undefined): string => (a ? `${a.length}:${crc32(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).toString(16)}` : '-');
  return sha256Hex(
    'memaudit-train/1',
    stableStringify({
      model: { name: model.name, stepsPerRun: model.stepsPerRun, key: c.modelKey },
      config: { epochs: c.epochs, batchSize: c.batchSize, seed: c.seed, schedule: resolveSchedule(c.schedule, c.epochs * Math.ceil(data.train.length / c.batchSize)), evalEvery: c.evalEvery ?? 1, evalBatchSize: c.evalBatchSize ?? c.batchSize, earlyStopping: c.earlyStopping && { ...c.earlyStopping, score: undefined } },
      data: [sum(data.train), sum(data.trainLabels), sum(data.val?.indices), sum(data.val?.labels), sum(data.test?.indices), sum(data.test?.labels)],
      soft: data.soft ? [data.soft.k, sum(data.soft.ids), sum(new Int32Array(data.soft.p.buffer, data.soft.p.byteOffset, data.soft.p.length))] : undefined,
    }),
  );
}

/**
 * Trains from the model's current weights. A checkpoint already at `config.checkpoint.path` is
 * deleted first: it belongs to a run this one replaces, and must not be resumed if this run
 * stops before writing its own.
 */
export function train(model: TrainableModel, data: TrainData, config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  return run(model, data, config, hooks, false);
}

/**
 * Continues the run whose checkpoint is at `config.checkpoint.path`: restores the model's state,
 * the RNG, the position and the dynamics, and trains to the end. The result equals that of an
 * uninterrupted run bit for bit. Throws `E_INPUT_NOT_FOUND` when there is no checkpoint,
 * `E_CACHE_CORRUPT` when it is damaged, `E_CONFIG` when it belongs to another run (other data,
 * settings or model).
 */
export function resume(model: TrainableModel, data: TrainData, config: TrainConfig, hooks: TrainHooks = {}): Promise<TrainResult> {
  return run(model, data, config, hooks, true);
}

const EMPTY = new Int32Array(0);

async function run(model: TrainableModel, data: TrainData, config: TrainConfig, hooks: TrainHooks, resuming: boolean): Promise<TrainResult> {
  validateTrainSetup(data, config);
  const r = new TrainingRun(model, data, config, hooks);
  await (resuming ? r.restore() : r.begin());
  return r.execute();
}

/** The run's settings, resolved once. */
class RunPlan {
  readonly E: number;
  readonly B: number;
  readonly evalEvery: number;
  readonly evalB: number;
  /** Steps per `trainSteps` call. */
  readonly S: number;
  /** Training samples, and steps per epoch. */
  readonly n: number;
  readonly P: number;
  readonly totalSteps: number;
  readonly fingerprint: string;
  readonly lrAt: Schedule;
  readonly evalSets: { split: DynamicsSplit; set: EvalSet }[] = [];
  readonly capacity: Record<DynamicsSplit, number>;
  readonly probesKey: string | undefined;
  readonly zRows: number;
  readonly csrSettings: ReturnType<typeof resolveCsr> | undefined;

  constructor(model: TrainableModel, data: TrainData, readonly config: TrainConfig) {
    this.E = config.epochs;
    this.B = config.batchSize;
    this.evalEvery = config.evalEvery ?? 1;
    this.evalB = config.evalBatchSize ?? this.B;
    this.S = Math.max(1, Math.floor(model.stepsPerRun));
    this.n = data.train.length;
    this.P = Math.ceil(this.n / this.B);
    this.totalSteps = this.E * this.P;
    this.fingerprint = runFingerprint(model, data, config);
    this.lrAt = makeSchedule(resolveSchedule(config.schedule, this.totalSteps));
    for (const s of ['val', 'test'] as const) if (data[s] && data[s].indices.length > 0) this.evalSets.push({ split: s, set: data[s] });
    let evalEpochs = 0;
    for (let e = 0; e < this.E; e++) if (this.isEvalEpoch(e)) evalEpochs++;
    this.capacity = { train: this.E, val: evalEpochs, test: evalEpochs };
    this.probesKey = probeKey(config);
    this.zRows = susceptibilityRowsOf(config);
    this.csrSettings = config.csr ? resolveCsr(config.csr, this.evalB) : undefined;
  }

  isEvalEpoch(e: number): boolean {
    return this.evalSets.length > 0 && ((e + 1) % this.evalEvery === 0 || e === this.E - 1);
  }

  /** Whether the critical sample ratio is measured after epoch `e`. */
  isCsrEpoch(e: number, stopped: boolean): boolean {
    const cc = this.config.csr;
    return cc !== undefined && ((e + 1) % cc.everyEpochs === 0 || e === this.E - 1 || stopped);
  }
}

/**
 * One training run in progress: the plan, the mutable state a checkpoint saves (`st`, the RNG,
 * the epoch's order, the dynamics) and this process's counters.
 */
class TrainingRun {
  private readonly plan: RunPlan;
  private readonly clock: () => number;
  private readonly t0: number;
  private readonly ckpt: CheckpointConfig | undefined;
  private readonly timings: TrainTimings = { totalMs: 0, batchMs: 0, stepMs: 0, recordMs: 0, evalMs: 0, checkpointMs: 0, dynamicsWriteMs: 0, recordingOverhead: 0 };
  private rng!: Rng;
  private st!: TrainerState;
  private order: Int32Array = EMPTY;
  private dyn!: Dynamics;
  private resumedFrom: TrainResult['final']['resumedFrom'] = null;
  private startStep = 0;
  private samplesThisRun = 0;
  private evalRuns = 0;
  private lastEmit = -Infinity;
  private stepsSinceCheckpoint = 0;
  /** Whether anything was trained since the last checkpoint (a cancellation then saves it). */
  private dirty = false;

  constructor(
    private readonly model: TrainableModel,
    private readonly data: TrainData,
    private readonly config: TrainConfig,
    private readonly hooks: TrainHooks,
  ) {
    this.clock = hooks.now ?? (() => performance.now());
    this.t0 = this.clock();
    this.plan = new RunPlan(model, data, config);
    this.ckpt = config.checkpoint;
    if (config.csr && !supportsCsr(model)) throw configError('csr', `needs a model with input-embedding graphs (inputEmbeddings, predictAtEmbeddings, gradientAtEmbeddings); ${model.name} has none`);
  }

  /** A fresh run from the model's current weights (an old checkpoint at the path is deleted first). */
  async begin(): Promise<void> {
    const { config, data, plan } = this;
    if (this.ckpt) await fsp.rm(this.ckpt.path, { force: true });
    this.rng = new Rng(config.seed);
    const lower = config.earlyStopping?.metric === 'val_loss';
    this.st = {
      epoch: 0,
      inEpoch: false,
      position: 0,
      globalStep: 0,
      rng: this.rng.state(),
      lossSum: 0,
      correct: 0,
      early: { best: lower ? Infinity : -Infinity, bestEpoch: -1, bad: 0, stopped: false },
      curves: [],
      ...(plan.probesKey ? { probes: { key: plan.probesKey, susceptibility: [], csr: [] } } : {}),
    };
    const empty = (s: DynamicsSplit): SplitDynamics => {
      const set = data[s as 'val' | 'test'];
      return new SplitDynamics(s, set ? set.indices.slice() : EMPTY, set ? set.labels.slice() : EMPTY, set && set.indices.length > 0 ? plan.capacity[s] : 0);
    };
    this.dyn = new Dynamics(new SplitDynamics('train', data.train.slice(), data.trainLabels.slice(), plan.E), empty('val'), empty('test'));
  }

  /** The state of the run's checkpoint, checked to belong to this run. */
  async restore(): Promise<void> {
    const ckpt = this.ckpt;
    if (!ckpt) throw configError('checkpoint', 'is needed to resume a run');
    const c = await readCheckpoint(ckpt.path, this.plan.capacity);
    if (!c) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no checkpoint at ${ckpt.path} to resume from; start the run with train()`, { file: ckpt.path });
    if (c.fingerprint !== this.plan.fingerprint) {
      throw new EngineError(
        ERROR_CODES.CONFIG,
        `checkpoint ${ckpt.path} belongs to another run (different model, data or training settings); delete it or resume with the settings it was written with`,
        { file: ckpt.path, expected: this.plan.fingerprint, found: c.fingerprint },
      );
    }
    if ((c.trainer.probes?.key ?? undefined) !== this.plan.probesKey) {
      throw new EngineError(
        ERROR_CODES.CONFIG,
        `checkpoint ${ckpt.path} was written ${c.trainer.probes ? 'with other' : 'without the'} susceptibility/CSR measurement settings; resume with the settings it was written with, or delete it`,
        { file: ckpt.path },
      );
    }
    await this.model.setState(c.model);
    this.st = c.trainer;
    this.rng = new Rng(this.st.rng);
    this.order = c.order;
    this.dyn = c.dynamics;
    this.resumedFrom = { epoch: this.st.epoch, position: this.st.position, globalStep: this.st.globalStep };
  }

  /** Trains to the end (or to early stopping), then writes the dynamics file. */
  async execute(): Promise<TrainResult> {
    this.startStep = this.st.globalStep;
    if (this.hooks.signal?.aborted) await this.cancel('before it started');
    while (this.st.epoch < this.plan.E && !this.st.early.stopped) {
      if (!this.st.inEpoch) await this.beginEpoch();
      while (this.st.position < this.plan.P) await this.stepGroup();
      await this.endEpoch();
    }
    return this.finish();
  }

  /** The susceptibility probe (when measured), then the epoch's order. */
  private async beginEpoch(): Promise<void> {
    const { st, plan } = this;
    const zc = this.config.susceptibility;
    if (zc) {
      // At the start of the epoch, before its order is drawn; the trainer's RNG is not used
      // (checked), and the model is restored to its snapshot.
      if (this.hooks.signal?.aborted) await this.cancel(`before epoch ${st.epoch + 1} of ${plan.E}`);
      const t = this.clock();
      const before = this.rng.state();
      const rec = await susceptibilityProbe(this.model, zc.set, { epoch: st.epoch, seed: this.config.seed, lr: plan.lrAt(st.globalStep), rows: plan.zRows });
      if (this.rng.state().some((w, i) => w !== before[i])) throw new EngineError(ERROR_CODES.INTERNAL, 'the susceptibility probe used the trainer\'s RNG');
      st.probes!.susceptibility.push(rec);
      this.timings.susceptibilityMs = (this.timings.susceptibilityMs ?? 0) + this.clock() - t;
    }
    this.order = Int32Array.from({ length: plan.n }, (_, i) => i);
    this.rng.shuffle(this.order);
    st.inEpoch = true;
    st.position = 0;
    st.lossSum = 0;
    st.correct = 0;
    this.dyn.train.addRow(st.epoch);
  }

  /** The next `model.stepsPerRun` steps of the epoch (fewer at its end), recorded by training position. */
  private async stepGroup(): Promise<void> {
    const { st, plan, timings, data } = this;
    if (this.hooks.signal?.aborted) await this.cancel(`in epoch ${st.epoch + 1} of ${plan.E} after step ${st.position} of ${plan.P}`);
    const count = Math.min(plan.S, plan.P - st.position);
    const tb = this.clock();
    const batches: Batch[] = [];
    const positions: Int32Array[] = [];
    const lr: number[] = [];
    for (let g = 0; g < count; g++) {
      const a = (st.position + g) * plan.B;
      const pos = this.order.subarray(a, Math.min(plan.n, a + plan.B));
      const indices = new Int32Array(pos.length);
      const labels = new Int32Array(pos.length);
      for (let k = 0; k < pos.length; k++) {
        indices[k] = data.train[pos[k]!]!;
        labels[k] = data.trainLabels[pos[k]!]!;
      }
      const batch = this.model.makeBatch(indices, labels);
      if (data.soft) batch.soft = softRows(data.soft, pos);
      batches.push(batch);
      positions.push(pos);
      lr.push(plan.lrAt(st.globalStep + g));
    }
    const ts = this.clock();
    timings.batchMs += ts - tb;
    const stats: SampleStats[] = await this.model.trainSteps(batches, lr, this.rng);
    const tr = this.clock();
    timings.stepMs += tr - ts;
    if (stats.length !== count) throw new EngineError(ERROR_CODES.INTERNAL, `model ${this.model.name} returned statistics of ${stats.length} steps for ${count} batches`);
    for (let g = 0; g < count; g++) {
      const sums = this.dyn.train.record(positions[g]!, stats[g]!);
      st.lossSum += sums.lossSum;
      st.correct += sums.correct;
      this.samplesThisRun += positions[g]!.length;
    }
    timings.recordMs += this.clock() - tr;
    st.position += count;
    st.globalStep += count;
    this.stepsSinceCheckpoint += count;
    this.dirty = true;
    this.emit('train', st.position === plan.P);
    const everySteps = this.ckpt?.everySteps;
    if (everySteps !== undefined && this.stepsSinceCheckpoint >= everySteps && st.position < plan.P) await this.saveCheckpoint();
  }

  /** Evaluation, early stopping, the CSR probe, then the epoch is committed and checkpointed. */
  private async endEpoch(): Promise<void> {
    const { st, plan } = this;
    const n = plan.n;
    if (this.dyn.train.filled !== n) throw new EngineError(ERROR_CODES.INTERNAL, `epoch ${st.epoch}: ${this.dyn.train.filled} of ${n} training samples were presented`);
    const curve: EpochCurve = { epoch: st.epoch, trainLoss: st.lossSum / n, trainAcc: st.correct / n, valLoss: null, valAcc: null, testLoss: null, testAcc: null, lr: plan.lrAt(st.globalStep - 1) };
    const evaluated = plan.isEvalEpoch(st.epoch);
    if (evaluated) {
      this.emit('eval', true);
      if (!(await this.evaluate(curve))) await this.cancel(`while evaluating epoch ${st.epoch + 1} of ${plan.E}`);
    }
    // Early stopping is decided on a copy, committed with the epoch: a cancellation during the
    // CSR search below leaves the state as before the evaluation (which reruns on resume).
    const early = { ...st.early };
    updateEarlyStopping(this.config.earlyStopping, this.earlyValue(curve), curve.epoch, early);
    if (plan.csrSettings && plan.isCsrEpoch(st.epoch, early.stopped)) st.probes!.csr.push(await this.measureCsr(evaluated));
    st.early = early;
    st.curves.push(curve);
    st.epoch++;
    st.inEpoch = false;
    st.position = 0;
    this.order = EMPTY;
    this.dirty = true;
    const last = st.epoch === plan.E || st.early.stopped;
    if (this.ckpt && (last || st.epoch % (this.ckpt.everyEpochs ?? 1) === 0)) await this.saveCheckpoint();
    await this.hooks.onEpochEnd?.(curve);
  }

  /** The early-stopping metric of an epoch; null when it was not evaluated on the validation split. */
  private earlyValue(curve: EpochCurve): number | null {
    const es = this.config.earlyStopping;
    if (!es || curve.valLoss === null || curve.valAcc === null) return null;
    if (es.metric === 'val_loss') return curve.valLoss;
    if (es.metric === 'val_acc') return curve.valAcc;
    const val = this.dyn.get('val');
    return es.score!(val.row(val.rows - 1).top1.subarray(0, val.n));
  }

  /** The critical sample ratio of the epoch just evaluated; a cancellation drops its evaluation rows. */
  private async measureCsr(evaluated: boolean): Promise<CsrRecord> {
    const { st, plan } = this;
    const t = this.clock();
    const spent = () => (this.timings.csrMs = (this.timings.csrMs ?? 0) + this.clock() - t);
    let rec: CsrRecord;
    try {
      rec = await measureCsr(this.model, this.config.csr!.indices, plan.csrSettings!, { epoch: st.epoch, seed: this.config.seed, ...(this.hooks.signal ? { signal: this.hooks.signal } : {}) });
    } catch (e) {
      spent();
      if (!(this.hooks.signal?.aborted && e instanceof EngineError && e.code === ERROR_CODES.CANCELLED)) throw e;
      if (evaluated) for (const { split } of plan.evalSets) this.dyn.get(split).dropLastRow();
      return this.cancel(`while measuring the critical sample ratio of epoch ${st.epoch + 1} of ${plan.E}`);
    }
    spent();
    return rec;
  }

  private async saveCheckpoint(): Promise<void> {
    if (!this.ckpt) return;
    const t = this.clock();
    this.st.rng = this.rng.state();
    const state = await this.model.getState();
    await writeCheckpoint(this.ckpt.path, { fingerprint: this.plan.fingerprint, trainer: this.st, order: this.st.inEpoch ? this.order : EMPTY, model: state, dynamics: this.dyn });
    this.timings.checkpointMs += this.clock() - t;
    this.stepsSinceCheckpoint = 0;
    this.dirty = false;
  }

  /** Saves the point reached (when configured and anything changed) and throws E_CANCELLED. */
  private async cancel(where: string): Promise<never> {
    const ckpt = this.ckpt;
    let saved = false;
    if (ckpt && (ckpt.onCancel ?? true) && this.dirty) {
      await this.saveCheckpoint();
      saved = true;
    }
    const tail = !ckpt
      ? 'no checkpoint is configured, so the run must start over'
      : saved
        ? `the checkpoint ${ckpt.path} holds the point reached; resume continues from there`
        : `the last checkpoint ${ckpt.path} was kept as it was`;
    throw new EngineError(ERROR_CODES.CANCELLED, `training cancelled ${where}; ${tail}`, { epoch: this.st.epoch, step: this.st.position, globalStep: this.st.globalStep });
  }

  private emit(phase: TrainProgress['phase'], force: boolean): void {
    const onProgress = this.hooks.onProgress;
    if (!onProgress) return;
    const now = this.clock();
    if (!force && now - this.lastEmit < (this.config.progressIntervalMs ?? 500)) return;
    this.lastEmit = now;
    const { st, plan, timings } = this;
    const steps = st.globalStep - this.startStep;
    const trainMs = timings.batchMs + timings.stepMs + timings.recordMs;
    const msPerStep = steps > 0 ? trainMs / steps : 0;
    const samplesPerSec = trainMs > 0 ? (1000 * this.samplesThisRun) / trainMs : 0;
    const seen = this.dyn.train.rows > 0 && st.inEpoch ? this.dyn.train.filled : 0;
    onProgress({
      phase,
      epoch: st.epoch,
      epochs: plan.E,
      step: st.position,
      stepsPerEpoch: plan.P,
      globalStep: st.globalStep,
      totalSteps: plan.totalSteps,
      samplesPerSec,
      etaSec: ((plan.totalSteps - st.globalStep) * msPerStep + this.evaluationsLeft(phase) * this.msPerEval(samplesPerSec)) / 1000,
      trainLoss: seen > 0 ? st.lossSum / seen : NaN,
      trainAcc: seen > 0 ? st.correct / seen : NaN,
      lr: plan.lrAt(Math.max(0, st.globalStep - 1)),
    });
  }

  /** Remaining evaluations: those of the current epoch (unless under way) and of later epochs. */
  private evaluationsLeft(phase: TrainProgress['phase']): number {
    let left = 0;
    for (let e = phase === 'eval' ? this.st.epoch + 1 : this.st.epoch; e < this.plan.E; e++) if (this.plan.isEvalEpoch(e)) left++;
    return left;
  }

  /**
   * Time of one evaluation. Before the first has been timed, a forward pass is taken as a third
   * of a training step per sample (forward, backward and update).
   */
  private msPerEval(samplesPerSec: number): number {
    if (this.evalRuns > 0) return this.timings.evalMs / this.evalRuns;
    let evalSamples = 0;
    for (const { set } of this.plan.evalSets) evalSamples += set.indices.length;
    return samplesPerSec > 0 ? (1000 * evalSamples) / samplesPerSec / 3 : 0;
  }

  /** Evaluates the eval splits for the current epoch; returns false (rows dropped) when cancelled midway. */
  private async evaluate(curve: EpochCurve): Promise<boolean> {
    const t = this.clock();
    const added: SplitDynamics[] = [];
    for (const { split, set } of this.plan.evalSets) {
      const d = this.dyn.get(split);
      d.addRow(this.st.epoch);
      added.push(d);
      const sums = await this.evaluateSplit(d, set);
      if (!sums) {
        for (const x of added) x.dropLastRow();
        this.timings.evalMs += this.clock() - t;
        return false;
      }
      const m = set.indices.length;
      if (split === 'val') {
        curve.valLoss = sums.lossSum / m;
        curve.valAcc = sums.correct / m;
      } else {
        curve.testLoss = sums.lossSum / m;
        curve.testAcc = sums.correct / m;
      }
    }
    this.timings.evalMs += this.clock() - t;
    this.evalRuns++;
    return true;
  }

  /** One split's forward passes into its new dynamics row; undefined when cancelled midway. */
  private async evaluateSplit(d: SplitDynamics, set: EvalSet): Promise<{ lossSum: number; correct: number } | undefined> {
    const evalB = this.plan.evalB;
    const positions = Int32Array.from({ length: set.indices.length }, (_, i) => i);
    let lossSum = 0;
    let correct = 0;
    for (let a = 0; a < set.indices.length; a += evalB) {
      if (this.hooks.signal?.aborted) return undefined;
      const b = Math.min(set.indices.length, a + evalB);
      const stats = await this.model.evaluate(this.model.makeBatch(set.indices.subarray(a, b), set.labels.subarray(a, b)), 1);
      const sums = d.record(positions.subarray(a, b), stats);
      lossSum += sums.lossSum;
      correct += sums.correct;
    }
    return { lossSum, correct };
  }

  /** Writes the dynamics file and assembles the result. */
  private async finish(): Promise<TrainResult> {
    const { st, timings, config } = this;
    if (config.dynamicsPath) {
      const t = this.clock();
      await writeDynamics(config.dynamicsPath, this.dyn, this.plan.fingerprint);
      timings.dynamicsWriteMs = this.clock() - t;
    }
    timings.totalMs = this.clock() - this.t0;
    const trainMs = timings.batchMs + timings.stepMs;
    timings.recordingOverhead = trainMs > 0 ? (timings.recordMs + timings.dynamicsWriteMs) / trainMs : 0;
    const result: TrainResult = {
      curves: st.curves,
      dynamics: this.dyn,
      timings,
      final: { epochs: st.curves.length, globalStep: st.globalStep, stoppedEarly: st.early.stopped, bestEpoch: st.early.bestEpoch, rng: this.rng.state(), resumedFrom: this.resumedFrom },
      fingerprint: this.plan.fingerprint,
    };
    if (config.susceptibility) result.susceptibility = susceptibilityResult(st.probes!.susceptibility);
    if (config.csr) result.csr = st.probes!.csr;
    return result;
  }
}

/**
 * Early stopping after an evaluation of `value` (the metric at `epoch`; null: not evaluated): a
 * better value resets the count, `patience` worse ones stop.
 */
function updateEarlyStopping(es: EarlyStoppingConfig | undefined, value: number | null, epoch: number, e: EarlyStoppingState): void {
  if (!es || value === null) return;
  const delta = es.minDelta ?? 0;
  const better = es.metric === 'val_loss' ? value < e.best - delta : value > e.best + delta;
  if (better) {
    e.best = value;
    e.bestEpoch = epoch;
    e.bad = 0;
  } else if (++e.bad >= es.patience) {
    e.stopped = true;
  }
}

/** Φ per epoch and ζ from the records (ζ by `metrics/susceptibility`; NaN from a non-finite Φ on). */
export function susceptibilityResult(records: readonly SusceptibilityRecord[]): SusceptibilityResult {
  records.forEach((r, i) => {
    if (r.epoch !== i) throw new EngineError(ERROR_CODES.INTERNAL, `susceptibility record ${i} is of epoch ${r.epoch}`);
  });
  const phiBefore = records.map((r) => r.phiBefore);
  const phiAfter = records.map((r) => r.phiAfter);
  const bad = [...phiBefore, ...phiAfter].some((v) => !Number.isFinite(v));
  let zeta: number[];
  if (!bad) {
    zeta = Array.from(zetaOf(phiBefore, phiAfter));
  } else {
    zeta = [];
    let sum = 0;
    phiBefore.forEach((b, t) => {
      if (t > 0) sum += b - phiAfter[t]!;
      zeta.push(t === 0 ? NaN : sum / t);
    });
  }
  return { records: [...records], phiBefore, phiAfter, zeta };
}

/** The soft labels of training positions `pos`, [pos.length × k]. */
function softRows(soft: SoftTargets, pos: Int32Array): NonNullable<Batch['soft']> {
  const k = soft.k;
  const ids = new Int32Array(pos.length * k);
  const p = new Float32Array(pos.length * k);
  pos.forEach((q, r) => {
    ids.set(soft.ids.subarray(q * k, (q + 1) * k), r * k);
    p.set(soft.p.subarray(q * k, (q + 1) * k), r * k);
  });
  return { ids, p };
}
