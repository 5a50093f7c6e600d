/** Findings → editor diagnostics: ranges, grouping by file, the message that explains the signals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainFinding, findingRange, findingsToDiagnostics, LINE_END, SIGNAL_HELP } from '../../../extension/src/findings-map';
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
