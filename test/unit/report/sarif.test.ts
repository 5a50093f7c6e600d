/**
 * SARIF writer: the essentials of SARIF 2.1.0 (and of GitHub code scanning's subset), 1-based
 * regions, repository-relative URIs, stable fingerprints, JSONL and zip findings, gate outcomes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSarif, FINGERPRINT_KEY, RULE_LIKELY_MEMORIZED, RULE_MEMORIZED, RULE_NOT_LEARNED, toSarif, type SarifLog } from '../../../server/src/report/shared/sarif';
import type { AuditReport } from '../../../server/src/protocol/report';
import { makeFixtureReport, withChoice, withMemorization } from './fixture';

/** Checks what SARIF 2.1.0 requires of what this writer emits, and GitHub's extra requirements. */
function assertSarifEssentials(log: SarifLog): void {
  assert.equal(log.version, '2.1.0');
  assert.match(log.$schema, /^https:\/\/\S+sarif-2\.1\.0\S*\.json$/);
  assert.ok(Array.isArray(log.runs) && log.runs.length === 1);
  const run = log.runs[0]!;
  assert.equal(typeof run.tool.driver.name, 'string');
  assert.ok(run.tool.driver.name.length > 0);
  const ruleIds = run.tool.driver.rules.map((r) => r.id);
  assert.equal(new Set(ruleIds).size, ruleIds.length, 'rule ids are unique');
  for (const rule of run.tool.driver.rules) {
    assert.ok(rule.shortDescription.text.length > 0 && rule.fullDescription.text.length > 0 && (rule.help?.text.length ?? 0) > 0, rule.id);
  }
  for (const res of run.results) {
    assert.ok(ruleIds.includes(res.ruleId), `rule ${res.ruleId} is declared`);
    assert.equal(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId, 'ruleIndex points at the rule');
    assert.ok(['none', 'note', 'warning', 'error'].includes(res.level));
    assert.equal(typeof res.message.text, 'string');
    assert.ok(res.message.text.length > 0);
    assert.equal(res.locations.length, 1, 'GitHub reads one location per result');
    const { artifactLocation, region } = res.locations[0]!.physicalLocation;
    assert.ok(artifactLocation.uri.length > 0);
    assert.ok(!/^[a-z][a-z0-9+.-]*:/i.test(artifactLocation.uri), `relative URI: ${artifactLocation.uri}`);
    assert.ok(!artifactLocation.uri.startsWith('/') && !artifactLocation.uri.includes('\\') && !artifactLocation.uri.split('/').includes('..'), artifactLocation.uri);
    assert.ok(artifactLocation.uriBaseId, 'relative URIs name their base');
    assert.ok(Number.isInteger(region.startLine) && region.startLine >= 1, 'startLine is 1-based');
    for (const k of ['startColumn', 'endLine', 'endColumn'] as const) {
      if (region[k] !== undefined) assert.ok(Number.isInteger(region[k]) && region[k]! >= 1, `${k} is 1-based`);
    }
    if (region.endLine !== undefined) assert.ok(region.endLine >= region.startLine);
    assert.match(res.partialFingerprints[FINGERPRINT_KEY]!, /^[0-9a-f]{32}$/);
  }
}

function withFindings(report: AuditReport, edit: (f: AuditReport['findings'][number], i: number) => void): AuditReport {
  const r = structuredClone(report);
  r.findings.forEach(edit);
  return r;
}

test('SARIF 2.1.0 essentials: version, $schema, driver, rules, one note result per finding', () => {
  const report = makeFixtureReport();
  const text = toSarif(report);
  assert.ok(text.endsWith('}\n'));
  const log = JSON.parse(text) as SarifLog;
  assertSarifEssentials(log);
  const run = log.runs[0]!;
  assert.equal(run.tool.driver.name, 'memaudit');
  assert.equal(run.tool.driver.version, report.tool.version);
  assert.equal(run.tool.driver.rules[0]!.id, RULE_LIKELY_MEMORIZED);
  assert.match(run.tool.driver.rules[0]!.help!.text, /not a defect in the code/);
  assert.equal(run.results.length, report.findings.length);
  assert.ok(run.results.every((r) => r.level === 'note'));
  assert.equal(run.columnKind, 'utf16CodeUnits');
  assert.equal(run.automationDetails.id, `memaudit/${report.runId}`);
  assert.deepEqual(buildSarif(report), log);
});

test('regions are the 0-based ranges plus one (end column exclusive in both)', () => {
  const report = makeFixtureReport();
  const run = buildSarif(report).runs[0]!;
  const f = report.findings[2]!;
  assert.deepEqual(f.range, { startLine: 56, startColumn: 4, endLine: 64, endColumn: 5 });
  assert.deepEqual(run.results[2]!.locations[0]!.physicalLocation.region, { startLine: 57, startColumn: 5, endLine: 65, endColumn: 6 });
  const zero = withFindings(report, (x) => (x.range = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 }));
  assert.deepEqual(buildSarif(zero).runs[0]!.results[5]!.locations[0]!.physicalLocation.region, { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 });
});

test('message says what signal, score and rank; properties carry the details', () => {
  const report = makeFixtureReport();
  const res = buildSarif(report).runs[0]!.results[4]!;
  const f = report.findings[4]!;
  assert.match(res.message.text, new RegExp(`^Method '${f.name}' is likely memorized rather than learned: it ranks #5 of 4812 training methods by aum \\(suspicion score ${f.score}\\)\\. In this audit, aum found deliberately corrupted labels with AUROC 0\\.89\\.$`));
  assert.equal(res.properties.signal, 'aum');
  assert.equal(res.properties.rank, 5);
  assert.deepEqual(res.properties.details, f.details);
  assert.equal(res.properties.sampleId, f.sampleId);
  assert.deepEqual(res.locations[0]!.logicalLocations, [{ name: f.name, kind: 'function' }]);
});

test('JSONL and zip findings: the file as artifact, the record line or entry in the message', () => {
  const run = buildSarif(makeFixtureReport()).runs[0]!;
  const jsonl = run.results[0]!;
  assert.deepEqual(jsonl.locations[0]!.physicalLocation, { artifactLocation: { uri: 'data/python_train.jsonl', uriBaseId: '%SRCROOT%' }, region: { startLine: 1742 } });
  assert.match(jsonl.message.text, /JSONL record at line 1742, from acme\/tools\/tools\/cli\.py; lines 1–8 of its code/);
  assert.equal(jsonl.properties.jsonlLine, 1742);
  const zip = run.results[1]!;
  assert.deepEqual(zip.locations[0]!.physicalLocation, { artifactLocation: { uri: 'vendor/jdk-src.zip', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } });
  assert.match(zip.message.text, /\(archive entry java\.base\/java\/util\/ArrayList\.java, lines 34–41\)/);
  assert.equal(zip.properties.archiveEntry, 'java.base/java/util/ArrayList.java');
});

test('URIs are relative to the repository root, with forward slashes and percent-encoding', () => {
  const base = makeFixtureReport();
  // Absolute POSIX root inside the repository.
  const posix = withFindings(base, (f) => {
    f.root = '/home/ci/work/repo/services/api';
    f.file = 'src/Main Thing#1.java';
    delete f.jsonlLine;
    delete f.archiveEntry;
  });
  const run = buildSarif(posix, { repoRoot: '/home/ci/work/repo' }).runs[0]!;
  assertSarifEssentials({ ...buildSarif(posix, { repoRoot: '/home/ci/work/repo' }) });
  assert.equal(run.results[3]!.locations[0]!.physicalLocation.artifactLocation.uri, 'services/api/src/Main%20Thing%231.java');
  assert.deepEqual(run.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///home/ci/work/repo/' } });

  // Windows paths in the report, repository root with another drive-letter case and separators.
  const win = withFindings(base, (f) => {
    f.root = 'C:\\build\\repo\\lib';
    f.file = 'acme/util.py';
  });
  const wrun = buildSarif(win, { repoRoot: 'c:/build/repo/' }).runs[0]!;
  assert.equal(wrun.results[5]!.locations[0]!.physicalLocation.artifactLocation.uri, 'lib/acme/util.py');

  // Relative roots resolve against cwd when given.
  const rel = withFindings(base, (f) => {
    f.root = '../src';
    f.file = 'A.java';
  });
  const rrun = buildSarif(rel, { repoRoot: '/w/repo', cwd: '/w/repo/tools' }).runs[0]!;
  assert.equal(rrun.results[6]!.locations[0]!.physicalLocation.artifactLocation.uri, 'src/A.java');
  // Without options a relative root is relative to the repository root.
  assert.equal(buildSarif(base).runs[0]!.results[6]!.locations[0]!.physicalLocation.artifactLocation.uri, 'lib/acme/billing.py');
});

test('files outside the repository are relative to their corpus root, declared in originalUriBaseIds', () => {
  const report = withFindings(makeFixtureReport(), (f, i) => {
    if (i >= 4) {
      f.root = '/data/other corpus';
      f.file = `pkg/F${i}.java`;
    }
  });
  const log = buildSarif(report, { repoRoot: '/home/ci/repo' });
  assertSarifEssentials(log);
  const run = log.runs[0]!;
  const loc = run.results[4]!.locations[0]!.physicalLocation.artifactLocation;
  assert.equal(loc.uri, 'pkg/F4.java');
  assert.match(loc.uriBaseId!, /^MEMAUDIT_ROOT\d+$/);
  assert.deepEqual(run.originalUriBaseIds![loc.uriBaseId!], { uri: 'file:///data/other%20corpus/', description: { text: 'corpus root /data/other corpus' } });
  assert.equal(run.results[2]!.locations[0]!.physicalLocation.artifactLocation.uriBaseId, '%SRCROOT%');
});

test('fingerprints: identical across renders, blind to line moves, distinct per method and overload', () => {
  const report = makeFixtureReport();
  const a = toSarif(report);
  assert.equal(toSarif(makeFixtureReport()), a, 'two renders are byte-identical');
  const fp = (r: AuditReport): string[] => buildSarif(r).runs[0]!.results.map((x) => x.partialFingerprints[FINGERPRINT_KEY]!);
  const base = fp(report);
  assert.equal(new Set(base).size, base.length, 'unique, overloads included');
  assert.equal(report.findings[2]!.name, report.findings[3]!.name);
  assert.equal(report.findings[2]!.file, report.findings[3]!.file);

  const moved = withFindings(report, (f) => {
    f.range = { ...f.range, startLine: f.range.startLine + 40, endLine: f.range.endLine + 40 };
    f.rank = 100 - f.rank;
    f.score = f.score / 2;
    f.sampleId = `${f.sampleId}x`;
  });
  assert.deepEqual(fp(moved), base, 'line, rank, score and sample id do not enter the fingerprint');
  const reordered = structuredClone(report);
  reordered.findings.reverse();
  assert.deepEqual(fp(reordered), [...base].reverse(), 'the order of findings does not matter');

  const renamed = withFindings(report, (f, i) => {
    if (i === 5) f.name = `${f.name}Renamed`;
  });
  const after = fp(renamed);
  assert.notEqual(after[5], base[5]);
  assert.deepEqual(after.filter((_, i) => i !== 5), base.filter((_, i) => i !== 5));
});

test('gates: exit code and notifications follow the outcome; execution itself succeeded', () => {
  const mixed = buildSarif(makeFixtureReport({ gates: 'mixed' })).runs[0]!.invocations[0]!;
  assert.equal(mixed.executionSuccessful, true);
  assert.equal(mixed.exitCode, 1);
  assert.match(mixed.exitCodeDescription, /1 of 3 quality gates failed/);
  const gateNotes = mixed.toolExecutionNotifications.filter((n) => n.descriptor.id === 'memaudit/gate');
  assert.equal(gateNotes.length, 3);
  assert.deepEqual(
    gateNotes.map((n) => n.level),
    ['note', 'error', 'note'],
  );
  assert.equal(gateNotes[1]!.properties!.gate, 'gap <= 0.15');
  assert.equal(mixed.endTimeUtc, '2024-05-01T12:04:31.250Z');
  assert.equal(mixed.startTimeUtc, '2024-05-01T12:00:07.850Z');
  assert.ok(mixed.toolExecutionNotifications.some((n) => n.descriptor.id === 'memaudit/device' && /fell back to cpu/.test(n.message.text)));

  const pass = buildSarif(makeFixtureReport({ gates: 'pass' })).runs[0]!.invocations[0]!;
  assert.equal(pass.exitCode, 0);
  assert.equal(buildSarif(makeFixtureReport({ gates: 'none' })).runs[0]!.invocations[0]!.exitCodeDescription, 'no quality gates');
});

test('informationUri comes from the option; hostile strings stay inside JSON strings', () => {
  const log = buildSarif(makeFixtureReport(), { informationUri: 'https://example.invalid/memaudit' });
  assert.equal(log.runs[0]!.tool.driver.informationUri, 'https://example.invalid/memaudit');
  const hostile = withFindings(makeFixtureReport(), (f) => {
    f.name = 'x"}],"version":"9\u2028<b>';
  });
  const parsed = JSON.parse(toSarif(hostile)) as SarifLog;
  assert.equal(parsed.version, '2.1.0');
  assert.equal(parsed.runs[0]!.results[4]!.properties.name, 'x"}],"version":"9\u2028<b>');
});

test('version 3: the message names the chosen score and its held-out AUROC', () => {
  const res = buildSarif(withChoice(makeFixtureReport())).runs[0]!.results[0]!;
  assert.match(res.message.text, /In this audit, −aum over the first 3 epochs found deliberately corrupted labels with held-out AUROC 0\.812 \(chosen on half of them, measured on the other half\)\.$/);
});

test('memorization score: a rule per category, the result under its category\'s rule, mem / P_in / P_out in message and properties', () => {
  const r = withMemorization(makeFixtureReport());
  const run = buildSarif(r).runs[0]!;
  const rules = run.tool.driver.rules.map((x) => x.id);
  assert.ok(rules.includes(RULE_MEMORIZED) && rules.includes(RULE_NOT_LEARNED), rules.join(', '));
  r.findings.forEach((f, i) => {
    const res = run.results[i]!;
    assert.equal(res.ruleId, f.category === 'memorized' ? RULE_MEMORIZED : RULE_NOT_LEARNED);
    assert.equal(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
    assert.equal(res.properties['category'], f.category);
    assert.equal(res.properties['mem'], f.mem);
    assert.equal(res.properties['fittedRate'], f.fittedRate);
    if (f.category === 'not-learned') assert.doesNotMatch(res.message.text, /memorized/);
  });
  assert.match(run.results[0]!.message.text, /was fitted when trained on but not predicted when held out: .*rate 1, .*rate 0 \(memorization score 1, 2-fold cross-fitting\)/);
  assert.deepEqual(run.properties['memorization'], r.memorization);
  // Without the score, every result stays under the one rule.
  assert.ok(buildSarif(makeFixtureReport()).runs[0]!.results.every((x) => x.ruleId === RULE_LIKELY_MEMORIZED));
});
