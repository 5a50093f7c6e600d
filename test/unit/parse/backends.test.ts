import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExtractor } from '../../../server/src/parse/extract';
import { extractor, fixtures, run, samplesOf } from './helpers';

const noNative = { native: (): never => { throw new Error('simulated: native binding missing'); } };
const noWasm = { wasm: (): never => { throw new Error('simulated: wasm runtime missing'); } };

test('backends: native and wasm extract identical samples from every fixture', async () => {
  const native = await extractor('native');
  const wasm = await extractor('wasm');
  assert.equal(native.backend, 'native');
  assert.equal(wasm.backend, 'wasm');
  const extra = [
    { file: 'unicode.rb', language: 'ruby' as const, text: 'x = "😀"; def größe(😀a = 1) = "é"\n' },
    { file: 'unicode.java', language: 'java' as const, text: 'class A { /* ü */ int 面积(String ß) { return "😀".length() + ß.length(); } }' },
  ];
  for (const f of [...fixtures(), ...extra]) {
    for (const settings of [{}, { includeConstructors: true, maxContexts: 13 }]) {
      const a = run(native, f.language, f.text, f.file, settings);
      const b = run(wasm, f.language, f.text, f.file, settings);
      assert.deepEqual({ ...b, samples: samplesOf(wasm, b) }, { ...a, samples: samplesOf(native, a) }, f.file);
    }
  }
});

test('backends: parseOnly parses every language on both backends (the bench\'s raw parse rate)', async () => {
  for (const backend of ['native', 'wasm'] as const) {
    const ex = await extractor(backend);
    for (const f of fixtures()) ex.parseOnly(f.text, f.language);
  }
});

test('backends: auto falls back to wasm when the native binding does not load, and says why', async () => {
  const ex = await createExtractor({ backend: 'auto', loaders: noNative });
  assert.equal(ex.backend, 'wasm');
  assert.match(ex.fallbackReason ?? '', /simulated: native binding missing/);
  assert.equal(run(ex, 'python', 'def f(x):\n    return x\n').samples.length, 1);
  const native = await createExtractor({ backend: 'auto' });
  assert.equal(native.backend, 'native');
  assert.equal(native.fallbackReason, undefined);
});

test('backends: a forced backend that does not load is an error, not a silent switch', async () => {
  await assert.rejects(createExtractor({ backend: 'native', loaders: noNative }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_PARSER_UNAVAILABLE');
    assert.match(e.message, /npm rebuild tree-sitter/);
    assert.match(e.message, /MEMAUDIT_PARSER=wasm/);
    return true;
  });
});

test('backends: neither backend loading is E_PARSER_UNAVAILABLE with both reasons and how to fix', async () => {
  await assert.rejects(createExtractor({ backend: 'auto', loaders: { ...noNative, ...noWasm } }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_PARSER_UNAVAILABLE');
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
    process.env['MEMAUDIT_PARSER'] = 'fast';
    await assert.rejects(createExtractor(), { code: 'E_CONFIG' });
  } finally {
    if (saved === undefined) delete process.env['MEMAUDIT_PARSER'];
    else process.env['MEMAUDIT_PARSER'] = saved;
  }
});
