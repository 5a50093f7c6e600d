import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSourceFileSync } from '../../../server/src/corpus/decode';
import type { CorpusItem, CorpusOptions, CorpusSkip, FileTask, SkipReason, WalkEntry } from '../../../server/src/corpus/types';
import { corpusTasks, expandWalk, inputKindOf, walkCorpus } from '../../../server/src/corpus/walk';
import { isEngineError } from '../../../server/src/errors';
import { collect, FIXTURES, makeTemp, removeTemp, writeTree } from './helpers';

const files = (items: readonly (WalkEntry | CorpusItem)[]): string[] => items.filter((i): i is FileTask => i.kind === 'file').map((t) => t.origin.file);
const skips = (items: readonly (WalkEntry | CorpusItem)[]): CorpusSkip[] => items.filter((i): i is CorpusSkip => i.kind === 'skip');
const skipOf = (items: readonly (WalkEntry | CorpusItem)[], suffix: string): CorpusSkip | undefined => skips(items).find((s) => s.path.endsWith(suffix));
const walk = (inputs: string[], options: CorpusOptions = {}) => collect(walkCorpus(inputs, options));

describe('walkCorpus on the fixture repository', () => {
  it('yields source files in sorted order with their origin, language and size', async () => {
    const items = await walk([path.join(FIXTURES, 'repo-a')]);
    assert.deepEqual(files(items), ['lib/tasks.rb', 'src/Main.java', 'src/util/strings.py']);
    const java = items.find((i): i is FileTask => i.kind === 'file' && i.language === 'java')!;
    assert.deepEqual(java.origin, { file: 'src/Main.java', root: 0, repo: 'repo-a' });
    assert.equal(java.size, fs.statSync(path.join(FIXTURES, 'repo-a/src/Main.java')).size);
    assert.equal(java.absPath, path.join(FIXTURES, 'repo-a/src/Main.java'));
    assert.ok(java.mtimeMs > 0);
  });

  it('reports the vendored folder, the stub and other files with reasons', async () => {
    const items = await walk([path.join(FIXTURES, 'repo-a')]);
    assert.equal(skipOf(items, '/vendor')?.reason, 'excluded-dir');
    const stub = skipOf(items, 'stubs.pyi');
    assert.equal(stub?.reason, 'unsupported-language');
    assert.match(stub?.detail ?? '', /stub/);
    assert.equal(skipOf(items, 'README.md')?.reason, 'unsupported-language');
  });

  it('walks several inputs as separate roots and expands JSONL', async () => {
    const items = await collect(corpusTasks([path.join(FIXTURES, 'repo-a'), path.join(FIXTURES, 'csn-sample.jsonl')]));
    const units = items.filter((i) => i.kind === 'unit');
    assert.equal(units.length, 3);
    for (const u of units) if (u.kind === 'unit') assert.equal(u.unit.origin.root, 1);
    assert.ok(items.filter((i) => i.kind === 'file').every((t) => t.kind === 'file' && t.origin.root === 0));
  });

  it('expands a collected walk the same as the live stream', async () => {
    const inputs = [path.join(FIXTURES, 'repo-a'), path.join(FIXTURES, 'csn-sample.jsonl')];
    const entries = await walk(inputs);
    assert.equal(entries.filter((e) => e.kind === 'jsonl').length, 1);
    const strip = (items: CorpusItem[]) => items.map((i) => (i.kind === 'file' ? { ...i, mtimeMs: 0 } : i));
    assert.deepEqual(strip(await collect(expandWalk(entries))), strip(await collect(corpusTasks(inputs))));
  });

  it('throws E_INPUT_NOT_FOUND for a missing input', async () => {
    await assert.rejects(walk([path.join(FIXTURES, 'no-such-folder')]), (e: unknown) => isEngineError(e) && e.code === 'E_INPUT_NOT_FOUND' && /no-such-folder/.test(e.message));
  });

  it('classifies explicit inputs by name', () => {
    assert.equal(inputKindOf('train.jsonl'), 'jsonl');
    assert.equal(inputKindOf('train_0.JSONL.GZ'), 'jsonl.gz');
    assert.equal(inputKindOf('src.zip'), 'zip');
    assert.equal(inputKindOf('guava-31-sources.jar'), 'zip');
    assert.equal(inputKindOf('Main.java'), 'source');
  });
});

describe('walkCorpus on generated trees', () => {
  let tmp: string;
  before(() => {
    tmp = makeTemp();
  });
  after(() => removeTemp(tmp));

  it('applies .gitignore files, nested ones relative to their folder, deeper ones winning', async () => {
    const root = path.join(tmp, 'gi');
    writeTree(root, {
      '.gitignore': '*.log.py\ngenerated/\n/top_only.py\n',
      'a.py': 'x = 1',
      'top_only.py': 'x = 1',
      'app.log.py': 'x = 1',
      'other/top_only.py': 'x = 1',
      'generated/gen.py': 'x = 1',
      'sub/.gitignore': '*.py\n!keep.py\n',
      'sub/drop.py': 'x = 1',
      'sub/keep.py': 'x = 1',
      'sub/deep/keep.py': 'x = 1',
      'sub/deep/drop2.py': 'x = 1',
      'sub/tool.rb': 'x = 1',
    });
    const items = await walk([root]);
    assert.deepEqual(files(items), ['a.py', 'other/top_only.py', 'sub/deep/keep.py', 'sub/keep.py', 'sub/tool.rb']);
    for (const p of ['top_only.py', 'app.log.py', 'sub/drop.py', 'sub/deep/drop2.py']) assert.equal(skipOf(items, `gi/${p}`)?.reason, 'ignored', p);
    assert.equal(skipOf(items, 'gi/generated')?.reason, 'ignored');
    const all = await walk([root], { respectGitignore: false });
    assert.equal(files(all).length, 10);
  });

  it('applies the .gitignore files above the input up to the git work tree, and .git/info/exclude', async () => {
    const top = path.join(tmp, 'work');
    writeTree(top, {
      '.git/info/exclude': 'secret.py\n',
      '.gitignore': 'sub/gen/\n*.tmp.py\n',
      'sub/gen/x.py': 'x = 1',
      'sub/a.tmp.py': 'x = 1',
      'sub/secret.py': 'x = 1',
      'sub/b.py': 'x = 1',
    });
    const items = await walk([path.join(top, 'sub')]);
    assert.deepEqual(files(items), ['b.py']);
    assert.equal(skipOf(items, 'sub/gen')?.reason, 'ignored');
    assert.equal(skipOf(items, 'a.tmp.py')?.reason, 'ignored');
    assert.equal(skipOf(items, 'secret.py')?.reason, 'ignored');
  });

  it('walks an input that the enclosing repository ignores, since it was asked for by name', async () => {
    const top = path.join(tmp, 'work2');
    writeTree(top, { '.git/HEAD': 'ref: refs/heads/main\n', '.gitignore': 'build/\n', 'build/gen/A.java': 'class A {}', 'src/B.java': 'class B {}' });
    assert.deepEqual(files(await walk([path.join(top, 'build', 'gen') + '/'])), ['A.java']);
    const items = await walk([top]);
    assert.deepEqual(files(items), ['src/B.java']);
    assert.equal(skipOf(items, 'work2/build')?.reason, 'excluded-dir', 'build/ is excluded by name before .gitignore is asked');
  });

  it('skips vendored, build and hidden folders unless told otherwise', async () => {
    const root = path.join(tmp, 'vend');
    writeTree(root, {
      'src/app.py': 'x = 1',
      'node_modules/pkg/index.py': 'x = 1',
      'vendor/bundle/gem.rb': 'x = 1',
      '.venv/lib/site.py': 'x = 1',
      'build/classes/A.java': 'class A {}',
      'target/B.java': 'class B {}',
      'mylib.egg-info/setup.py': 'x = 1',
      '__pycache__/c.py': 'x = 1',
      '.hidden/h.py': 'x = 1',
    });
    const items = await walk([root]);
    assert.deepEqual(files(items), ['src/app.py']);
    const excluded = skips(items).filter((s) => s.reason === 'excluded-dir').map((s) => path.basename(s.path));
    assert.deepEqual(excluded.sort(), ['.hidden', '.venv', '__pycache__', 'build', 'mylib.egg-info', 'node_modules', 'target', 'vendor'].sort());
    const hidden = await walk([root], { includeHiddenDirs: true });
    assert.ok(files(hidden).includes('.hidden/h.py'));
    assert.ok(!files(hidden).includes('.venv/lib/site.py'), '.venv stays excluded by name');
    const everything = await walk([root], { includeHiddenDirs: true, excludeDirs: [] });
    assert.equal(files(everything).length, 9);
  });

  it('follows symlinks, reports loops and paths reached twice, and never hangs', async () => {
    const root = path.join(tmp, 'links');
    writeTree(root, { 'a/x.py': 'x = 1', 'z.rb': 'x = 1' });
    fs.symlinkSync(root, path.join(root, 'a', 'loop'));
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'b-alias'));
    fs.symlinkSync(path.join(root, 'a', 'x.py'), path.join(root, 'c.py'));
    fs.symlinkSync(path.join(root, 'self'), path.join(root, 'self'));
    fs.symlinkSync(path.join(root, 'nowhere.py'), path.join(root, 'dead.py'));
    fs.symlinkSync(path.join(root, 'nowhere.txt'), path.join(root, 'dead.txt'));
    fs.symlinkSync(path.join(root, 'z.rb'), path.join(root, 'y-link.rb'));
    const items = await walk([root]);
    assert.deepEqual(files(items), ['a/x.py', 'y-link.rb']);
    assert.equal(skipOf(items, 'a/loop')?.reason, 'symlink-loop');
    assert.match(skipOf(items, 'a/loop')?.detail ?? '', /links back to/);
    assert.equal(skipOf(items, 'b-alias')?.reason, 'duplicate-path');
    assert.equal(skipOf(items, 'c.py')?.reason, 'duplicate-path');
    assert.equal(skipOf(items, 'links/self')?.reason, 'symlink-loop');
    assert.equal(skipOf(items, 'dead.py')?.reason, 'unreadable');
    assert.match(skipOf(items, 'dead.py')?.detail ?? '', /dangling/);
    assert.equal(skipOf(items, 'dead.txt')?.reason, 'unsupported-language');
    assert.equal(skipOf(items, 'links/z.rb')?.reason, 'duplicate-path', 'the link came first in name order, so the target is the duplicate');
    const noFollow = await walk([root], { followSymlinks: false });
    assert.deepEqual(files(noFollow), ['a/x.py', 'z.rb']);
    assert.equal(skipOf(noFollow, 'b-alias')?.reason, 'ignored');
  });

  it('reports overlapping inputs once', async () => {
    const root = path.join(tmp, 'overlap');
    writeTree(root, { 'sub/a.py': 'x = 1' });
    const items = await walk([root, path.join(root, 'sub')]);
    assert.deepEqual(files(items), ['sub/a.py']);
    assert.equal(skips(items).at(-1)?.reason, 'duplicate-path');
  });

  it('skips files over the size cap at walk time, and pipes, using stat only', async () => {
    const root = path.join(tmp, 'sizes');
    writeTree(root, { 'small.py': 'x = 1', 'big.py': 'x = 1\n'.repeat(100) });
    execFileSync('mkfifo', [path.join(root, 'pipe.py')]);
    const items = await walk([root], { maxFileBytes: 100 });
    assert.deepEqual(files(items), ['small.py']);
    assert.equal(skipOf(items, 'big.py')?.reason, 'too-large');
    assert.equal(skipOf(items, 'pipe.py')?.reason, 'unreadable');
  });

  it('turns every bad file into a reasoned skip when the tasks are read (worker side)', async () => {
    const root = path.join(tmp, 'bad');
    writeTree(root, {
      'good.py': 'def f():\n    return 1\n',
      'binary.py': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]),
      'latin1.rb': new Uint8Array([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]),
      'utf16.java': new Uint8Array([0xff, 0xfe, 0x63, 0x00]),
    });
    const items = await walk([root]);
    const reasons: Record<string, SkipReason | 'ok'> = {};
    for (const t of items) {
      if (t.kind !== 'file') continue;
      const r = readSourceFileSync(t.absPath, 1000);
      reasons[t.origin.file] = 'text' in r ? 'ok' : r.skip;
    }
    assert.deepEqual(reasons, { 'binary.py': 'binary', 'good.py': 'ok', 'latin1.rb': 'not-utf8', 'utf16.java': 'not-utf8' });
  });

  it('maps extensions and forces a language', async () => {
    const root = path.join(tmp, 'lang');
    writeTree(root, { 'A.jav': 'class A {}', 'b.py': 'x = 1', 'c.rb': 'x = 1', 'Rakefile.rake': 'x = 1', 'script.txt': 'print(1)' });
    const mapped = await walk([root], { extensionMap: { jav: 'java', '.rake': null } });
    assert.deepEqual(files(mapped), ['A.jav', 'b.py', 'c.rb']);
    const forced = await walk([root], { forceLanguage: 'ruby' });
    assert.deepEqual(files(forced), ['Rakefile.rake', 'c.rb']);
    assert.match(skipOf(forced, 'b.py')?.detail ?? '', /forced to ruby/);
    const explicit = await walk([path.join(root, 'script.txt')], { forceLanguage: 'python' });
    assert.equal(explicit.length, 1);
    assert.equal(explicit[0]!.kind === 'file' && explicit[0].language, 'python');
    const unforced = await walk([path.join(root, 'script.txt')]);
    assert.equal(unforced[0]?.kind === 'skip' && unforced[0].reason, 'unsupported-language');
    await assert.rejects(walk([root], { extensionMap: { '.kt': 'kotlin' as never } }), (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG');
  });

  it('names an explicit file by its folder as repository', async () => {
    const root = path.join(tmp, 'explicit-repo');
    writeTree(root, { 'Main.java': 'class Main {}' });
    const [task] = await walk([path.join(root, 'Main.java')]);
    assert.ok(task?.kind === 'file');
    assert.deepEqual(task.origin, { file: 'Main.java', root: 0, repo: 'explicit-repo' });
  });

  it('asks to pass archives and JSONL found inside folders explicitly', async () => {
    const root = path.join(tmp, 'containers');
    writeTree(root, { 'data.jsonl': '{}', 'src.zip': 'PK', 'x.jsonl.gz': '' });
    const items = await walk([root]);
    for (const name of ['data.jsonl', 'src.zip', 'x.jsonl.gz']) assert.match(skipOf(items, name)?.detail ?? '', /pass it as an input/);
  });

  it('gives the same stream whatever order files were created in', async () => {
    const names = ['m.py', 'a.py', 'Z.java', 'b/c.rb', 'b/a.rb', '_x.py', 'é.py', 'A.java'];
    const one = path.join(tmp, 'order1');
    const two = path.join(tmp, 'order2');
    for (const n of names) writeTree(one, { [n]: 'x = 1' });
    for (const n of [...names].reverse()) writeTree(two, { [n]: 'x = 1' });
    const a = files(await walk([one]));
    const b = files(await walk([two]));
    assert.deepEqual(a, b);
    assert.deepEqual(a, ['A.java', 'Z.java', '_x.py', 'a.py', 'b/a.rb', 'b/c.rb', 'm.py', 'é.py']);
  });
});
