/**
 * Reading source files out of zip archives (the JDK's `src.zip`, `*-sources.jar`, a repository
 * downloaded as a zip). The central directory is read once, by the walk (`expandZip`), which
 * yields one task per source entry with where the entry is; the extraction workers then read
 * each entry with a positioned read and inflate it on their own thread (`readZipEntryTask`), so
 * an archive of any size costs one entry's worth of memory at a time per worker, and inflating
 * runs in parallel with parsing instead of on the thread that feeds the workers.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { crc32 } from '../util/crc32';
import { isExcludedDirName, languageOfFile } from './options';
import type { CorpusSkip, ResolvedCorpusOptions, ZipEntryLocation, ZipEntryTask, ZipSource } from './types';

/** One file entry of a zip's central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate; others are not supported. */
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** The archive is not a readable zip (no end record, truncated directory, bad signatures). */
export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65535 bytes. */
const EOCD_SEARCH = 22 + 0xffff;
/** Sanity limit on the central directory: 512 MiB is far beyond any source archive. */
const MAX_CENTRAL_DIRECTORY = 512 * 1024 * 1024;

async function readAt(fh: fsp.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new ZipFormatError(`unexpected end of file at offset ${position + filled}`);
    filled += bytesRead;
  }
  return buf;
}

/** Reads 64-bit little-endian values that fit a JS number (archives under 8 PiB). */
function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('64-bit field out of range');
  return Number(v);
}

/** Where the central directory is and how many entries it holds. */
interface DirectoryLocation {
  count: number;
  size: number;
  offset: number;
}

/** How many bytes at the end of an archive of `fileSize` bytes hold the end record. */
function tailLength(fileSize: number): number {
  if (fileSize < 22) throw new ZipFormatError('too short to be a zip archive');
  return Math.min(fileSize, EOCD_SEARCH);
}

/** The directory's location from the end record in `tail`, or where the zip64 end record is when the end record's fields are saturated. */
function endRecord(tail: Buffer): DirectoryLocation | { zip64At: number } {
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end-of-central-directory record (not a zip archive, or truncated)');
  const count = tail.readUInt16LE(eocd + 10);
  const size = tail.readUInt32LE(eocd + 12);
  const offset = tail.readUInt32LE(eocd + 16);
  if (count !== 0xffff && size !== 0xffffffff && offset !== 0xffffffff) return { count, size, offset };
  const loc = eocd - 20;
  if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR_SIG) throw new ZipFormatError('zip64 locator missing');
  return { zip64At: u64(tail, loc + 8) };
}

/** The directory's location from the 56-byte zip64 end record. */
function zip64EndRecord(z64: Buffer): DirectoryLocation {
  if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new ZipFormatError('zip64 end record missing');
  return { count: u64(z64, 32), size: u64(z64, 40), offset: u64(z64, 48) };
}

function checkDirectory(d: DirectoryLocation, fileSize: number): void {
  if (d.size > MAX_CENTRAL_DIRECTORY || d.offset + d.size > fileSize) throw new ZipFormatError('central directory out of bounds');
}

/** The `count` entries of the central directory `cd`. */
function parseCentralDirectory(cd: Buffer, count: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipFormatError(`central directory entry ${i} is damaged`);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw new ZipFormatError(`central directory entry ${i} is truncated`);
    const entry: ZipEntry = {
      // Bit 11 says UTF-8; older archives use CP437, which agrees with UTF-8 on ASCII names.
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      flags: cd.readUInt16LE(p + 8),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
    };
    applyZip64Extra(entry, cd, p + 46 + nameLen, extraLen);
    entries.push(entry);
    p = end;
  }
  return entries;
}

/** The zip64 extra field (id 1) holds, in this order, whichever of the entry's 32-bit fields are saturated. */
function applyZip64Extra(entry: ZipEntry, cd: Buffer, at: number, extraLen: number): void {
  const xEnd = at + extraLen;
  for (let x = at; x + 4 <= xEnd; x += 4 + cd.readUInt16LE(x + 2)) {
    if (cd.readUInt16LE(x) !== 1) continue;
    let q = x + 4;
    const fieldEnd = q + cd.readUInt16LE(x + 2);
    if (entry.size === 0xffffffff && q + 8 <= fieldEnd) {
      entry.size = u64(cd, q);
      q += 8;
    }
    if (entry.compressedSize === 0xffffffff && q + 8 <= fieldEnd) {
      entry.compressedSize = u64(cd, q);
      q += 8;
    }
    if (entry.localHeaderOffset === 0xffffffff && q + 8 <= fieldEnd) entry.localHeaderOffset = u64(cd, q);
  }
}

/** Reads the central directory of an archive (zip64 included). Throws `ZipFormatError`. */
export async function readZipDirectory(fh: fsp.FileHandle, fileSize: number): Promise<ZipEntry[]> {
  const tailLen = tailLength(fileSize);
  let d = endRecord(await readAt(fh, fileSize - tailLen, tailLen));
  if ('zip64At' in d) d = zip64EndRecord(await readAt(fh, d.zip64At, 56));
  checkDirectory(d, fileSize);
  return parseCentralDirectory(await readAt(fh, d.offset, d.size), d.count);
}

/** `readZipDirectory` with blocking reads, for code that reads an archive's entries on demand. */
export function readZipDirectorySync(fd: number, fileSize: number): ZipEntry[] {
  const tailLen = tailLength(fileSize);
  let d = endRecord(readAtSync(fd, fileSize - tailLen, tailLen));
  if ('zip64At' in d) d = zip64EndRecord(readAtSync(fd, d.zip64At, 56));
  checkDirectory(d, fileSize);
  return parseCentralDirectory(readAtSync(fd, d.offset, d.size), d.count);
}

function readAtSync(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = fs.readSync(fd, buf, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new ZipFormatError(`unexpected end of file at offset ${position + filled}`);
    filled += bytesRead;
  }
  return buf;
}

/**
 * Reads and inflates one entry of the archive open as `fd`, checking its size and CRC. Throws
 * `ZipFormatError` for a damaged entry (and the `fs` error when the archive cannot be read).
 */
export function readZipEntrySync(fd: number, entry: ZipEntryLocation): Uint8Array {
  const header = readAtSync(fd, entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL_SIG) throw new ZipFormatError('local header signature missing');
  const dataAt = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = readAtSync(fd, dataAt, entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) out = data;
  else {
    try {
      // maxOutputLength stops an entry that lies about its size (a zip bomb) at one byte past the claim.
      out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size + 1) });
    } catch (err) {
      throw new ZipFormatError(`cannot inflate: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (out.length !== entry.size) throw new ZipFormatError(`size is ${out.length} bytes, the directory says ${entry.size}`);
  if (crc32(out) !== entry.crc) throw new ZipFormatError('CRC mismatch');
  return out;
}

/**
 * The entries of the archive at `absPath` by name, read with blocking reads (for code that reads
 * a few entries on demand rather than walking the archive). Of two entries with one name the
 * first is kept, as the walk keeps it. Throws `ZipFormatError`, or the `fs` error.
 */
export function zipEntriesByName(absPath: string): Map<string, ZipEntryLocation> {
  const fd = fs.openSync(absPath, 'r');
  try {
    const byName = new Map<string, ZipEntryLocation>();
    for (const { name, method, crc, compressedSize, size, localHeaderOffset } of readZipDirectorySync(fd, fs.fstatSync(fd).size)) {
      if (!byName.has(name)) byName.set(name, { method, crc, compressedSize, size, localHeaderOffset });
    }
    return byName;
  } finally {
    fs.closeSync(fd);
  }
}

/** `readZipEntrySync` on the archive at `absPath`, opened for this one read and closed again. */
export function readZipEntryOnce(absPath: string, entry: ZipEntryLocation): Uint8Array {
  const fd = fs.openSync(absPath, 'r');
  try {
    return readZipEntrySync(fd, entry);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Archives kept open by `readZipEntryTask`, by path: a worker reads many entries of the same
 * archive one after the other. `closeZipArchives` closes them (a worker, when it stops).
 */
const openArchives = new Map<string, number>();

/** The bytes of a zip-entry task, or why there are none (`archive-corrupt`, `unreadable`). */
export function readZipEntryTask(task: ZipEntryTask): Uint8Array | { skip: 'archive-corrupt' | 'unreadable'; detail: string } {
  let fd = openArchives.get(task.absPath);
  try {
    if (fd === undefined) {
      fd = fs.openSync(task.absPath, 'r');
      openArchives.set(task.absPath, fd);
    }
    return readZipEntrySync(fd, task.entry);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { skip: err instanceof ZipFormatError ? 'archive-corrupt' : 'unreadable', detail };
  }
}

/**
 * Why an entry's name is unsafe, or undefined: a name that climbs out of the archive (`../`), is
 * absolute, names a drive or uses backslashes (which some tools read as folder separators) would
 * point outside the archive's folder if anything were ever extracted by it, and reports would
 * show a misleading path. Such entries are left out, with this reason.
 */
export function unsafeEntryName(name: string): string | undefined {
  if (name.includes('\\')) return "the entry's name has a backslash, which some tools read as a folder separator (a name such as ..\\x can point outside the archive)";
  if (name.startsWith('/')) return "the entry's name is an absolute path";
  if (/^[A-Za-z]:/.test(name)) return "the entry's name starts with a drive letter";
  if (name.split('/').some((p) => p === '..')) return "the entry's name has a '..' part: it points outside the archive";
  if (name.includes('\0')) return "the entry's name has a NUL character";
  return undefined;
}

/** Closes the archives `readZipEntryTask` opened. */
export function closeZipArchives(): void {
  for (const fd of openArchives.values()) fs.closeSync(fd);
  openArchives.clear();
}

/**
 * Streams the source entries of an archive as `zip-entry` tasks, in entry-name order. Entries in
 * excluded folders are reported once per folder; entries of other languages are counted;
 * encrypted entries and unsupported compression methods are `unreadable`. An archive that cannot
 * be opened at all yields one `archive-corrupt` skip; a damaged entry is found, and reported as
 * `archive-corrupt`, when a worker reads it (`readZipEntryTask`).
 */
export async function* expandZip(src: ZipSource, options: ResolvedCorpusOptions): AsyncGenerator<ZipEntryTask | CorpusSkip> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(src.absPath, 'r');
  } catch (err) {
    yield { kind: 'skip', path: src.file, reason: 'unreadable', detail: err instanceof Error ? err.message : String(err) };
    return;
  }
  try {
    let entries: ZipEntry[];
    try {
      entries = await readZipDirectory(fh, (await fh.stat()).size);
    } catch (err) {
      yield { kind: 'skip', path: src.file, reason: 'archive-corrupt', detail: `not a readable zip archive: ${err instanceof Error ? err.message : String(err)}` };
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const reportedDirs = new Set<string>();
    let previous: string | undefined;
    for (const entry of entries) {
      if (entry.name.endsWith('/')) continue;
      const label = `${src.file}!${entry.name}`;
      if (entry.name === previous) {
        yield { kind: 'skip', path: label, reason: 'duplicate-path', detail: 'the archive holds two entries with this name' };
        continue;
      }
      previous = entry.name;
      const unsafe = unsafeEntryName(entry.name);
      if (unsafe) {
        yield { kind: 'skip', path: label, reason: 'unsafe-path', detail: unsafe };
        continue;
      }
      const parts = entry.name.split('/');
      const excluded = parts.slice(0, -1).findIndex((d) => isExcludedDirName(d, options));
      if (excluded >= 0) {
        const dir = parts.slice(0, excluded + 1).join('/');
        if (!reportedDirs.has(dir)) {
          reportedDirs.add(dir);
          yield { kind: 'skip', path: `${src.file}!${dir}/`, reason: 'excluded-dir', detail: 'vendored, build, hidden or tool folder inside the archive' };
        }
        continue;
      }
      const language = languageOfFile(parts[parts.length - 1]!, options);
      if (typeof language !== 'string') {
        yield { kind: 'skip', path: label, reason: 'unsupported-language', detail: language.skip };
        continue;
      }
      if (entry.size > options.maxFileBytes) {
        yield { kind: 'skip', path: label, reason: 'too-large', detail: `${entry.size} bytes, over the cap of ${options.maxFileBytes}` };
        continue;
      }
      if (entry.flags & 1) {
        yield { kind: 'skip', path: label, reason: 'unreadable', detail: 'encrypted entry' };
        continue;
      }
      if (entry.method !== 0 && entry.method !== 8) {
        yield { kind: 'skip', path: label, reason: 'unreadable', detail: `compression method ${entry.method} is not supported (only stored and deflate)` };
        continue;
      }
      const { method, crc, compressedSize, size, localHeaderOffset } = entry;
      yield {
        kind: 'zip-entry',
        absPath: src.absPath,
        entry: { method, crc, compressedSize, size, localHeaderOffset },
        origin: { file: src.file, root: src.root, archiveEntry: entry.name, repo: src.repo },
        language,
      };
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}
