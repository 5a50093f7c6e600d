/**
 * A small pure-JS `TrainableModel` for the trainer's tests: multinomial logistic regression on
 * bag-of-token counts, trained by SGD with momentum, with inverted dropout on the token counts
 * drawn from the trainer's Rng (so the Rng matters to the result). Parameters and momentum live
 * in Float32Arrays, so `getState`/`setState` restore it exactly and runs are bit-reproducible.
 *
 * Maths, for one sample with (dropped-out) count vector x and label y:
 *   z = W x + b,  p = softmax(z),  loss = −log p_y,  margin = z_y − max_{k≠y} z_k,
 *   ∂loss/∂z = p − onehot(y),  ∂loss/∂W = (p − onehot(y)) xᵀ,  ∂loss/∂b = p − onehot(y);
 * the batch gradient is the mean over rows; v ← μ v + g + λ W; W ← W − lr · v.
 */
import type { Batch, EvalStats, ModelState, SampleStats, TrainableModel } from '../../../server/src/train/types';
import type { Rng } from '../../../server/src/util/rng';
import { Rng as SeededRng } from '../../../server/src/util/rng';

/** Options of `FakeModel`. */
export interface FakeModelOptions {
  vocab: number;
  classes: number;
  /** Seed of the initial weights. Default 1. */
  seed?: number;
  /** Probability of dropping a token occurrence during training. Default 0.2. */
  dropout?: number;
  momentum?: number;
  weightDecay?: number;
  stepsPerRun?: number;
}

/** Multinomial logistic regression over token counts (see the file comment). */
export class FakeModel implements TrainableModel {
  readonly name = 'fake-logreg';
  readonly device = 'cpu';
  readonly stepsPerRun: number;
  /** Dataset indices of every training batch seen, in order (for presentation checks). */
  readonly seenBatches: Int32Array[] = [];
  /** Learning rates fed, in order. */
  readonly seenLr: number[] = [];
  private readonly V: number;
  private readonly C: number;
  private readonly dropout: number;
  private readonly momentum: number;
  private readonly weightDecay: number;
  private W: Float32Array;
  private b: Float32Array;
  private vW: Float32Array;
  private vb: Float32Array;
  private step = 0;

  constructor(
    private readonly features: readonly Int32Array[],
    o: FakeModelOptions,
  ) {
    this.V = o.vocab;
    this.C = o.classes;
    this.dropout = o.dropout ?? 0.2;
    this.momentum = o.momentum ?? 0.9;
    this.weightDecay = o.weightDecay ?? 0;
    this.stepsPerRun = o.stepsPerRun ?? 1;
    const init = new SeededRng(o.seed ?? 1);
    this.W = Float32Array.from({ length: this.C * this.V }, () => 0.01 * init.normal());
    this.b = new Float32Array(this.C);
    this.vW = new Float32Array(this.C * this.V);
    this.vb = new Float32Array(this.C);
  }

  makeBatch(indices: Int32Array, labels: Int32Array): Batch {
    let total = 0;
    for (const i of indices) total += this.features[i]!.length;
    const tokens = new Int32Array(total);
    const offsets = new Int32Array(indices.length + 1);
    let at = 0;
    indices.forEach((i, r) => {
      tokens.set(this.features[i]!, at);
      at += this.features[i]!.length;
      offsets[r + 1] = at;
    });
    return { indices: indices.slice(), labels: labels.slice(), inputs: { tokens, offsets } };
  }

  /** Logits of row r of a batch, with token weights `keep` (1 = no dropout). */
  private logits(batch: Batch, r: number, keep: Float64Array | null): Float64Array {
    const tokens = batch.inputs.tokens as Int32Array;
    const offsets = batch.inputs.offsets as Int32Array;
    const z = new Float64Array(this.C);
    for (let c = 0; c < this.C; c++) z[c] = this.b[c]!;
    for (let k = offsets[r]!; k < offsets[r + 1]!; k++) {
      const w = keep ? keep[k - offsets[r]!]! : 1;
      if (w === 0) continue;
      const t = tokens[k]!;
      for (let c = 0; c < this.C; c++) z[c] += w * this.W[c * this.V + t]!;
    }
    return z;
  }

  /** Fills row r of `out` from logits z against label y; returns the softmax. */
  private stats(z: Float64Array, y: number, out: SampleStats, r: number): Float64Array {
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < this.C; c++) if (z[c]! > max) [max, arg] = [z[c]!, c];
    let sum = 0;
    const p = new Float64Array(this.C);
    for (let c = 0; c < this.C; c++) sum += p[c] = Math.exp(z[c]! - max);
    for (let c = 0; c < this.C; c++) p[c]! /= sum;
    let other = -Infinity;
    for (let c = 0; c < this.C; c++) if (c !== y && z[c]! > other) other = z[c]!;
    out.loss[r] = -(z[y]! - max - Math.log(sum));
    out.margin[r] = z[y]! - other;
    out.pLabel[r] = p[y]!;
    out.top1[r] = arg;
    out.correct[r] = arg === y ? 1 : 0;
    return p;
  }

  private emptyStats(rows: number): SampleStats {
    return { loss: new Float32Array(rows), margin: new Float32Array(rows), pLabel: new Float32Array(rows), correct: new Uint8Array(rows), top1: new Int32Array(rows) };
  }

  async trainSteps(batches: Batch[], lr: number[], rng: Rng): Promise<SampleStats[]> {
    if (batches.length > this.stepsPerRun) throw new Error(`fake model: ${batches.length} batches > stepsPerRun ${this.stepsPerRun}`);
    const out: SampleStats[] = [];
    const gW = new Float64Array(this.C * this.V);
    const gb = new Float64Array(this.C);
    batches.forEach((batch, s) => {
      this.seenBatches.push(batch.indices.slice());
      this.seenLr.push(lr[s]!);
      const rows = batch.indices.length;
      const stats = this.emptyStats(rows);
      const offsets = batch.inputs.offsets as Int32Array;
      const tokens = batch.inputs.tokens as Int32Array;
      gW.fill(0);
      gb.fill(0);
      for (let r = 0; r < rows; r++) {
        const len = offsets[r + 1]! - offsets[r]!;
        const keep = new Float64Array(len);
        for (let k = 0; k < len; k++) keep[k] = rng.next() < this.dropout ? 0 : 1 / (1 - this.dropout);
        const y = batch.labels[r]!;
        const p = this.stats(this.logits(batch, r, keep), y, stats, r);
        for (let c = 0; c < this.C; c++) {
          const dz = (p[c]! - (c === y ? 1 : 0)) / rows;
          gb[c]! += dz;
          for (let k = 0; k < len; k++) if (keep[k] !== 0) gW[c * this.V + tokens[offsets[r]! + k]!]! += dz * keep[k]!;
        }
      }
      const mu = this.momentum;
      for (let i = 0; i < gW.length; i++) {
        this.vW[i] = mu * this.vW[i]! + gW[i]! + this.weightDecay * this.W[i]!;
        this.W[i] = this.W[i]! - lr[s]! * this.vW[i]!;
      }
      for (let c = 0; c < this.C; c++) {
        this.vb[c] = mu * this.vb[c]! + gb[c]!;
        this.b[c] = this.b[c]! - lr[s]! * this.vb[c]!;
      }
      this.step++;
      out.push(stats);
    });
    return out;
  }

  async evaluate(batch: Batch, k = 1): Promise<EvalStats> {
    const rows = batch.indices.length;
    const kk = Math.min(k, this.C);
    const stats = { ...this.emptyStats(rows), topkIds: new Int32Array(rows * kk), topkScores: new Float32Array(rows * kk), k: kk };
    for (let r = 0; r < rows; r++) {
      const p = this.stats(this.logits(batch, r, null), batch.labels[r]!, stats, r);
      const ranked = Array.from({ length: this.C }, (_, c) => c).sort((a, b) => p[b]! - p[a]! || a - b);
      for (let j = 0; j < kk; j++) {
        stats.topkIds[r * kk + j] = ranked[j]!;
        stats.topkScores[r * kk + j] = p[ranked[j]!]!;
      }
    }
    return stats;
  }

  async getState(): Promise<ModelState> {
    const t = (dims: number[], data: Float32Array) => ({ dims, data: data.slice() });
    return { step: this.step, tensors: { W: t([this.C, this.V], this.W), b: t([this.C], this.b), vW: t([this.C, this.V], this.vW), vb: t([this.C], this.vb) } };
  }

  async setState(state: ModelState): Promise<void> {
    const get = (name: string, size: number): Float32Array => {
      const x = state.tensors[name];
      if (!x || x.data.length !== size) throw new Error(`fake model: tensor ${name} missing or of the wrong size`);
      return x.data.slice();
    };
    this.W = get('W', this.C * this.V);
    this.b = get('b', this.C);
    this.vW = get('vW', this.C * this.V);
    this.vb = get('vb', this.C);
    this.step = state.step;
  }

  async exportInference(): Promise<Uint8Array> {
    return new TextEncoder().encode(JSON.stringify({ W: Array.from(this.W), b: Array.from(this.b) }));
  }

  async dispose(): Promise<void> {}
}

/** A learnable toy corpus: bags of tokens whose class shows in a few class-specific tokens. */
export interface ToyCorpus {
  features: Int32Array[];
  labels: Int32Array;
  vocab: number;
  classes: number;
}

/**
 * `n` samples of `classes` classes. Tokens 0..4·classes−1 are class-specific (4 per class), the
 * rest are noise shared by all classes; each sample has `signal` class tokens and `noise` others.
 */
export function makeToyCorpus(n: number, o: { classes?: number; vocab?: number; signal?: number; noise?: number; seed?: number } = {}): ToyCorpus {
  const classes = o.classes ?? 4;
  const vocab = o.vocab ?? 4 * classes + 24;
  const rng = new SeededRng(o.seed ?? 7);
  const labels = new Int32Array(n);
  const features: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.int(classes);
    labels[i] = y;
    const toks: number[] = [];
    for (let k = 0; k < (o.signal ?? 2); k++) toks.push(4 * y + rng.int(4));
    for (let k = 0; k < (o.noise ?? 6); k++) toks.push(4 * classes + rng.int(vocab - 4 * classes));
    features.push(Int32Array.from(toks));
  }
  return { features, labels, vocab, classes };
}
