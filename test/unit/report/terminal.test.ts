/** Text made inert for terminals, and bidi controls shown in Markdown, HTML and XML (issue 13 case 3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, escapeMarkdown, escapeXml } from '../../../server/src/report/shared/escape';
import { inert, inertField, showBidiControls } from '../../../server/src/report/shared/terminal';

test('inert: C0 (but TAB and LF), DEL, C1 and bidi controls are shown escaped; other text is kept', () => {
  assert.equal(inert('a\x1b[2J\x1b]0;pwned\x07b'), 'a\\x1b[2J\\x1b]0;pwned\\x07b');
  assert.equal(inert('x\ry\x00z'), 'x\\x0dy\\x00z');
  assert.equal(inert('\x7f\x9b31m\u202e\u2066\u200f\u061c'), '\\u007f\\u009b31m\\u202e\\u2066\\u200f\\u061c');
  assert.equal(inert('line 1\n\tline 2 é 漢 😀\n'), 'line 1\n\tline 2 é 漢 😀\n');
  assert.equal(inertField('a\nb\tc'), 'a\\x0ab\\x09c');
});

test('inert JSON text is still the same JSON', () => {
  const value = { path: 'corpus/\x1b[2J\u202e\x9b\x7f/x.py', n: 1 };
  const text = inert(JSON.stringify(value, null, 2));
  assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
  assert.deepEqual(JSON.parse(text), value);
});

test('Markdown, HTML and XML show bidi controls as <U+XXXX>', () => {
  assert.equal(showBidiControls('a\u202eb\u2069'), 'a<U+202E>b<U+2069>');
  assert.equal(escapeHtml('evil\u202etxt.py'), 'evil&lt;U+202E&gt;txt.py');
  assert.equal(escapeXml('x\u200e'), 'x&lt;U+200E&gt;');
  assert.equal(escapeMarkdown('evil\u202etxt.py'), 'evil&lt;U\\+202E&gt;txt.py');
});
