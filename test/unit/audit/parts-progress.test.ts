/** A part's progress (several models, a sweep) said over the whole audit (audit/models.ts `partProgress`). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partProgress } from '../../../server/src/audit/models';

test('part i of n maps its fraction onto [i/n, (i+1)/n], names the part, keeps its run counts', () => {
  const p = { stage: 'train' as const, fraction: 0.5, run: 1, runs: 2, message: 'run 1/2 clean-s0: epoch 3/10' };
  const at = (index: number) => partProgress(p, { index, count: 4, tag: `setting ${index + 1}/4 dropout 0.25`, elapsedMs: 0 });
  assert.deepEqual(
    [0, 1, 3].map((i) => at(i).fraction),
    [0.125, 0.375, 0.875],
  );
  assert.equal(at(1).message, 'setting 2/4 dropout 0.25: run 1/2 clean-s0: epoch 3/10');
  assert.equal(at(1).part, 'setting 2/4 dropout 0.25');
  assert.deepEqual([at(1).run, at(1).runs], [1, 2]);
  // The ends of consecutive parts meet: the bar never goes back.
  const end = partProgress({ ...p, fraction: 1 }, { index: 0, count: 2, tag: 'model 1/2 bag', elapsedMs: 0 });
  const start = partProgress({ ...p, fraction: 0 }, { index: 1, count: 2, tag: 'model 2/2 code2vec', elapsedMs: 0 });
  assert.equal(end.fraction, start.fraction);
});

test('the time left covers the later parts, each as long as this one in all (elapsed + left)', () => {
  const p = { stage: 'train' as const, fraction: 0.5, message: 'x', etaSec: 10 };
  assert.equal(partProgress(p, { index: 0, count: 3, tag: 't', elapsedMs: 30_000 }).etaSec, 10 + 2 * 40);
  assert.equal(partProgress(p, { index: 2, count: 3, tag: 't', elapsedMs: 30_000 }).etaSec, 10, 'the last part: its own');
  assert.equal('etaSec' in partProgress({ stage: 'extract', fraction: 0, message: 'x' }, { index: 0, count: 3, tag: 't', elapsedMs: 5 }), false, 'none before the part knows its own');
});
