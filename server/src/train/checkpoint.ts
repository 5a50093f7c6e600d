/**
 * Training checkpoints: everything needed to continue a run so that the result is bit for bit the
 * one an uninterrupted run gives — the model's parameters and optimizer state (`getState`), the
 * trainer's position (epoch, batches done in it, the epoch's shuffled order, running sums), the
 * RNG state, early-stopping state, the curves, the optional measurements (susceptibility, CSR;
 * `probes`, only when the run takes them) and the dynamics recorded so far.
 *
 * A checkpoint is taken at a step-group boundary: either at an epoch boundary (`inEpoch` false;
 * the next epoch's order is drawn from the restored RNG on resume) or inside an epoch (`inEpoch`
 * true, `position` batches done, the epoch's order stored), which is what a cancellation leaves.
 *
 * File: a cache bundle (`cache/bundle.ts`: magic, version, CRC-checked header, CRC-checked
 * 8-aligned sections, trailer with the total length; written atomically: temp file, fsync,
 * rename) of kind `memaudit-checkpoint`, key = the run's fingerprint. Header meta:
 * `{ version, fingerprint, trainer, model: { step, tensors: [{ name, dims }] }, dynamics }`;
 * sections `model.<i>` (f32, tensor i of the meta's list), `order` (i32, the epoch's order of
 * training positions; empty at an epoch boundary) and the dynamics sections prefixed `dyn.`
 * (layout in `dynamics.ts`). Non-finite numbers in the trainer state (an infinite "best" value,
 * a diverged loss) are written as `{ "$f": "NaN" | "Infinity" | "-Infinity" }`.
 *
 * Rewriting the dynamics in every checkpoint costs 16 bytes per training sample per epoch so
 * far (e.g. 40 MB at 50 000 samples × 50 epochs); for the model sizes memaudit trains this is
 * of the order of the parameters and optimizer state themselves.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { readBundle, writeBundle, type NumericArray } from '../cache/bundle';
import { dynamicsFromSections, dynamicsSections, type Dynamics, type DynamicsSplit } from './dynamics';
import type { CsrRecord, SusceptibilityRecord } from './probes';
import type { ModelState } from './types';

/** Bundle kind of a checkpoint. */
export const CHECKPOINT_KIND = 'memaudit-checkpoint';
/** Version of the checkpoint meta described above. */
export const CHECKPOINT_VERSION = 1;

/** Losses and accuracies of one epoch; `null` where the split was not evaluated that epoch. */
export interface EpochCurve {
  /** 0-based epoch. */
  epoch: number;
  /** Mean training loss and accuracy as trained (per-sample stats of the training steps, against the labels trained on). */
  trainLoss: number;
  trainAcc: number;
  valLoss: number | null;
  valAcc: number | null;
  testLoss: number | null;
  testAcc: number | null;
  /** Learning rate of the epoch's last step. */
  lr: number;
}

/** Early-stopping bookkeeping. */
export interface EarlyStoppingState {
  /** Best value of the monitored metric so far (+∞ / −∞ before the first evaluation). */
  best: number;
  /** Epoch of the best value, −1 before the first evaluation. */
  bestEpoch: number;
  /** Evaluations since the last improvement. */
  bad: number;
  stopped: boolean;
}

/** The trainer's own state. */
export interface TrainerState {
  /** The epoch in progress (`inEpoch`) or the next to start. */
  epoch: number;
  /** Whether the epoch's order has been drawn (a mid-epoch checkpoint). */
  inEpoch: boolean;
  /** Batches of `epoch` already trained (0 at an epoch boundary). */
  position: number;
  /** Optimizer steps taken so far over the run. */
  globalStep: number;
  /** Trainer RNG state (xoshiro128** words). */
  rng: number[];
  /** Running sums over the batches of `epoch` trained so far. */
  lossSum: number;
  correct: number;
  early: EarlyStoppingState;
  curves: EpochCurve[];
  /** Only in runs that take the optional measurements (`TrainConfig.susceptibility`, `csr`). */
  probes?: ProbeState;
}

/** The optional measurements recorded so far. */
export interface ProbeState {
  /** Identifies the measurement settings (and sets), so a resume with other settings is refused. */
  key: string;
  /** One per started epoch (taken at its start), in epoch order. */
  susceptibility: SusceptibilityRecord[];
  /** One per measured epoch, in epoch order. */
  csr: CsrRecord[];
}

/** What a checkpoint holds. */
export interface Checkpoint {
  /** Fingerprint of the run (model, data, result-relevant settings) it belongs to. */
  fingerprint: string;
  trainer: TrainerState;
  /** The epoch's order of training positions when `trainer.inEpoch`, else empty. */
  order: Int32Array;
  model: ModelState;
  dynamics: Dynamics;
}

interface CheckpointMeta {
  version: number;
  fingerprint: string;
  trainer: unknown;
  model: { step: number; tensors: { name: string; dims: number[] }[] };
  dynamics: unknown;
}

/** JSON with non-finite numbers kept (as tagged objects). */
function encodeNumbers(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $f: String(value) };
  if (Array.isArray(value)) return value.map(encodeNumbers);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeNumbers(v)]));
  return value;
}

function decodeNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNumbers);
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$f') return Number((value as { $f: string }).$f);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeNumbers(v)]));
  }
  return value;
}

/** Writes a checkpoint atomically; a reader sees the previous checkpoint or this one, never a mix. */
export async function writeCheckpoint(file: string, c: Checkpoint): Promise<void> {
  const names = Object.keys(c.model.tensors).sort();
  const { meta: dynMeta, sections: dynSections } = dynamicsSections(c.dynamics, 'dyn.');
  const sections: Record<string, NumericArray> = { order: c.order, ...dynSections };
  const tensors = names.map((name, i) => {
    const t = c.model.tensors[name]!;
    sections[`model.${i}`] = t.data;
    return { name, dims: [...t.dims] };
  });
  const meta: CheckpointMeta = {
    version: CHECKPOINT_VERSION,
    fingerprint: c.fingerprint,
    trainer: encodeNumbers(c.trainer),
    model: { step: c.model.step, tensors },
    dynamics: dynMeta,
  };
  await writeBundle(file, { kind: CHECKPOINT_KIND, key: c.fingerprint, meta, sections });
}

/**
 * Reads a checkpoint: `undefined` when the file does not exist; `E_CACHE_CORRUPT` when it is
 * truncated, damaged (any checksum), of another version, or inconsistent (a tensor's size, the
 * order's length, the trainer state's fields). `capacity` gives the dynamics room to continue.
 */
export async function readCheckpoint(file: string, capacity: Partial<Record<DynamicsSplit, number>> = {}): Promise<Checkpoint | undefined> {
  const b = await readBundle(file, CHECKPOINT_KIND);
  if (!b) return undefined;
  const bad = (why: string): EngineError => new EngineError(ERROR_CODES.CACHE_CORRUPT, `checkpoint ${file} is unusable: ${why}; delete it to start the run over`, { file, why });
  const meta = b.meta as CheckpointMeta;
  if (!meta || typeof meta !== 'object' || meta.version !== CHECKPOINT_VERSION) throw bad(`version ${String(meta?.version)}, this memaudit reads ${CHECKPOINT_VERSION}`);
  if (typeof meta.fingerprint !== 'string' || meta.fingerprint !== b.key) throw bad('fingerprint does not match the file key');
  if (!meta.model || !Number.isInteger(meta.model.step) || !Array.isArray(meta.model.tensors)) throw bad('model state is not described');
  const tensors: ModelState['tensors'] = {};
  meta.model.tensors.forEach((t, i) => {
    const data = b.numbers[`model.${i}`];
    if (typeof t?.name !== 'string' || !Array.isArray(t.dims) || !t.dims.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`tensor ${i} is not described`);
    if (!(data instanceof Float32Array)) throw bad(`tensor ${t.name} is missing`);
    const size = t.dims.reduce((a, d) => a * d, 1);
    if (data.length !== size) throw bad(`tensor ${t.name} has ${data.length} values, its shape [${t.dims.join(', ')}] needs ${size}`);
    // A copy, so the model may keep it without pinning the whole file buffer.
    tensors[t.name] = { dims: t.dims, data: data.slice() };
  });
  const trainer = decodeNumbers(meta.trainer) as TrainerState;
  const isInt = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
  if (
    !trainer ||
    typeof trainer !== 'object' ||
    !isInt(trainer.epoch) ||
    !isInt(trainer.position) ||
    !isInt(trainer.globalStep) ||
    typeof trainer.inEpoch !== 'boolean' ||
    !Array.isArray(trainer.rng) ||
    trainer.rng.length !== 4 ||
    typeof trainer.lossSum !== 'number' ||
    !isInt(trainer.correct) ||
    !Array.isArray(trainer.curves) ||
    !trainer.early ||
    typeof trainer.early.stopped !== 'boolean'
  ) {
    throw bad('trainer state is incomplete');
  }
  const pr = trainer.probes;
  if (pr !== undefined && (!pr || typeof pr.key !== 'string' || !Array.isArray(pr.susceptibility) || !Array.isArray(pr.csr))) throw bad('measurement state is incomplete');
  const order = b.numbers.order;
  if (!(order instanceof Int32Array)) throw bad('order section is missing');
  const dynamics = dynamicsFromSections(file, meta.dynamics, b.numbers, 'dyn.', capacity);
  if (order.length !== (trainer.inEpoch ? dynamics.train.n : 0)) throw bad(`order has ${order.length} entries, expected ${trainer.inEpoch ? dynamics.train.n : 0}`);
  return { fingerprint: meta.fingerprint, trainer, order: order.slice(), model: { step: meta.model.step, tensors }, dynamics };
}
