/** Restarting the engine after crashes: exponential backoff, a cap, and giving up after quick crashes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CrashPolicy, DEFAULT_CRASH_POLICY } from '../../../extension/src/crash-policy';

test('delays double from the base up to the cap; one crash too many and it gives up', () => {
  const p = new CrashPolicy({ maxCrashes: 5, windowMs: 60_000, baseDelayMs: 500, maxDelayMs: 4000 });
  const delays = [0, 1, 2, 3, 4].map((i) => p.record(1000 + i * 100));
  assert.deepEqual(
    delays.map((d) => (d.restart ? d.delayMs : -1)),
    [500, 1000, 2000, 4000, 4000],
  );
  const last = p.record(2000);
  assert.equal(last.restart, false);
  assert.equal(last.crashes, 6);
  assert.ok(!last.restart && /6 times in 60 s/.test(last.reason));
});

test('crashes outside the window are forgotten; reset forgets all', () => {
  const p = new CrashPolicy({ maxCrashes: 2, windowMs: 10_000, baseDelayMs: 100, maxDelayMs: 10_000 });
  p.record(0);
  p.record(1000);
  const late = p.record(20_000);
  assert.deepEqual(late, { restart: true, delayMs: 100, crashes: 1 });
  p.record(20_100);
  p.reset();
  assert.deepEqual(p.record(20_200), { restart: true, delayMs: 100, crashes: 1 });
});

test('the default policy allows a few quick crashes', () => {
  assert.ok(DEFAULT_CRASH_POLICY.maxCrashes >= 3);
  assert.ok(DEFAULT_CRASH_POLICY.maxDelayMs <= 60_000);
});
