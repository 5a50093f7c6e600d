/**
 * One training run of the audit's grid: apply the run's noise to the training split, train a fresh
 * model from the run's seed while recording every sample's dynamics, compute the run's metrics,
 * and leave its files in its folder — `result.json` last, so that its presence means the run is
 * complete and a rerun of the audit reuses it as is. An interrupted run resumes from its
 * checkpoint.
 */
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createModel } from '../../../models/registry';
import { ADVERSARIAL_DEFAULTS, fixedSubset, measureAdversarial, type AttackProgress, type AttackSet } from '../adversarial/run';
import { namePool, type RenameEvaluator } from '../adversarial/rename';
import { stableStringify } from '../cache/keys';
import type { Dataset } from '../dataset/build';
import type { SampleColumns } from '../dataset/columns';
import { flipRate, taskScoresFromClasses } from '../metrics';
import { MEANING_PRESERVING_KINDS } from '../noise/kinds';
import { decodeCartography, encodeCartography } from '../report/shared/cartography';
import type { AdversarialReport, RunReport } from '../protocol/report';
import { vocabInputs } from '../noise/source';
import type { ExtractedSample } from '../parse/sample';
import type { SampleSource } from '../dataset/source';
import { EngineError, ERROR_CODES, isEngineError } from '../errors';
import type { Ledger } from '../noise';
import { readDynamics } from '../train/dynamics';
import { resume, train, type EarlyStoppingConfig, type TrainConfig, type TrainData, type TrainProgress, type TrainResult } from '../train/trainer';
import type { OptimizerConfig, TrainableModel } from '../train/types';
import { readJsonIfValid, writeFileAtomic } from '../util/atomic';
import { signalsCsv } from './aggregate';
import { mitigationsOf, type AuditConfig } from './config';
import { applyRunNoise, editorFor, transformTestSet, type RunNoise, type RunNoiseContext, type TestTransform } from './noise-adapter';
import type { PlannedRun } from './plan';
import { isLabelKind } from './plan';
import { computeRunMetrics, type RunMetrics } from './run-metrics';
import { AuditFolder, RUN_FILES } from './runs-store';
import { isStudent, isTeacher, keepTeacher, teacherSoftTargets } from './teacher';

/** Sample indices with their (clean) label classes. */
export interface LabelledSet {
  indices: Int32Array;
  labels: Int32Array;
}

/** What every run of an audit shares: the data, the evaluation and probe sets, the audit's folder. */
export interface AuditInputs {
  config: AuditConfig;
  columns: SampleColumns;
  dataset: Dataset;
  /** Dataset indices of the training positions (the audit's training subset). */
  trainIdx: Int32Array;
  vocab: { strings: readonly string[]; unk: number };
  /** The clean names per split, for the task metrics. */
  truth: { train: string[]; val: string[]; test: string[] };
  evalSets: { val: LabelledSet; test: LabelledSet };
  baseSource: SampleSource;
  /** S̃: the training inputs with uniform random labels (susceptibility ζ). */
  susceptibilitySet: LabelledSet;
  /** A fixed subset of training samples (critical sample ratio). */
  csrIndices: Int32Array;
  noise: RunNoiseContext;
  /** Cross-fitting fold of each training position, keyed by sample id (docs/metrics.md § "Detection choice"). */
  folds: Uint8Array;
  /** Memorization fold of each training position (docs/metrics.md § "Memorization score (cross-fitted)"); empty when `memFolds` is 0. */
  memFolds: Uint8Array;
  folder: AuditFolder;
  log: (message: string) => void;
  signal?: AbortSignal;
  /** The run's CPU threads, given by the run scheduler (audit/scheduler.ts); default the model's. */
  runtime?: { threads: number; strategyThreads: number };
}

/** A finished run: its report and, for a clean run, its per-sample signals (the findings' ranking). */
export interface RunOutcome {
  report: RunReport;
  signals?: Record<string, ArrayLike<number>>;
  /** Bootstrap replicates of the run's scores (headline intervals); absent for a run finished by an older memaudit. */
  replicates?: Record<string, ArrayLike<number>>;
}

/** What a run reports: its training's progress, then its attacks' (`attack`: methods attacked of all). */
export type RunProgress = TrainProgress | ({ phase: 'attack' } & AttackProgress);

/** A run an earlier invocation finished (its result.json), or undefined. */
export function finishedRun(folder: AuditFolder, run: PlannedRun): RunOutcome | undefined {
  const saved = readJsonIfValid<{ report: RunReport; signals?: Record<string, number[]>; replicates?: Record<string, number[]> }>(folder.runFile(run.id, RUN_FILES.result));
  if (saved?.report?.id !== run.id) return undefined;
  return {
    report: saved.report,
    ...(run.kind === 'none' && saved.signals ? { signals: saved.signals } : {}),
    ...(saved.replicates ? { replicates: saved.replicates } : {}),
  };
}

/** Trains and measures one run of the grid, writes its files, and returns its outcome. */
export async function runOne(a: AuditInputs, run: PlannedRun, onProgress: (p: RunProgress) => void): Promise<RunOutcome> {
  const noise = await applyRunNoise(run, a.noise);
  const transforms = run.kind === 'none' ? await robustnessTransforms(a, run, noise) : [];
  const c = a.config;
  // Edited samples of the rename attack are served above every other index.
  const scratch = scratchOverlay(a.columns.count + noise.replacements.length + transforms.reduce((k, t) => k + t.replacements.length, 0));
  const options = {
    source: overlaySource(a.baseSource, [noise.replacements, ...transforms.map((t) => t.replacements), scratch]),
    preset: c.modelPreset,
    ...modelSettings(c),
    batchSize: c.batchSize,
    device: c.device,
    seed: run.seed,
    log: a.log,
    ...a.runtime,
  };
  // Distillation (audit/teacher.ts): a noisy run's soft labels, from its seed's clean run on its own inputs.
  const soft = isStudent(c, run) ? await teacherSoftTargets(a.folder, run, () => createModel(c.model, options), { indices: noise.trainIndices, labels: noise.trainLabels }, c.batchSize) : undefined;
  const model = await createModel(c.model, { ...options, ...(soft ? { distill: c.distill } : {}) });
  try {
    const tc = trainConfig(a, run);
    const data: TrainData = { train: noise.trainIndices, trainLabels: noise.trainLabels, val: a.evalSets.val, test: a.evalSets.test, ...(soft ? { soft } : {}) };
    const hooks = { ...(a.signal ? { signal: a.signal } : {}), onProgress };
    const result = await resumeOrTrain(a, run, model, data, tc, hooks);
    const tm = performance.now();
    const flipRates = await measureFlips(a, model, result, transforms);
    const m = computeRunMetrics({ dynamics: result.dynamics, curves: result.curves, vocab: a.vocab, truth: a.truth, corrupted: noise.corrupted, labelNoise: isLabelKind(run.kind), folds: a.folds });
    const metricsMs = performance.now() - tm;
    const ta = performance.now();
    const attacked = (p: AttackProgress) => onProgress({ phase: 'attack', ...p });
    const adversarial = c.adversarial ? await measureRunAdversarial(a, run, noise, model, scratch, attacked) : undefined;
    const report = runReport(run, noise, model.device, result, m, flipRates, metricsMs, tc.epochs);
    if (adversarial) {
      report.adversarial = adversarial;
      report.timings.adversarialMs = performance.now() - ta;
    }
    await writeRunFiles(a, run, noise, result, m);
    if (isTeacher(c, run)) keepTeacher(a.folder, run, tc.checkpoint!.path);
    const signals = run.kind === 'none' ? { ...signalRecord(m) } : undefined;
    // Replicates to 1e-6: far below the intervals' Monte Carlo error, and half the digits. The
    // rounded ones are used now too, so a resumed audit gives the same intervals as this one.
    const replicates = mapValues(m.replicates, (v) => Array.from(v, (x) => Math.round(x * 1e6) / 1e6));
    // result.json is written last: its presence means the run is complete.
    await writeFileAtomic(
      a.folder.runFile(run.id, RUN_FILES.result),
      JSON.stringify({ report, ...(signals ? { signals: mapValues(signals, (v) => Array.from(v)) } : {}), replicates }),
    );
    fs.rmSync(tc.checkpoint!.path, { force: true });
    return { report, ...(signals ? { signals } : {}), replicates };
  } finally {
    await model.dispose();
  }
}

/**
 * Resumes the run from its checkpoint when there is one, else trains it from the start. A
 * checkpoint that cannot be used (truncated, damaged, of another run: what a kill in the middle
 * of a write on a file system without atomic renames, or a hand edit, leaves) is reported and the
 * run starts over: its model is untouched until the checkpoint has been read and checked in full.
 */
export async function resumeOrTrain(a: AuditInputs, run: PlannedRun, model: TrainableModel, data: TrainData, tc: TrainConfig, hooks: Parameters<typeof train>[3]): Promise<TrainResult> {
  const file = tc.checkpoint!.path;
  if (!fs.existsSync(file)) return train(model, data, tc, hooks);
  a.log(`resuming ${run.id} from its checkpoint`);
  try {
    return await resume(model, data, tc, hooks);
  } catch (e) {
    if (!isEngineError(e) || (e.code !== ERROR_CODES.CACHE_CORRUPT && e.code !== ERROR_CODES.CONFIG) || e.details?.['file'] !== file) throw e;
    const why = typeof e.details['why'] === 'string' ? e.details['why'] : e.code === ERROR_CODES.CONFIG ? 'it belongs to other settings' : e.message;
    a.log(`warning: the checkpoint ${file} is unusable (${why}); training ${run.id} again from the start`);
    return train(model, data, tc, hooks);
  }
}

/**
 * What is wrong with the files of a run an earlier invocation finished, or undefined when they
 * are whole: its dynamics (a cache bundle, every checksum), cartography and signal table must
 * read, and describe the audit's training set. The ledger is checked apart (`ledgerIsWhole`):
 * it can be derived again without training.
 */
export async function damagedRunFiles(a: AuditInputs, run: PlannedRun): Promise<string | undefined> {
  const f = (name: (typeof RUN_FILES)[keyof typeof RUN_FILES]) => a.folder.runFile(run.id, name);
  const n = a.trainIdx.length;
  try {
    const { dynamics } = await readDynamics(f(RUN_FILES.dynamics));
    if (dynamics.train.n !== n) return `${RUN_FILES.dynamics} has ${dynamics.train.n} training samples, the audit ${n}`;
  } catch (e) {
    return isEngineError(e) && typeof e.details?.['why'] === 'string' ? `${RUN_FILES.dynamics}: ${e.details['why']}` : isEngineError(e) && e.code === ERROR_CODES.INPUT_NOT_FOUND ? `${RUN_FILES.dynamics} is missing` : `${RUN_FILES.dynamics}: ${(e as Error).message}`;
  }
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(f(RUN_FILES.cartography));
  } catch {
    return `${RUN_FILES.cartography} is missing`;
  }
  try {
    const c = decodeCartography(bytes);
    if (c.n !== n) return `${RUN_FILES.cartography} has ${c.n} samples, the audit ${n}`;
  } catch (e) {
    return `${RUN_FILES.cartography}: ${(e as Error).message}`;
  }
  const signals = fs.statSync(f(RUN_FILES.signals), { throwIfNoEntry: false });
  if (!signals?.isFile() || signals.size === 0) return `${RUN_FILES.signals} is missing`;
  return undefined;
}

/** Whether a finished run's ledger (if it has one) reads and lists as many samples as the run corrupted. */
export function ledgerIsWhole(a: AuditInputs, report: RunReport): boolean {
  if (!report.files.ledger) return true;
  const ledger = readJsonIfValid<Ledger>(a.folder.runFile(report.id, RUN_FILES.ledger));
  return Boolean(ledger && Array.isArray(ledger.entries) && ledger.entries.length === report.corrupted);
}

/**
 * Writes a finished run's ledger again from its noise (drawn from the run's kind, level and seed,
 * so the same as the one it trained with). Throws E_CACHE_CORRUPT when the noise drawn now does
 * not match the run's report (the caller then trains the run again).
 */
export async function rewriteLedger(a: AuditInputs, run: PlannedRun, report: RunReport): Promise<void> {
  const noise = await applyRunNoise(run, a.noise);
  if (!noise.ledger || noise.count !== report.corrupted) {
    throw new EngineError(ERROR_CODES.CACHE_CORRUPT, `the noise of ${run.id} drawn again corrupts ${noise.count} samples, the run's report says ${report.corrupted}`);
  }
  await writeFileAtomic(a.folder.runFile(run.id, RUN_FILES.ledger), JSON.stringify(noise.ledger));
}

/**
 * What every run of the audit trains with: the config's epochs, batch, constant learning rate,
 * the run's seed, its checkpoint, and a model key that names the fold of a memorization fold run
 * and the weight decay, hyper-parameters and early stopping of a mitigation setting
 * (stableStringify drops the undefined ones, so the keys of the other runs are unchanged).
 */
export function baseTrainConfig(a: AuditInputs, run: PlannedRun): TrainConfig {
  const c = a.config;
  return {
    epochs: c.epochs,
    batchSize: c.batchSize,
    seed: run.seed,
    modelKey: stableStringify({ model: c.model, preset: c.modelPreset, lr: c.learningRate, seed: run.seed, fold: run.fold, ...mitigationsOf(c) }),
    schedule: { kind: 'constant', lr: c.learningRate },
    checkpoint: { path: a.folder.runFile(run.id, RUN_FILES.checkpoint) },
  };
}

/**
 * The optimizer and hyper-parameter overrides of the audit's models (Adam, with the weight decay
 * and `hyper` of a mitigation setting when set, and mixup's α when set).
 */
export function modelSettings(c: AuditConfig): { optimizer: OptimizerConfig; hyper?: Record<string, number>; mixup?: number } {
  return { optimizer: { kind: 'adam', ...(c.weightDecay ? { weightDecay: c.weightDecay } : {}) }, ...(c.hyper ? { hyper: { ...c.hyper } } : {}), ...(c.mixup ? { mixup: c.mixup } : {}) };
}

function trainConfig(a: AuditInputs, run: PlannedRun): TrainConfig {
  const c = a.config;
  return {
    ...baseTrainConfig(a, run),
    dynamicsPath: a.folder.runFile(run.id, RUN_FILES.dynamics),
    ...(c.susceptibility ? { susceptibility: { set: a.susceptibilitySet } } : {}),
    ...(c.csrEvery > 0 ? { csr: { indices: a.csrIndices, everyEpochs: c.csrEvery } } : {}),
    ...(c.earlyStopping ? { earlyStopping: earlyStoppingOf(a, c.earlyStopping) } : {}),
  };
}

/**
 * Early stopping of the grid's runs (docs/metrics.md § "Mitigation explorer"): on the validation
 * subtoken F1, the audit's validation metric. The memorization fold runs have no validation split
 * and train every epoch.
 */
function earlyStoppingOf(a: AuditInputs, patience: number): EarlyStoppingConfig {
  return { metric: 'val_score', patience, score: (top1) => taskScoresFromClasses(top1, a.truth.val, a.vocab).f1 };
}

/**
 * The clean run is also measured for robustness: its test predictions before and after
 * meaning-preserving edits (the transformed samples are served above the noise's indices).
 */
async function robustnessTransforms(a: AuditInputs, run: PlannedRun, noise: RunNoise): Promise<TestTransform[]> {
  const transforms: TestTransform[] = [];
  let offset = a.columns.count + noise.replacements.length;
  for (const kind of MEANING_PRESERVING_KINDS) {
    const t = await transformTestSet(kind, run.seed, a.noise, offset);
    offset += t.replacements.length;
    transforms.push(t);
  }
  return transforms;
}

/** Share of the transformed test samples whose top-1 prediction changed, per meaning-preserving kind. */
async function measureFlips(a: AuditInputs, model: TrainableModel, result: TrainResult, transforms: readonly TestTransform[]): Promise<Record<string, number>> {
  const flipRates: Record<string, number> = {};
  const test = result.dynamics.test;
  if (transforms.length === 0 || test.rows === 0) return flipRates;
  const before = test.row(test.rows - 1).top1.slice(0, a.dataset.test.length);
  for (const t of transforms) {
    const after = await predictTop1(model, t.indices, a.evalSets.test.labels, t.applied, a.config.batchSize);
    const f = flipRate(Int32Array.from(before, (v, p) => (t.applied[p] ? v : -1)), after);
    if (Number.isFinite(f.rate)) flipRates[t.kind] = f.rate;
  }
  return flipRates;
}

/**
 * Sample inputs set while the run is measured (the rename attack's edited methods), served as an
 * overlay at `offset + k`; its length is a fixed capacity so that the overlay source, built before
 * them, serves them.
 */
interface ScratchOverlay {
  length: number;
  offset: number;
  bodyTokens(k: number): Int32Array;
  contexts(k: number): Int32Array;
  /** Replaces the overlay's samples; returns their indices. */
  set(inputs: { body: Int32Array; contexts: Int32Array }[]): Int32Array;
}

function scratchOverlay(offset: number): ScratchOverlay {
  let items: { body: Int32Array; contexts: Int32Array }[] = [];
  return {
    length: 1 << 20,
    offset,
    bodyTokens: (k) => items[k]?.body ?? new Int32Array(0),
    contexts: (k) => items[k]?.contexts ?? new Int32Array(0),
    set(inputs) {
      items = inputs;
      return Int32Array.from(inputs, (_, k) => offset + k);
    },
  };
}

/** Stream tags of the adversarial subsets (fixed per audit through the split seed). */
const ADV_TAG = { train: 0xad71, test: 0xad72 } as const;

/**
 * The run's adversarial flip rates (docs/metrics.md § "Adversarial robustness") on fixed subsets
 * of its training positions and of the test split. The rename attack reads a training sample's
 * clean source only where the run trained on it (not on an input-noise replacement).
 */
async function measureRunAdversarial(
  a: AuditInputs,
  run: PlannedRun,
  noise: RunNoise,
  model: TrainableModel,
  scratch: ScratchOverlay,
  onProgress: (p: AttackProgress) => void,
): Promise<AdversarialReport | undefined> {
  const s = ADVERSARIAL_DEFAULTS;
  const seed = a.config.splitSeed;
  const source = (index: number) => ({ sample: a.columns.sample(index), unit: a.noise.source(index) });
  const tp = fixedSubset(noise.trainIndices.length, s.samples, seed ^ ADV_TAG.train);
  const train: AttackSet = {
    indices: tp.map((p) => noise.trainIndices[p]!),
    labels: tp.map((p) => noise.trainLabels[p]!),
    corrupted: Uint8Array.from(tp, (p) => noise.corrupted[p]!),
    source: (k) => (noise.trainIndices[tp[k]!] === a.trainIdx[tp[k]!] ? source(a.trainIdx[tp[k]!]!) : undefined),
  };
  const test = a.evalSets.test;
  const xp = fixedSubset(test.indices.length, s.samples, seed ^ ADV_TAG.test);
  const testSet: AttackSet = { indices: xp.map((p) => test.indices[p]!), labels: xp.map((p) => test.labels[p]!), source: (k) => source(test.indices[xp[k]!]!) };
  const evaluate: RenameEvaluator = async (samples: readonly ExtractedSample[], target: number) => {
    const indices = scratch.set(samples.map((sample) => vocabInputs({ sample }, a.dataset.vocab)));
    const st = await model.evaluate(model.makeBatch(indices, new Int32Array(indices.length).fill(target)));
    return { top1: st.top1, p: st.pLabel };
  };
  return measureAdversarial({
    model,
    train,
    test: testSet,
    rename: { editor: await editorFor(a.noise), pool: namePool(a.dataset.vocab.tokens.strings), evaluate },
    settings: s,
    seed: run.seed,
    batchSize: a.config.batchSize,
    ...(a.signal ? { signal: a.signal } : {}),
    log: (m) => a.log(`${run.id}: ${m}`),
    onProgress,
  });
}

/** The run's section of the report. */
function runReport(run: PlannedRun, noise: RunNoise, device: string, result: TrainResult, m: RunMetrics, flipRates: Record<string, number>, metricsMs: number, epochs: number): RunReport {
  const file = (name: (typeof RUN_FILES)[keyof typeof RUN_FILES]) => AuditFolder.relativeRunFile(run.id, name);
  return {
    id: run.id,
    kind: run.kind,
    level: run.level,
    seed: run.seed,
    corrupted: noise.count,
    epochs: m.epochs,
    final: m.final,
    membership: m.membership,
    intervals: m.intervals,
    detection: m.detection,
    ...(m.detectionCandidates ? { detectionCandidates: m.detectionCandidates } : {}),
    flipRates,
    files: {
      dynamics: file(RUN_FILES.dynamics),
      signals: file(RUN_FILES.signals),
      cartography: file(RUN_FILES.cartography),
      ...(noise.ledger ? { ledger: file(RUN_FILES.ledger) } : {}),
    },
    cartography: m.cartography,
    device,
    susceptibility: result.susceptibility
      ? {
          phiBefore: Array.from(result.susceptibility.phiBefore),
          phiAfter: Array.from(result.susceptibility.phiAfter),
          zeta: Array.from(result.susceptibility.zeta, (z) => (Number.isFinite(z) ? z : null)),
        }
      : null,
    criticalSampleRatio: (result.csr ?? []).map((r) => ({ epoch: r.epoch + 1, ratio: r.ratio, evaluated: r.evaluated, scale: r.scale, radius: r.radius, step: r.step, noise: r.noise })),
    timings: {
      trainMs: result.timings.batchMs + result.timings.stepMs,
      evalMs: result.timings.evalMs,
      recordMs: result.timings.recordMs + result.timings.dynamicsWriteMs,
      metricsMs,
      probesMs: (result.timings.susceptibilityMs ?? 0) + (result.timings.csrMs ?? 0),
    },
    ...earlyStoppingReport(result, epochs),
  };
}

/** With early stopping: the best validation epoch and, when the run stopped before `epochs`, its last one (both 1-based). */
function earlyStoppingReport(result: TrainResult, epochs: number): Pick<RunReport, 'bestEpoch' | 'stoppedAtEpoch'> {
  const f = result.final;
  return { ...(f.bestEpoch >= 0 ? { bestEpoch: f.bestEpoch + 1 } : {}), ...(f.stoppedEarly && f.epochs < epochs ? { stoppedAtEpoch: f.epochs } : {}) };
}

/** The run's ledger, cartography map data (13 bytes per training sample) and signal table. */
async function writeRunFiles(a: AuditInputs, run: PlannedRun, noise: RunNoise, result: TrainResult, m: RunMetrics): Promise<void> {
  const f = (name: (typeof RUN_FILES)[keyof typeof RUN_FILES]) => a.folder.runFile(run.id, name);
  if (noise.ledger) await writeFileAtomic(f(RUN_FILES.ledger), JSON.stringify(noise.ledger));
  const s = m.signals;
  await writeFileAtomic(f(RUN_FILES.cartography), encodeCartography({ epochs: result.dynamics.train.rows, confidence: s.confidence, variability: s.variability, correctness: s.correctness, corrupted: noise.corrupted }));
  await writeFileAtomic(f(RUN_FILES.signals), signalsCsv(a.columns, a.trainIdx, noise.corrupted, signalRecord(m)));
}

/**
 * A sample source that also serves replacement samples (input noise, transformed test samples):
 * each overlay owns the indices [offset, offset + length), all of them above the corpus's own.
 */
function overlaySource(base: SampleSource, overlays: readonly RunNoise['replacements'][]): SampleSource {
  const active = overlays.filter((o) => o.length > 0);
  if (active.length === 0) return base;
  const find = (i: number) => active.find((o) => i >= o.offset && i < o.offset + o.length);
  return {
    sizes: base.sizes,
    bodyTokens: (i) => {
      const o = find(i);
      return o ? o.bodyTokens(i - o.offset) : base.bodyTokens(i);
    },
    contexts: (i) => {
      const o = find(i);
      return o ? o.contexts(i - o.offset) : base.contexts(i);
    },
  };
}

/** Top-1 predictions of the model on `indices`, in batches; −1 where `use` is 0. */
async function predictTop1(model: TrainableModel, indices: Int32Array, labels: Int32Array, use: Uint8Array, batchSize: number): Promise<Int32Array> {
  const out = new Int32Array(indices.length).fill(-1);
  const rows: number[] = [];
  for (let p = 0; p < indices.length; p++) if (use[p]) rows.push(p);
  for (let at = 0; at < rows.length; at += batchSize) {
    const chunk = rows.slice(at, at + batchSize);
    const stats = await model.evaluate(model.makeBatch(Int32Array.from(chunk, (p) => indices[p]!), Int32Array.from(chunk, (p) => labels[p]!)));
    chunk.forEach((p, r) => (out[p] = stats.top1[r]!));
  }
  return out;
}

/** The run's per-sample signals by name. */
function signalRecord(m: RunMetrics): Record<string, ArrayLike<number>> {
  return m.signals as unknown as Record<string, ArrayLike<number>>;
}

function mapValues<T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
