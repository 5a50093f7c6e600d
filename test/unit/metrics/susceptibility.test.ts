/**
 * Susceptibility ζ aggregation and the model-selection rule (docs/metrics.md § "Susceptibility ζ").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBySusceptibility, susceptibility, susceptibilityDeltas } from '../../../server/src/metrics/susceptibility';
import { nearAll, throwsCode } from './helpers';

test('ζ(t) = (1/t) Σ_{τ=1..t} Δ_τ, epoch 0 skipped (hand-computed)', () => {
  const before = [5, 4, 3.5, 3];
  const after = [4, 3, 3, 2.5];
  nearAll(susceptibilityDeltas(before, after), [1, 1, 0.5, 0.5]);
  // ζ(1) = 1; ζ(2) = (1 + 0.5)/2; ζ(3) = (1 + 0.5 + 0.5)/3. Δ_0 = 1 does not enter.
  nearAll(susceptibility(before, after), [NaN, 1, 0.75, 2 / 3]);
  // A step that raises the loss gives a negative Δ.
  nearAll(susceptibility([0, 1, 1], [0, 2, 1]), [NaN, -1, -0.5]);
});

test('ζ edge cases: empty, one epoch, bad values', () => {
  assert.equal(susceptibility([], []).length, 0);
  nearAll(susceptibility([2], [1]), [NaN]);
  throwsCode(() => susceptibility([1, 2], [1]), 'parallel');
  throwsCode(() => susceptibility([1, NaN], [1, 1]), 'phiBefore');
  throwsCode(() => susceptibility([1, 1], [1, Infinity]), 'phiAfter');
});

test('selectBySusceptibility: train accuracy ≥ mean and ζ ≤ mean', () => {
  // Means: accuracy 3.34/4 = 0.835, ζ 1.25/4 = 0.3125 → accurate {A, B, D}, of which only A has low ζ.
  const r = selectBySusceptibility([
    { id: 'A', trainAccuracy: 0.95, susceptibility: 0.1 },
    { id: 'B', trainAccuracy: 0.9, susceptibility: 0.5 },
    { id: 'C', trainAccuracy: 0.5, susceptibility: 0.05 },
    { id: 'D', trainAccuracy: 0.99, susceptibility: 0.6 },
  ]);
  assert.deepEqual(r.preferred, ['A']);
  assert.equal(r.chosen, 'A');
  assert.equal(r.fallback, false);
  assert.ok(Math.abs(r.meanTrainAccuracy - 0.835) < 1e-12);
  assert.ok(Math.abs(r.meanSusceptibility - 0.3125) < 1e-12);
});

test('selectBySusceptibility: fallback, equal values, empty, bad input', () => {
  // Accurate {a, b} both have ζ above the mean 3: fall back to them, lowest ζ first.
  const f = selectBySusceptibility([
    { id: 'a', trainAccuracy: 1, susceptibility: 5 },
    { id: 'b', trainAccuracy: 0.9, susceptibility: 4 },
    { id: 'c', trainAccuracy: 0.1, susceptibility: 0 },
  ]);
  assert.deepEqual([f.preferred, f.chosen, f.fallback], [['b', 'a'], 'b', true]);
  // Identical candidates are all preferred despite the rounding of their mean; ties keep input order.
  const same = selectBySusceptibility(['x', 'y', 'z'].map((id) => ({ id, trainAccuracy: 0.1, susceptibility: 0.1 })));
  assert.deepEqual([same.preferred, same.fallback], [['x', 'y', 'z'], false]);
  // Equal ζ: higher accuracy first (means: accuracy 0.65, ζ 0.3).
  const tie = selectBySusceptibility([
    { id: 'p', trainAccuracy: 0.9, susceptibility: 0.2 },
    { id: 'q', trainAccuracy: 0.95, susceptibility: 0.2 },
    { id: 'r', trainAccuracy: 0.1, susceptibility: 0.5 },
  ]);
  assert.deepEqual(tie.preferred, ['q', 'p']);
  const none = selectBySusceptibility([]);
  assert.deepEqual([none.preferred, none.chosen], [[], null]);
  throwsCode(() => selectBySusceptibility([{ id: 'a', trainAccuracy: NaN, susceptibility: 0 }]), 'trainAccuracy');
  throwsCode(
    () =>
      selectBySusceptibility([
        { id: 'a', trainAccuracy: 1, susceptibility: 0 },
        { id: 'a', trainAccuracy: 1, susceptibility: 0 },
      ]),
    'used twice',
  );
});
