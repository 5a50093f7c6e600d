/**
 * The cartography map's data (docs/metrics.md § "Data cartography"):
 * values on a hand-computed example, through the side file the report panel reads, and the
 * region and grid counts of its table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartography } from '../../../server/src/metrics/cartography';
import { cartographySummary } from '../../../server/src/audit/run-metrics';
import { cartographyCounts, cartographyFileSize, decodeCartography, encodeCartography } from '../../../server/src/report/shared/cartography';
import { dynOf, near } from '../metrics/helpers';

// Three samples, label 0, four epochs of p(label); top1 = label where p > ½ (else class 1).
const P = [
  [0.2, 0.4, 0.6, 0.8], // mean ½, deviations ±0.1, ±0.3: variance (0.09 + 0.01 + 0.01 + 0.09) / 4 = 0.05
  [0.9, 0.9, 0.9, 0.9], // constant: variability exactly 0
  [0.1, 0.0, 0.1, 0.2], // mean 0.1, variance (0 + 0.01 + 0 + 0.01) / 4 = 0.005
];
const d = dynOf([0, 0, 0], 4, { pLabel: P, top1: P.map((s) => s.map((p) => (p > 0.5 ? 0 : 1))) });
const corrupted = Uint8Array.from([0, 0, 1]);

test('cartography of a hand-computed example, through cartography.bin', () => {
  const c = cartography(d);
  const bytes = encodeCartography({ epochs: 4, ...c, corrupted });
  assert.equal(bytes.length, cartographyFileSize(3));
  assert.equal(bytes.length, 24 + 13 * 3);
  // A buffer at an odd offset, as a pooled Node Buffer may be: the reader does not care.
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const back = decodeCartography(shifted.subarray(1));
  assert.equal(back.n, 3);
  assert.equal(back.epochs, 4);
  const want = { confidence: [0.5, 0.9, 0.1], variability: [Math.sqrt(0.05), 0, Math.sqrt(0.005)], correctness: [0.5, 1, 0] };
  for (const k of ['confidence', 'variability', 'correctness'] as const) {
    want[k].forEach((v, p) => near(back[k][p]!, v, 1e-6, `${k}[${p}]`));
  }
  assert.equal(back.variability[1], 0, 'a constant series has exactly 0 variability');
  assert.deepEqual(Array.from(back.corrupted), [0, 0, 1]);
});

test('regions: ambiguous (variability ≥ 0.2), easy (confidence ≥ ½), hard; the engine and the panel count alike', () => {
  const c = cartography(d);
  const summary = cartographySummary(c, corrupted);
  assert.deepEqual(summary.thresholds, { ambiguousVariability: 0.2, easyConfidence: 0.5 });
  assert.deepEqual(summary.regions, { easy: { clean: 1, corrupted: 0 }, ambiguous: { clean: 1, corrupted: 0 }, hard: { clean: 0, corrupted: 1 } });
  const panel = cartographyCounts(decodeCartography(encodeCartography({ epochs: 4, ...c, corrupted })), summary.thresholds);
  assert.deepEqual(panel.regions, summary.regions);
  assert.equal(panel.skipped, 0);
  // 5 × 5 grid over confidence [0, 1] × variability [0, ½]: (0.5, 0.224) → cell [2][2], (0.9, 0) → [0][4], (0.1, 0.071) → [0][0].
  const nonEmpty = panel.cells.flatMap((row, v) => row.map((cell, k) => ({ v, k, ...cell }))).filter((x) => x.clean + x.corrupted > 0);
  assert.deepEqual(nonEmpty, [
    { v: 0, k: 0, clean: 0, corrupted: 1 },
    { v: 0, k: 4, clean: 1, corrupted: 0 },
    { v: 2, k: 2, clean: 1, corrupted: 0 },
  ]);
  // Upper edges fall in the last bin; NaN samples are skipped.
  const edge = cartographyCounts({ n: 2, confidence: Float32Array.from([1, NaN]), variability: Float32Array.from([0.5, 0]), corrupted: Uint8Array.from([1, 0]) }, summary.thresholds);
  assert.equal(edge.cells[4]![4]!.corrupted, 1);
  assert.equal(edge.skipped, 1);
});

test('decodeCartography refuses what is not a cartography file', () => {
  const good = encodeCartography({ epochs: 2, confidence: [0.5], variability: [0.1], correctness: [1], corrupted: [0] });
  assert.throws(() => decodeCartography(new Uint8Array(10)), /not a cartography file/);
  assert.throws(() => decodeCartography(Uint8Array.from(good, (b, i) => (i === 0 ? 0 : b))), /wrong magic/);
  assert.throws(() => decodeCartography(good.subarray(0, good.length - 1)), /truncated/);
  const v2 = good.slice();
  v2[8] = 2;
  assert.throws(() => decodeCartography(v2), /version 2/);
  const bad = good.slice();
  new DataView(bad.buffer).setFloat32(24, 1.5, true);
  assert.throws(() => decodeCartography(bad), /confidence of sample 0 is 1.5/);
  assert.throws(() => encodeCartography({ epochs: 1, confidence: [0.5, 0.5], variability: [0], correctness: [0], corrupted: [0] }), /confidence has 2 values/);
});
