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

/** Reads the central directory of an archive (zip64 included). Throws `ZipFormatError`. */
export async function readZipDirectory(fh: fsp.FileHandle, fileSize: number): Promise<ZipEntry[]> {
  if (fileSize < 22) throw new ZipFormatError('too short to be a zip archive');
  const tailLen = Math.min(fileSize, EOCD_SEARCH);
  const tail = await readAt(fh, fileSize - tailLen, tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('no end-of-central-directory record (not a zip archive, or truncated)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== ZIP64_LOCATOR_SIG) throw new ZipFormatError('zip64 locator missing');
    const z64At = u64(tail, loc + 8);
    const z64 = await readAt(fh, z64At, 56);
    if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new ZipFormatError('zip64 end record missing');
    count = u64(z64, 32);
    cdSize = u64(z64, 40);
    cdOffset = u64(z64, 48);
  }
  if (cdSize > MAX_CENTRAL_DIRECTORY || cdOffset + cdSize > fileSize) throw new ZipFormatError('central directory out of bounds');
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipFormatError(`central directory entry ${i} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw new ZipFormatError(`central directory entry ${i} is truncated`);
    // Bit 11 says UTF-8; older archives use CP437, which agrees with UTF-8 on ASCII names.
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    // Zip64 extra field (id 1) holds, in this order, whichever 32-bit fields are saturated.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 1) {
        let q = x + 4;
        const fieldEnd = q + len;
        if (size === 0xffffffff && q + 8 <= fieldEnd) {
          size = u64(cd, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= fieldEnd) {
          compressedSize = u64(cd, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff && q + 8 <= fieldEnd) localHeaderOffset = u64(cd, q);
      }
      x += 4 + len;
    }
    entries.push({ name, method, flags, crc, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return entries;
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
