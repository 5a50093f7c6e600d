/**
 * The report formats, one entry each: the writer, and what the CLI (`--sarif FILE`…), a run
 * folder (`report.sarif`) and the extension's export (a save dialog) need to offer it. Every
 * writer is a pure function report → text. A new format is one more entry here.
 */
import type { AuditReport } from '../../protocol/report';
import { toHtml, type HtmlOptions } from './html';
import { reportJsonText } from './json-text';
import { toJUnit } from './junit';
import { toMarkdown, type MarkdownOptions } from './markdown';
import { toSarif, type SarifOptions } from './sarif';

/** Options of every writer together (each takes what it uses). */
export type RenderOptions = SarifOptions & MarkdownOptions & HtmlOptions;

export interface ReportFormatSpec {
  /** Short name, for buttons and titles: `SARIF`. */
  title: string;
  /** What a save dialog's file-type filter calls it. */
  kind: string;
  /** Its file name in a run folder. */
  file: string;
  /** The extension of an exported file, without the dot. */
  ext: string;
  /** The option of `memaudit audit` and `memaudit report` that writes it to a file (`--sarif FILE`), and its help. */
  option: string;
  help: string;
  render: (report: AuditReport, opts: RenderOptions) => string;
}

export const REPORT_FORMATS = {
  json: {
    title: 'JSON',
    kind: 'memaudit report (JSON)',
    file: 'report.json',
    ext: 'json',
    option: 'json',
    help: 'also write the JSON report to FILE',
    render: (report) => reportJsonText(report),
  },
  sarif: {
    title: 'SARIF',
    kind: 'SARIF log',
    file: 'report.sarif',
    ext: 'sarif',
    option: 'sarif',
    help: 'write findings as SARIF 2.1.0 (code scanning)',
    render: toSarif,
  },
  junit: {
    title: 'JUnit',
    kind: 'JUnit XML',
    file: 'report.junit.xml',
    ext: 'xml',
    option: 'junit',
    help: 'write the gates as JUnit XML (one test case per gate)',
    render: (report) => toJUnit(report),
  },
  md: {
    title: 'Markdown',
    kind: 'Markdown summary',
    file: 'report.md',
    ext: 'md',
    option: 'markdown',
    help: 'write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)',
    render: toMarkdown,
  },
  html: {
    title: 'HTML',
    kind: 'HTML report',
    file: 'report.html',
    ext: 'html',
    option: 'html',
    help: 'write a standalone HTML report',
    render: toHtml,
  },
} as const satisfies Record<string, ReportFormatSpec>;

/** A report format, by its key in `REPORT_FORMATS`. */
export type ReportFormat = keyof typeof REPORT_FORMATS;

/** The formats, in the order of the table. */
export const REPORT_FORMAT_NAMES = Object.keys(REPORT_FORMATS) as ReportFormat[];

/** The text of `report` in `format`. */
export function renderReport(report: AuditReport, format: ReportFormat, opts: RenderOptions = {}): string {
  return (REPORT_FORMATS[format] as ReportFormatSpec).render(report, opts);
}
