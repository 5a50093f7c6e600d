/** The audit reads a sample's source again from where extraction found it: a file, a JSONL record or a zip entry. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { sourceLookup } from '../../../server/src/audit/source-lookup';
import type { SampleColumns } from '../../../server/src/dataset/columns';
import type { SampleOrigin } from '../../../server/src/parse/sample';
import { makeTemp, removeTemp, writeTree } from '../corpus/helpers';

const enc = (s: string) => new TextEncoder().encode(s);

/** Columns that know only their samples' origins (all the lookup reads). */
function columnsOf(origins: SampleOrigin[]): SampleColumns {
  return { sample: (i: number) => ({ origin: origins[i]! }) } as unknown as SampleColumns;
}

const JAVA = 'class A {\n  int f() { return 1; }\n}\n';
const RUBY = 'def zipped\n  1\nend\n';
const JSONL = [JSON.stringify({ code: 'def one():\n    return 1\n', language: 'python' }), JSON.stringify({ code: 7 }), '{"code": "def three(): pass",', JSON.stringify({ code: 'def four(): pass' }), ''].join('\n');

describe('sourceLookup', () => {
  let dir: string;
  let inputs: string[];
  before(() => {
    dir = makeTemp('memaudit-lookup-');
    writeTree(dir, {
      'tree/src/A.java': JAVA,
      'tree/latin1.py': new Uint8Array([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]),
      'tree/big.py': `# ${'x'.repeat(300)}\n`,
      'single.py': 'x = 1\n',
      'records.jsonl': JSONL,
      'records.jsonl.gz': gzipSync(enc(JSONL)),
      'src.zip': zipSync({ 'lib/zipped.rb': [enc(RUBY), { level: 9 }], 'lib/stored.py': [enc('y = 2\n'), { level: 0 }], 'lib/bin.py': new Uint8Array([1, 0, 2]) }),
    });
    inputs = ['tree', 'single.py', 'records.jsonl', 'records.jsonl.gz', 'src.zip'];
  });
  after(() => removeTemp(dir));

  const lookupOf = (origins: SampleOrigin[]) => sourceLookup(columnsOf(origins), inputs, dir, 100);

  it('reads a file under a folder root, and a root that is itself the file', () => {
    const lookup = lookupOf([
      { root: 0, file: 'src/A.java' },
      { root: 1, file: 'single.py' },
    ]);
    assert.equal(lookup(0), JAVA);
    assert.equal(lookup(1), 'x = 1\n');
  });

  it("reads a JSONL record's code by line, plain or gzip-compressed", () => {
    const origins: SampleOrigin[] = [];
    for (const root of [2, 3]) for (const jsonlLine of [1, 2, 3, 4, 9]) origins.push({ root, file: inputs[root]!, jsonlLine });
    const lookup = lookupOf(origins);
    const expected = ['def one():\n    return 1\n', undefined, undefined, 'def four(): pass', undefined];
    assert.deepEqual(
      origins.map((_, i) => lookup(i)),
      [...expected, ...expected],
    );
  });

  it('reads a zip entry, inflated or stored', () => {
    const lookup = lookupOf([
      { root: 4, file: 'src.zip', archiveEntry: 'lib/zipped.rb' },
      { root: 4, file: 'src.zip', archiveEntry: 'lib/stored.py' },
      { root: 4, file: 'src.zip', archiveEntry: 'lib/missing.rb' },
      { root: 4, file: 'src.zip', archiveEntry: 'lib/bin.py' },
    ]);
    assert.deepEqual([0, 1, 2, 3].map(lookup), [RUBY, 'y = 2\n', undefined, undefined]);
  });

  it('gives undefined for a source that is gone, not UTF-8, over the size cap, or under an unknown root', () => {
    const lookup = lookupOf([
      { root: 0, file: 'src/Gone.java' },
      { root: 0, file: 'latin1.py' },
      { root: 0, file: 'big.py' },
      { root: 9, file: 'src/A.java' },
      { root: 0, file: 'src/A.java' },
    ]);
    assert.deepEqual([0, 1, 2, 3].map(lookup), [undefined, undefined, undefined, undefined]);
    fs.rmSync(path.join(dir, 'tree', 'src', 'A.java'));
    assert.equal(lookup(4), undefined);
    fs.writeFileSync(path.join(dir, 'tree', 'src', 'A.java'), JAVA);
  });
});
