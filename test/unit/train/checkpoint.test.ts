/** Checkpoint files: round trip, and every kind of damage detected as E_CACHE_CORRUPT (never used). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { crc32 } from '../../../server/src/util/crc32';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from '../../../server/src/train/checkpoint';
import { resume, train } from '../../../server/src/train/trainer';
import { assertSameDynamics, assertSameState, config, setup, tempDir } from './trainer-helpers';

const corruptErr = (e: unknown): boolean => isEngineError(e) && e.code === ERROR_CODES.CACHE_CORRUPT;

test('a checkpoint round-trips exactly, non-finite numbers included', async () => {
  const s = setup();
  const dir = tempDir();
  const file = path.join(dir, 'c.bin');
  await train(s.model(), s.data, config({ epochs: 2, checkpoint: { path: file } }));
  const c = (await readCheckpoint(file))!;
  assert.equal(c.trainer.epoch, 2);
  assert.equal(c.trainer.inEpoch, false);
  assert.equal(c.order.length, 0);
  const edited: Checkpoint = { ...c, trainer: { ...c.trainer, lossSum: NaN, early: { ...c.trainer.early, best: -Infinity } } };
  const again = path.join(dir, 'd.bin');
  await writeCheckpoint(again, edited);
  const d = (await readCheckpoint(again))!;
  assert.deepEqual(d.trainer, edited.trainer);
  assert.ok(Number.isNaN(d.trainer.lossSum));
  assert.equal(d.trainer.early.best, -Infinity);
  await assertSameState(c.model, d.model);
  assertSameDynamics(c.dynamics, d.dynamics);
  assert.equal(await readCheckpoint(path.join(dir, 'missing.bin')), undefined);
});

test('damaged checkpoints are detected: flipped bytes, truncation, bad magic, other kinds, bad versions', async () => {
  const s = setup();
  const dir = tempDir();
  const file = path.join(dir, 'c.bin');
  const c = config({ epochs: 1, checkpoint: { path: file } });
  await train(s.model(), s.data, c);
  const good = fs.readFileSync(file);

  const damaged: [string, (b: Buffer) => Buffer][] = [
    ['a flipped byte in the data', (b) => flip(b, b.length - 200)],
    ['a flipped byte in the header', (b) => flip(b, 40)],
    ['a flipped byte in the length fields', (b) => flip(b, 13)],
    ['truncation', (b) => b.subarray(0, b.length - 100)],
    ['truncation to a few bytes', (b) => b.subarray(0, 10)],
    ['an extension', (b) => Buffer.concat([b, Buffer.alloc(8)])],
    ['bad magic', (b) => flip(b, 0)],
    ['another container version', (b) => withU32(b, 8, 99)],
  ];
  for (const [what, damage] of damaged) {
    fs.writeFileSync(file, damage(Buffer.from(good)));
    await assert.rejects(readCheckpoint(file), corruptErr, what);
    await assert.rejects(resume(s.model(), s.data, c), corruptErr, what);
  }

  // A well-formed bundle of the wrong kind (a dynamics file) is refused too.
  const dyn = path.join(dir, 'dyn.bin');
  await train(s.model(), s.data, { ...c, checkpoint: undefined, dynamicsPath: dyn });
  await assert.rejects(readCheckpoint(dyn), corruptErr);

  // A checkpoint whose meta says another checkpoint version, rewritten with valid checksums.
  fs.writeFileSync(file, good);
  const ck = (await readCheckpoint(file))!;
  await writeCheckpoint(file, ck);
  const raw = fs.readFileSync(file);
  const headerLen = raw.readUInt32LE(12);
  const header = raw.toString('utf8', 24, 24 + headerLen);
  assert.ok(header.includes('"version":1,"fingerprint"'));
  const patched = Buffer.from(raw);
  patched.write(header.replace('"version":1,"fingerprint"', '"version":7,"fingerprint"'), 24, 'utf8');
  // Recompute the header CRC so that only the meta check can catch it.
  patched.writeUInt32LE(crc32(patched.subarray(24, 24 + headerLen)), 16);
  fs.writeFileSync(file, patched);
  await assert.rejects(readCheckpoint(file), (e) => corruptErr(e) && /version 7/.test((e as Error).message));
});

function flip(b: Buffer, at: number): Buffer {
  b[at] = b[at]! ^ 0xff;
  return b;
}

function withU32(b: Buffer, at: number, v: number): Buffer {
  b.writeUInt32LE(v, at);
  return b;
}
