import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDataset, canonicalOrder, nearDuplicatePairs, resolveDatasetOptions, type Dataset } from '../../../server/src/dataset/build';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { STATUS } from '../../../server/src/dataset/dedup';
import type { ExtractedSample } from '../../../server/src/parse/sample';
import { makeSamples, rng, type SampleSpec } from './helpers';

/** A corpus of 400 files with repeated getters (exact duplicates across files) and near-copies. */
function corpusSpecs(): SampleSpec[] {
  const r = rng(3);
  const specs: SampleSpec[] = [];
  for (let f = 0; f < 400; f++) {
    const file = `pkg${f % 7}/File${f}.java`;
    specs.push({ label: 'get|name', body: ['return', 'this', 'name'], file, repo: 'proj', line: 1 });
    const body = Array.from({ length: 12 + r(20) }, () => `t${r(400)}`);
    specs.push({ label: `compute|${f % 40}`, body, contexts: [[body[0]!, `p${r(30)}`, body[1]!]], file, repo: 'proj', line: 10 });
    if (f % 10 === 0) specs.push({ label: `compute|${f % 40}`, body: [...body, 'extra'], file: `copy/File${f}.java`, repo: 'proj', line: 5 });
  }
  return specs;
}

const built = (samples: ExtractedSample[], tables: ReturnType<typeof makeSamples>['tables']) => {
  const c = SampleColumns.fromSamples(samples);
  return { c, d: buildDataset(c, tables, { seed: 5, vocab: { tokens: { topK: 100, minCount: 1 } } }) };
};

/** Per-sample outcome keyed by sample id, independent of the order samples came in. */
function outcome(c: SampleColumns, d: Dataset): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < c.count; i++) m.set(c.ids[i]!, `${d.split[i]}/${d.status[i]}/${d.vocab.labels.strings[d.labelClass[i]!]}`);
  return m;
}

describe('buildDataset', () => {
  const { samples, tables } = makeSamples(corpusSpecs());
  const { c, d } = built(samples, tables);

  it('removes exact duplicates and reports leakage, keeping one getter in train', () => {
    const r = d.report;
    assert.equal(r.samples, c.count);
    assert.equal(r.assigned.train + r.assigned.val + r.assigned.test, c.count);
    const removed = r.duplicates.withinTrain + r.duplicates.withinVal + r.duplicates.withinTest + r.duplicates.valFromTrain + r.duplicates.testFromTrain + r.duplicates.testFromVal;
    assert.equal(r.kept.train + r.kept.val + r.kept.test, c.count - removed);
    // 400 identical getters: one kept in train, the rest removed.
    const getters = Array.from(c.ids.keys()).filter((i) => c.labelOf(i) === 'get|name');
    assert.equal(getters.filter((i) => d.status[i] === STATUS.kept).length, 1);
    assert.equal(d.split[getters.find((i) => d.status[i] === STATUS.kept)!], 0);
    assert.ok(r.duplicates.valFromTrain > 0 && r.duplicates.testFromTrain > 0);
    assert.equal(r.duplicates.withinTrain + r.duplicates.valFromTrain + r.duplicates.testFromTrain, 399);
  });

  it('lists kept samples per split, disjoint and in canonical order', () => {
    const all = [...d.train, ...d.val, ...d.test];
    assert.equal(new Set(all).size, all.length);
    for (const i of d.train) assert.equal(d.split[i], 0);
    for (const i of d.test) assert.equal(d.status[i], STATUS.kept);
    const pos = new Map(Array.from(canonicalOrder(c)).map((i, k) => [i, k]));
    for (const list of [d.train, d.val, d.test]) for (let k = 1; k < list.length; k++) assert.ok(pos.get(list[k - 1]!)! < pos.get(list[k]!)!);
  });

  it('finds the near-copies, cross-split pairs listed first', () => {
    const nd = d.report.nearDuplicates;
    assert.ok(!('skipped' in nd));
    assert.ok(nd.pairs >= 38, `near-copies found: ${nd.pairs}`);
    const listed = nearDuplicatePairs(d, c);
    assert.equal(listed.length, nd.listed);
    let seenSame = false;
    for (const p of listed) {
      assert.ok(p.jaccard >= 0.8);
      if (p.splits[0] === p.splits[1]) seenSame = true;
      else assert.ok(!seenSame, 'a cross-split pair after a same-split one');
    }
    const total = Object.values(nd.bySplits).reduce((a, b) => a + b, 0);
    assert.equal(total, nd.pairs);
  });

  it('builds vocabularies from kept training samples only, and reports label coverage', () => {
    const trainTokens = new Set<string>();
    for (const i of d.train) for (const t of c.body(i)) trainTokens.add(tables.tokens.get(t));
    for (const s of d.vocab.tokens.strings.slice(2)) assert.ok(trainTokens.has(s), `${s} is not a training token`);
    assert.equal(d.vocab.tokens.strings.length, 102);
    const labels = new Set(Array.from(d.train, (i) => c.labelOf(i)));
    assert.equal(d.vocab.labels.strings.length, labels.size + 1);
    const cov = d.report.vocab.labels.coverage;
    assert.equal(cov.train, 1);
    const inVocab = Array.from(d.test).filter((i) => labels.has(c.labelOf(i))).length;
    assert.equal(cov.test, inVocab / d.test.length);
    for (const i of d.test) assert.equal(d.labelClass[i] === d.vocab.labels.unk, !labels.has(c.labelOf(i)));
  });

  it('gives the same result whatever order the samples arrive in', () => {
    const shuffled = samples.slice();
    const r = rng(99);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = r(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const again = built(shuffled, tables);
    assert.deepEqual(outcome(again.c, again.d), outcome(c, d));
    assert.deepEqual(again.d.report, d.report);
    assert.deepEqual(again.d.vocab.tokens.strings, d.vocab.tokens.strings);
  });

  it('warns about an empty split on a tiny corpus, and can skip the near-duplicate search', () => {
    const tiny = makeSamples([{ label: 'a', body: ['x'] }]);
    const t = buildDataset(SampleColumns.fromSamples(tiny.samples), tiny.tables, { nearDuplicates: false });
    assert.ok(t.report.warnings.some((w) => /split is empty/.test(w)));
    assert.deepEqual(t.report.nearDuplicates, { skipped: true });
  });

  it('resolves options idempotently', () => {
    const o = resolveDatasetOptions({ seed: 3, vocab: { labels: { topK: 5 } } });
    assert.deepEqual(resolveDatasetOptions(o), o);
    assert.equal(o.vocab.labels.minCount, 1);
  });
});
