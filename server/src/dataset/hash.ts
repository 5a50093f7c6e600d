/**
 * Small, fast, deterministic hashes for the dataset builder. None of them is cryptographic;
 * each says what it is good for.
 */
import { createHash } from 'node:crypto';

/** MurmurHash3's 32-bit finalizer: spreads every input bit over every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of a string, finished with `fmix32`. Good for hashing token strings. */
export function hashString32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * A number in [0, 1) from a key and a seed, uniform and stable across machines and Node
 * versions (SHA-256, first 48 bits). Used to place files and repositories in splits: a key's
 * value never depends on which other keys exist.
 */
export function unitHash(key: string, seed: number): number {
  const d = createHash('sha256').update(`${seed}\u0000${key}`).digest();
  return d.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * Two independent 32-bit hashes of an int sequence (plus a leading int), combined into one
 * 53-bit number usable as a Map key. Equal sequences give equal keys; different ones collide
 * with probability about 2^-53 per pair, and callers still compare contents on a match.
 */
export function hashInts53(head: number, xs: Int32Array, start: number, end: number): number {
  let h1 = fmix32(head ^ 0x3c6ef372);
  let h2 = fmix32(head ^ 0xa54ff53a);
  for (let i = start; i < end; i++) {
    const x = xs[i]!;
    h1 = Math.imul(h1 ^ fmix32(x), 0x01000193) >>> 0;
    h2 = (Math.imul(h2, 31) + Math.imul(x, 0x9e3779b1)) >>> 0;
    h2 ^= h2 >>> 15;
  }
  h1 = fmix32(h1 ^ (end - start));
  h2 = fmix32(h2 ^ Math.imul(end - start, 0x27d4eb2f));
  // 32 bits of h1 and the top 21 bits of h2: 53 bits, exactly a double's integer range.
  return h1 * 2097152 + (h2 >>> 11);
}
