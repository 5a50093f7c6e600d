/**
 * The flat backend (memaudit's addon, `native/flat.c` + `flat.ts`) against the `tree-sitter`
 * binding, node by node: the same pre-order walk must read the same type ids, names, namedness,
 * offsets and fields, and the nodes the same parents, previous named siblings and error flags;
 * the query must match the same nodes. Skipped, with the reason, when the addon was not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFlatBackend, loadNativeBackend, type Backend, type ParsedTree } from '../../../server/src/parse/backend';
import type { TsCursor, TsNode } from '../../../server/src/parse/backend-types';
import { createExtractor } from '../../../server/src/parse/extract';
import { loadFlatAddon, type FlatAddon } from '../../../server/src/parse/flat';
import { isEngineError } from '../../../server/src/errors';
import { languageForPath } from '../../../server/src/parse/languages';
import type { LanguageId } from '../../../server/src/parse/sample';
import { FLAT_SKIP, fixtures, run, type Fixture } from './helpers';

const skip = FLAT_SKIP;
const flat: Backend | undefined = skip === undefined ? loadFlatBackend() : undefined;
const native = loadNativeBackend();

const UNITS: Fixture[] = [
  ...fixtures(),
  { file: 'astral.py', language: 'python', text: 'def 𝔣(x):\n    """😀"""\n    return "𝔘" + x  # 🎉\n' },
  { file: 'Astral.java', language: 'java', text: 'class A { String f() { return "😀"; } int g(int 😀x) { return x; } }' },
  { file: 'broken.rb', language: 'ruby', text: '# doc\ndef f\n  x = (1 +\nend\ndef g; 2; end\n' },
  { file: 'Broken.java', language: 'java', text: 'class A { void f() { int x = ; } int g() { return 1; } ' },
  { file: 'empty.py', language: 'python', text: '' },
];

/** What a cursor and its node read at one step. */
function snapshotStep(c: TsCursor): unknown[] {
  const node: TsNode = c.currentNode;
  const prev = node.previousNamedSibling;
  const parent = node.parent;
  return [
    c.nodeTypeId,
    c.nodeType,
    c.nodeIsNamed,
    c.startIndex,
    c.endIndex,
    c.currentFieldId || 0,
    c.currentFieldName ?? null,
    node.type,
    node.hasError,
    node.text,
    parent === null ? null : [parent.type, parent.startIndex, parent.endIndex],
    prev === null ? null : [prev.type, prev.startIndex, prev.endIndex],
  ];
}

/** Every step of a pre-order walk from the cursor's node, and whether it could leave it. */
function walk(c: TsCursor): unknown[][] {
  const steps: unknown[][] = [];
  let depth = 0;
  for (;;) {
    steps.push(snapshotStep(c));
    if (c.gotoFirstChild()) {
      depth++;
      continue;
    }
    for (;;) {
      if (depth === 0) {
        // At the cursor's root: it cannot move to a sibling or a parent.
        steps.push(['end', c.gotoNextSibling(), c.gotoParent()]);
        return steps;
      }
      if (c.gotoNextSibling()) break;
      assert.ok(c.gotoParent());
      depth--;
    }
  }
}

function declarations(tree: ParsedTree): TsNode[] {
  return tree.matches().flatMap((m) => m.captures.filter((c) => c.name === 'method' || c.name === 'constructor').map((c) => c.node));
}

function capturesOf(tree: ParsedTree): unknown[] {
  return tree.matches().map((m) => m.captures.map((c) => [c.name, c.node.type, c.node.startIndex, c.node.endIndex, c.node.hasError]));
}

test('flat: cursors and nodes read what the binding\'s read, from the root and from every declaration', { skip }, () => {
  for (const f of UNITS) {
    const a = native.parse(f.text, f.language);
    const b = flat!.parse(f.text, f.language);
    assert.equal(b.root.hasError, a.root.hasError, f.file);
    assert.deepEqual(walk(b.cursorAt(b.root)), walk(a.cursorAt(a.root)), `${f.file} from the root`);
    const da = declarations(a);
    const db = declarations(b);
    assert.equal(db.length, da.length, f.file);
    for (let k = 0; k < da.length; k++) assert.deepEqual(walk(b.cursorAt(db[k]!)), walk(a.cursorAt(da[k]!)), `${f.file} declaration ${k}`);
    b.dispose();
  }
});

/** Every `step`-th source file under `dir`, at most `count` (none when the folder is absent). */
function sampleDir(dir: string, count: number, step: number): Fixture[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'site-packages' && e.name !== '__pycache__') visit(p);
      else if (e.isFile() && languageForPath(p) !== undefined) out.push(p);
    }
  };
  visit(dir);
  return out
    .sort()
    .filter((_, i) => i % step === 0)
    .slice(0, count)
    .map((f) => ({ file: f, language: languageForPath(f)!, text: fs.readFileSync(f, 'utf8') }));
}

/** What the extractor's walks read of each node, in pre-order: type id, namedness, offsets, field. */
function cheapWalk(c: TsCursor): number[] {
  const out: number[] = [];
  let depth = 0;
  for (;;) {
    out.push(c.nodeTypeId, c.nodeIsNamed ? 1 : 0, c.startIndex, c.endIndex, c.currentFieldId || 0);
    if (c.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (depth > 0 && !c.gotoNextSibling()) {
      c.gotoParent();
      depth--;
      out.push(-1);
    }
    if (depth === 0) return out;
  }
}

test('flat: real files, whole and cut short (syntax errors), walk as with the binding', { skip }, () => {
  const files = [...sampleDir('/usr/lib/python3.11', 40, 17), ...sampleDir('/usr/lib/ruby', 40, 13), ...sampleDir('/tmp/jdk/java.base', 40, 41)];
  for (const f of files) {
    for (const text of [f.text, f.text.slice(0, Math.floor(f.text.length / 2)), f.text.slice(0, Math.floor(f.text.length / 3))]) {
      const a = native.parse(text, f.language);
      const b = flat!.parse(text, f.language);
      assert.equal(b.root.hasError, a.root.hasError, f.file);
      assert.deepEqual(cheapWalk(b.cursorAt(b.root)), cheapWalk(a.cursorAt(a.root)), `${f.file} (${text.length} of ${f.text.length})`);
      b.dispose();
    }
  }
});

test('flat: the query matches the same nodes as the binding\'s, also on a tree parsed before the last one', { skip }, () => {
  for (const f of UNITS) {
    const expected = capturesOf(native.parse(f.text, f.language));
    const first = flat!.parse(f.text, f.language);
    // Another parse of the same language replaces the tree the addon keeps; the first tree's
    // `matches` must still be its own.
    const other = flat!.parse('def other; end\nclass B { void other() { } }\ndef other(): pass\n', f.language);
    assert.deepEqual(capturesOf(first), expected, f.file);
    capturesOf(other);
    other.dispose();
    first.dispose();
  }
});

test('flat: a tree not yet disposed keeps its columns while later trees are parsed', { skip }, () => {
  const big = UNITS.reduce((a, b) => (b.language === 'java' && b.text.length > a.text.length ? b : a), UNITS.find((u) => u.language === 'java')!);
  const a = flat!.parse(big.text, 'java');
  const before = walk(a.cursorAt(a.root));
  for (let k = 0; k < 3; k++) {
    const t = flat!.parse(k === 0 ? big.text : 'class Z { }', 'java');
    t.dispose();
  }
  assert.deepEqual(walk(a.cursorAt(a.root)), before);
  a.dispose();
});

test('flat: 100,000-deep nesting is walked without exhausting any stack', { skip }, async () => {
  const depth = 100_000;
  const units: [LanguageId, string][] = [
    ['python', `def f():\n    return ${'('.repeat(depth)}1${')'.repeat(depth)}\n`],
    ['java', `class A { int f() { return ${'('.repeat(depth)}1${')'.repeat(depth)}; } }`],
  ];
  const ex = await createExtractor({ backend: 'native-flat' });
  for (const [language, text] of units) {
    const tree = flat!.parse(text, language);
    let n = 0;
    let maxDepth = 0;
    const c = tree.cursorAt(tree.root);
    let d = 0;
    for (;;) {
      n++;
      if (c.gotoFirstChild()) {
        maxDepth = Math.max(maxDepth, ++d);
        continue;
      }
      while (d > 0 && !c.gotoNextSibling()) {
        c.gotoParent();
        d--;
      }
      if (d === 0) break;
    }
    assert.ok(maxDepth > depth, `${language}: depth ${maxDepth}`);
    assert.ok(n > 2 * depth);
    tree.dispose();
    const r = run(ex, language, text);
    assert.equal(r.samples.length, 1, language);
  }
});

test('flat: parseOnly leaves no tree behind for a later matches()', { skip }, () => {
  const t = flat!.parse('def a; end\n', 'ruby');
  flat!.parseOnly('def b; end\ndef c; end\n', 'ruby');
  assert.deepEqual(capturesOf(t).length, 1);
  t.dispose();
});

test('flat: a language\'s query is compiled when first needed, once; one that does not compile is E_INTERNAL then', { skip }, () => {
  const compiled: string[] = [];
  const real = loadFlatAddon();
  const counting: FlatAddon = Object.assign(Object.create(real) as FlatAddon, {
    setQuery: (handle: Parameters<FlatAddon['setQuery']>[0], source: string) => {
      compiled.push(source);
      return real.setQuery(handle, source);
    },
  });
  const b = loadFlatBackend(() => counting);
  assert.equal(compiled.length, 0, 'no query compiled at load');
  for (let k = 0; k < 2; k++) {
    const t = b.parse('def f(:\n    pass\ndef g():\n    return 1\n', 'python');
    assert.ok(t.matches().length > 0);
    t.dispose();
  }
  assert.equal(compiled.length, 1, 'compiled once, for Python only');

  const broken = loadFlatBackend(() => Object.assign(Object.create(real) as FlatAddon, { setQuery: () => { throw new Error('bad query'); } }));
  const t = broken.parse('class A { void f( }', 'java');
  assert.throws(() => t.matches(), (e: unknown) => isEngineError(e) && e.code === 'E_INTERNAL' && /query of java/.test(e.message));
  t.dispose();
});
