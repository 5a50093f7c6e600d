/**
 * Cache of the extracted corpus: the samples (as `SampleColumns`), the string tables and, per
 * source (file, JSONL file or archive), its fingerprint and the samples it produced.
 *
 * One snapshot file per (tool version, settings, inputs), named by `corpusCacheName`; it holds the
 * full corpus key (`corpusKey`: the name plus every source's fingerprint). A run then:
 *
 * 1. walks the inputs (stat only) and computes the corpus key;
 * 2. loads the snapshot: same key → the whole corpus is reused, nothing is parsed;
 * 3. otherwise asks the snapshot for each source (`snapshot.lookup` / `samplesOf`): unchanged
 *    sources (same root, path, size, mtime) reuse their samples, the others are parsed;
 * 4. saves the new snapshot over the old one.
 *
 * A source is identified by (origin.root, origin.file): a file under a folder root, or the JSONL
 * file or archive that is its own root. Changing a zip or JSONL file re-reads all of it.
 */
import * as path from 'node:path';
import { ERROR_CODES, isEngineError } from '../errors';
import { StringTable, type ExtractedSample, type StringTables } from '../parse/sample';
import type { FileTask, JsonlSource, ZipSource } from '../corpus/types';
import { SampleColumns } from '../dataset/columns';
import { readBundle, writeBundle, type NumericArray } from './bundle';
import { CACHE_FORMAT_VERSION, sha256Hex, stableStringify } from './keys';

const KIND = 'memaudit-corpus';

/** Receives one line per cache event worth logging (a corrupt file ignored, a failed write). */
export type CacheLog = (message: string) => void;

/** What identifies one source's content without reading it. */
export interface SourceFingerprint {
  root: number;
  /** `origin.file` of its samples. */
  file: string;
  size: number;
  mtimeMs: number;
}

/** A source as stored: its fingerprint and optional per-source counters the pipeline wants back (e.g. methods without body). */
export interface SourceRecord extends SourceFingerprint {
  counters?: Readonly<Record<string, number>>;
}

/** The fingerprint of a walk entry: a source file, a JSONL file or an archive. */
export function fingerprintOf(entry: FileTask | JsonlSource | ZipSource): SourceFingerprint {
  if (entry.kind === 'file') return { root: entry.origin.root, file: entry.origin.file, size: entry.size, mtimeMs: entry.mtimeMs };
  return { root: entry.root, file: entry.file, size: entry.size, mtimeMs: entry.mtimeMs };
}

/** Everything a corpus depends on apart from the sources' contents. */
export interface CorpusCacheIdentity {
  /** Absolute input paths, in the order given (the order fixes `origin.root`). */
  inputs: readonly string[];
  /** Resolved corpus options (size cap, languages, ignore rules…). */
  corpusOptions: unknown;
  /** Extractor settings (max contexts, path length…) and the extractor's own version. */
  extractSettings: unknown;
  /** memaudit's version. */
  toolVersion: string;
}

/** Hex name of the snapshot for these inputs and settings (not their contents). */
export function corpusCacheName(id: CorpusCacheIdentity): string {
  return sha256Hex(
    `format:${CACHE_FORMAT_VERSION}`,
    `tool:${id.toolVersion}`,
    stableStringify(id.inputs),
    stableStringify(id.corpusOptions),
    stableStringify(id.extractSettings),
  );
}

function sourceKey(root: number, file: string): string {
  return `${root}\u0000${file}`;
}

/** The full corpus key: the name plus every source's fingerprint (order does not matter). */
export function corpusKey(name: string, sources: Iterable<SourceFingerprint>): string {
  const lines: string[] = [];
  for (const s of sources) lines.push(`${sourceKey(s.root, s.file)}\u0000${s.size}\u0000${s.mtimeMs}`);
  lines.sort();
  return sha256Hex(name, lines.join('\n'));
}

/** Path of the snapshot file for a name. */
export function corpusCachePath(cacheDir: string, name: string): string {
  return path.join(cacheDir, `corpus-${name.slice(0, 40)}.bin`);
}

/** What `saveCorpusSnapshot` writes. */
export interface CorpusSnapshotData {
  key: string;
  columns: SampleColumns;
  tables: StringTables;
  /** Sources whose extraction succeeded; samples are attributed to them by (root, file). Skipped sources should be left out, so that their skip is reported again next time. */
  sources: readonly SourceRecord[];
  /** JSON-safe data the pipeline wants back on a full hit (e.g. its extraction stats). */
  meta?: unknown;
}

/** A loaded corpus snapshot. */
export class CorpusSnapshot {
  private readonly bySource = new Map<string, number>();
  /** `members[memberOffsets[s]..memberOffsets[s+1]]` are the sample indices of source s. */
  private readonly memberOffsets: Int32Array;
  private readonly members: Int32Array;
  private tokenMap: Int32Array | undefined;
  private pathMap: Int32Array | undefined;
  private mappedInto: StringTables | undefined;

  constructor(
    readonly key: string,
    readonly columns: SampleColumns,
    readonly tables: StringTables,
    readonly sources: readonly SourceRecord[],
    /** Source index of each sample (-1 when its source was not recorded). */
    readonly sampleSource: Int32Array,
    readonly meta: unknown,
  ) {
    sources.forEach((s, i) => this.bySource.set(sourceKey(s.root, s.file), i));
    // Counting sort of samples by source, keeping sample order within a source.
    const offsets = new Int32Array(sources.length + 1);
    for (const s of sampleSource) if (s >= 0) offsets[s + 1]!++;
    for (let s = 0; s < sources.length; s++) offsets[s + 1]! += offsets[s]!;
    const fill = offsets.slice(0, sources.length);
    const members = new Int32Array(offsets[sources.length]!);
    sampleSource.forEach((s, i) => {
      if (s >= 0) members[fill[s]!++] = i;
    });
    this.memberOffsets = offsets;
    this.members = members;
  }

  /** The cached sample indices of a source, when its fingerprint is unchanged. */
  lookup(fp: SourceFingerprint): { samples: Int32Array; counters: Readonly<Record<string, number>> | undefined } | undefined {
    const s = this.bySource.get(sourceKey(fp.root, fp.file));
    if (s === undefined) return undefined;
    const rec = this.sources[s]!;
    if (rec.size !== fp.size || rec.mtimeMs !== fp.mtimeMs) return undefined;
    return { samples: this.members.subarray(this.memberOffsets[s]!, this.memberOffsets[s + 1]!), counters: rec.counters };
  }

  /**
   * The cached samples of an unchanged source, or `undefined` when it must be parsed. With
   * `into`, token and path ids are re-interned into those tables (fresh arrays); without, the
   * samples are views whose ids refer to `this.tables`.
   */
  samplesOf(fp: SourceFingerprint, into?: StringTables): ExtractedSample[] | undefined {
    const hit = this.lookup(fp);
    if (!hit) return undefined;
    const out: ExtractedSample[] = [];
    for (const i of hit.samples) {
      const s = this.columns.sample(i);
      out.push(into && into !== this.tables ? this.remap(s, into) : s);
    }
    return out;
  }

  private remap(s: ExtractedSample, into: StringTables): ExtractedSample {
    if (this.mappedInto !== into) {
      this.mappedInto = into;
      this.tokenMap = new Int32Array(this.tables.tokens.size).fill(-1);
      this.pathMap = new Int32Array(this.tables.paths.size).fill(-1);
    }
    const tm = this.tokenMap!;
    const pm = this.pathMap!;
    const tok = (id: number): number => {
      let v = tm[id]!;
      if (v < 0) tm[id] = v = into.tokens.id(this.tables.tokens.get(id));
      return v;
    };
    const body = new Int32Array(s.bodyTokens.length);
    for (let k = 0; k < body.length; k++) body[k] = tok(s.bodyTokens[k]!);
    const ctx = new Int32Array(s.contexts.length);
    for (let k = 0; k + 2 < ctx.length; k += 3) {
      ctx[k] = tok(s.contexts[k]!);
      const p = s.contexts[k + 1]!;
      let v = pm[p]!;
      if (v < 0) pm[p] = v = into.paths.id(this.tables.paths.get(p));
      ctx[k + 1] = v;
      ctx[k + 2] = tok(s.contexts[k + 2]!);
    }
    return { ...s, bodyTokens: body, contexts: ctx };
  }
}

const COLUMN_FIELDS = [
  'language',
  'name',
  'label',
  'doc',
  'file',
  'root',
  'jsonlLine',
  'archiveEntry',
  'repo',
  'recordPath',
  'ranges',
  'bodyOffsets',
  'bodyTokens',
  'contextOffsets',
  'contexts',
] as const;

/**
 * Writes a snapshot atomically. Returns false (and logs why) when it cannot be written: a
 * cache that cannot be saved must not fail the run.
 */
export async function saveCorpusSnapshot(file: string, data: CorpusSnapshotData, log?: CacheLog): Promise<boolean> {
  try {
    await writeBundle(file, corpusBundle(data));
    return true;
  } catch (err) {
    // E_WRITE_FAILED names the file, the cause and the fix already.
    log?.(`cache: ${isEngineError(err) ? err.message : `could not write ${file}: ${err instanceof Error ? err.message : String(err)}`} (going on without this cache)`);
    return false;
  }
}

function corpusBundle(data: CorpusSnapshotData): Parameters<typeof writeBundle>[1] {
  const c = data.columns;
  const index = new Map<string, number>();
  data.sources.forEach((s, i) => index.set(sourceKey(s.root, s.file), i));
  const sampleSource = new Int32Array(c.count);
  for (let i = 0; i < c.count; i++) sampleSource[i] = index.get(sourceKey(c.root[i]!, c.strings[c.file[i]!]!)) ?? -1;
  const counterNames = [...new Set(data.sources.flatMap((s) => Object.keys(s.counters ?? {})))].sort();
  const counters = new Float64Array(data.sources.length * counterNames.length);
  data.sources.forEach((s, i) => counterNames.forEach((name, k) => (counters[i * counterNames.length + k] = s.counters?.[name] ?? 0)));
  const sections: Record<string, NumericArray | readonly string[]> = {
    ids: c.ids,
    strings: c.strings,
    tokens: data.tables.tokens.strings,
    paths: data.tables.paths.strings,
    sampleSource,
    sourceFiles: data.sources.map((s) => s.file),
    sourceRoots: Int32Array.from(data.sources, (s) => s.root),
    sourceSizes: Float64Array.from(data.sources, (s) => s.size),
    sourceMtimes: Float64Array.from(data.sources, (s) => s.mtimeMs),
    sourceCounters: counters,
  };
  for (const f of COLUMN_FIELDS) sections[`col.${f}`] = c[f];
  return { kind: KIND, key: data.key, meta: { format: CACHE_FORMAT_VERSION, samples: c.count, counterNames, meta: data.meta ?? null }, sections };
}

function tableOf(strings: string[]): StringTable {
  const t = new StringTable();
  for (const s of strings) t.id(s);
  return t;
}

/**
 * Loads a snapshot; `undefined` when there is none or when it is unusable (truncated, damaged,
 * older format), in which case `log` says why and the file is simply rebuilt by the next save.
 */
export async function loadCorpusSnapshot(file: string, log?: CacheLog): Promise<CorpusSnapshot | undefined> {
  try {
    const b = await readBundle(file, KIND);
    if (!b) return undefined;
    const meta = b.meta as { format: number; counterNames: string[]; meta: unknown };
    if (meta.format !== CACHE_FORMAT_VERSION) {
      log?.(`cache: ignoring ${file}: format ${meta.format}, expected ${CACHE_FORMAT_VERSION}`);
      return undefined;
    }
    const n = b.numbers;
    const s = b.strings;
    const col = (f: string): NumericArray => {
      const a = n[`col.${f}`];
      if (!a) throw new Error(`missing section col.${f}`);
      return a;
    };
    const columns = new SampleColumns({
      ids: s['ids']!,
      strings: s['strings']!,
      language: col('language') as Uint8Array,
      name: col('name') as Int32Array,
      label: col('label') as Int32Array,
      doc: col('doc') as Int32Array,
      file: col('file') as Int32Array,
      root: col('root') as Int32Array,
      jsonlLine: col('jsonlLine') as Int32Array,
      archiveEntry: col('archiveEntry') as Int32Array,
      repo: col('repo') as Int32Array,
      recordPath: col('recordPath') as Int32Array,
      ranges: col('ranges') as Int32Array,
      bodyOffsets: col('bodyOffsets') as Int32Array,
      bodyTokens: col('bodyTokens') as Int32Array,
      contextOffsets: col('contextOffsets') as Int32Array,
      contexts: col('contexts') as Int32Array,
    });
    const tables: StringTables = { tokens: tableOf(s['tokens']!), paths: tableOf(s['paths']!) };
    // Ids must stay inside the tables: a damaged file that passed its checksums (written by a
    // buggy version) would otherwise fail far away, in training.
    const inRange = (a: Int32Array, from: number, step: number, size: number): boolean => {
      for (let i = from; i < a.length; i += step) if (a[i]! < 0 || a[i]! >= size) return false;
      return true;
    };
    const nt = tables.tokens.size;
    if (!inRange(columns.bodyTokens, 0, 1, nt) || !inRange(columns.contexts, 0, 3, nt) || !inRange(columns.contexts, 2, 3, nt) || !inRange(columns.contexts, 1, 3, tables.paths.size)) {
      throw new Error('token or path ids outside the string tables');
    }
    const names = meta.counterNames;
    const roots = n['sourceRoots'] as Int32Array;
    const sizes = n['sourceSizes'] as Float64Array;
    const mtimes = n['sourceMtimes'] as Float64Array;
    const counters = n['sourceCounters'] as Float64Array;
    const sources: SourceRecord[] = s['sourceFiles']!.map((f, i) => {
      const rec: SourceRecord = { root: roots[i]!, file: f, size: sizes[i]!, mtimeMs: mtimes[i]! };
      if (names.length > 0) rec.counters = Object.fromEntries(names.map((name, k) => [name, counters[i * names.length + k]!]));
      return rec;
    });
    return new CorpusSnapshot(b.key, columns, tables, sources, n['sampleSource'] as Int32Array, meta.meta);
  } catch (err) {
    const why = isEngineError(err) && err.code === ERROR_CODES.CACHE_CORRUPT ? err.message : `cache file ${file} is unusable: ${err instanceof Error ? err.message : String(err)}`;
    log?.(`cache: ignoring it (${why})`);
    return undefined;
  }
}
