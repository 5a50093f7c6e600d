/**
 * JUnit XML output for CI test dashboards (Jenkins, GitLab, Azure, the GitHub test-report
 * actions): one `<testsuite name="memaudit">` with one test case per quality gate, a
 * `<failure>` for each failed gate, and one passing "audit completed" case when there are no
 * gates (so that dashboards still show the audit ran). The suite's properties carry the headline
 * scores; its time is the audit's total time.
 */
import { adversarialEpsilon, adversarialLevels } from './adversarial';
import { gateSummary, SCORE_ROWS } from './aggregate';
import { escapeXml, escapeXmlAttr } from './escape';
import { detectionChoiceLine, detectionScoreLabel, fmt } from './format';
import type { AuditReport, ReportGate } from '../../protocol/report';

function seconds(ms: number): string {
  return (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0).toFixed(3);
}

/** The JUnit `timestamp` (ISO 8601 without zone, as the Ant schema has it), or null when `createdAt` is not a date. */
function timestamp(createdAt: string): string | null {
  const t = Date.parse(createdAt);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 19) : null;
}

function attrs(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([k, v]) => ` ${k}="${escapeXmlAttr(String(v))}"`)
    .join('');
}

function scoresText(report: AuditReport): string {
  const lines = SCORE_ROWS.map((row) => `${row.label} (${row.key}): ${fmt(report.scores[row.key])}`);
  const choice = report.detection.choice;
  lines.push(`${choice ? `Chosen ${detectionChoiceLine(choice)}` : `Best signal: ${report.detection.best ?? 'none'}`}; likely memorized methods: ${report.findings.length}`);
  lines.push(`Device: ${report.environment.device.used}; runs: ${report.runs.length}`);
  return lines.join('\n');
}

function gateCase(g: ReportGate): string {
  const head = `    <testcase${attrs({ classname: 'memaudit.gates', name: g.gate, time: '0.000' })}`;
  if (g.passed) return `${head}/>`;
  const detail = [
    g.message,
    `metric: ${g.metric}`,
    `required: ${g.metric} ${g.op} ${g.value}`,
    `measured: ${g.actual === null ? 'could not be computed' : fmt(g.actual, 6)}`,
  ].join('\n');
  return [
    `${head}>`,
    `      <failure${attrs({ message: g.message || `${g.gate}: failed`, type: 'memaudit.gate' })}>${escapeXml(detail)}</failure>`,
    '    </testcase>',
  ].join('\n');
}

/** The clean runs' adversarial flip rates at the largest ε (test split), when measured. */
function adversarialProperties(report: AuditReport): [string, string][] {
  const clean = adversarialLevels(report).find((l) => l.level === 0);
  if (!clean) return [];
  return [
    ['adversarialEpsilon', fmt(adversarialEpsilon(report), 6)],
    ['adversarialFgsmTest', fmt(clean.fgsmTest, 6)],
    ['adversarialPgdTest', fmt(clean.pgdTest, 6)],
    ['adversarialRenameTest', fmt(clean.renameTest, 6)],
  ];
}

/** JUnit XML text of `report` (UTF-8, every report string escaped; characters XML cannot hold become U+FFFD). */
export function toJUnit(report: AuditReport): string {
  const summary = gateSummary(report.gates);
  const cases =
    report.gates.length > 0
      ? report.gates.map(gateCase)
      : [`    <testcase${attrs({ classname: 'memaudit.audit', name: 'audit completed (no quality gates)', time: seconds(report.timings.totalMs) })}/>`];
  const tests = Math.max(1, summary.total);
  const time = seconds(report.timings.totalMs);
  const ts = timestamp(report.createdAt);
  const properties: [string, string][] = [
    ['runId', report.runId],
    ['memauditVersion', report.tool.version],
    ['device', report.environment.device.used],
    ...SCORE_ROWS.map((row): [string, string] => [row.key, fmt(report.scores[row.key], 6)]),
    ['bestSignal', report.detection.best ?? ''],
    ...(report.detection.choice ? [['detectionChoice', detectionScoreLabel(report.detection.choice)] as [string, string]] : []),
    ['findings', String(report.findings.length)],
    ...adversarialProperties(report),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'memaudit', tests, failures: summary.failed, errors: 0, time })}>`,
    `  <testsuite${attrs({ name: 'memaudit', tests, failures: summary.failed, errors: 0, skipped: 0, time, ...(ts ? { timestamp: ts } : {}) })}>`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property${attrs({ name, value })}/>`),
    '    </properties>',
    ...cases,
    `    <system-out>${escapeXml(scoresText(report))}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
