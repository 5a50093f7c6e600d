import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringTable } from '../../../server/src/parse/sample';

test('StringTable: ids are dense in first-seen order; append adds without hashing and id finds appended strings', () => {
  const t = new StringTable();
  assert.equal(t.id('a'), 0);
  assert.equal(t.append('b'), 1);
  assert.equal(t.append('c'), 2);
  assert.equal(t.id('a'), 0);
  assert.equal(t.id('c'), 2);
  assert.equal(t.id('d'), 3);
  assert.equal(t.id('b'), 1);
  assert.deepEqual(t.strings, ['a', 'b', 'c', 'd']);
});

test('StringTable: appending a string already there is caught when the table is next looked up', () => {
  const t = new StringTable();
  t.id('a');
  t.append('a');
  assert.throws(() => t.id('x'), /"a" was already in the table/);
});
