/**
 * The generator's own pseudo-random numbers. Everything in `synth/` draws from here, never from
 * `Math.random`, so a seed gives byte-identical output on every machine and Node version: the
 * arithmetic is 32-bit integer only (`Math.imul`, shifts), and the one float conversion divides
 * an integer by 2^32, which is exact.
 */

/** splitmix32: turns any 32-bit value into a well-mixed one; used to seed and to derive streams. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a string: names a derived stream (`fork('java')`). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * xoshiro128** (Blackman and Vigna): 128 bits of state, period 2^128 − 1, good equidistribution
 * and fast with 32-bit integer operations only.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * @param seed any safe integer (negative and values above 2^32 are fine: both 32-bit halves
   * are mixed in); the same seed always gives the same sequence.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer (got ${seed})`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    let s = splitmix32(lo ^ splitmix32(hi));
    this.a = s;
    s = splitmix32(s);
    this.b = s;
    s = splitmix32(s);
    this.c = s;
    s = splitmix32(s);
    this.d = s;
    // An all-zero state would be a fixed point; splitmix32 makes it practically impossible, but
    // the guard costs nothing.
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A generator whose sequence depends on this one's current state and `label`, not on how much the child is used. */
  fork(label: string): Rng {
    const child = new Rng(0);
    const h = fnv1a(label);
    child.a = splitmix32(this.a ^ h);
    child.b = splitmix32(this.b ^ child.a);
    child.c = splitmix32(this.c ^ child.b);
    child.d = splitmix32(this.d ^ child.c) | 1;
    return child;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution (exact on every platform). */
  float(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32 (got ${n})`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [min, max], both included. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
