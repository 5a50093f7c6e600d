/**
 * Runs extraction tasks on worker threads and merges their results on the main thread.
 *
 * Determinism: batches are numbered in task order and merged strictly in that order (results
 * that arrive early wait in a small buffer). Each worker handles its batches in arrival order,
 * so the strings a batch interns for the first time are interned globally in the same order
 * whatever the number of workers or their timing; samples, ids and string tables are identical
 * with 1 or N workers.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../assets';
import type { CorpusTask } from '../corpus/types';
import type { SampleBatch } from '../dataset/columns';
import { EngineError, ERROR_CODES } from '../errors';
import type { BackendChoice, BackendKind, ExtractSettings } from '../parse/extract';
import { StringTable, type StringTables } from '../parse/sample';
import type { BatchResultMessage, FromWorker, TaskOutcome, ToWorker } from './messages';

export interface PoolOptions {
  workers: number;
  backend: BackendChoice;
  settings: ExtractSettings;
  maxFileBytes: number;
  signal?: AbortSignal;
  /** Bench only: the workers parse each source and drop the tree, extracting nothing (see `InitMessage`). */
  parseOnly?: boolean;
}

/** A merged batch: its tasks, their outcomes and their samples, ids mapped onto the pool's global tables. */
export interface MergedBatch {
  tasks: CorpusTask[];
  outcomes: TaskOutcome[];
  samples: SampleBatch;
}

interface WorkerSlot {
  worker: Worker;
  /** Worker-local token id → global id. */
  tokenMap: number[];
  pathMap: number[];
  inFlight: number;
  backend?: BackendKind;
  fallbackReason?: string;
}

/** Batches in flight per worker: one being worked on, one queued so a worker never idles. */
const IN_FLIGHT_PER_WORKER = 2;

export class ExtractionPool {
  readonly tables: StringTables = { tokens: new StringTable(), paths: new StringTable() };
  private slots: WorkerSlot[] = [];
  private nextBatch = 0;
  private nextToMerge = 0;
  private readonly pendingResults = new Map<number, { slot: WorkerSlot; msg: BatchResultMessage }>();
  private readonly batchTasks = new Map<number, CorpusTask[]>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  /** Sum over workers of their busy time (ms), for the bench's utilisation figures. */
  workerBusyMs = 0;

  private constructor(private readonly options: PoolOptions) {}

  /** Starts the workers and waits until each has loaded its parser. */
  static async start(options: PoolOptions): Promise<ExtractionPool> {
    const pool = new ExtractionPool(options);
    await pool.spawn();
    return pool;
  }

  /** Backend used by the workers and why a faster one was not, if it was not. */
  get parser(): { backend: BackendKind; fallbackReason?: string } {
    const s = this.slots[0]!;
    return { backend: s.backend!, ...(s.fallbackReason ? { fallbackReason: s.fallbackReason } : {}) };
  }

  private async spawn(): Promise<void> {
    const n = Math.max(1, Math.floor(this.options.workers));
    const script = workerScript();
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const worker = new Worker(script);
      const slot: WorkerSlot = { worker, tokenMap: [], pathMap: [], inFlight: 0 };
      this.slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (msg: FromWorker) => {
            if (msg.type === 'ready') {
              slot.backend = msg.backend;
              if (msg.fallbackReason) slot.fallbackReason = msg.fallbackReason;
              resolve();
            } else if (msg.type === 'fatal') {
              const err = new EngineError(msg.code as typeof ERROR_CODES.PARSER_UNAVAILABLE, msg.message);
              this.fail(err);
              reject(err);
            } else {
              slot.inFlight--;
              this.workerBusyMs += msg.busyMs;
              this.pendingResults.set(msg.batch, { slot, msg });
              this.poke();
            }
          });
          worker.on('error', (e) => {
            const err = new EngineError(ERROR_CODES.INTERNAL, `extraction worker crashed: ${e.message}`, undefined, { cause: e });
            this.fail(err);
            reject(err);
          });
          worker.on('exit', (code) => {
            if (code !== 0 && !this.closed) {
              const err = new EngineError(ERROR_CODES.INTERNAL, `extraction worker exited with code ${code}`);
              this.fail(err);
              reject(err);
            }
          });
        }),
      );
      const init: ToWorker = {
        type: 'init',
        backend: this.options.backend,
        settings: this.options.settings,
        maxFileBytes: this.options.maxFileBytes,
        parseOnly: this.options.parseOnly === true,
      };
      worker.postMessage(init);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  private closed = false;

  private fail(e: Error): void {
    this.failure ??= e;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private waitForEvent(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private checkAlive(): void {
    if (this.options.signal?.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'extraction cancelled');
    if (this.failure) throw this.failure;
  }

  /**
   * Sends batches of tasks to the workers and yields every batch's outcomes, in task order.
   * `batches` should group small tasks so that messaging costs little next to parsing.
   */
  async *run(batches: AsyncIterable<CorpusTask[]> | Iterable<CorpusTask[]>): AsyncGenerator<MergedBatch> {
    const onAbort = () => this.poke();
    this.options.signal?.addEventListener('abort', onAbort);
    try {
      const source = (batches as AsyncIterable<CorpusTask[]>)[Symbol.asyncIterator]
        ? (batches as AsyncIterable<CorpusTask[]>)[Symbol.asyncIterator]()
        : toAsync((batches as Iterable<CorpusTask[]>)[Symbol.iterator]());
      let exhausted = false;
      for (;;) {
        this.checkAlive();
        // Fill every worker up to its in-flight limit.
        while (!exhausted) {
          const slot = this.leastLoaded();
          if (slot.inFlight >= IN_FLIGHT_PER_WORKER) break;
          const next = await source.next();
          this.checkAlive();
          if (next.done) {
            exhausted = true;
            break;
          }
          if (next.value.length === 0) continue;
          const batch = this.nextBatch++;
          this.batchTasks.set(batch, next.value);
          slot.inFlight++;
          const msg: ToWorker = { type: 'batch', batch, tasks: next.value };
          slot.worker.postMessage(msg);
        }
        // Merge whatever is next in order.
        let merged = false;
        for (let r = this.pendingResults.get(this.nextToMerge); r; r = this.pendingResults.get(this.nextToMerge)) {
          this.pendingResults.delete(this.nextToMerge);
          const tasks = this.batchTasks.get(this.nextToMerge)!;
          this.batchTasks.delete(this.nextToMerge);
          this.nextToMerge++;
          merged = true;
          yield this.merge(r.slot, r.msg, tasks);
        }
        if (exhausted && this.nextToMerge === this.nextBatch) return;
        if (!merged) await this.waitForEvent();
      }
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private leastLoaded(): WorkerSlot {
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.inFlight < best.inFlight) best = s;
    return best;
  }

  private merge(slot: WorkerSlot, msg: BatchResultMessage, tasks: CorpusTask[]): MergedBatch {
    for (const s of msg.newTokens) slot.tokenMap.push(this.tables.tokens.id(s));
    for (const s of msg.newPaths) slot.pathMap.push(this.tables.paths.id(s));
    const tokenMap = slot.tokenMap;
    const pathMap = slot.pathMap;
    const body = msg.samples.bodyTokens;
    for (let k = 0; k < body.length; k++) body[k] = tokenMap[body[k]!]!;
    const ctx = msg.samples.contexts;
    for (let k = 0; k + 2 < ctx.length; k += 3) {
      ctx[k] = tokenMap[ctx[k]!]!;
      ctx[k + 1] = pathMap[ctx[k + 1]!]!;
      ctx[k + 2] = tokenMap[ctx[k + 2]!]!;
    }
    return { tasks, outcomes: msg.outcomes, samples: msg.samples };
  }

  /**
   * Stops the workers: each is asked to stop after its task in progress and exits by itself;
   * only one that has not exited after `graceMs` is terminated. Safe to call more than once.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            let done = false;
            const finish = () => {
              if (done) return;
              done = true;
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(() => void s.worker.terminate().then(finish, finish), graceMs);
            s.worker.once('exit', finish);
            try {
              s.worker.postMessage({ type: 'stop' } satisfies ToWorker);
            } catch {
              finish();
            }
          }),
      ),
    );
  }
}

async function* toAsync<T>(it: Iterator<T>): AsyncGenerator<T> {
  for (let r = it.next(); !r.done; r = it.next()) yield r.value;
}
