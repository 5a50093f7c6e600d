/**
 * Extraction of a whole corpus: walk the inputs (main thread, stat only), group tasks into
 * batches, parse and extract on worker threads (`ExtractionPool`), merge in task order, and keep
 * the counts the summary shows (files seen / parsed / skipped and why, samples per language,
 * methods dropped for syntax errors or missing bodies).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  corpusCacheName,
  corpusCachePath,
  corpusKey as corpusKey_,
  fingerprintOf,
  loadCorpusSnapshot,
  saveCorpusSnapshot,
  type SourceFingerprint,
  type SourceRecord,
} from '../cache/corpus-cache';
import { expandWalk, walkCorpus } from '../corpus/walk';
import { resolveCorpusOptions } from '../corpus/options';
import type { CorpusItem, CorpusOptions, CorpusTask, SkipRecord, WalkEntry } from '../corpus/types';
import { batchLanguage, SampleColumnsBuilder, type SampleColumns } from '../dataset/columns';
import { EngineError, ERROR_CODES } from '../errors';
import { BACKEND_CHOICES, DEFAULT_EXTRACT_SETTINGS, type BackendChoice, type BackendKind, type ExtractSettings } from '../parse/extract';
import { LANGUAGE_IDS, type ExtractedSample, type LanguageId, type StringTables } from '../parse/sample';
import { VERSION } from '../version';
import { ExtractionPool } from './pool';

export interface ExtractCorpusOptions {
  /** Folders, files, JSONL files and zip archives. */
  inputs: readonly string[];
  cwd?: string;
  corpus?: CorpusOptions;
  settings?: Partial<ExtractSettings>;
  /** Worker threads (default: available cores, at most 8). */
  workers?: number;
  backend?: BackendChoice;
  signal?: AbortSignal;
  /** Folder of the corpus cache; no caching when undefined. */
  cacheDir?: string;
  /** Receives cache events worth a log line (a corrupt cache file ignored, a failed write). */
  log?: (message: string) => void;
  onProgress?: (p: ExtractionProgress) => void;
  /** How often progress is reported, in ms (default 200). */
  progressIntervalMs?: number;
  /**
   * Bench only: the workers parse every source and drop the tree, extracting nothing (no
   * samples, no cache): what the pipeline costs around the extraction.
   */
  parseOnly?: boolean;
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

/** Batches close at this many source bytes or tasks, whichever comes first. */
const BATCH_BYTES = 256 * 1024;
const BATCH_TASKS = 64;

function taskBytes(t: CorpusTask): number {
  if (t.kind === 'file') return t.size;
  if (t.kind === 'zip-entry') return t.entry.size;
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

/** How the corpus cache was used. */
export type CacheUse = 'off' | 'hit' | 'partial' | 'miss';

export interface CorpusExtraction {
  columns: SampleColumns;
  tables: StringTables;
  stats: ExtractionStats;
  /** The parser that extracted the corpus (`fromCache`: in an earlier invocation, loaded now from the cache). */
  parser: { backend: BackendKind; fallbackReason?: string; fromCache?: boolean };
  workers: number;
  elapsedMs: number;
  /** Total time the workers spent busy (ms); with `elapsedMs`, the parallel efficiency. */
  workerBusyMs: number;
  cache: { use: CacheUse; file?: string; reusedSources: number; parsedSources: number };
  /** Identifies the corpus content and settings (the dataset cache keys on it). */
  corpusKey: string;
}

/** Per-source counters kept in the cache so a partial hit can report complete statistics. */
interface SourceCounters {
  samples: number;
  methodsWithErrors: number;
  bodiless: number;
  withSyntaxErrors: number;
  parsed: number;
  bytes: number;
}

function emptyStats(): ExtractionStats {
  return {
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
}

function sourceKeyOf(root: number, file: string): string {
  return `${root}\u0000${file}`;
}

/**
 * Extracts every method of the corpus into columns, reusing the on-disk cache when `cacheDir` is
 * given: an unchanged corpus is loaded without parsing anything, and when some sources changed
 * only those are parsed. Throws `E_EMPTY_CORPUS` when no sample results, with a message that
 * says what was looked at and what was skipped.
 */
export async function extractCorpus(opts: ExtractCorpusOptions): Promise<CorpusExtraction> {
  const t0 = performance.now();
  const settings: ExtractSettings = { ...DEFAULT_EXTRACT_SETTINGS, ...opts.settings };
  const workers = opts.workers ?? defaultWorkerCount();
  const cwd = opts.cwd ?? process.cwd();
  const corpusOptions = resolveCorpusOptions(opts.corpus ?? {});
  const log = opts.log ?? (() => {});
  const stats = emptyStats();
  const examplesPerReason = new Map<string, number>();
  const recordSkip = (s: { path: string; reason: string; detail?: string }) => {
    stats.skipped[s.reason] = (stats.skipped[s.reason] ?? 0) + 1;
    if (!EXCLUSIONS.has(s.reason)) stats.seen++;
    const n = examplesPerReason.get(s.reason) ?? 0;
    if (n < SKIP_EXAMPLES_PER_REASON) {
      examplesPerReason.set(s.reason, n + 1);
      stats.skipExamples.push(s as SkipRecord);
    }
  };

  const name = corpusCacheName({
    inputs: opts.inputs.map((i) => path.resolve(cwd, i)),
    corpusOptions: { ...corpusOptions, extensionMap: [...corpusOptions.extensionMap.entries()].sort() },
    extractSettings: { ...settings, extractor: extractorFingerprint() },
    toolVersion: VERSION,
  });
  const cacheFile = opts.cacheDir && opts.parseOnly !== true ? corpusCachePath(opts.cacheDir, name) : undefined;
  const startPool = () =>
    ExtractionPool.start({
      workers,
      backend: opts.backend ?? envBackend() ?? 'auto',
      settings,
      maxFileBytes: corpusOptions.maxFileBytes,
      ...(opts.parseOnly ? { parseOnly: true } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  // Without a cache file nothing can be reused: the workers load their parsers while the walk
  // runs (on a small corpus, starting them after it cost a tenth of the time).
  const early = cacheFile === undefined || !fs.existsSync(cacheFile) ? startPool() : undefined;
  // (Awaited below; a failure to start is reported there, not as an unhandled rejection now.)
  early?.catch(() => undefined);

  // 1. Walk (stat only) and fingerprint every source. Without a cache file to reuse, the walk
  // feeds the workers as it goes (step 3), so that parsing starts with the first files found;
  // else it is walked whole first, for the cache key.
  const entries: WalkEntry[] = [];
  const walked = async function* () {
    for await (const e of walkCorpus(opts.inputs, corpusOptions, cwd)) {
      if (opts.signal?.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'extraction cancelled');
      entries.push(e);
      yield e;
    }
  };
  const keyOf = () => corpusKey_(name, entries.filter((e): e is Exclude<WalkEntry, { kind: 'skip' }> => e.kind !== 'skip').map(fingerprintOf));
  let snapshot: Awaited<ReturnType<typeof loadCorpusSnapshot>>;
  if (early === undefined) {
    for await (const _ of walked());
    // 2. The cache: a full hit returns at once.
    snapshot = await loadCorpusSnapshot(cacheFile!, log);
    const corpusKey = keyOf();
    if (snapshot && snapshot.key === corpusKey && isCacheMeta(snapshot.meta)) {
      return {
        columns: snapshot.columns,
        tables: snapshot.tables,
        stats: snapshot.meta.stats,
        parser: { ...snapshot.meta.parser, fromCache: true },
        workers: 0,
        elapsedMs: performance.now() - t0,
        workerBusyMs: 0,
        cache: { use: 'hit', file: cacheFile!, reusedSources: snapshot.sources.length, parsedSources: 0 },
        corpusKey,
      };
    }
  }

  // 3. Reuse unchanged sources, parse the rest on the workers.
  const starting = early ?? startPool();
  // (Reusing cached samples interns them into the pool's tables: the pool comes first then.)
  let pool = early === undefined ? await starting : undefined;
  const builder = new SampleColumnsBuilder();
  const records: SourceRecord[] = [];
  const counters = new Map<string, { fp: SourceFingerprint; c: SourceCounters }>();
  const addSample = (s: ExtractedSample) => {
    stats.samplesByLanguage[s.language]++;
    builder.add(s);
  };
  let reusedSources = 0;
  /** Records a walk entry; true when it is to be parsed. */
  const toParse = (e: WalkEntry): boolean => {
    if (e.kind === 'skip') {
      recordSkip(e);
      return false;
    }
    const fp = fingerprintOf(e);
    const hit = snapshot?.lookup(fp);
    const cached = hit ? snapshot!.samplesOf(fp, pool!.tables) : undefined;
    if (hit && cached) {
      reusedSources++;
      const c = hit.counters as Partial<SourceCounters> | undefined;
      stats.seen += c?.parsed ?? 1;
      stats.parsed += c?.parsed ?? 1;
      stats.withSyntaxErrors += c?.withSyntaxErrors ?? 0;
      stats.methodsWithErrors += c?.methodsWithErrors ?? 0;
      stats.bodiless += c?.bodiless ?? 0;
      stats.bytes += c?.bytes ?? 0;
      for (const s of cached) addSample(s);
      records.push({ ...fp, ...(hit.counters ? { counters: hit.counters } : {}) });
      return false;
    }
    counters.set(sourceKeyOf(fp.root, fp.file), {
      fp,
      c: { samples: 0, methodsWithErrors: 0, bodiless: 0, withSyntaxErrors: 0, parsed: 0, bytes: 0 },
    });
    return true;
  };
  const sourcesToParse =
    early === undefined
      ? entries.filter(toParse)
      : (async function* () {
          for await (const e of walked()) if (toParse(e)) yield e;
        })();

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
    opts.onProgress({ done, found, walkDone, samples: builder.count, bytes: stats.bytes, elapsedMs: now - t0 });
  };
  const items = expandWalk(sourcesToParse, corpusOptions);
  const source = (async function* () {
    yield* batches(items, recordSkip, () => found++);
    walkDone = true;
  })();
  // The walk makes the first batch while the workers load their parsers (handled in `run`).
  const first = source.next();
  first.catch(() => undefined);
  pool ??= await starting;
  let complete = false;
  try {
    for await (const { tasks, outcomes, samples } of pool.run(resumed(first, source))) {
      for (let i = 0; i < tasks.length; i++) {
        const task = tasks[i]!;
        const outcome = outcomes[i]!;
        done++;
        if (outcome.ok) {
          stats.seen++;
          stats.parsed++;
          stats.bytes += outcome.bytes;
          if (outcome.hadSyntaxErrors) stats.withSyntaxErrors++;
          stats.methodsWithErrors += outcome.methodsWithErrors;
          stats.bodiless += outcome.bodiless;
          const o = task.kind === 'unit' ? task.unit.origin : task.origin;
          const entry = counters.get(sourceKeyOf(o.root, o.file));
          if (entry) {
            const c = entry.c;
            c.parsed++;
            c.samples += outcome.samples;
            c.methodsWithErrors += outcome.methodsWithErrors;
            c.bodiless += outcome.bodiless;
            c.withSyntaxErrors += outcome.hadSyntaxErrors ? 1 : 0;
            c.bytes += outcome.bytes;
          }
        } else {
          recordSkip({ path: describeTask(task), reason: outcome.reason, detail: outcome.detail });
        }
      }
      for (let i = 0; i < samples.count; i++) stats.samplesByLanguage[LANGUAGE_IDS[batchLanguage(samples, i)]!]++;
      builder.addBatch(samples);
      progress(false);
    }
    walkDone = true;
    progress(true);
    complete = true;
  } finally {
    // After a complete run the workers are idle: asked to stop now, they exit by themselves
    // (a thread's teardown takes 20-30 ms) while the results are assembled. A cancelled or failed
    // run waits for them, so that nothing of it is left running when the error reaches the caller.
    const closing = pool.close();
    if (!complete) await closing;
  }
  if (builder.count === 0 && opts.parseOnly !== true) throw emptyCorpusError(opts.inputs, stats);
  // Only sources that parsed go into the cache, so that a skipped file is reported again next time.
  for (const { fp, c } of counters.values()) if (c.parsed > 0) records.push({ ...fp, counters: { ...c } });
  const columns = builder.build();
  const corpusKey = keyOf();
  let use: CacheUse = 'off';
  if (cacheFile) {
    use = reusedSources > 0 ? 'partial' : 'miss';
    await saveCorpusSnapshot(cacheFile, { key: corpusKey, columns, tables: pool.tables, sources: records, meta: { stats, parser: pool.parser } satisfies CacheMeta }, log);
  }
  return {
    columns,
    tables: pool.tables,
    stats,
    parser: pool.parser,
    workers,
    elapsedMs: performance.now() - t0,
    workerBusyMs: pool.workerBusyMs,
    cache: { use, ...(cacheFile ? { file: cacheFile } : {}), reusedSources, parsedSources: counters.size },
    corpusKey,
  };
}

/** The rest of an iteration whose first `next()` was called already. */
async function* resumed<T>(first: Promise<IteratorResult<T>>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  for (let r = await first; r.done !== true; r = await rest.next()) yield r.value;
}

let extractorHash: string | undefined;

/**
 * A hash of the extractor's compiled code and queries. It is part of the cache name, so a
 * changed extractor (a fixed query, a new token rule) never serves samples of the old one, with
 * no version number to remember to bump.
 */
export function extractorFingerprint(): string {
  if (extractorHash) return extractorHash;
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js') || e.name.endsWith('.scm')) h.update(e.name).update(fs.readFileSync(p));
    }
  };
  walk(path.join(__dirname, '..', 'parse'));
  extractorHash = h.digest('hex').slice(0, 16);
  return extractorHash;
}

/** What the corpus cache keeps besides the samples, to report a cache hit like the original extraction. */
interface CacheMeta {
  stats: ExtractionStats;
  parser: { backend: BackendKind; fallbackReason?: string };
}

function isCacheMeta(meta: unknown): meta is CacheMeta {
  const m = meta as Partial<CacheMeta> | null;
  return typeof m === 'object' && m !== null && typeof m.stats === 'object' && m.stats !== null && 'samplesByLanguage' in m.stats && typeof m.parser?.backend === 'string';
}

function envBackend(): BackendChoice | undefined {
  const v = process.env['MEMAUDIT_PARSER'];
  return (BACKEND_CHOICES as readonly (string | undefined)[]).includes(v) ? (v as BackendChoice) : undefined;
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
