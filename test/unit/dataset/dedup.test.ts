import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleColumns } from '../../../server/src/dataset/columns';
import { markExactDuplicates, STATUS } from '../../../server/src/dataset/dedup';
import { makeSamples } from './helpers';

const A = { label: 'get|a', body: ['return', 'a'] };
const B = { label: 'get|b', body: ['return', 'b'] };
const C = { label: 'size', body: ['return', 'items', 'size'] };
const D = { label: 'size', body: ['return', 'n'] };

describe('markExactDuplicates', () => {
  it('keeps one copy in train, removes within-split copies and counts cross-split leakage', () => {
    //            0  1  2  3  4  5  6  7  8  9
    const specs = [A, A, B, A, C, C, B, C, D, A];
    const split = new Uint8Array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    const c = SampleColumns.fromSamples(makeSamples(specs).samples);
    const order = Int32Array.from(specs.keys());
    const { status, counts } = markExactDuplicates(c, split, order);
    assert.deepEqual(Array.from(status), [
      STATUS.kept,
      STATUS.duplicate,
      STATUS.kept,
      STATUS.leaked,
      STATUS.kept,
      STATUS.duplicate,
      STATUS.leaked,
      STATUS.leaked,
      STATUS.kept,
      STATUS.leaked,
    ]);
    assert.deepEqual(counts, { withinTrain: 1, withinVal: 1, withinTest: 0, valFromTrain: 1, testFromTrain: 2, testFromVal: 1 });
  });

  it('needs both the label and the body to match', () => {
    const specs = [
      { label: 'a', body: ['x', 'y'] },
      { label: 'b', body: ['x', 'y'] },
      { label: 'a', body: ['y', 'x'] },
      { label: 'a', body: ['x', 'y', 'z'] },
    ];
    const c = SampleColumns.fromSamples(makeSamples(specs).samples);
    const { status } = markExactDuplicates(c, new Uint8Array(4), Int32Array.from([0, 1, 2, 3]));
    assert.deepEqual(Array.from(status), [0, 0, 0, 0]);
  });

  it('keeps the first in the given order', () => {
    const c = SampleColumns.fromSamples(makeSamples([A, A, A]).samples);
    const { status } = markExactDuplicates(c, new Uint8Array(3), Int32Array.from([2, 0, 1]));
    assert.deepEqual(Array.from(status), [STATUS.duplicate, STATUS.duplicate, STATUS.kept]);
  });
});
