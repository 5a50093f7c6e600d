/**
 * Run worker thread: trains runs of the audit's grid that `RunWorkers` (audit/run-workers.ts)
 * sends it, one at a time. onnxruntime-node runs a session on the thread that calls it, so runs
 * side by side need threads of their own to use more than one core. The worker rebuilds the
 * audit's inputs from the cache on start (the same corpus, dataset and settings: the same
 * numbers), then trains each run exactly as the audit's own thread would, and posts back its
 * progress, its log lines and its outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEngineError } from '../errors';
import { trainGridRun } from './grid-run';
import { workerInputs } from './run-audit';
import type { FromRunWorker, RunWorkerData, ToRunWorker } from './run-workers';

if (!parentPort) throw new Error('audit/run-worker.js must run as a worker thread');
const port = parentPort;
const data = workerData as RunWorkerData;
const post = (m: FromRunWorker): void => port.postMessage(m);

/** Stops the run in progress (it leaves its checkpoint); the audit ends after a cancel. */
const cancel = new AbortController();
const inputs = workerInputs({ config: data.config, cwd: data.cwd, signal: cancel.signal, log: (message) => post({ type: 'log', message }) }, data.folderId);
// Awaited by the first run; reported through it, not as an unhandled rejection.
inputs.catch(() => undefined);

port.on('message', (m: ToRunWorker) => {
  if (m.type === 'cancel') cancel.abort();
  else void train(m);
});

async function train(m: Extract<ToRunWorker, { type: 'run' }>): Promise<void> {
  try {
    const a = await inputs;
    const result = await trainGridRun({ ...a, runtime: m.runtime, signal: cancel.signal }, m.run, (progress) => post({ type: 'progress', progress }));
    post({ type: 'done', result });
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    post({ type: 'failed', error: { message: error.message, ...(isEngineError(e) ? { code: e.code, ...(e.details ? { details: { ...e.details } } : {}) } : {}), ...(error.stack ? { stack: error.stack } : {}) } });
  }
}
