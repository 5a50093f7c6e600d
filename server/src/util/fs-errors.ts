/**
 * Write failures, in one place: the system's error codes (EROFS, EACCES, ENOSPC, ENOTDIR…) turned
 * into one `E_WRITE_FAILED` error whose message names the path, the cause in words and the fix,
 * and the checks that find such a failure before an audit spends its time training
 * (`checkWritableFolder`, `checkWritableFile`).
 *
 * Also the test seam `writeFaults`: every file written through `writeFileAtomic` or the cache
 * bundles passes `writeFaults.before(file)` first, so a unit test can simulate a full disk or a
 * read-only file system where the real ones cannot be had (tests run as root in CI).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { EngineError, ERROR_CODES, isEngineError } from '../errors';

/** The cause of each system error code, in words, and what to do about it. */
const CAUSES: Record<string, { cause: string; fix: string }> = {
  EROFS: { cause: 'the file system is read-only', fix: 'choose a location on a writable file system' },
  EACCES: { cause: 'permission denied', fix: 'choose a folder you can write to, or change its permissions' },
  EPERM: { cause: 'operation not permitted', fix: 'choose a folder you can write to, or change its permissions' },
  ENOSPC: { cause: 'the disk is full', fix: 'free some space or choose a location on another disk' },
  EDQUOT: { cause: 'the disk quota is used up', fix: 'free some space or choose a location on another disk' },
  EFBIG: { cause: 'the file is too large for this file system', fix: 'choose a location on another file system' },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder', fix: 'choose another path, or move that file away' },
  EEXIST: { cause: 'a file is in the way where a folder is needed', fix: 'choose another path, or move that file away' },
  EISDIR: { cause: 'it is a folder, not a file', fix: 'give a file name' },
  ENOENT: { cause: 'a folder on the path does not exist and cannot be created', fix: 'choose another path' },
  ENAMETOOLONG: { cause: 'the path is too long', fix: 'choose a shorter path' },
  ELOOP: { cause: 'the path has a loop of symbolic links', fix: 'choose another path' },
  EMFILE: { cause: 'too many files are open', fix: 'close other programs or raise the limit (ulimit -n)' },
  ENFILE: { cause: 'too many files are open on this system', fix: 'close other programs' },
  EBUSY: { cause: 'the file is in use', fix: 'close what uses it, or choose another path' },
  ETXTBSY: { cause: 'the file is in use', fix: 'close what uses it, or choose another path' },
  EIO: { cause: 'an input/output error of the disk', fix: 'check the disk, or choose another location' },
};

/** Whether `err` is a system error of the file system (it has one of the codes above). */
export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in CAUSES && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * The `E_WRITE_FAILED` error for a failed write of `file` (an engine error passes through).
 * `fix` replaces the generic advice (e.g. "choose another folder with --out").
 */
export function writeError(file: string, err: unknown, fix?: string): EngineError {
  if (isEngineError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const known = code ? CAUSES[code] : undefined;
  const cause = known ? `${known.cause} (${code})` : e instanceof Error ? e.message : String(err);
  const advice = fix ?? known?.fix ?? 'choose another location';
  return new EngineError(ERROR_CODES.WRITE_FAILED, `cannot write ${file}: ${cause}; ${advice}`, { file, ...(code ? { errno: code } : {}) }, { cause: err });
}

/** Test seam (see the file's comment): may throw an errno error to simulate a failing disk. */
export const writeFaults: { before?: (file: string) => void } = {};

/**
 * Fails with `E_WRITE_FAILED` unless `dir` is, or can be made, a folder this process can create
 * files in: creates it (and its parents) and creates and removes a probe file in it. `fix` is
 * the advice in the message (e.g. "choose another folder with --out").
 */
export async function checkWritableFolder(dir: string, fix?: string): Promise<void> {
  const existing = await nearestExisting(dir);
  if (existing && !existing.isDir) throw writeError(dir, Object.assign(new Error('not a folder'), { code: existing.path === dir ? 'EEXIST' : 'ENOTDIR', syscall: 'mkdir' }), fix);
  try {
    await fsp.mkdir(dir, { recursive: true });
  } catch (err) {
    // A recursive mkdir on a read-only file system can report ENOENT for the missing part;
    // a probe in the nearest folder that exists tells the real cause.
    const real = existing ? await probe(existing.path) : undefined;
    throw writeError(dir, real ?? err, fix);
  }
  const failure = await probe(dir);
  if (failure) throw writeError(dir, failure, fix);
}

/**
 * Fails with `E_WRITE_FAILED` unless `file` can be written (atomically: a new file beside it,
 * renamed over it): it is not a folder, and its folder is writable.
 */
export async function checkWritableFile(file: string, fix?: string): Promise<void> {
  const st = await fsp.stat(file).catch(() => undefined);
  if (st?.isDirectory()) throw writeError(file, Object.assign(new Error('is a folder'), { code: 'EISDIR', syscall: 'open' }), fix);
  const parent = await fsp.stat(path.dirname(file)).catch(() => undefined);
  if (parent && !parent.isDirectory()) throw writeError(file, Object.assign(new Error('not a folder'), { code: 'ENOTDIR', syscall: 'open' }), fix);
  try {
    await checkWritableFolder(path.dirname(file), fix);
  } catch (err) {
    // Name the file the user gave, with the folder's cause.
    const cause = isEngineError(err) ? err.cause : err;
    throw writeError(file, cause, fix);
  }
}

/** The nearest path at or above `p` that exists, and whether it is a folder. */
async function nearestExisting(p: string): Promise<{ path: string; isDir: boolean } | undefined> {
  for (let d = path.resolve(p); ; d = path.dirname(d)) {
    const st = await fsp.stat(d).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOTDIR' ? 'not-dir-parent' : undefined));
    if (st && st !== 'not-dir-parent') return { path: d, isDir: st.isDirectory() };
    if (path.dirname(d) === d) return undefined;
  }
}

/** Creates and removes a small file in `dir`; the error when that fails. */
async function probe(dir: string): Promise<unknown> {
  const file = path.join(dir, `.memaudit-write-check-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    writeFaults.before?.(file);
    const fh = await fsp.open(file, 'wx');
    try {
      await fh.writeFile('ok');
    } finally {
      await fh.close();
    }
    await fsp.rm(file, { force: true });
    return undefined;
  } catch (err) {
    await fsp.rm(file, { force: true }).catch(() => undefined);
    return err;
  }
}
