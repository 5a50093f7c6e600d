/**
 * The corpus walk: turns the user's inputs (folders, files, JSONL files, zip archives) into a
 * deterministic stream of tasks for extraction workers, plus a skip record for everything left
 * out. The folder walk only stats files; JSONL files and archives are opened by `expandJsonl`
 * and `expandZip`, which `corpusTasks` chains after the walk.
 *
 * Determinism: inputs are walked in the order given, folder entries in code-unit order of their
 * names, archive entries by name, JSONL records in file order; the file system's own order
 * never leaks into the results.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import type { LanguageId } from '../parse/sample';
import { fileKind, skipFromFsError } from './decode';
import { ancestorIgnoreLevels, isGitIgnored, loadIgnoreFile, type IgnoreLevel } from './gitignore';
import { expandJsonl } from './jsonl';
import { extensionOf, isExcludedDirName, languageOfFile, resolveCorpusOptions } from './options';
import type {
  CorpusItem,
  CorpusOptions,
  CorpusSkip,
  FileTask,
  ResolvedCorpusOptions,
  SkipReason,
  WalkEntry,
} from './types';
import { expandZip } from './zip';

/** How an explicit input file is read. */
export type InputKind = 'jsonl' | 'jsonl.gz' | 'zip' | 'source';

/** Classifies an input file by name: JSONL (`.jsonl`, `.ndjson`, optionally `.gz`), zip (`.zip`, `.jar`), or a source file. */
export function inputKindOf(fileName: string): InputKind {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.jsonl.gz') || lower.endsWith('.ndjson.gz')) return 'jsonl.gz';
  if (lower.endsWith('.zip') || lower.endsWith('.jar')) return 'zip';
  return 'source';
}

/** Sorts names by UTF-16 code units, independent of locale and of the file system's order. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

function skip(pathLabel: string, reason: SkipReason, detail?: string): CorpusSkip {
  return detail === undefined ? { kind: 'skip', path: pathLabel, reason } : { kind: 'skip', path: pathLabel, reason, detail };
}

/** State shared by all roots of one walk: real paths already walked, to catch loops and overlaps. */
interface WalkState {
  readonly options: ResolvedCorpusOptions;
  /** Real paths of every folder entered so far (any root). */
  readonly visitedDirs: Set<string>;
  /** Real paths of the folders on the current descent, to tell a loop from a mere overlap. */
  readonly activeDirs: Map<string, string>;
  /** Real paths of every source file yielded so far. */
  readonly visitedFiles: Set<string>;
}

/** One folder root being walked. */
interface RootContext {
  readonly index: number;
  /** The input as the user gave it, for readable skip paths. */
  readonly label: string;
  readonly repo: string;
}

/**
 * Walks the inputs without reading any source file. Yields `FileTask`s for source files,
 * `JsonlSource`/`ZipSource` for containers (expand them with `expandJsonl` / `expandZip`, or use
 * `corpusTasks`), and skip records. Throws `E_INPUT_NOT_FOUND` when an input does not exist or
 * cannot be read, `E_CONFIG` for invalid options; nothing below an input ever throws.
 *
 * Each input is a root: `origin.root` is its index, `origin.file` the path relative to it, and
 * `origin.repo` the folder's name (for a file input, the name of the folder holding it).
 */
export async function* walkCorpus(
  inputs: readonly string[],
  options: CorpusOptions | ResolvedCorpusOptions = {},
  cwd: string = process.cwd(),
): AsyncGenerator<WalkEntry> {
  const resolved = isResolved(options) ? options : resolveCorpusOptions(options);
  const state: WalkState = { options: resolved, visitedDirs: new Set(), activeDirs: new Map(), visitedFiles: new Set() };
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index]!;
    const abs = path.resolve(cwd, input);
    let st: fs.Stats;
    try {
      st = await fsp.stat(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new EngineError(
        ERROR_CODES.INPUT_NOT_FOUND,
        code === 'ENOENT'
          ? `Input not found: ${input} (resolved to ${abs}). Check the path, or quote it if it contains spaces.`
          : `Input cannot be read: ${input} (${code}). Check that it exists and that you may read it.`,
        { input, path: abs, code },
        { cause: err },
      );
    }
    const label = toPosix(input).replace(/(.)\/+$/, '$1');
    if (st.isDirectory()) {
      const real = await fsp.realpath(abs);
      if (state.visitedDirs.has(real)) {
        yield skip(label, 'duplicate-path', 'this folder was already walked as part of an earlier input');
        continue;
      }
      let levels = resolved.respectGitignore ? await ancestorIgnoreLevels(abs) : [];
      // An input the enclosing repository ignores (say `build/generated-src`) was still asked
      // for by name: walk it, without the rules that would exclude all of it.
      if (levels.length > 0 && isGitIgnored(levels, abs, true)) levels = [];
      const root: RootContext = { index, label, repo: path.basename(abs) || abs };
      yield* walkDir(state, root, abs, real, '', levels);
    } else if (st.isFile()) {
      yield* explicitFile(state, index, input, abs, st);
    } else {
      yield skip(label, 'unreadable', `${fileKind(st)}, not a file or folder`);
    }
  }
}

function isResolved(o: CorpusOptions | ResolvedCorpusOptions): o is ResolvedCorpusOptions {
  return (o as ResolvedCorpusOptions).extensionMap instanceof Map;
}

async function* explicitFile(state: WalkState, index: number, input: string, abs: string, st: fs.Stats): AsyncGenerator<WalkEntry> {
  const label = toPosix(input);
  const name = path.basename(abs);
  const kind = inputKindOf(name);
  if (kind === 'jsonl' || kind === 'jsonl.gz') {
    yield { kind: 'jsonl', absPath: abs, file: name, root: index, gzip: kind === 'jsonl.gz', size: st.size, mtimeMs: st.mtimeMs };
    return;
  }
  if (kind === 'zip') {
    const repo = name.replace(/\.(zip|jar)$/i, '');
    yield { kind: 'zip', absPath: abs, file: name, root: index, repo, size: st.size, mtimeMs: st.mtimeMs };
    return;
  }
  // A file named explicitly is parsed as the forced language whatever its extension.
  let language: LanguageId;
  if (state.options.forceLanguage !== undefined) language = state.options.forceLanguage;
  else {
    const lang = languageOfFile(name, state.options);
    if (typeof lang !== 'string') {
      yield skip(label, 'unsupported-language', `${lang.skip}; map it with an extension map or force a language`);
      return;
    }
    language = lang;
  }
  const real = await fsp.realpath(abs).catch(() => abs);
  if (state.visitedFiles.has(real)) {
    yield skip(label, 'duplicate-path', 'this file was already read through another input');
    return;
  }
  state.visitedFiles.add(real);
  if (st.size > state.options.maxFileBytes) {
    yield skip(label, 'too-large', `${st.size} bytes, over the cap of ${state.options.maxFileBytes}`);
    return;
  }
  const repo = path.basename(path.dirname(abs)) || path.dirname(abs);
  yield { kind: 'file', absPath: abs, origin: { file: name, root: index, repo }, language, size: st.size, mtimeMs: st.mtimeMs };
}

async function* walkDir(
  state: WalkState,
  root: RootContext,
  dirAbs: string,
  dirReal: string,
  rel: string,
  parentLevels: readonly IgnoreLevel[],
): AsyncGenerator<WalkEntry> {
  const { options } = state;
  const dirLabel = rel === '' ? root.label : `${root.label}/${rel}`;
  state.visitedDirs.add(dirReal);
  state.activeDirs.set(dirReal, dirLabel);
  try {
    let entries: fs.Dirent[];
    try {
      // Synchronous: a promise per directory and per file (through libuv's thread pool) cost
      // 60-80 µs each, against 3-5 µs for the call itself, and the walk is on the critical path.
      entries = fs.readdirSync(dirAbs, { withFileTypes: true });
    } catch (err) {
      const s = skipFromFsError(err);
      yield skip(dirLabel, s.skip, `folder: ${s.detail}`);
      return;
    }
    entries.sort((a, b) => byCodeUnits(a.name, b.name));

    let levels = parentLevels;
    if (options.respectGitignore && entries.some((e) => e.name === '.gitignore')) {
      const level = await loadIgnoreFile(dirAbs, path.join(dirAbs, '.gitignore'));
      if (level instanceof Error) {
        yield skip(`${dirLabel}/.gitignore`, 'unreadable', `its rules were not applied: ${level.message}`);
      } else if (level !== undefined) {
        levels = [...parentLevels, level];
      }
    }

    for (const entry of entries) {
      const name = entry.name;
      const entryAbs = path.join(dirAbs, name);
      const entryRel = rel === '' ? name : `${rel}/${name}`;
      const label = `${root.label}/${entryRel}`;

      let isDir: boolean;
      let st: fs.Stats | undefined;
      let real: string;
      if (entry.isSymbolicLink()) {
        if (!options.followSymlinks) {
          yield skip(label, 'ignored', 'symlink (following symlinks is off)');
          continue;
        }
        const followed = await followLink(entryAbs, label, typeof languageOfFile(name, options) === 'string');
        if ('skip' in followed) {
          yield followed.skip;
          continue;
        }
        ({ st, real } = followed);
        isDir = st.isDirectory();
      } else {
        // A plain entry's real path is its parent's real path plus its name: no realpath call.
        isDir = entry.isDirectory();
        real = path.join(dirReal, name);
      }

      if (isDir) {
        if (isExcludedDirName(name, options)) {
          yield skip(label, 'excluded-dir', name.startsWith('.') ? 'hidden or tool folder' : 'vendored, build or tool folder');
          continue;
        }
        if (options.respectGitignore && isGitIgnored(levels, entryAbs, true)) {
          yield skip(label, 'ignored', 'folder excluded by .gitignore');
          continue;
        }
        const ancestor = state.activeDirs.get(real);
        if (ancestor !== undefined) {
          yield skip(label, 'symlink-loop', `links back to ${ancestor}`);
          continue;
        }
        if (state.visitedDirs.has(real)) {
          yield skip(label, 'duplicate-path', 'folder already walked through another path');
          continue;
        }
        yield* walkDir(state, root, entryAbs, real, entryRel, levels);
        continue;
      }

      if (options.respectGitignore && isGitIgnored(levels, entryAbs, false)) {
        yield skip(label, 'ignored', 'excluded by .gitignore');
        continue;
      }
      const lang = languageOfFile(name, options);
      if (typeof lang !== 'string') {
        const archive = inputKindOf(name) !== 'source' || extensionOf(name) === '.gz';
        yield skip(label, 'unsupported-language', archive ? 'JSONL file or archive inside a folder: pass it as an input to read it' : lang.skip);
        continue;
      }
      if (st === undefined) {
        try {
          st = fs.statSync(entryAbs);
        } catch (err) {
          const s = skipFromFsError(err);
          yield skip(label, s.skip, s.detail);
          continue;
        }
      }
      if (!st.isFile()) {
        yield skip(label, 'unreadable', `${fileKind(st)}, not a regular file`);
        continue;
      }
      if (state.visitedFiles.has(real)) {
        yield skip(label, 'duplicate-path', 'file already read through another path');
        continue;
      }
      state.visitedFiles.add(real);
      if (st.size > options.maxFileBytes) {
        yield skip(label, 'too-large', `${st.size} bytes, over the cap of ${options.maxFileBytes}`);
        continue;
      }
      const task: FileTask = {
        kind: 'file',
        absPath: entryAbs,
        origin: { file: entryRel, root: root.index, repo: root.repo },
        language: lang,
        size: st.size,
        mtimeMs: st.mtimeMs,
      };
      yield task;
    }
  } finally {
    state.activeDirs.delete(dirReal);
  }
}

/**
 * Follows a symlink to what it points at. A dangling link counts as unreadable when its name
 * looks like a source file, and as an unsupported file otherwise (it could have been anything).
 */
async function followLink(entryAbs: string, label: string, looksLikeSource: boolean): Promise<{ st: fs.Stats; real: string } | { skip: CorpusSkip }> {
  try {
    const st = await fsp.stat(entryAbs);
    const real = await fsp.realpath(entryAbs);
    return { st, real };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const to = await fsp.readlink(entryAbs).catch(() => '?');
      return { skip: skip(label, looksLikeSource ? 'unreadable' : 'unsupported-language', `dangling symlink to ${to}`) };
    }
    const s = skipFromFsError(err);
    return { skip: skip(label, s.skip, s.detail) };
  }
}

/**
 * Expands walk entries into tasks: JSONL files into `unit` tasks, archives into `bytes` tasks;
 * files and skips pass through. Takes a live walk or a collected one, so a pipeline can walk
 * first (stat only), compute the cache key and check the per-source cache, then expand only the
 * sources it must read.
 */
export async function* expandWalk(
  entries: AsyncIterable<WalkEntry> | Iterable<WalkEntry>,
  options: CorpusOptions | ResolvedCorpusOptions = {},
): AsyncGenerator<CorpusItem> {
  const resolved = isResolved(options) ? options : resolveCorpusOptions(options);
  for await (const entry of entries) {
    if (entry.kind === 'jsonl') yield* expandJsonl(entry, resolved);
    else if (entry.kind === 'zip') yield* expandZip(entry, resolved);
    else yield entry;
  }
}

/**
 * The whole corpus as one stream: the walk, with every JSONL file expanded into `unit` tasks and
 * every archive into `bytes` tasks, in input order. Skip records are interleaved where they occur.
 */
export async function* corpusTasks(
  inputs: readonly string[],
  options: CorpusOptions = {},
  cwd: string = process.cwd(),
): AsyncGenerator<CorpusItem> {
  const resolved = resolveCorpusOptions(options);
  yield* expandWalk(walkCorpus(inputs, resolved, cwd), resolved);
}
