/**
 * The report files a command can write besides report.json (shared by `audit` and `report`):
 * one `--<option> FILE` per format of `REPORT_FORMATS` (SARIF for code scanning, JUnit for test
 * dashboards, Markdown for job summaries, HTML to read, and the JSON again).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPORT_FORMAT_NAMES, REPORT_FORMATS, renderReport, type RenderOptions, type ReportFormat } from '../report/shared/formats';
import { appendGithubSummary, githubBlobBase } from '../report/shared/markdown';
import type { AuditReport } from '../protocol/report';
import { writeFileAtomic } from '../util/atomic';
import { checkWritableFile } from '../util/fs-errors';
import type { CliIo } from './io';

/** The option that writes a format (`sarif`, `markdown`…). */
type OutputOption = (typeof REPORT_FORMATS)[ReportFormat]['option'];

export const REPORT_OUTPUT_FLAGS = Object.fromEntries(REPORT_FORMAT_NAMES.map((f) => [REPORT_FORMATS[f].option, { type: 'string' }])) as Record<OutputOption, { type: 'string' }>;

export const REPORT_OUTPUT_HELP = REPORT_FORMAT_NAMES.map((f) => `  ${`--${REPORT_FORMATS[f].option} FILE`.padEnd(25)}${REPORT_FORMATS[f].help}`).join('\n');

export type ReportOutputValues = Partial<Record<OutputOption, string | undefined>>;

/**
 * Fails with `E_WRITE_FAILED` (path, cause, fix) unless every requested output can be written:
 * `audit` checks this before it trains, so that a report path in a read-only place does not cost
 * the audit.
 */
export async function checkReportOutputs(values: ReportOutputValues, io: CliIo): Promise<void> {
  for (const format of REPORT_FORMAT_NAMES) {
    const option = REPORT_FORMATS[format].option;
    const flag = values[option];
    if (flag) await checkWritableFile(path.resolve(io.cwd, flag), `choose another path for --${option}`);
  }
}

/**
 * Writes the requested outputs (paths relative to the working folder). The Markdown summary is
 * also appended to `$GITHUB_STEP_SUMMARY` when that is set (GitHub Actions job summaries), with
 * links to the findings when the repository is known from the environment.
 */
export async function writeReportOutputs(report: AuditReport, values: ReportOutputValues, io: CliIo): Promise<string[]> {
  const written: string[] = [];
  for (const format of REPORT_FORMAT_NAMES) {
    const flag = values[REPORT_FORMATS[format].option];
    if (!flag) continue;
    const file = path.resolve(io.cwd, flag);
    await writeFileAtomic(file, renderReport(report, format, renderOptions(format, io)));
    written.push(file);
  }
  if (io.env['GITHUB_STEP_SUMMARY']) await appendGithubSummary(renderReport(report, 'md', renderOptions('md', io)), io.env);
  return written;
}

/**
 * What a format's writer is told about where it runs: SARIF paths are repository-relative, and
 * in GitHub Actions the Markdown links point at the commit's files.
 */
function renderOptions(format: ReportFormat, io: CliIo): RenderOptions {
  if (format === 'sarif') return { cwd: io.cwd, repoRoot: gitRoot(io.cwd) ?? io.cwd };
  const linkBase = format === 'md' ? githubBlobBase(io.env) : undefined;
  return linkBase ? { linkBase } : {};
}

/** The repository root above `dir` (the folder holding `.git`), so SARIF paths are repository-relative. */
export function gitRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}
