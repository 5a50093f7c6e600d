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
 * When more pairs than maxContexts exist, a partial Fisher–Yates shuffle driven by a generator
 * seeded with the sample id picks maxContexts of them uniformly; the picked pairs are then put
 * back in document order (first terminal, then second), so the output depends only on the
 * method and its id.
 */
import type { FlatTree, LabelTable } from './flatten';
import type { StringTable } from './sample';

/** Limits of one extraction (a subset of `ExtractSettings`). */
export interface PathLimits {
  maxContexts: number;
  maxPathLength: number;
  maxPathWidth: number;
}

/** Multiplier packing a pair of terminal indices into one float64 exactly (indices < 2^26). */
const PAIR_SHIFT = 2 ** 26;

function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/**
 * Interns paths (sequences of label ids plus the position of the LCA) into the paths string
 * table without building a string for paths already seen: a 30-bit FNV-1a hash of the sequence
 * finds candidates, which are compared element by element (collisions chain).
 */
class PathInterner {
  private readonly byHash = new Map<number, number>();
  /** For interned path k: its sequence in `seqs`, the next path with the same hash, its table id. */
  private seqOff = new Int32Array(1024);
  private seqLen = new Int32Array(1024);
  private seqUp = new Int32Array(1024);
  private chain = new Int32Array(1024);
  private tableId = new Int32Array(1024);
  private seqs = new Int32Array(8192);
  private seqsLen = 0;
  private count = 0;

  constructor(
    private readonly paths: StringTable,
    private readonly labels: LabelTable,
  ) {}

  /** Table id of the path `seq[0..len)` whose LCA is at position `up`. */
  id(seq: Int32Array, len: number, up: number): number {
    let h = (0x811c9dc5 ^ up) >>> 0;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ seq[i]!, 0x01000193);
    h &= 0x3fffffff;
    const first = this.byHash.get(h);
    for (let k = first ?? -1; k !== -1; k = this.chain[k]!) {
      if (this.seqLen[k] !== len || this.seqUp[k] !== up) continue;
      const off = this.seqOff[k]!;
      let same = true;
      for (let i = 0; i < len; i++) {
        if (this.seqs[off + i] !== seq[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.tableId[k]!;
    }
    const k = this.count++;
    if (k >= this.seqOff.length) {
      this.seqOff = grow(this.seqOff, k + 1);
      this.seqLen = grow(this.seqLen, k + 1);
      this.seqUp = grow(this.seqUp, k + 1);
      this.chain = grow(this.chain, k + 1);
      this.tableId = grow(this.tableId, k + 1);
    }
    this.seqs = grow(this.seqs, this.seqsLen + len);
    this.seqs.set(seq.subarray(0, len), this.seqsLen);
    this.seqOff[k] = this.seqsLen;
    this.seqLen[k] = len;
    this.seqUp[k] = up;
    this.seqsLen += len;
    this.chain[k] = first ?? -1;
    this.byHash.set(h, k);
    const id = this.paths.id(this.format(seq, len, up));
    this.tableId[k] = id;
    return id;
  }

  private format(seq: Int32Array, len: number, up: number): string {
    let s = `(${this.labels.names[seq[0]!]!})`;
    for (let i = 1; i < len; i++) s += `${i <= up ? '^' : '_'}(${this.labels.names[seq[i]!]!})`;
    return s;
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
  /** Pairs as `first * 2^26 + second` (terminal indices): one number to shuffle and sort natively. */
  private pairs = new Float64Array(1024);
  private seq = new Int32Array(16);
  private down = new Int32Array(16);

  constructor(paths: StringTable, labels: LabelTable) {
    this.interner = new PathInterner(paths, labels);
  }

  /**
   * Path-contexts of the method rooted at flat node `m`, as (start token, path, end token)
   * triples. `isName(i)` tells terminals that stand for the method's own name; their token is
   * `placeholder`.
   */
  compute(flat: FlatTree, m: number, limits: PathLimits, placeholder: number, isName: (i: number) => boolean, random: () => number): Int32Array {
    const L = limits.maxPathLength;
    const W = limits.maxPathWidth;
    const end = flat.end[m]!;
    const { npar, nidx, term, label, end: ends } = flat;

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
    if (T > PAIR_SHIFT) throw new RangeError(`a method with ${T} terminals is beyond the 2^26 the path-context encoding supports`);
    if (this.seq.length < L) {
      this.seq = new Int32Array(L);
      this.down = new Int32Array(L);
    }

    // Records (ancestor, child index at it, depth below it, terminal), see the module comment.
    const maxUp = L - 2;
    let R = 0;
    this.recA = grow(this.recA, T * maxUp);
    this.recChild = grow(this.recChild, T * maxUp);
    this.recDepth = grow(this.recDepth, T * maxUp);
    this.recTerm = grow(this.recTerm, T * maxUp);
    for (let k = 0; k < T; k++) {
      let c = this.terms[k]!;
      for (let d = 1; d <= maxUp; d++) {
        const a = npar[c]!;
        if (a < m) break;
        this.recA[R] = a - m;
        this.recChild[R] = nidx[c]!;
        this.recDepth[R] = d;
        this.recTerm[R] = k;
        R++;
        c = a;
      }
    }

    // Stable counting sort of the records by ancestor.
    const span = end - m;
    this.bucket = grow(this.bucket, span + 1);
    const bucket = this.bucket;
    bucket.fill(0, 0, span + 1);
    for (let r = 0; r < R; r++) bucket[this.recA[r]! + 1]!++;
    for (let a = 0; a < span; a++) bucket[a + 1]! += bucket[a]!;
    this.sortedRec = grow(this.sortedRec, R);
    const sorted = this.sortedRec;
    for (let r = 0; r < R; r++) sorted[bucket[this.recA[r]!]!++] = r;
    // After the scatter, bucket[a] is the end of a's records; they start where a-1's end.

    // Pairs (first terminal, second terminal, ancestor) within the limits.
    let P = 0;
    let from = 0;
    for (let a = 0; a < span; a++) {
      const to = bucket[a]!;
      if (to - from >= 2) {
        let g1 = from;
        while (g1 < to) {
          const c1 = this.recChild[sorted[g1]!]!;
          let g1End = g1 + 1;
          while (g1End < to && this.recChild[sorted[g1End]!] === c1) g1End++;
          let g2 = g1End;
          while (g2 < to) {
            const c2 = this.recChild[sorted[g2]!]!;
            if (c2 - c1 > W) break;
            let g2End = g2 + 1;
            while (g2End < to && this.recChild[sorted[g2End]!] === c2) g2End++;
            for (let x = g1; x < g1End; x++) {
              const rx = sorted[x]!;
              const budget = L - 1 - this.recDepth[rx]!;
              for (let y = g2; y < g2End; y++) {
                const ry = sorted[y]!;
                if (this.recDepth[ry]! > budget) continue;
                if (P >= this.pairs.length) {
                  const bigger = new Float64Array(this.pairs.length * 2);
                  bigger.set(this.pairs);
                  this.pairs = bigger;
                }
                this.pairs[P++] = this.recTerm[rx]! * PAIR_SHIFT + this.recTerm[ry]!;
              }
            }
            g2 = g2End;
          }
          g1 = g1End;
        }
      }
      from = to;
    }

    // Sample, then restore document order.
    const pairs = this.pairs;
    let n = P;
    if (P > limits.maxContexts) {
      n = limits.maxContexts;
      for (let k = 0; k < n; k++) {
        const j = k + Math.floor(random() * (P - k));
        const t = pairs[k]!;
        pairs[k] = pairs[j]!;
        pairs[j] = t;
      }
    }
    const chosen = pairs.subarray(0, n).sort();

    const out = new Int32Array(3 * n);
    const seq = this.seq;
    const down = this.down;
    for (let o = 0; o < n; o++) {
      const key = chosen[o]!;
      const tx = Math.floor(key / PAIR_SHIFT);
      const ty = key - tx * PAIR_SHIFT;
      const x = this.terms[tx]!;
      const y = this.terms[ty]!;
      // The LCA is the first ancestor of x whose subtree range holds y.
      let len = 0;
      let a = x;
      while (!(a <= y && y < ends[a]!)) {
        seq[len++] = label[a]!;
        a = npar[a]!;
      }
      const up = len;
      seq[len++] = label[a]!;
      let dn = 0;
      for (let c = y; c !== a; c = npar[c]!) down[dn++] = label[c]!;
      while (dn > 0) seq[len++] = down[--dn]!;
      out[3 * o] = this.termTok[tx]!;
      out[3 * o + 1] = this.interner.id(seq, len, up);
      out[3 * o + 2] = this.termTok[ty]!;
    }
    return out;
  }
}
