/**
 * The audit report: its types and schema, validation, and the writers (JSON, SARIF, JUnit,
 * Markdown, HTML, signal exports). Every writer is a pure function report → string; files are
 * written with `writeFileAtomic`. Field-by-field documentation: REPORT.md.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { toHtml } from './shared/html';
import { toJUnit } from './shared/junit';
import { toMarkdown, type MarkdownOptions } from './shared/markdown';
import { toSarif, type SarifOptions } from './shared/sarif';
import { assertValidReport } from './schema';
import { reportJsonText } from './shared/json-text';
import type { AuditReport } from './types';

export * from './types';
export { assertValidReport, formatErrors, parseReport, REPORT_SCHEMA_FILE, reportSchema, validateReport, type ReportValidation, type SchemaError } from './schema';
export { buildSarif, FINGERPRINT_KEY, RULE_LIKELY_MEMORIZED, SARIF_SCHEMA_URI, toSarif, type SarifLog, type SarifOptions } from './shared/sarif';
export { toJUnit } from './shared/junit';
export { appendGithubSummary, githubBlobBase, MARKDOWN_TOP_FINDINGS, toMarkdown, type MarkdownOptions } from './shared/markdown';
export { renderReportBody, REPORT_CSS, REPORT_SCRIPT, reportCsp, toHtml, type HtmlOptions } from './shared/html';
export { csvField, signalsToCsv, signalsToJsonl, type Cell } from './csv';
export { writeFileAtomic } from '../util/atomic';
export type { LocateOptions } from './shared/paths';

/** `report.json` text: two-space indented (arrays of numbers on one line), newline-terminated. */
export function toJson(report: AuditReport): string {
  return reportJsonText(report);
}

/** Formats a report can be written in, with the file name each gets in a run folder. */
export const REPORT_FILES = {
  json: 'report.json',
  sarif: 'report.sarif',
  junit: 'report.junit.xml',
  md: 'report.md',
  html: 'report.html',
} as const;

/** A report format (`--format` of `memaudit report`). */
export type ReportFormat = keyof typeof REPORT_FILES;

/** Options of every writer together (each takes what it uses). */
export type RenderOptions = SarifOptions & MarkdownOptions;

/** The text of `report` in `format`. */
export function renderReport(report: AuditReport, format: ReportFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return toJson(report);
    case 'sarif':
      return toSarif(report, opts);
    case 'junit':
      return toJUnit(report);
    case 'md':
      return toMarkdown(report, opts);
    case 'html':
      return toHtml(report, opts);
  }
}

/**
 * Validates `report` (an invalid one is a bug: `E_INTERNAL`) and writes it into `dir` in each of
 * `formats`, atomically, under the names of `REPORT_FILES`. Returns the paths written, by format.
 */
export async function writeReportFiles(
  dir: string,
  report: AuditReport,
  formats: readonly ReportFormat[] = Object.keys(REPORT_FILES) as ReportFormat[],
  opts: RenderOptions = {},
): Promise<Partial<Record<ReportFormat, string>>> {
  assertValidReport(report);
  const written: Partial<Record<ReportFormat, string>> = {};
  for (const format of formats) {
    const file = path.join(dir, REPORT_FILES[format]);
    await writeFileAtomic(file, renderReport(report, format, opts));
    written[format] = file;
  }
  return written;
}
