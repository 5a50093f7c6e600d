/**
 * The file walk that stands for the query engine (`queryshape.ts`, `FlatTree.buildFile`): it must
 * find exactly the declarations and captures the real query finds, and the extractor must give
 * the same output (samples and string tables, ids included) whichever way it found them. Checked
 * on the fixtures, on tricky inline units and on a few hundred real files (the Python and Ruby
 * standard libraries and the JDK sources, where this machine has them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { readZipDirectory, readZipEntrySync } from '../../../server/src/corpus/zip';
import { loadNativeBackend } from '../../../server/src/parse/backend';
import type { TsCursor } from '../../../server/src/parse/backend-types';
import { createExtractor, DEFAULT_EXTRACT_SETTINGS, type Extractor, type ExtractSettings, type UnitResult } from '../../../server/src/parse/extract';
import { DeclTable, FlatTree, LabelTable, TokenInterner, TypeTable } from '../../../server/src/parse/flatten';
import { LANGUAGES, languageForPath, loadQuerySource, typesWithout, type LanguageSpec } from '../../../server/src/parse/languages';
import { parseQueryShape, type QueryShape } from '../../../server/src/parse/queryshape';
import { LANGUAGE_IDS, StringTable, type LanguageId } from '../../../server/src/parse/sample';
import { FLAT_SKIP, fixtures, type Fixture } from './helpers';

function shapeOf(language: LanguageId): QueryShape {
  const shape = parseQueryShape(loadQuerySource(language));
  assert.ok(typeof shape !== 'string', `${language}: ${String(shape)}`);
  return shape;
}

test('query shape: each language\'s methods.scm is read as its declaration patterns', () => {
  assert.deepEqual(shapeOf('java'), [
    {
      type: 'method_declaration',
      capture: 'method',
      fields: [
        { field: 'name', type: 'identifier', optional: false, capture: 'name' },
        { field: 'body', type: 'block', optional: true, capture: 'body' },
      ],
    },
    {
      type: 'constructor_declaration',
      capture: 'constructor',
      fields: [
        { field: 'name', type: 'identifier', optional: false, capture: 'name' },
        { field: 'body', type: 'constructor_body', optional: false, capture: 'body' },
      ],
    },
    {
      type: 'compact_constructor_declaration',
      capture: 'constructor',
      fields: [
        { field: 'name', type: 'identifier', optional: false, capture: 'name' },
        { field: 'body', type: 'block', optional: false, capture: 'body' },
      ],
    },
  ]);
  assert.deepEqual(shapeOf('python').map((p) => p.type), ['function_definition']);
  assert.deepEqual(shapeOf('ruby')[0]!.fields, [
    { field: 'name', type: undefined, optional: false, capture: 'name' },
    { field: 'body', type: undefined, optional: true, capture: 'body' },
  ]);
});

test('query shape: anything else is refused with a reason (the extractor then runs the real query)', () => {
  for (const source of [
    '(method name: (identifier) @name (#eq? @name "x")) @method',
    '(method . name: (identifier) @name) @method',
    '[(method) (singleton_method)] @method',
    '(method body: (body_statement (call) @call)) @method',
    '(method name: (identifier)* @name) @method',
    '(method name: (identifier) @label) @method',
    '(method !body) @method',
    '(method name: (identifier) @name) @method (method name: (constant) @name) @method',
    '(method name: (identifier) @name name: (constant) @name) @method',
    '(_ name: (identifier) @name) @method',
    '(method name: "x" @name) @method',
    '',
  ]) {
    assert.equal(typeof parseQueryShape(source), 'string', source);
  }
  assert.notEqual(typeof parseQueryShape('; a comment\n(method\n  name: (_) @name\n  body: (_)? @body) @method\n'), 'string');
});

/** A declaration as captured: by the query, or by the file walk. */
interface Captured {
  start: number;
  end: number;
  capture: string;
  name: string | undefined;
  body: boolean;
}

const backend = loadNativeBackend();

function byQuery(language: LanguageId, text: string): Captured[] | undefined {
  const tree = backend.parse(text, language);
  if (tree.root.hasError) return undefined;
  const out: Captured[] = [];
  for (const m of tree.matches()) {
    const decl = m.captures.find((c) => c.name === 'method' || c.name === 'constructor')!;
    const name = m.captures.find((c) => c.name === 'name');
    out.push({ start: decl.node.startIndex, end: decl.node.endIndex, capture: decl.name, name: name?.node.text, body: m.captures.some((c) => c.name === 'body') });
  }
  return out.sort((a, b) => a.start - b.start);
}

const typeTables = new Map<LanguageId, TypeTable>();

/** The file walk's declarations; `flatten`: flatten every outermost one (else pass over them all). Undefined when it gave up. */
function byWalk(language: LanguageId, text: string, flatten: boolean): Captured[] | undefined {
  let types = typeTables.get(language);
  if (types === undefined) {
    const shape = shapeOf(language);
    types = new TypeTable(LANGUAGES[language], new LabelTable(), new TokenInterner(new StringTable()), shape, typesWithout(language, shape.map((p) => p.type)));
    typeTables.set(language, types);
  }
  const tree = backend.parse(text, language);
  const decls = new DeclTable();
  decls.flatten = () => flatten;
  new FlatTree().buildFile(tree.cursorAt(tree.root), text, types, new TokenInterner(new StringTable()), decls);
  if (decls.irregular) return undefined;
  const out: Captured[] = [];
  for (let d = 0; d < decls.count; d++) {
    if (decls.matched[d] === 0) continue;
    out.push({
      start: decls.start[d]!,
      end: decls.end[d]!,
      capture: types.shape![decls.shape[d]!]!.capture,
      name: decls.nameAt[d]! >= 0 ? text.slice(decls.nameStart[d]!, decls.nameEnd[d]!) : undefined,
      body: decls.bodyAt[d]! >= 0,
    });
  }
  return out;
}

function filesUnder(dir: string, out: string[]): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!['site-packages', 'dist-packages', '__pycache__'].includes(e.name)) filesUnder(p, out);
    } else if (e.isFile() && languageForPath(p) !== undefined) {
      out.push(p);
    }
  }
  return out;
}

/** Every `step`-th of at most `count * step` sorted files under `dir` (none when it is absent). */
function sampleDir(dir: string, count: number, step: number): Fixture[] {
  if (!fs.existsSync(dir)) return [];
  const files = filesUnder(dir, []).sort().filter((_, i) => i % step === 0).slice(0, count);
  return files.map((f) => ({ file: path.relative(dir, f), language: languageForPath(f)!, text: fs.readFileSync(f, 'utf8') }));
}

async function sampleZip(zip: string, count: number, step: number): Promise<Fixture[]> {
  if (!fs.existsSync(zip)) return [];
  const fh = await fsp.open(zip);
  try {
    const entries = (await readZipDirectory(fh, (await fh.stat()).size)).filter((e) => e.name.endsWith('.java')).sort((a, b) => (a.name < b.name ? -1 : 1));
    const out: Fixture[] = [];
    for (const e of entries.filter((_, i) => i % step === 0).slice(0, count)) {
      out.push({ file: e.name, language: 'java', text: Buffer.from(readZipEntrySync(fh.fd, e)).toString('utf8') });
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** Inline units for the corners: nesting, bodiless declarations, code in strings, comments. */
const CORNERS: Fixture[] = [
  { file: 'c1.rb', language: 'ruby', text: 'x = "#{def top; 1; end}"\ndef a\n  y = 2\nend\n' },
  { file: 'c2.rb', language: 'ruby', text: 'def a\n  "#{def b; 1; end}"\nend\ndef c; 3; end\n' },
  { file: 'c3.rb', language: 'ruby', text: 'class A\n  # doc of f\n  def f; end\n  def g = 1\n  def +(o) = o\n  def x=(v); @x = v; end\nend\n# top\ndef h\nend\n' },
  { file: 'c4.rb', language: 'ruby', text: 'def a(b = (def inner; 1; end))\n  b\nend\n' },
  { file: 'C5.java', language: 'java', text: 'class A { String s = STR."\\{new Object(){ int f() { return 1; } }}"; int g() { return 2; } }' },
  { file: 'C6.java', language: 'java', text: 'enum E { A { void h() { } }; abstract void f(); void g() { } }\ninterface I { void a(); default void b() { } }\nrecord R(int x) { R { } }' },
  { file: 'C7.java', language: 'java', text: 'class A {\n  /** Doc. */ A() { new Thread() { public void run() { } }; }\n  void f() { class L { /** Local. */ void g() { } } }\n}\n' },
  { file: 'c8.py', language: 'python', text: 'import os\nX = [f"{(lambda: 1)()}"]\ndef f():\n    """Doc."""\n    def g(): pass\n    return g\nclass C:\n    x = 1\n    @staticmethod\n    async def h(): pass\nif True:\n    def i(): pass\n' },
];

async function corpus(): Promise<Fixture[]> {
  return [
    ...fixtures(),
    ...CORNERS,
    ...sampleDir('/usr/lib/python3.11', 120, 5),
    ...sampleDir('/usr/lib/ruby', 100, 3),
    ...(fs.existsSync('/tmp/jdk') ? sampleDir('/tmp/jdk', 120, 25) : await sampleZip('/usr/lib/jvm/openjdk-17/lib/src.zip', 120, 60)),
  ];
}

test('file walk: finds exactly the declarations and captures the query finds (error-free files)', async () => {
  let files = 0;
  let decls = 0;
  for (const f of await corpus()) {
    const expected = byQuery(f.language, f.text);
    if (expected === undefined) continue;
    for (const flatten of [false, true]) {
      const actual = byWalk(f.language, f.text, flatten);
      // Giving up is allowed (the query then runs): only on a declaration inside an interpolated string of a flattened one.
      if (actual === undefined) {
        assert.ok(flatten && (LANGUAGES[f.language] as LanguageSpec).codeInStrings !== undefined, `${f.file}: the walk gave up`);
        continue;
      }
      assert.deepEqual(actual, expected, `${f.file} (flatten ${flatten})`);
    }
    files++;
    decls += expected.length;
  }
  assert.ok(files >= CORNERS.length + 6 && decls > 0);
});

/** Results (raw ids included) or errors of the two ways are equal. */
function same(a: UnitResult | Error, b: UnitResult | Error, what: string): void {
  if (a instanceof Error || b instanceof Error) assert.equal(String(b), String(a), what);
  else assert.deepEqual(b, a, what);
}

function attempt(ex: Extractor, f: Fixture, s: ExtractSettings, snippet = false): UnitResult | Error {
  try {
    return ex.extract({ origin: { file: f.file, root: 0 }, language: f.language, text: f.text, snippet }, s);
  } catch (e) {
    return e as Error;
  }
}

test('file walk: the extractor gives the same samples and string tables as with the query engine', async () => {
  const viaQuery = await createExtractor({ backend: 'native', queryShapes: false });
  const viaWalk = await createExtractor({ backend: 'native' });
  const settings: ExtractSettings[] = [DEFAULT_EXTRACT_SETTINGS, { includeConstructors: true, maxContexts: 13, maxPathLength: 10, maxPathWidth: 3 }];
  for (const f of await corpus()) {
    for (const s of settings) same(attempt(viaQuery, f, s), attempt(viaWalk, f, s), `${f.file} ${JSON.stringify(s)}`);
  }
  for (const f of [...fixtures(), ...CORNERS]) same(attempt(viaQuery, f, DEFAULT_EXTRACT_SETTINGS, true), attempt(viaWalk, f, DEFAULT_EXTRACT_SETTINGS, true), `${f.file} snippet`);
  // Ids in the samples are ids in the tables: equal tables make equal samples mean the same.
  assert.deepEqual(viaWalk.tables.tokens.strings, viaQuery.tables.tokens.strings);
  assert.deepEqual(viaWalk.tables.paths.strings, viaQuery.tables.paths.strings);
});

test('file walk: on the flat addon too, the same samples and tables as with the query engine (which runs in the addon)', { skip: FLAT_SKIP }, async () => {
  const viaQuery = await createExtractor({ backend: 'native-flat', queryShapes: false });
  const viaWalk = await createExtractor({ backend: 'native-flat' });
  for (const f of await corpus()) same(attempt(viaQuery, f, DEFAULT_EXTRACT_SETTINGS), attempt(viaWalk, f, DEFAULT_EXTRACT_SETTINGS), f.file);
  for (const f of [...fixtures(), ...CORNERS]) same(attempt(viaQuery, f, DEFAULT_EXTRACT_SETTINGS, true), attempt(viaWalk, f, DEFAULT_EXTRACT_SETTINGS, true), `${f.file} snippet`);
  assert.deepEqual(viaWalk.tables.tokens.strings, viaQuery.tables.tokens.strings);
  assert.deepEqual(viaWalk.tables.paths.strings, viaQuery.tables.paths.strings);
});

test('file walk: on web-tree-sitter too, the same output as the query engine', async () => {
  const viaQuery = await createExtractor({ backend: 'wasm', queryShapes: false });
  const viaWalk = await createExtractor({ backend: 'wasm' });
  for (const f of [...fixtures(), ...CORNERS]) same(attempt(viaQuery, f, DEFAULT_EXTRACT_SETTINGS), attempt(viaWalk, f, DEFAULT_EXTRACT_SETTINGS), f.file);
  assert.deepEqual(viaWalk.tables.tokens.strings, viaQuery.tables.tokens.strings);
  assert.deepEqual(viaWalk.tables.paths.strings, viaQuery.tables.paths.strings);
});

/** A cursor over a hand-made tree (to build trees tree-sitter would not). */
interface MockNode {
  type: string;
  named?: boolean;
  field?: string;
  start?: number;
  end?: number;
  children?: MockNode[];
}

/** Type and field ids of the mock trees (one space for all, as a language's). */
const ids = new Map<string, number>();
const fieldIds = new Map<string, number>();

function mockCursor(root: MockNode): TsCursor {
  const path: { node: MockNode; index: number }[] = [{ node: root, index: 0 }];
  const at = (): MockNode => path[path.length - 1]!.node;
  const parent = (): MockNode | undefined => path[path.length - 2]?.node;
  return {
    get nodeTypeId() {
      const key = `${at().type}/${at().named !== false}`;
      if (!ids.has(key)) ids.set(key, ids.size + 1);
      return ids.get(key)!;
    },
    get nodeType() {
      return at().type;
    },
    get nodeIsNamed() {
      return at().named !== false;
    },
    get startIndex() {
      return at().start ?? 0;
    },
    get endIndex() {
      return at().end ?? 0;
    },
    get currentFieldName() {
      return at().field ?? null;
    },
    get currentFieldId() {
      const f = at().field;
      if (f === undefined) return 0;
      if (!fieldIds.has(f)) fieldIds.set(f, fieldIds.size + 1);
      return fieldIds.get(f)!;
    },
    get currentNode(): never {
      throw new Error('not in the mock');
    },
    gotoFirstChild() {
      const kids = at().children ?? [];
      if (kids.length === 0) return false;
      path.push({ node: kids[0]!, index: 0 });
      return true;
    },
    gotoNextSibling() {
      const p = parent();
      if (p === undefined) return false;
      const top = path[path.length - 1]!;
      const next = p.children![top.index + 1];
      if (next === undefined) return false;
      path[path.length - 1] = { node: next, index: top.index + 1 };
      return true;
    },
    gotoParent() {
      if (path.length === 1) return false;
      path.pop();
      return true;
    },
  };
}

test('file walk: what the shape cannot decide as the query would makes it give up', () => {
  const shape = shapeOf('java');
  const types = new TypeTable(LANGUAGES.java, new LabelTable(), new TokenInterner(new StringTable()), shape);
  const walk = (children: MockNode[]): DeclTable => {
    const decls = new DeclTable();
    decls.flatten = () => false;
    const root: MockNode = { type: 'program', children: [{ type: 'method_declaration', start: 0, end: 10, children }] };
    new FlatTree().buildFile(mockCursor(root), ' '.repeat(10), types, new TokenInterner(new StringTable()), decls);
    return decls;
  };
  const name: MockNode = { type: 'identifier', field: 'name', start: 1, end: 2 };
  const body: MockNode = { type: 'block', field: 'body', start: 3, end: 4 };
  // The usual shape: matched, with both captures.
  let d = walk([name, body]);
  assert.equal(d.irregular, false);
  assert.deepEqual([d.matched[0], d.nameAt[0], d.bodyAt[0]], [1, 0, 1]);
  // A body of another type is not captured (the method is then bodiless), a missing name fails the match.
  d = walk([name, { ...body, type: 'expression_statement' }]);
  assert.deepEqual([d.irregular, d.matched[0], d.bodyAt[0]], [false, 1, -1]);
  d = walk([{ ...name, named: false }, body]);
  assert.deepEqual([d.irregular, d.matched[0]], [false, 0]);
  // A field twice, or the fields out of the pattern's order: the query could match otherwise.
  assert.equal(walk([name, { ...name, start: 5, end: 6 }, body]).irregular, true);
  assert.equal(walk([body, name]).irregular, true);
});

test('registry: node types that cannot hold a declaration are read from the grammars', () => {
  for (const id of LANGUAGE_IDS) {
    const shape = shapeOf(id);
    const without = typesWithout(id, shape.map((p) => p.type));
    assert.ok(without.has('identifier'), id);
    for (const p of shape) assert.ok(!without.has(p.type), `${id}: ${p.type}`);
  }
  assert.ok(typesWithout('python', ['function_definition']).has('expression_statement'));
  assert.ok(!typesWithout('python', ['function_definition']).has('block'));
  assert.ok(typesWithout('java', ['method_declaration']).has('import_declaration'));
});
