/**
 * The cartography map of one run (docs/metrics.md § "Data cartography"): every training sample's
 * confidence (mean over epochs of p(label)), variability (population std of p(label)) and
 * correctness (share of epochs predicted right), and whether the run's noise ledger corrupted it.
 * It is per sample, so it lives in a side file of the run (`runs/<id>/cartography.bin`,
 * `RunReport.files.cartography`), not in report.json.
 *
 * Pure TypeScript (no Node API): the engine writes the file, the extension reads it and posts the
 * arrays to the report panel, whose script draws them and counts them for the table.
 *
 * File layout, little-endian, 24-byte header then four columns of n values each:
 *
 *     0   8 bytes   magic "MACARTO1"
 *     8   u32       layout version (1)
 *     12  u32       n, training samples (positions of the run's training split)
 *     16  u32       epochs the values are taken over
 *     20  u32       reserved (0)
 *     24  f32[n]    confidence
 *         f32[n]    variability
 *         f32[n]    correctness
 *         u8[n]     corrupted (1 = listed in the run's ledger)
 *
 * 13 bytes per sample: 1.3 MB for 100,000 training methods.
 */

/** Magic of a cartography file. */
export const CARTOGRAPHY_MAGIC = 'MACARTO1';
/** Layout version written and read. */
export const CARTOGRAPHY_VERSION = 1;
const HEADER = 24;

/** One run's cartography: column p is the training sample at position p. */
export interface CartographyData {
  n: number;
  epochs: number;
  confidence: Float32Array;
  variability: Float32Array;
  correctness: Float32Array;
  corrupted: Uint8Array;
}

/** Bytes of a file with `n` samples. */
export function cartographyFileSize(n: number): number {
  return HEADER + 13 * n;
}

/** The file's bytes. Columns must all have `corrupted.length` values. */
export function encodeCartography(c: { epochs: number; confidence: ArrayLike<number>; variability: ArrayLike<number>; correctness: ArrayLike<number>; corrupted: ArrayLike<number> }): Uint8Array {
  const n = c.corrupted.length;
  for (const [name, col] of [['confidence', c.confidence], ['variability', c.variability], ['correctness', c.correctness]] as const) {
    if (col.length !== n) throw new RangeError(`cartography: ${name} has ${col.length} values, corrupted has ${n}`);
  }
  const bytes = new Uint8Array(cartographyFileSize(n));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) bytes[i] = CARTOGRAPHY_MAGIC.charCodeAt(i);
  view.setUint32(8, CARTOGRAPHY_VERSION, true);
  view.setUint32(12, n, true);
  view.setUint32(16, c.epochs, true);
  view.setUint32(20, 0, true);
  let at = HEADER;
  for (const col of [c.confidence, c.variability, c.correctness]) {
    for (let p = 0; p < n; p++, at += 4) view.setFloat32(at, col[p]!, true);
  }
  for (let p = 0; p < n; p++) bytes[at + p] = c.corrupted[p] ? 1 : 0;
  return bytes;
}

/**
 * Reads a cartography file. Throws an `Error` saying what is wrong when the bytes are not one
 * (another file, another version, truncated, a rate outside [0, 1]). NaN values (a sample never
 * recorded) are kept; the chart leaves them out.
 */
export function decodeCartography(bytes: Uint8Array): CartographyData {
  if (bytes.length < HEADER) throw new Error(`not a cartography file (${bytes.length} bytes)`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== CARTOGRAPHY_MAGIC.charCodeAt(i)) throw new Error('not a cartography file (wrong magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CARTOGRAPHY_VERSION) throw new Error(`cartography file version ${version}; this memaudit reads version ${CARTOGRAPHY_VERSION}`);
  const n = view.getUint32(12, true);
  const epochs = view.getUint32(16, true);
  if (bytes.length !== cartographyFileSize(n)) throw new Error(`cartography file of ${n} samples should have ${cartographyFileSize(n)} bytes, it has ${bytes.length} (truncated?)`);
  const cols = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
  const names = ['confidence', 'variability', 'correctness'];
  let at = HEADER;
  cols.forEach((col, k) => {
    for (let p = 0; p < n; p++, at += 4) {
      const v = view.getFloat32(at, true);
      if (v < 0 || v > 1) throw new Error(`cartography file: ${names[k]} of sample ${p} is ${v}, outside [0, 1]`);
      col[p] = v;
    }
  });
  const corrupted = bytes.slice(at, at + n);
  for (let p = 0; p < n; p++) if (corrupted[p]! > 1) throw new Error(`cartography file: corrupted flag of sample ${p} is ${corrupted[p]}`);
  return { n, epochs, confidence: cols[0], variability: cols[1], correctness: cols[2], corrupted };
}

/** Variability of a p ∈ [0, 1] series never exceeds ½ (population std of values in [0, 1]). */
export const MAX_VARIABILITY = 0.5;

/** Region thresholds (as in the report's `CartographySummary.thresholds`). */
export interface CartographyThresholds {
  ambiguousVariability: number;
  easyConfidence: number;
}

/** Counts of a 2-D histogram cell or a region, by the ledger. */
export interface CleanCorrupted {
  clean: number;
  corrupted: number;
}

/**
 * Counts per cell of a `confBins` × `varBins` grid over confidence [0, 1] × variability
 * [0, ½] (the last bin of each axis includes its upper edge), `cells[v][c]`; and per region with
 * `thresholds`, tested as in metrics/cartography.ts (ambiguous, else easy, else hard). NaN
 * samples are counted in `skipped` only.
 */
export function cartographyCounts(
  d: Pick<CartographyData, 'n' | 'confidence' | 'variability' | 'corrupted'>,
  thresholds: CartographyThresholds,
  confBins = 5,
  varBins = 5,
): { cells: CleanCorrupted[][]; regions: Record<'easy' | 'ambiguous' | 'hard', CleanCorrupted>; skipped: number } {
  const cells = Array.from({ length: varBins }, () => Array.from({ length: confBins }, () => ({ clean: 0, corrupted: 0 })));
  const regions = { easy: { clean: 0, corrupted: 0 }, ambiguous: { clean: 0, corrupted: 0 }, hard: { clean: 0, corrupted: 0 } };
  let skipped = 0;
  for (let p = 0; p < d.n; p++) {
    const c = d.confidence[p]!;
    const v = d.variability[p]!;
    if (Number.isNaN(c) || Number.isNaN(v)) {
      skipped++;
      continue;
    }
    const key = d.corrupted[p] ? 'corrupted' : 'clean';
    const ci = Math.min(confBins - 1, Math.floor(c * confBins));
    const vi = Math.min(varBins - 1, Math.floor((v / MAX_VARIABILITY) * varBins));
    cells[vi]![ci]![key]++;
    const region = v >= thresholds.ambiguousVariability ? 'ambiguous' : c >= thresholds.easyConfidence ? 'easy' : 'hard';
    regions[region][key]++;
  }
  return { cells, regions, skipped };
}
