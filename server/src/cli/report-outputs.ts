/**
 * The report files a command can write besides report.json (shared by `audit` and `report`):
 * SARIF for code scanning, JUnit for test dashboards, Markdown for job summaries, HTML to read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendGithubSummary, githubBlobBase, toHtml, toJUnit, toMarkdown, toSarif } from '../report';
import { reportJsonText } from '../report/shared/json-text';
import type { AuditReport } from '../report/types';
import { writeFileAtomic } from '../util/atomic';
import type { CliIo } from './io';

export const REPORT_OUTPUT_FLAGS = {
  sarif: { type: 'string' },
  junit: { type: 'string' },
  html: { type: 'string' },
  markdown: { type: 'string' },
  json: { type: 'string' },
} as const;

export const REPORT_OUTPUT_HELP = `  --json FILE              also write the JSON report to FILE
  --sarif FILE             write findings as SARIF 2.1.0 (code scanning)
  --junit FILE             write the gates as JUnit XML (one test case per gate)
  --markdown FILE          write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)
  --html FILE              write a standalone HTML report`;

export interface ReportOutputValues {
  sarif?: string | undefined;
  junit?: string | undefined;
  html?: string | undefined;
  markdown?: string | undefined;
  json?: string | undefined;
}

/**
 * Writes the requested outputs (paths relative to the working folder). The Markdown summary is
 * also appended to `$GITHUB_STEP_SUMMARY` when that is set (GitHub Actions job summaries), with
 * links to the findings when the repository is known from the environment.
 */
export async function writeReportOutputs(report: AuditReport, values: ReportOutputValues, io: CliIo): Promise<string[]> {
  const written: string[] = [];
  const out = async (flag: string | undefined, render: () => string) => {
    if (!flag) return;
    const file = path.resolve(io.cwd, flag);
    await writeFileAtomic(file, render());
    written.push(file);
  };
  await out(values.json, () => reportJsonText(report));
  await out(values.sarif, () => toSarif(report, { cwd: io.cwd, repoRoot: gitRoot(io.cwd) ?? io.cwd }));
  await out(values.junit, () => toJUnit(report));
  await out(values.html, () => toHtml(report));
  const linkBase = githubBlobBase(io.env);
  const markdown = () => toMarkdown(report, linkBase ? { linkBase } : {});
  await out(values.markdown, markdown);
  if (io.env['GITHUB_STEP_SUMMARY']) await appendGithubSummary(markdown(), io.env);
  return written;
}

/** The repository root above `dir` (the folder holding `.git`), so SARIF paths are repository-relative. */
export function gitRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}
