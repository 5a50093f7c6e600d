/**
 * The run scheduler's worker threads (audit/run-worker.ts): one per run side by side. A run sent
 * to a worker trains there with the threads the scheduler gave it; its progress and log lines
 * come back as they happen, its outcome (plain data: reports, signal arrays) when it is done.
 * Cancelling a run's signal cancels it in its worker, which leaves its checkpoint as the audit's
 * own thread would.
 */
import { Worker } from 'node:worker_threads';
import { runWorkerScript } from '../assets';
import { EngineError, ERROR_CODES, type ErrorCode } from '../errors';
import type { AuditConfig } from './config';
import type { PlannedRun } from './plan';
import type { GridRun } from './grid-run';
import type { RunProgress } from './run-one';
import type { RunThreads } from './scheduler';

/** What a worker is started with: enough to rebuild the audit's inputs from the cache. */
export interface RunWorkerData {
  config: AuditConfig;
  cwd: string;
  /** The audit folder's id (the audit holds its lock). */
  folderId: string;
}

export type ToRunWorker = { type: 'run'; run: PlannedRun; runtime: RunThreads } | { type: 'cancel' };

export type FromRunWorker =
  | { type: 'progress'; progress: RunProgress }
  | { type: 'log'; message: string }
  | { type: 'done'; result: GridRun }
  | { type: 'failed'; error: { message: string; code?: ErrorCode; details?: Record<string, unknown>; stack?: string } };

export class RunWorkers {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];

  constructor(
    private readonly data: RunWorkerData,
    private readonly log: (message: string) => void,
  ) {}

  /** Trains `run` in an idle worker (a new one when none is idle). */
  async run(run: PlannedRun, runtime: RunThreads, signal: AbortSignal, onProgress: (p: RunProgress) => void): Promise<GridRun> {
    const worker = this.idle.pop() ?? this.spawn();
    const { result, alive } = await this.exchange(worker, run, runtime, signal, onProgress);
    if (alive) this.idle.push(worker);
    return result();
  }

  /** Stops every worker (the runs are finished or stopped by then). */
  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const w = new Worker(runWorkerScript(), { workerData: this.data });
    this.all.push(w);
    return w;
  }

  /** Sends `run` to `worker` and waits for its end; `result` returns the outcome or throws the failure. */
  private exchange(worker: Worker, run: PlannedRun, runtime: RunThreads, signal: AbortSignal, onProgress: (p: RunProgress) => void): Promise<{ result: () => GridRun; alive: boolean }> {
    return new Promise((resolve) => {
      const onAbort = (): void => worker.postMessage({ type: 'cancel' } satisfies ToRunWorker);
      const finish = (result: () => GridRun, alive: boolean): void => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
        resolve({ result, alive });
      };
      const onMessage = (m: FromRunWorker): void => {
        if (m.type === 'progress') onProgress(m.progress);
        else if (m.type === 'log') this.log(m.message);
        else if (m.type === 'done') finish(() => m.result, true);
        else finish(() => { throw workerError(m.error); }, true);
      };
      const onError = (e: Error): void => finish(() => { throw new EngineError(ERROR_CODES.INTERNAL, `the worker thread training ${run.id} failed: ${e.message}`, { run: run.id }, { cause: e }); }, false);
      const onExit = (code: number): void => finish(() => { throw new EngineError(ERROR_CODES.INTERNAL, `the worker thread training ${run.id} stopped (exit code ${code})`, { run: run.id }); }, false);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
      worker.postMessage({ type: 'run', run, runtime } satisfies ToRunWorker);
    });
  }
}

/** The error a worker reported, as the audit's own thread would have thrown it. */
function workerError(e: Extract<FromRunWorker, { type: 'failed' }>['error']): Error {
  const error = e.code ? new EngineError(e.code, e.message, e.details) : new Error(e.message);
  if (e.stack) error.stack = e.stack;
  return error;
}
