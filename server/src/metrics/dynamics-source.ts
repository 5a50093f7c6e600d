/**
 * The per-sample dynamics the signals read, as a small accessor interface.
 *
 * `train/dynamics.ts` records, per sample p and recorded epoch (row) r: loss, margin (label logit −
 * best other logit), pLabel (softmax probability of the label) and top1 (argmax class); the label
 * of each sample is stored once, and "correct" is `top1 == label` (docs/metrics.md § "Notation"). A
 * `SplitDynamics` satisfies {@link DynamicsSource} as it is (its `row(r)` returns views, no copy);
 * rows held as separate arrays (`[epoch][position]`) are wrapped by {@link dynamicsFromRows}.
 *
 * The signal functions walk the rows in order and, inside a row, the samples in order (contiguous
 * typed-array reads), accumulating into one typed array per output: one pass over the fields they
 * need, O(rows · n) time and O(n) extra memory.
 */
import { configError, intAtLeast } from './check';

/** One recorded epoch: per-sample values, indexed by position (at least `n` entries each). */
export interface DynamicsRowView {
  loss: Float32Array;
  margin: Float32Array;
  pLabel: Float32Array;
  /** Argmax class; −1 = not presented (counts as not correct). */
  top1: Int32Array;
}

/** Dynamics of one split: `rows` recorded epochs of `n` samples (a `SplitDynamics` is one). */
export interface DynamicsSource {
  /** Number of samples (positions). */
  readonly n: number;
  /** Number of recorded epochs, in training order. */
  readonly rows: number;
  /** Label of each position (for train: the label trained on, possibly corrupted). */
  readonly labels: Int32Array;
  /** Row r in [0, rows). */
  row(r: number): DynamicsRowView;
}

/**
 * Wraps rows held as separate arrays: `rows[r]` is epoch r, each field indexed by position.
 * No copy. Throws `E_CONFIG` when a row's field is shorter than `labels`.
 */
export function dynamicsFromRows(labels: Int32Array, rows: readonly DynamicsRowView[]): DynamicsSource {
  const src: DynamicsSource = { n: labels.length, rows: rows.length, labels, row: (r) => rows[r]! };
  checkSource('dynamicsFromRows', src, 0);
  return src;
}

/**
 * Validates the shape of `d` for metric `fn`: integer sizes, `labels` of length n, at least
 * `minRows` rows, and every row's fields of length ≥ n. Shape only: values are not scanned
 * (that would cost as much as the metric), so a NaN loss gives a NaN signal for its sample.
 */
export function checkSource(fn: string, d: DynamicsSource, minRows = 1): void {
  intAtLeast(fn, 'dynamics.n', d.n, 0);
  intAtLeast(fn, 'dynamics.rows', d.rows, 0);
  if (d.labels.length !== d.n) throw configError(fn, 'dynamics.labels', `has ${d.labels.length} entries, expected n = ${d.n}`);
  if (d.rows < minRows) throw configError(fn, 'dynamics', `has ${d.rows} recorded epochs; at least ${minRows} needed`);
  for (let r = 0; r < d.rows; r++) {
    const row = d.row(r);
    for (const f of ['loss', 'margin', 'pLabel', 'top1'] as const) {
      if (!row[f] || row[f].length < d.n) throw configError(fn, `dynamics row ${r}.${f}`, `has ${row[f]?.length ?? 0} entries, expected ≥ n = ${d.n}`, { row: r, field: f });
    }
  }
}

/**
 * A 0/1 mask of length n with 1 at the given positions (e.g. the noise ledger's corrupted
 * training positions). Throws `E_CONFIG` for a position outside [0, n) or not an integer;
 * duplicates are harmless.
 */
export function maskFromPositions(n: number, positions: ArrayLike<number>): Uint8Array {
  intAtLeast('maskFromPositions', 'n', n, 0);
  const m = new Uint8Array(n);
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (!Number.isInteger(p) || p < 0 || p >= n) throw configError('maskFromPositions', 'positions', `has ${String(p)} at index ${i}, outside [0, ${n})`, { index: i });
    m[p] = 1;
  }
  return m;
}
