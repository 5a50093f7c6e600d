/**
 * Task metrics (docs/metrics.md § "Subtoken F1"): hand-computed subtoken P/R/F1 and exact match.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isExactMatch,
  labelSubtokens,
  subtokenCounts,
  taskScores,
  taskCountsFromClasses,
  taskScoresFromClasses,
  taskScoresFromCounts,
  taskScoresPerEpoch,
} from '../../../server/src/metrics/task';
import { dynOf, near, throwsCode } from './helpers';

test('labelSubtokens splits on |, lower-cases and drops empty subtokens', () => {
  assert.deepEqual(labelSubtokens('get|User||NAME'), ['get', 'user', 'name']);
  assert.deepEqual(labelSubtokens(''), []);
  assert.deepEqual(labelSubtokens('run'), ['run']);
});

test('subtokenCounts: multisets, case-insensitive; null predicts nothing', () => {
  assert.deepEqual(subtokenCounts(['get', 'Name'], ['get', 'user', 'name']), { tp: 2, fp: 0, fn: 1 });
  // A subtoken predicted twice but true once: one TP, one FP (multiset intersection).
  assert.deepEqual(subtokenCounts(['set', 'set'], ['set']), { tp: 1, fp: 1, fn: 0 });
  assert.deepEqual(subtokenCounts(['set'], ['set', 'set']), { tp: 1, fp: 0, fn: 1 });
  assert.deepEqual(subtokenCounts(null, ['foo', 'bar']), { tp: 0, fp: 0, fn: 2 });
  assert.deepEqual(subtokenCounts([], []), { tp: 0, fp: 0, fn: 0 });
});

test('isExactMatch compares normalized sequences; order matters; null never matches', () => {
  assert.equal(isExactMatch(['Get', 'ID'], ['get', 'id']), true);
  assert.equal(isExactMatch(['name', 'get'], ['get', 'name']), false);
  assert.equal(isExactMatch(null, []), false);
  assert.equal(isExactMatch([], []), true);
});

test('taskScores micro-averages TP/FP/FN over samples (hand-computed)', () => {
  // s0: tp2 fp0 fn1; s1: tp1 fp1 fn0; s2 (unknown): fn1; s3 exact: tp2.
  // ΣTP = 5, ΣFP = 1, ΣFN = 2 → P = 5/6, R = 5/7, F1 = 2PR/(P+R) = 10/13; exact 1/4.
  const s = taskScores(
    [['get', 'Name'], ['set', 'set'], null, ['Get', 'Id']],
    [['get', 'user', 'name'], ['set'], ['foo'], ['get', 'id']],
  );
  assert.equal(s.samples, 4);
  assert.equal(s.exact, 1);
  assert.equal(s.exactMatch, 0.25);
  assert.deepEqual([s.tp, s.fp, s.fn], [5, 1, 2]);
  near(s.precision, 5 / 6);
  near(s.recall, 5 / 7);
  near(s.f1, 10 / 13);
});

test('taskScores edge cases: empty input is NaN, all-unknown predictions give 0, perfect gives 1', () => {
  const empty = taskScores([], []);
  assert.equal(empty.samples, 0);
  for (const v of [empty.exactMatch, empty.precision, empty.recall, empty.f1]) assert.ok(Number.isNaN(v));
  const unk = taskScores([null, null], [['a'], ['b', 'c']]);
  assert.deepEqual([unk.precision, unk.recall, unk.f1, unk.exactMatch, unk.fn], [0, 0, 0, 0, 3]);
  const perfect = taskScores([['A', 'b']], [['a', 'B']]);
  assert.deepEqual([perfect.precision, perfect.recall, perfect.f1, perfect.exactMatch], [1, 1, 1, 1]);
  // Nothing to find and nothing predicted: P = R = F1 = 0 by convention, exact match 1.
  const nothing = taskScores([[]], [[]]);
  assert.deepEqual([nothing.precision, nothing.recall, nothing.f1, nothing.exactMatch], [0, 0, 0, 1]);
  throwsCode(() => taskScores([null], []), 'parallel arrays');
});

test('taskScoresFromCounts: zero denominators', () => {
  const s = taskScoresFromCounts({ samples: 2, exact: 0, tp: 0, fp: 3, fn: 0 });
  assert.deepEqual([s.precision, s.recall, s.f1], [0, 0, 0]);
});

const vocab = { strings: ['<UNK>', 'get|name', 'set|name', 'get|user|name'], unk: 0 };

test('taskScoresFromClasses: class ids and label strings give the same hand-computed scores', () => {
  // s0: get|name vs get|user|name → tp2 fn1; s1: <UNK> vs get|name → fn2;
  // s2: set|name vs get|name → tp1 fp1 fn1; s3: exact → tp3.
  // ΣTP = 6, ΣFP = 1, ΣFN = 4 → P = 6/7, R = 6/10, F1 = 7.2/10.2 = 12/17.
  const pred = Int32Array.from([1, 0, 2, 3]);
  for (const truth of [Int32Array.from([3, 1, 1, 3]), ['get|user|name', 'get|name', 'GET|Name', 'get|user|name']]) {
    const s = taskScoresFromClasses(pred, truth, vocab);
    assert.deepEqual([s.tp, s.fp, s.fn, s.exact, s.samples], [6, 1, 4, 1, 4]);
    near(s.precision, 6 / 7);
    near(s.recall, 0.6);
    near(s.f1, 12 / 17);
  }
  // A true name outside the vocabulary, given as a string, is scored normally.
  const oov = taskScoresFromClasses([1], ['get|name|safely'], vocab);
  assert.deepEqual([oov.tp, oov.fp, oov.fn], [2, 0, 1]);
});

test('taskScoresFromClasses: mask selects a subset; unknown true class errors or is skipped', () => {
  const s = taskScoresFromClasses([1, 0, 2, 3], [3, 1, 1, 3], vocab, { mask: [1, 0, true, 0] });
  assert.deepEqual([s.tp, s.fp, s.fn, s.samples], [3, 1, 2, 2]);
  near(s.f1, 2 / 3);
  throwsCode(() => taskScoresFromClasses([1, 1], [1, 0], vocab), '<UNK> class at index 1');
  const skipped = taskScoresFromClasses([1, 1], [1, 0], vocab, { unkTruth: 'skip' });
  assert.deepEqual([skipped.samples, skipped.skipped, skipped.exact, skipped.f1], [1, 1, 1, 1]);
  throwsCode(() => taskScoresFromClasses([7], [1], vocab), 'class 7 at index 0');
  throwsCode(() => taskScoresFromClasses([-1], [1], vocab), 'class -1');
  throwsCode(() => taskScoresFromClasses([1], [1], { strings: ['a'], unk: 3 }), 'unk');
  throwsCode(() => taskScoresFromClasses([1, 1], [1], vocab), 'parallel');
  throwsCode(() => taskScoresFromClasses([1], [1], vocab, { mask: [1, 1] }), 'mask');
});

test('taskScoresFromClasses: a single-class vocabulary', () => {
  const one = { strings: ['<UNK>', 'run'], unk: 0 };
  const s = taskScoresFromClasses([1, 1, 0], [1, 1, 1], one);
  // Two exact matches (tp 1 each), one unknown prediction (fn 1): P = 1, R = 2/3, F1 = 0.8.
  assert.deepEqual([s.exact, s.tp, s.fp, s.fn], [2, 2, 0, 1]);
  near(s.f1, 0.8);
});

test('taskScoresPerEpoch scores each row of top1 against the dynamics labels (or given truth)', () => {
  const d = dynOf([1, 3], 2, { top1: [[1, 2], [0, 3]] });
  const rows = taskScoresPerEpoch(d, vocab);
  assert.equal(rows.length, 2);
  // Row 0: exact (tp2) + unknown vs get|user|name (fn3) → P 1, R 2/5. Row 1: set|name vs get|name (tp1 fp1 fn1) + exact (tp3).
  near(rows[0]!.recall, 2 / 5);
  assert.equal(rows[0]!.exact, 1);
  assert.deepEqual([rows[1]!.tp, rows[1]!.fp, rows[1]!.fn, rows[1]!.exact], [4, 1, 1, 1]);
  const clean = taskScoresPerEpoch(d, vocab, { truth: Int32Array.from([2, 3]) });
  assert.equal(clean[1]!.exact, 2);
  assert.deepEqual(taskScoresPerEpoch(dynOf([], 0, {}), vocab), []);
});

test('taskCountsFromClasses: per-sample counts of the scored samples; their sums give taskScoresFromClasses', () => {
  // Predicted get|name for truth get|user|name: TP 2, FN 1; <UNK> predicts nothing; masked and
  // <UNK>-truth samples are left out.
  const pred = [1, 0, 2, 3, 1];
  const truth = [3, 1, 1, 0, 1];
  const opts = { mask: [1, 1, 0, 1, 1], unkTruth: 'skip' as const };
  const c = taskCountsFromClasses(pred, truth, vocab, opts);
  assert.deepEqual([...c.tp], [2, 0, 2]);
  assert.deepEqual([...c.fp], [0, 0, 0]);
  assert.deepEqual([...c.fn], [1, 2, 0]);
  assert.deepEqual([...c.exact], [0, 0, 1]);
  const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);
  const s = taskScoresFromCounts({ samples: c.tp.length, exact: sum(c.exact), tp: sum(c.tp), fp: sum(c.fp), fn: sum(c.fn) });
  const ref = taskScoresFromClasses(pred, truth, vocab, opts);
  assert.equal(s.f1, ref.f1);
  assert.equal(s.exactMatch, ref.exactMatch);
});
