/**
 * Windows of training dynamics (docs/metrics.md § "Detection choice"): the windowed view gives the
 * same signals as dynamics sliced by hand, the candidate windows of E epochs, and signals that
 * need more epochs than a window has are left out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dynamicsFromRows, type DynamicsRowView } from '../../../server/src/metrics/dynamics-source';
import { perSampleSignals, SIGNAL_NAMES } from '../../../server/src/metrics/signals';
import { detectionWindows, windowedDynamics, windowSignals } from '../../../server/src/metrics/windows';
import { windowLabel } from '../../../server/src/report/shared/format';
import { Rng } from '../../../server/src/util/rng';
import { throwsCode } from './helpers';

function randomRows(rng: Rng, n: number, epochs: number, classes: number): DynamicsRowView[] {
  return Array.from({ length: epochs }, () => ({
    loss: Float32Array.from({ length: n }, () => rng.next() * 3),
    margin: Float32Array.from({ length: n }, () => rng.next() * 4 - 2),
    pLabel: Float32Array.from({ length: n }, () => rng.next()),
    top1: Int32Array.from({ length: n }, () => rng.int(classes)),
  }));
}

test('windowSignals over the first k epochs equals the signals of the dynamics sliced by hand', () => {
  const rng = new Rng(7);
  const n = 50;
  const labels = Int32Array.from({ length: n }, () => rng.int(3));
  const rows = randomRows(rng, n, 8, 3);
  const d = dynamicsFromRows(labels, rows);
  for (let k = 1; k <= 8; k++) {
    const byHand = perSampleSignals(dynamicsFromRows(labels, rows.slice(0, k)));
    const windowed = windowSignals(d, { epochs: k });
    for (const name of SIGNAL_NAMES) {
      const got = windowed[name];
      if (k < 2 && (name === 'aum' || name === 'variability' || name === 'forgetting')) {
        assert.equal(got, undefined, `${name} needs two epochs`);
        continue;
      }
      assert.deepEqual(Array.from(got!), Array.from(byHand[name]), `${name} over ${k} epochs`);
    }
  }
});

test('windowedDynamics is a view of the first k rows and refuses k outside [1, rows]', () => {
  const rng = new Rng(1);
  const rows = randomRows(rng, 4, 3, 2);
  const d = dynamicsFromRows(Int32Array.from([0, 1, 0, 1]), rows);
  const w = windowedDynamics(d, 2);
  assert.equal(w.rows, 2);
  assert.equal(w.row(1), rows[1]);
  assert.equal(windowedDynamics(d, 3), d);
  throwsCode(() => windowedDynamics(d, 0), 'k');
  throwsCode(() => windowedDynamics(d, 4), 'more than the 3 recorded epochs');
});

test('detectionWindows: all, the first ⌈E/4⌉, ⌈E/2⌉, ⌈3E/4⌉ epochs without repeats, and best-val', () => {
  const ids = (e: number, best: number | null = null) => detectionWindows(e, best).map((w) => `${w.id}:${w.epochs}`);
  assert.deepEqual(ids(8), ['all:8', 'first-2:2', 'first-4:4', 'first-6:6']);
  assert.deepEqual(ids(10, 7), ['all:10', 'first-3:3', 'first-5:5', 'first-8:8', 'best-val:7']);
  assert.deepEqual(ids(3), ['all:3', 'first-1:1', 'first-2:2']);
  assert.deepEqual(ids(2), ['all:2', 'first-1:1']);
  assert.deepEqual(ids(1, 1), ['all:1', 'best-val:1']);
  assert.equal(windowLabel({ kind: 'first', epochs: 3 }), 'the first 3 epochs');
  assert.equal(windowLabel({ kind: 'best-val', epochs: 7 }), 'epochs 1–7 (up to the best validation epoch)');
});
