/** The plain-text summary (`memaudit audit`, `memaudit report`): headline scores with their intervals or the reason they are not shown. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseReport } from '../../../server/src/report/schema';
import { renderAuditText } from '../../../server/src/report/shared/text';
import { makeFixtureReport, withChoice, withIntervals, withMemorization } from './fixture';

/** The score lines of the summary, by key (the last word of each line's label). */
function scoreLines(text: string): Map<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('scores'));
  const out = new Map<string, string>();
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('  '); i++) {
    // Label and value are separated by at least two spaces; the key is the label's last word.
    const m = /^ {2}(.*?) {2,}(.*)$/.exec(lines[i]!)!;
    out.set(m[1]!.split(' ').pop()!, m[2]!);
  }
  return out;
}

test('every headline score shows its 95% interval: G 0.612 [0.582, 0.642]', () => {
  const text = renderAuditText(withIntervals(makeFixtureReport()));
  assert.match(text, /^scores \(95% bootstrap intervals\):$/m);
  const s = scoreLines(text);
  assert.equal(s.get('G'), '0.612 [0.582, 0.642]');
  assert.equal(s.get('gap'), '0.196 [0.166, 0.226]');
  assert.match(s.get('detection_auroc')!, /^0\.\d+ \[0\.\d+, 0\.\d+\]$/);
  assert.equal(s.get('mia_advantage'), String(makeFixtureReport().scores.mia_advantage), 'no interval: the bare number');
  assert.equal(s.size, 7);
});

test('an insufficient score shows the reason instead of a bare number', () => {
  const s = scoreLines(renderAuditText(withIntervals(makeFixtureReport(), 12)));
  assert.equal(s.get('G'), 'not enough test methods: 12 (at least 50 needed)');
  assert.equal(s.get('mia_auc'), 'not enough test methods: 12 (at least 50 needed)');
  assert.equal(s.get('M'), '0.52 [0.49, 0.55]');
});

test('a version 1 report renders its scores without intervals', () => {
  const v1 = parseReport(fs.readFileSync(path.resolve(__dirname, '../../../../test/fixtures/report/report-v1.json'), 'utf8'), 'report-v1.json');
  const text = renderAuditText(v1);
  assert.match(text, /^scores:$/m);
  assert.equal(scoreLines(text).get('G'), '0.612');
});

test('version 3: the detection choice in one line, the headline detection AUROC is the held-out one', () => {
  const text = renderAuditText(withChoice(makeFixtureReport()));
  assert.match(
    text,
    /^detection score −aum over the first 3 epochs: held-out AUROC 0\.812 \[0\.79, 0\.834\] \(in-sample 0\.834, optimistic\); chosen among 48 candidates \(signal × orientation × window\) on half of the corrupted samples; measured on the other half/m,
  );
  assert.equal(scoreLines(text).get('detection_auroc'), '0.812 [0.79, 0.834]');
  assert.doesNotMatch(text, /best memorization signal/);
});

test('memorization score: two lists, memorized then not learned, each with mem, P_in and P_out', () => {
  const text = renderAuditText(withMemorization(makeFixtureReport()));
  const a = text.indexOf('likely memorized (fitted, not predicted when held out) (top 6 of 310):');
  const b = text.indexOf('not learned (never fitted) (top 6 of 95):');
  assert.ok(a > 0 && b > a, text);
  assert.match(text, /memorization score: cross-fit \(Feldman & Zhang 2020\), 2 fold runs .*310 of 4812 training methods memorized, 95 not learned; mean mem of the top 50 0\.93/);
  assert.match(text.slice(a, b), /^ {4}1\. \S+ .*\(mem 1\.00, P_in 1\.00, P_out 0\.00; detection rank 1\)$/m);
  assert.match(text.slice(b), /\(mem 0\.00, P_in 0\.00, P_out 0\.00; detection rank \d+\)$/m);
  assert.doesNotMatch(text, /likely memorized \(top/);
});
