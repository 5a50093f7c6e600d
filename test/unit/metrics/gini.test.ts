/**
 * Gini coefficient of per-sample loss (docs/metrics.md § "Gini coefficient of per-sample loss").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gini, lossGiniPerEpoch } from '../../../server/src/metrics/gini';
import { Rng } from '../../../server/src/util/rng';
import { dynOf, near, nearAll, throwsCode } from './helpers';

/** The definition, O(n²): Σ_i Σ_j |ℓ_i − ℓ_j| / (2 n² mean). */
function giniDirect(l: number[]): number {
  const n = l.length;
  const mean = l.reduce((a, b) => a + b, 0) / n;
  let s = 0;
  for (const a of l) for (const b of l) s += Math.abs(a - b);
  return s / (2 * n * n * mean);
}

test('gini: hand-computed values', () => {
  // [1,2,3,4]: Σ|ℓi − ℓj| over ordered pairs = 20, 2n²·mean = 2·16·2.5 = 80 → 0.25.
  // Sorted form: 2Σkℓ_(k) = 60, nΣℓ = 40 → 1.5 − 5/4 = 0.25.
  near(gini([4, 1, 3, 2]), 0.25);
  // One sample holds all the loss: 1 − 1/n.
  near(gini([0, 0, 0, 5]), 0.75);
  // [1, 3]: Σ = 4, 2·4·2 = 16 → 0.25.
  near(gini([1, 3]), 0.25);
});

test('gini: edge cases are defined', () => {
  assert.equal(gini([0.1, 0.1, 0.1]), 0, 'constant losses: exactly 0');
  assert.equal(gini(new Float32Array(7).fill(0.3)), 0);
  assert.equal(gini([0, 0, 0]), 0, 'mean 0: perfect equality');
  assert.equal(gini([2.5]), 0, 'n = 1');
  assert.ok(Number.isNaN(gini([])), 'n = 0');
  throwsCode(() => gini([1, -0.5]), 'finite losses ≥ 0');
  throwsCode(() => gini([1, NaN]), 'NaN at index 1');
  throwsCode(() => gini([Infinity, 1]), 'Infinity at index 0');
});

test('gini: equals the O(n²) definition on random inputs; scale and order invariant', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + rng.int(40);
    // Repeated values (ties) on purpose.
    const l = Array.from({ length: n }, () => rng.int(5) * rng.next());
    if (l.every((v) => v === 0)) continue;
    near(gini(l), giniDirect(l), 1e-12, `trial ${trial}`);
    near(gini(l.map((v) => 7 * v)), gini(l), 1e-12);
    near(gini(rng.shuffle(l.slice())), gini(l), 1e-12);
  }
});

test('lossGiniPerEpoch: one coefficient per recorded epoch', () => {
  const d = dynOf([0, 0, 0, 0], 2, { loss: [[1, 2], [2, 2], [3, 2], [4, 2]] });
  nearAll(lossGiniPerEpoch(d), [0.25, 0]);
  const bad = dynOf([0, 0], 2, { loss: [[1, 1], [1, NaN]] });
  throwsCode(() => lossGiniPerEpoch(bad), 'loss of row 1');
});
