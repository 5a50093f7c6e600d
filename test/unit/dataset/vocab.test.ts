import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildVocabulary, PAD, toVocabIds, UNK } from '../../../server/src/dataset/vocab';
import { isEngineError } from '../../../server/src/errors';

describe('buildVocabulary', () => {
  const strings = ['e', 'd', 'c', 'b', 'a', 'z'];
  const counts = Int32Array.from([5, 3, 3, 3, 1, 0]);

  it('keeps the top K by count, ties broken by string, after the special entries', () => {
    const v = buildVocabulary(counts, strings, { topK: 3, minCount: 1 }, [PAD, UNK]);
    assert.deepEqual(v.strings, [PAD, UNK, 'e', 'b', 'c']);
    assert.deepEqual(Array.from(v.counts), [0, 0, 5, 3, 3]);
    assert.equal(v.pad, 0);
    assert.equal(v.unk, 1);
    assert.deepEqual(Array.from(v.fromTable), [2, 1, 4, 3, 1, 1]);
  });

  it('applies the minimum count and handles K larger than the candidates', () => {
    const v = buildVocabulary(counts, strings, { topK: 100, minCount: 2 }, [UNK]);
    assert.deepEqual(v.strings, [UNK, 'e', 'b', 'c', 'd']);
    assert.equal(v.pad, -1);
    assert.equal(v.unk, 0);
  });

  it('can be empty but for its special entries', () => {
    assert.deepEqual(buildVocabulary(counts, strings, { topK: 0, minCount: 1 }, [PAD, UNK]).strings, [PAD, UNK]);
    assert.deepEqual(buildVocabulary(new Int32Array(0), [], { topK: 10, minCount: 1 }, [UNK]).strings, [UNK]);
  });

  it('matches a full sort on a large random table', () => {
    const n = 20_000;
    const big = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 97);
    const names = Array.from({ length: n }, (_, i) => `w${(i * 31) % n}`);
    const v = buildVocabulary(big, names, { topK: 1234, minCount: 3 }, [PAD, UNK]);
    const expected = Array.from(big.keys())
      .filter((i) => big[i]! >= 3)
      .sort((a, b) => big[b]! - big[a]! || (names[a]! < names[b]! ? -1 : 1))
      .slice(0, 1234)
      .map((i) => names[i]);
    assert.deepEqual(v.strings.slice(2), expected);
  });

  it('maps table ids, sending unknown and out-of-range ids to <UNK>', () => {
    const v = buildVocabulary(counts, strings, { topK: 2, minCount: 1 }, [PAD, UNK]);
    assert.deepEqual(Array.from(toVocabIds(v, Int32Array.from([0, 3, 4, 99, -1]))), [2, 3, 1, 1, 1]);
  });

  it('rejects invalid options', () => {
    assert.throws(() => buildVocabulary(counts, strings, { topK: -1, minCount: 1 }, [UNK]), (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG');
    assert.throws(() => buildVocabulary(counts, strings, { topK: 1, minCount: 0 }, [UNK]), (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG');
  });
});
