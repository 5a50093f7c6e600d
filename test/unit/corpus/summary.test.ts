import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CorpusSummary, emptyCorpusError } from '../../../server/src/corpus/summary';
import { corpusTasks } from '../../../server/src/corpus/walk';
import { FIXTURES, makeTemp, removeTemp, writeTree } from './helpers';

describe('CorpusSummary', () => {
  it('counts tasks by kind and language and skips by reason', async () => {
    const s = new CorpusSummary(['repo-a', 'csn-sample.jsonl']);
    for await (const item of corpusTasks([path.join(FIXTURES, 'repo-a'), path.join(FIXTURES, 'csn-sample.jsonl')])) s.record(item);
    assert.deepEqual(s.tasks, { file: 3, unit: 3, bytes: 0 });
    assert.deepEqual(s.byLanguage, { java: 2, python: 2, ruby: 2 });
    assert.equal(s.skipped['excluded-dir'], 1);
    assert.equal(s.skipped['unsupported-language'], 3);
    assert.equal(s.taskCount, 6);
    assert.equal(s.skipCount, 4);
    s.addSkip({ path: 'x.py', reason: 'binary', detail: 'NUL byte at offset 0' });
    assert.deepEqual(s.toJSON().examples.binary, [{ path: 'x.py', reason: 'binary', detail: 'NUL byte at offset 0' }]);
  });

  it('keeps all examples of reasons worth fixing but only a few of the numerous ones', () => {
    const s = new CorpusSummary([], 5, 2);
    for (let i = 0; i < 10; i++) {
      s.addSkip({ path: `f${i}.md`, reason: 'unsupported-language' });
      s.addSkip({ path: `f${i}.py`, reason: 'not-utf8' });
    }
    assert.equal(s.skipped['unsupported-language'], 10);
    assert.equal(s.examples['unsupported-language']?.length, 2);
    assert.equal(s.examples['not-utf8']?.length, 5);
  });
});

describe('emptyCorpusError', () => {
  it('says what was looked at, what was skipped and how to fix it', async () => {
    const tmp = makeTemp();
    try {
      writeTree(tmp, { 'README.md': '# nothing', 'notes.txt': 'hi', 'node_modules/x/a.py': 'x = 1', '.gitignore': 'gen.py\n', 'gen.py': 'x = 1' });
      const s = new CorpusSummary([tmp]);
      for await (const item of corpusTasks([tmp])) s.record(item);
      const e = emptyCorpusError(s);
      assert.equal(e.code, 'E_EMPTY_CORPUS');
      assert.match(e.message, /No Java, Python or Ruby source was found in/);
      assert.match(e.message, new RegExp(tmp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.match(e.message, /3 unsupported-language \(e\.g\. .*\.gitignore/);
      assert.match(e.message, /1 ignored/);
      assert.match(e.message, /1 excluded-dir/);
      assert.match(e.message, /To fix: .*map other extensions.*\.gitignore.*excluded folder/);
    } finally {
      removeTemp(tmp);
    }
  });

  it('distinguishes files without methods from no files at all', () => {
    const s = new CorpusSummary(['empty.py']);
    s.record({ kind: 'file', absPath: '/x/empty.py', origin: { file: 'empty.py', root: 0 }, language: 'python', size: 0, mtimeMs: 0 });
    assert.match(emptyCorpusError(s, 0).message, /No methods with a body were found in 1 source unit/);
    assert.match(emptyCorpusError(new CorpusSummary(['d'])).message, /the inputs hold no files at all/);
  });
});
