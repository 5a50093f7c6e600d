/**
 * The run scheduler (audit/scheduler.ts): results in index order whatever order tasks finish in,
 * at most `jobs` at a time, threads shared among the runs side by side (one each where the
 * strategy needs it), a failure stops the others and wins over the cancellations it causes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError, ERROR_CODES } from '../../../server/src/errors';
import { schedule, schedulePolicy, threadsFor, type RunThreads } from '../../../server/src/audit/scheduler';

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('results come back in index order, with at most `jobs` running at once', async () => {
  let running = 0;
  let peak = 0;
  const policy = { jobs: 3, cores: 4, strategyThreads: 3 };
  const out = await schedule(8, policy, async (k) => {
    running++;
    peak = Math.max(peak, running);
    await tick((8 - k) * 2);
    running--;
    return k * 10;
  });
  assert.deepEqual(out, [0, 10, 20, 30, 40, 50, 60, 70]);
  assert.equal(peak, 3);
});

test('policy: auto is one job per core (at most 8, at most the runs); a sequential run keeps cores − 1 threads', () => {
  assert.deepEqual(schedulePolicy('auto', 7, 2), { jobs: 2, cores: 2, strategyThreads: 1 });
  assert.deepEqual(schedulePolicy('auto', 3, 16), { jobs: 3, cores: 16, strategyThreads: 15 });
  assert.deepEqual(schedulePolicy('auto', 30, 16), { jobs: 8, cores: 16, strategyThreads: 15 });
  assert.deepEqual(schedulePolicy(4, 0, 16).jobs, 1);
  assert.equal(threadsFor(schedulePolicy(1, 7, 16), 16, 1), 15);
});

test('threads: one each when a sequential run has one (scatter-add), else the free cores shared', async () => {
  assert.equal(threadsFor({ jobs: 2, cores: 2, strategyThreads: 1 }, 2, 1), 1);
  const seen: RunThreads[] = [];
  await schedule(5, { jobs: 2, cores: 8, strategyThreads: 7 }, async (k, t) => {
    seen[k] = t;
    await tick(k === 0 ? 30 : 1);
  });
  // Two start together (4 + 4); the rest take the cores the finished ones left; the last one,
  // alone to start, takes every free core.
  assert.deepEqual(seen[0], { threads: 4, strategyThreads: 7 });
  assert.deepEqual(seen[1], { threads: 4, strategyThreads: 7 });
  assert.ok(seen.every((t) => t.threads >= 1 && t.strategyThreads === 7));
  assert.equal(seen[4]!.threads, 4);
});

test('a failure stops the running tasks through their signal and starts no more; its error wins', async () => {
  const started: number[] = [];
  const boom = new EngineError(ERROR_CODES.RUNTIME, 'boom');
  const run = schedule(6, { jobs: 2, cores: 2, strategyThreads: 1 }, async (k, _t, signal) => {
    started.push(k);
    if (k === 1) {
      await tick(5);
      throw boom;
    }
    while (!signal.aborted) await tick(2);
    throw new EngineError(ERROR_CODES.CANCELLED, 'cancelled');
  });
  await assert.rejects(run, (e) => e === boom);
  assert.deepEqual(started, [0, 1]);
});

test('cancelling stops every running task and rejects with E_CANCELLED', async () => {
  const ac = new AbortController();
  const stopped: number[] = [];
  const run = schedule(
    4,
    { jobs: 2, cores: 2, strategyThreads: 1 },
    async (k, _t, signal) => {
      while (!signal.aborted) await tick(2);
      stopped.push(k);
      throw new EngineError(ERROR_CODES.CANCELLED, 'cancelled');
    },
    ac.signal,
  );
  setTimeout(() => ac.abort(), 10);
  await assert.rejects(run, (e: Error & { code?: string }) => e.code === 'E_CANCELLED');
  assert.deepEqual(stopped.sort(), [0, 1]);
});

test('a dependency: with jobs = 2, a task starts only after the task it waits for finished; later free tasks go first', async () => {
  // Plan order of a distillation audit: clean-s0, noisy-s0 ×2, clean-s1, noisy-s1 (after: its seed's clean run).
  const after = [undefined, 0, 0, undefined, 3];
  const events: string[] = [];
  const out = await schedule(
    5,
    { jobs: 2, cores: 2, strategyThreads: 1 },
    async (k) => {
      events.push(`start ${k}`);
      await tick(k === 0 ? 30 : 5);
      events.push(`end ${k}`);
      return k;
    },
    undefined,
    after,
  );
  assert.deepEqual(out, [0, 1, 2, 3, 4]);
  const at = (e: string) => events.indexOf(e);
  for (const [k, d] of after.entries()) if (d !== undefined) assert.ok(at(`end ${d}`) < at(`start ${k}`), `${k} started before ${d} ended: ${events.join(', ')}`);
  // While task 0 trains, the free tasks 3 and then 4 take the second job.
  assert.deepEqual(events.slice(0, 2), ['start 0', 'start 3']);
  assert.ok(at('start 4') < at('end 0'), events.join(', '));
  await assert.rejects(schedule(2, { jobs: 2, cores: 2, strategyThreads: 1 }, async () => 0, undefined, [1, undefined]), /can only wait for an earlier one/);
});

test('a dependency that fails starts none of the tasks waiting for it', async () => {
  const started: number[] = [];
  const boom = new EngineError(ERROR_CODES.RUNTIME, 'boom');
  const run = schedule(3, { jobs: 2, cores: 2, strategyThreads: 1 }, async (k) => {
    started.push(k);
    await tick(2);
    if (k === 0) throw boom;
    return k;
  }, undefined, [undefined, 0, 0]);
  await assert.rejects(run, (e) => e === boom);
  assert.deepEqual(started, [0]);
});
