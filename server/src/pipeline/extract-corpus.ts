/**
 * Extraction of a whole corpus: walk the inputs (main thread, stat only), group tasks into
 * batches, parse and extract on worker threads (`ExtractionPool`), merge in task order, and keep
 * the counts the summary shows (files seen / parsed / skipped and why, samples per language,
 * methods dropped for syntax errors or missing bodies).
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { corpusTasks } from '../corpus/walk';
import type { CorpusItem, CorpusOptions, CorpusTask, SkipRecord } from '../corpus/types';
import { DEFAULT_MAX_FILE_BYTES } from '../corpus/options';
import { EngineError, ERROR_CODES } from '../errors';
import { DEFAULT_EXTRACT_SETTINGS, type ExtractSettings } from '../parse/extract';
import { LANGUAGE_IDS, type ExtractedSample, type LanguageId, type StringTables } from '../parse/sample';
import { ExtractionPool } from './pool';

export interface ExtractCorpusOptions {
  /** Folders, files, JSONL files and zip archives. */
  inputs: readonly string[];
  cwd?: string;
  corpus?: CorpusOptions;
  settings?: Partial<ExtractSettings>;
  /** Worker threads (default: available cores, at most 8). */
  workers?: number;
  backend?: 'auto' | 'native' | 'wasm';
  signal?: AbortSignal;
  onProgress?: (p: ExtractionProgress) => void;
  /** How often progress is reported, in ms (default 200). */
  progressIntervalMs?: number;
}

export interface ExtractionProgress {
  /** Files (and JSONL records, archive entries) handled so far. */
  done: number;
  /** Tasks found so far; final once `walkDone`. */
  found: number;
  walkDone: boolean;
  samples: number;
  bytes: number;
  elapsedMs: number;
}

/** How many examples of each skip reason the summary keeps (the counts are always complete). */
const SKIP_EXAMPLES_PER_REASON = 20;

export interface ExtractionStats {
  /** Source units seen: files, JSONL records and archive entries, parsed or not (ignored and excluded ones not included). */
  seen: number;
  /** Units parsed. */
  parsed: number;
  /** Parsed units with at least one syntax error (their error-free methods are kept). */
  withSyntaxErrors: number;
  /** Skip counts by reason. */
  skipped: Record<string, number>;
  /** Some examples of each skip reason. */
  skipExamples: SkipRecord[];
  /** Samples per language. */
  samplesByLanguage: Record<LanguageId, number>;
  /** Methods left out because their own subtree has a syntax error. */
  methodsWithErrors: number;
  /** Methods left out because they have no body (abstract, interface, native). */
  bodiless: number;
  /** UTF-8 bytes of source parsed. */
  bytes: number;
}

export interface ExtractionResult {
  samples: ExtractedSample[];
  tables: StringTables;
  stats: ExtractionStats;
  parser: { backend: 'native' | 'wasm'; fallbackReason?: string };
  workers: number;
  elapsedMs: number;
  /** Total time the workers spent busy (ms); with `elapsedMs`, the parallel efficiency. */
  workerBusyMs: number;
}

/** Batches close at this many source bytes or tasks, whichever comes first. */
const BATCH_BYTES = 256 * 1024;
const BATCH_TASKS = 64;

function taskBytes(t: CorpusTask): number {
  if (t.kind === 'file') return t.size;
  if (t.kind === 'bytes') return t.bytes.byteLength;
  return t.unit.text.length;
}

/** Groups tasks into batches, diverting skip records to `onSkip`. */
async function* batches(items: AsyncIterable<CorpusItem>, onSkip: (s: SkipRecord) => void, onTask: () => void): AsyncGenerator<CorpusTask[]> {
  let batch: CorpusTask[] = [];
  let bytes = 0;
  for await (const item of items) {
    if (item.kind === 'skip') {
      onSkip(item);
      continue;
    }
    onTask();
    batch.push(item);
    bytes += taskBytes(item);
    if (bytes >= BATCH_BYTES || batch.length >= BATCH_TASKS) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Skip reasons that describe deliberate exclusions, not problems; they do not count as "seen". */
const EXCLUSIONS = new Set(['ignored', 'excluded-dir']);

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/**
 * Extracts every method of the corpus. Throws `E_EMPTY_CORPUS` when no sample results, with a
 * message that says what was looked at and what was skipped.
 */
export async function extractCorpus(opts: ExtractCorpusOptions): Promise<ExtractionResult> {
  const t0 = performance.now();
  const settings: ExtractSettings = { ...DEFAULT_EXTRACT_SETTINGS, ...opts.settings };
  const workers = opts.workers ?? defaultWorkerCount();
  const stats: ExtractionStats = {
    seen: 0,
    parsed: 0,
    withSyntaxErrors: 0,
    skipped: {},
    skipExamples: [],
    samplesByLanguage: Object.fromEntries(LANGUAGE_IDS.map((l) => [l, 0])) as Record<LanguageId, number>,
    methodsWithErrors: 0,
    bodiless: 0,
    bytes: 0,
  };
  const examplesPerReason = new Map<string, number>();
  const recordSkip = (s: SkipRecord | { path: string; reason: string; detail?: string }) => {
    stats.skipped[s.reason] = (stats.skipped[s.reason] ?? 0) + 1;
    if (!EXCLUSIONS.has(s.reason)) stats.seen++;
    const n = examplesPerReason.get(s.reason) ?? 0;
    if (n < SKIP_EXAMPLES_PER_REASON) {
      examplesPerReason.set(s.reason, n + 1);
      stats.skipExamples.push(s as SkipRecord);
    }
  };

  const pool = await ExtractionPool.start({
    workers,
    backend: opts.backend ?? envBackend() ?? 'auto',
    settings,
    maxFileBytes: opts.corpus?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const samples: ExtractedSample[] = [];
  let found = 0;
  let walkDone = false;
  let done = 0;
  const interval = opts.progressIntervalMs ?? 200;
  let lastProgress = 0;
  const progress = (force: boolean) => {
    if (!opts.onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < interval) return;
    lastProgress = now;
    opts.onProgress({ done, found, walkDone, samples: samples.length, bytes: stats.bytes, elapsedMs: now - t0 });
  };
  try {
    const items = corpusTasks(opts.inputs, opts.corpus ?? {}, opts.cwd ?? process.cwd());
    const source = (async function* () {
      yield* batches(items, recordSkip, () => found++);
      walkDone = true;
    })();
    for await (const { task, outcome } of pool.run(source)) {
      done++;
      if (outcome.ok) {
        stats.seen++;
        stats.parsed++;
        stats.bytes += outcome.bytes;
        if (outcome.hadSyntaxErrors) stats.withSyntaxErrors++;
        stats.methodsWithErrors += outcome.methodsWithErrors;
        stats.bodiless += outcome.bodiless;
        for (const s of outcome.samples) {
          stats.samplesByLanguage[s.language]++;
          samples.push(s);
        }
      } else {
        recordSkip({ path: describeTask(task), reason: outcome.reason, detail: outcome.detail });
      }
      progress(false);
    }
    walkDone = true;
    progress(true);
  } finally {
    await pool.close();
  }
  const elapsedMs = performance.now() - t0;
  if (samples.length === 0) throw emptyCorpusError(opts.inputs, stats);
  return { samples, tables: pool.tables, stats, parser: pool.parser, workers, elapsedMs, workerBusyMs: pool.workerBusyMs };
}

function envBackend(): 'auto' | 'native' | 'wasm' | undefined {
  const v = process.env['MEMAUDIT_PARSER'];
  return v === 'native' || v === 'wasm' || v === 'auto' ? v : undefined;
}

/** A task's location as the user would recognise it. */
export function describeTask(task: CorpusTask): string {
  const o = task.kind === 'unit' ? task.unit.origin : task.origin;
  if (o.jsonlLine !== undefined) return `${o.file}:${o.jsonlLine}`;
  if (o.archiveEntry !== undefined) return `${o.file}!${o.archiveEntry}`;
  return task.kind === 'file' ? task.absPath : o.file;
}

function emptyCorpusError(inputs: readonly string[], stats: ExtractionStats): EngineError {
  const skipped = Object.entries(stats.skipped)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  const what = inputs.length === 0 ? 'no inputs' : inputs.join(', ');
  const lines = [
    `No methods found in ${what}.`,
    `Looked at ${stats.seen} source file(s) or record(s); parsed ${stats.parsed}` + (skipped ? `; skipped: ${skipped}.` : '.'),
  ];
  if (stats.bodiless + stats.methodsWithErrors > 0) {
    lines.push(`${stats.bodiless} method(s) had no body and ${stats.methodsWithErrors} had syntax errors.`);
  }
  lines.push(
    'memaudit reads Java (.java), Python (.py) and Ruby (.rb) files, CodeSearchNet-style JSONL files and zip archives of sources. ' +
      'Point it at a folder or file that contains such code, or use --lang to force a language for files with other extensions.',
  );
  return new EngineError(ERROR_CODES.EMPTY_CORPUS, lines.join('\n'), { stats });
}
