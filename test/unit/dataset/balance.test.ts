import assert from 'node:assert/strict';
import { test } from 'node:test';
import { balanceGroups, type BalanceGroup } from '../../../server/src/dataset/balance';

const groups = (sizes: number[], preferred: number[]): BalanceGroup[] => sizes.map((size, k) => ({ size, preferred: preferred[k]!, rank: k }));
const totals = (g: BalanceGroup[], where: Uint8Array) => [0, 1, 2].map((s) => g.reduce((a, x, k) => a + (where[k] === s ? x.size : 0), 0));

test('groups already balanced stay where their hash put them', () => {
  const g = groups([8, 1, 1], [0, 1, 2]);
  assert.deepEqual([...balanceGroups(g, [0.8, 0.1, 0.1])], [0, 1, 2]);
});

test('a hand case: 20 samples at 80/10/10 from a test split of 6 — one move of the 4-sample group, by hand the best', () => {
  // Targets 16/2/2. Start: train 12 (two 6s), val 2, test 6 (4 + 2). Moving the 4 from test to
  // train gives 16/2/2 exactly (Σd² 32 → 0); moving the 2 gives 14/2/4 (Σd² 8).
  const g = groups([6, 6, 2, 4, 2], [0, 0, 1, 2, 2]);
  const where = balanceGroups(g, [0.8, 0.1, 0.1]);
  assert.deepEqual(totals(g, where), [16, 2, 2]);
  assert.deepEqual([...where], [0, 0, 1, 0, 2]);
});

test('a swap when no single move helps: sizes 5 and 3 trade places', () => {
  // Targets 8/1/1 of 10 hmm — ratios 0.6/0.2/0.2 of 10: 6/2/2. Start: train 5+... see below.
  // Train {5}, val {3}, test {2}: d = (−1, +1, 0). A single move of 3 or 5 overshoots (gain < 0 or empties a split);
  // nothing of size 1 exists; swapping 5 ↔ 3 gives train 3, val 5: worse. So it stays.
  const g = groups([5, 3, 2], [0, 1, 2]);
  assert.deepEqual([...balanceGroups(g, [0.6, 0.2, 0.2])], [0, 1, 2]);
  // Train {4, 1}, val {4}, test {1}: targets 6/2/2 → d = (−1, +2, −1). Swapping val's 4 with train's 1 moves 3: d = (+2, −1, −1), no better;
  // swapping val's 4 with test's 1 gives d = (−1, −1, +2), no better; moving nothing is right: Σd² = 6 is the least reachable.
  const h = groups([4, 1, 4, 1], [0, 0, 1, 2]);
  const before = totals(h, Uint8Array.from([0, 0, 1, 2]));
  const after = totals(h, balanceGroups(h, [0.6, 0.2, 0.2]));
  const sq = (t: number[]) => t.reduce((a, v, s) => a + (v - [6, 2, 2][s]!) ** 2, 0);
  assert.ok(sq(after) <= sq(before));
});

test('a split with a positive ratio is filled when the hash left it empty, and never emptied', () => {
  const g = groups([50, 50, 50], [0, 0, 0]);
  const where = balanceGroups(g, [0.8, 0.1, 0.1]);
  assert.deepEqual([...new Set(where)].sort(), [0, 1, 2]);
});

test('a split whose ratio is 0 gets nothing', () => {
  const g = groups([3, 3, 3, 3], [0, 2, 1, 2]);
  const where = balanceGroups(g, [0.5, 0.5, 0]);
  assert.ok(![...where].includes(2));
  assert.deepEqual(totals(g, where), [6, 6, 0]);
});
