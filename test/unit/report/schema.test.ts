/**
 * report.schema.json and validateReport: the fixture is valid; broken variants are refused with
 * the path of the broken field and a message that says what is allowed; the schema's enums follow
 * the engine's own lists; the mini validator refuses keywords it does not implement.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GATE_METRICS } from '../../../server/src/audit/gates';
import { DEVICE_CHOICES, NOISE_KINDS } from '../../../server/src/audit/config';
import { SKIP_REASONS } from '../../../server/src/corpus/types';
import { ERROR_CODES } from '../../../server/src/errors';
import { SIGNAL_NAMES } from '../../../server/src/metrics/signals';
import { LANGUAGE_IDS } from '../../../server/src/parse/sample';
import { SchemaValidator, type JsonSchema } from '../../../server/src/report/json-schema';
import { assertValidReport, formatErrors, parseReport, reportSchema, validateReport } from '../../../server/src/report/schema';
import type { AuditReport } from '../../../server/src/protocol/report';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFixtureReport, withChoice, withIntervals } from './fixture';
import { renderAuditText } from '../../../server/src/report/shared/text';
import { toMarkdown } from '../../../server/src/report/shared/markdown';
import { renderReportBody } from '../../../server/src/report/shared/html';

// Tests break reports on purpose, which typed access would not allow.
type Mutable = Record<string, any>;

/** Validates a copy of the fixture after `mutate`, returning the errors. */
function errorsAfter(mutate: (r: Mutable) => void): { path: string; message: string }[] {
  const r = structuredClone(makeFixtureReport()) as unknown as Mutable;
  mutate(r);
  return validateReport(r).errors;
}

function expectError(errors: { path: string; message: string }[], path: string, message: RegExp): void {
  const hit = errors.find((e) => e.path === path);
  assert.ok(hit, `expected an error at ${path}, got ${formatErrors(errors) || 'none'}`);
  assert.match(hit.message, message);
}

test('the fixture is a valid report, before and after a JSON round trip, in every gate variant', () => {
  for (const gates of ['mixed', 'pass', 'none'] as const) {
    const r = makeFixtureReport({ gates });
    assert.deepEqual(validateReport(r), { valid: true, errors: [] }, gates);
    assert.deepEqual(validateReport(JSON.parse(JSON.stringify(r))).errors, []);
  }
  assert.deepEqual(makeFixtureReport(), makeFixtureReport(), 'deterministic');
  const r = makeFixtureReport();
  assert.equal(r.runs.length, 5);
  assert.ok(r.runs.every((run) => run.epochs.length === 10));
  assert.deepEqual(r.runs.map((run) => run.level), [0, 25, 50, 75, 100]);
});

test('a missing field is named by its path', () => {
  expectError(
    errorsAfter((r) => delete r.runs[1].final.testF1),
    'runs[1].final.testF1',
    /^is required$/,
  );
  expectError(
    errorsAfter((r) => delete r.scores),
    'scores',
    /^is required$/,
  );
  expectError(
    errorsAfter((r) => delete r.findings[3].range.endColumn),
    'findings[3].range.endColumn',
    /is required/,
  );
});

test('a rate above 1 or below 0 is refused with the bound and the value', () => {
  expectError(
    errorsAfter((r) => (r.runs[2].epochs[3].test.f1 = 1.2)),
    'runs[2].epochs[3].test.f1',
    /must be ≤ 1 \(got 1\.2\)/,
  );
  expectError(
    errorsAfter((r) => (r.scores.M = -0.1)),
    'scores.M',
    /must be ≥ 0/,
  );
  expectError(
    errorsAfter((r) => (r.detection.signals[0].auroc = 1.0001)),
    'detection.signals[0].auroc',
    /≤ 1/,
  );
  expectError(
    errorsAfter((r) => (r.runs[1].level = 150)),
    'runs[1].level',
    /≤ 100/,
  );
});

test('a wrong type says what was expected and what was found', () => {
  expectError(
    errorsAfter((r) => (r.scores.G = '0.6')),
    'scores.G',
    /must be a finite number or null \(got string\)/,
  );
  expectError(
    errorsAfter((r) => (r.runs[0].seed = 1.5)),
    'runs[0].seed',
    /must be an integer \(got number\)/,
  );
  expectError(
    errorsAfter((r) => (r.findings = {})),
    'findings',
    /must be an array \(got object\)/,
  );
  expectError(
    errorsAfter((r) => (r.runs[0].final.trainF1 = Number.NaN)),
    'runs[0].final.trainF1',
    /non-finite number NaN/,
  );
});

test('unknown fields, bad enums, versions and dates are refused', () => {
  expectError(
    errorsAfter((r) => (r.extra = 1)),
    'extra',
    /not a known field/,
  );
  expectError(
    errorsAfter((r) => (r.gates[0].op = '=<')),
    'gates[0].op',
    /must be one of "<=", "<", ">=", ">", "==" \(got "=<"\)/,
  );
  expectError(
    errorsAfter((r) => ((r as { schemaVersion: number }).schemaVersion = 4)),
    'schemaVersion',
    /must be one of 1, 2, 3 \(got 4\)/,
  );
  expectError(
    errorsAfter((r) => (r.createdAt = 'yesterday')),
    'createdAt',
    /RFC 3339 date-time/,
  );
  expectError(
    errorsAfter((r) => (r.createdAt = '2024-02-30T10:00:00Z')),
    'createdAt',
    /date-time/,
  );
  expectError(
    errorsAfter((r) => (r.corpus.filesSkipped['too-big'] = 3)),
    'corpus.filesSkipped["too-big"]',
    /key "too-big" is not allowed: must be one of "too-large"/,
  );
  expectError(
    errorsAfter((r) => (r.runs[1].kind = 'y-flip')),
    'runs[1].kind',
    /^must be "none", or must be one of "y-shuffle", .* \(got "y-flip"\)$/,
  );
  expectError(
    errorsAfter((r) => (r.config.seeds = [0, 0])),
    'config.seeds[1]',
    /duplicates item 0/,
  );
  expectError(
    errorsAfter((r) => (r.runs = [])),
    'runs',
    /at least 1 item/,
  );
});

test('a nullable object that is present is checked field by field (not "must be null")', () => {
  const errors = errorsAfter((r) => (r.runs[1].epochs[0].trainCorrupted = { loss: 1 }));
  expectError(errors, 'runs[1].epochs[0].trainCorrupted.accuracy', /is required/);
  assert.ok(!errors.some((e) => /null/.test(e.message)), formatErrors(errors));
  expectError(
    errorsAfter((r) => (r.runs[1].epochs[0].trainCorrupted = 3)),
    'runs[1].epochs[0].trainCorrupted',
    /must be an object or null \(got integer\)/,
  );
});

test('invariants the schema cannot state: range order, increasing epochs', () => {
  expectError(
    errorsAfter((r) => (r.findings[4].range = { startLine: 20, startColumn: 0, endLine: 19, endColumn: 3 })),
    'findings[4].range',
    /ends \(19:3\) before it starts \(20:0\)/,
  );
  expectError(
    errorsAfter((r) => (r.runs[3].epochs[5].epoch = 5)),
    'runs[3].epochs[5].epoch',
    /greater than the previous epoch \(5\)/,
  );
});

test('errors come in document order and are capped', () => {
  const r = structuredClone(makeFixtureReport()) as unknown as Mutable;
  for (const run of r.runs) for (const e of run.epochs) e.lossGini = 2;
  const { valid, errors } = validateReport(r, 7);
  assert.equal(valid, false);
  assert.equal(errors.length, 7);
  assert.equal(errors[0]!.path, 'runs[0].epochs[0].lossGini');
  assert.equal(errors[6]!.path, 'runs[0].epochs[6].lossGini');
});

test('the schema follows the engine: gate metrics, noise kinds, devices, skip reasons, languages, signals', () => {
  const s = reportSchema() as Mutable;
  const defs = s.$defs;
  assert.deepEqual([...defs.gate.properties.metric.enum].sort(), Object.keys(GATE_METRICS).sort());
  assert.deepEqual(defs.noiseKind.enum, [...NOISE_KINDS]);
  assert.deepEqual(defs.config.properties.device.enum, [...DEVICE_CHOICES]);
  assert.deepEqual(defs.environment.properties.device.properties.requested.enum, [...DEVICE_CHOICES]);
  assert.deepEqual(defs.device.enum, DEVICE_CHOICES.filter((d) => d !== 'auto'));
  assert.deepEqual(defs.corpus.properties.filesSkipped.propertyNames.enum, [...SKIP_REASONS]);
  assert.deepEqual(defs.language.enum, [...LANGUAGE_IDS]);
  const pattern = new RegExp(defs.signalName.pattern as string, 'u');
  for (const name of SIGNAL_NAMES) assert.match(name, pattern);
  assert.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('every object of the schema is closed and requires what the types require', () => {
  const s = reportSchema() as Mutable;
  const r = makeFixtureReport() as unknown as Mutable;
  assert.deepEqual([...s.required].sort(), Object.keys(r).sort(), 'top-level fields');
  const visit = (node: Mutable, where: string): void => {
    if (node === null || typeof node !== 'object') return;
    if (node.properties) {
      assert.equal(node.additionalProperties, false, `${where} is closed`);
      for (const req of node.required as string[]) assert.ok(req in node.properties, `${where}: required ${req} has a schema`);
    }
    for (const [k, v] of Object.entries(node)) if (typeof v === 'object') visit(v as Mutable, `${where}/${k}`);
  };
  visit(s, '#');
  // Optional fields of the types are exactly the ones the schema does not require.
  assert.deepEqual(
    Object.keys(s.$defs.finding.properties).filter((k) => !s.$defs.finding.required.includes(k)).sort(),
    ['archiveEntry', 'category', 'fittedRate', 'heldOutRate', 'jsonlLine', 'mem', 'memProb', 'noise', 'recordPath', 'repo', 'window'],
  );
  assert.deepEqual(
    Object.keys(s.$defs.config.properties).filter((k) => !s.$defs.config.required.includes(k)),
    ['language', 'memFolds', 'labels', 'adversarial', 'weightDecay', 'hyper', 'sweep', 'distill', 'mixup', 'earlyStopping'],
  );
});

test('assertValidReport and parseReport: typed errors naming the field', () => {
  const good = makeFixtureReport();
  assertValidReport(good);
  const bad = structuredClone(good) as unknown as Mutable;
  bad.scores.G = 3;
  assert.throws(
    () => assertValidReport(bad),
    (e: unknown) => (e as { code?: string }).code === ERROR_CODES.INTERNAL && /scores\.G: must be ≤ 1/.test((e as Error).message),
  );
  const parsed: AuditReport = parseReport(JSON.stringify(good), 'runs/x/report.json');
  assert.deepEqual(parsed, good);
  const corrupt = (text: string, message: RegExp): void =>
    assert.throws(
      () => parseReport(text, 'runs/x/report.json'),
      (e: unknown) => (e as { code?: string }).code === ERROR_CODES.CACHE_CORRUPT && message.test((e as Error).message),
    );
  corrupt('{"schemaVersion":1,', /runs\/x\/report\.json: not a JSON report/);
  corrupt(JSON.stringify({ ...good, schemaVersion: 4 }), /schemaVersion 4 is not supported \(this memaudit reads versions 1, 2 and 3, writes 3\)/);
  corrupt(JSON.stringify(bad), /invalid report: scores\.G: must be ≤ 1 \(got 3\)/);
});

test('the mini validator refuses keywords and refs it does not implement', () => {
  const refuses = (schema: JsonSchema, message: RegExp): void =>
    assert.throws(
      () => new SchemaValidator(schema),
      (e: unknown) => (e as { code?: string }).code === ERROR_CODES.INTERNAL && message.test((e as Error).message),
    );
  refuses({ type: 'object', oneOf: [] }, /keyword 'oneOf' at # is not supported/);
  refuses({ properties: { a: { if: {} } } }, /keyword 'if' at #\/properties\/a/);
  refuses({ format: 'email' }, /format 'email'/);
  refuses({ $ref: 'other.json#/x' }, /cannot resolve \$ref other\.json/);
  const v = new SchemaValidator({ type: 'object', properties: { 'odd key': { type: 'string', minLength: 2, pattern: '^a' } } });
  assert.deepEqual(v.validate({ 'odd key': 'b' }), [
    { path: '["odd key"]', message: 'must have at least 2 characters' },
    { path: '["odd key"]', message: 'must match ^a (got "b")' },
  ]);
  assert.deepEqual(new SchemaValidator(false).validate(1), [{ path: '', message: 'is not allowed here' }]);
});

test('version 1 stays backward compatible: the later optional fields validate, and a report without them still does', () => {
  const rich = makeFixtureReport({ extras: true });
  assert.deepEqual(validateReport(rich).errors, []);
  assert.deepEqual(validateReport(JSON.parse(JSON.stringify(rich))).errors, []);
  assert.ok(rich.runs[1]!.detection[0]!.roc && rich.runs[1]!.cartography && rich.findings[0]!.noise!.length > 0 && rich.files?.noiseDiffs);
  assert.deepEqual(validateReport(makeFixtureReport()).errors, [], 'a report of the first v1 writer');
  const messages = (r: AuditReport) => validateReport(r).errors.map((e) => `${e.path}: ${e.message}`);
  // ROC curves: same lengths, never going back, from (0, 0) to (1, 1), at most 100 points.
  const roc = (edit: (c: { fpr: number[]; tpr: number[] }) => void): string[] => {
    const r = structuredClone(rich);
    edit(r.runs[2]!.detection[1]!.roc!);
    return messages(r);
  };
  assert.match(roc((c) => c.tpr.pop()).join(), /runs\[2\]\.detection\[1\]\.roc\.tpr: has 20 points but fpr has 21/);
  assert.match(roc((c) => ([c.tpr[3], c.tpr[4]] = [c.tpr[4]!, c.tpr[3]!])).join(), /runs\[2\]\.detection\[1\]\.roc\.fpr: the curve must not go back \(point [34]\)/);
  assert.match(roc((c) => (c.fpr[0] = 0.01)).join(), /roc: must run from \(0, 0\) to \(1, 1\)/);
  assert.match(roc((c) => ((c.fpr = Array.from({ length: 101 }, (_, i) => i / 100)), (c.tpr = c.fpr))).join(), /roc\.fpr: must have at most 100 items/);
  const other = structuredClone(rich) as unknown as { runs: { cartography: { regions: { easy: { clean: number } } } }[]; findings: { noise: { kind: string }[] }[] };
  other.runs[1]!.cartography.regions.easy.clean = -1;
  other.findings[0]!.noise[0]!.kind = 'y-nope';
  const errors = messages(other as unknown as AuditReport).join('\n');
  assert.match(errors, /runs\[1\]\.cartography\.regions\.easy\.clean: must be ≥ 0/);
  assert.match(errors, /findings\[0\]\.noise\[0\]\.kind/);
});

/** A report.json as a version 1 writer wrote it (committed; tests run from dist/test/unit/report). */
const V1_REPORT = path.resolve(__dirname, '../../../../test/fixtures/report/report-v1.json');

test('version 2: intervals, score status and uncertainty validate; a version 1 file still parses', () => {
  const v2 = withIntervals(makeFixtureReport({ extras: true }), 12);
  assert.deepEqual(validateReport(v2).errors, []);
  assert.equal(parseReport(JSON.stringify(v2), 'v2.json').scoreStatus!.G.reason, 'not enough test methods: 12 (at least 50 needed)');
  const v1 = parseReport(fs.readFileSync(V1_REPORT, 'utf8'), 'report-v1.json');
  assert.equal(v1.schemaVersion, 1);
  assert.equal(v1.scoreIntervals, undefined);
  // An interval whose low is above its high, or with a field too many, is refused.
  const bad = structuredClone(v2);
  bad.scoreIntervals!.G = { low: 0.5, high: 0.4 };
  bad.runs[0]!.intervals!.testF1 = { low: 0.6, high: 0.2 };
  const errors = validateReport(bad).errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  assert.match(errors, /scoreIntervals\.G: low \(0\.5\) is above high \(0\.4\)/);
  assert.match(errors, /runs\[0\]\.intervals\.testF1: low/);
  expectError(
    errorsAfter((r) => (r.scoreIntervals = { ...withIntervals(makeFixtureReport()).scoreIntervals, extra: null })),
    'scoreIntervals.extra',
    /is not a known field/,
  );
});

/** A report.json as a version 2 writer wrote it (committed; in-sample detection_auroc, no detection choice). */
const V2_REPORT = path.resolve(__dirname, '../../../../test/fixtures/report/report-v2.json');

test('version 3: the detection choice and the runs\' candidate tables validate; a version 2 file still parses', () => {
  const v3 = withChoice(makeFixtureReport({ extras: true }));
  assert.deepEqual(validateReport(v3).errors, []);
  assert.equal(parseReport(JSON.stringify(v3), 'v3.json').detection.choice!.window.id, 'first-3');
  const v2 = parseReport(fs.readFileSync(V2_REPORT, 'utf8'), 'report-v2.json');
  assert.equal(v2.schemaVersion, 2);
  assert.equal(v2.detection.choice, undefined);
  assert.ok(v2.scoreIntervals && v2.runs.every((r) => r.detectionCandidates === undefined));
  // The renderers take a version 2 report as it is: the best signal, no choice line.
  assert.match(renderAuditText(v2), /best memorization signal: /);
  // A choice interval whose low is above its high, an unknown window kind or orientation, is refused.
  const bad = structuredClone(v3) as unknown as Mutable;
  bad.detection.choice.heldOutInterval = { low: 0.9, high: 0.8 };
  bad.detection.choice.window.kind = 'last';
  bad.detection.choice.orientation = 0;
  const errors = validateReport(bad).errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  assert.match(errors, /detection\.choice\.window\.kind/);
  assert.match(errors, /detection\.choice\.orientation/);
  const low = structuredClone(v3);
  low.detection.choice!.heldOutInterval = { low: 0.9, high: 0.8 };
  assert.match(validateReport(low).errors.map((e) => `${e.path}: ${e.message}`).join(), /detection\.choice\.heldOutInterval: low \(0\.9\) is above high/);
});

test('the task setting (config.labels): top:K validates, survives a round trip and shows in text, Markdown and HTML; absent reads as full', () => {
  const top = makeFixtureReport();
  top.config.labels = 'top:10';
  assert.deepEqual(validateReport(top).errors, []);
  const back = parseReport(JSON.stringify(top), 'top.json');
  assert.equal(back.config.labels, 'top:10');
  assert.match(renderAuditText(back), /^memaudit .*\(bag, task top:10, device /);
  assert.match(toMarkdown(back), / · task top:10 · /);
  assert.match(renderReportBody(back), /<dt>task<\/dt><dd>top:10 \(methods whose name is among the K most frequent/);
  const old = makeFixtureReport();
  assert.equal(old.config.labels, undefined);
  assert.match(renderAuditText(old), /task full/);
  for (const bad of ['top:0', 'top:x', 'top10', 'all']) expectError(errorsAfter((r) => (r.config.labels = bad)), 'config.labels', /pattern|match/);
});
