/**
 * The run scheduler: the audit's training runs placed on the machine's cores, several side by
 * side, each in a worker thread of its own (audit/run-workers.ts). Not in one thread: onnxruntime-
 * node 1.30 runs a session synchronously on the thread that calls it (its `run` is a setImmediate
 * around the native call), so runs interleaved in one thread never overlap (measured with
 * `npm run bench -- audit-jobs`: the Node thread was busy 88% of a sequential audit).
 *
 * Results do not depend on the schedule: every run is seeded on its own (its noise, its
 * initialization, its batch order and dropout), shares nothing it mutates with the others, and
 * trains with the same embedding-gradient strategy as a sequential audit on this machine
 * (`strategyThreads`: the thread count a sequential run has). Where that strategy is the CPU's
 * 'scatter-add' (one thread per run: its kernel races with more), every run gets one thread.
 * Any other strategy computes the same numbers with any thread count.
 */
import { availableParallelism } from 'node:os';
import { EngineError, ERROR_CODES, isEngineError } from '../errors';

/** How many runs train at a time: a number, or 'auto' (the cores, at most 8). */
export type JobsSetting = number | 'auto';

/** What a scheduled run is given: its intra-op threads and the thread count its strategy is chosen for. */
export interface RunThreads {
  threads: number;
  strategyThreads: number;
}

/** The placement of an audit's runs. */
export interface SchedulePolicy {
  /** Runs at a time. */
  jobs: number;
  /** Cores the runs share. */
  cores: number;
  /** The threads of a run in a sequential audit: every run's strategy is chosen for this count. */
  strategyThreads: number;
}

/** Most runs side by side with `jobs: 'auto'`: past this, memory grows and the cores are full anyway. */
const MAX_AUTO_JOBS = 8;

/**
 * The policy for `jobs` on `cores` cores (default the machine's), for `runs` runs. A sequential
 * run has cores − 1 threads (one core stays for the Node thread), as the model's default.
 */
export function schedulePolicy(jobs: JobsSetting, runs: number, cores = availableParallelism()): SchedulePolicy {
  const c = Math.max(1, cores);
  const wanted = jobs === 'auto' ? Math.min(c, MAX_AUTO_JOBS) : jobs;
  return { jobs: Math.max(1, Math.min(wanted, runs)), cores: c, strategyThreads: Math.max(1, c - 1) };
}

/**
 * Threads of a run that starts now: the free cores shared among the runs that can start now, at
 * least one. One run at a time keeps the sequential count (cores − 1). With a 'scatter-add'
 * strategy (a sequential run has one thread), always one.
 */
export function threadsFor(p: SchedulePolicy, free: number, startable: number): number {
  if (p.strategyThreads === 1) return 1;
  if (p.jobs === 1) return p.strategyThreads;
  return Math.max(1, Math.floor(free / Math.max(1, startable)));
}

/**
 * Runs `count` tasks, at most `policy.jobs` at a time, in index order of start; resolves with
 * their results in index order. `after[k]`, when given, is a task that must have finished before
 * task k starts (an earlier one: `after[k] < k`, so there is no cycle); a task waiting for it lets
 * the later tasks that are free start first. When one fails, none starts after it and the running
 * ones are stopped through the signal they are given (they leave their checkpoints); it then
 * rejects with that failure (a real error wins over the cancellations it caused). Cancelling
 * `signal` stops every running task the same way.
 */
export async function schedule<R>(
  count: number,
  policy: SchedulePolicy,
  task: (index: number, threads: RunThreads, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
  after: readonly (number | undefined)[] = [],
): Promise<R[]> {
  after.forEach((d, k) => {
    if (d !== undefined && !(Number.isInteger(d) && d >= 0 && d < k)) throw new EngineError(ERROR_CODES.INTERNAL, `task ${k} waits for task ${d}: a task can only wait for an earlier one`);
  });
  const results: R[] = new Array<R>(count);
  const stop = new AbortController();
  const runSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const active = new Map<number, Promise<void>>();
  const finished = new Set<number>();
  const pending = Array.from({ length: count }, (_, k) => k);
  let failure: { error: unknown } | undefined;
  let free = policy.cores;
  const fail = (e: unknown): void => {
    if (!failure || (isCancel(failure.error) && !isCancel(e))) failure = { error: e };
    stop.abort();
  };
  const ready = (k: number): boolean => after[k] === undefined || finished.has(after[k]!);
  for (;;) {
    while (active.size < policy.jobs && !failure && !runSignal.aborted) {
      const at = pending.findIndex(ready);
      if (at < 0) break;
      const threads = threadsFor(policy, free, Math.min(policy.jobs - active.size, pending.length));
      const k = pending.splice(at, 1)[0]!;
      free -= threads;
      const settled = task(k, { threads, strategyThreads: policy.strategyThreads }, runSignal)
        .then((r) => {
          results[k] = r;
          finished.add(k);
        }, fail)
        .finally(() => {
          free += threads;
          active.delete(k);
        });
      active.set(k, settled);
    }
    if (active.size === 0) break;
    await Promise.race(active.values());
  }
  if (failure) throw failure.error;
  if (pending.length > 0) throw new EngineError(ERROR_CODES.CANCELLED, 'audit cancelled');
  return results;
}

function isCancel(e: unknown): boolean {
  return isEngineError(e) && e.code === ERROR_CODES.CANCELLED;
}
