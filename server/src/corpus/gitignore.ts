/**
 * `.gitignore` handling with git's precedence: each ignore file applies to paths relative to its
 * own folder, and a deeper file overrides a shallower one (so a nested `!keep.py` re-includes
 * what the root file ignored). Folders that are ignored are never entered, which is also git's
 * rule that a file cannot be re-included when its parent folder is excluded.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** Ignore files larger than this are not read (no real `.gitignore` comes near it). */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

/** The rules of one ignore file and the folder its patterns are relative to. */
export interface IgnoreLevel {
  dirAbs: string;
  rules: Ignore;
}

/** Loads one ignore file; `undefined` when it does not exist, an `Error` when it cannot be read. */
export async function loadIgnoreFile(dirAbs: string, fileAbs: string): Promise<IgnoreLevel | undefined | Error> {
  try {
    const st = await fsp.stat(fileAbs);
    if (!st.isFile()) return undefined;
    if (st.size > MAX_IGNORE_FILE_BYTES) return new Error(`${st.size} bytes, over ${MAX_IGNORE_FILE_BYTES}`);
    const text = await fsp.readFile(fileAbs, 'utf8');
    return { dirAbs, rules: ignore().add(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Ignore levels that apply to an input folder from above it: when the folder is inside a git
 * work tree, the `.git/info/exclude` of that tree and every `.gitignore` from the work tree's top
 * down to (not including) the input folder. The input's own `.gitignore` is read by the walk.
 */
export async function ancestorIgnoreLevels(rootAbs: string): Promise<IgnoreLevel[]> {
  const chain: string[] = [];
  let dir = rootAbs;
  let gitTop: string | undefined;
  for (;;) {
    if (await exists(path.join(dir, '.git'))) {
      gitTop = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    chain.push(parent);
    dir = parent;
  }
  const levels: IgnoreLevel[] = [];
  if (gitTop === undefined) return levels;
  const exclude = await loadIgnoreFile(gitTop, path.join(gitTop, '.git', 'info', 'exclude'));
  if (exclude !== undefined && !(exclude instanceof Error)) levels.push(exclude);
  // `chain` runs from the input's parent up to the work tree's top; ignore files apply top-down.
  for (const d of chain.reverse()) {
    const level = await loadIgnoreFile(d, path.join(d, '.gitignore'));
    if (level !== undefined && !(level instanceof Error)) levels.push(level);
  }
  return levels;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `absPath` is ignored by the given levels (ordered shallow to deep). The deepest level
 * whose patterns match decides, as in git; `isDir` adds the trailing slash that folder-only
 * patterns (`build/`) need.
 */
export function isGitIgnored(levels: readonly IgnoreLevel[], absPath: string, isDir: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    let rel = path.relative(level.dirAbs, absPath);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    if (path.sep !== '/') rel = rel.split(path.sep).join('/');
    if (isDir) rel += '/';
    let verdict: { ignored: boolean; unignored: boolean };
    try {
      verdict = level.rules.test(rel);
    } catch {
      // `ignore` rejects paths it considers invalid; such a path is simply not matched.
      continue;
    }
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}
