import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFlatBackend, loadNativeBackend } from '../../../server/src/parse/backend';
import { FlatTree, LabelTable, TokenInterner, TypeTable } from '../../../server/src/parse/flatten';
import { LANGUAGES } from '../../../server/src/parse/languages';
import { PathContexts } from '../../../server/src/parse/paths';
import { METHOD_NAME_PLACEHOLDER, StringTable } from '../../../server/src/parse/sample';
import { contextLine, extractor, FLAT_SKIP, fixtures, pathLength, run, samplesOf, type Fixture } from './helpers';

const TINY = 'def f(a):\n    return a + 1\n';

test('paths: a hand-checked method gives exactly the expected path-contexts', async () => {
  const ex = await extractor('native');
  const [s] = samplesOf(ex, run(ex, 'python', TINY));
  // Named tree: function_definition(identifier f, parameters(identifier a), block(return_statement(
  // binary_operator:+(identifier a, integer 1)))). Terminals f, a, a, 1; every pair is within
  // length 8 and width 2 (f is child 0 of function_definition, block is child 2).
  const P = METHOD_NAME_PLACEHOLDER;
  assert.deepEqual(s!.pathContexts.map(contextLine), [
    `${P},(identifier)^(function_definition)_(parameters)_(identifier),a`,
    `${P},(identifier)^(function_definition)_(block)_(return_statement)_(binary_operator:+)_(identifier),a`,
    `${P},(identifier)^(function_definition)_(block)_(return_statement)_(binary_operator:+)_(integer),1`,
    'a,(identifier)^(parameters)^(function_definition)_(block)_(return_statement)_(binary_operator:+)_(identifier),a',
    'a,(identifier)^(parameters)^(function_definition)_(block)_(return_statement)_(binary_operator:+)_(integer),1',
    'a,(identifier)^(binary_operator:+)_(integer),1',
  ]);
});

test('paths: maxPathLength drops the long paths (7 nodes) and keeps the rest', async () => {
  const ex = await extractor('native');
  const [s] = samplesOf(ex, run(ex, 'python', TINY, 'inline', { maxPathLength: 6 }));
  assert.deepEqual(s!.pathContexts.map((c) => pathLength(c.path)), [4, 6, 6, 3]);
});

test('paths: maxPathWidth 1 drops the pairs through children 0 and 2 of function_definition', async () => {
  const ex = await extractor('native');
  const [s] = samplesOf(ex, run(ex, 'python', TINY, 'inline', { maxPathWidth: 1 }));
  assert.deepEqual(s!.pathContexts.map(contextLine), [
    `${METHOD_NAME_PLACEHOLDER},(identifier)^(function_definition)_(parameters)_(identifier),a`,
    'a,(identifier)^(parameters)^(function_definition)_(block)_(return_statement)_(binary_operator:+)_(identifier),a',
    'a,(identifier)^(parameters)^(function_definition)_(block)_(return_statement)_(binary_operator:+)_(integer),1',
    'a,(identifier)^(binary_operator:+)_(integer),1',
  ]);
});

/** A method whose pairs far outnumber 200: a long flat body of short statements. */
function bigMethod(statements: number): string {
  const body = Array.from({ length: statements }, (_, i) => `    v${i} = w${i} + ${i}`).join('\n');
  return `def big(w):\n${body}\n    return v0\n`;
}

test('paths: at most maxContexts, every path within the length limit', async () => {
  const ex = await extractor('native');
  for (const f of fixtures()) {
    for (const s of samplesOf(ex, run(ex, f.language, f.text, f.file))) {
      assert.ok(s.pathContexts.length <= 200, `${f.file} ${s.name}`);
      for (const c of s.pathContexts) assert.ok(pathLength(c.path) <= 8, `${f.file} ${s.name}: ${c.path}`);
    }
  }
  const [big] = run(ex, 'python', bigMethod(300)).samples;
  assert.equal(big!.contexts.length, 3 * 200);
  const [small] = run(ex, 'python', bigMethod(300), 'inline', { maxContexts: 17 }).samples;
  assert.equal(small!.contexts.length, 3 * 17);
});

test('paths: sampling is seeded by the sample id (same file → same contexts; another file → others)', async () => {
  const ex = await extractor('native');
  const text = bigMethod(300);
  const a = samplesOf(ex, run(ex, 'python', text, 'a.py'))[0]!;
  const again = samplesOf(ex, run(ex, 'python', text, 'a.py'))[0]!;
  const b = samplesOf(ex, run(ex, 'python', text, 'b.py'))[0]!;
  assert.deepEqual(again.pathContexts, a.pathContexts);
  assert.notDeepEqual(b.pathContexts, a.pathContexts);
});

/**
 * All pairs of terminals of flat method `m` within the limits, by brute force over every pair:
 * the LCA from the ancestor chains, the width from the child indices just below it.
 */
function bruteForce(flat: FlatTree, m: number, labels: LabelTable, L: number, W: number): string[] {
  const terms: number[] = [];
  for (let i = m; i < flat.end[m]!; i++) if (flat.term[i] !== -1) terms.push(i);
  const chain = (i: number): number[] => {
    const c = [i];
    while (c[c.length - 1] !== m) c.push(flat.npar[c[c.length - 1]!]!);
    return c;
  };
  const label = (i: number) => `(${labels.names[flat.label[i]!]!})`;
  const out: string[] = [];
  for (let x = 0; x < terms.length; x++) {
    for (let y = x + 1; y < terms.length; y++) {
      const up = chain(terms[x]!);
      const down = chain(terms[y]!);
      const a = up.find((n) => down.includes(n))!;
      const ux = up.indexOf(a);
      const dy = down.indexOf(a);
      const width = flat.nidx[down[dy - 1]!]! - flat.nidx[up[ux - 1]!]!;
      if (ux + dy + 1 > L || width > W) continue;
      const path = up.slice(0, ux).map(label).join('^') + '^' + label(a) + down.slice(0, dy).reverse().map((n) => '_' + label(n)).join('');
      out.push(`${x},${path},${y}`);
    }
  }
  return out.sort();
}

/**
 * Flattens every error-free declaration of `units` in turn (into `flat`, with the binding's
 * query) and calls `each` while it is there; the tables are the caller's.
 */
function eachFlatMethod(units: readonly Fixture[], labels: LabelTable, interner: TokenInterner, flat: FlatTree, each: (f: Fixture) => void): void {
  const backend = loadNativeBackend();
  for (const f of units) {
    const types = new TypeTable(LANGUAGES[f.language], labels, interner);
    const tree = backend.parse(f.text, f.language);
    for (const match of tree.matches()) {
      const decl = match.captures.find((c) => c.name === 'method' || c.name === 'constructor');
      if (decl === undefined || decl.node.hasError) continue;
      flat.build(tree.cursorAt(decl.node), f.text, types, interner);
      each(f);
    }
    tree.dispose();
  }
}

test('paths: the enumeration finds exactly the pairs a brute force over all terminal pairs finds', () => {
  const labels = new LabelTable();
  const paths = new StringTable();
  const interner = new TokenInterner(new StringTable());
  const contexts = new PathContexts(paths, labels);
  const flat = new FlatTree();
  let checked = 0;
  eachFlatMethod(fixtures(), labels, interner, flat, (f) => {
    for (const [L, W] of [[8, 2], [5, 1], [6, 3]] as const) {
      const got = contexts.compute(flat, 0, { maxContexts: 1e9, maxPathLength: L, maxPathWidth: W }, -1, () => false, '0000000000000000');
      // Compared as multisets of paths (the brute force has no tokens: the terminals' ordinals).
      const lines: string[] = [];
      for (let k = 0; k < got.length; k += 3) lines.push(paths.get(got[k + 1]!));
      const expected = bruteForce(flat, 0, labels, L, W).map((e) => e.slice(e.indexOf(',') + 1, e.lastIndexOf(',')));
      assert.deepEqual(lines.sort(), expected.sort(), `${f.file} L=${L} W=${W}`);
      checked++;
    }
  });
  assert.ok(checked > 50);
});

test('paths: the hand-computed lengths and widths of the tiny example filter as the limits say', async () => {
  // The tiny example with width/length limits swept: with maxContexts large, the
  // output must equal the filtered list of all pairs (6 pairs, lengths and widths hand-computed).
  const ex = await extractor('native');
  const all = [
    { length: 4, width: 1 },
    { length: 6, width: 2 },
    { length: 6, width: 2 },
    { length: 7, width: 1 },
    { length: 7, width: 1 },
    { length: 3, width: 1 },
  ];
  for (const maxPathLength of [3, 4, 5, 6, 7, 8]) {
    for (const maxPathWidth of [1, 2]) {
      const [s] = samplesOf(ex, run(ex, 'python', TINY, 'inline', { maxPathLength, maxPathWidth }));
      const expected = all.filter((p) => p.length <= maxPathLength && p.width <= maxPathWidth).map((p) => p.length);
      assert.deepEqual(s!.pathContexts.map((c) => pathLength(c.path)), expected, `L=${maxPathLength} W=${maxPathWidth}`);
    }
  }
});

/** Ruby and Java methods big enough that sampling picks from thousands of pairs. */
function bigJava(statements: number): string {
  const body = Array.from({ length: statements }, (_, i) => `    int v${i} = w.get(${i}) * (v${Math.max(0, i - 1)} - ${i}) + big(w, "s${i % 7}");`).join('\n');
  return `class A {\n  int big(java.util.List<Integer> w, String s) {\n    int v0 = 0;\n${body}\n    return v0;\n  }\n}\n`;
}

test('paths: the flat addon\'s C kernel gives the JS reference\'s contexts, path ids and path strings', { skip: FLAT_SKIP }, () => {
  const kernel = loadFlatBackend().pathKernel!;
  const labels = new LabelTable();
  const interner = new TokenInterner(new StringTable());
  const jsPaths = new StringTable();
  const cPaths = new StringTable();
  const js = new PathContexts(jsPaths, labels);
  const c = new PathContexts(cPaths, labels, kernel);
  const flat = new FlatTree();
  const units: Fixture[] = [...fixtures(), { file: 'big.py', language: 'python', text: bigMethod(150) }, { file: 'Big.java', language: 'java', text: bigJava(60) }];
  let sampled = 0;
  let seed = 0;
  eachFlatMethod(units, labels, interner, flat, (f) => {
    // Every 5th terminal stands for the method's name (the placeholder token -7).
    const isName = (i: number) => i % 5 === 0;
    for (const [L, W, maxContexts] of [[8, 2, 200], [8, 2, 13], [5, 1, 40], [6, 3, 1], [3, 1, 200], [12, 4, 500]] as const) {
      const id = (seed++ * 2654435761).toString(16).padStart(16, '0').slice(-16);
      const limits = { maxContexts, maxPathLength: L, maxPathWidth: W };
      const a = js.compute(flat, 0, limits, -7, isName, id);
      const b = c.compute(flat, 0, limits, -7, isName, id);
      assert.deepEqual(b, a, `${f.file} L=${L} W=${W} max=${maxContexts}`);
      if (a.length === 3 * maxContexts) sampled++;
    }
  });
  assert.deepEqual(cPaths.strings, jsPaths.strings);
  assert.ok(sampled > 20, `only ${sampled} cases sampled among more pairs than maxContexts`);
});

test('paths: the C kernel refuses arguments that are not what it reads, without crashing', { skip: FLAT_SKIP }, () => {
  const kernel = loadFlatBackend().pathKernel!;
  const table = kernel.createPathTable() as never;
  const a = new Int32Array(16);
  const params = Int32Array.of(0, 4, 2, 8, 2, 200, 1, 2, 0);
  assert.throws(() => kernel.pathContexts({} as never, a, a, a, a, a, params, a, a), /path table/);
  assert.throws(() => kernel.pathContexts(table, new Float64Array(4) as never, a, a, a, a, params, a, a), /npar must be an Int32Array/);
  assert.throws(() => kernel.pathContexts(table, a, a, a, a, a, Int32Array.of(0, 100, 2, 8, 2, 200, 1, 2, 0), a, a), /outside the arrays/);
  assert.throws(() => kernel.pathContexts(table, a, a, a, Int32Array.of(0, 9), a, params, a, a), /outside the method/);
});

test('paths: with the C kernel, a table that already holds strings (the noise editor shares the dataset\'s) is interned by string', { skip: FLAT_SKIP }, () => {
  const kernel = loadFlatBackend().pathKernel!;
  const labels = new LabelTable();
  const interner = new TokenInterner(new StringTable());
  const flat = new FlatTree();
  eachFlatMethod([{ file: 'big.py', language: 'python', text: bigMethod(20) }], labels, interner, flat, () => undefined);
  const limits = { maxContexts: 200, maxPathLength: 8, maxPathWidth: 2 };
  const fresh = new StringTable();
  const reference = new PathContexts(fresh, labels, kernel).compute(flat, 0, limits, -1, () => false, '00000000000000ab');
  // The same paths already in a shared table, behind an unrelated string: ids must point at them.
  const shared = new StringTable();
  shared.id('unrelated');
  for (const s of fresh.strings) shared.id(s);
  const got = new PathContexts(shared, labels, kernel).compute(flat, 0, limits, -1, () => false, '00000000000000ab');
  for (let k = 1; k < got.length; k += 3) assert.equal(shared.get(got[k]!), fresh.get(reference[k]!));
  assert.equal(shared.size, fresh.size + 1);
});
