import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LANGUAGES, languageForPath, loadQuerySource, queryDir } from '../../../server/src/parse/languages';
import { LANGUAGE_IDS } from '../../../server/src/parse/sample';

test('registry: every language has an entry, its query files next to the compiled code, and its grammar', () => {
  for (const id of LANGUAGE_IDS) {
    const spec = LANGUAGES[id];
    assert.equal(spec.id, id);
    for (const f of spec.queryFiles) assert.ok(fs.existsSync(path.join(queryDir(id), f)), `${id}: ${f} (run node scripts/copy-assets.js)`);
    assert.ok(fs.existsSync(spec.wasmPath()), `${id}: ${spec.wasmPath()}`);
  }
});

test('registry: file extensions map to languages', () => {
  assert.equal(languageForPath('src/Main.java'), 'java');
  assert.equal(languageForPath('a/b/c.PY'), 'python');
  assert.equal(languageForPath('stubs/x.pyi'), 'python');
  assert.equal(languageForPath('lib/x.rb'), 'ruby');
  assert.equal(languageForPath('README.md'), undefined);
});

test('registry: the node types the queries capture as declarations are the registry\'s method types', () => {
  // The flattener recognizes nested methods by the registry's types, the query finds them by its
  // patterns: the two lists must agree.
  for (const id of LANGUAGE_IDS) {
    const source = loadQuerySource(id);
    const roots = new Set<string>();
    for (const m of source.matchAll(/^\((\w+)[^]*?\) @(method|constructor)\b/gm)) roots.add(m[1]!);
    const t = LANGUAGES[id].nodeTypes;
    assert.deepEqual([...roots].sort(), [...t.methods, ...t.constructors].sort(), id);
  }
});
