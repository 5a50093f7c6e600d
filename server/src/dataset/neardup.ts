/**
 * Near-duplicates: pairs of samples whose sets of body tokens have Jaccard similarity
 * J(A, B) = |A ∩ B| / |A ∪ B| at or above a threshold (0.8 by default, as in Allamanis 2019).
 *
 * All-pairs comparison is quadratic (2·10^10 pairs at 200k samples), so candidates come from
 * MinHash + locality-sensitive hashing and every candidate is then verified exactly:
 *
 * - MinHash: for k = 1..K random hash functions h_k, sig_k(A) = min_{t∈A} h_k(t). For one k,
 *   P[sig_k(A) = sig_k(B)] = J(A, B).
 * - LSH: the K values are cut into b bands of r rows. Two samples become candidates when all r
 *   rows of at least one band agree: P(candidate) = 1 − (1 − J^r)^b. With the defaults K = 128,
 *   b = 21, r = 6 (126 rows used): J = 0.8 → 0.998, J = 0.75 → 0.985, J = 0.6 → 0.63,
 *   J = 0.5 → 0.28. Recall just above the threshold is thus ≈ 99.8%; precision is 1 because
 *   candidates are verified with the exact Jaccard on sorted token-id sets.
 * - A pair that agrees in several bands is verified once: only in the first band it agrees on.
 *
 * Token hashes come from the token strings, not their ids, so the result does not depend on the
 * order in which the extractor interned tokens.
 */
import type { SampleColumns } from './columns';
import { splitmix32Stream } from '../util/rng';
import { fmix32, hashString32 } from './hash';

export interface NearDuplicateOptions {
  /** Jaccard threshold, in (0, 1]. Default 0.8. */
  threshold?: number;
  /** MinHash functions K. Default 128. */
  numHashes?: number;
  /** LSH bands b; rows r = floor(K / b). Default 21. */
  bands?: number;
  /**
   * Samples with fewer distinct body tokens are left out: on tiny sets J ≥ 0.8 means "the same
   * five tokens", which every getter shares. Default 10.
   */
  minDistinctTokens?: number;
  /**
   * Work budget: candidate pairs examined (all bands together). When exhausted the search stops
   * and the result says `truncated`. Default 50 million (a few seconds).
   */
  maxCandidates?: number;
  /** Seed of the hash functions. Default 0. */
  seed?: number;
}

/** Resolved parameters, recorded in the report. */
export interface NearDuplicateParams {
  threshold: number;
  numHashes: number;
  bands: number;
  rows: number;
  minDistinctTokens: number;
  maxCandidates: number;
  seed: number;
}

/** Fills in the defaults (K = 128, b = 21, threshold 0.8, at least 10 distinct tokens). */
export function resolveNearDuplicateOptions(o: NearDuplicateOptions = {}): NearDuplicateParams {
  const numHashes = o.numHashes ?? 128;
  const bands = Math.min(o.bands ?? 21, numHashes);
  return {
    threshold: o.threshold ?? 0.8,
    numHashes,
    bands,
    rows: Math.max(1, Math.floor(numHashes / bands)),
    minDistinctTokens: o.minDistinctTokens ?? 10,
    maxCandidates: o.maxCandidates ?? 50_000_000,
    seed: o.seed ?? 0,
  };
}

/** Statistics of one search. */
export interface NearDuplicateSearch {
  /** Samples with enough distinct tokens to take part. */
  eligible: number;
  /** Candidate pairs examined (band collisions, repeats included). */
  candidates: number;
  /** Candidates verified with the exact Jaccard (first colliding band only). */
  verified: number;
  /** Pairs at or above the threshold. */
  pairs: number;
  /** True when `maxCandidates` stopped the search early: counts are then lower bounds. */
  truncated: boolean;
}

/** Per-string hashes of a token table, for `findNearDuplicates`. */
export function tokenHashes(strings: readonly string[]): Uint32Array {
  const out = new Uint32Array(strings.length);
  for (let i = 0; i < strings.length; i++) out[i] = hashString32(strings[i]!);
  return out;
}

/**
 * Finds the near-duplicate pairs among `members` (sample indices) and calls `onPair(a, b, j)`
 * for each, with a before b in `members` order. Memory: K × 4 bytes per eligible sample for
 * the signatures (100 MB at 200k samples) plus their token sets.
 */
export function findNearDuplicates(
  c: SampleColumns,
  members: Int32Array,
  hashes: Uint32Array,
  params: NearDuplicateParams,
  onPair: (a: number, b: number, jaccard: number) => void,
): NearDuplicateSearch {
  const { numHashes: K, bands: B, rows: R, threshold } = params;

  // Sorted distinct token-id sets of the eligible samples, in CSR form.
  const who: number[] = [];
  const setOffsets: number[] = [0];
  let setData = new Int32Array(1 << 16);
  let used = 0;
  let scratch = new Int32Array(256);
  for (let k = 0; k < members.length; k++) {
    const i = members[k]!;
    const body = c.body(i);
    if (body.length < params.minDistinctTokens) continue;
    if (scratch.length < body.length) scratch = new Int32Array(body.length * 2);
    const tmp = scratch.subarray(0, body.length);
    tmp.set(body);
    tmp.sort();
    let d = 0;
    for (let x = 0; x < tmp.length; x++) if (x === 0 || tmp[x] !== tmp[x - 1]) tmp[d++] = tmp[x]!;
    if (d < params.minDistinctTokens) continue;
    if (used + d > setData.length) {
      const next = new Int32Array(Math.max(used + d, setData.length * 2));
      next.set(setData.subarray(0, used));
      setData = next;
    }
    setData.set(tmp.subarray(0, d), used);
    used += d;
    who.push(i);
    setOffsets.push(used);
  }
  const m = who.length;
  const stats: NearDuplicateSearch = { eligible: m, candidates: 0, verified: 0, pairs: 0, truncated: false };
  if (m < 2) return stats;

  // MinHash signatures. h_k(x) = fmix-style mix of (x xor a_k) with an odd multiplier m_k: a
  // different bijection of 32-bit values per k, applied to the token's string hash x.
  const rnd = splitmix32Stream(params.seed ^ 0x5bd1e995);
  const A = new Uint32Array(K);
  const M = new Uint32Array(K);
  for (let k = 0; k < K; k++) {
    A[k] = rnd();
    M[k] = rnd() | 1;
  }
  const hk = (x: number, k: number): number => {
    let h = Math.imul(x ^ A[k]!, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, M[k]!);
    return (h ^ (h >>> 13)) >>> 0;
  };
  const sig = new Uint32Array(m * K).fill(0xffffffff);
  for (let j = 0; j < m; j++) {
    const row = j * K;
    for (let p = setOffsets[j]!; p < setOffsets[j + 1]!; p++) {
      const x = hashes[setData[p]!]!;
      for (let k = 0; k < K; k++) {
        const v = hk(x, k);
        if (v < sig[row + k]!) sig[row + k] = v;
      }
    }
  }

  const bandEqual = (p: number, q: number, band: number): boolean => {
    const a = p * K + band * R;
    const b = q * K + band * R;
    for (let r = 0; r < R; r++) if (sig[a + r] !== sig[b + r]) return false;
    return true;
  };

  const jaccard = (p: number, q: number): number => {
    let x = setOffsets[p]!;
    const xe = setOffsets[p + 1]!;
    let y = setOffsets[q]!;
    const ye = setOffsets[q + 1]!;
    const na = xe - x;
    const nb = ye - y;
    // J ≤ min(|A|,|B|) / max(|A|,|B|): skip pairs whose sizes alone rule them out.
    if (Math.min(na, nb) < threshold * Math.max(na, nb)) return 0;
    let inter = 0;
    while (x < xe && y < ye) {
      const u = setData[x]!;
      const v = setData[y]!;
      if (u === v) {
        inter++;
        x++;
        y++;
      } else if (u < v) x++;
      else y++;
    }
    return inter / (na + nb - inter);
  };

  // Band keys: 32-bit band hash × 2^21 + j fits a double's 53-bit integer range when m ≤ 2^21,
  // so one native numeric sort groups equal bands, ordered by j inside a group.
  const SHIFT = 2097152;
  const fast = m <= SHIFT;
  const keys = new Float64Array(m);
  const bandHash = new Uint32Array(m);
  const idx = fast ? new Uint32Array(0) : new Uint32Array(m);
  bands: for (let band = 0; band < B; band++) {
    for (let j = 0; j < m; j++) {
      let h = 0x9747b28c ^ band;
      const base = j * K + band * R;
      for (let r = 0; r < R; r++) h = fmix32((h ^ sig[base + r]!) + r);
      bandHash[j] = h;
      if (fast) keys[j] = h * SHIFT + j;
    }
    if (fast) keys.sort();
    else {
      for (let j = 0; j < m; j++) idx[j] = j;
      idx.sort((p, q) => bandHash[p]! - bandHash[q]! || p - q);
    }
    const at = (x: number): number => (fast ? keys[x]! % SHIFT : idx[x]!);
    let start = 0;
    while (start < m) {
      const h = bandHash[at(start)]!;
      let end = start + 1;
      while (end < m && bandHash[at(end)] === h) end++;
      for (let x = start; x < end; x++) {
        const p = at(x);
        for (let y = x + 1; y < end; y++) {
          if (++stats.candidates > params.maxCandidates) {
            stats.candidates--;
            stats.truncated = true;
            break bands;
          }
          const q = at(y);
          if (!bandEqual(p, q, band)) continue;
          let seen = false;
          for (let earlier = 0; earlier < band && !seen; earlier++) seen = bandEqual(p, q, earlier);
          if (seen) continue;
          stats.verified++;
          const jac = jaccard(p, q);
          if (jac >= threshold) {
            stats.pairs++;
            onPair(who[p]!, who[q]!, jac);
          }
        }
      }
      start = end;
    }
  }
  return stats;
}
