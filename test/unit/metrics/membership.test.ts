/** Loss-threshold membership inference (docs/metrics.md § "Membership inference", Yeom et al.). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correctnessMembershipAdvantage, lossMembershipInference } from '../../../server/src/metrics/membership';
import { maxTprMinusFpr } from '../../../server/src/metrics/ranking';
import { near, throwsCode } from './helpers';

test('lossMembershipInference: hand-computed AUROC and advantage', () => {
  // Members (train) 0.1, 0.2, 0.3; non-members (test) 0.25, 0.5. Pairs with member loss lower:
  // 0.1 < both, 0.2 < both, 0.3 < 0.5 only → 5 of 6.
  // Thresholds "member if loss ≤ τ": τ = 0.1 → ⅓ − 0; 0.2 → ⅔ − 0; 0.25 → ⅔ − ½; 0.3 → 1 − ½;
  // 0.5 → 1 − 1 → advantage ⅔ at τ = 0.2.
  const r = lossMembershipInference([0.1, 0.2, 0.3], Float32Array.from([0.25, 0.5]));
  near(r.auroc, 5 / 6);
  near(r.advantage, 2 / 3);
  assert.equal(r.lossThreshold, 0.2);
  assert.equal(r.members, 3);
  assert.equal(r.nonMembers, 2);
});

test('lossMembershipInference: ties, no leakage, empty sides, bad values', () => {
  const tied = lossMembershipInference([1, 1], [1]);
  assert.equal(tied.auroc, 0.5);
  assert.equal(tied.advantage, 0);
  assert.equal(tied.lossThreshold, -Infinity);
  // An infinite loss is the highest loss.
  near(lossMembershipInference([0], [Infinity]).auroc, 1);
  const empty = lossMembershipInference([], [1]);
  assert.ok(Number.isNaN(empty.auroc) && Number.isNaN(empty.advantage));
  throwsCode(() => lossMembershipInference([NaN], [1]), 'NaN');
});

test('"member if correct": advantage = accuracy gap (METRICS.md)', () => {
  // Members correct 3 of 4, non-members 1 of 2: the threshold rule on the 0/1 score gives ¾ − ½.
  const byThreshold = maxTprMinusFpr([1, 1, 1, 0], [1, 0]).advantage;
  near(byThreshold, 0.25);
  near(correctnessMembershipAdvantage(0.75, 0.5), byThreshold);
  near(correctnessMembershipAdvantage(0.4, 0.6), -0.2, 1e-12);
  throwsCode(() => correctnessMembershipAdvantage(NaN, 0.5), 'trainAccuracy');
});
