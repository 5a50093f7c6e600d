/**
 * Extraction worker thread: reads and decodes source files (inflating zip entries), parses them
 * with tree-sitter and extracts samples. One parser per worker, created on `init`; batches are handled in arrival
 * order, which keeps the main thread's merge deterministic (see `pool.ts`).
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { readTaskSource } from '../corpus/decode';
import { closeZipArchives } from '../corpus/zip';
import type { CorpusTask } from '../corpus/types';
import { batchBuffers, SampleBatchBuilder } from '../dataset/columns';
import { isEngineError } from '../errors';
import { createExtractor, type ExtractSettings, type Extractor, type SourceUnit } from '../parse/extract';
import type { BatchMessage, FromWorker, TaskOutcome, ToWorker } from './messages';

if (!parentPort) throw new Error('pipeline/worker.js must run as a worker thread');
const port = parentPort;

let extractor: Extractor | undefined;
let settings: ExtractSettings | undefined;
let maxFileBytes = 0;
let parseOnly = false;
let sentTokens = 0;
let sentPaths = 0;
let queue: Promise<void> = Promise.resolve();
let stopping = false;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Turns a task into source text, or says why it has none. */
function unitOf(task: CorpusTask): SourceUnit | { reason: string; detail: string } {
  if (task.kind === 'unit') return task.unit;
  const decoded = readTaskSource(task, maxFileBytes);
  if ('skip' in decoded) return { reason: decoded.skip, detail: decoded.detail };
  return { origin: task.origin, language: task.language, text: decoded.text };
}

/** Runs one task; its samples go into `into`. */
function runTask(task: CorpusTask, into: SampleBatchBuilder): TaskOutcome {
  const unit = unitOf(task);
  if ('reason' in unit) return { ok: false, reason: unit.reason, detail: unit.detail };
  try {
    if (parseOnly) {
      extractor!.parseOnly(unit.text, unit.language);
      return { ok: true, samples: 0, methodsWithErrors: 0, bodiless: 0, hadSyntaxErrors: false, bytes: Buffer.byteLength(unit.text, 'utf8') };
    }
    const r = extractor!.extract(unit, settings!);
    for (const s of r.samples) into.add(s);
    return {
      ok: true,
      samples: r.samples.length,
      methodsWithErrors: r.methodsWithErrors,
      bodiless: r.bodiless,
      hadSyntaxErrors: r.hadSyntaxErrors,
      bytes: Buffer.byteLength(unit.text, 'utf8'),
    };
  } catch (e) {
    // A file that breaks the extractor must not stop the corpus: report it and go on.
    return { ok: false, reason: 'extract-failed', detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The `tree-sitter` binding's trees are freed by N-API finalizers, which run only when the event
 * loop turns after a garbage collection; V8 does not know how much native memory a tree holds,
 * so a worker parsing file after file without yielding piles up freed-but-unfinalized trees
 * (over 1 GiB on the JDK sources). Yielding every few tasks lets the finalizers run. The other
 * backends free each tree when the extractor is done with it, and yield once per batch: a turn
 * of the event loop cost ~0.3 ms, 3 % of a Python standard library run when taken every 4 files.
 */
const YIELD_EVERY_TASKS = 4;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function handleBatch(msg: BatchMessage): Promise<void> {
  const t0 = performance.now();
  const outcomes: TaskOutcome[] = [];
  const samples = new SampleBatchBuilder();
  for (let i = 0; i < msg.tasks.length; i++) {
    if (stopping) return;
    outcomes.push(runTask(msg.tasks[i]!, samples));
    if (extractor!.backend === 'native' && (i + 1) % YIELD_EVERY_TASKS === 0) await yieldToEventLoop();
  }
  if (stopping) return;
  const tables = extractor!.tables;
  const newTokens = tables.tokens.strings.slice(sentTokens);
  const newPaths = tables.paths.strings.slice(sentPaths);
  sentTokens = tables.tokens.size;
  sentPaths = tables.paths.size;
  const batch = samples.build();
  post({ type: 'result', batch: msg.batch, outcomes, samples: batch, newTokens, newPaths, busyMs: performance.now() - t0 }, batchBuffers(batch));
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') {
    // Finish the task in progress (the batch loop checks the flag), then let the thread end.
    stopping = true;
    void queue.then(() => {
      closeZipArchives();
      port.close();
    });
    return;
  }
  if (msg.type === 'init') {
    settings = msg.settings;
    maxFileBytes = msg.maxFileBytes;
    parseOnly = msg.parseOnly;
    createExtractor({ backend: msg.backend }).then(
      (ex) => {
        extractor = ex;
        post({ type: 'ready', backend: ex.backend, ...(ex.fallbackReason ? { fallbackReason: ex.fallbackReason } : {}) });
      },
      (e: unknown) => {
        post({
          type: 'fatal',
          code: isEngineError(e) ? e.code : 'E_PARSER_UNAVAILABLE',
          message: e instanceof Error ? e.message : String(e),
        });
      },
    );
    return;
  }
  // Batches are handled one after the other, in arrival order (the merge relies on it), even
  // though each one yields to the event loop while it runs.
  queue = queue.then(() => handleBatch(msg)).catch((e: unknown) => {
    post({ type: 'fatal', code: 'E_INTERNAL', message: `extraction worker failed: ${e instanceof Error ? e.message : String(e)}` });
  });
});
