/**
 * code2vec path-contexts on a flattened method (`flatten.ts`), in plain JS over typed arrays.
 *
 * A path-context is a pair of terminals (named leaves, in document order) and the path between
 * them in the tree of named nodes: up from the first terminal to their lowest common ancestor
 * (LCA), then down to the second. With the LCA `a`, the first terminal `d1` levels below it and
 * the second `d2` levels below it:
 *
 *   length = d1 + d2 + 1            (nodes on the path, both terminals and the LCA included)
 *   width  = j - i                  (i < j: named-child indices, at `a`, of the children whose
 *                                     subtrees hold the two terminals)
 *
 * and a pair is kept when length ≤ maxPathLength and width ≤ maxPathWidth (code2vec: 8 and 2).
 * The path is written as code2vec writes it: node labels in parentheses, `^` going up, `_` going
 * down: `(identifier)^(binary_operator:+)_(integer)`.
 *
 * Enumeration never looks at all O(n²) pairs. Every terminal t registers itself with each of its
 * ancestors up to maxPathLength - 2 levels above it (a terminal deeper than that below an
 * ancestor cannot reach any other terminal through it within the length limit): the record
 * (ancestor a, child index at a, depth d). Records bucketed by ancestor (a stable counting sort)
 * come in document order, hence grouped by child index, and only groups whose child indices
 * differ by 1..maxPathWidth are combined, pair by pair, keeping d1 + d2 + 1 ≤ maxPathLength.
 * The cost is linear in the number of records (≤ (L-2)·terminals) plus the pairs produced.
 *
 * When more pairs than maxContexts exist, selection sampling (Knuth's Algorithm S: walk the
 * pairs once, keep each with probability still-needed / still-left) picks exactly maxContexts of
 * them, every subset equally likely, driven by a generator seeded with the sample id. The output
 * keeps the enumeration order (by LCA in pre-order, then by child groups), so it depends only on
 * the method and its id, never on what was extracted before.
 *
 * When memaudit's flat addon is loaded, its C version of the same steps (`native/paths.c`, a
 * `PathKernel`) does the enumeration, sampling and the lookups of paths already seen; this file
 * then only collects the terminals and names the paths the kernel meets for the first time. The
 * JS below stays the reference (tests check that both give the same contexts) and the path of
 * the other backends.
 */
import type { PathKernel } from './backend-types';
import type { FlatTree, LabelTable } from './flatten';
import { seededRandom, seedWords } from './ids';
import type { StringTable } from './sample';

/** Limits of one extraction (a subset of `ExtractSettings`). */
export interface PathLimits {
  maxContexts: number;
  maxPathLength: number;
  maxPathWidth: number;
}

function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Int32s per slot of the path table: hash, id + 1, length and LCA position, 4 words of labels, overflow offset. */
const SLOT = 8;
/** Longest path whose labels fit in a slot (two 16-bit labels per word). */
const INLINE = 8;
/** Entries of the cache of recently used paths, less one (a power of two, less one). */
const CACHE_MASK = 4095;

/**
 * Interns paths (sequences of label ids plus the position of the LCA) into the paths string
 * table without building a string for paths already seen: an open-addressing hash table (linear
 * probing, at most half full) keyed by a 32-bit hash of the sequence (FNV-1a over the ids, then a
 * finalizer); a candidate with the same hash is compared element by element, so collisions cost
 * time, never correctness. The table outgrows the caches on big corpora, where a cache miss
 * costs more than the rest of a lookup: a slot holds the whole path (its labels packed two to a
 * word; longer paths, or labels beyond 16 bits, go to `seqs`), so that a lookup reads one cache line.
 */
class PathInterner {
  /** Slots of SLOT words: [0] hash, [1] table id + 1 (0: empty), [2] length | LCA position << 16, [3..6] labels, [7] offset in `seqs` or -1. */
  private slots = new Int32Array(SLOT << 12);
  /** Direct-mapped cache of inline paths, slots as in `slots` (word 7 unused). */
  private readonly cache = new Int32Array(SLOT * (CACHE_MASK + 1));
  private seqs = new Int32Array(1024);
  private seqsLen = 0;
  private count = 0;

  constructor(
    private readonly paths: StringTable,
    private readonly labels: LabelTable,
  ) {}

  /** Table id of the path `seq[0..len)` whose LCA is at position `up`. */
  id(seq: Int32Array, len: number, up: number): number {
    let h = 0x811c9dc5 ^ up;
    let inline = len <= INLINE;
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let p3 = 0;
    for (let i = 0; i < len; i++) {
      const v = seq[i]!;
      h = Math.imul(h ^ v, 0x01000193);
      if (v >>> 16 !== 0) inline = false;
      const w = i & 1 ? v << 16 : v;
      if (i < 2) p0 |= w;
      else if (i < 4) p1 |= w;
      else if (i < 6) p2 |= w;
      else p3 |= w;
    }
    // FNV's low bits mix poorly on small integers; MurmurHash3's finalizer spreads them.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const shape = len | (up << 16);
    // The recently used paths first: a small table that stays in the caches (paths are Zipf-like).
    const cache = this.cache;
    const c = (h & CACHE_MASK) * SLOT;
    if (inline && cache[c] === h && cache[c + 2] === shape && cache[c + 3] === p0 && cache[c + 4] === p1 && cache[c + 5] === p2 && cache[c + 6] === p3 && cache[c + 1] !== 0) {
      return cache[c + 1]! - 1;
    }
    const id = this.lookup(seq, len, h, shape, inline, p0, p1, p2, p3);
    if (inline) {
      cache[c] = h;
      cache[c + 1] = id + 1;
      cache[c + 2] = shape;
      cache[c + 3] = p0;
      cache[c + 4] = p1;
      cache[c + 5] = p2;
      cache[c + 6] = p3;
    }
    return id;
  }

  private lookup(seq: Int32Array, len: number, h: number, shape: number, inline: boolean, p0: number, p1: number, p2: number, p3: number): number {
    const up = shape >>> 16;
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    let b = (h & mask) * SLOT;
    for (let e = slots[b + 1]!; e !== 0; e = slots[b + 1]!) {
      if (slots[b] === h && slots[b + 2] === shape) {
        const over = slots[b + 7]!;
        if (inline ? over === -1 && slots[b + 3] === p0 && slots[b + 4] === p1 && slots[b + 5] === p2 && slots[b + 6] === p3 : over >= 0 && this.sameSeq(over, seq, len)) {
          return e - 1;
        }
      }
      b = (b + SLOT) & (slots.length - 1);
    }
    const id = this.name(seq, len, up);
    slots[b] = h;
    slots[b + 1] = id + 1;
    slots[b + 2] = shape;
    if (inline) {
      slots[b + 3] = p0;
      slots[b + 4] = p1;
      slots[b + 5] = p2;
      slots[b + 6] = p3;
      slots[b + 7] = -1;
    } else {
      this.seqs = grow(this.seqs, this.seqsLen + len);
      this.seqs.set(seq.subarray(0, len), this.seqsLen);
      slots[b + 7] = this.seqsLen;
      this.seqsLen += len;
    }
    if (2 * ++this.count * SLOT > slots.length) this.rehash();
    return id;
  }

  /** Table id of a path's string (interned without the lookup table: `NativePaths` keeps its own). */
  name(seq: Int32Array, len: number, up: number): number {
    return this.paths.id(this.format(seq, len, up));
  }

  /**
   * Table id of a path new to the C kernel's table, appended without hashing its string while
   * every string of the table came from here and no label holds a parenthesis: label sequences
   * then spell distinct strings (the parentheses around each label delimit it), so a path new to
   * the kernel is new to the table. Otherwise (a table shared with the dataset, as the noise
   * editor's is, or a label with a parenthesis) every later path is interned by its string,
   * exactly as `name` does.
   */
  nameNew(seq: Int32Array, len: number, up: number): number {
    const names = this.labels.names;
    if (!this.byString && this.paths.size !== this.appended) this.byString = true;
    if (!this.byString) {
      for (let i = 0; i < len; i++) {
        const n = names[seq[i]!]!;
        if (n.includes('(') || n.includes(')')) {
          this.byString = true;
          break;
        }
      }
    }
    const s = this.format(seq, len, up);
    if (this.byString) return this.paths.id(s);
    this.appended++;
    return this.paths.append(s);
  }

  private byString = false;
  /** Strings appended by `nameNew` (while they are all the table holds). */
  private appended = 0;

  private sameSeq(off: number, seq: Int32Array, len: number): boolean {
    const seqs = this.seqs;
    for (let i = 0; i < len; i++) if (seqs[off + i] !== seq[i]) return false;
    return true;
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length / SLOT - 1;
    for (let o = 0; o < old.length; o += SLOT) {
      if (old[o + 1] === 0) continue;
      let b = (old[o]! & mask) * SLOT;
      while (slots[b + 1] !== 0) b = (b + SLOT) & (slots.length - 1);
      slots.set(old.subarray(o, o + SLOT), b);
    }
    this.slots = slots;
  }

  /**
   * The path's string. Joined from parts rather than concatenated: `+=` makes a rope of some 20
   * pieces that every later use (a worker's `postMessage` of new paths above all) must flatten
   * first, which cost more than the rest of interning the path did.
   */
  private format(seq: Int32Array, len: number, up: number): string {
    const parts = this.parts;
    parts.length = 0;
    parts.push('(', this.labels.names[seq[0]!]!, ')');
    for (let i = 1; i < len; i++) parts.push(i <= up ? '^(' : '_(', this.labels.names[seq[i]!]!, ')');
    return parts.join('');
  }

  private readonly parts: string[] = [];
}

/** Indices of the kernel's `params` (the enum of native/paths.c). */
const P_M = 0;
const P_SPAN = 1;
const P_T = 2;
const P_L = 3;
const P_W = 4;
const P_MAX_CONTEXTS = 5;
const P_SEED_A = 6;
const P_SEED_B = 7;
const P_FRESH = 8;

/**
 * Runs the C kernel and maps its local path ids to the ids of the paths string table: a path
 * new to the kernel's table is named here once (`PathInterner.nameNew`), so the table holds the
 * same strings in the same order as with the JS version.
 */
class NativePaths {
  private readonly table: unknown;
  private readonly params = new Int32Array(9);
  private out = new Int32Array(0);
  private fresh = new Int32Array(0);
  /** Table id of each local id. */
  private toTable = new Int32Array(1024);
  private known = 0;

  constructor(
    private readonly kernel: PathKernel,
    private readonly interner: PathInterner,
  ) {
    this.table = kernel.createPathTable();
  }

  compute(flat: FlatTree, m: number, T: number, terms: Int32Array, termTok: Int32Array, limits: PathLimits, seed: string): Int32Array {
    const p = this.params;
    p[P_M] = m;
    p[P_SPAN] = flat.end[m]! - m;
    p[P_T] = T;
    p[P_L] = limits.maxPathLength;
    p[P_W] = limits.maxPathWidth;
    p[P_MAX_CONTEXTS] = limits.maxContexts;
    // (Stored as int32: the kernel reads the same bits back as uint32.)
    const [a, b] = seedWords(seed);
    p[P_SEED_A] = a;
    p[P_SEED_B] = b;
    // At most one context per pair of terminals.
    const most = Math.min(limits.maxContexts, (T * (T - 1)) / 2);
    if (this.out.length < 3 * most) this.out = new Int32Array(3 * most);
    const freshNeed = most * (limits.maxPathLength + 2);
    if (this.fresh.length < freshNeed) this.fresh = new Int32Array(freshNeed);
    const n = this.kernel.pathContexts(this.table, flat.npar, flat.nidx, flat.label, terms, termTok, p, this.out, this.fresh);
    const added = p[P_FRESH]!;
    if (added > 0) {
      this.toTable = grow(this.toTable, this.known + added);
      const fresh = this.fresh;
      for (let k = 0, o = 0; k < added; k++) {
        const len = fresh[o]!;
        const up = fresh[o + 1]!;
        this.toTable[this.known++] = this.interner.nameNew(fresh.subarray(o + 2, o + 2 + len), len, up);
        o += 2 + len;
      }
    }
    const out = this.out.slice(0, 3 * n);
    const toTable = this.toTable;
    for (let k = 1; k < out.length; k += 3) out[k] = toTable[out[k]!]!;
    return out;
  }
}

/** Computes the path-contexts of methods; holds reusable scratch buffers. */
export class PathContexts {
  private readonly interner: PathInterner;
  private terms = new Int32Array(1024);
  private termTok = new Int32Array(1024);
  private recA = new Int32Array(4096);
  private recChild = new Int32Array(4096);
  private recDepth = new Int32Array(4096);
  private recTerm = new Int32Array(4096);
  private sortedRec = new Int32Array(4096);
  private bucket = new Int32Array(1024);
  /** Pairs as (record of the first terminal, record of the second) at their LCA. */
  private pairs = new Int32Array(2 * 1024);
  private seq = new Int32Array(16);
  private readonly native: NativePaths | undefined;

  /** `kernel`: the flat addon's C version, when loaded (see the module comment). */
  constructor(paths: StringTable, labels: LabelTable, kernel?: PathKernel) {
    this.interner = new PathInterner(paths, labels);
    this.native = kernel === undefined ? undefined : new NativePaths(kernel, this.interner);
  }

  /**
   * Path-contexts of the method rooted at flat node `m`, as (start token, path, end token)
   * triples. `isName(i)` tells terminals that stand for the method's own name; their token is
   * `placeholder`. `seed`: the sample id (16 hex digits), which seeds the sampling.
   */
  compute(flat: FlatTree, m: number, limits: PathLimits, placeholder: number, isName: (i: number) => boolean, seed: string): Int32Array {
    const L = limits.maxPathLength;
    const W = limits.maxPathWidth;
    const end = flat.end[m]!;
    const { npar, nidx, term, label } = flat;

    // Terminals of the method, in document order, with their tokens.
    let T = 0;
    for (let i = m; i < end; i++) {
      if (term[i] === -1) continue;
      if (T >= this.terms.length) {
        this.terms = grow(this.terms, T + 1);
        this.termTok = grow(this.termTok, T + 1);
      }
      this.terms[T] = i;
      this.termTok[T] = isName(i) ? placeholder : term[i]!;
      T++;
    }
    if (T < 2 || L < 3 || W < 1 || limits.maxContexts <= 0) return new Int32Array(0);
    if (this.native !== undefined) return this.native.compute(flat, m, T, this.terms, this.termTok, limits, seed);
    if (this.seq.length < L) this.seq = new Int32Array(L);

    // Records (ancestor, child index at it, depth below it, terminal), see the module comment.
    const maxUp = L - 2;
    let R = 0;
    const recA = (this.recA = grow(this.recA, T * maxUp));
    const recChild = (this.recChild = grow(this.recChild, T * maxUp));
    const recDepth = (this.recDepth = grow(this.recDepth, T * maxUp));
    const recTerm = (this.recTerm = grow(this.recTerm, T * maxUp));
    const terms = this.terms;
    for (let k = 0; k < T; k++) {
      let c = terms[k]!;
      for (let d = 1; d <= maxUp; d++) {
        const a = npar[c]!;
        if (a < m) break;
        recA[R] = a - m;
        recChild[R] = nidx[c]!;
        recDepth[R] = d;
        recTerm[R] = k;
        R++;
        c = a;
      }
    }

    // Stable counting sort of the records by ancestor.
    const span = end - m;
    const bucket = (this.bucket = grow(this.bucket, span + 1));
    bucket.fill(0, 0, span + 1);
    for (let r = 0; r < R; r++) bucket[recA[r]! + 1]!++;
    for (let a = 0; a < span; a++) bucket[a + 1]! += bucket[a]!;
    const sorted = (this.sortedRec = grow(this.sortedRec, R));
    for (let r = 0; r < R; r++) sorted[bucket[recA[r]!]!++] = r;
    // After the scatter, bucket[a] is the end of a's records; they start where a-1's end.

    // Pairs of records (of the first terminal, of the second) at a common ancestor, within the limits.
    let pairs = this.pairs;
    let P = 0;
    let from = 0;
    for (let a = 0; a < span; a++) {
      const to = bucket[a]!;
      if (to - from >= 2) {
        let g1 = from;
        while (g1 < to) {
          const c1 = recChild[sorted[g1]!]!;
          let g1End = g1 + 1;
          while (g1End < to && recChild[sorted[g1End]!] === c1) g1End++;
          let g2 = g1End;
          while (g2 < to) {
            const c2 = recChild[sorted[g2]!]!;
            if (c2 - c1 > W) break;
            let g2End = g2 + 1;
            while (g2End < to && recChild[sorted[g2End]!] === c2) g2End++;
            for (let x = g1; x < g1End; x++) {
              const rx = sorted[x]!;
              const budget = L - 1 - recDepth[rx]!;
              for (let y = g2; y < g2End; y++) {
                const ry = sorted[y]!;
                if (recDepth[ry]! > budget) continue;
                if (2 * P + 2 > pairs.length) pairs = this.pairs = grow(pairs, 2 * P + 2);
                pairs[2 * P] = rx;
                pairs[2 * P + 1] = ry;
                P++;
              }
            }
            g2 = g2End;
          }
          g1 = g1End;
        }
      }
      from = to;
    }

    // Selection sampling (see the module comment); all pairs when there are few enough.
    const n = Math.min(P, limits.maxContexts);
    const out = new Int32Array(3 * n);
    const seq = this.seq;
    const termTok = this.termTok;
    const random = seededRandom(seed);
    let need = n;
    for (let k = 0, o = 0; need > 0; k++) {
      if (need < P - k && random() * (P - k) >= need) continue;
      need--;
      const rx = pairs[2 * k]!;
      const ry = pairs[2 * k + 1]!;
      const tx = recTerm[rx]!;
      const ty = recTerm[ry]!;
      const up = recDepth[rx]!;
      const len = up + recDepth[ry]! + 1;
      // Up from the first terminal to the LCA, then down to the second (written from its end).
      let c = terms[tx]!;
      for (let j = 0; j < up; j++) {
        seq[j] = label[c]!;
        c = npar[c]!;
      }
      seq[up] = label[c]!;
      c = terms[ty]!;
      for (let j = len - 1; j > up; j--) {
        seq[j] = label[c]!;
        c = npar[c]!;
      }
      out[o++] = termTok[tx]!;
      out[o++] = this.interner.id(seq, len, up);
      out[o++] = termTok[ty]!;
    }
    return out;
  }
}
