import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { expandJsonl } from '../../../server/src/corpus/jsonl';
import { resolveCorpusOptions } from '../../../server/src/corpus/options';
import type { CorpusOptions, CorpusSkip, JsonlSource, UnitTask } from '../../../server/src/corpus/types';
import { corpusTasks } from '../../../server/src/corpus/walk';
import { isEngineError } from '../../../server/src/errors';
import { collect, FIXTURES, makeTemp, removeTemp } from './helpers';

function source(absPath: string, gzip = false): JsonlSource {
  const st = fs.statSync(absPath);
  return { kind: 'jsonl', absPath, file: path.basename(absPath), root: 0, gzip, size: st.size, mtimeMs: st.mtimeMs };
}
const expand = (absPath: string, options: CorpusOptions = {}, gzip = false) => collect(expandJsonl(source(absPath, gzip), resolveCorpusOptions(options)));
const units = (items: (UnitTask | CorpusSkip)[]) => items.filter((i): i is UnitTask => i.kind === 'unit');
const skipped = (items: (UnitTask | CorpusSkip)[]) => items.filter((i): i is CorpusSkip => i.kind === 'skip').map((s) => [s.path, s.reason]);

const line = (o: unknown) => JSON.stringify(o);
const MIXED = [
  line({ language: 'python', code: 'def a():\n    return 1', func_name: 'a', path: 'm/a.py', repo: 'me/r' }),
  '{"language": "python", "code": ',
  '[1, 2]',
  '',
  line({ language: 'python' }),
  line({ code: 'def b(): pass', language: 3 }),
  line({ language: 'Java', code: 'int c() { return 3; }' }),
].join('\n');

describe('expandJsonl', () => {
  let tmp: string;
  before(() => {
    tmp = makeTemp('memaudit-jsonl-');
  });
  after(() => removeTemp(tmp));

  it('reads the CodeSearchNet fixture into snippet units with origin, repo, path and doc', async () => {
    const items = await expand(path.join(FIXTURES, 'csn-sample.jsonl'));
    const u = units(items);
    assert.deepEqual(
      u.map((t) => [t.unit.language, t.unit.origin.jsonlLine]),
      [
        ['java', 1],
        ['python', 2],
        ['ruby', 3],
      ],
    );
    assert.deepEqual(u[0]!.unit.origin, { file: 'csn-sample.jsonl', root: 0, jsonlLine: 1, repo: 'acme/widgets', recordPath: 'src/main/java/Widget.java' });
    assert.equal(u[0]!.unit.doc, 'Number of items.');
    assert.equal(u[0]!.unit.funcName, 'Widget.size');
    assert.equal(u[0]!.unit.snippet, true);
    assert.match(u[1]!.unit.text, /^def shout/);
    assert.deepEqual(skipped(items), [['csn-sample.jsonl:4', 'unsupported-language']]);
  });

  it('skips malformed lines and records without required fields, with 1-based line numbers', async () => {
    const p = path.join(tmp, 'mixed.jsonl');
    fs.writeFileSync(p, MIXED);
    const items = await expand(p);
    assert.deepEqual(
      units(items).map((t) => [t.unit.origin.jsonlLine, t.unit.language]),
      [
        [1, 'python'],
        [7, 'java'],
      ],
    );
    assert.deepEqual(skipped(items), [
      ['mixed.jsonl:2', 'jsonl-malformed'],
      ['mixed.jsonl:3', 'jsonl-malformed'],
      ['mixed.jsonl:5', 'jsonl-missing-field'],
      ['mixed.jsonl:6', 'jsonl-missing-field'],
    ]);
  });

  it('stops at the first malformed line in stop mode, naming file and line', async () => {
    const p = path.join(tmp, 'stop.jsonl');
    fs.writeFileSync(p, MIXED);
    await assert.rejects(
      expand(p, { jsonlErrors: 'stop' }),
      (e: unknown) => isEngineError(e) && e.code === 'E_JSONL_MALFORMED' && e.message.startsWith('stop.jsonl:2:') && e.details?.['line'] === 2,
    );
  });

  it('does not stop for missing fields or other languages in stop mode', async () => {
    const p = path.join(tmp, 'fields.jsonl');
    fs.writeFileSync(p, [line({ language: 'go', code: 'x' }), line({ language: 'ruby' }), line({ language: 'ruby', code: 'def x; end' })].join('\n'));
    const items = await expand(p, { jsonlErrors: 'stop' });
    assert.equal(units(items).length, 1);
    assert.deepEqual(skipped(items), [
      ['fields.jsonl:1', 'unsupported-language'],
      ['fields.jsonl:2', 'jsonl-missing-field'],
    ]);
  });

  it('handles a byte order mark, CRLF line ends and a last line without newline', async () => {
    const p = path.join(tmp, 'crlf.jsonl');
    fs.writeFileSync(p, '\ufeff' + [line({ language: 'ruby', code: 'def a; end' }), line({ language: 'ruby', code: 'def b; end' })].join('\r\n'));
    const u = units(await expand(p));
    assert.deepEqual(
      u.map((t) => t.unit.text),
      ['def a; end', 'def b; end'],
    );
  });

  it('skips records over the size cap, and uses the forced language when a record has none', async () => {
    const p = path.join(tmp, 'cap.jsonl');
    fs.writeFileSync(p, [line({ code: 'x = 1' }), line({ code: 'y'.repeat(200) }), line({ language: 'ruby', code: 'z' })].join('\n'));
    const items = await expand(p, { maxFileBytes: 100, forceLanguage: 'python' });
    assert.deepEqual(
      units(items).map((t) => [t.unit.origin.jsonlLine, t.unit.language]),
      [[1, 'python']],
    );
    assert.deepEqual(skipped(items), [
      ['cap.jsonl:2', 'too-large'],
      ['cap.jsonl:3', 'unsupported-language'],
    ]);
  });

  it('reads .jsonl.gz through corpusTasks, and reports a truncated gzip as archive-corrupt', async () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'csn-sample.jsonl'));
    const gz = path.join(tmp, 'train_0.jsonl.gz');
    fs.writeFileSync(gz, gzipSync(text));
    const items = await collect(corpusTasks([gz]));
    assert.equal(items.filter((i) => i.kind === 'unit').length, 3);

    const cut = path.join(tmp, 'cut.jsonl.gz');
    const big = Buffer.from(Array.from({ length: 2000 }, (_, i) => line({ language: 'python', code: `def f${i}(): return ${i * 7919}` })).join('\n'));
    const full = gzipSync(big);
    fs.writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    const partial = await collect(corpusTasks([cut]));
    const last = partial.at(-1);
    assert.ok(last?.kind === 'skip');
    assert.equal(last.reason, 'archive-corrupt');
    assert.match(last.detail ?? '', /were not read/);
    assert.ok(partial.filter((i) => i.kind === 'unit').length > 0, 'records before the damage are kept');
    await assert.rejects(collect(corpusTasks([cut], { jsonlErrors: 'stop' })), (e: unknown) => isEngineError(e) && e.code === 'E_JSONL_MALFORMED');
  });

  it('reports a line too long to be a record without buffering it', async () => {
    const p = path.join(tmp, 'long.jsonl');
    fs.writeFileSync(p, `${'x'.repeat(2 * 1024 * 1024)}\n${line({ language: 'python', code: 'x = 1' })}\n`);
    const items = await expand(p, { maxFileBytes: 1000 });
    assert.deepEqual(skipped(items), [['long.jsonl:1', 'too-large']]);
    assert.equal(units(items)[0]?.unit.origin.jsonlLine, 2);
  });
});
