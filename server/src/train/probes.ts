/**
 * Measurements the trainer can take during a run without changing it (docs/metrics.md
 * § "Susceptibility ζ" and § "Critical sample ratio"), both opt-in through `TrainConfig`:
 *
 * - **Susceptibility** ({@link susceptibilityProbe}): at the start of an epoch, snapshot the model
 *   (`getState`: parameters, optimizer state, step counter), take one batch B̃ of the fixed
 *   random-label set S̃, Φ_before = mean CE on B̃ (`evaluate`), one optimizer step on B̃ with the
 *   current learning rate (`trainSteps`, dropout masks from an `Rng` of its own, derived from the
 *   run's seed and the epoch, so the trainer's stream is not touched), Φ_after = mean CE on B̃,
 *   restore the snapshot (`setState`). The run continues bit for bit as without the probe.
 *   B̃ is a deterministic function of the seed and the epoch ({@link susceptibilityRows}).
 *
 * - **Critical sample ratio** ({@link measureCsr}): the LASS search in embedding space on a fixed
 *   evaluation subset, batched over the subset (`criticalSampleRatioLassBatch`), through the
 *   model's `inputEmbeddings` / `predictAtEmbeddings` / `gradientAtEmbeddings`. The search's
 *   radius, step and noise are given relative to the typical magnitude of the subset's input
 *   embeddings at that epoch (`embeddingScale`, the RMS over real, non-padding positions); the
 *   absolute values used are recorded. Only the real positions are perturbed (the models mask
 *   padding out of attention and pooling, so it cannot change a prediction). Read-only: the
 *   parameters are not touched.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { criticalSampleRatioLassBatch, embeddingScale, type LassBatchModel, type LassBatchStep } from '../metrics/csr';
import { Rng } from '../util/rng';
import type { Batch, TrainableModel } from './types';

/** Susceptibility settings (`TrainConfig.susceptibility`). */
export interface SusceptibilityConfig {
  /**
   * The random-label set S̃: dataset sample indices (e.g. training or unlabeled inputs) and their
   * uniform random labels, drawn once and fixed for the run.
   */
  set: { indices: Int32Array; labels: Int32Array };
  /** Rows of B̃. Default min(128, the run's batchSize); at most the run's batchSize (one optimizer step). */
  batchSize?: number;
}

/** Defaults of the susceptibility probe. */
export const SUSCEPTIBILITY_DEFAULTS = { batchSize: 128 } as const;

/** Critical-sample-ratio settings (`TrainConfig.csr`). */
export interface CsrConfig {
  /** The fixed evaluation subset: dataset sample indices (a few hundred keep the cost bounded). */
  indices: Int32Array;
  /** Measure after every this many epochs' training (and after the last epoch). */
  everyEpochs: number;
  /** L∞ radius r, in units of the embedding scale. Default 0.1. 0 is allowed (nothing is critical: a control). */
  radius?: number;
  /** Step a along the gradient sign, in units of the embedding scale. Default 0.02. */
  step?: number;
  /** Standard deviation b of the Gaussian noise, in units of the embedding scale. Default 0.01. */
  noise?: number;
  /**
   * Iterations at most per sample. Default 20: with the default step (r/5) the search reaches the
   * ball's corners in 5 iterations; on bag 'small' (1,785 training samples, 256 evaluated, 2-core
   * CPU) 20, 50 and 100 iterations gave CSRs within 0.01 of each other, at about 130, 230 and
   * 380 ms per measurement.
   */
  maxIterations?: number;
  /** Rows per model call. Default the run's evalBatchSize (or batchSize). */
  batchSize?: number;
}

/** Defaults of the critical-sample ratio (relative to the embedding scale). */
export const CSR_DEFAULTS = { radius: 0.1, step: 0.02, noise: 0.01, maxIterations: 20 } as const;

/** One susceptibility measurement (at the start of `epoch`). */
export interface SusceptibilityRecord {
  epoch: number;
  /** Mean cross-entropy on B̃ before and after the step. */
  phiBefore: number;
  phiAfter: number;
  /** Learning rate of the step (the schedule's rate for the run's next step). */
  lr: number;
  /** Rows of B̃. */
  rows: number;
}

/** One critical-sample-ratio measurement (after `epoch`'s training). */
export interface CsrRecord {
  epoch: number;
  /** critical / evaluated. */
  ratio: number;
  critical: number;
  evaluated: number;
  /** RMS of the subset's input embeddings over real positions: the unit of the settings. */
  scale: number;
  /** The absolute values used: radius, step and noise × scale. */
  radius: number;
  step: number;
  noise: number;
  maxIterations: number;
  /** Mean iterations per sample (critical samples stop early). */
  meanIterations: number;
  /** Positions (in `CsrConfig.indices`) of the critical samples. */
  criticalPositions: number[];
}

/** Mixes 32-bit words into a seed (murmur3-style finalizer per word). */
export function mixSeed(...words: number[]): number {
  let h = 0x811c9dc5;
  for (const w of words) {
    h = Math.imul(h ^ (w >>> 0), 0x9e3779b1) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** Stream tags of the derived seeds. */
const TAG = { batch: 0x5c01, dropout: 0x5c02, csr: 0xc5e1 } as const;

/**
 * Positions in S̃ of epoch `epoch`'s batch B̃: all of S̃ (in order) when it has at most `rows`
 * samples, else the first `rows` of a Fisher–Yates shuffle drawn from an `Rng` seeded by
 * (seed, epoch). Deterministic, and independent of the trainer's RNG.
 */
export function susceptibilityRows(setSize: number, rows: number, seed: number, epoch: number): Int32Array {
  const all = Int32Array.from({ length: setSize }, (_, i) => i);
  if (setSize <= rows) return all;
  const rng = new Rng(mixSeed(TAG.batch, seed, epoch));
  for (let i = 0; i < rows; i++) {
    const j = i + rng.int(setSize - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, rows);
}

function meanLoss(loss: Float32Array): number {
  let s = 0;
  for (let i = 0; i < loss.length; i++) s += loss[i]!;
  return s / loss.length;
}

/**
 * The susceptibility probe at the start of `epoch` (see the file comment). The model is restored
 * even when a step fails.
 */
export async function susceptibilityProbe(
  model: TrainableModel,
  set: SusceptibilityConfig['set'],
  o: { epoch: number; seed: number; lr: number; rows: number },
): Promise<SusceptibilityRecord> {
  const pos = susceptibilityRows(set.indices.length, o.rows, o.seed, o.epoch);
  const batch = model.makeBatch(
    Int32Array.from(pos, (p) => set.indices[p]!),
    Int32Array.from(pos, (p) => set.labels[p]!),
  );
  const snapshot = await model.getState();
  let phiBefore: number;
  let phiAfter: number;
  try {
    phiBefore = meanLoss((await model.evaluate(batch, 1)).loss);
    await model.trainSteps([batch], [o.lr], new Rng(mixSeed(TAG.dropout, o.seed, o.epoch)));
    phiAfter = meanLoss((await model.evaluate(batch, 1)).loss);
  } finally {
    await model.setState(snapshot);
  }
  return { epoch: o.epoch, phiBefore, phiAfter, lr: o.lr, rows: pos.length };
}

/** Rows `rows` of a batch (every input array is row-major with a leading batch dim). */
export function batchRows(batch: Batch, rows: Int32Array): Batch {
  const n = batch.indices.length;
  const inputs: Batch['inputs'] = {};
  for (const [k, a] of Object.entries(batch.inputs)) {
    const per = n > 0 ? a.length / n : 0;
    if (!Number.isInteger(per)) throw new EngineError(ERROR_CODES.INTERNAL, `batch input '${k}' of ${a.length} values is not ${n} rows`);
    const out = new (a.constructor as new (n: number) => typeof a)(rows.length * per);
    rows.forEach((r, i) => (out as Uint8Array).set((a as Uint8Array).subarray(r * per, (r + 1) * per), i * per));
    inputs[k] = out;
  }
  return { indices: rows.map((r) => batch.indices[r]!), labels: rows.map((r) => batch.labels[r]!), inputs };
}

/** Whether the model can measure the critical sample ratio. */
export function supportsCsr(model: TrainableModel): boolean {
  return typeof model.inputEmbeddings === 'function' && typeof model.predictAtEmbeddings === 'function' && typeof model.gradientAtEmbeddings === 'function';
}

/** Resolved CSR settings. */
export type ResolvedCsr = Required<Omit<CsrConfig, 'indices' | 'everyEpochs'>>;

/** The CSR settings with defaults; `rowsPerCall` is the default of `batchSize`. */
export function resolveCsr(c: CsrConfig, rowsPerCall: number): ResolvedCsr {
  return {
    radius: c.radius ?? CSR_DEFAULTS.radius,
    step: c.step ?? CSR_DEFAULTS.step,
    noise: c.noise ?? CSR_DEFAULTS.noise,
    maxIterations: c.maxIterations ?? CSR_DEFAULTS.maxIterations,
    batchSize: c.batchSize ?? rowsPerCall,
  };
}

/**
 * The critical sample ratio of the evaluation subset `indices` at the model's current parameters
 * (see the file comment). `settings` are relative to the embedding scale; `seed` seeds the
 * search's noise (per sample, `lassSampleSeed`). Throws `E_CONFIG` when the model cannot, and
 * `E_CANCELLED` when `signal` is aborted midway.
 */
export async function measureCsr(
  model: TrainableModel,
  indices: Int32Array,
  settings: ResolvedCsr,
  o: { epoch: number; seed: number; signal?: AbortSignal },
): Promise<CsrRecord> {
  if (!supportsCsr(model)) throw new EngineError(ERROR_CODES.CONFIG, `model ${model.name} cannot measure the critical sample ratio (it has no input-embedding graphs)`, { field: 'csr' });
  const m = indices.length;
  const full = model.makeBatch(indices, new Int32Array(m));
  const { layout, flat, realBlocks } = await subsetEmbeddings(model, full, m, settings.batchSize);
  const scale = realScale(layout, flat, realBlocks);
  const params = { radius: settings.radius * scale, step: settings.step * scale, noise: settings.noise * scale, maxIterations: settings.maxIterations };
  // Only the real positions are searched: the models ignore the padding ones (masked out of
  // attention and pooling), so moving them would only cost time.
  const free = realBlocks.map((real) => expandBlocks(layout, real));
  const lass = lassModel(model, full, layout, settings.batchSize);
  const r = await criticalSampleRatioLassBatch(flat, lass, params, mixSeed(TAG.csr, o.seed, o.epoch), { free, ...(o.signal ? { signal: o.signal } : {}) });
  let its = 0;
  const criticalPositions: number[] = [];
  for (let i = 0; i < m; i++) {
    its += r.iterations[i]!;
    if (r.perSample[i]) criticalPositions.push(i);
  }
  return {
    epoch: o.epoch,
    ratio: r.ratio,
    critical: r.critical,
    evaluated: r.evaluated,
    scale,
    radius: params.radius,
    step: params.step,
    noise: params.noise,
    maxIterations: params.maxIterations,
    meanIterations: m > 0 ? its / m : 0,
    criticalPositions,
  };
}

/**
 * How a sample's input embeddings lie in its flat vector: the lookups in order, each `sizes[l]`
 * values of `dims[l]`-value blocks (one per position); `D` values in all.
 */
interface EmbeddingLayout {
  names: string[];
  sizes: number[];
  dims: number[];
  D: number;
  /** Values per block, block by block over all lookups. */
  blockSize: number[];
}

/** Rows [0, rows) of `m` in chunks of at most `per`. */
function chunks(m: number, per: number): Int32Array[] {
  const rows = Int32Array.from({ length: m }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let a = 0; a < rows.length; a += per) out.push(rows.subarray(a, Math.min(rows.length, a + per)));
  return out;
}

/**
 * The subset's input embeddings, one flat vector per sample (lookups concatenated), and which of
 * its blocks (positions) are real.
 */
async function subsetEmbeddings(model: TrainableModel, full: Batch, m: number, per: number): Promise<{ layout: EmbeddingLayout; flat: Float32Array[]; realBlocks: Uint8Array[] }> {
  let layout: EmbeddingLayout | undefined;
  const flat: Float32Array[] = [];
  const realBlocks: Uint8Array[] = [];
  for (const rows of chunks(m, per)) {
    const r = await model.inputEmbeddings!(batchRows(full, rows));
    layout ??= layoutOf(model, r.embeddings, rows.length);
    const { names, sizes, dims, D } = layout;
    for (let k = 0; k < rows.length; k++) {
      const v = new Float32Array(D);
      const real = new Uint8Array(layout.blockSize.length).fill(1);
      let at = 0;
      let block = 0;
      names.forEach((n, li) => {
        const size = sizes[li]!;
        const positions = size / dims[li]!;
        v.set(r.embeddings[n]!.data.subarray(k * size, (k + 1) * size), at);
        const mask = r.real[n];
        if (mask) for (let q = 0; q < positions; q++) real[block + q] = mask.data[k * positions + q]! ? 1 : 0;
        at += size;
        block += positions;
      });
      flat.push(v);
      realBlocks.push(real);
    }
  }
  return { layout: layout ?? { names: [], sizes: [], dims: [], D: 0, blockSize: [] }, flat, realBlocks };
}

function layoutOf(model: TrainableModel, embeddings: Record<string, { data: Float32Array; dims: readonly number[] }>, rows: number): EmbeddingLayout {
  const names = Object.keys(embeddings);
  if (names.length === 0) throw new EngineError(ERROR_CODES.CONFIG, `model ${model.name} has no embedding lookups`, { field: 'csr' });
  const sizes = names.map((n) => embeddings[n]!.data.length / rows);
  const dims = names.map((n) => embeddings[n]!.dims.at(-1)!);
  const blockSize: number[] = [];
  names.forEach((_, li) => {
    for (let q = 0; q < sizes[li]! / dims[li]!; q++) blockSize.push(dims[li]!);
  });
  return { names, sizes, dims, D: sizes.reduce((a, b) => a + b, 0), blockSize };
}

/** The typical magnitude of the embeddings over the real positions (all positions when there is none). */
function realScale(layout: EmbeddingLayout, flat: readonly Float32Array[], realBlocks: readonly Uint8Array[]): number {
  const { blockSize } = layout;
  let realCount = 0;
  for (const real of realBlocks) real.forEach((x, q) => (realCount += x ? blockSize[q]! : 0));
  const values = new Float32Array(realCount > 0 ? realCount : flat.length * (flat[0]?.length ?? 0));
  let w = 0;
  flat.forEach((v, i) => {
    let at = 0;
    realBlocks[i]!.forEach((x, q) => {
      const n = blockSize[q]!;
      if (x || realCount === 0) {
        values.set(v.subarray(at, at + n), w);
        w += n;
      }
      at += n;
    });
  });
  return values.length > 0 ? embeddingScale(values) : 0;
}

/** A per-value mask (1 = may move) from a per-block one. */
function expandBlocks(layout: EmbeddingLayout, real: Uint8Array): Uint8Array {
  const f = new Uint8Array(layout.D);
  let at = 0;
  real.forEach((x, q) => {
    const n = layout.blockSize[q]!;
    if (x) f.fill(1, at, at + n);
    at += n;
  });
  return f;
}

/** Flat vectors of rows [a, b) of `x` as the model's per-lookup inputs. */
function splitLookups(layout: EmbeddingLayout, x: Float32Array, a: number, b: number): Record<string, Float32Array> {
  const { names, sizes, D } = layout;
  const out: Record<string, Float32Array> = {};
  if (names.length === 1) {
    out[names[0]!] = x.slice(a * D, b * D);
    return out;
  }
  let at = 0;
  names.forEach((n, li) => {
    const size = sizes[li]!;
    const e = new Float32Array((b - a) * size);
    for (let k = a; k < b; k++) e.set(x.subarray(k * D + at, k * D + at + size), (k - a) * size);
    out[n] = e;
    at += size;
  });
  return out;
}

/** The batched search's callbacks: the model's at-embeddings graphs, `per` rows a call. */
function lassModel(model: TrainableModel, full: Batch, layout: EmbeddingLayout, per: number): LassBatchModel {
  const { names, sizes, D } = layout;
  return {
    predict: async (samples, x) => {
      const out = new Int32Array(samples.length);
      for (let a = 0; a < samples.length; a += per) {
        const b = Math.min(samples.length, a + per);
        out.set(await model.predictAtEmbeddings!(batchRows(full, samples.subarray(a, b)), splitLookups(layout, x, a, b)), a);
      }
      return out;
    },
    predictAndGradSign: async (samples, x, targets): Promise<LassBatchStep> => {
      const top1 = new Int32Array(samples.length);
      const grad = new Float64Array(samples.length * D);
      for (let a = 0; a < samples.length; a += per) {
        const b = Math.min(samples.length, a + per);
        const r = await model.gradientAtEmbeddings!(batchRows(full, samples.subarray(a, b)), splitLookups(layout, x, a, b), targets.slice(a, b));
        top1.set(r.top1, a);
        let at = 0;
        names.forEach((n, li) => {
          const size = sizes[li]!;
          const g = r.grads[n];
          if (!g || g.data.length !== (b - a) * size) throw new EngineError(ERROR_CODES.INTERNAL, `model ${model.name}: gradientAtEmbeddings returned no gradient for '${n}' of ${b - a} rows`);
          if (names.length === 1) grad.set(g.data, a * D);
          else for (let k = a; k < b; k++) grad.set(g.data.subarray((k - a) * size, (k - a + 1) * size), k * D + at);
          at += size;
        });
      }
      return { top1, grad };
    },
  };
}
