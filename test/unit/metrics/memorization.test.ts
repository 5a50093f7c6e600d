/**
 * The cross-fitted memorization score (docs/metrics.md § "Memorization score (cross-fitted)") on
 * hand-computed cases, and the two finding orders built on it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memorizationFolds, memorizationScores, memorizedOrder, notLearnedOrder } from '../../../server/src/metrics/memorization';
import { assignFolds } from '../../../server/src/metrics/crossfit';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

// Four samples, K = 2: fold 0 = {0, 1}, fold 1 = {2, 3}. Fold run A trains on fold 1 and holds out
// fold 0; fold run B trains on fold 0 and holds out fold 1.
const full = { correct: [1, 1, 0, 1], pLabel: [0.9, 0.8, 0.2, 0.6] };
const runA = {
  fitted: { positions: [2, 3], correct: [0, 1], pLabel: [0.1, 0.7] },
  heldOut: { positions: [0, 1], correct: [0, 1], pLabel: [0.3, 0.75] },
};
const runB = {
  fitted: { positions: [0, 1], correct: [1, 0], pLabel: [0.95, 0.4] },
  heldOut: { positions: [2, 3], correct: [1, 1], pLabel: [0.5, 0.65] },
};

test('memorizationScores: P_in over the full run and the fold runs that trained on the sample, P_out from the one that held it out', () => {
  const s = memorizationScores(4, full, [runA, runB]);
  // Sample 0: in = full (1, .9) + B (1, .95) → P_in 1, p .925; out = A (0, .3) → mem 1, memProb .625.
  close(s.fittedRate[0]!, 1);
  close(s.heldOutRate[0]!, 0);
  close(s.mem[0]!, 1);
  close(s.memProb[0]!, 0.625);
  // Sample 1: in = full (1, .8) + B (0, .4) → P_in .5, p .6; out = A (1, .75) → mem −.5, memProb −.15.
  close(s.fittedRate[1]!, 0.5);
  close(s.mem[1]!, -0.5);
  close(s.memProb[1]!, -0.15);
  // Sample 2: in = full (0, .2) + A (0, .1) → P_in 0; out = B (1, .5) → mem −1 (not learned).
  close(s.fittedRate[2]!, 0);
  close(s.heldOutRate[2]!, 1);
  close(s.mem[2]!, -1);
  close(s.memProb[2]!, 0.15 - 0.5);
  // Sample 3: in = full (1, .6) + A (1, .7) → 1, .65; out = B (1, .65) → mem 0, memProb 0.
  close(s.mem[3]!, 0);
  close(s.memProb[3]!, 0);
  assert.deepEqual(Array.from(s.inModels), [2, 2, 2, 2]);
  assert.deepEqual(Array.from(s.outModels), [1, 1, 1, 1]);
});

test('memorizationScores: a sample no fold run held out has P_out and mem NaN; bad input throws', () => {
  const s = memorizationScores(4, full, [runA]);
  assert.ok(Number.isNaN(s.heldOutRate[2]!));
  assert.ok(Number.isNaN(s.mem[2]!));
  close(s.mem[0]!, 1);
  assert.throws(() => memorizationScores(3, full, []), /must have 3/);
  assert.throws(() => memorizationScores(4, null, [{ fitted: runA.fitted, heldOut: { positions: [7], correct: [1], pLabel: [1] } }]), /\[0, 4\)/);
});

test('memorizedOrder: P_in ≥ ½ and mem > 0, by mem, then memProb, then the detection score', () => {
  const s = {
    fittedRate: Float64Array.from([1, 1, 0.5, 0.4, 1, 1]),
    heldOutRate: Float64Array.from([0, 0, 0, 0, 1, 0]),
    mem: Float64Array.from([1, 1, 0.5, 0.4, 0, 1]),
    memProb: Float64Array.from([0.5, 0.7, 0.3, 0.3, 0, 0.5]),
    inModels: new Int32Array(6),
    outModels: new Int32Array(6),
  };
  // 3 is not fitted (P_in .4), 4 has mem 0; 0 and 5 tie on mem and memProb: the detection score decides.
  assert.deepEqual(memorizedOrder(s, [0.1, 0, 0, 0, 0, 0.9]), [1, 5, 0, 2]);
  assert.deepEqual(memorizedOrder(s, null), [1, 0, 5, 2]);
  assert.deepEqual(memorizedOrder(s, null, 2), [1, 0]);
  // not learned: P_in < ½, lowest first, then the highest mean loss.
  const t = { ...s, fittedRate: Float64Array.from([0, 0.4, 0, 1, 0.49, 0.5]) };
  assert.deepEqual(notLearnedOrder(t, [1, 5, 3, 0, 0, 0]), [2, 0, 1, 4]);
  assert.deepEqual(notLearnedOrder(t, null), [0, 2, 1, 4]);
});

test('memorizationFolds: deterministic by sample id, K folds, independent of the detection folds', () => {
  const ids = Array.from({ length: 4000 }, (_, i) => `m${i}`);
  const f = memorizationFolds(ids, 3);
  assert.deepEqual(memorizationFolds([...ids].reverse(), 3), f.slice().reverse());
  for (let k = 0; k < 3; k++) {
    const c = f.filter((x) => x === k).length;
    assert.ok(Math.abs(c - 4000 / 3) < 150, `fold ${k}: ${c}`);
  }
  const d = assignFolds(ids);
  const m = memorizationFolds(ids, 2);
  const same = m.filter((x, i) => x === d[i]).length;
  assert.ok(Math.abs(same - 2000) < 200, `${same} of 4000 in the same fold: not independent`);
});
