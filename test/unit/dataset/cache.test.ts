import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBundle, writeBundle } from '../../../server/src/cache/bundle';
import { crc32, crc32Portable } from '../../../server/src/util/crc32';
import {
  corpusCacheName,
  corpusCachePath,
  corpusKey,
  fingerprintOf,
  loadCorpusSnapshot,
  saveCorpusSnapshot,
  type SourceRecord,
} from '../../../server/src/cache/corpus-cache';
import { datasetCacheKey, datasetCachePath, loadDataset, saveDataset } from '../../../server/src/cache/dataset-cache';
import { stableStringify } from '../../../server/src/cache/keys';
import { buildDataset, resolveDatasetOptions } from '../../../server/src/dataset/build';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { isEngineError } from '../../../server/src/errors';
import { materialize } from '../../../server/src/parse/sample';
import { walkCorpus } from '../../../server/src/corpus/walk';
import type { FileTask } from '../../../server/src/corpus/types';
import { collect, makeTemp, removeTemp, writeTree } from '../corpus/helpers';
import { makeSamples, makeTables, rng, type SampleSpec } from './helpers';

function corpus() {
  const r = rng(5);
  const specs: SampleSpec[] = [];
  for (let f = 0; f < 60; f++) {
    for (let m = 0; m < 1 + (f % 3); m++) {
      const body = Array.from({ length: 5 + r(15) }, () => `tok${r(200)}`);
      specs.push({
        label: `do|${r(20)}`,
        body,
        contexts: [[body[0]!, `path${r(50)}`, body[1]!]],
        file: `src/F${f}.java`,
        repo: 'demo',
        line: m * 10,
        ...(f % 7 === 0 ? { doc: `Docs of F${f} ✓` } : {}),
      });
    }
  }
  // A record with a lone surrogate, as JSON.parse('"\\ud800"') can produce.
  specs.push({ label: 'odd', body: ['\ud800', 'x'], file: 'train.jsonl', jsonlLine: 3, recordPath: 'odd.py', repo: 'u/v', language: 'python' });
  const { samples, tables } = makeSamples(specs);
  const columns = SampleColumns.fromSamples(samples);
  const sources: SourceRecord[] = [];
  for (let f = 0; f < 60; f++) sources.push({ root: 0, file: `src/F${f}.java`, size: 100 + f, mtimeMs: 1_700_000_000_000.5 + f, counters: { bodiless: f % 2 } });
  sources.push({ root: 0, file: 'src/Empty.java', size: 3, mtimeMs: 1 });
  sources.push({ root: 0, file: 'train.jsonl', size: 999, mtimeMs: 2 });
  return { samples, tables, columns, sources };
}

describe('cache', () => {
  let tmp: string;
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  before(() => {
    tmp = makeTemp('memaudit-cache-');
  });
  after(() => removeTemp(tmp));

  it('computes CRC-32 natively and portably alike', () => {
    const data = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    assert.equal(crc32(data), 0x414fa339);
    assert.equal(crc32Portable(data), 0x414fa339);
  });

  it('writes bundles bit-identically on a round trip, and leaves no temp files', async () => {
    const file = path.join(tmp, 'b1.bin');
    const contents = {
      kind: 'test',
      key: 'k',
      meta: { a: 1, nested: { b: [1, 2] } },
      sections: { ints: Int32Array.from([1, -2, 3]), bytes: Uint8Array.from([9]), floats: Float64Array.from([0.5, 1e300]), words: ['a', 'é', '', 'ü✓'] },
    };
    await writeBundle(file, contents);
    const first = fs.readFileSync(file);
    const loaded = (await readBundle(file, 'test'))!;
    assert.deepEqual(loaded.numbers['ints'], contents.sections.ints);
    assert.deepEqual(loaded.strings['words'], contents.sections.words);
    assert.deepEqual(loaded.meta, contents.meta);
    await writeBundle(file, { kind: loaded.kind, key: loaded.key, meta: loaded.meta, sections: { ...loaded.numbers, words: loaded.strings['words']! } });
    assert.ok(fs.readFileSync(file).equals(first));
    assert.deepEqual(
      fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')),
      [],
    );
    assert.equal(await readBundle(path.join(tmp, 'absent.bin'), 'test'), undefined);
  });

  it('round-trips a corpus snapshot: samples, tables, sources, counters and meta', async () => {
    const { samples, tables, columns, sources } = corpus();
    const file = path.join(tmp, 'corpus.bin');
    assert.equal(await saveCorpusSnapshot(file, { key: 'K1', columns, tables, sources, meta: { stats: { parsed: 60 } } }, log), true);
    const snap = (await loadCorpusSnapshot(file, log))!;
    assert.equal(snap.key, 'K1');
    assert.deepEqual(snap.meta, { stats: { parsed: 60 } });
    assert.deepEqual(snap.tables.tokens.strings, tables.tokens.strings);
    assert.deepEqual(snap.tables.paths.strings, tables.paths.strings);
    assert.deepEqual(snap.columns.toSamples(), samples);
    assert.equal(snap.columns.sample(samples.length - 1).bodyTokens.length, 2);
    assert.equal(snap.tables.tokens.get(snap.columns.body(samples.length - 1)[0]!), '\ud800', 'lone surrogate kept');

    // Saving what was loaded gives the same bytes.
    const again = path.join(tmp, 'corpus2.bin');
    await saveCorpusSnapshot(again, { key: snap.key, columns: snap.columns, tables: snap.tables, sources: snap.sources, meta: snap.meta });
    assert.ok(fs.readFileSync(again).equals(fs.readFileSync(file)));
  });

  it('answers per-source lookups: unchanged sources hit, changed or unknown ones miss', async () => {
    const { samples, tables, columns, sources } = corpus();
    const file = path.join(tmp, 'corpus-lookup.bin');
    await saveCorpusSnapshot(file, { key: 'K', columns, tables, sources });
    const snap = (await loadCorpusSnapshot(file))!;
    const f5 = sources[5]!;
    const hit = snap.lookup({ root: 0, file: f5.file, size: f5.size, mtimeMs: f5.mtimeMs })!;
    assert.deepEqual(
      Array.from(hit.samples, (i) => snap.columns.ids[i]),
      samples.filter((s) => s.origin.file === f5.file).map((s) => s.id),
    );
    assert.deepEqual(hit.counters, { bodiless: 1 });
    assert.equal(snap.lookup({ ...f5, mtimeMs: f5.mtimeMs + 1 }), undefined);
    assert.equal(snap.lookup({ ...f5, size: f5.size + 1 }), undefined);
    assert.equal(snap.lookup({ ...f5, root: 1 }), undefined);
    assert.equal(snap.lookup({ root: 0, file: 'src/New.java', size: 1, mtimeMs: 1 }), undefined);
    assert.equal(snap.lookup({ root: 0, file: 'src/Empty.java', size: 3, mtimeMs: 1 })!.samples.length, 0, 'a source without samples is still cached');

    // Re-interned into other tables, the samples read the same.
    const fresh = makeTables();
    fresh.tokens.id('something else first');
    const moved = snap.samplesOf({ ...f5 }, fresh)!;
    const original = samples.filter((s) => s.origin.file === f5.file);
    assert.deepEqual(
      moved.map((s) => materialize(s, fresh)),
      original.map((s) => materialize(s, tables)),
    );
  });

  it('tells, after a walk, which files changed since the snapshot', async () => {
    const root = path.join(tmp, 'incremental');
    writeTree(root, { 'A.java': 'class A {}', 'B.java': 'class B {}', 'c.py': 'x = 1' });
    const walkFiles = async () => (await collect(walkCorpus([root]))).filter((e): e is FileTask => e.kind === 'file');
    const first = await walkFiles();
    const name = corpusCacheName({ inputs: [root], corpusOptions: {}, extractSettings: {}, toolVersion: 't' });
    const key1 = corpusKey(name, first.map(fingerprintOf));
    // Stand-in for extraction: one sample per file, named after it.
    const { samples, tables } = makeSamples(first.map((t) => ({ label: t.origin.file, body: ['x'], file: t.origin.file })));
    const file = corpusCachePath(tmp, name);
    await saveCorpusSnapshot(file, { key: key1, columns: SampleColumns.fromSamples(samples), tables, sources: first.map(fingerprintOf) });

    fs.writeFileSync(path.join(root, 'B.java'), 'class B { int x; }');
    const second = await walkFiles();
    const key2 = corpusKey(name, second.map(fingerprintOf));
    assert.notEqual(key2, key1);
    const snap = (await loadCorpusSnapshot(file))!;
    assert.equal(snap.key, key1);
    const reuse = second.map((t) => [t.origin.file, snap.samplesOf(fingerprintOf(t))?.map((s) => s.nameSubtokens.join('|'))]);
    assert.deepEqual(reuse, [
      ['A.java', ['A.java']],
      ['B.java', undefined],
      ['c.py', ['c.py']],
    ]);
  });

  it('ignores a damaged snapshot with a logged reason, whatever the damage', async () => {
    const { columns, tables, sources } = corpus();
    const good = path.join(tmp, 'good.bin');
    await saveCorpusSnapshot(good, { key: 'K', columns, tables, sources });
    const bytes = fs.readFileSync(good);
    const headerLen = bytes.readUInt32LE(12);
    const damage: [string, (b: Buffer) => Buffer, RegExp][] = [
      ['truncated', (b) => b.subarray(0, b.length - 100), /truncated|trailer/],
      ['cut inside the header', (b) => b.subarray(0, 40), /truncated/],
      ['empty', () => Buffer.alloc(0), /truncated/],
      ['bad magic', (b) => Buffer.concat([Buffer.from('NOTMEMAU'), b.subarray(8)]), /bad magic/],
      ['newer container', (b) => (b.writeUInt32LE(99, 8), b), /container version 99/],
      ['header bit flip', (b) => ((b[30] ^= 0x01), b), /header checksum/],
      ['section bit flip', (b) => ((b[b.length - 40] ^= 0x10), b), /checksum mismatch/],
      ['data bit flip early', (b) => ((b[((24 + headerLen + 7) & ~7) + 3] ^= 0x80), b), /checksum mismatch/],
      ['extended', (b) => Buffer.concat([b, Buffer.from('junk')]), /extended|trailer/],
    ];
    for (const [name, hurt, why] of damage) {
      const file = path.join(tmp, `bad-${name.replace(/ /g, '-')}.bin`);
      fs.writeFileSync(file, hurt(Buffer.from(bytes)));
      logs.length = 0;
      assert.equal(await loadCorpusSnapshot(file, log), undefined, name);
      assert.equal(logs.length, 1, name);
      assert.match(logs[0]!, why, name);
      await assert.rejects(readBundle(file, 'memaudit-corpus'), (e: unknown) => isEngineError(e) && e.code === 'E_CACHE_CORRUPT', name);
    }
    logs.length = 0;
    assert.equal(await loadDataset(good, 'K', log), undefined, 'a corpus file is not a dataset');
    assert.match(logs[0]!, /holds a memaudit-corpus, expected a memaudit-dataset/);
  });

  it('reports a snapshot it cannot write instead of failing', async () => {
    const blocker = path.join(tmp, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const { columns, tables, sources } = corpus();
    logs.length = 0;
    assert.equal(await saveCorpusSnapshot(path.join(blocker, 'sub', 'c.bin'), { key: 'K', columns, tables, sources }, log), false);
    assert.match(logs[0]!, /cannot write .*a part of the path is a file, not a folder \(ENOTDIR\).*going on without this cache/);
  });

  it('round-trips a dataset and refuses one written for another key', async () => {
    const { columns, tables } = corpus();
    const options = resolveDatasetOptions({ seed: 1 });
    const d = buildDataset(columns, tables, options);
    const key = datasetCacheKey('corpus-key', options);
    const file = datasetCachePath(tmp, key);
    assert.equal(await saveDataset(file, key, d), true);
    const loaded = await loadDataset(file, key);
    assert.deepEqual(loaded, d);
    logs.length = 0;
    assert.equal(await loadDataset(file, 'other', log), undefined);
    assert.match(logs[0]!, /other inputs or settings/);
    assert.notEqual(datasetCacheKey('corpus-key', resolveDatasetOptions({ seed: 2 })), key);
  });

  it('round-trips a top:K dataset: its lists, statuses and selection report', async () => {
    const { columns, tables } = corpus();
    const options = resolveDatasetOptions({ seed: 1, topLabels: 5 });
    const d = buildDataset(columns, tables, options);
    assert.equal(d.report.labels?.classes, 5);
    const key = datasetCacheKey('corpus-key', options);
    const file = datasetCachePath(tmp, key);
    assert.equal(await saveDataset(file, key, d), true);
    assert.deepEqual(await loadDataset(file, key), d);
  });

  it('keys the corpus by settings and by every source fingerprint, not by their order', () => {
    const id = { inputs: ['/a', '/b'], corpusOptions: { maxFileBytes: 1, x: [1] }, extractSettings: { maxContexts: 200 }, toolVersion: '0.1.0' };
    const name = corpusCacheName(id);
    assert.equal(corpusCacheName({ ...id, corpusOptions: { x: [1], maxFileBytes: 1 } }), name);
    assert.notEqual(corpusCacheName({ ...id, extractSettings: { maxContexts: 100 } }), name);
    assert.notEqual(corpusCacheName({ ...id, inputs: ['/b', '/a'] }), name);
    assert.notEqual(corpusCacheName({ ...id, toolVersion: '0.2.0' }), name);
    const a = { root: 0, file: 'A.java', size: 10, mtimeMs: 5 };
    const b = { root: 0, file: 'B.java', size: 20, mtimeMs: 6 };
    assert.equal(corpusKey(name, [a, b]), corpusKey(name, [b, a]));
    assert.notEqual(corpusKey(name, [a, { ...b, mtimeMs: 7 }]), corpusKey(name, [a, b]));
    assert.notEqual(corpusKey(name, [a]), corpusKey(name, [a, b]));
    assert.match(corpusCachePath('/c', name), /corpus-[0-9a-f]{40}\.bin$/);
    assert.deepEqual(fingerprintOf({ kind: 'file', absPath: '/x/A.java', origin: { file: 'A.java', root: 2 }, language: 'java', size: 4, mtimeMs: 9 }), {
      root: 2,
      file: 'A.java',
      size: 4,
      mtimeMs: 9,
    });
    assert.equal(stableStringify({ b: 1, a: { d: undefined, c: [1, undefined] } }), '{"a":{"c":[1,null]},"b":1}');
  });
});
