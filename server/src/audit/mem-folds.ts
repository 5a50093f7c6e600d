/**
 * The fold runs of the memorization score (docs/metrics.md § "Memorization score (cross-fitted)"):
 * fold run k trains a fresh model like the clean run (same model, optimizer, epochs, seed, clean
 * labels) on every training position outside fold k, then predicts fold k with its final model.
 * It leaves `heldout.json` (its predictions on the held-out fold, and on the positions it trained
 * on at its final epoch, from the training step's own forward pass as the dynamics record it) and
 * `result.json` last, like every run of the grid; an interrupted one resumes from its checkpoint.
 */
import * as fs from 'node:fs';
import { createModel } from '../../../models/registry';
import { EngineError, ERROR_CODES } from '../errors';
import type { FoldPredictions } from '../metrics';
import { type TrainData, type TrainProgress, type TrainResult } from '../train/trainer';
import type { TrainableModel } from '../train/types';
import { readJsonIfValid, writeFileAtomic } from '../util/atomic';
import type { PlannedRun } from './plan';
import { baseTrainConfig, modelSettings, resumeOrTrain, type AuditInputs } from './run-one';
import { RUN_FILES } from './runs-store';

/** A finished fold run. */
export interface MemFoldOutcome {
  id: string;
  /** The fold it held out (0-based), of `folds`. */
  fold: number;
  folds: number;
  seed: number;
  /** Milliseconds of training (steps and batches). */
  trainMs: number;
  predictions: FoldPredictions;
}

/** What `heldout.json` holds. */
interface HeldOutFile {
  run: string;
  fold: number;
  folds: number;
  /** Training positions of the audit. */
  n: number;
  heldOut: { positions: number[]; correct: number[]; pLabel: number[] };
  fitted: { positions: number[]; correct: number[]; pLabel: number[] };
}

/** The training positions (0 … n−1) in fold k and outside it. */
export function foldPositions(folds: Uint8Array, k: number): { heldOut: Int32Array; trained: Int32Array } {
  const heldOut: number[] = [];
  const trained: number[] = [];
  folds.forEach((f, p) => (f === k ? heldOut : trained).push(p));
  return { heldOut: Int32Array.from(heldOut), trained: Int32Array.from(trained) };
}

/** A fold run an earlier invocation finished, with whole files; else undefined (a damaged one is said in the log). */
export function finishedMemFold(a: AuditInputs, run: PlannedRun): MemFoldOutcome | undefined {
  const memFolds = a.memFolds;
  const result = a.folder.runFile(run.id, RUN_FILES.result);
  const saved = readJsonIfValid<{ memfold?: { id: string; trainMs: number } }>(result);
  if (saved?.memfold?.id !== run.id) {
    if (fs.existsSync(result)) a.log(`warning: ${result} is damaged; training ${run.id} again`);
    return undefined;
  }
  const held = readJsonIfValid<HeldOutFile>(a.folder.runFile(run.id, RUN_FILES.heldout));
  const damage = heldOutDamage(held, run, memFolds);
  if (damage === undefined) return outcomeOf(run, saved.memfold.trainMs, held!);
  a.log(`warning: a file of the finished run ${run.id} is damaged (${RUN_FILES.heldout}: ${damage}); training ${run.id} again`);
  fs.rmSync(result, { force: true });
  return undefined;
}

/** What is wrong with a fold run's `heldout.json`, or undefined when it matches the audit's folds. */
function heldOutDamage(h: HeldOutFile | undefined, run: PlannedRun, memFolds: Uint8Array): string | undefined {
  if (!h || !h.heldOut || !h.fitted) return 'missing or unreadable';
  if (h.run !== run.id || h.fold !== run.fold?.k || h.folds !== run.fold?.of) return `of another run (${String(h.run)})`;
  if (h.n !== memFolds.length) return `has ${h.n} training samples, the audit ${memFolds.length}`;
  let { heldOut, trained } = foldPositions(memFolds, run.fold.k);
  // A degenerate fold (`emptyFold`) predicted nothing.
  if (heldOut.length === 0 || trained.length === 0) heldOut = trained = new Int32Array(0);
  for (const [side, want] of [[h.heldOut, heldOut], [h.fitted, trained]] as const) {
    const ok = Array.isArray(side.positions) && side.positions.length === want.length && side.correct?.length === want.length && side.pLabel?.length === want.length;
    if (!ok || side.positions.some((p, j) => p !== want[j])) return 'its positions do not match the audit\'s folds';
  }
  return undefined;
}

function outcomeOf(run: PlannedRun, trainMs: number, h: HeldOutFile): MemFoldOutcome {
  return { id: run.id, fold: h.fold, folds: h.folds, seed: run.seed, trainMs, predictions: { heldOut: h.heldOut, fitted: h.fitted } };
}

/** Trains fold run `run`, predicts its held-out fold, writes its files and returns its outcome. */
export async function runMemFold(a: AuditInputs, run: PlannedRun, onProgress: (p: TrainProgress) => void): Promise<MemFoldOutcome> {
  if (!run.fold) throw new EngineError(ERROR_CODES.INTERNAL, `${run.id} is not a fold run`);
  const c = a.config;
  const memFolds = a.memFolds;
  const { heldOut, trained } = foldPositions(memFolds, run.fold.k);
  if (trained.length === 0 || heldOut.length === 0) return emptyFold(a, run, run.fold, memFolds.length);
  const clean = a.noise.cleanLabels;
  const model = await createModel(c.model, { source: a.baseSource, preset: c.modelPreset, ...modelSettings(c), batchSize: c.batchSize, device: c.device, seed: run.seed, log: a.log, ...a.runtime });
  try {
    const data: TrainData = { train: Int32Array.from(trained, (p) => a.trainIdx[p]!), trainLabels: Int32Array.from(trained, (p) => clean[p]!) };
    // The clean run's training settings, without the probes (they measure nothing the score needs).
    const tc = baseTrainConfig(a, run);
    const result = await resumeOrTrain(a, run, model, data, tc, { ...(a.signal ? { signal: a.signal } : {}), onProgress });
    const fitted = finalEpoch(result, trained, data.trainLabels);
    const held = await predict(model, Int32Array.from(heldOut, (p) => a.trainIdx[p]!), Int32Array.from(heldOut, (p) => clean[p]!), heldOut, c.batchSize);
    const file: HeldOutFile = { run: run.id, fold: run.fold.k, folds: run.fold.of, n: memFolds.length, heldOut: held, fitted };
    await writeFileAtomic(a.folder.runFile(run.id, RUN_FILES.heldout), JSON.stringify(file));
    const trainMs = result.timings.batchMs + result.timings.stepMs;
    // result.json last: its presence means the run is complete.
    await writeFileAtomic(a.folder.runFile(run.id, RUN_FILES.result), JSON.stringify({ memfold: { id: run.id, fold: run.fold.k, folds: run.fold.of, seed: run.seed, trainMs } }));
    fs.rmSync(tc.checkpoint!.path, { force: true });
    return outcomeOf(run, trainMs, file);
  } finally {
    await model.dispose();
  }
}

/**
 * A fold run with nothing to train on or nothing to hold out (a corpus of a handful of methods):
 * no model; its files say so (no predictions), so the estimator leaves those samples without a score.
 */
async function emptyFold(a: AuditInputs, run: PlannedRun, fold: { k: number; of: number }, n: number): Promise<MemFoldOutcome> {
  a.log(`warning: fold ${fold.k + 1} of ${fold.of} of the memorization score is empty or holds every training method; ${run.id} trains nothing`);
  const none = { positions: [], correct: [], pLabel: [] };
  const file: HeldOutFile = { run: run.id, fold: fold.k, folds: fold.of, n, heldOut: none, fitted: none };
  await writeFileAtomic(a.folder.runFile(run.id, RUN_FILES.heldout), JSON.stringify(file));
  await writeFileAtomic(a.folder.runFile(run.id, RUN_FILES.result), JSON.stringify({ memfold: { id: run.id, fold: fold.k, folds: fold.of, seed: run.seed, trainMs: 0 } }));
  return outcomeOf(run, 0, file);
}

/** [top-1 = label] and p(label) of the trained positions at the final epoch (the training step's forward pass). */
function finalEpoch(result: TrainResult, positions: Int32Array, labels: Int32Array): HeldOutFile['fitted'] {
  const d = result.dynamics.train;
  const row = d.row(d.rows - 1);
  return {
    positions: Array.from(positions),
    correct: Array.from(positions, (_, q) => (row.top1[q] === labels[q] ? 1 : 0)),
    pLabel: Array.from(row.pLabel),
  };
}

/** The model's predictions on `indices` (no dropout, no update), in batches. */
async function predict(model: TrainableModel, indices: Int32Array, labels: Int32Array, positions: Int32Array, batchSize: number): Promise<HeldOutFile['heldOut']> {
  const out: HeldOutFile['heldOut'] = { positions: Array.from(positions), correct: [], pLabel: [] };
  for (let at = 0; at < indices.length; at += batchSize) {
    const stats = await model.evaluate(model.makeBatch(indices.subarray(at, at + batchSize), labels.subarray(at, at + batchSize)));
    out.correct.push(...Array.from(stats.correct, (v) => (v ? 1 : 0)));
    out.pLabel.push(...stats.pLabel);
  }
  return out;
}
