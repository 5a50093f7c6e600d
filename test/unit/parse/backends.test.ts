import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExtractor, type BackendKind, type Extractor } from '../../../server/src/parse/extract';
import { loadFlatAddon } from '../../../server/src/parse/flat';
import { extractor, FLAT_SKIP, fixtures, run, samplesOf, type Fixture } from './helpers';

const noFlat = { flat: (): never => { throw new Error('simulated: flat addon missing'); } };
const noNative = { native: (): never => { throw new Error('simulated: native binding missing'); } };
const noWasm = { wasm: (): never => { throw new Error('simulated: wasm runtime missing'); } };

/**
 * Units beyond the fixtures, for the corners where backends could differ: text outside the BMP
 * (surrogate pairs: offsets are UTF-16 code units), empty and comment-only files, CRLF, syntax
 * errors (the query engine runs on those), deep nesting.
 */
const EXTRA: Fixture[] = [
  { file: 'unicode.rb', language: 'ruby', text: 'x = "😀"; def größe(😀a = 1) = "é"\n' },
  { file: 'unicode.java', language: 'java', text: 'class A { /* ü */ int 面积(String ß) { return "😀".length() + ß.length(); } }' },
  { file: 'astral.py', language: 'python', text: 'def 𝔣(x):\n    """😀 doc 𝔘."""\n    s = "𝔘𝔫𝔦" + x  # 🎉\n    return s\n\ndef g(𝔞):\n    return 𝔞 + "😀😀"\n' },
  { file: 'Astral.java', language: 'java', text: 'class A {\n  /** 😀 doc. */\n  String f() { return "😀" + "\\uD83D\\uDE00"; }\n  int g(int 😀x) { return x; }\n  int h() { return 1; }\n}\n' },
  { file: 'astral.rb', language: 'ruby', text: '# 😀 doc\ndef f(𝔞)\n  "😀#{𝔞}"\nend\n' },
  { file: 'empty.py', language: 'python', text: '' },
  { file: 'Empty.java', language: 'java', text: '' },
  { file: 'empty.rb', language: 'ruby', text: '' },
  { file: 'comment.rb', language: 'ruby', text: '# only a comment\n' },
  { file: 'crlf.py', language: 'python', text: 'def f(a):\r\n    """Doc."""\r\n    return a\r\n' },
  { file: 'broken.py', language: 'python', text: 'def f(x):\n    return x +\n\ndef g(y):\n    """Doc of g."""\n    return y\n' },
  { file: 'Broken.java', language: 'java', text: 'class A {\n  /** Doc. */\n  void f() { int x = ; }\n  /** Doc of g. */\n  int g() { return 1; }\n' },
  { file: 'broken.rb', language: 'ruby', text: '# doc of f\ndef f\n  x = (1 +\nend\n# doc of g\ndef g; 2; end\n' },
  { file: 'deep.py', language: 'python', text: `def f():\n    return ${'('.repeat(2000)}1${')'.repeat(2000)}\n` },
  { file: 'Deep.java', language: 'java', text: `class A { int f() { return ${'('.repeat(2000)}1${')'.repeat(2000)}; } }` },
  { file: 'deep.rb', language: 'ruby', text: `def f\n  ${'['.repeat(2000)}1${']'.repeat(2000)}\nend\n` },
];

/** Fixtures cut short at a quarter, a half and three quarters: files with syntax errors. */
function truncated(): Fixture[] {
  const out: Fixture[] = [];
  for (const f of fixtures()) {
    for (const k of [1, 2, 3]) out.push({ ...f, file: `${f.file}@${k}/4`, text: f.text.slice(0, Math.floor((f.text.length * k) / 4)) });
  }
  return out;
}

const SETTINGS = [{}, { includeConstructors: true, maxContexts: 13 }];

/** Extracts every unit with both extractors and asserts equal readable results. */
function assertSameSamples(a: Extractor, b: Extractor, units: readonly Fixture[]): void {
  for (const f of units) {
    for (const settings of SETTINGS) {
      const ra = run(a, f.language, f.text, f.file, settings);
      const rb = run(b, f.language, f.text, f.file, settings);
      assert.deepEqual({ ...rb, samples: samplesOf(b, rb) }, { ...ra, samples: samplesOf(a, ra) }, `${f.file} ${JSON.stringify(settings)}`);
    }
  }
}

test('backends: native and wasm extract identical samples from every fixture', async () => {
  const native = await extractor('native');
  const wasm = await extractor('wasm');
  assert.equal(native.backend, 'native');
  assert.equal(wasm.backend, 'wasm');
  assertSameSamples(native, wasm, [...fixtures(), ...EXTRA]);
});

test('backends: native-flat extracts what native does, with the same string tables, ids included', { skip: FLAT_SKIP }, async () => {
  // Fresh extractors fed the same units in the same order: the tables must come out identical,
  // so the raw samples (ids) are compared too, not only their readable form.
  const native = await createExtractor({ backend: 'native' });
  const flat = await createExtractor({ backend: 'native-flat' });
  assert.equal(flat.backend, 'native-flat');
  const units = [...fixtures(), ...EXTRA, ...truncated()];
  for (const f of units) {
    for (const settings of SETTINGS) {
      const a = run(native, f.language, f.text, f.file, settings);
      const b = run(flat, f.language, f.text, f.file, settings);
      assert.deepEqual(b, a, `${f.file} ${JSON.stringify(settings)}`);
    }
  }
  assert.deepEqual(flat.tables.tokens.strings, native.tables.tokens.strings);
  assert.deepEqual(flat.tables.paths.strings, native.tables.paths.strings);
  // Snippet mode (CodeSearchNet records) too.
  for (const f of fixtures()) {
    const a = run(native, f.language, f.text, f.file, {}, { snippet: true });
    const b = run(flat, f.language, f.text, f.file, {}, { snippet: true });
    assert.deepEqual(b, a, `${f.file} snippet`);
  }
});

test('backends: native-flat and wasm agree on the corners (syntax errors, astral text, empty files)', { skip: FLAT_SKIP }, async () => {
  assertSameSamples(await extractor('native-flat'), await extractor('wasm'), EXTRA);
});

test('backends: parseOnly parses every language on every backend (the bench\'s raw parse rate)', async () => {
  const kinds: BackendKind[] = FLAT_SKIP === undefined ? ['native-flat', 'native', 'wasm'] : ['native', 'wasm'];
  for (const backend of kinds) {
    const ex = await extractor(backend);
    for (const f of [...fixtures(), ...EXTRA]) ex.parseOnly(f.text, f.language);
  }
});

test('backends: auto prefers native-flat when the addon is built', { skip: FLAT_SKIP }, async () => {
  const ex = await createExtractor({ backend: 'auto' });
  assert.equal(ex.backend, 'native-flat');
  assert.equal(ex.fallbackReason, undefined);
});

test('backends: auto falls back to native when the flat addon does not load, and says why', async () => {
  const ex = await createExtractor({ backend: 'auto', loaders: noFlat });
  assert.equal(ex.backend, 'native');
  assert.match(ex.fallbackReason ?? '', /flat addon unavailable: simulated: flat addon missing/);
  // An addon that was never built: the reason says how to build it.
  const unbuilt = await createExtractor({ backend: 'auto', loaders: { flat: () => loadFlatAddon('/nonexistent/memaudit_flat.node') } });
  assert.equal(unbuilt.backend, 'native');
  assert.match(unbuilt.fallbackReason ?? '', /not built.*scripts\/build-native\.js/);
  assert.equal(run(unbuilt, 'python', 'def f(x):\n    return x\n').samples.length, 1);
});

test('backends: auto falls back to wasm when neither native backend loads, and says why', async () => {
  const ex = await createExtractor({ backend: 'auto', loaders: { ...noFlat, ...noNative } });
  assert.equal(ex.backend, 'wasm');
  assert.match(ex.fallbackReason ?? '', /simulated: flat addon missing/);
  assert.match(ex.fallbackReason ?? '', /simulated: native binding missing/);
  assert.equal(run(ex, 'python', 'def f(x):\n    return x\n').samples.length, 1);
});

test('backends: a forced backend that does not load is an error, not a silent switch', async () => {
  await assert.rejects(createExtractor({ backend: 'native', loaders: noNative }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_PARSER_UNAVAILABLE');
    assert.match(e.message, /npm rebuild tree-sitter/);
    assert.match(e.message, /MEMAUDIT_PARSER=wasm/);
    return true;
  });
  await assert.rejects(createExtractor({ backend: 'native-flat', loaders: noFlat }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_PARSER_UNAVAILABLE');
    assert.match(e.message, /simulated: flat addon missing/);
    assert.match(e.message, /scripts\/build-native\.js/);
    assert.match(e.message, /MEMAUDIT_PARSER=native or wasm/);
    return true;
  });
});

test('backends: no backend loading is E_PARSER_UNAVAILABLE with every reason and how to fix', async () => {
  await assert.rejects(createExtractor({ backend: 'auto', loaders: { ...noFlat, ...noNative, ...noWasm } }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_PARSER_UNAVAILABLE');
    assert.match(e.message, /flat addon missing/);
    assert.match(e.message, /native binding missing/);
    assert.match(e.message, /wasm runtime missing/);
    assert.match(e.message, /npm rebuild/);
    assert.match(e.message, /npm ci/);
    return true;
  });
});

test('backends: MEMAUDIT_PARSER chooses the backend when the option does not', async () => {
  const saved = process.env['MEMAUDIT_PARSER'];
  try {
    process.env['MEMAUDIT_PARSER'] = 'wasm';
    assert.equal((await createExtractor()).backend, 'wasm');
    assert.equal((await createExtractor({ backend: 'native' })).backend, 'native');
    process.env['MEMAUDIT_PARSER'] = 'native';
    assert.equal((await createExtractor()).backend, 'native');
    if (FLAT_SKIP === undefined) {
      process.env['MEMAUDIT_PARSER'] = 'native-flat';
      assert.equal((await createExtractor()).backend, 'native-flat');
    }
    process.env['MEMAUDIT_PARSER'] = 'fast';
    await assert.rejects(createExtractor(), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_CONFIG');
      assert.match(e.message, /auto, native-flat, native, wasm/);
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env['MEMAUDIT_PARSER'];
    else process.env['MEMAUDIT_PARSER'] = saved;
  }
});
