import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateCorpus, summarizeCorpus, type Corpus } from '../../../server/src/synth';
import { isEngineError } from '../../../server/src/errors';
import { LANGUAGE_IDS, type LanguageId } from '../../../server/src/parse/sample';

/** Digest of `generateCorpus({ seed: 2024, methods: 450 })`. */
const GOLDEN = 'a4a0c21fb6347b64731b5d5a6795da42cc90cfb59206af3725bfd78fdb8dbd82';

function digest(c: Corpus): string {
  const h = createHash('sha256');
  for (const f of c.files) h.update(`${f.path}\0${f.text}\0`);
  h.update(JSON.stringify(c.methods));
  return h.digest('hex');
}

test('the same seed and options give identical corpora; another seed another one', () => {
  const a = generateCorpus({ seed: 42, methods: 600 });
  const b = generateCorpus({ seed: 42, methods: 600 });
  const c = generateCorpus({ seed: 43, methods: 600 });
  assert.deepEqual(a, b);
  assert.notEqual(digest(a), digest(c));
  const sharedTexts = new Set(a.files.map((f) => f.text));
  assert.ok(c.files.filter((f) => sharedTexts.has(f.text)).length < c.files.length / 10, 'another seed must give mostly other files');
});

test('the output is pinned byte for byte (update GOLDEN only when the generator changes on purpose)', () => {
  // Same seed, same bytes on every machine: no Math.random, dates or locale-dependent formatting.
  // The default corpus of the README and of other tests is this generator's output, so a change
  // here changes their inputs: update the digest deliberately, never to make a test pass.
  assert.equal(digest(generateCorpus({ seed: 2024, methods: 450 })), GOLDEN);
});

test('methods are split across languages exactly; a language does not depend on the others', () => {
  const all = generateCorpus({ seed: 5, methods: 901 });
  const s = summarizeCorpus(all);
  assert.equal(s.methods, 901);
  assert.deepEqual(
    LANGUAGE_IDS.map((l) => s.byLanguage[l]!.methods),
    [301, 300, 300],
  );
  const java = generateCorpus({ seed: 5, methods: 301, languages: ['java'], domains: all.options.domains });
  assert.deepEqual(java.files, all.files.filter((f) => f.language === 'java'));
  const order = generateCorpus({ seed: 5, methods: 100, languages: ['ruby', 'java'] });
  assert.deepEqual(order, generateCorpus({ seed: 5, methods: 100, languages: ['java', 'ruby'] }));
  assert.deepEqual(order.options.languages, ['java', 'ruby']);
});

test('files: unique relative paths under the language folder, right extension, methods per file within bounds', () => {
  const c = generateCorpus({ seed: 9, methods: 1500, methodsPerFile: [2, 6] });
  const ext: Record<LanguageId, string> = { java: '.java', python: '.py', ruby: '.rb' };
  assert.equal(new Set(c.files.map((f) => f.path)).size, c.files.length);
  const perFile = new Map<string, number>();
  for (const m of c.methods) perFile.set(m.file, (perFile.get(m.file) ?? 0) + 1);
  const small = new Map<LanguageId, number>();
  for (const f of c.files) {
    assert.ok(f.path.startsWith(`${f.language}/`) && f.path.endsWith(ext[f.language]), f.path);
    assert.ok(!f.path.includes('\\') && !f.path.includes('..'), f.path);
    assert.ok(f.text.endsWith('\n') && !f.text.endsWith('\n\n'), `${f.path} ends with exactly one newline`);
    const n = perFile.get(f.path) ?? 0;
    if (n === 0) {
      assert.match(f.text, /public interface /, `${f.path}: only Java interfaces have no methods with bodies`);
      continue;
    }
    assert.ok(n <= 6, `${f.path} has ${n} methods`);
    if (n < 2) small.set(f.language, (small.get(f.language) ?? 0) + 1);
  }
  for (const [l, k] of small) assert.ok(k <= 1, `${l}: only the last file may be smaller than the minimum (${k})`);
  for (const m of c.methods) assert.ok(perFile.has(m.file));
});

const CONVENTIONS: Record<LanguageId, RegExp> = {
  java: /^[a-z][a-zA-Z0-9]*$/,
  python: /^(__[a-z]+__|[a-z][a-z0-9]*(_[a-z0-9]+)*)$/,
  ruby: /^([a-z][a-z0-9]*(_[a-z0-9]+)*[?!=]?|==)$/,
};

test("names follow each language's conventions, and Ruby has ? ! = names", () => {
  const c = generateCorpus({ seed: 3, methods: 3000 });
  for (const m of c.methods) assert.match(m.name, CONVENTIONS[m.language], `${m.language} ${m.name}`);
  const ruby = c.methods.filter((m) => m.language === 'ruby').map((m) => m.name);
  for (const suffix of ['?', '!', '=']) assert.ok(ruby.some((n) => n.endsWith(suffix) && n !== '=='), `a Ruby name ending in ${suffix}`);
  assert.ok(c.methods.some((m) => m.language === 'java' && /^[a-z]+[A-Z]/.test(m.name)), 'camelCase Java names');
  assert.ok(c.methods.some((m) => m.language === 'python' && m.name.includes('_') && !m.name.startsWith('__')), 'snake_case Python names');
});

test('at least 12 families, each in every language; names carry the words of their body', () => {
  const c = generateCorpus({ seed: 1, methods: 3000 });
  const families = new Map<LanguageId, Set<string>>();
  for (const m of c.methods) {
    if (!families.has(m.language)) families.set(m.language, new Set());
    families.get(m.language)!.add(m.family);
  }
  for (const [l, set] of families) assert.ok(set.size >= 24, `${l}: ${set.size} families`);
  // A loop summing a field over a collection is named sum + noun + field: the field is in the body.
  const sums = c.methods.filter((m) => m.family === 'sum' && m.language === 'java');
  assert.ok(sums.length > 0);
  for (const m of sums) {
    const text = c.files.find((f) => f.path === m.file)!.text.split('\n');
    const field = m.name.replace(/^sum[A-Z][a-z]+/, '').replace(/ies$/, 'y').replace(/s$/, '');
    const body = text.slice(m.line, m.line + 8).join('\n');
    assert.ok(body.includes(`get${field}`), `${m.name}: ${body}`);
  }
});

test('the label vocabulary is bounded and every name repeats', () => {
  const c = generateCorpus({ seed: 21, methods: 3000 });
  const d = c.options.domains;
  for (const l of LANGUAGE_IDS) {
    const counts = new Map<string, number>();
    for (const m of c.methods) if (m.language === l) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
    assert.ok(counts.size <= 40 * d, `${l}: ${counts.size} names for ${d} domains`);
    const min = Math.min(...counts.values());
    assert.ok(min >= 2, `${l}: a name appears only ${min} time(s)`);
    assert.ok(1000 / counts.size >= 5, `${l}: ${(1000 / counts.size).toFixed(1)} methods per name`);
  }
  // More domains, more names: the option is the knob of vocabulary size.
  const wide = generateCorpus({ seed: 21, methods: 3000, domains: 12 });
  const names = (x: Corpus) => new Set(x.methods.filter((m) => m.language === 'java').map((m) => m.name)).size;
  assert.ok(names(wide) > names(c) * 2);
});

test('ambiguity: the requested share is marked, with both names listed', () => {
  for (const ambiguity of [0, 0.05, 0.2]) {
    const c = generateCorpus({ seed: 8, methods: 3000, ambiguity });
    const amb = c.methods.filter((m) => m.ambiguous);
    assert.equal(amb.length, Math.round(ambiguity * 1000) * 3, `ambiguity ${ambiguity}`);
    for (const m of amb) {
      assert.ok(m.alternatives && m.alternatives.includes(m.name) && m.alternatives[0] !== m.alternatives[1], JSON.stringify(m));
    }
    for (const m of c.methods) if (!m.ambiguous) assert.equal(m.alternatives, undefined);
  }
  // Both names of a pair are names of unambiguous methods too: ambiguity adds no rare labels.
  const c = generateCorpus({ seed: 8, methods: 3000, ambiguity: 0.1 });
  const plain = new Set(c.methods.filter((m) => !m.ambiguous).map((m) => `${m.language}:${m.name}`));
  const missing = c.methods.filter((m) => m.ambiguous && !plain.has(`${m.language}:${m.name}`));
  assert.ok(missing.length <= c.methods.length * 0.005, `${missing.length} ambiguous names never seen unambiguous`);
});

test('names are unique within a class, apart from a Python property and its setter', () => {
  const c = generateCorpus({ seed: 13, methods: 3000 });
  const byFile = new Map<string, string[]>();
  for (const m of c.methods) byFile.set(m.file, [...(byFile.get(m.file) ?? []), `${m.name}/${m.family}`]);
  for (const [file, names] of byFile) assert.equal(new Set(names).size, names.length, `${file}: ${names.join(', ')}`);
});

test('invalid options are configuration errors', () => {
  const bad: Parameters<typeof generateCorpus>[0][] = [
    { seed: 1.5, methods: 10 },
    { seed: 1, methods: -1 },
    { seed: 1, methods: 10, languages: [] },
    { seed: 1, methods: 10, languages: ['cobol' as LanguageId] },
    { seed: 1, methods: 10, ambiguity: 1.5 },
    { seed: 1, methods: 10, methodsPerFile: [4, 2] },
    { seed: 1, methods: 10, domains: 13 },
  ];
  for (const o of bad) {
    assert.throws(
      () => generateCorpus(o),
      (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG',
      JSON.stringify(o),
    );
  }
  assert.deepEqual(generateCorpus({ seed: 1, methods: 0 }).files, []);
});
