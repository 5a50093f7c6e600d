/**
 * The on-disk container of every cache file: a small JSON header and named typed-array sections,
 * each 8-byte aligned so that a loaded file is used in place (typed-array views on one buffer,
 * no per-element decoding).
 *
 * Layout (little-endian):
 *
 *     0   8  magic "MEMAUDIT"
 *     8   4  container version
 *     12  4  header length H (bytes of UTF-8 JSON)
 *     16  4  CRC-32 of the header
 *     20  4  flags (bit 0: written little-endian)
 *     24  H  header JSON: kind, key, meta, sections (name, type, offset from data start, bytes, CRC-32)
 *     …      zero padding to a multiple of 8 = data start
 *     …      sections, each at a multiple of 8 from data start
 *     end-16 8  magic "MEMAEND\0"
 *     end-8  8  total file length (u64)
 *
 * Reading checks magic, version, byte order, header CRC, total length and trailer (truncation),
 * bounds and CRC of every section, and throws `E_CACHE_CORRUPT` naming the first problem.
 * Writing is atomic: a temp file in the same folder, fsync, rename, fsync of the folder.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import { crc32 } from '../util/crc32';
import { writeError, writeFaults } from '../util/fs-errors';

/** Version of the container layout above (not of what is stored in it). */
export const BUNDLE_VERSION = 1;
const MAGIC = Buffer.from('MEMAUDIT', 'latin1');
const END_MAGIC = Buffer.from('MEMAEND\0', 'latin1');
const FIXED = 24;
const TRAILER = 16;

/** Typed arrays a section can hold. */
export type NumericArray = Int32Array | Uint32Array | Uint8Array | Uint16Array | Float32Array | Float64Array;
/** A section: numbers, or a list of strings. */
export type SectionValue = NumericArray | readonly string[];

type NumericType = 'i32' | 'u32' | 'u8' | 'u16' | 'f32' | 'f64';

const CTORS = {
  i32: Int32Array,
  u32: Uint32Array,
  u8: Uint8Array,
  u16: Uint16Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

function typeOf(a: NumericArray): NumericType {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Float32Array) return 'f32';
  return 'f64';
}

/** One stored array. Strings are stored as two arrays: char offsets (`name#o`) and text (`name#d`). */
interface PhysicalSection {
  name: string;
  type: NumericType;
  offset: number;
  bytes: number;
  crc: number;
}

interface StringsSection {
  name: string;
  encoding: 'utf8' | 'utf16';
  count: number;
}

interface Header {
  kind: string;
  key: string;
  meta: unknown;
  sections: PhysicalSection[];
  strings: StringsSection[];
  total: number;
}

/** What a bundle holds. `meta` must be JSON-safe. */
export interface BundleContents {
  kind: string;
  key: string;
  meta: unknown;
  sections: Record<string, SectionValue>;
}

function corrupt(file: string, why: string, cause?: unknown): EngineError {
  return new EngineError(ERROR_CODES.CACHE_CORRUPT, `cache file ${file} is unusable: ${why}`, { file, why }, cause === undefined ? undefined : { cause });
}

const align8 = (x: number): number => (x + 7) & ~7;

function bytesOf(a: NumericArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Encodes strings as one text blob plus UTF-16 offsets. UTF-8 when every string is well formed;
 * otherwise (a lone surrogate, possible in JSONL input) raw UTF-16 code units, so that the round
 * trip is exact either way.
 */
function encodeStrings(list: readonly string[]): { encoding: 'utf8' | 'utf16'; offsets: Int32Array; data: Uint8Array | Uint16Array } {
  const offsets = new Int32Array(list.length + 1);
  let total = 0;
  let wellFormed = true;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    total += s.length;
    if (total > 0x7fffffff) throw new EngineError(ERROR_CODES.INTERNAL, 'string section over 2^31 characters');
    offsets[i + 1] = total;
    if (wellFormed && !(s as unknown as { isWellFormed(): boolean }).isWellFormed()) wellFormed = false;
  }
  const joined = list.join('');
  if (wellFormed) return { encoding: 'utf8', offsets, data: Buffer.from(joined, 'utf8') };
  const data = new Uint16Array(joined.length);
  for (let i = 0; i < joined.length; i++) data[i] = joined.charCodeAt(i);
  return { encoding: 'utf16', offsets, data };
}

function decodeStrings(encoding: 'utf8' | 'utf16', offsets: Int32Array, data: Uint8Array | Uint16Array): string[] {
  let joined: string;
  if (encoding === 'utf8') {
    joined = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  } else {
    const parts: string[] = [];
    const u16 = data as Uint16Array;
    for (let i = 0; i < u16.length; i += 8192) parts.push(String.fromCharCode.apply(null, u16.subarray(i, i + 8192) as unknown as number[]));
    joined = parts.join('');
  }
  const n = offsets.length - 1;
  if (offsets[n] !== joined.length) throw new Error(`string data has ${joined.length} characters, offsets say ${offsets[n]}`);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = joined.slice(offsets[i]!, offsets[i + 1]!);
  return out;
}

/**
 * Writes a bundle atomically (temp file + fsync + rename). A failure of the file system
 * (read-only, permission denied, disk full…) throws `E_WRITE_FAILED` naming `file`; the old file
 * is kept.
 */
export async function writeBundle(file: string, contents: BundleContents): Promise<void> {
  try {
    writeFaults.before?.(file);
    await writeBundleFile(file, contents);
  } catch (e) {
    throw writeError(file, e);
  }
}

async function writeBundleFile(file: string, contents: BundleContents): Promise<void> {
  const physical: { name: string; type: NumericType; data: Uint8Array }[] = [];
  const strings: StringsSection[] = [];
  for (const [name, value] of Object.entries(contents.sections)) {
    if (name.includes('#')) throw new EngineError(ERROR_CODES.INTERNAL, `section name ${name} may not contain '#'`);
    if (Array.isArray(value)) {
      const enc = encodeStrings(value as readonly string[]);
      strings.push({ name, encoding: enc.encoding, count: value.length });
      physical.push({ name: `${name}#o`, type: 'i32', data: bytesOf(enc.offsets) });
      physical.push({ name: `${name}#d`, type: enc.encoding === 'utf8' ? 'u8' : 'u16', data: bytesOf(enc.data) });
    } else {
      const arr = value as NumericArray;
      physical.push({ name, type: typeOf(arr), data: bytesOf(arr) });
    }
  }
  const sections: PhysicalSection[] = [];
  let offset = 0;
  for (const p of physical) {
    sections.push({ name: p.name, type: p.type, offset, bytes: p.data.byteLength, crc: crc32(p.data) });
    offset = align8(offset + p.data.byteLength);
  }
  const dataBytes = offset;
  // The total depends on the header's length, which contains the total: iterate until the
  // header's padded length stops changing (at most twice, as the number grows by a digit).
  let headerBytes = Buffer.alloc(0);
  let total = 0;
  for (let guess = 0; ; ) {
    const header: Header = { kind: contents.kind, key: contents.key, meta: contents.meta, sections, strings, total: guess };
    headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    total = align8(FIXED + headerBytes.length) + dataBytes + TRAILER;
    if (total === guess) break;
    guess = total;
  }
  const fixed = Buffer.alloc(FIXED);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(BUNDLE_VERSION, 8);
  fixed.writeUInt32LE(headerBytes.length, 12);
  fixed.writeUInt32LE(crc32(headerBytes), 16);
  fixed.writeUInt32LE(1, 20);
  const trailer = Buffer.alloc(TRAILER);
  END_MAGIC.copy(trailer, 0);
  trailer.writeBigUInt64LE(BigInt(total), 8);

  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fh = await fsp.open(tmp, 'wx');
  let ok = false;
  try {
    let pos = 0;
    const put = async (b: Uint8Array): Promise<void> => {
      let done = 0;
      while (done < b.byteLength) {
        const { bytesWritten } = await fh.write(b, done, b.byteLength - done, pos + done);
        done += bytesWritten;
      }
      pos += b.byteLength;
    };
    const zeros = new Uint8Array(8);
    const pad = async (): Promise<void> => {
      const extra = align8(pos) - pos;
      if (extra > 0) await put(zeros.subarray(0, extra));
    };
    await put(fixed);
    await put(headerBytes);
    await pad();
    for (const p of physical) {
      await put(p.data);
      await pad();
    }
    await put(trailer);
    if (pos !== total) throw new EngineError(ERROR_CODES.INTERNAL, `bundle writer wrote ${pos} bytes, planned ${total}`);
    await fh.sync();
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await fsp.unlink(tmp).catch(() => undefined);
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(path.dirname(file));
}

/** fsync of a folder makes the rename durable; Windows cannot open folders, and it is best effort elsewhere. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const d = await fsp.open(dir, fs.constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some file systems refuse fsync on folders; the rename itself is still atomic.
  }
}

/** A loaded bundle: numeric sections are views on one aligned buffer; string sections are arrays. */
export interface LoadedBundle {
  kind: string;
  key: string;
  meta: unknown;
  numbers: Record<string, NumericArray>;
  strings: Record<string, string[]>;
  /** File size in bytes. */
  bytes: number;
}

/**
 * Reads and validates a bundle. Returns `undefined` when the file does not exist; throws
 * `E_CACHE_CORRUPT` when it exists but is truncated, damaged, of another version or kind.
 */
export async function readBundle(file: string, expectedKind: string): Promise<LoadedBundle | undefined> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw corrupt(file, `cannot open: ${(err as Error).message}`, err);
  }
  let buf: Uint8Array<ArrayBuffer>;
  try {
    const size = (await fh.stat()).size;
    if (size < FIXED + TRAILER) throw corrupt(file, `truncated (${size} bytes)`);
    // A fresh ArrayBuffer starts 8-aligned, so the aligned sections can be viewed in place.
    buf = new Uint8Array(new ArrayBuffer(size));
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await fh.read(buf, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled !== size) throw corrupt(file, `short read (${filled} of ${size} bytes)`);
  } finally {
    await fh.close();
  }
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!b.subarray(0, 8).equals(MAGIC)) throw corrupt(file, 'not a memaudit cache file (bad magic)');
  const version = b.readUInt32LE(8);
  if (version !== BUNDLE_VERSION) throw corrupt(file, `container version ${version}, this memaudit reads ${BUNDLE_VERSION}`);
  if ((b.readUInt32LE(20) & 1) !== 1 || os.endianness() !== 'LE') throw corrupt(file, 'byte order differs from this machine');
  const headerLen = b.readUInt32LE(12);
  if (FIXED + headerLen + TRAILER > b.length) throw corrupt(file, 'truncated (header runs past the end)');
  const headerBytes = buf.subarray(FIXED, FIXED + headerLen);
  if (crc32(headerBytes) !== b.readUInt32LE(16)) throw corrupt(file, 'header checksum mismatch');
  let header: Header;
  try {
    header = JSON.parse(b.toString('utf8', FIXED, FIXED + headerLen)) as Header;
  } catch (err) {
    throw corrupt(file, 'header is not valid JSON', err);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.sections) || !Array.isArray(header.strings) || typeof header.total !== 'number') {
    throw corrupt(file, 'header lacks its section table');
  }
  if (header.kind !== expectedKind) throw corrupt(file, `holds a ${String(header.kind)}, expected a ${expectedKind}`);
  if (header.total !== b.length) throw corrupt(file, `truncated or extended (${b.length} bytes, header says ${header.total})`);
  if (!b.subarray(b.length - TRAILER, b.length - 8).equals(END_MAGIC) || Number(b.readBigUInt64LE(b.length - 8)) !== b.length) {
    throw corrupt(file, 'trailer missing or damaged');
  }
  const dataStart = align8(FIXED + headerLen);
  const dataEnd = b.length - TRAILER;
  const numbers: Record<string, NumericArray> = {};
  for (const s of header.sections) {
    const ctor = CTORS[s.type];
    const at = dataStart + s.offset;
    if (!ctor || s.offset % 8 !== 0 || s.bytes % ctor.BYTES_PER_ELEMENT !== 0 || at + s.bytes > dataEnd || s.offset < 0) {
      throw corrupt(file, `section ${s.name} is out of bounds`);
    }
    const view = buf.subarray(at, at + s.bytes);
    if (crc32(view) !== s.crc) throw corrupt(file, `section ${s.name} checksum mismatch`);
    numbers[s.name] = new ctor(buf.buffer, at, s.bytes / ctor.BYTES_PER_ELEMENT);
  }
  const strings: Record<string, string[]> = {};
  for (const s of header.strings) {
    const offsets = numbers[`${s.name}#o`];
    const data = numbers[`${s.name}#d`];
    if (!(offsets instanceof Int32Array) || data === undefined || offsets.length !== s.count + 1) throw corrupt(file, `string section ${s.name} is incomplete`);
    try {
      strings[s.name] = decodeStrings(s.encoding, offsets, data as Uint8Array | Uint16Array);
    } catch (err) {
      throw corrupt(file, `string section ${s.name}: ${(err as Error).message}`, err);
    }
    delete numbers[`${s.name}#o`];
    delete numbers[`${s.name}#d`];
  }
  return { kind: header.kind, key: header.key, meta: header.meta, numbers, strings, bytes: b.length };
}
