import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EXTRACT_SETTINGS } from '../../../server/src/parse/extract';
import { METHOD_NAME_PLACEHOLDER } from '../../../server/src/parse/sample';
import { extractor, fixtures, run, samplesOf, textAt } from './helpers';

function fixture(file: string) {
  const f = fixtures().find((x) => x.file === file);
  assert.ok(f, file);
  return f;
}

async function names(file: string, settings = {}) {
  const ex = await extractor('native');
  const f = fixture(file);
  const r = run(ex, f.language, f.text, f.file, settings);
  return { r, names: r.samples.map((s) => s.name), samples: samplesOf(ex, r), f };
}

test('defaults are code2vec\'s', () => {
  assert.deepEqual({ ...DEFAULT_EXTRACT_SETTINGS }, { includeConstructors: false, maxContexts: 200, maxPathLength: 8, maxPathWidth: 2 });
});

test('java: methods with bodies, overloads, generics, annotations, anonymous classes; lambdas are not samples', async () => {
  const { r, names: n } = await names('java/Shapes.java');
  assert.deepEqual(n, ['describe', 'toString', 'area', 'area', 'corners', 'largest', 'scaler', 'printer', 'run', 'größe', 'parseHTTPResponse', 'next', 'manhattan']);
  // Shape.area() (interface) and Base.corners() (abstract) have no body.
  assert.equal(r.bodiless, 2);
  assert.equal(r.skippedConstructors, 3);
  assert.equal(r.methodsWithErrors, 0);
  assert.equal(r.hadSyntaxErrors, false);
});

test('java: includeConstructors adds constructors (the compact one of a record too)', async () => {
  const { r, names: n } = await names('java/Shapes.java', { includeConstructors: true });
  assert.deepEqual(n.filter((x) => ['Base', 'Rectangle', 'Point'].includes(x)), ['Base', 'Rectangle', 'Point']);
  assert.equal(r.skippedConstructors, 0);
});

test('java: the range starts at the annotations and modifiers; Javadoc becomes the doc', async () => {
  const { samples, f } = await names('java/Shapes.java');
  const area = samples.find((s) => s.name === 'area')!;
  assert.ok(textAt(f.text, area.range).startsWith('@Override\n    public double area() {'));
  assert.ok(textAt(f.text, area.range).endsWith('}'));
  assert.equal(area.doc, 'Area of the rectangle.\n@return width times height');
  assert.equal(samples.find((s) => s.name === 'corners')!.doc, undefined);
  const largest = samples.find((s) => s.name === 'largest')!;
  assert.ok(textAt(f.text, largest.range).startsWith('public static <T extends Comparable<T>> T largest('));
});

test('python: functions and methods, sync and async, nested; decorators excluded from the range', async () => {
  const { r, names: n, samples, f } = await names('python/shapes.py');
  assert.deepEqual(n, ['area_of_square', 'fibonacci', 'fetch_all', 'fetch_one', 'make_counter', 'increment', 'area', 'name', 'unit', 'from_config', '__init__', 'area', 'scale', 'scale', 'scale', 'größe', 'first', 'parseHTTPResponse']);
  assert.equal(r.bodiless, 0);
  const fib = samples.find((s) => s.name === 'fibonacci')!;
  assert.ok(textAt(f.text, fib.range).startsWith('def fibonacci(n):'));
  const fetchAll = samples.find((s) => s.name === 'fetch_all')!;
  assert.ok(textAt(f.text, fetchAll.range).startsWith('async def fetch_all(urls):'));
  assert.equal(samples.find((s) => s.name === 'area_of_square')!.doc, 'Area of a square.\n\nThe side is squared.');
  assert.equal(samples.find((s) => s.name === 'fibonacci')!.doc, undefined);
});

test('ruby: def, def self.x, class << self, setters, predicates, operators, endless and nested defs', async () => {
  const { r, names: n, samples, f } = await names('ruby/shapes.rb');
  assert.deepEqual(n, ['initialize', 'area', 'create', 'registry', 'to_s', 'empty?', '<=>', 'name=', 'initialize', 'area', 'scaled', 'doubler', 'größe', 'with_helper', 'helper', 'parse_http_response', 'nothing']);
  assert.equal(r.bodiless, 0);
  const create = samples.find((s) => s.name === 'create')!;
  assert.ok(textAt(f.text, create.range).startsWith('def self.create(kind, *args)'));
  assert.equal(samples.find((s) => s.name === 'initialize')!.doc, 'Builds a shape.\nThe name is kept.');
  assert.equal(samples.find((s) => s.name === 'area')!.doc, 'Area of the shape.');
  assert.equal(samples.find((s) => s.name === 'create')!.doc, undefined);
  // `def nothing; end` is a method with an empty body, not a bodiless declaration.
  assert.deepEqual(samples.find((s) => s.name === 'nothing')!.bodyTokens, []);
});

test('docs: only comments right above the declaration count', async () => {
  const ex = await extractor('native');
  const ruby = [
    'class A',
    '  # Separated by a blank line: not the doc.',
    '',
    '  def a; end',
    '  x = 1 # trailing comment of code: not the doc',
    '  def b; end',
    '  # Doc of c.',
    '  def c; end',
    'end',
  ].join('\n');
  assert.deepEqual(samplesOf(ex, run(ex, 'ruby', ruby)).map((s) => [s.name, s.doc]), [['a', undefined], ['b', undefined], ['c', 'Doc of c.']]);
  const java = 'class A {\n  /* not Javadoc */\n  void a() {}\n  /** Doc of b. */ // then a line comment\n  void b() {}\n  /** Doc of c. */\n\n  @Deprecated void c() {}\n}';
  assert.deepEqual(samplesOf(ex, run(ex, 'java', java)).map((s) => [s.name, s.doc]), [['a', undefined], ['b', undefined], ['c', 'Doc of c.']]);
});

test('body tokens: the method\'s own name becomes the placeholder, in the body and in the contexts', async () => {
  for (const [file, name] of [
    ['java/Shapes.java', 'parseHTTPResponse'],
    ['python/shapes.py', 'fibonacci'],
    ['ruby/shapes.rb', 'parse_http_response'],
  ] as const) {
    const { samples } = await names(file);
    const s = samples.find((x) => x.name === name)!;
    assert.ok(s.bodyTokens.includes(METHOD_NAME_PLACEHOLDER), `${file}: ${s.bodyTokens.join(' ')}`);
    assert.ok(!s.bodyTokens.includes(name.toLowerCase()), file);
    for (const c of s.pathContexts) {
      assert.notEqual(c.start, name.toLowerCase(), file);
      assert.notEqual(c.end, name.toLowerCase(), file);
    }
    assert.ok(s.pathContexts.some((c) => c.start === METHOD_NAME_PLACEHOLDER), file);
  }
});

test('body tokens: identifiers split into subtokens, strings normalized, punctuation and comments dropped', async () => {
  const ex = await extractor('native');
  const [s] = samplesOf(ex, run(ex, 'java', 'class A {\n  int f(String userName) {\n    // a comment\n    return userName.length() + "utf-8".length() + "two words".length();\n  }\n}\n'));
  assert.deepEqual(s!.bodyTokens, ['return', 'user', 'name', 'length', '+', '"utf-8"', 'length', '+', '<STR>', 'length']);
  const [p] = samplesOf(ex, run(ex, 'python', 'def g(x):\n    # note\n    return x is not None\n'));
  assert.deepEqual(p!.bodyTokens, ['return', 'x', 'is', 'not', 'none']);
});

test('unicode: columns count UTF-16 code units, not bytes', async () => {
  const ex = await extractor('native');
  const ruby = 'x = "😀"; def größe(😀a = 1) = "é"\n';
  const [r] = run(ex, 'ruby', ruby).samples;
  // JS string offsets are UTF-16 units: the emoji counts 2, ö and ß 1 each (UTF-8 bytes: 4 and 2).
  const start = ruby.indexOf('def');
  const end = ruby.lastIndexOf('"') + 1;
  assert.deepEqual(r!.range, { startLine: 0, startColumn: start, endLine: 0, endColumn: end });
  assert.notEqual(Buffer.byteLength(ruby.slice(0, start)), start);
  assert.equal(r!.name, 'größe');
  const java = 'class A { /* ü */ int 面积() { return "😀".length(); } }';
  const [j] = run(ex, 'java', java).samples;
  assert.deepEqual(j!.range, { startLine: 0, startColumn: java.indexOf('int'), endLine: 0, endColumn: java.lastIndexOf('}') - 1 });
  assert.equal(j!.name, '面积');
  assert.equal(textAt(java, j!.range), 'int 面积() { return "😀".length(); }');
});

test('syntax errors: methods with an error inside are counted, the others kept', async () => {
  for (const file of ['java/Broken.java', 'python/broken.py', 'ruby/broken.rb']) {
    const { r, names: n } = await names(file);
    assert.equal(r.hadSyntaxErrors, true, file);
    assert.equal(r.methodsWithErrors, 1, file);
    assert.equal(n.length, 2, `${file}: ${n.join(', ')}`);
    assert.ok(!n.some((x) => x.startsWith('missing')), file);
  }
});

test('ruby: a def inside a string interpolation of a method is no sample of its own, and the file still extracts', async () => {
  const text = ['class A', '  def outer(x)', '    puts "value: #{def inner; 1; end; x}"', '    x + 1', '  end', '', '  def other', '    2', '  end', 'end', ''].join('\n');
  for (const backend of ['native', 'wasm'] as const) {
    const r = run(await extractor(backend), 'ruby', text, 'interp.rb');
    assert.deepEqual(r.samples.map((s) => s.name), ['outer', 'other'], backend);
  }
});

test('deep nesting: 5000 nested parentheses or blocks do not overflow the stack', async () => {
  const depth = 5000;
  for (const backend of ['native', 'wasm'] as const) {
    const ex = await extractor(backend);
    const py = run(ex, 'python', `def deep(x):\n    return ${'('.repeat(depth)}x${')'.repeat(depth)}\n`);
    assert.equal(py.samples.length, 1, backend);
    const java = run(ex, 'java', `class A { int deep() { ${'{'.repeat(depth)} return 1; ${'}'.repeat(depth)} } }`);
    assert.equal(java.samples.length, 1, backend);
    assert.ok(java.samples[0]!.contexts.length > 0, backend);
    const ruby = run(ex, 'ruby', `def deep(x)\n  ${'['.repeat(depth)}x${']'.repeat(depth)}\nend\n`);
    assert.equal(ruby.samples.length, 1, backend);
  }
});

test('snippet mode (JSONL): a bare Java method is wrapped, and its range is relative to the snippet', async () => {
  const ex = await extractor('native');
  const code = '@Override\npublic String toString() {\n  return name;\n}';
  const r = run(ex, 'java', code, 'data.jsonl', {}, { snippet: true, doc: 'Returns the name.', funcName: 'Person.toString', jsonlLine: 3 });
  assert.equal(r.samples.length, 1);
  const [s] = samplesOf(ex, r);
  assert.equal(s!.name, 'toString');
  assert.deepEqual(s!.range, { startLine: 0, startColumn: 0, endLine: 3, endColumn: 1 });
  assert.equal(textAt(code, s!.range), code);
  assert.equal(s!.doc, 'Returns the name.');
  assert.equal(s!.origin.jsonlLine, 3);
  assert.equal(r.nameMismatches, 0);
});

test('snippet mode: an indented Python method is dedented and mapped back; nested functions are not separate samples', async () => {
  const ex = await extractor('native');
  const code = '    def total(self, xs):\n        def add(a, b):\n            return a + b\n        return sum(xs)\n';
  const r = run(ex, 'python', code, 'data.jsonl', {}, { snippet: true, funcName: 'Cart.sum_all' });
  assert.deepEqual(r.samples.map((s) => s.name), ['total']);
  assert.deepEqual(r.samples[0]!.range, { startLine: 0, startColumn: 4, endLine: 3, endColumn: 22 });
  assert.ok(textAt(code, r.samples[0]!.range).startsWith('def total(self, xs):'));
  // The name comes from the parse; func_name only counts a mismatch.
  assert.equal(r.nameMismatches, 1);
});

test('settings are validated', async () => {
  const ex = await extractor('native');
  assert.throws(() => run(ex, 'python', 'def f(): pass\n', 'x', { maxPathLength: 2 }), { code: 'E_CONFIG' });
  assert.throws(() => run(ex, 'python', 'def f(): pass\n', 'x', { maxContexts: -1 }), { code: 'E_CONFIG' });
});
