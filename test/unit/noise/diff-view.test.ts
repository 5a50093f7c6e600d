/**
 * What the report panel's diff view shows for a corrupted sample: a source kind's edit derived
 * again after the run (`sourceEditOf`) is the very text `applyNoise` trained on, and a label
 * kind's noisy label is shown as the method renamed (`renameMethod`, `labelIdentifier`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNoise, methodText, renameMethod, sourceEditOf, textHash, SOURCE_KINDS } from '../../../server/src/noise';
import { labelIdentifier } from '../../../server/src/audit/noise-diffs';
import { describeNoise } from '../../../server/src/report/shared/format';
import { corpus, LANGUAGES } from './helpers';

for (const language of LANGUAGES) {
  test(`sourceEditOf on ${language}: the edit applyNoise made, at any level, matching the ledger's hash`, async () => {
    const c = await corpus(language);
    for (const kind of SOURCE_KINDS) {
      const r = await applyNoise(c.ctx, { kind, level: 0.5, seed: 5 });
      assert.ok(r.ledger.entries.length > 0, kind);
      for (const e of r.ledger.entries) {
        const out = sourceEditOf(c.editor, kind, 5, c.columns.sample(e.index), c.textOf(e.index));
        assert.ok(out.ok, `${kind} ${e.id}`);
        assert.equal(out.value.after, r.replacements.get(e.index)!.text, `${kind} ${e.id}`);
        assert.equal(textHash(out.value.after), e.to);
        assert.equal(out.value.before, methodText(c.textOf(e.index), c.columns.sample(e.index).range));
      }
    }
  });
}

test('renameMethod replaces the declared name only (not calls, strings or a leak of the same word)', async () => {
  const c = await corpus('java');
  let renamed = 0;
  for (let i = 0; i < c.columns.count && renamed < 30; i++) {
    const s = c.columns.sample(i);
    if (!/^[A-Za-z_]\w*$/.test(s.name)) continue;
    const r = renameMethod(c.editor, s, c.textOf(i), 'brandNewName');
    if (!r) continue;
    renamed++;
    const before = r.before;
    const at = before.indexOf(s.name, before.search(/\S/));
    // Exactly one occurrence changed: the first after the modifiers and the type (the declaration's name).
    assert.equal(r.after, before.slice(0, at) + 'brandNewName' + before.slice(at + s.name.length), `${s.name}:\n${r.after}`);
  }
  assert.ok(renamed >= 10, `${renamed} methods renamed`);
  const py = await corpus('python');
  const i = Array.from({ length: py.columns.count }, (_, k) => k).find((k) => py.columns.sample(k).name.includes('_'))!;
  const s = py.columns.sample(i);
  const r = renameMethod(py.editor, s, py.textOf(i), 'to_map')!;
  assert.match(r.after, /def to_map\(/);
  assert.equal(renameMethod(py.editor, s, 'x = 1\n', 'to_map'), undefined, 'a unit that no longer holds the method');
  assert.equal(renameMethod(py.editor, s, undefined, 'to_map'), undefined);
});

test('labelIdentifier: camelCase for Java, snake_case for Python and Ruby', () => {
  assert.equal(labelIdentifier('get|user|name', 'java'), 'getUserName');
  assert.equal(labelIdentifier('get|user|name', 'python'), 'get_user_name');
  assert.equal(labelIdentifier('to|s', 'ruby'), 'to_s');
  assert.equal(labelIdentifier('code', 'java'), 'code');
  assert.equal(labelIdentifier('', 'java'), '');
});

test('describeNoise: a label change reads as the rename the diff shows; other kinds show their edit', () => {
  assert.equal(describeNoise({ label: { from: 'to|h', to: 'get|priority' }, edit: 'label swap' }, 'ruby'), 'renamed to_h → get_priority');
  assert.equal(describeNoise({ label: { from: 'get|name', to: 'is|valid' }, edit: 'x' }, 'java'), 'renamed getName → isValid');
  assert.equal(describeNoise({ edit: 'renamed 3 locals' }, 'python'), 'renamed 3 locals');
});
