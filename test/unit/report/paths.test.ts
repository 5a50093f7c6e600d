/** Path handling of the writers: separators, drives, relative paths, file URIs, locating findings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusRoots, encodePathUri, fileUri, isAbsolutePath, joinPath, locateFinding, normalizePath, relativePath } from '../../../server/src/report/shared/paths';
import type { Finding } from '../../../server/src/protocol/report';
import { makeFixtureReport } from './fixture';

test('normalizePath and isAbsolutePath accept both separators, drives and UNC shares', () => {
  assert.equal(normalizePath('./a\\b/../c//d/.'), 'a/c/d');
  assert.equal(normalizePath(''), '.');
  assert.equal(normalizePath('../x/../../y'), '../../y');
  assert.equal(normalizePath('/a/../../b'), '/b');
  assert.equal(normalizePath('C:\\Users\\me\\..\\repo'), 'C:/Users/repo');
  assert.equal(normalizePath('\\\\server\\share\\dir\\f.java'), '//server/share/dir/f.java');
  for (const p of ['/x', 'C:/x', 'c:\\x', '\\\\host\\share']) assert.ok(isAbsolutePath(p), p);
  for (const p of ['x', './x', '../x', 'C:x']) assert.ok(!isAbsolutePath(p), p);
  assert.equal(joinPath('/repo', '../other/f'), '/other/f');
  assert.equal(joinPath('/repo', '/abs/f'), '/abs/f');
});

test('relativePath: inside, outside, across drives and unknowable starts', () => {
  assert.equal(relativePath('/repo', '/repo/src/A.java'), 'src/A.java');
  assert.equal(relativePath('/repo/', '/repo'), '.');
  assert.equal(relativePath('/repo/a', '/repo/b/c'), '../b/c');
  assert.equal(relativePath('C:\\repo', 'c:/repo/x'), 'x');
  assert.equal(relativePath('C:/repo', 'D:/repo/x'), null);
  assert.equal(relativePath('/repo', 'src/x'), null);
  assert.equal(relativePath('.', 'src/x'), 'src/x');
  assert.equal(relativePath('../up', 'src'), null);
});

test('URIs: segments percent-encoded, drive letters kept, file: URIs for roots', () => {
  assert.equal(encodePathUri('src/My File#1?.java'), 'src/My%20File%231%3F.java');
  assert.equal(encodePathUri('ünï/ß.rb'), '%C3%BCn%C3%AF/%C3%9F.rb');
  assert.equal(fileUri('/home/a b'), 'file:///home/a%20b');
  assert.equal(fileUri('/home/a b', true), 'file:///home/a%20b/');
  assert.equal(fileUri('C:\\work\\repo', true), 'file:///C:/work/repo/');
  assert.equal(fileUri('\\\\srv\\share\\x'), 'file://srv/share/x');
});

test('locateFinding: folder roots, roots that are the file itself, outside the repository', () => {
  const report = makeFixtureReport();
  const roots = corpusRoots(report);
  assert.deepEqual(roots, ['.', 'data/python_train.jsonl', 'vendor/jdk-src.zip']);
  const f = (over: Partial<Finding>): Finding => ({ ...report.findings[4]!, ...over });
  assert.deepEqual(locateFinding(f({ root: '.', file: 'src/A.java' }), roots, {}), { path: 'src/A.java', inRepo: true, rootIndex: 0, base: '.', display: 'src/A.java' });
  assert.equal(locateFinding(report.findings[0]!, roots, {}).path, 'data/python_train.jsonl');
  assert.equal(locateFinding(report.findings[1]!, roots, { repoRoot: '/r' }).path, 'vendor/jdk-src.zip');
  const single = f({ root: '/src/Foo.java', file: 'Foo.java' });
  assert.deepEqual(locateFinding(single, ['/src/Foo.java'], { repoRoot: '/src' }), { path: 'Foo.java', inRepo: true, rootIndex: 0, base: '/src', display: 'Foo.java' });
  assert.deepEqual(locateFinding(single, ['/src/Foo.java'], { repoRoot: '/elsewhere' }), { path: 'Foo.java', inRepo: false, rootIndex: 0, base: '/src', display: '/src/Foo.java' });
  assert.deepEqual(locateFinding(f({ root: '/abs/root', file: 'p/X.java' }), roots, {}), { path: 'p/X.java', inRepo: false, rootIndex: 0, base: '/abs/root', display: '/abs/root/p/X.java' });
  assert.equal(locateFinding(f({ root: '../sibling', file: 'X.java' }), roots, {}).inRepo, false);
});
