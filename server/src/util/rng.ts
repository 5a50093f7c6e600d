/**
 * The engine's one pseudo-random generator, xoshiro128** (Blackman & Vigna), and the splitmix32
 * mixers that seed it. Everything that must be reproducible draws from here, never from
 * `Math.random`: the arithmetic is 32-bit integer only (`Math.imul`, shifts) and the one float
 * conversion divides an integer by 2^32, which is exact, so a seed gives the same numbers on
 * every machine and Node version.
 */

/** The golden-ratio increment of splitmix32: ⌊2^32 / φ⌋. */
const GOLDEN = 0x9e3779b9;

/**
 * One splitmix32 step as a function: MurmurHash3's 32-bit finalizer applied to x + ⌊2^32/φ⌋.
 * Turns any 32-bit value into a well-mixed one, so nearby seeds give unrelated generators.
 */
export function splitmix32(x: number): number {
  let z = (x + GOLDEN) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A splitmix32 stream of 32-bit values with the mixing constants of bryc's JavaScript port
 * (0x21f0aaad, 0x735a2d97, from Hash Prospector) instead of MurmurHash3's. The near-duplicate
 * detector draws its MinHash parameters from it; other constants would change which files count
 * as near-duplicates, so it keeps its own.
 */
export function splitmix32Stream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + GOLDEN) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** FNV-1a over the UTF-16 code units of a string: names a derived stream (`fork('java')`). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * xoshiro128**: 128 bits of state, period 2^128 − 1, good equidistribution and fast with 32-bit
 * integer operations only. The whole state is four words, so it can be saved in a checkpoint and
 * restored exactly (a resumed training run equals an uninterrupted one).
 *
 * Integers are drawn as ⌊u·n⌋ from one uniform u: one draw per call, with a bias below n / 2^32.
 * {@link SynthRng} draws them without bias instead.
 */
export class Rng {
  private readonly s = new Uint32Array(4);

  /**
   * @param seed a number: the state is the first four outputs of a splitmix32 stream started at
   * `seed >>> 0`; or a state saved by {@link state}.
   */
  constructor(seed: number | readonly number[]) {
    if (typeof seed !== 'number') {
      this.setState(seed);
      return;
    }
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      this.s[i] = splitmix32(x);
      x = (x + GOLDEN) >>> 0;
    }
    // An all-zero state would be a fixed point; splitmix32 makes it practically impossible, but
    // the guard costs nothing.
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /**
   * Fills `out` with the next `out.length` values of {@link nextU32}, in order (the same stream,
   * with the state kept in locals: several times faster for bulk draws such as dropout masks).
   */
  fillU32(out: Uint32Array): void {
    let s0 = this.s[0]!;
    let s1 = this.s[1]!;
    let s2 = this.s[2]!;
    let s3 = this.s[3]!;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
      const t = (s1 << 9) >>> 0;
      s2 = (s2 ^ s0) >>> 0;
      s3 = (s3 ^ s1) >>> 0;
      s1 = (s1 ^ s2) >>> 0;
      s0 = (s0 ^ s3) >>> 0;
      s2 = (s2 ^ t) >>> 0;
      s3 = rotl(s3, 11);
    }
    this.s[0] = s0;
    this.s[1] = s1;
    this.s[2] = s2;
    this.s[3] = s3;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution (exact on every platform). */
  next(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max], both included. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Standard normal (Box–Muller; one value per call, the partner is discarded for a simple state). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /**
   * A generator of the same kind whose sequence depends on this one's current state and `label`,
   * not on how much the child or the parent is used afterwards.
   */
  fork(label: string): this {
    const s = this.s;
    const a = splitmix32(s[0]! ^ fnv1a(label));
    const b = splitmix32(s[1]! ^ a);
    const c = splitmix32(s[2]! ^ b);
    const d = splitmix32(s[3]! ^ c) | 1;
    // Both constructors take a saved state, so the child keeps the subclass and its draws.
    const Kind = this.constructor as new (state: readonly number[]) => this;
    return new Kind([a, b, c, d]);
  }

  /** The four state words, for a checkpoint. */
  state(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4) throw new RangeError(`Rng state must be 4 words (got ${state.length})`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
  }
}

/**
 * The corpus generator's {@link Rng}: seeded and drawing integers exactly as every generated
 * corpus so far was made, so a seed keeps giving byte-identical corpora. Two things differ from
 * the base class, and both are part of the corpora's definition: the state is splitmix32 chained
 * from both 32-bit halves of any safe integer (negative and above 2^32 included), and integers
 * are drawn without bias by rejection.
 */
export class SynthRng extends Rng {
  /** @param seed any safe integer, or a state saved by {@link state}. */
  constructor(seed: number | readonly number[]) {
    super(typeof seed === 'number' ? synthSeedState(seed) : seed);
  }

  /** The same draw as {@link Rng.next}, under the name the generator's templates use. */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [0, n), without modulo bias: draws above the last multiple of n are rejected. */
  override int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32 (got ${n})`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }
}

/** The state of `new SynthRng(seed)`: splitmix32 of the low half mixed with the high half's, then chained. */
function synthSeedState(seed: number): number[] {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer (got ${seed})`);
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const a = splitmix32((seed >>> 0) ^ splitmix32(hi));
  const b = splitmix32(a);
  const c = splitmix32(b);
  const d = splitmix32(c);
  // As in the base class: never the all-zero fixed point.
  return (a | b | c | d) === 0 ? [1, b, c, d] : [a, b, c, d];
}
