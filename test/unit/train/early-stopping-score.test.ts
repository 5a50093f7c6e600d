/**
 * Early stopping on a caller's score of the validation predictions (`val_score`, what the audit
 * uses with its subtoken F1): the score sees the top-1 classes of the evaluation just made, higher
 * is better, and a score that is the accuracy of those classes runs exactly as `val_acc` does.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES, isEngineError } from '../../../server/src/errors';
import { resume, runFingerprint, train } from '../../../server/src/train/trainer';
import { assertSameDynamics, assertSameState, config, setup, tempDir } from './trainer-helpers';

test('val_score: a scripted score stops the run `patience` evaluations after its best', async () => {
  const s = setup();
  const scores = [0.1, 0.3, 0.2, 0.25, 0.9, 0.9];
  let calls = 0;
  const r = await train(s.model(), s.data, config({ epochs: 6, earlyStopping: { metric: 'val_score', patience: 2, score: () => scores[calls++]! } }));
  assert.equal(r.final.bestEpoch, 1);
  assert.equal(r.final.stoppedEarly, true);
  assert.equal(r.final.epochs, 4);
  assert.equal(r.dynamics.train.rows, 4);
  assert.equal(calls, 4);
});

test('val_score with the accuracy of the validation top-1 classes runs as val_acc', async () => {
  const s = setup();
  const labels = s.data.val!.labels;
  const accuracy = (top1: Int32Array): number => {
    assert.equal(top1.length, labels.length);
    return top1.reduce((k, c, i) => k + (c === labels[i] ? 1 : 0), 0) / labels.length;
  };
  const byScore = await train(s.model(), s.data, config({ epochs: 6, earlyStopping: { metric: 'val_score', patience: 1, score: accuracy } }));
  const byAcc = await train(s.model(), s.data, config({ epochs: 6, earlyStopping: { metric: 'val_acc', patience: 1 } }));
  assert.deepEqual(byScore.curves, byAcc.curves);
  assert.deepEqual([byScore.final.bestEpoch, byScore.final.stoppedEarly], [byAcc.final.bestEpoch, byAcc.final.stoppedEarly]);
});

test('val_score needs a score function; the function is not part of the fingerprint', async () => {
  const s = setup();
  await assert.rejects(
    train(s.model(), s.data, config({ earlyStopping: { metric: 'val_score', patience: 1 } })),
    (e) => isEngineError(e) && e.code === ERROR_CODES.CONFIG && e.details?.field === 'earlyStopping.score',
  );
  const m = s.model();
  const a = runFingerprint(m, s.data, config({ earlyStopping: { metric: 'val_score', patience: 1, score: () => 0 } }));
  const b = runFingerprint(m, s.data, config({ earlyStopping: { metric: 'val_score', patience: 1, score: () => 1 } }));
  assert.equal(a, b);
  assert.notEqual(a, runFingerprint(m, s.data, config({ earlyStopping: { metric: 'val_score', patience: 2, score: () => 0 } })));
  assert.notEqual(a, runFingerprint(m, s.data, config()));
});

test('val_score: a run cancelled after an epoch and resumed stops where the uninterrupted one does, bit for bit', async () => {
  const s = setup();
  const labels = s.data.val!.labels;
  // Validation accuracy rounded to a tenth: ties make the run stop early.
  const score = (top1: Int32Array): number => Math.round((10 * top1.reduce((k, c, i) => k + (c === labels[i] ? 1 : 0), 0)) / labels.length) / 10;
  const c = config({ epochs: 10, earlyStopping: { metric: 'val_score', patience: 2, score }, checkpoint: { path: path.join(tempDir(), 'ckpt.bin') } });
  const refModel = s.model();
  const ref = await train(refModel, s.data, { ...c, checkpoint: undefined });
  assert.equal(ref.final.stoppedEarly, true, 'the fixture stops early');
  const ac = new AbortController();
  const stopAfterEpoch1 = (curve: { epoch: number }): void => {
    if (curve.epoch === 1) ac.abort();
  };
  await assert.rejects(train(s.model(), s.data, c, { signal: ac.signal, onEpochEnd: stopAfterEpoch1 }), (e) => isEngineError(e) && e.code === ERROR_CODES.CANCELLED);
  const again = s.model({ seed: 99 });
  const r = await resume(again, s.data, c);
  assert.deepEqual([r.final.epochs, r.final.bestEpoch, r.final.stoppedEarly], [ref.final.epochs, ref.final.bestEpoch, true]);
  assert.deepEqual(r.curves, ref.curves);
  assertSameDynamics(r.dynamics, ref.dynamics);
  await assertSameState(again, refModel);
});
