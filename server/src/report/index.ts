/**
 * The audit report: its types and schema, validation, and the writers (JSON, SARIF, JUnit,
 * Markdown, HTML, text, signal exports). The writers and their table of formats are in shared/,
 * which the extension bundles too; files are written with `writeFileAtomic`. Field-by-field
 * documentation: REPORT.md.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { assertValidReport } from './schema';
import { REPORT_FORMAT_NAMES, REPORT_FORMATS, renderReport, type RenderOptions, type ReportFormat } from './shared/formats';
import { reportJsonText } from './shared/json-text';
import type { AuditReport } from '../protocol/report';

export * from '../protocol/report';
export { assertValidReport, formatErrors, parseReport, REPORT_SCHEMA_FILE, reportSchema, validateReport, type ReportValidation, type SchemaError } from './schema';
export { REPORT_FORMAT_NAMES, REPORT_FORMATS, renderReport, type RenderOptions, type ReportFormat, type ReportFormatSpec } from './shared/formats';
export { buildSarif, FINGERPRINT_KEY, RULE_LIKELY_MEMORIZED, SARIF_SCHEMA_URI, toSarif, type SarifLog, type SarifOptions } from './shared/sarif';
export { toJUnit } from './shared/junit';
export { appendGithubSummary, githubBlobBase, MARKDOWN_TOP_FINDINGS, toMarkdown, type MarkdownOptions } from './shared/markdown';
export { renderReportBody, REPORT_CSS, REPORT_SCRIPT, reportCsp, toHtml, type HtmlOptions } from './shared/html';
export { renderAuditText } from './shared/text';
export { csvField, signalsToCsv, signalsToJsonl, type Cell } from './csv';
export { writeFileAtomic } from '../util/atomic';
export type { LocateOptions } from './shared/paths';

/** `report.json` text: two-space indented (arrays of numbers on one line), newline-terminated. */
export function toJson(report: AuditReport): string {
  return reportJsonText(report);
}

/**
 * Validates `report` (an invalid one is a bug: `E_INTERNAL`) and writes it into `dir` in each of
 * `formats`, atomically, under the file names of `REPORT_FORMATS`. Returns the paths written, by format.
 */
export async function writeReportFiles(
  dir: string,
  report: AuditReport,
  formats: readonly ReportFormat[] = REPORT_FORMAT_NAMES,
  opts: RenderOptions = {},
): Promise<Partial<Record<ReportFormat, string>>> {
  assertValidReport(report);
  const written: Partial<Record<ReportFormat, string>> = {};
  for (const format of formats) {
    const file = path.join(dir, REPORT_FORMATS[format].file);
    await writeFileAtomic(file, renderReport(report, format, opts));
    written[format] = file;
  }
  return written;
}
