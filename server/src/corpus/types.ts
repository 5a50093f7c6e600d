/**
 * Types shared by the corpus walker, the JSONL and zip readers, and the workers that decode
 * source files. The walker never reads a source file's contents; it yields tasks that a worker
 * turns into text with `readTaskSource` / `decodeSource`, and skip records for everything it
 * leaves out, each with a reason.
 */
import type { SourceUnit } from '../parse/extract';
import type { LanguageId, SampleOrigin } from '../parse/sample';

/** A source file on disk: the worker reads and decodes it (`readSourceFileSync`). */
export interface FileTask {
  kind: 'file';
  absPath: string;
  origin: SampleOrigin;
  language: LanguageId;
  /** Size in bytes from `stat` (after following symlinks). */
  size: number;
  /** Modification time from `stat`, in ms since the epoch; with `size`, the file's cache fingerprint. */
  mtimeMs: number;
}

/** A JSONL record whose code is already text (marked `snippet: true`). */
export interface UnitTask {
  kind: 'unit';
  unit: SourceUnit;
}

/**
 * An entry of a zip archive: the worker reads, inflates and checks it (`readZipEntryTask`), then
 * decodes it, so that inflating a large archive runs on the workers, not on the thread that
 * feeds them.
 */
export interface ZipEntryTask {
  kind: 'zip-entry';
  /** The archive. */
  absPath: string;
  /** Where the entry is and what it must inflate to, from the central directory. */
  entry: ZipEntryLocation;
  origin: SampleOrigin;
  language: LanguageId;
}

/** What reading one zip entry needs from the archive's central directory. */
export interface ZipEntryLocation {
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Work for an extraction worker. */
export type CorpusTask = FileTask | UnitTask | ZipEntryTask;

/**
 * Why an input was left out.
 *
 * - `too-large`: over the size cap (`maxFileBytes`).
 * - `binary`: a NUL byte in the first 8 KiB.
 * - `not-utf8`: not valid UTF-8 (UTF-16 files land here too).
 * - `unreadable`: permission denied, vanished, not a regular file, dangling symlink, encrypted
 *   or unsupported zip entry.
 * - `symlink-loop`: a symlink that leads back to one of its own ancestors (or to itself).
 * - `duplicate-path`: a file or folder already walked through another path (a symlink, or two
 *   overlapping inputs); reading it twice would plant exact duplicates in the dataset.
 * - `unsupported-language`: extension not mapped to java/python/ruby, a JSONL language we do
 *   not handle, or a language other than the forced one. Counted, few examples kept.
 * - `ignored`: excluded by a `.gitignore` (or `.git/info/exclude`). Counted, few examples kept.
 * - `excluded-dir`: a vendored, build, hidden or tool folder (`node_modules`, `vendor`, …).
 * - `jsonl-malformed`: a JSONL line that is not a JSON object.
 * - `jsonl-missing-field`: a JSONL record without a string `code` (or `language`).
 * - `archive-corrupt`: a zip or gzip input that cannot be read as such.
 * - `unsafe-path`: a zip entry whose name climbs out of the archive (`../`), is absolute, names a
 *   drive or has a backslash.
 */
export type SkipReason =
  | 'too-large'
  | 'binary'
  | 'not-utf8'
  | 'unreadable'
  | 'symlink-loop'
  | 'duplicate-path'
  | 'unsupported-language'
  | 'ignored'
  | 'excluded-dir'
  | 'jsonl-malformed'
  | 'jsonl-missing-field'
  | 'archive-corrupt'
  | 'unsafe-path';

/** Every skip reason, in the order reports list them. */
export const SKIP_REASONS: readonly SkipReason[] = [
  'too-large',
  'binary',
  'not-utf8',
  'unreadable',
  'symlink-loop',
  'duplicate-path',
  'unsupported-language',
  'ignored',
  'excluded-dir',
  'jsonl-malformed',
  'jsonl-missing-field',
  'archive-corrupt',
  'unsafe-path',
];

/** Something left out of the corpus. */
export interface SkipRecord {
  /**
   * What was skipped: a path as the user would type it (input-relative, forward slashes), with
   * `!entry` for a zip entry and `:line` for a JSONL record.
   */
  path: string;
  reason: SkipReason;
  detail?: string;
}

/** A skip record as yielded by the walker (tagged so it can share a stream with tasks). */
export interface CorpusSkip extends SkipRecord {
  kind: 'skip';
}

/** A JSONL input found by the walker; `expandJsonl` reads its records. */
export interface JsonlSource {
  kind: 'jsonl';
  absPath: string;
  /** The file's name (the JSONL input is its own root). */
  file: string;
  root: number;
  gzip: boolean;
  size: number;
  mtimeMs: number;
}

/** A zip archive found by the walker; `expandZip` reads its entries. */
export interface ZipSource {
  kind: 'zip';
  absPath: string;
  /** The archive's name (the archive is its own root). */
  file: string;
  root: number;
  /** Repository name for the archive's units: the archive's name without extension. */
  repo: string;
  size: number;
  mtimeMs: number;
}

/** What the stat-only walk yields: source files, containers to expand, and skips. */
export type WalkEntry = FileTask | JsonlSource | ZipSource | CorpusSkip;

/** What the expanded stream yields: tasks for workers and skips. */
export type CorpusItem = CorpusTask | CorpusSkip;

/** How to treat a JSONL line that is not a JSON object. */
export type JsonlErrorMode = 'skip' | 'stop';

/** Settings of the corpus walk. Every field has a default (`resolveCorpusOptions`). */
export interface CorpusOptions {
  /** Files (and JSONL records, zip entries) larger than this are skipped as `too-large`. Default 1 MiB. */
  maxFileBytes?: number;
  /**
   * One language for everything: explicit file inputs are parsed as it whatever their extension,
   * and files, entries and records of other languages are skipped as `unsupported-language`.
   */
  forceLanguage?: LanguageId;
  /**
   * Extension (with its dot, lower case, e.g. `.jav`) to language, merged over the defaults;
   * `null` removes a default (e.g. `{ '.rake': null }`).
   */
  extensionMap?: Readonly<Record<string, LanguageId | null>>;
  /** Apply `.gitignore` files (nested ones relative to their folder, and those above the input up to its git root). Default true. */
  respectGitignore?: boolean;
  /** Folder names never entered (exact names, or `*suffix`). Default `DEFAULT_EXCLUDED_DIRS`; `[]` enters everything. */
  excludeDirs?: readonly string[];
  /** Enter folders whose name starts with a dot. Default false. */
  includeHiddenDirs?: boolean;
  /** Follow symlinks (loops are detected). Default true. */
  followSymlinks?: boolean;
  /** Malformed JSONL lines: skip and report them (default), or stop with `E_JSONL_MALFORMED`. */
  jsonlErrors?: JsonlErrorMode;
}

/** `CorpusOptions` with every default filled in. */
export interface ResolvedCorpusOptions {
  maxFileBytes: number;
  forceLanguage: LanguageId | undefined;
  extensionMap: ReadonlyMap<string, LanguageId>;
  respectGitignore: boolean;
  excludeDirs: readonly string[];
  includeHiddenDirs: boolean;
  followSymlinks: boolean;
  jsonlErrors: JsonlErrorMode;
}
