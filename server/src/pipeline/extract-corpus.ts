/**
 * Extraction of a whole corpus: walk the inputs (main thread, stat only), reuse the sources the
 * corpus cache holds unchanged, group the other tasks into batches, parse and extract on worker
 * threads (`ExtractionPool`), merge in task order, and keep the counts the summary shows
 * (`ExtractionTally`).
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
} from '../cache/corpus-cache';
import { BUNDLED, engineAsset, workerScript } from '../assets';
import { expandWalk, walkCorpus } from '../corpus/walk';
import { resolveCorpusOptions } from '../corpus/options';
import type { CorpusItem, CorpusOptions, CorpusTask, ResolvedCorpusOptions, SkipRecord, WalkEntry } from '../corpus/types';
import type { SampleColumns } from '../dataset/columns';
import { EngineError, ERROR_CODES } from '../errors';
import { BACKEND_CHOICES, DEFAULT_EXTRACT_SETTINGS, type BackendChoice, type BackendKind, type ExtractSettings } from '../parse/extract';
import type { StringTables } from '../parse/sample';
import { VERSION } from '../version';
import { ExtractionTally, type ExtractionStats } from './extraction-tally';
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

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/**
 * The most parser workers an extraction starts: one per core. More only compete for the same
 * cores (each loads its own parsers and holds its own memory): `--workers 1000` on two cores ran
 * for minutes at a load of 170 before this bound.
 */
export function maxWorkerCount(): number {
  return Math.max(1, os.availableParallelism());
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

/**
 * Extracts every method of the corpus into columns, reusing the on-disk cache when `cacheDir` is
 * given: an unchanged corpus is loaded without parsing anything, and when some sources changed
 * only those are parsed. Throws `E_EMPTY_CORPUS` when no sample results, with a message that
 * says what was looked at and what was skipped.
 */
export async function extractCorpus(opts: ExtractCorpusOptions): Promise<CorpusExtraction> {
  return new ExtractionRun(opts).run();
}

/** One extraction: its settings, the walk's entries so far, what it has gathered, its progress. */
class ExtractionRun {
  private readonly t0 = performance.now();
  private readonly settings: ExtractSettings;
  private readonly workers: number;
  private readonly corpusOptions: ResolvedCorpusOptions;
  private readonly cwd: string;
  private readonly log: (message: string) => void;
  /** Names the corpus cache file after the inputs, options, extractor and version. */
  private readonly cacheName: string;
  private readonly cacheFile: string | undefined;
  /** Every entry the walk has yielded, skips included, for the corpus key. */
  private readonly entries: WalkEntry[] = [];
  private readonly tally = new ExtractionTally();
  private readonly progress: ProgressReport;

  constructor(private readonly opts: ExtractCorpusOptions) {
    this.settings = { ...DEFAULT_EXTRACT_SETTINGS, ...opts.settings };
    this.cwd = opts.cwd ?? process.cwd();
    this.corpusOptions = resolveCorpusOptions(opts.corpus ?? {});
    this.log = opts.log ?? (() => {});
    const cap = maxWorkerCount();
    if (opts.workers !== undefined && opts.workers > cap) {
      this.log(`${opts.workers} workers asked for, ${cap} used: this machine has ${cap} core(s), and more workers than cores only compete for them`);
    }
    this.workers = Math.min(opts.workers ?? defaultWorkerCount(), cap);
    this.cacheName = corpusCacheName({
      inputs: opts.inputs.map((i) => path.resolve(this.cwd, i)),
      corpusOptions: { ...this.corpusOptions, extensionMap: [...this.corpusOptions.extensionMap.entries()].sort() },
      extractSettings: { ...this.settings, extractor: extractorFingerprint() },
      toolVersion: VERSION,
    });
    this.cacheFile = opts.cacheDir && opts.parseOnly !== true ? corpusCachePath(opts.cacheDir, this.cacheName) : undefined;
    this.progress = new ProgressReport(opts, this.t0, this.tally);
  }

  async run(): Promise<CorpusExtraction> {
    if (this.cacheFile !== undefined && fs.existsSync(this.cacheFile)) return this.runWithCache(this.cacheFile);
    // Without a cache file nothing can be reused: the workers load their parsers while the walk
    // runs (on a small corpus, starting them after it cost a tenth of the time), and the walk
    // feeds them as it goes, so that parsing starts with the first files found.
    const starting = this.startPool();
    // (Awaited in `parse`; a failure to start is reported there, not as an unhandled rejection now.)
    starting.catch(() => undefined);
    return this.parse(filtered(this.walked(), (e) => this.tally.toParse(e)), starting);
  }

  /**
   * With a cache file, the corpus is walked whole first (stat only) for the cache key: a full hit
   * returns at once; else unchanged sources are reused and the rest parsed.
   */
  private async runWithCache(cacheFile: string): Promise<CorpusExtraction> {
    for await (const _ of this.walked());
    const snapshot = await loadCorpusSnapshot(cacheFile, this.log);
    const corpusKey = this.corpusKey();
    if (snapshot && snapshot.key === corpusKey && isCacheMeta(snapshot.meta)) {
      return {
        columns: snapshot.columns,
        tables: snapshot.tables,
        stats: snapshot.meta.stats,
        parser: { ...snapshot.meta.parser, fromCache: true },
        workers: 0,
        elapsedMs: performance.now() - this.t0,
        workerBusyMs: 0,
        cache: { use: 'hit', file: cacheFile, reusedSources: snapshot.sources.length, parsedSources: 0 },
        corpusKey,
      };
    }
    // Reusing cached samples interns them into the pool's tables: the pool comes first.
    const pool = await this.startPool();
    return this.parse(
      this.entries.filter((e) => this.tally.toParse(e, snapshot, pool.tables)),
      pool,
    );
  }

  private startPool(): Promise<ExtractionPool> {
    return ExtractionPool.start({
      workers: this.workers,
      backend: this.opts.backend ?? envBackend() ?? 'auto',
      settings: this.settings,
      maxFileBytes: this.corpusOptions.maxFileBytes,
      ...(this.opts.parseOnly ? { parseOnly: true } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  /** The walk (stat only), recording every entry. */
  private async *walked(): AsyncGenerator<WalkEntry> {
    for await (const e of walkCorpus(this.opts.inputs, this.corpusOptions, this.cwd)) {
      if (this.opts.signal?.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'extraction cancelled');
      this.entries.push(e);
      yield e;
    }
  }

  /** Identifies the corpus walked: the fingerprints of its sources, under the cache name. */
  private corpusKey(): string {
    return corpusKey_(this.cacheName, this.entries.filter((e): e is Exclude<WalkEntry, { kind: 'skip' }> => e.kind !== 'skip').map(fingerprintOf));
  }

  /** Parses `sources` on the pool, then assembles the result. */
  private async parse(sources: Iterable<WalkEntry> | AsyncIterable<WalkEntry>, starting: ExtractionPool | Promise<ExtractionPool>): Promise<CorpusExtraction> {
    const progress = this.progress;
    const items = expandWalk(sources, this.corpusOptions);
    const tally = this.tally;
    const source = (async function* () {
      yield* batches(items, (s) => tally.skip(s), () => progress.found++);
      progress.walkDone = true;
    })();
    // The walk makes the first batch while the workers load their parsers (handled in `ExtractionPool.run`).
    const first = source.next();
    first.catch(() => undefined);
    const pool = await starting;
    let complete = false;
    try {
      for await (const batch of pool.run(resumed(first, source))) {
        progress.done += batch.tasks.length;
        tally.addBatch(batch);
        progress.report(false);
      }
      progress.walkDone = true;
      progress.report(true);
      complete = true;
    } finally {
      // After a complete run the workers are idle: asked to stop now, they exit by themselves
      // (a thread's teardown takes 20-30 ms) while the results are assembled. A cancelled or failed
      // run waits for them, so that nothing of it is left running when the error reaches the caller.
      const closing = pool.close();
      if (!complete) await closing;
    }
    return this.finish(pool);
  }

  /** The extraction's result, saved to the cache first when there is one. */
  private async finish(pool: ExtractionPool): Promise<CorpusExtraction> {
    const { stats, builder } = this.tally;
    if (builder.count === 0 && this.opts.parseOnly !== true) throw emptyCorpusError(this.opts.inputs, stats, this.corpusOptions.maxFileBytes);
    const records = this.tally.sourceRecords();
    const columns = builder.build();
    const corpusKey = this.corpusKey();
    let use: CacheUse = 'off';
    if (this.cacheFile) {
      use = this.tally.reusedSources > 0 ? 'partial' : 'miss';
      await saveCorpusSnapshot(this.cacheFile, { key: corpusKey, columns, tables: pool.tables, sources: records, meta: { stats, parser: pool.parser } satisfies CacheMeta }, this.log);
    }
    return {
      columns,
      tables: pool.tables,
      stats,
      parser: pool.parser,
      workers: this.workers,
      elapsedMs: performance.now() - this.t0,
      workerBusyMs: pool.workerBusyMs,
      cache: { use, ...(this.cacheFile ? { file: this.cacheFile } : {}), reusedSources: this.tally.reusedSources, parsedSources: this.tally.parsedSources },
      corpusKey,
    };
  }
}

/** Reports progress to `onProgress`, at most once per interval unless forced. */
class ProgressReport {
  /** Tasks found so far. */
  found = 0;
  /** Tasks handled so far. */
  done = 0;
  walkDone = false;
  private last = 0;
  private readonly interval: number;

  constructor(
    private readonly opts: ExtractCorpusOptions,
    private readonly t0: number,
    private readonly tally: ExtractionTally,
  ) {
    this.interval = opts.progressIntervalMs ?? 200;
  }

  report(force: boolean): void {
    if (!this.opts.onProgress) return;
    const now = performance.now();
    if (!force && now - this.last < this.interval) return;
    this.last = now;
    this.opts.onProgress({ done: this.done, found: this.found, walkDone: this.walkDone, samples: this.tally.builder.count, bytes: this.tally.stats.bytes, elapsedMs: now - this.t0 });
  }
}

/** The items of `items` that `keep` keeps. */
async function* filtered<T>(items: AsyncIterable<T>, keep: (item: T) => boolean): AsyncGenerator<T> {
  for await (const item of items) if (keep(item)) yield item;
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
  // The bundle's worker holds the whole extractor (and nothing of the trainer); tsc's output
  // keeps it in parse/.
  if (BUNDLED) h.update(fs.readFileSync(workerScript()));
  walk(engineAsset('parse'));
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

function emptyCorpusError(inputs: readonly string[], stats: ExtractionStats, maxFileBytes: number): EngineError {
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
  const tooLarge = stats.skipped['too-large'] ?? 0;
  if (tooLarge > 0) {
    lines.push(
      `${tooLarge} file(s) were larger than the size limit of ${maxFileBytes} bytes: raise it with --max-file-size (e.g. --max-file-size 8M), ` +
        'or maxFileBytes in the config file (memaudit.maxFileBytes in VS Code).',
    );
  }
  lines.push(
    'memaudit reads Java (.java), Python (.py) and Ruby (.rb) files, CodeSearchNet-style JSONL files and zip archives of sources. ' +
      'Point it at a folder or file that contains such code, or use --lang to force a language for files with other extensions.',
  );
  return new EngineError(ERROR_CODES.EMPTY_CORPUS, lines.join('\n'), { stats });
}
