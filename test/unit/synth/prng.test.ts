import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SynthRng as Rng } from '../../../server/src/util/rng';

/** First outputs of `new Rng(0)`: they define every generated corpus and change only on purpose. */
const GOLDEN_SEED0 = [185986548, 3669925362, 2995864102, 3349175479];

test('the same seed gives the same sequence, other seeds other sequences', () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xs = Array.from({ length: 100 }, () => a.nextU32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.nextU32()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.nextU32()), xs);
});

test('the sequence is pinned: a change to the generator shows up here first', () => {
  const r = new Rng(0);
  assert.deepEqual(Array.from({ length: 4 }, () => r.nextU32()), GOLDEN_SEED0);
});

test('large and negative seeds are accepted and distinct', () => {
  const seeds = [0, -1, 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  const firsts = seeds.map((s) => new Rng(s).nextU32());
  assert.equal(new Set(firsts).size, seeds.length);
  assert.throws(() => new Rng(0.5), RangeError);
  assert.throws(() => new Rng(Number.NaN), RangeError);
});

test('int, range and float stay in bounds and cover them', () => {
  const r = new Rng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const x = r.int(7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
    seen.add(x);
    const y = r.range(-2, 2);
    assert.ok(y >= -2 && y <= 2);
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
  }
  assert.equal(seen.size, 7);
  assert.throws(() => r.int(0), RangeError);
});

test('shuffle is a permutation; forks are independent of how much the parent is used later', () => {
  const r = new Rng(11);
  const xs = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...xs].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  const parent = new Rng(5);
  const child = parent.fork('java');
  for (let i = 0; i < 10; i++) parent.nextU32();
  const fresh = new Rng(5).fork('java');
  assert.deepEqual([child.nextU32(), child.nextU32()], [fresh.nextU32(), fresh.nextU32()]);
  assert.notEqual(new Rng(5).fork('java').nextU32(), new Rng(5).fork('ruby').nextU32());
});
