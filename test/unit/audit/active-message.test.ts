/**
 * The progress message of the grid (audit/run-audit.ts `activeMessage`), shown by the CLI's
 * progress line and, with several runs side by side, by the editor's progress notification: a
 * run's epoch while it trains, its attack's methods attacked of all once its epochs are done.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeMessage } from '../../../server/src/audit/run-audit';

test('one run: its epoch while it trains, then its attack', () => {
  assert.equal(activeMessage([{ run: 3, runId: 'clean-s0', epoch: 2, epochs: 10 }], 12), 'run 3/12 clean-s0: epoch 2/10');
  assert.equal(activeMessage([{ run: 3, runId: 'clean-s0', epoch: 10, epochs: 10, attack: { done: 40, total: 320 } }], 12), 'run 3/12 clean-s0: attack 40/320');
});

test('runs side by side: each with its epoch or its attack', () => {
  const active = [
    { run: 3, runId: 'clean-s0', epoch: 10, epochs: 10, attack: { done: 128, total: 320 } },
    { run: 4, runId: 'y-shuffle-25-s0', epoch: 1, epochs: 10 },
  ];
  assert.equal(activeMessage(active, 12), 'runs 3,4/12: clean-s0 attack 128/320, y-shuffle-25-s0 epoch 1/10');
});
