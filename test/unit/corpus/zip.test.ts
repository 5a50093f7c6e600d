import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { readTaskSource } from '../../../server/src/corpus/decode';
import type { CorpusItem, CorpusOptions, CorpusSkip, ZipEntryTask } from '../../../server/src/corpus/types';
import { corpusTasks } from '../../../server/src/corpus/walk';
import { closeZipArchives } from '../../../server/src/corpus/zip';
import { collect, makeTemp, removeTemp } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);
const tasks = (items: CorpusItem[]) => items.filter((i): i is ZipEntryTask => i.kind === 'zip-entry');
const skips = (items: CorpusItem[]) => items.filter((i): i is CorpusSkip => i.kind === 'skip').map((s) => [s.path, s.reason]);

const SOURCES = {
  'java.base/java/util/List.java': 'package java.util;\npublic interface List<E> {\n  default boolean isEmpty() { return size() == 0; }\n}\n',
  'pkg/a/tools.py': 'def tool():\n    return "ok"\n',
};

describe('zip input', () => {
  let tmp: string;
  let zipPath: string;
  before(() => {
    tmp = makeTemp('memaudit-zip-');
    zipPath = path.join(tmp, 'src.zip');
    fs.writeFileSync(
      zipPath,
      zipSync({
        'pkg/a/tools.py': [enc(SOURCES['pkg/a/tools.py']), { level: 0 }],
        'java.base/java/util/List.java': [enc(SOURCES['java.base/java/util/List.java']), { level: 9 }],
        'java.base/README.md': enc('# readme'),
        'pkg/vendor/dep.rb': enc('def dep; end'),
        'pkg/vendor/dep2.rb': enc('def dep2; end'),
        'pkg/big.rb': enc(`# ${'x'.repeat(500)}\n`),
        'pkg/empty/': new Uint8Array(0),
      }),
    );
  });
  after(() => {
    closeZipArchives();
    removeTemp(tmp);
  });

  const run = (inputs: string[], options: CorpusOptions = {}) => collect(corpusTasks(inputs, options));

  it('yields source entries in name order with the archive as file and the entry as archiveEntry', async () => {
    const items = await run([zipPath], { maxFileBytes: 400 });
    const t = tasks(items);
    assert.deepEqual(
      t.map((x) => [x.origin.archiveEntry, x.language]),
      [
        ['java.base/java/util/List.java', 'java'],
        ['pkg/a/tools.py', 'python'],
      ],
    );
    assert.deepEqual(t[0]!.origin, { file: 'src.zip', root: 0, archiveEntry: 'java.base/java/util/List.java', repo: 'src' });
    for (const x of t) {
      // (Read, inflated and checked by the worker that gets the task.)
      const decoded = readTaskSource(x, 1000);
      assert.ok('text' in decoded);
      assert.equal(decoded.text, SOURCES[x.origin.archiveEntry as keyof typeof SOURCES]);
    }
  });

  it('reports unsupported entries, an excluded folder once, and entries over the cap', async () => {
    const items = await run([zipPath], { maxFileBytes: 400 });
    assert.deepEqual(skips(items), [
      ['src.zip!java.base/README.md', 'unsupported-language'],
      ['src.zip!pkg/big.rb', 'too-large'],
      ['src.zip!pkg/vendor/', 'excluded-dir'],
    ]);
  });

  it('reports a file that is not a zip, and a truncated zip, as archive-corrupt', async () => {
    const notZip = path.join(tmp, 'fake.zip');
    fs.writeFileSync(notZip, 'this is not an archive at all, just text pretending');
    const cut = path.join(tmp, 'cut.zip');
    const whole = fs.readFileSync(zipPath);
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 30));
    for (const p of [notZip, cut]) {
      const items = await run([p]);
      assert.equal(items.length, 1);
      assert.equal(items[0]!.kind === 'skip' && items[0].reason, 'archive-corrupt', p);
    }
  });

  it('catches a damaged entry by its CRC and an entry that inflates past its declared size', async () => {
    const stored = zipSync({ 'a.py': [enc('x = 1\n'), { level: 0 }], 'b.py': [enc('y = 2\n'.repeat(50)), { level: 6 }] });
    const damaged = Buffer.from(stored);
    const at = damaged.indexOf('x = 1');
    damaged[at] = 'z'.charCodeAt(0);
    // Shrink b.py's uncompressed size in the central directory (offset 24 of its entry).
    const central = damaged.lastIndexOf(Buffer.from('b.py'));
    const entryStart = central - 46;
    assert.equal(damaged.readUInt32LE(entryStart), 0x02014b50);
    damaged.writeUInt32LE(10, entryStart + 24);
    const p = path.join(tmp, 'damaged.zip');
    fs.writeFileSync(p, damaged);
    // The walk reads only the directory; the entries are read when a worker takes their task.
    const items = await run([p]);
    assert.deepEqual(skips(items), []);
    const read = tasks(items).map((t) => readTaskSource(t, 1000));
    assert.deepEqual(
      read.map((r) => ('skip' in r ? r.skip : 'text')),
      ['archive-corrupt', 'archive-corrupt'],
    );
    assert.match('detail' in read[0]! ? read[0].detail : '', /CRC/);
    assert.match('detail' in read[1]! ? read[1].detail : '', /cannot inflate|size is/);
  });

  it('reads a -sources.jar like a zip', async () => {
    const jar = path.join(tmp, 'lib-1.0-sources.jar');
    fs.copyFileSync(zipPath, jar);
    const items = await run([jar]);
    assert.equal(tasks(items).length, 3);
    assert.equal(tasks(items)[0]!.origin.repo, 'lib-1.0-sources');
  });
});
