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
 *     measured too and skipped by ζ, as METRICS.md defines it);
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
}

/** Early stopping: stop after `patience` validation evaluations without improvement. */
export interface EarlyStoppingConfig {
  metric: 'val_loss' | 'val_acc';
  patience: number;
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
   * Opt-in: measure the susceptibility ζ (METRICS.md) at the start of every epoch on a fixed
   * random-label set. Leaves the run unchanged; results in `TrainResult.susceptibility`.
   */
  susceptibility?: SusceptibilityConfig;
  /**
   * Opt-in: measure the critical sample ratio (METRICS.md) of a fixed subset every
   * `everyEpochs` epochs. Needs a model with the input-embedding methods (the built-in models
   * have them). Leaves the run unchanged; results in `TrainResult.csr`.
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
    if (e.metric !== 'val_loss' && e.metric !== 'val_acc') throw configError('earlyStopping.metric', `must be val_loss or val_acc (got ${String(e.metric)})`);
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
      config: { epochs: c.epochs, batchSize: c.batchSize, seed: c.seed, schedule: resolveSchedule(c.schedule, c.epochs * Math.ceil(data.train.length / c.batchSize)), evalEvery: c.evalEvery ?? 1, evalBatchSize: c.evalBatchSize ?? c.batchSize, earlyStopping: c.earlyStopping },
      data: [sum(data.train), sum(data.trainLabels), sum(data.val?.indices), sum(data.val?.labels), sum(data.test?.indices), sum(data.test?.labels)],
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
  const clock = hooks.now ?? (() => performance.now());
  const t0 = clock();
  const E = config.epochs;
  const B = config.batchSize;
  const evalEvery = config.evalEvery ?? 1;
  const evalB = config.evalBatchSize ?? B;
  const S = Math.max(1, Math.floor(model.stepsPerRun));
  const n = data.train.length;
  const P = Math.ceil(n / B);
  const totalSteps = E * P;
  const fingerprint = runFingerprint(model, data, config);
  const lrAt: Schedule = makeSchedule(resolveSchedule(config.schedule, totalSteps));
  const ckpt = config.checkpoint;
  const onCancel = ckpt?.onCancel ?? true;
  const interval = config.progressIntervalMs ?? 500;
  const es = config.earlyStopping;
  const evalSets: { split: DynamicsSplit; set: EvalSet }[] = [];
  for (const s of ['val', 'test'] as const) if (data[s] && data[s].indices.length > 0) evalSets.push({ split: s, set: data[s] });
  const isEvalEpoch = (e: number): boolean => evalSets.length > 0 && ((e + 1) % evalEvery === 0 || e === E - 1);
  let evalEpochs = 0;
  for (let e = 0; e < E; e++) if (isEvalEpoch(e)) evalEpochs++;
  const capacity = { train: E, val: evalEpochs, test: evalEpochs };
  const probesKey = probeKey(config);
  const zc = config.susceptibility;
  const zRows = susceptibilityRowsOf(config);
  const cc = config.csr;
  const csrSettings = cc ? resolveCsr(cc, evalB) : undefined;
  if (cc && !supportsCsr(model)) throw configError('csr', `needs a model with input-embedding graphs (inputEmbeddings, predictAtEmbeddings, gradientAtEmbeddings); ${model.name} has none`);

  const timings: TrainTimings = { totalMs: 0, batchMs: 0, stepMs: 0, recordMs: 0, evalMs: 0, checkpointMs: 0, dynamicsWriteMs: 0, recordingOverhead: 0 };
  let rng: Rng;
  let st: TrainerState;
  let order: Int32Array = EMPTY;
  let dyn: Dynamics;
  let resumedFrom: TrainResult['final']['resumedFrom'] = null;

  if (resuming) {
    if (!ckpt) throw configError('checkpoint', 'is needed to resume a run');
    const c = await readCheckpoint(ckpt.path, capacity);
    if (!c) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no checkpoint at ${ckpt.path} to resume from; start the run with train()`, { file: ckpt.path });
    if (c.fingerprint !== fingerprint) {
      throw new EngineError(
        ERROR_CODES.CONFIG,
        `checkpoint ${ckpt.path} belongs to another run (different model, data or training settings); delete it or resume with the settings it was written with`,
        { file: ckpt.path, expected: fingerprint, found: c.fingerprint },
      );
    }
    if ((c.trainer.probes?.key ?? undefined) !== probesKey) {
      throw new EngineError(
        ERROR_CODES.CONFIG,
        `checkpoint ${ckpt.path} was written ${c.trainer.probes ? 'with other' : 'without the'} susceptibility/CSR measurement settings; resume with the settings it was written with, or delete it`,
        { file: ckpt.path },
      );
    }
    await model.setState(c.model);
    st = c.trainer;
    rng = new Rng(st.rng);
    order = c.order;
    dyn = c.dynamics;
    resumedFrom = { epoch: st.epoch, position: st.position, globalStep: st.globalStep };
  } else {
    if (ckpt) await fsp.rm(ckpt.path, { force: true });
    rng = new Rng(config.seed);
    const lower = es?.metric === 'val_loss';
    st = {
      epoch: 0,
      inEpoch: false,
      position: 0,
      globalStep: 0,
      rng: rng.state(),
      lossSum: 0,
      correct: 0,
      early: { best: lower ? Infinity : -Infinity, bestEpoch: -1, bad: 0, stopped: false },
      curves: [],
      ...(probesKey ? { probes: { key: probesKey, susceptibility: [], csr: [] } } : {}),
    };
    const empty = (s: DynamicsSplit): SplitDynamics => {
      const set = data[s as 'val' | 'test'];
      return new SplitDynamics(s, set ? set.indices.slice() : EMPTY, set ? set.labels.slice() : EMPTY, set && set.indices.length > 0 ? capacity[s] : 0);
    };
    dyn = new Dynamics(new SplitDynamics('train', data.train.slice(), data.trainLabels.slice(), E), empty('val'), empty('test'));
  }

  const startStep = st.globalStep;
  let samplesThisRun = 0;
  let evalRuns = 0;
  let lastEmit = -Infinity;
  let stepsSinceCheckpoint = 0;
  // Whether anything was trained since the last checkpoint (a cancellation then saves it).
  let dirty = false;

  const saveCheckpoint = async (): Promise<void> => {
    if (!ckpt) return;
    const t = clock();
    st.rng = rng.state();
    const state = await model.getState();
    await writeCheckpoint(ckpt.path, { fingerprint, trainer: st, order: st.inEpoch ? order : EMPTY, model: state, dynamics: dyn });
    timings.checkpointMs += clock() - t;
    stepsSinceCheckpoint = 0;
    dirty = false;
  };

  const cancel = async (where: string): Promise<never> => {
    let saved = false;
    if (ckpt && onCancel && dirty) {
      await saveCheckpoint();
      saved = true;
    }
    const tail = !ckpt
      ? 'no checkpoint is configured, so the run must start over'
      : saved
        ? `the checkpoint ${ckpt.path} holds the point reached; resume continues from there`
        : `the last checkpoint ${ckpt.path} was kept as it was`;
    throw new EngineError(ERROR_CODES.CANCELLED, `training cancelled ${where}; ${tail}`, { epoch: st.epoch, step: st.position, globalStep: st.globalStep });
  };

  const emit = (phase: TrainProgress['phase'], force: boolean): void => {
    if (!hooks.onProgress) return;
    const now = clock();
    if (!force && now - lastEmit < interval) return;
    lastEmit = now;
    const steps = st.globalStep - startStep;
    const trainMs = timings.batchMs + timings.stepMs + timings.recordMs;
    const msPerStep = steps > 0 ? trainMs / steps : 0;
    const samplesPerSec = trainMs > 0 ? (1000 * samplesThisRun) / trainMs : 0;
    // Remaining evaluations: those of the current epoch (unless under way) and of later epochs.
    let evalsLeft = 0;
    for (let e = phase === 'eval' ? st.epoch + 1 : st.epoch; e < E; e++) if (isEvalEpoch(e)) evalsLeft++;
    let evalSamples = 0;
    for (const { set } of evalSets) evalSamples += set.indices.length;
    // Before the first evaluation has been timed, a forward pass is taken as a third of a
    // training step per sample (forward, backward and update).
    const msPerEval = evalRuns > 0 ? timings.evalMs / evalRuns : samplesPerSec > 0 ? (1000 * evalSamples) / samplesPerSec / 3 : 0;
    const etaSec = ((totalSteps - st.globalStep) * msPerStep + evalsLeft * msPerEval) / 1000;
    const seen = dyn.train.rows > 0 && st.inEpoch ? dyn.train.filled : 0;
    hooks.onProgress({
      phase,
      epoch: st.epoch,
      epochs: E,
      step: st.position,
      stepsPerEpoch: P,
      globalStep: st.globalStep,
      totalSteps,
      samplesPerSec,
      etaSec,
      trainLoss: seen > 0 ? st.lossSum / seen : NaN,
      trainAcc: seen > 0 ? st.correct / seen : NaN,
      lr: lrAt(Math.max(0, st.globalStep - 1)),
    });
  };

  /** Evaluates the eval splits for `epoch`; returns false (rows dropped) when cancelled midway. */
  const evaluate = async (curve: EpochCurve): Promise<boolean> => {
    const t = clock();
    const added: SplitDynamics[] = [];
    for (const { split, set } of evalSets) {
      const d = dyn.get(split);
      d.addRow(st.epoch);
      added.push(d);
      const positions = Int32Array.from({ length: set.indices.length }, (_, i) => i);
      let lossSum = 0;
      let correct = 0;
      for (let a = 0; a < set.indices.length; a += evalB) {
        if (hooks.signal?.aborted) {
          for (const x of added) x.dropLastRow();
          timings.evalMs += clock() - t;
          return false;
        }
        const b = Math.min(set.indices.length, a + evalB);
        const batch = model.makeBatch(set.indices.subarray(a, b), set.labels.subarray(a, b));
        const stats = await model.evaluate(batch, 1);
        const sums = d.record(positions.subarray(a, b), stats);
        lossSum += sums.lossSum;
        correct += sums.correct;
      }
      const m = set.indices.length;
      if (split === 'val') {
        curve.valLoss = lossSum / m;
        curve.valAcc = correct / m;
      } else {
        curve.testLoss = lossSum / m;
        curve.testAcc = correct / m;
      }
    }
    timings.evalMs += clock() - t;
    evalRuns++;
    return true;
  };

  const updateEarlyStopping = (curve: EpochCurve, e: EarlyStoppingState): void => {
    if (!es || curve.valLoss === null || curve.valAcc === null) return;
    const delta = es.minDelta ?? 0;
    const better = es.metric === 'val_loss' ? curve.valLoss < e.best - delta : curve.valAcc > e.best + delta;
    if (better) {
      e.best = es.metric === 'val_loss' ? curve.valLoss : curve.valAcc;
      e.bestEpoch = curve.epoch;
      e.bad = 0;
    } else if (++e.bad >= es.patience) {
      e.stopped = true;
    }
  };

  if (hooks.signal?.aborted) await cancel('before it started');

  while (st.epoch < E && !st.early.stopped) {
    if (!st.inEpoch) {
      if (zc) {
        // At the start of the epoch, before its order is drawn; the trainer's RNG is not used
        // (checked), and the model is restored to its snapshot.
        if (hooks.signal?.aborted) await cancel(`before epoch ${st.epoch + 1} of ${E}`);
        const t = clock();
        const before = rng.state();
        const rec = await susceptibilityProbe(model, zc.set, { epoch: st.epoch, seed: config.seed, lr: lrAt(st.globalStep), rows: zRows });
        if (rng.state().some((w, i) => w !== before[i])) throw new EngineError(ERROR_CODES.INTERNAL, 'the susceptibility probe used the trainer\'s RNG');
        st.probes!.susceptibility.push(rec);
        timings.susceptibilityMs = (timings.susceptibilityMs ?? 0) + clock() - t;
      }
      order = Int32Array.from({ length: n }, (_, i) => i);
      rng.shuffle(order);
      st.inEpoch = true;
      st.position = 0;
      st.lossSum = 0;
      st.correct = 0;
      dyn.train.addRow(st.epoch);
    }
    while (st.position < P) {
      if (hooks.signal?.aborted) await cancel(`in epoch ${st.epoch + 1} of ${E} after step ${st.position} of ${P}`);
      const count = Math.min(S, P - st.position);
      const tb = clock();
      const batches: Batch[] = [];
      const positions: Int32Array[] = [];
      const lr: number[] = [];
      for (let g = 0; g < count; g++) {
        const a = (st.position + g) * B;
        const pos = order.subarray(a, Math.min(n, a + B));
        const indices = new Int32Array(pos.length);
        const labels = new Int32Array(pos.length);
        for (let k = 0; k < pos.length; k++) {
          indices[k] = data.train[pos[k]!]!;
          labels[k] = data.trainLabels[pos[k]!]!;
        }
        batches.push(model.makeBatch(indices, labels));
        positions.push(pos);
        lr.push(lrAt(st.globalStep + g));
      }
      const ts = clock();
      timings.batchMs += ts - tb;
      const stats: SampleStats[] = await model.trainSteps(batches, lr, rng);
      const tr = clock();
      timings.stepMs += tr - ts;
      if (stats.length !== count) throw new EngineError(ERROR_CODES.INTERNAL, `model ${model.name} returned statistics of ${stats.length} steps for ${count} batches`);
      for (let g = 0; g < count; g++) {
        const sums = dyn.train.record(positions[g]!, stats[g]!);
        st.lossSum += sums.lossSum;
        st.correct += sums.correct;
        samplesThisRun += positions[g]!.length;
      }
      timings.recordMs += clock() - tr;
      st.position += count;
      st.globalStep += count;
      stepsSinceCheckpoint += count;
      dirty = true;
      emit('train', st.position === P);
      if (ckpt?.everySteps !== undefined && stepsSinceCheckpoint >= ckpt.everySteps && st.position < P) await saveCheckpoint();
    }

    if (dyn.train.filled !== n) throw new EngineError(ERROR_CODES.INTERNAL, `epoch ${st.epoch}: ${dyn.train.filled} of ${n} training samples were presented`);
    const curve: EpochCurve = {
      epoch: st.epoch,
      trainLoss: st.lossSum / n,
      trainAcc: st.correct / n,
      valLoss: null,
      valAcc: null,
      testLoss: null,
      testAcc: null,
      lr: lrAt(st.globalStep - 1),
    };
    const evaluated = isEvalEpoch(st.epoch);
    if (evaluated) {
      emit('eval', true);
      if (!(await evaluate(curve))) await cancel(`while evaluating epoch ${st.epoch + 1} of ${E}`);
    }
    // Early stopping is decided on a copy, committed with the epoch: a cancellation during the
    // CSR search below leaves the state as before the evaluation (which reruns on resume).
    const early = { ...st.early };
    updateEarlyStopping(curve, early);
    if (cc && csrSettings && ((st.epoch + 1) % cc.everyEpochs === 0 || st.epoch === E - 1 || early.stopped)) {
      const t = clock();
      let rec: CsrRecord;
      try {
        rec = await measureCsr(model, cc.indices, csrSettings, { epoch: st.epoch, seed: config.seed, ...(hooks.signal ? { signal: hooks.signal } : {}) });
      } catch (e) {
        timings.csrMs = (timings.csrMs ?? 0) + clock() - t;
        if (!(hooks.signal?.aborted && e instanceof EngineError && e.code === ERROR_CODES.CANCELLED)) throw e;
        if (evaluated) for (const { split } of evalSets) dyn.get(split).dropLastRow();
        return cancel(`while measuring the critical sample ratio of epoch ${st.epoch + 1} of ${E}`);
      }
      timings.csrMs = (timings.csrMs ?? 0) + clock() - t;
      st.probes!.csr.push(rec);
    }
    st.early = early;
    st.curves.push(curve);
    st.epoch++;
    st.inEpoch = false;
    st.position = 0;
    order = EMPTY;
    dirty = true;
    const last = st.epoch === E || st.early.stopped;
    if (ckpt && (last || st.epoch % (ckpt.everyEpochs ?? 1) === 0)) await saveCheckpoint();
    await hooks.onEpochEnd?.(curve);
  }

  if (config.dynamicsPath) {
    const t = clock();
    await writeDynamics(config.dynamicsPath, dyn, fingerprint);
    timings.dynamicsWriteMs = clock() - t;
  }
  timings.totalMs = clock() - t0;
  const trainMs = timings.batchMs + timings.stepMs;
  timings.recordingOverhead = trainMs > 0 ? (timings.recordMs + timings.dynamicsWriteMs) / trainMs : 0;
  const result: TrainResult = {
    curves: st.curves,
    dynamics: dyn,
    timings,
    final: { epochs: st.curves.length, globalStep: st.globalStep, stoppedEarly: st.early.stopped, bestEpoch: st.early.bestEpoch, rng: rng.state(), resumedFrom },
    fingerprint,
  };
  if (zc) result.susceptibility = susceptibilityResult(st.probes!.susceptibility);
  if (cc) result.csr = st.probes!.csr;
  return result;
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
