/**
 * Turning bytes into source text, or into a reason to skip them. Runs inside extraction workers:
 * the walker only stats files, the worker reads and decodes them.
 */
import * as fs from 'node:fs';
import type { FileTask, SkipReason, ZipEntryTask } from './types';
import { readZipEntryTask } from './zip';

/** Text of a source, or why it is skipped. */
export type DecodeResult = { text: string } | { skip: SkipReason; detail: string };

/** How many leading bytes are searched for a NUL to call a file binary (what git and grep do). */
export const BINARY_SNIFF_BYTES = 8 * 1024;

/**
 * One decoder for every file (a non-streaming `decode` starts afresh each call; opening one per
 * file cost more than decoding a small file). ignoreBOM: false means it strips a leading UTF-8
 * byte order mark.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes source bytes as strict UTF-8.
 *
 * Order of checks: size cap, UTF-16/32 byte order mark (such files are full of NULs but are text
 * in the wrong encoding, so they get the more useful `not-utf8`), a NUL byte in the first 8 KiB
 * (`binary`), then fatal UTF-8 decoding (`not-utf8`, with the offset and line of the first bad
 * byte). A UTF-8 byte order mark is stripped.
 */
export function decodeSource(bytes: Uint8Array, maxBytes: number): DecodeResult {
  if (bytes.length > maxBytes) {
    return { skip: 'too-large', detail: `${bytes.length} bytes, over the cap of ${maxBytes}` };
  }
  const bom = utf16Bom(bytes);
  if (bom !== undefined) return { skip: 'not-utf8', detail: `${bom} text (byte order mark); convert it to UTF-8` };
  const nul = bytes.subarray(0, BINARY_SNIFF_BYTES).indexOf(0);
  if (nul >= 0) return { skip: 'binary', detail: `NUL byte at offset ${nul}` };
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    return {
      skip: 'not-utf8',
      detail: `invalid UTF-8 at byte ${at} (line ${line}); the file may be Latin-1 or Windows-1252, convert it to UTF-8`,
    };
  }
}

function utf16Bom(b: Uint8Array): string | undefined {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return 'UTF-32LE';
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32BE';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'UTF-16LE';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'UTF-16BE';
  return undefined;
}

/**
 * Offset of the first byte that starts an invalid UTF-8 sequence, or -1 when all is valid.
 * Rejects what the WHATWG decoder rejects: stray continuation bytes, overlong forms (C0, C1,
 * E0 80–9F, F0 80–8F), UTF-16 surrogates (ED A0–BF), code points over U+10FFFF (F4 90+, F5–FF)
 * and truncated sequences.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const cont = b[i + k];
      if (cont === undefined || cont < 0x80 || cont > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Maps a file-system error to a skip reason with a short detail (`EACCES: permission denied`). */
export function skipFromFsError(err: unknown): { skip: SkipReason; detail: string } {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return { skip: 'unreadable', detail: `permission denied (${code})` };
    case 'ENOENT':
      return { skip: 'unreadable', detail: 'no such file: it vanished, or it is a dangling symlink (ENOENT)' };
    case 'ELOOP':
      return { skip: 'symlink-loop', detail: 'too many levels of symbolic links (ELOOP)' };
    case 'EISDIR':
      return { skip: 'unreadable', detail: 'is a directory (EISDIR)' };
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return { skip: 'unreadable', detail: code ? `${code}: ${message}` : message };
    }
  }
}

/** Describes a non-regular file for a skip detail. */
export function fileKind(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

// O_NONBLOCK keeps open() from blocking forever on a named pipe with no writer; it has no
// effect on regular files. Windows has no such flag.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Why a file must not be read, from its stat: not a regular file, or over the size cap. */
function refuseByStat(st: fs.Stats, maxBytes: number): DecodeResult | undefined {
  if (!st.isFile()) return { skip: 'unreadable', detail: `${fileKind(st)}, not a regular file` };
  if (st.size > maxBytes) return { skip: 'too-large', detail: `${st.size} bytes, over the cap of ${maxBytes}` };
  return undefined;
}

/** Decodes the `filled` bytes read into a buffer of `maxBytes + 1`; a full buffer means the file grew past the cap. */
function decodeRead(buf: Uint8Array, filled: number, maxBytes: number): DecodeResult {
  if (filled > maxBytes) return { skip: 'too-large', detail: `grew past the cap of ${maxBytes} bytes while being read` };
  return decodeSource(buf.subarray(0, filled), maxBytes);
}

/**
 * The text of a file or zip-entry task, read (and inflated) and decoded on the calling thread,
 * or why it has none. Zip archives stay open for the next entries: `closeZipArchives`.
 */
export function readTaskSource(task: FileTask | ZipEntryTask, maxBytes: number): DecodeResult {
  if (task.kind === 'file') return readSourceFileSync(task.absPath, maxBytes);
  const bytes = readZipEntryTask(task);
  return bytes instanceof Uint8Array ? decodeSource(bytes, maxBytes) : bytes;
}

/**
 * Reads and decodes one source file. Never throws for file-system trouble: permission errors,
 * vanished files, directories or pipes named like source files all become skip results.
 * Reads at most `maxBytes + 1` bytes, so a file that grew past the cap after the walk is caught
 * without reading all of it. Blocking: it runs on extraction workers, one file after another.
 */
export function readSourceFileSync(absPath: string, maxBytes: number): DecodeResult {
  let fd: number;
  try {
    fd = fs.openSync(absPath, OPEN_FLAGS);
  } catch (err) {
    return skipFromFsError(err);
  }
  try {
    const st = fs.fstatSync(fd);
    const refused = refuseByStat(st, maxBytes);
    if (refused) return refused;
    const buf = new Uint8Array(Math.min(st.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const bytesRead = fs.readSync(fd, buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buf.length) break;
    }
    return decodeRead(buf, filled, maxBytes);
  } catch (err) {
    return skipFromFsError(err);
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // Closing a descriptor we opened can only fail if it is already gone; nothing to report.
    }
  }
}
