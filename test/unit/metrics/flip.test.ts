/** Flip rate under meaning-preserving transforms (docs/metrics.md § "Flip rates"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flipCounts, flipRate, flipRates } from '../../../server/src/metrics/flip';
import { throwsCode } from './helpers';

const before = Int32Array.from([1, 2, 3, 4, -1]);
const after = {
  // i0 same, i1 flipped, i2 same, i3 not applicable, i4 no prediction before → 1 of 3.
  rename: Int32Array.from([1, 5, 3, -1, 2]),
  // i0 flipped, i1..i3 same → 1 of 4.
  deadCode: Int32Array.from([2, 2, 3, 4, 0]),
};

test('flipRate / flipRates: flips over applicable samples (hand-computed)', () => {
  assert.deepEqual(flipRate(before, after.rename), { flipped: 1, applicable: 3, rate: 1 / 3 });
  assert.deepEqual(flipRates(before, after), {
    rename: { flipped: 1, applicable: 3, rate: 1 / 3 },
    deadCode: { flipped: 1, applicable: 4, rate: 0.25 },
  });
  assert.deepEqual(flipRate([], []).applicable, 0);
  assert.ok(Number.isNaN(flipRate([], []).rate));
  assert.ok(Number.isNaN(flipRate([3], [-1]).rate), 'nothing applicable');
  assert.deepEqual(flipRates(before, {}), {});
});

test('flipCounts: per sample, flips and applicable transforms', () => {
  const c = flipCounts(before, after);
  assert.deepEqual(Array.from(c.flips), [1, 1, 0, 0, 0]);
  assert.deepEqual(Array.from(c.applicable), [2, 2, 2, 1, 0]);
});

test('flip rates reject mismatched or non-integer predictions', () => {
  throwsCode(() => flipRate([1, 2], [1]), 'parallel');
  throwsCode(() => flipRate([1.5], [1]), 'integer class ids');
  throwsCode(() => flipRate([1], [NaN]), 'integer class ids');
  throwsCode(() => flipCounts([1], { t: [1, 2] }), 'after.t');
});
