/**
 * Properties that hold for every sample of every fixture and of generated inputs: the range
 * starts with the declaration and contains the name; ids are stable and independent of the
 * order units are processed in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createExtractor, DEFAULT_EXTRACT_SETTINGS } from '../../../server/src/parse/extract';
import type { LanguageId } from '../../../server/src/parse/sample';
import { fixtures, run, samplesOf, textAt, type Fixture } from './helpers';

/**
 * How a declaration starts. Java: annotations, modifiers, type parameters, a type (constructors
 * have none), the name, then `(` (or `{` for a record's compact constructor). Others: `def`.
 */
const DECLARATION: Record<LanguageId, RegExp> = {
  java: /^(@\w+(\([^)]*\))?\s+)*((public|protected|private|static|final|abstract|synchronized|native|default|strictfp)\s+)*(<[^>]*(<[^>]*>)*>\s+)?([\p{L}_$][\p{L}\p{N}_$.<>[\], ?]*\s+)?[\p{L}_$][\p{L}\p{N}_$]*\s*[({]/u,
  python: /^(async\s+)?def\s/,
  ruby: /^def\s/,
};

/** A few generated units: many small methods with varied names, nesting and unicode. */
function generated(): Fixture[] {
  const names = ['alpha', 'betaGamma', 'delta_epsilon', 'ζήτα', 'eta2Theta', 'IOTA'];
  const py = names.map((n, i) => `${i % 2 ? '@decorator\n' : ''}${i % 3 ? 'async ' : ''}def ${n}(x${i}):\n    def inner_${i}():\n        return ${n}(x${i})\n    return [${'('.repeat(i)}x${i}${')'.repeat(i)} for _ in range(${i})]\n`).join('\n');
  const java = `class G {\n${names.map((n, i) => `  ${i % 2 ? '@Deprecated ' : ''}${i % 3 ? 'private static ' : ''}int ${n}(int x) { return x > ${i} ? ${n}(x - 1) : ${i}; }`).join('\n')}\n}\n`;
  const ruby = `class G\n${names.map((n, i) => `  def ${i % 2 ? 'self.' : ''}${n.toLowerCase()}(x)\n    [x].map { |y| y + ${i} }\n  end`).join('\n')}\nend\n`;
  return [
    { file: 'gen/gen.py', language: 'python', text: py },
    { file: 'gen/Gen.java', language: 'java', text: java },
    { file: 'gen/gen.rb', language: 'ruby', text: ruby },
  ];
}

const all = (): Fixture[] => [...fixtures(), ...generated()];

test('properties: each range starts with its declaration and contains its name', async () => {
  const ex = await createExtractor({ backend: 'native' });
  let count = 0;
  for (const f of all()) {
    for (const s of samplesOf(ex, run(ex, f.language, f.text, f.file, { includeConstructors: true }))) {
      const text = textAt(f.text, s.range);
      assert.match(text, DECLARATION[f.language], `${f.file} ${s.name}: ${text.slice(0, 60)}`);
      assert.ok(text.includes(s.name), `${f.file} ${s.name}`);
      assert.ok(s.range.endLine > s.range.startLine || s.range.endColumn > s.range.startColumn, `${f.file} ${s.name}`);
      assert.match(s.id, /^[0-9a-f]{16}$/);
      count++;
    }
  }
  assert.ok(count > 80, `only ${count} samples`);
});

test('properties: ids are unique within a unit, stable across runs, independent of processing order', async () => {
  const units = all();
  const first = await createExtractor({ backend: 'native' });
  const second = await createExtractor({ backend: 'native' });
  const forward = new Map(units.map((f) => [f.file, samplesOf(first, run(first, f.language, f.text, f.file))]));
  const backward = new Map([...units].reverse().map((f) => [f.file, samplesOf(second, run(second, f.language, f.text, f.file))]));
  for (const f of units) {
    const a = forward.get(f.file)!;
    const b = backward.get(f.file)!;
    // Whole samples, path-contexts included: their sampling is seeded by the id, not by order.
    assert.deepEqual(b, a, f.file);
    assert.equal(new Set(a.map((s) => s.id)).size, a.length, `${f.file}: duplicate ids`);
  }
  // The id formula: sha1(language\0file\0archiveEntry\0jsonlLine\0line:column\0name), 16 hex digits.
  const sha = (...parts: string[]) => createHash('sha1').update(parts.join('\0')).digest('hex').slice(0, 16);
  const [plain] = run(first, 'python', 'def f():\n    pass\n').samples;
  assert.equal(plain!.id, sha('python', 'inline', '', '', '0:0', 'f'));
  const [inZip] = first.extract(
    { origin: { file: 'src.zip', root: 3, archiveEntry: 'pkg/m.py', jsonlLine: 7 }, language: 'python', text: 'x = 1\n\n  \ndef g():\n    pass\n' },
    { ...DEFAULT_EXTRACT_SETTINGS },
  ).samples;
  assert.equal(inZip!.id, sha('python', 'src.zip', 'pkg/m.py', '7', '3:0', 'g'));
});
