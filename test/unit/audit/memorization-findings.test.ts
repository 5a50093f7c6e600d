/**
 * The findings' two categories (docs/metrics.md § "Memorization score (cross-fitted)"): which
 * methods land in each, their order, their messages, and the report's summary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SampleColumns } from '../../../server/src/dataset/columns';
import { memorizationCsv, memorizationFindings } from '../../../server/src/audit/memorization-findings';
import type { MemFoldOutcome } from '../../../server/src/audit/mem-folds';
import { memorizationScores } from '../../../server/src/metrics/memorization';

const NAMES = ['parse_header', 'read_all', 'close', 'helper', 'to_s', 'run'];
const columns = {
  ids: NAMES.map((_, i) => `s${i}`),
  strings: [...NAMES, 'a.py'],
  file: NAMES.map(() => NAMES.length),
  name: NAMES.map((_, i) => i),
  ranges: Int32Array.from(NAMES.flatMap((_, i) => [10 * i, 0, 10 * i + 3, 0])),
  sample: (i: number) => ({ id: `s${i}`, origin: { file: 'a.py', root: 0 }, range: { startLine: 10 * i, startColumn: 0, endLine: 10 * i + 3, endColumn: 0 }, language: 'python', name: NAMES[i]! }),
} as unknown as SampleColumns;

// Six training positions; K = 2: fold 0 = {0, 1, 2}, fold 1 = {3, 4, 5}.
const full = { correct: [1, 1, 0, 1, 0, 1], pLabel: [0.9, 0.8, 0.1, 0.7, 0.2, 0.9] };
const fold = (id: string, k: number, fitted: number[], held: number[]): MemFoldOutcome => ({
  id,
  fold: k,
  folds: 2,
  seed: 0,
  trainMs: 1500,
  predictions: {
    fitted: { positions: k === 0 ? [3, 4, 5] : [0, 1, 2], correct: fitted, pLabel: fitted.map((c) => (c ? 0.8 : 0.1)) },
    heldOut: { positions: k === 0 ? [0, 1, 2] : [3, 4, 5], correct: held, pLabel: held.map((c) => (c ? 0.6 : 0.05)) },
  },
});
// 0: in 2/2, out 0 → mem 1. 1: in 2/2, out 1 → mem 0. 2: in 0/2 → not learned. 3: in 2/2, out 0 → mem 1.
// 4: in 1/2 (full wrong, fold right), out 0 → mem 0.5. 5: in 2/2, out 1 → mem 0.
const folds = [fold('memfold-1of2-s0', 0, [1, 1, 1], [0, 1, 0]), fold('memfold-2of2-s0', 1, [1, 1, 0], [0, 0, 1])];
const meanLoss = [1, 1, 5, 1, 2, 1];
const ranking = { signal: 'meanLoss', orientation: 1 as const, values: meanLoss, why: 'test' };
const ctx = { columns, inputs: ['.'], trainIdx: Int32Array.from([0, 1, 2, 3, 4, 5]), signals: { meanLoss }, ranking };

test('memorized: P_in ≥ ½ and mem > 0, by mem then memProb; not learned: P_in < ½; the summary counts both', () => {
  const { findings, summary } = memorizationFindings(ctx, full, folds, 50);
  assert.deepEqual(
    findings.map((f) => [f.name, f.category]),
    [
      ['parse_header', 'memorized'],
      ['helper', 'memorized'],
      ['to_s', 'memorized'],
      ['close', 'not-learned'],
    ],
  );
  const [a, , c, d] = findings;
  assert.equal(a!.mem, 1);
  assert.equal(a!.fittedRate, 1);
  assert.equal(a!.heldOutRate, 0);
  assert.equal(c!.mem, 0.5);
  // rank and score stay the detection score's (meanLoss, higher = more suspicious): close is #1.
  assert.equal(d!.rank, 1);
  assert.equal(d!.score, 5);
  assert.equal(a!.message, 'parse_header was fitted when trained on (right in 2 of 2 models) but not predicted when held out (0 of 1): memorization score 1.00; the detection score (meanLoss) ranks it #3.');
  assert.match(d!.message, /^close was not learned: the models trained on it predicted its name in 0 of 2 \(held out: 0 of 1\); a possible label problem or unusual code \(mean training loss 5\.00\)/);
  assert.doesNotMatch(d!.message, /memoriz/);
  assert.deepEqual(summary, {
    estimator: 'cross-fit (Feldman & Zhang 2020)',
    folds: 2,
    runs: ['memfold-1of2-s0', 'memfold-2of2-s0'],
    seconds: 3,
    samples: 6,
    memorized: 3,
    notLearned: 1,
    meanMemTop50: 2.5 / 3,
  });
  // The limit applies per category.
  assert.deepEqual(memorizationFindings(ctx, full, folds, 1).findings.map((f) => f.name), ['parse_header', 'close']);
});

test('memorization.csv: one row per training method with its category and score', () => {
  const csv = memorizationCsv(columns, ctx.trainIdx, memorizationScores(6, full, folds.map((f) => f.predictions)));
  const rows = csv.trim().split('\r\n');
  assert.equal(rows[0], 'sample_id,file,line,name,category,mem,mem_prob,fitted_rate,held_out_rate,in_models,out_models');
  assert.equal(rows.length, 7);
  assert.match(rows[1]!, /^s0,a\.py,1,parse_header,memorized,1,[\d.]+,1,0,2,1$/);
  assert.match(rows[3]!, /^s2,a\.py,21,close,not-learned,/);
  assert.match(rows[2]!, /^s1,a\.py,11,read_all,,0,/);
});
