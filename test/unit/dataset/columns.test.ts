import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchBuffers, labelOf, SampleBatchBuilder, SampleColumns, SampleColumnsBuilder } from '../../../server/src/dataset/columns';
import { makeSamples, rng } from './helpers';

describe('SampleColumns', () => {
  it('gives back every sample exactly, optional origin fields and docs included', () => {
    const { samples } = makeSamples([
      { label: 'get|name', body: ['return', 'this', 'name'], contexts: [['this', 'A^B', 'name']], file: 'src/A.java', repo: 'r', doc: 'Gets it.' },
      { label: 'shout', body: ['return', 's', 'upper'], file: 'train.jsonl', jsonlLine: 7, recordPath: 'a/b.py', repo: 'x/y', language: 'python' },
      { label: 'each|pair', body: [], file: 'src.zip', archiveEntry: 'lib/a.rb', language: 'ruby', root: 2 },
      { label: '', body: ['x'] },
    ]);
    const c = SampleColumns.fromSamples(samples);
    assert.equal(c.count, 4);
    for (let i = 0; i < samples.length; i++) assert.deepEqual(c.sample(i), samples[i]);
    assert.deepEqual(c.toSamples(), samples);
    assert.equal(c.labelOf(0), 'get|name');
    assert.equal(labelOf(['a', 'b']), 'a|b');
  });

  it('grows past its initial capacity without losing data', () => {
    const r = rng(7);
    const specs = Array.from({ length: 3000 }, (_, i) => ({
      label: `m|${i % 50}`,
      body: Array.from({ length: r(60) }, () => `t${r(500)}`),
      contexts: Array.from({ length: r(20) }, () => [`t${r(500)}`, `p${r(90)}`, `t${r(500)}`] as [string, string, string]),
    }));
    const { samples } = makeSamples(specs);
    const b = new SampleColumnsBuilder();
    for (const s of samples) b.add(s);
    const c = b.build();
    assert.equal(c.count, 3000);
    for (const i of [0, 1, 1500, 2999]) assert.deepEqual(c.sample(i), samples[i]);
    assert.equal(c.bodyTokens.length, samples.reduce((n, s) => n + s.bodyTokens.length, 0));
    assert.equal(c.contexts.length, samples.reduce((n, s) => n + s.contexts.length, 0));
  });

  it('takes samples in batches (as workers send them) into the same columns and string table as one by one', () => {
    const r = rng(11);
    const specs = Array.from({ length: 500 }, (_, i) => ({
      label: `m|${i % 37}`,
      body: Array.from({ length: r(30) }, () => `t${r(200)}`),
      contexts: Array.from({ length: r(10) }, () => [`t${r(200)}`, `p${r(40)}`, `t${r(200)}`] as [string, string, string]),
      file: `src/F${i % 23}.java`,
      ...(i % 3 === 0 ? { doc: `Doc ${i % 7}.` } : {}),
      ...(i % 5 === 0 ? { archiveEntry: `a/${i}.rb`, repo: `r${i % 2}` } : {}),
      ...(i % 11 === 0 ? { jsonlLine: i + 1, recordPath: `p/${i % 4}.py` } : {}),
      language: (['java', 'python', 'ruby'] as const)[i % 3],
      root: i % 2,
    }));
    const { samples } = makeSamples(specs);
    const one = SampleColumns.fromSamples(samples);
    const b = new SampleColumnsBuilder();
    for (let from = 0; from < samples.length; ) {
      const to = Math.min(samples.length, from + 1 + r(60));
      const batch = new SampleBatchBuilder();
      for (const s of samples.slice(from, to)) batch.add(s);
      const packed = batch.build();
      // Every buffer is owned exactly, so it can be transferred.
      for (const buf of batchBuffers(packed)) assert.ok(buf instanceof ArrayBuffer);
      assert.equal(new Set(batchBuffers(packed)).size, 5);
      b.addBatch(structuredClone(packed));
      from = to;
    }
    b.addBatch(new SampleBatchBuilder().build());
    assert.deepEqual({ ...b.build() }, { ...one });
  });

  it('refuses arrays whose lengths disagree', () => {
    const c = SampleColumns.fromSamples(makeSamples([{ label: 'a', body: ['x'] }]).samples);
    assert.throws(() => new SampleColumns({ ...c, bodyOffsets: new Int32Array([0, 5]) }), /inconsistent/);
  });
});
