import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitByExpression, splitSubtokens } from '../../../server/src/parse/subtokens';
import { cleanDocstring, cleanHashComments, cleanJavadoc, isPunctuation, normalizeNumber, normalizeString, STRING_TOKEN } from '../../../server/src/parse/lexemes';

test('subtokens: camelCase, PascalCase with acronyms, snake_case, digits, lower-cased', () => {
  const cases: [string, string[]][] = [
    ['parseHTTPResponse', ['parse', 'http', 'response']],
    ['XMLHttpRequest', ['xml', 'http', 'request']],
    ['getX', ['get', 'x']],
    ['IOError', ['io', 'error']],
    ['ABC', ['abc']],
    ['snake_case_name', ['snake', 'case', 'name']],
    ['__init__', ['init']],
    ['SCREAMING_CASE', ['screaming', 'case']],
    ['base64Encode', ['base', '64', 'encode']],
    ['getHTTP2Client', ['get', 'http', '2', 'client']],
    ['a1b2', ['a', '1', 'b', '2']],
    ['fooBAR2Baz', ['foo', 'bar', '2', 'baz']],
    ['empty?', ['empty']],
    ['@instanceVar', ['instance', 'var']],
    ['$GLOBAL_VAR', ['global', 'var']],
    ['value=', ['value']],
  ];
  for (const [name, expected] of cases) assert.deepEqual(splitSubtokens(name), expected, name);
});

test('subtokens: unicode letters keep their case rules; caseless scripts stay whole', () => {
  assert.deepEqual(splitSubtokens('größeBerechnen'), ['größe', 'berechnen']);
  assert.deepEqual(splitSubtokens('ÜberSicht'), ['über', 'sicht']);
  assert.deepEqual(splitSubtokens('déjàVu'), ['déjà', 'vu']);
  // A decomposed é (e + combining acute) stays one letter of its word.
  assert.deepEqual(splitSubtokens('cafe\u0301Bar'), ['cafe\u0301', 'bar']);
  assert.deepEqual(splitSubtokens('面积'), ['面积']);
});

test('subtokens: a name without letters or digits has none', () => {
  assert.deepEqual(splitSubtokens('+'), []);
  assert.deepEqual(splitSubtokens('_'), []);
  assert.deepEqual(splitSubtokens('<=>'), []);
});

test('strings: short word-like content is kept, anything else is <STR>', () => {
  assert.equal(normalizeString('"utf-8"'), '"utf-8"');
  assert.equal(normalizeString("'R'"), '"r"');
  assert.equal(normalizeString('b"abc"'), '"abc"');
  assert.equal(normalizeString('"""Doc."""'), '"doc."');
  assert.equal(normalizeString('""'), '""');
  assert.equal(normalizeString('"two words"'), STRING_TOKEN);
  assert.equal(normalizeString('f"x{a}"'), STRING_TOKEN);
  assert.equal(normalizeString('"a-much-longer-string-than-16"'), STRING_TOKEN);
  assert.equal(normalizeString('%w[a b]'), STRING_TOKEN);
  assert.equal(normalizeString("'c'"), '"c"');
});

test('numbers: lower-cased, <NUM> when over-long', () => {
  assert.equal(normalizeNumber('0xFF'), '0xff');
  assert.equal(normalizeNumber('12345678901234567890'), '<NUM>');
});

test('punctuation is recognized; operators are not punctuation', () => {
  for (const p of ['(', ')', '{', '}', ',', ';', '.', '::', '#{']) assert.ok(isPunctuation(p), p);
  for (const op of ['+', '==', '->', '=>', '..', '...', '|', 'and']) assert.ok(!isPunctuation(op), op);
});

test('docs: docstrings, Javadoc and hash comments are cleaned', () => {
  assert.equal(cleanDocstring('"""Area.\n\n    The side is squared.\n    """'), 'Area.\n\nThe side is squared.');
  assert.equal(cleanDocstring("'''One line.'''"), 'One line.');
  assert.equal(cleanJavadoc('/**\n     * Area of it.\n     * @return w times h\n     */'), 'Area of it.\n@return w times h');
  assert.equal(cleanJavadoc('/** Short. */'), 'Short.');
  assert.equal(cleanHashComments(['# Builds it.', '#   indented', '#']), 'Builds it.\n  indented');
});

test('subtokens: the ASCII fast path splits exactly as the Unicode expression does', () => {
  // Every string of length ≤ 4 over a small alphabet with each class, then random longer ones.
  const alphabet = ['A', 'B', 'a', 'b', '1', '2', '_', '$', '-'];
  let names = [''];
  for (let len = 1; len <= 4; len++) names = names.concat(names.filter((x) => x.length === len - 1).flatMap((x) => alphabet.map((c) => x + c)));
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let k = 0; k < 5000; k++) names.push(Array.from({ length: 1 + (next() % 24) }, () => String.fromCharCode(32 + (next() % 95))).join(''));
  names.push('parseHTTPResponse', 'HTTPServer2XML', 'ID', 'getX', 'x86_64', 'ABCdefGHI', '__init__', 'IOError', 'A1B2c3');
  for (const name of names) assert.deepEqual(splitSubtokens(name), splitByExpression(name), JSON.stringify(name));
});
