/**
 * `memaudit merge <folders or report files…>`: the report of a sharded audit from its shards'
 * output folders (audit/merge.ts). Exit codes as `audit`: 0 every gate passed, 1 a gate failed,
 * 2 usage, mismatched or incomplete shards, or another error.
 */
import * as path from 'node:path';
import { mergeShards } from '../audit/merge';
import { DEFAULT_AUDIT_CONFIG } from '../audit/config';
import { GATE_METRICS } from '../audit/gates';
import { EngineError, ERROR_CODES } from '../errors';
import { reportJsonText } from '../report/shared/json-text';
import { renderAuditText } from '../report/shared/text';
import { choiceFlag, parseCommandArgs } from './args';
import type { CliIo } from './io';
import { gatesExit, type ExitCode } from './exit';
import { formatDuration } from './format';
import { ProgressReporter } from './progress';
import { checkReportOutputs, writeReportOutputs, REPORT_OUTPUT_FLAGS, REPORT_OUTPUT_HELP } from './report-outputs';

export const MERGE_HELP = `Usage: memaudit merge <folders or report files…> [options]

Writes the report of a sharded audit: give the --out folder of every 'memaudit audit --shard I/N'
(or its audit folder, or a file in it). The shards must be of one audit (same memaudit version,
corpus and settings, same N) and all finished; merge checks that, gathers their runs into
--out and writes the report exactly as the unsharded audit would, without training. Run it in
the working folder the shards ran in: the report reads the corpus again (through the cache).

Options:
  --out DIR                where the merged audit goes (default ${DEFAULT_AUDIT_CONFIG.outDir})
  --gate EXPR              quality gate, repeatable (default: the shards' gates)
  --format text|json       what to print on stdout (default text)
${REPORT_OUTPUT_HELP}
Gate metrics: ${Object.keys(GATE_METRICS).join(', ')}.
Exit codes: 0 all gates passed, 1 a gate failed, 2 usage error, shards of different audits
(E_SHARD_MISMATCH), a shard or run missing (E_SHARD_INCOMPLETE), or another error.
`;

export const OPTIONS = {
  out: { type: 'string' },
  gate: { type: 'string', multiple: true },
  format: { type: 'string' },
  ...REPORT_OUTPUT_FLAGS,
} as const;

export async function runMergeCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('merge', argv, OPTIONS);
  if (positionals.length === 0) {
    throw new EngineError(ERROR_CODES.USAGE, "memaudit merge needs the output folders of the shards, e.g. 'memaudit merge shard-0 shard-1 --out merged'");
  }
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  await checkReportOutputs(values, io);
  const reporter = new ProgressReporter(io, 'merge');
  const outcome = await mergeShards({
    sources: positionals,
    cwd: io.cwd,
    outDir: values.out ?? DEFAULT_AUDIT_CONFIG.outDir,
    ...(values.gate ? { gates: values.gate } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    log: (m) => io.stderr(`memaudit: ${m}\n`),
    onProgress: (p) => reporter.update({ fraction: p.fraction, text: p.message }),
  });
  reporter.done(
    `merged ${outcome.shards.length} shard(s), ${outcome.shards.reduce((n, s) => n + s.record.runs.length, 0)} run(s), in ${formatDuration(outcome.report.timings.totalMs)}: ${path.relative(io.cwd, outcome.reportFile) || outcome.reportFile}`,
  );
  await writeReportOutputs(outcome.report, values, io);
  io.stdout(format === 'json' ? reportJsonText(outcome.report) : renderAuditText(outcome.report));
  return gatesExit(outcome.report);
}
