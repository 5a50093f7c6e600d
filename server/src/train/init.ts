/** Seeded parameter initialization and dropout masks, both drawn from the engine's {@link Rng}. */
import { endianness } from 'node:os';
import type { ParamSpec } from './architecture';
import type { Rng } from '../util/rng';

/** Initial values of one parameter (float32), drawn from `rng`. */
export function initParam(p: ParamSpec, rng: Rng): Float32Array {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const init = p.init;
  if (init.kind === 'const') {
    out.fill(init.value);
  } else if (init.kind === 'normal') {
    for (let i = 0; i < n; i++) out[i] = init.std * rng.normal();
  } else {
    // Glorot/Xavier uniform: Var = 2/(fanIn + fanOut), i.e. U(−a, a) with a = √(6/(fanIn + fanOut)).
    const fanIn = p.shape.length > 1 ? p.shape[0]! : 1;
    const fanOut = p.shape[p.shape.length - 1]!;
    const a = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < n; i++) out[i] = a * (2 * rng.next() - 1);
  }
  return out;
}

/** Little-endian hosts can write four flags with one 32-bit store in the same byte order. */
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Bits each keep-flag needs: the smallest width w ∈ {1, 2, 4, 8} such that round(256·rate)/256 is
 * a multiple of 2^−w (0.25 needs 2 bits, 0.5 one, 0.3 all 8). A flag drops when its w-bit field
 * is below round(256·rate) / 2^(8−w), which has probability exactly effectiveDropoutRate(rate).
 */
function flagBits(threshold: number): number {
  for (const w of [1, 2, 4]) if (threshold % (1 << (8 - w)) === 0) return w;
  return 8;
}

/**
 * Per (threshold, width): one random byte → its 8/w keep-flags (one byte each, 1 = keep), packed
 * little-endian in 32-bit words (two words when a byte holds 8 flags): a lookup per byte writes
 * 2 to 8 flags.
 */
const byteTables = new Map<string, Uint32Array>();

function byteTable(threshold: number, w: number): Uint32Array {
  const key = `${threshold}/${w}`;
  let t = byteTables.get(key);
  if (!t) {
    const perByte = 8 / w;
    const words = Math.max(1, perByte / 4);
    const cut = threshold >> (8 - w);
    t = new Uint32Array(256 * words);
    for (let v = 0; v < 256; v++) {
      for (let f = 0; f < perByte; f++) {
        const field = (v >>> (f * w)) & ((1 << w) - 1);
        if (field >= cut) t[v * words + (f >> 2)] |= 1 << (8 * (f & 3));
      }
    }
    byteTables.set(key, t);
  }
  return t;
}

/**
 * Fills `out` with keep-flags (1 = keep, 0 = drop) for dropout rate `rate`. The flags are the
 * w-bit fields (least significant first, w from {@link flagBits}) of consecutive 32-bit draws of
 * `rng`: flag i is field i mod (32/w) of draw ⌊i·w/32⌋, and drops when that field is below
 * round(256·rate)/2^(8−w), so the realized rate is exactly {@link effectiveDropoutRate}(rate) and
 * the graph scales by its inverse. A mask of ~20M flags per code2vec step must not cost a JS loop
 * per flag: on little-endian hosts with an aligned `out`, each random byte is turned into its
 * flags by one table lookup and one or two 32-bit stores (at rate 0.25: 16 flags per draw).
 */
export function fillDropoutMask(out: Uint8Array, rate: number, rng: Rng): void {
  const threshold = Math.round(rate * 256);
  if (threshold === 0) {
    out.fill(1);
    return;
  }
  const n = out.length;
  const w = flagBits(threshold);
  const perWord = 32 / w;
  const words = new Uint32Array(Math.ceil(n / perWord));
  rng.fillU32(words);
  const cut = threshold >> (8 - w);
  const fieldMask = (1 << w) - 1;
  let done = 0;
  if (LITTLE_ENDIAN && out.byteOffset % 4 === 0 && w < 8) {
    // perWord flags per draw, i.e. perWord/4 32-bit stores: 2 (w = 4), 4 (w = 2) or 8 (w = 1).
    const table = byteTable(threshold, w);
    const whole = Math.floor(n / perWord);
    const out32 = new Uint32Array(out.buffer, out.byteOffset, (whole * perWord) >>> 2);
    let o = 0;
    if (w === 4) {
      for (let k = 0; k < whole; k++) {
        const r = words[k]!;
        out32[o++] = (table[r & 0xff]! | (table[(r >>> 8) & 0xff]! << 16)) >>> 0;
        out32[o++] = (table[(r >>> 16) & 0xff]! | (table[r >>> 24]! << 16)) >>> 0;
      }
    } else if (w === 2) {
      for (let k = 0; k < whole; k++) {
        const r = words[k]!;
        out32[o++] = table[r & 0xff]!;
        out32[o++] = table[(r >>> 8) & 0xff]!;
        out32[o++] = table[(r >>> 16) & 0xff]!;
        out32[o++] = table[r >>> 24]!;
      }
    } else {
      for (let k = 0; k < whole; k++) {
        const r = words[k]!;
        for (let byte = 0; byte < 4; byte++) {
          const v = ((r >>> (8 * byte)) & 0xff) * 2;
          out32[o++] = table[v]!;
          out32[o++] = table[v + 1]!;
        }
      }
    }
    done = whole * perWord;
  } else if (LITTLE_ENDIAN && out.byteOffset % 4 === 0) {
    // w = 8: four flags per draw, one 32-bit store.
    const table = byteTable(threshold, 8);
    const whole = n >>> 2;
    const out32 = new Uint32Array(out.buffer, out.byteOffset, whole);
    for (let k = 0; k < whole; k++) {
      const r = words[k]!;
      out32[k] = (table[r & 0xff]! | (table[(r >>> 8) & 0xff]! << 8) | (table[(r >>> 16) & 0xff]! << 16) | (table[r >>> 24]! << 24)) >>> 0;
    }
    done = whole * 4;
  }
  for (let i = done; i < n; i++) out[i] = ((words[Math.floor(i / perWord)]! >>> ((i % perWord) * w)) & fieldMask) >= cut ? 1 : 0;
}
