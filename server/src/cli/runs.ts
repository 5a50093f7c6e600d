/**
 * `memaudit runs`: lists the audits under the output folder (finished or interrupted), and
 * `memaudit report RUN`: prints or re-renders a finished audit's report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import { reportJsonText } from '../report/shared/json-text';
import { renderAuditText } from '../report/shared/text';
import type { AuditReport } from '../report/types';
import { readJsonIfValid } from '../util/atomic';
import { choiceFlag, parseCommandArgs } from './args';
import type { CliIo } from './io';
import { REPORT_OUTPUT_FLAGS, REPORT_OUTPUT_HELP, writeReportOutputs } from './report-outputs';

export const RUNS_HELP = `Usage: memaudit runs [--out DIR] [--format text|json]

Lists the audits found in DIR/runs (default .memaudit/runs): finished ones with their scores,
interrupted ones with the runs done so far (rerun the same audit command to resume them).
`;

export const REPORT_HELP = `Usage: memaudit report RUN [--out DIR] [--format text|json] [outputs…]

Prints a finished audit's report again (RUN is the id shown by 'memaudit runs', or a unique
prefix of it, or 'latest') and writes the requested report files from it.

Options:
  --out DIR                where runs are (default .memaudit)
  --format text|json       what to print on stdout (default text)
${REPORT_OUTPUT_HELP}
`;

/** One audit of a runs folder (`memaudit runs`, and the engine's `runs/list`). */
export interface RunListing {
  /** The run id (folder name under `<outDir>/runs/`). */
  id: string;
  dir: string;
  state: 'finished' | 'interrupted';
  /** Training runs of the grid finished so far. */
  runsDone: number;
  /** ISO time the audit finished (finished runs). */
  createdAt?: string;
  model?: string;
  scores?: AuditReport['scores'];
  gatesPassed?: boolean;
}

function runsDir(io: CliIo, out: string | undefined): string {
  return path.resolve(io.cwd, out ?? '.memaudit', 'runs');
}

export function listRuns(dir: string): RunListing[] {
  if (!fs.existsSync(dir)) return [];
  const out: RunListing[] = [];
  for (const id of fs.readdirSync(dir).sort()) {
    const runDir = path.join(dir, id);
    if (!fs.statSync(runDir).isDirectory()) continue;
    const report = readJsonIfValid<AuditReport>(path.join(runDir, 'report.json'));
    const runsDone = fs.readdirSync(runDir).filter((d) => fs.existsSync(path.join(runDir, d, 'result.json'))).length;
    if (report && report.schemaVersion) {
      out.push({
        id,
        dir: runDir,
        state: 'finished',
        runsDone,
        createdAt: report.createdAt,
        model: report.config.model,
        scores: report.scores,
        gatesPassed: report.gates.every((g) => g.passed),
      });
    } else {
      out.push({ id, dir: runDir, state: 'interrupted', runsDone });
    }
  }
  // Newest first.
  return out.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

export async function runRunsCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('runs', argv, { out: { type: 'string' }, format: { type: 'string' } } as const);
  if (positionals.length) throw new EngineError(ERROR_CODES.USAGE, `memaudit runs takes no arguments (got ${positionals.join(' ')})`);
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const runs = listRuns(runsDir(io, values.out));
  if (format === 'json') {
    io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    io.stdout(`no audits in ${runsDir(io, values.out)}; run 'memaudit audit' first\n`);
    return 0;
  }
  io.stdout('id            state        finished          model        G      M      gap    gates\n');
  for (const r of runs) {
    io.stdout(
      `${r.id.padEnd(13)} ${r.state.padEnd(12)} ${(r.createdAt?.slice(0, 16).replace('T', ' ') ?? `${r.runsDone} run(s) done`).padEnd(17)} ${(r.model ?? '').padEnd(12)} ${f3(r.scores?.G).padEnd(6)} ${f3(r.scores?.M).padEnd(6)} ${f3(r.scores?.gap).padEnd(6)} ${r.gatesPassed === undefined ? '' : r.gatesPassed ? 'pass' : 'FAIL'}\n`,
    );
  }
  return 0;
}

/** Finds a run by id, unique prefix, or 'latest'. */
export function findRun(dir: string, ref: string): RunListing {
  const finished = listRuns(dir).filter((r) => r.state === 'finished');
  if (ref === 'latest') {
    if (!finished[0]) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no finished audit in ${dir}; run 'memaudit audit' first`);
    return finished[0];
  }
  const matches = finished.filter((r) => r.id.startsWith(ref));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `no finished audit '${ref}' in ${dir}; 'memaudit runs' lists them`);
  }
  throw new EngineError(ERROR_CODES.USAGE, `'${ref}' matches several audits (${matches.map((m) => m.id).join(', ')}); give more of the id`);
}

export async function runReportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('report', argv, { out: { type: 'string' }, format: { type: 'string' }, ...REPORT_OUTPUT_FLAGS } as const);
  if (positionals.length !== 1) throw new EngineError(ERROR_CODES.USAGE, "memaudit report takes one audit id (or 'latest'); 'memaudit runs' lists them");
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const run = findRun(runsDir(io, values.out), positionals[0]!);
  const report = readJsonIfValid<AuditReport>(path.join(run.dir, 'report.json'))!;
  await writeReportOutputs(report, values, io);
  io.stdout(format === 'json' ? reportJsonText(report) : renderAuditText(report));
  return report.gates.every((g) => g.passed) ? 0 : 1;
}
