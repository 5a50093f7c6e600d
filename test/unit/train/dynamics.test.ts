/** Dynamics columns and file: recording, presentation checks, round trip, size budget, damage. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { BYTES_PER_SAMPLE_EPOCH, Dynamics, SplitDynamics, readDynamics, writeDynamics } from '../../../server/src/train/dynamics';
import { Rng } from '../../../server/src/util/rng';
import type { SampleStats } from '../../../server/src/train/types';
import { train } from '../../../server/src/train/trainer';
import { assertSameDynamics, config, setup, tempDir } from './trainer-helpers';

function randomStats(rows: number, rng: Rng, classes: number): SampleStats {
  return {
    loss: Float32Array.from({ length: rows }, () => 3 * rng.next()),
    margin: Float32Array.from({ length: rows }, () => rng.normal()),
    pLabel: Float32Array.from({ length: rows }, () => rng.next()),
    correct: new Uint8Array(rows),
    top1: Int32Array.from({ length: rows }, () => rng.int(classes)),
  };
}

/** Dynamics of n train samples over `epochs` epochs (and a few eval samples every other epoch), filled at random. */
function synthetic(n: number, epochs: number): Dynamics {
  const rng = new Rng(3);
  const idx = (m: number, base: number) => Int32Array.from({ length: m }, (_, i) => base + i);
  const labels = (m: number) => Int32Array.from({ length: m }, () => rng.int(10));
  const train = new SplitDynamics('train', idx(n, 0), labels(n), epochs);
  const val = new SplitDynamics('val', idx(50, n), labels(50), epochs);
  const test = new SplitDynamics('test', idx(0, 0), labels(0), 0);
  for (let e = 0; e < epochs; e++) {
    train.addRow(e);
    const order = rng.shuffle(idx(n, 0));
    for (let a = 0; a < n; a += 64) {
      const pos = order.subarray(a, Math.min(n, a + 64));
      train.record(pos, randomStats(pos.length, rng, 10));
    }
    if (e % 2 === 1) {
      val.addRow(e);
      val.record(idx(50, 0), randomStats(50, rng, 10));
    }
  }
  return new Dynamics(train, val, test);
}

test('recording places statistics by position and derives correctness from top-1', () => {
  const d = new SplitDynamics('train', Int32Array.from([10, 11, 12]), Int32Array.from([1, 0, 2]), 2);
  const row = d.addRow(0);
  assert.ok(Number.isNaN(row.loss[0]!) && row.top1[0] === -1);
  const sums = d.record(Int32Array.from([2, 0]), {
    loss: Float32Array.from([0.5, 1.5]),
    margin: Float32Array.from([1, -1]),
    pLabel: Float32Array.from([0.6, 0.2]),
    correct: Uint8Array.from([1, 0]),
    top1: Int32Array.from([2, 0]),
  });
  assert.deepEqual(sums, { lossSum: 2, correct: 1 });
  assert.deepEqual(Array.from(d.row(0).loss), [1.5, NaN, 0.5]);
  assert.deepEqual(Array.from(d.row(0).top1), [0, -1, 2]);
  assert.deepEqual(Array.from(d.correct(0)), [0, 0, 1]);
  assert.equal(d.filled, 2);
  // A sample presented twice in one epoch is an engine bug, reported as such.
  assert.throws(
    () => d.record(Int32Array.from([0]), { loss: new Float32Array(1), margin: new Float32Array(1), pLabel: new Float32Array(1), correct: new Uint8Array(1), top1: new Int32Array(1) }),
    (e) => isEngineError(e) && e.code === ERROR_CODES.INTERNAL,
  );
  d.addRow(1);
  assert.equal(d.filled, 0);
  assert.equal(d.rowOf(1), 1);
  assert.equal(d.rowOf(5), -1);
  assert.throws(() => d.addRow(2), (e) => isEngineError(e) && e.code === ERROR_CODES.INTERNAL);
});

test('the dynamics file round-trips and stays within 32 bytes per sample per epoch', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'dyn.bin');
  const n = 2000;
  const epochs = 12;
  const d = synthetic(n, epochs);
  await writeDynamics(file, d, 'run-key');
  const { dynamics, key } = await readDynamics(file);
  assert.equal(key, 'run-key');
  assertSameDynamics(d, dynamics);
  assert.deepEqual(Array.from(dynamics.val.epochs), [1, 3, 5, 7, 9, 11]);
  assert.equal(BYTES_PER_SAMPLE_EPOCH, 16);
  const sampleEpochs = n * epochs + 50 * 6;
  const size = fs.statSync(file).size;
  assert.ok(size <= 32 * sampleEpochs, `${size} bytes for ${sampleEpochs} sample-epochs`);
  assert.equal(d.recordedBytes, 16 * sampleEpochs);
  assert.deepEqual(fs.readdirSync(dir), ['dyn.bin']);
});

test('the trainer writes the dynamics file; damage and absence are reported', async () => {
  const s = setup();
  const dir = tempDir();
  const file = path.join(dir, 'dyn.bin');
  const r = await train(s.model(), s.data, config({ epochs: 3, dynamicsPath: file }));
  const { dynamics, key } = await readDynamics(file);
  assert.equal(key, r.fingerprint);
  assertSameDynamics(r.dynamics, dynamics);
  assert.ok(r.timings.dynamicsWriteMs > 0);
  const good = fs.readFileSync(file);
  for (const at of [0, 30, good.length - 50, good.length - 4]) {
    const bad = Buffer.from(good);
    bad[at] = bad[at]! ^ 0x55;
    fs.writeFileSync(file, bad);
    await assert.rejects(readDynamics(file), (e) => isEngineError(e) && e.code === ERROR_CODES.CACHE_CORRUPT, `byte ${at}`);
  }
  fs.writeFileSync(file, good.subarray(0, good.length - 1));
  await assert.rejects(readDynamics(file), (e) => isEngineError(e) && e.code === ERROR_CODES.CACHE_CORRUPT);
  await assert.rejects(readDynamics(path.join(dir, 'none.bin')), (e) => isEngineError(e) && e.code === ERROR_CODES.INPUT_NOT_FOUND);
});
