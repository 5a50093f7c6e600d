import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { findNearDuplicates, resolveNearDuplicateOptions, tokenHashes, type NearDuplicateOptions } from '../../../server/src/dataset/neardup';
import { makeSamples, makeTables, rng, type SampleSpec } from './helpers';

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

function search(specs: SampleSpec[], options: NearDuplicateOptions = {}, tables = makeTables()) {
  const { samples } = makeSamples(specs, tables);
  const c = SampleColumns.fromSamples(samples);
  const pairs: [string, string, number][] = [];
  const stats = findNearDuplicates(c, Int32Array.from(specs.keys()), tokenHashes(tables.tokens.strings), resolveNearDuplicateOptions(options), (a, b, j) =>
    pairs.push([c.ids[a]!, c.ids[b]!, j]),
  );
  pairs.sort((x, y) => (x[0] + x[1] < y[0] + y[1] ? -1 : 1));
  return { pairs, stats };
}

/** Exact Jaccard of two token lists as sets. */
function jaccard(a: string[], b: string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  let inter = 0;
  for (const x of A) if (B.has(x)) inter++;
  return inter / (A.size + B.size - inter);
}

describe('findNearDuplicates', () => {
  // Hand-made sets with known Jaccard similarities.
  const specs: SampleSpec[] = [
    { label: 'a', body: range('t', 0, 20) }, // s0
    { label: 'b', body: [...range('t', 0, 19), 'u0', 't3', 't3'] }, // s1: 19/21 = 0.905 with s0 (repeats do not count)
    { label: 'c', body: [...range('t', 0, 17), 'u1', 'u2', 'u3'] }, // s2: 17/23 = 0.739 with s0
    { label: 'd', body: [...range('t', 0, 16), 'v0', 'v1', 'v2', 'v3'] }, // s3: 16/24 = 0.667 with s0
    { label: 'f', body: range('x', 0, 18) }, // s4
    { label: 'g', body: [...range('x', 0, 16), 'y0', 'y1'] }, // s5: 16/20 = 0.8 exactly with s4
    { label: 'h', body: range('w', 0, 5) }, // s6: too few distinct tokens
    { label: 'i', body: range('w', 0, 5) }, // s7: identical to s6, still too small
  ];

  it('finds exactly the pairs at or above 0.8, with their exact Jaccard', () => {
    const { pairs, stats } = search(specs);
    assert.deepEqual(
      pairs.map(([a, b, j]) => [a, b, Math.round(j * 1000) / 1000]),
      [
        ['s000000', 's000001', 0.905],
        ['s000004', 's000005', 0.8],
      ],
    );
    assert.equal(stats.eligible, 6);
    assert.equal(stats.pairs, 2);
    assert.equal(stats.truncated, false);
    assert.ok(Math.abs(jaccard(specs[0]!.body, specs[1]!.body) - 19 / 21) < 1e-12);
  });

  it('honours the threshold and the minimum set size', () => {
    assert.equal(search(specs, { threshold: 0.7 }).pairs.length, 4, '0.905, 0.8, and 0.739 for s0–s2 and s1–s2');
    assert.equal(search(specs, { minDistinctTokens: 3 }).pairs.length, 3, 's6–s7 (identical sets) join in');
  });

  it('does not depend on the order tokens were interned in', () => {
    const reversed = makeTables();
    for (const t of [...new Set(specs.flatMap((s) => s.body))].reverse()) reversed.tokens.id(t);
    assert.deepEqual(search(specs, {}, reversed).pairs, search(specs).pairs);
  });

  it('agrees with brute force on a random corpus: no false pairs, nearly all true ones', () => {
    const r = rng(11);
    const corpus: SampleSpec[] = [];
    for (let k = 0; k < 60; k++) {
      const base = Array.from({ length: 15 + r(30) }, () => `tok${r(3000)}`);
      corpus.push({ label: `b${k}`, body: base });
      // Variants that replace a few tokens: some above 0.8, some below.
      for (let v = 0; v < 3; v++) {
        const copy = base.slice();
        const edits = 1 + r(6);
        for (let e = 0; e < edits; e++) copy[r(copy.length)] = `new${r(100000)}`;
        corpus.push({ label: `b${k}v${v}`, body: copy });
      }
    }
    const truth = new Set<string>();
    for (let i = 0; i < corpus.length; i++) {
      for (let j = i + 1; j < corpus.length; j++) {
        if (new Set(corpus[i]!.body).size < 10 || new Set(corpus[j]!.body).size < 10) continue;
        if (jaccard(corpus[i]!.body, corpus[j]!.body) >= 0.8) truth.add(`${i}-${j}`);
      }
    }
    const { pairs } = search(corpus);
    const found = new Set(pairs.map(([a, b]) => `${Number(a.slice(1))}-${Number(b.slice(1))}`));
    for (const p of found) assert.ok(truth.has(p), `false pair ${p}`);
    assert.ok(truth.size > 30, `the corpus should have true pairs (${truth.size})`);
    assert.ok(found.size >= truth.size * 0.95, `recall ${found.size}/${truth.size}`);
  });

  it('stops at the candidate budget and says so', () => {
    const many: SampleSpec[] = Array.from({ length: 50 }, (_, i) => ({ label: `m${i}`, body: [...range('t', 0, 20), `own${i}`] }));
    const { stats } = search(many, { maxCandidates: 100 });
    assert.equal(stats.truncated, true);
    assert.equal(stats.candidates, 100);
    const full = search(many);
    assert.equal(full.stats.truncated, false);
    assert.equal(full.stats.pairs, (50 * 49) / 2, 'all 1225 pairs have J = 20/22');
  });
});
