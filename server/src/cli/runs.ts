/**
 * `memaudit runs`: lists the audits under the output folder (finished or interrupted), and
 * `memaudit report RUN`: prints or re-renders a finished audit's report.
 */
import * as path from 'node:path';
import { RunsStore } from '../audit/runs-store';
import type { RunListing } from '../protocol';
import { EngineError, ERROR_CODES } from '../errors';
import { reportJsonText } from '../report/shared/json-text';
import { renderAuditText } from '../report/shared/text';
import { choiceFlag, parseCommandArgs } from './args';
import type { CliIo } from './io';
import { EXIT, gatesExit, type ExitCode } from './exit';
import { checkReportOutputs, REPORT_OUTPUT_FLAGS, REPORT_OUTPUT_HELP, writeReportOutputs } from './report-outputs';

export const RUNS_HELP = `Usage: memaudit runs [--out DIR] [--config FILE] [--format text|json]

Lists the audits found in DIR/runs (default: the config file's outDir, else .memaudit): finished
ones with their scores, running ones (a live memaudit holds the folder's lock) and interrupted
ones with the runs done so far (rerun the same audit command to resume them).
`;

export const REPORT_HELP = `Usage: memaudit report RUN [--out DIR] [--config FILE] [--format text|json] [outputs…]

Prints a finished audit's report again (RUN is the id shown by 'memaudit runs', or a unique
prefix of it, or 'latest') and writes the requested report files from it.

Options:
  --out DIR                where runs are (default: the config file's outDir, else .memaudit)
  --config FILE            settings file whose outDir to use (default memaudit.config.json/.yaml if present)
  --format text|json       what to print on stdout (default text)
${REPORT_OUTPUT_HELP}
`;

/** The runs of the working folder: `--out`, else the config file's `outDir`, else the default. */
function storeOf(io: CliIo, values: { out?: string; config?: string }): RunsStore {
  return RunsStore.of(io.cwd, values.out, values.config === undefined ? undefined : path.resolve(io.cwd, values.config));
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

/** A listed score, marked `*` when it rests on too little data (the reason is in `memaudit report ID`). */
function cell(r: RunListing, key: 'G' | 'M' | 'gap'): string {
  const status = r.scoreStatus?.[key];
  return `${f3(r.scores?.[key])}${r.scores?.[key] !== null && status && !status.ok ? '*' : ''}`;
}

export const RUNS_OPTIONS = { out: { type: 'string' }, config: { type: 'string' }, format: { type: 'string' } } as const;
export const REPORT_OPTIONS = { ...RUNS_OPTIONS, ...REPORT_OUTPUT_FLAGS } as const;

export async function runRunsCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('runs', argv, RUNS_OPTIONS);
  if (positionals.length) throw new EngineError(ERROR_CODES.USAGE, `memaudit runs takes no arguments (got ${positionals.join(' ')})`);
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const store = storeOf(io, values);
  const runs = store.list();
  if (format === 'json') {
    io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.OK;
  }
  if (runs.length === 0) {
    io.stdout(`no audits in ${store.runsDir}; run 'memaudit audit' first\n`);
    return EXIT.OK;
  }
  io.stdout('id            state        finished          model        G      M      gap    gates\n');
  for (const r of runs) {
    const state = r.runningPid !== undefined ? 'running' : r.state;
    io.stdout(
      `${r.id.padEnd(13)} ${state.padEnd(12)} ${(r.createdAt?.slice(0, 16).replace('T', ' ') ?? `${r.runsDone} run(s) done`).padEnd(17)} ${(r.model ?? '').padEnd(12)} ${cell(r, 'G').padEnd(6)} ${cell(r, 'M').padEnd(6)} ${cell(r, 'gap').padEnd(6)} ${r.gatesPassed === undefined ? '' : r.gatesPassed ? 'pass' : 'FAIL'}\n`,
    );
  }
  if (runs.some((r) => (['G', 'M', 'gap'] as const).some((k) => cell(r, k).endsWith('*')))) {
    io.stdout("* rests on too little data to mean much; 'memaudit report ID' says why\n");
  }
  return EXIT.OK;
}

export async function runReportCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('report', argv, REPORT_OPTIONS);
  if (positionals.length !== 1) throw new EngineError(ERROR_CODES.USAGE, "memaudit report takes one audit id (or 'latest'); 'memaudit runs' lists them");
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const store = storeOf(io, values);
  const report = store.readReport(store.find(positionals[0]!));
  // Every output path is checked before any is written: a bad path leaves no half-written set.
  await checkReportOutputs(values, io);
  await writeReportOutputs(report, values, io);
  io.stdout(format === 'json' ? reportJsonText(report) : renderAuditText(report));
  return gatesExit(report);
}
