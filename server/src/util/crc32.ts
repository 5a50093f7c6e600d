/**
 * CRC-32 (the zip/gzip polynomial 0xEDB88320, reflected). Uses zlib's native implementation when
 * the running Node has it (20.15 and later), else a table-driven one.
 */
import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;

const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 of `data` (unsigned), continuing from `previous` when given. */
export function crc32(data: Uint8Array, previous = 0): number {
  if (native) return native(data, previous) >>> 0;
  return crc32Portable(data, previous);
}

/** The table-driven CRC-32, exported so tests can check it against the native one. */
export function crc32Portable(data: Uint8Array, previous = 0): number {
  const t = crcTable();
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
