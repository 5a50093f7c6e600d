/**
 * Atomic file writes: write a temporary file beside the target, fsync it, rename it over the
 * target, then fsync the folder. A reader sees either the old file or the complete new one, never
 * a half-written file, even if the process is killed in the middle.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { writeError, writeFaults } from './fs-errors';

/**
 * Writes `file` atomically. A failure of the file system (read-only, permission denied, disk
 * full…) throws `E_WRITE_FAILED` naming `file` (util/fs-errors.ts); the old file is kept.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  try {
    writeFaults.before?.(file);
    await writeAtomic(file, data);
  } catch (e) {
    throw writeError(file, e);
  }
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  // 'wx': never reuse a temp file left by a crashed writer with the same name.
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    const fh = await fsp.open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  // Some platforms (Windows) cannot open a folder for fsync; the rename is still atomic there.
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, fs.constants.O_RDONLY);
    await fh.sync();
  } catch {
    // Best effort only.
  } finally {
    await fh?.close();
  }
}

/** Reads and parses a JSON file; undefined when it does not exist or does not parse. */
export function readJsonIfValid<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
