/** Findings → editor diagnostics: ranges, grouping by file, the message that explains the signals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALL_CATEGORIES,
  categoryCounts,
  explainFinding,
  findingMessage,
  findingRange,
  findingsToDiagnostics,
  LINE_END,
  memorizationWords,
  modelsPerMethod,
  SIGNAL_HELP,
} from '../../../extension/src/findings-map';
import type { EditorFinding, FindingsResult } from '../../../server/src/protocol';
import { SIGNAL_NAMES } from '../../../server/src/metrics';

function finding(over: Partial<EditorFinding>): EditorFinding {
  return {
    file: '/w/src/A.java',
    range: { startLine: 10, startColumn: 2, endLine: 14, endColumn: 3 },
    kind: 'source',
    name: 'getName',
    language: 'java',
    rank: 1,
    signal: 'aum',
    score: 1.5,
    signals: { aum: -1.5, meanLoss: 2.25, forgetting: 3 },
    message: 'engine text',
    ...over,
  };
}

const result = (findings: EditorFinding[], over: Partial<FindingsResult> = {}): FindingsResult => ({
  runId: 'abc123',
  bestSignal: 'aum',
  bestSignalAuroc: 0.93,
  findings,
  skipped: 0,
  ...over,
});

test('a method is marked on its declaration line; a one-line method on its own extent; a JSONL record on its line', () => {
  assert.deepEqual(findingRange(finding({})), { startLine: 10, startColumn: 2, endLine: 10, endColumn: LINE_END });
  assert.deepEqual(findingRange(finding({ range: { startLine: 3, startColumn: 4, endLine: 3, endColumn: 40 } })), { startLine: 3, startColumn: 4, endLine: 3, endColumn: 40 });
  assert.deepEqual(findingRange(finding({ kind: 'jsonl', file: '/w/m.jsonl', range: { startLine: 41, startColumn: 0, endLine: 42, endColumn: 0 } })), {
    startLine: 41,
    startColumn: 0,
    endLine: 41,
    endColumn: LINE_END,
  });
});

test('diagnostics are Information, grouped by file, most suspicious first', () => {
  const map = findingsToDiagnostics(
    result([finding({ rank: 3, name: 'c' }), finding({ rank: 1, name: 'a', file: '/w/src/B.java' }), finding({ rank: 2, name: 'b' })]),
  );
  assert.deepEqual([...map.keys()], ['/w/src/B.java', '/w/src/A.java']);
  const a = map.get('/w/src/A.java')!;
  assert.deepEqual(
    a.map((d) => d.message.split(' ')[0]),
    ['b', 'c'],
  );
  for (const d of [...map.values()].flat()) {
    assert.equal(d.severity, 'information');
    assert.equal(d.source, 'memaudit');
    assert.equal(d.code, 'likely-memorized');
  }
  assert.equal(findingsToDiagnostics(result([])).size, 0);
});

test('the message says why: the ranking signal first, how well it found the injected noise, every signal explained', () => {
  const text = explainFinding(finding({}), result([]));
  const lines = text.split('\n');
  assert.match(lines[0]!, /getName looks memorized rather than learned .*rank 1 by aum/);
  assert.match(text, /AUROC 0\.93/);
  assert.match(lines[2]!, /^• aum = -1\.500: area under the margin/);
  assert.match(text, /• forgetting = 3: times it went from right to wrong/);
  assert.match(text, /• meanLoss = 2\.250: mean training loss/);
  assert.match(text, /Audit abc123\./);
  assert.match(explainFinding(finding({}), result([], { bestSignal: null, bestSignalAuroc: null })), /No noisy run calibrated the signals; AUM ranks/);
});

test('with a detection choice, the message names the chosen score, its window and held-out AUROC', () => {
  const choice = 'detection score −aum over the first 3 epochs: held-out AUROC 0.812 [0.79, 0.834] (in-sample 0.834, optimistic); chosen among 80 candidates';
  const lines = explainFinding(finding({}), result([], { detectionChoice: choice })).split('\n');
  assert.equal(lines[1], `Ranked by the ${choice}.`);
});

test('every per-sample signal of the engine has an explanation', () => {
  for (const s of SIGNAL_NAMES) assert.ok(SIGNAL_HELP[s], `help for ${s}`);
});

/** The cross-fitting summary of a 2-fold audit: 2 fold runs; each method is trained on by one of them and the clean run. */
const memorization = { estimator: 'cross-fit (Feldman & Zhang 2020)' as const, folds: 2, runs: ['f0', 'f1'], seconds: 42, samples: 300, memorized: 2, notLearned: 1, meanMemTop50: 0.61 };

const memorized = (over: Partial<EditorFinding> = {}): EditorFinding =>
  finding({ category: 'memorized', mem: 1, memProb: 0.874, fittedRate: 1, heldOutRate: 0, name: 'parseHeader', ...over });
const notLearned = (over: Partial<EditorFinding> = {}): EditorFinding =>
  finding({ category: 'not-learned', mem: 0, memProb: -0.02, fittedRate: 0, heldOutRate: 0, name: 'doStuff', rank: 1, ...over });

test('each category has its own prefix and code; both are Information; an older finding keeps its code and text', () => {
  const map = findingsToDiagnostics(
    result([memorized({ rank: 1 }), memorized({ rank: 2, name: 'readAll', mem: 0.5, fittedRate: 1, heldOutRate: 0.5 }), notLearned({ file: '/w/src/B.java' })], { memorization }),
  );
  const a = map.get('/w/src/A.java')!;
  const b = map.get('/w/src/B.java')!;
  assert.deepEqual(
    a.map((d) => [d.code, d.category, d.severity, d.message.split('\n')[0]]),
    [
      ['memorized', 'memorized', 'information', 'Likely memorized: parseHeader: fitted by 2 of 2 models trained on it, predicted by 0 of 1 that held it out: memorization score 1.00.'],
      ['memorized', 'memorized', 'information', 'Likely memorized: readAll: fitted by 2 of 2 models trained on it, predicted by 50 % of those that held it out: memorization score 0.50.'],
    ],
  );
  assert.deepEqual(
    b.map((d) => [d.code, d.category, d.severity, d.message.split('\n')[0]]),
    [['not-learned', 'not-learned', 'information', 'Not learned: doStuff: fitted by 0 of 2 models trained on it, predicted by 0 of 1 that held it out: memorization score 0.00.']],
  );
  for (const d of [...a, ...b]) assert.equal(d.source, 'memaudit');
  // An older report: no category, the same code and text as before categories existed.
  const old = findingsToDiagnostics(result([finding({})])).get('/w/src/A.java')![0]!;
  assert.equal(old.code, 'likely-memorized');
  assert.equal(old.category, undefined);
  assert.equal(old.message, explainFinding(finding({}), result([])));
  assert.match(old.message, /^getName looks memorized rather than learned/);
});

test('the message of a category explains the numbers in words, why, the definition and the cross-fitting', () => {
  const m = findingMessage(memorized(), result([], { memorization })).split('\n');
  assert.match(m[1]!, /models that never saw it do not predict it/);
  assert.match(m[2]!, /^Memorization score \(Feldman & Zhang 2020\) = share of the models trained on it that predict its name − share of those that held it out that do; with the label's probability instead of the top prediction it is 0\.87\.$/);
  assert.equal(m[3], 'Cross-fitted over 2 folds: 2 fold runs, each holding one fold out, and the clean run.');
  assert.ok(m.includes('• aum = -1.500: ' + SIGNAL_HELP.aum), 'the signals are still listed');
  assert.equal(m.at(-1), 'Audit abc123.');
  const n = findingMessage(notLearned({ memProb: undefined }), result([], { memorization })).split('\n');
  assert.match(n[1]!, /Not even the models trained on it predict its name: the name may not fit the code \(a label problem\)/);
  assert.doesNotMatch(n[2]!, /probability/);
});

test('numbers in words: counts when the folds divide the models, shares otherwise; a negative score has a minus sign', () => {
  assert.deepEqual(modelsPerMethod(memorization), { trainedOn: 2, heldOut: 1 });
  // 5 folds: 4 fold runs and the clean run train on each method, one fold run holds it out.
  assert.deepEqual(modelsPerMethod({ folds: 5, runs: ['a', 'b', 'c', 'd', 'e'] }), { trainedOn: 5, heldOut: 1 });
  assert.deepEqual(modelsPerMethod({ folds: 2, runs: ['a', 'b', 'c', 'd'] }), { trainedOn: 3, heldOut: 2 });
  assert.equal(modelsPerMethod({ folds: 3, runs: ['a', 'b'] }), undefined);
  assert.equal(modelsPerMethod(undefined), undefined);
  assert.equal(memorizationWords({ mem: 1, fittedRate: 1, heldOutRate: 0 }, memorization), 'fitted by 2 of 2 models trained on it, predicted by 0 of 1 that held it out: memorization score 1.00');
  assert.equal(memorizationWords({ mem: 0.75, fittedRate: 1, heldOutRate: 0.25 }), 'fitted by 100 % of the models trained on it, predicted by 25 % of those that held it out: memorization score 0.75');
  // 0.7 of 2 models is no whole number: the share is given instead of a wrong count.
  assert.equal(memorizationWords({ mem: 0.7, fittedRate: 0.7, heldOutRate: 0 }, memorization), 'fitted by 70 % of the models trained on it, predicted by 0 of 1 that held it out: memorization score 0.70');
  assert.equal(
    memorizationWords({ mem: -1 / 3, fittedRate: 2 / 3, heldOutRate: 1 }, { folds: 2, runs: ['a', 'b', 'c', 'd'] }),
    'fitted by 2 of 3 models trained on it, predicted by 2 of 2 that held it out: memorization score −0.33',
  );
  assert.equal(memorizationWords({ mem: 0.2 }), 'memorization score 0.20');
});

test('the category filter hides a category; findings without one are always shown; the report order is kept', () => {
  const findings = [memorized({ rank: 1 }), memorized({ rank: 2, name: 'b' }), notLearned({ rank: 1, name: 'c' })];
  const only = (set: ('memorized' | 'not-learned')[]) =>
    [...findingsToDiagnostics(result(findings, { memorization }), new Set(set)).values()].flat().map((d) => d.message.split(':')[1]!.trim());
  assert.deepEqual(only(['memorized', 'not-learned']), ['parseHeader', 'b', 'c']);
  assert.deepEqual(only(['memorized']), ['parseHeader', 'b']);
  assert.deepEqual(only(['not-learned']), ['c']);
  assert.deepEqual(only([]), []);
  assert.equal([...findingsToDiagnostics(result([finding({})]), new Set()).values()].flat().length, 1, 'an older finding has no category to hide');
  assert.equal(ALL_CATEGORIES.size, 2);
  assert.deepEqual(categoryCounts(findings), { memorized: 2, 'not-learned': 1 });
  assert.equal(categoryCounts([finding({})]), undefined);
});
