/**
 * Per-sample training dynamics: for every sample of a split and every recorded epoch, the loss,
 * the margin, p(label) and the top-1 class of the sample's forward pass. For the training split
 * these come from the training step itself (the statistics `trainSteps` returns, computed before
 * the step's update; no extra pass), for validation and test from `evaluate`. They are the raw
 * data of every per-sample signal of docs/metrics.md (AUM, cartography, forgetting, loss rank…).
 *
 * In memory and on disk the layout is columnar: one array per field holding all recorded epochs,
 * row-major [row][position], where row r is the r-th recorded epoch and position p is the
 * sample's position in the split's index list (`indices[p]` is its dataset sample index, the
 * trainer's shuffling never changes positions). Sample p's value at row r is `field[r · n + p]`,
 * so one epoch is a contiguous view and a per-sample series is a stride-n walk.
 *
 * Cost: 4 fields × 4 bytes = 16 bytes per sample per epoch (loss f32, margin f32, pLabel f32,
 * top1 i32); `correct` is not stored, it is `top1 == label` (labels are stored once per split).
 *
 * File layout: a cache bundle (`cache/bundle.ts`: magic, version, CRC-checked JSON header,
 * 8-aligned CRC-checked sections, trailer with the total length; written atomically) of kind
 * `memaudit-dynamics` whose header meta is `{ version, bytesPerSampleEpoch, splits: { <split>:
 * { n, rows } } }` and whose sections are, for each split s in train, val, test:
 *
 *     s.indices  i32[n]        dataset sample index of each position
 *     s.labels   i32[n]        label of each position (train: the label trained on, possibly noisy)
 *     s.epochs   i32[rows]     epoch number (0-based) of each row
 *     s.loss     f32[rows·n]   cross-entropy against the label
 *     s.margin   f32[rows·n]   label logit − best other logit
 *     s.pLabel   f32[rows·n]   softmax probability of the label
 *     s.top1     i32[rows·n]   argmax class (−1 = not presented yet, only in a mid-epoch checkpoint)
 */
import { EngineError, ERROR_CODES } from '../errors';
import { readBundle, writeBundle, type NumericArray } from '../cache/bundle';
import { SPLIT_NAMES, type SplitName } from '../dataset/split';
import type { SampleStats } from './types';

/** Bundle kind of a dynamics file. */
export const DYNAMICS_KIND = 'memaudit-dynamics';
/** Version of the dynamics layout described above. */
export const DYNAMICS_VERSION = 1;
/** Bytes stored per sample per recorded epoch. */
export const BYTES_PER_SAMPLE_EPOCH = 16;
/** The splits dynamics are kept for: the dataset's three. */
export const DYNAMICS_SPLITS = SPLIT_NAMES;
/** One of `DYNAMICS_SPLITS`. */
export type DynamicsSplit = SplitName;

/** One recorded epoch of a split: views into the split's columns. */
export interface DynamicsRow {
  epoch: number;
  loss: Float32Array;
  margin: Float32Array;
  pLabel: Float32Array;
  top1: Int32Array;
}

/** Sums over the rows a `record` call wrote (for running means). */
export interface RecordSums {
  lossSum: number;
  correct: number;
}

/** The dynamics of one split: preallocated columns for `capacity` epochs, `rows` of them recorded. */
export class SplitDynamics {
  readonly split: DynamicsSplit;
  /** Dataset sample index of each position. */
  readonly indices: Int32Array;
  /** Label of each position (for train, the label trained on). */
  readonly labels: Int32Array;
  /** Number of positions (samples). */
  readonly n: number;
  /** Rows the columns have room for. */
  readonly capacity: number;
  /** Full-capacity columns; only the first `rows · n` entries are meaningful. */
  readonly loss: Float32Array;
  readonly margin: Float32Array;
  readonly pLabel: Float32Array;
  readonly top1: Int32Array;
  private readonly epochList: Int32Array;
  private rowCount = 0;
  /** Positions recorded in the last row (to check that every sample was presented once). */
  private filledInLast = 0;

  /** Empty dynamics with room for `capacity` epochs. `indices` and `labels` are kept, not copied. */
  constructor(split: DynamicsSplit, indices: Int32Array, labels: Int32Array, capacity: number) {
    if (indices.length !== labels.length) throw new EngineError(ERROR_CODES.INTERNAL, `${split}: ${indices.length} indices but ${labels.length} labels`);
    this.split = split;
    this.indices = indices;
    this.labels = labels;
    this.n = indices.length;
    this.capacity = capacity;
    const cells = capacity * this.n;
    this.loss = new Float32Array(cells);
    this.margin = new Float32Array(cells);
    this.pLabel = new Float32Array(cells);
    this.top1 = new Int32Array(cells);
    this.epochList = new Int32Array(capacity);
  }

  /**
   * Dynamics over existing columns (e.g. views on a loaded file), copied into columns with room
   * for `capacity` rows when that is larger than the rows given (to continue recording).
   */
  static fromColumns(
    split: DynamicsSplit,
    indices: Int32Array,
    labels: Int32Array,
    epochs: Int32Array,
    columns: { loss: Float32Array; margin: Float32Array; pLabel: Float32Array; top1: Int32Array },
    capacity = epochs.length,
  ): SplitDynamics {
    const rows = epochs.length;
    const n = indices.length;
    for (const [name, col] of Object.entries(columns)) {
      if (col.length !== rows * n) throw new EngineError(ERROR_CODES.CACHE_CORRUPT, `${split}.${name} has ${col.length} values, expected ${rows} rows × ${n} samples`);
    }
    const d = new SplitDynamics(split, indices, labels, Math.max(capacity, rows));
    d.loss.set(columns.loss);
    d.margin.set(columns.margin);
    d.pLabel.set(columns.pLabel);
    d.top1.set(columns.top1);
    d.epochList.set(epochs);
    d.rowCount = rows;
    if (rows > 0) {
      let filled = 0;
      const last = d.top1.subarray((rows - 1) * n, rows * n);
      for (let p = 0; p < n; p++) if (last[p] !== -1) filled++;
      d.filledInLast = filled;
    }
    return d;
  }

  /** Number of recorded rows (epochs). */
  get rows(): number {
    return this.rowCount;
  }

  /** Epoch number of each recorded row. */
  get epochs(): Int32Array {
    return this.epochList.subarray(0, this.rowCount);
  }

  /** Positions recorded so far in the last row. */
  get filled(): number {
    return this.filledInLast;
  }

  /** Row r (views, no copy). */
  row(r: number): DynamicsRow {
    if (!(r >= 0 && r < this.rowCount)) throw new RangeError(`${this.split} dynamics: row ${r} of ${this.rowCount}`);
    const a = r * this.n;
    const b = a + this.n;
    return { epoch: this.epochList[r]!, loss: this.loss.subarray(a, b), margin: this.margin.subarray(a, b), pLabel: this.pLabel.subarray(a, b), top1: this.top1.subarray(a, b) };
  }

  /** Row of an epoch, or −1 when that epoch was not recorded. */
  rowOf(epoch: number): number {
    for (let r = 0; r < this.rowCount; r++) if (this.epochList[r] === epoch) return r;
    return -1;
  }

  /** 1 where the row's top-1 equals the label. */
  correct(r: number): Uint8Array {
    const { top1 } = this.row(r);
    const out = new Uint8Array(this.n);
    for (let p = 0; p < this.n; p++) out[p] = top1[p] === this.labels[p] ? 1 : 0;
    return out;
  }

  /** The recorded rows of every column (views covering `rows · n` values). */
  columns(): { loss: Float32Array; margin: Float32Array; pLabel: Float32Array; top1: Int32Array } {
    const m = this.rowCount * this.n;
    return { loss: this.loss.subarray(0, m), margin: this.margin.subarray(0, m), pLabel: this.pLabel.subarray(0, m), top1: this.top1.subarray(0, m) };
  }

  /** Starts a row for `epoch`: loss, margin and pLabel NaN, top1 −1 until recorded. */
  addRow(epoch: number): DynamicsRow {
    if (this.rowCount >= this.capacity) throw new EngineError(ERROR_CODES.INTERNAL, `${this.split} dynamics: no room for a row beyond ${this.capacity}`);
    const r = this.rowCount++;
    this.epochList[r] = epoch;
    this.filledInLast = 0;
    const row = this.row(r);
    row.loss.fill(NaN);
    row.margin.fill(NaN);
    row.pLabel.fill(NaN);
    row.top1.fill(-1);
    return row;
  }

  /** Forgets the last row (an evaluation interrupted before it covered every sample). */
  dropLastRow(): void {
    if (this.rowCount === 0) return;
    this.rowCount--;
    this.filledInLast = this.rowCount === 0 ? 0 : this.n;
  }

  /**
   * Writes the statistics of `positions.length` rows of a forward pass into the last row:
   * row k of `stats` belongs to position `positions[k]`. Throws `E_INTERNAL` if a position was
   * already recorded in this row (a sample presented twice in one epoch) or if `stats` has the
   * wrong length. Returns the sums of loss and of correct predictions (top1 == label).
   */
  record(positions: Int32Array, stats: SampleStats): RecordSums {
    const r = this.rowCount - 1;
    if (r < 0) throw new EngineError(ERROR_CODES.INTERNAL, `${this.split} dynamics: record before addRow`);
    const k = positions.length;
    if (stats.loss.length < k || stats.margin.length < k || stats.pLabel.length < k || stats.top1.length < k) {
      throw new EngineError(ERROR_CODES.INTERNAL, `${this.split}: the model returned statistics for ${stats.loss.length} rows, the batch has ${k}`);
    }
    const base = r * this.n;
    const { loss, margin, pLabel, top1, labels } = this;
    let lossSum = 0;
    let correct = 0;
    for (let i = 0; i < k; i++) {
      const p = positions[i]!;
      const at = base + p;
      if (top1[at] !== -1) throw new EngineError(ERROR_CODES.INTERNAL, `${this.split}: sample at position ${p} presented twice in epoch ${this.epochList[r]}`);
      const l = stats.loss[i]!;
      const t = stats.top1[i]!;
      loss[at] = l;
      margin[at] = stats.margin[i]!;
      pLabel[at] = stats.pLabel[i]!;
      top1[at] = t;
      lossSum += l;
      if (t === labels[p]) correct++;
    }
    this.filledInLast += k;
    return { lossSum, correct };
  }
}

/** Dynamics of a run: train (every epoch) and, when evaluated, val and test. */
export class Dynamics {
  readonly train: SplitDynamics;
  readonly val: SplitDynamics;
  readonly test: SplitDynamics;

  constructor(train: SplitDynamics, val: SplitDynamics, test: SplitDynamics) {
    this.train = train;
    this.val = val;
    this.test = test;
  }

  /** The split named `s`. */
  get(s: DynamicsSplit): SplitDynamics {
    return s === 'train' ? this.train : s === 'val' ? this.val : this.test;
  }

  /** Bytes of the recorded columns (what the file's sections hold, besides indices and labels). */
  get recordedBytes(): number {
    let total = 0;
    for (const s of DYNAMICS_SPLITS) total += this.get(s).rows * this.get(s).n * BYTES_PER_SAMPLE_EPOCH;
    return total;
  }
}

/** Header meta of a dynamics bundle (and of the dynamics part of a checkpoint). */
export interface DynamicsMeta {
  version: number;
  bytesPerSampleEpoch: number;
  splits: Record<DynamicsSplit, { n: number; rows: number }>;
}

/** The bundle sections of `d`, names prefixed with `prefix` (views, no copies). */
export function dynamicsSections(d: Dynamics, prefix = ''): { meta: DynamicsMeta; sections: Record<string, NumericArray> } {
  const sections: Record<string, NumericArray> = {};
  const splits = {} as DynamicsMeta['splits'];
  for (const s of DYNAMICS_SPLITS) {
    const x = d.get(s);
    splits[s] = { n: x.n, rows: x.rows };
    const cols = x.columns();
    sections[`${prefix}${s}.indices`] = x.indices;
    sections[`${prefix}${s}.labels`] = x.labels;
    sections[`${prefix}${s}.epochs`] = x.epochs;
    sections[`${prefix}${s}.loss`] = cols.loss;
    sections[`${prefix}${s}.margin`] = cols.margin;
    sections[`${prefix}${s}.pLabel`] = cols.pLabel;
    sections[`${prefix}${s}.top1`] = cols.top1;
  }
  return { meta: { version: DYNAMICS_VERSION, bytesPerSampleEpoch: BYTES_PER_SAMPLE_EPOCH, splits }, sections };
}

/**
 * Rebuilds dynamics from loaded sections. `capacity` gives each split room for more rows (to
 * continue recording after a resume). Throws `E_CACHE_CORRUPT` (naming `file`) when a section is
 * missing, of the wrong type or length, or the meta is of another version.
 */
export function dynamicsFromSections(
  file: string,
  meta: unknown,
  numbers: Record<string, NumericArray>,
  prefix = '',
  capacity: Partial<Record<DynamicsSplit, number>> = {},
): Dynamics {
  const bad = (why: string): EngineError => new EngineError(ERROR_CODES.CACHE_CORRUPT, `dynamics in ${file} are unusable: ${why}`, { file, why });
  const m = meta as DynamicsMeta | undefined;
  if (!m || typeof m !== 'object' || m.version !== DYNAMICS_VERSION || typeof m.splits !== 'object' || m.splits === null) {
    throw bad(`layout version ${String(m?.version)}, this memaudit reads ${DYNAMICS_VERSION}`);
  }
  const take = <T extends NumericArray>(name: string, ctor: new (n: number) => T, length: number): T => {
    const a = numbers[`${prefix}${name}`];
    if (!(a instanceof ctor)) throw bad(`section ${prefix}${name} is missing or of the wrong type`);
    if (a.length !== length) throw bad(`section ${prefix}${name} has ${a.length} values, expected ${length}`);
    return a as T;
  };
  const parts = {} as Record<DynamicsSplit, SplitDynamics>;
  for (const s of DYNAMICS_SPLITS) {
    const info = m.splits[s];
    if (!info || !Number.isInteger(info.n) || !Number.isInteger(info.rows) || info.n < 0 || info.rows < 0) throw bad(`split ${s} is not described`);
    const { n, rows } = info;
    const cells = n * rows;
    // Indices and labels are copied: the loaded buffer may be large, and the caller keeps these.
    parts[s] = SplitDynamics.fromColumns(
      s,
      take(`${s}.indices`, Int32Array, n).slice(),
      take(`${s}.labels`, Int32Array, n).slice(),
      take(`${s}.epochs`, Int32Array, rows),
      {
        loss: take(`${s}.loss`, Float32Array, cells),
        margin: take(`${s}.margin`, Float32Array, cells),
        pLabel: take(`${s}.pLabel`, Float32Array, cells),
        top1: take(`${s}.top1`, Int32Array, cells),
      },
      capacity[s] ?? rows,
    );
  }
  return new Dynamics(parts.train, parts.val, parts.test);
}

/** Writes a dynamics file atomically (temp file, fsync, rename). `key` identifies the run. */
export async function writeDynamics(file: string, d: Dynamics, key = ''): Promise<void> {
  const { meta, sections } = dynamicsSections(d);
  await writeBundle(file, { kind: DYNAMICS_KIND, key, meta, sections });
}

/**
 * Reads a dynamics file. Throws `E_INPUT_NOT_FOUND` when it does not exist and
 * `E_CACHE_CORRUPT` when it is damaged, truncated or of another layout version.
 */
export async function readDynamics(file: string): Promise<{ dynamics: Dynamics; key: string }> {
  const b = await readBundle(file, DYNAMICS_KIND);
  if (!b) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `dynamics file ${file} does not exist`, { file });
  return { dynamics: dynamicsFromSections(file, b.meta, b.numbers), key: b.key };
}
