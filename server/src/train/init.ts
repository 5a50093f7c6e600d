/** Seeded parameter initialization and dropout masks, both drawn from the engine's {@link Rng}. */
import { endianness } from 'node:os';
import type { ParamSpec } from './architecture';
import type { Rng } from './rng';

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

/** Per threshold: 16 random bits (two bytes) → their two keep-flags, packed as flag₀ | flag₁ << 8. */
const pairTables = new Map<number, Uint16Array>();

function pairTable(threshold: number): Uint16Array {
  let t = pairTables.get(threshold);
  if (!t) {
    t = new Uint16Array(65536);
    for (let v = 0; v < 65536; v++) t[v] = ((v & 0xff) >= threshold ? 1 : 0) | ((v >>> 8) >= threshold ? 0x100 : 0);
    pairTables.set(threshold, t);
  }
  return t;
}

/**
 * Fills `out` with keep-flags (1 = keep, 0 = drop) for dropout rate `rate`: flag i is decided by
 * byte i mod 4 (least significant first) of the ⌊i/4⌋-th 32-bit draw, and drops when that byte is
 * below round(256·rate), so the realized rate is exactly {@link effectiveDropoutRate}(rate) and
 * the graph scales by its inverse. One draw per four flags; the flags are written four at a time
 * through a lookup table (a mask of ~20M flags per code2vec step must not cost a JS loop per flag).
 */
export function fillDropoutMask(out: Uint8Array, rate: number, rng: Rng): void {
  const threshold = Math.round(rate * 256);
  if (threshold === 0) {
    out.fill(1);
    return;
  }
  const n = out.length;
  const words = new Uint32Array(Math.ceil(n / 4));
  rng.fillU32(words);
  const table = pairTable(threshold);
  const whole = n >>> 2;
  if (LITTLE_ENDIAN && out.byteOffset % 4 === 0) {
    const out32 = new Uint32Array(out.buffer, out.byteOffset, whole);
    for (let w = 0; w < whole; w++) {
      const r = words[w]!;
      out32[w] = (table[r & 0xffff]! | (table[r >>> 16]! << 16)) >>> 0;
    }
  } else {
    for (let w = 0; w < whole; w++) {
      const r = words[w]!;
      const lo = table[r & 0xffff]!;
      const hi = table[r >>> 16]!;
      out[4 * w] = lo & 1;
      out[4 * w + 1] = lo >>> 8;
      out[4 * w + 2] = hi & 1;
      out[4 * w + 3] = hi >>> 8;
    }
  }
  for (let i = whole * 4; i < n; i++) out[i] = ((words[i >>> 2]! >>> ((i & 3) << 3)) & 0xff) >= threshold ? 1 : 0;
}
