/** The report module's front door: every format renders, writeReportFiles validates then writes atomically. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../../../server/src/errors';
import { parseReport, renderReport, REPORT_FORMAT_NAMES, toJson, writeReportFiles, type ReportFormat } from '../../../server/src/report';
import { makeFixtureReport } from './fixture';

test('renderReport dispatches every format; toJson round-trips through parseReport', () => {
  const report = makeFixtureReport();
  const json = toJson(report);
  assert.ok(json.endsWith('}\n'));
  assert.deepEqual(parseReport(json, 'report.json'), report);
  const starts: Record<ReportFormat, string> = { json: '{\n  "schemaVersion": 1', sarif: '{\n  "$schema"', junit: '<?xml', md: '## memaudit', html: '<!DOCTYPE html>' };
  for (const format of REPORT_FORMAT_NAMES) assert.ok(renderReport(report, format).startsWith(starts[format]), format);
});

test('writeReportFiles writes the chosen formats; an invalid report writes nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-report-'));
  try {
    const written = await writeReportFiles(path.join(dir, 'run'), makeFixtureReport());
    assert.deepEqual(Object.keys(written).sort(), ['html', 'json', 'junit', 'md', 'sarif']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'run')).sort(), ['report.html', 'report.json', 'report.junit.xml', 'report.md', 'report.sarif']);
    assert.equal(fs.readFileSync(written.json!, 'utf8'), toJson(makeFixtureReport()));

    const bad = makeFixtureReport();
    bad.runs[0]!.final.trainF1 = 1.5;
    await assert.rejects(writeReportFiles(path.join(dir, 'bad'), bad, ['json']), (e: unknown) => (e as { code?: string }).code === ERROR_CODES.INTERNAL && /runs\[0\]\.final\.trainF1: must be ≤ 1/.test((e as Error).message));
    assert.equal(fs.existsSync(path.join(dir, 'bad')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('report.json keeps arrays of numbers on one line, and parses back to the same report', () => {
  const report = makeFixtureReport({ extras: true });
  const text = toJson(report);
  assert.deepEqual(JSON.parse(text), report);
  assert.ok(text.endsWith('}\n'));
  assert.match(text, /"fpr": \[0, 0\.05, 0\.1, [\d., ]+, 1\]/);
  assert.match(text, /"zeta": \[null, 0\.3, 0\.35\]/);
  // Objects and arrays of strings keep the indented layout.
  assert.match(text, /"seeds": \[0\]/);
  assert.match(text, /"inputs": \[\n {6}"\.",\n/);
  assert.ok(text.length < JSON.stringify(report, null, 2).length * 0.85, 'smaller');
});
