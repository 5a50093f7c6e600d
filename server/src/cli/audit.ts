/**
 * `memaudit audit [paths…]`: the randomization test on the user's code, with quality gates.
 * Exit 0 when every gate passes, 1 when one fails, 2 on usage, configuration or internal errors.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findConfigFile, MAX_BATCH_SIZE, MAX_EPOCHS, MAX_MEM_FOLDS, parseNoiseSpec, parseSweepFlags, planSize, readConfigFile, resolveAuditConfig, type NoisePlanItem } from '../audit/config';
import type { AuditConfig } from '../audit/config';
import { runAudit, runShard, type AuditOptions } from '../audit/run-audit';
import type { JobsSetting } from '../audit/scheduler';
import { parseShard, type ShardSpec } from '../audit/shard';
import { REPORT_FORMAT_NAMES, REPORT_FORMATS } from '../report/shared/formats';
import type { AuditConfigInput, AuditProgress } from '../protocol';
import { GATE_METRICS } from '../audit/gates';
import { EngineError, ERROR_CODES, isEngineError } from '../errors';
import { reportJsonText } from '../report/shared/json-text';
import { renderAuditText } from '../report/shared/text';
import { choiceFlag, intFlag, intListFlag, labelsFlag, numberFlag, parseCommandArgs, sizeFlag } from './args';
import type { CliIo } from './io';
import { EXIT, gatesExit, type ExitCode } from './exit';
import { ProgressReporter } from './progress';
import { formatDuration } from './format';
import { checkReportOutputs, writeReportOutputs, REPORT_OUTPUT_FLAGS, REPORT_OUTPUT_HELP, type ReportOutputValues } from './report-outputs';

export const AUDIT_HELP = `Usage: memaudit audit [paths…] [options]

Runs the randomization test on the code in the given folders, files, JSONL files or zip
archives (default: the current folder): trains the model on clean and on noise-corrupted
training data, records every sample's training dynamics, and reports how much the model
generalizes (G), how much it memorizes (M), which signal finds memorized samples best, and
the methods of your code it likely memorized.

Options:
  --config FILE            settings file (JSON or YAML; default memaudit.config.json/.yaml if present)
  --preset quick|standard|thorough   grid and training length (default quick)
  --model bag|code2vec|transformer   model to train (default bag); several, comma-separated
                           (e.g. --model bag,code2vec,transformer): one audit per model, in order,
                           each resumable on its own, and a report with the models side by side
  --noise KIND:LEVELS      noise plan item, repeatable, levels in percent
                           (e.g. --noise y-shuffle:0,25,50,75,100 --noise x-leak-name:25)
  --sweep NAME=V1,V2,…     mitigation explorer, repeatable: one audit per combination, and a report
                           comparing noise fit and test F1 with a recommendation. Names: weightDecay,
                           dropout, earlyStopping (patience), mixup (α on the code vectors), distill
                           (weight of the clean run's soft labels in the noisy runs' loss); 0 = off,
                           e.g. --sweep dropout=0,0.25,0.5 --sweep weightDecay=0,0.0001
  --early-stopping N       stop a run after N evaluations without a better validation F1 (0 = off, default)
  --seeds 0,1,2            seeds (one run per kind × level × seed)
  --epochs N               training epochs per run
  --batch-size N           training batch size
  --lr X                   learning rate (Adam)
  --max-train N            train on at most N methods (0 = all)
  --mem-folds K            folds of the cross-fitted memorization score (K extra runs; 0 = off; default 2)
  --labels full|top:K      task: full method naming (default), or only methods whose name is among
                           the K most frequent training names, K classes (e.g. top:10)
  --device auto|cpu|webgpu|cuda|dml|coreml   where to train (default auto: a GPU if usable, else CPU)
  --lang java|python|ruby  parse every input as this language
  --max-file-size SIZE     skip files larger than SIZE (default 1M)
  --out DIR                where runs and the cache go (default .memaudit)
  --jobs N|auto            runs trained side by side on this machine (default auto: one per core,
                           at most 8); the results are the same for any N
  --shard I/N              train only shard I (0 ≤ I < N) of the runs, for one of N machines or
                           processes (each with its own --out); then 'memaudit merge' writes the report
  --gate EXPR              quality gate, repeatable, e.g. --gate 'gap<=0.3' --gate 'M<0.5'
  --format text|json       what to print on stdout (default text)
${REPORT_OUTPUT_HELP}
Gate metrics: ${Object.keys(GATE_METRICS).join(', ')}.
Exit codes: 0 all gates passed, 1 a gate failed, 2 usage, configuration or internal error, or
cancelled (Ctrl-C or SIGTERM once: the finished runs and the last checkpoint are kept; twice
quits at once, 130 / 143).
An interrupted audit resumes where it stopped when the same command is run again (with several
models or a sweep, every finished model or setting is reused as it is); a damaged
checkpoint or run file is reported and that run trained again. One audit at a time runs in an
audit folder: a second one with the same settings exits with 2, naming the first one's pid.
A shard writes its runs and a record of its share (shard-I-of-N.json) in the audit folder, and
no report; the same command resumes a shard that stopped.
`;

export const OPTIONS = {
  config: { type: 'string' },
  preset: { type: 'string' },
  model: { type: 'string' },
  noise: { type: 'string', multiple: true },
  sweep: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'max-train': { type: 'string' },
  'mem-folds': { type: 'string' },
  'early-stopping': { type: 'string' },
  labels: { type: 'string' },
  device: { type: 'string' },
  lang: { type: 'string' },
  'max-file-size': { type: 'string' },
  out: { type: 'string' },
  gate: { type: 'string', multiple: true },
  format: { type: 'string' },
  jobs: { type: 'string' },
  shard: { type: 'string' },
  ...REPORT_OUTPUT_FLAGS,
} as const;

/** The most runs side by side `--jobs` accepts. */
const MAX_JOBS = 256;

/** `--jobs N|auto`. */
export function jobsFlag(value: string | undefined): JobsSetting {
  if (value === undefined || value === 'auto') return 'auto';
  return intFlag('jobs', value, 1, MAX_JOBS)!;
}

/** `--noise KIND:LEVELS`, its errors naming the flag and the value (as a usage error). */
function noiseFlag(spec: string): NoisePlanItem {
  try {
    return parseNoiseSpec(spec, '--noise');
  } catch (e) {
    if (isEngineError(e) && e.code === ERROR_CODES.CONFIG) {
      throw new EngineError(ERROR_CODES.USAGE, `--noise '${spec}' is not accepted: ${e.message.replace(/^--noise[^:]*: /, '').replace(`cannot read '${spec}': `, '')}`, { flag: '--noise', value: spec });
    }
    throw e;
  }
}

/** `--sweep NAME=V1,V2,…` (repeatable), its errors usage errors naming the flag. */
function sweepFlags(specs: string[]): Record<string, number[]> {
  try {
    return parseSweepFlags(specs);
  } catch (e) {
    if (isEngineError(e) && e.code === ERROR_CODES.CONFIG) throw new EngineError(ERROR_CODES.USAGE, e.message, { flag: '--sweep', value: specs.join(' ') });
    throw e;
  }
}

export async function runAuditCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('audit', argv, OPTIONS);
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const lr = numberFlag('lr', values.lr, '0.01');
  const flags: AuditConfigInput = {
    ...(positionals.length ? { inputs: positionals } : {}),
    ...(values.preset !== undefined ? { preset: values.preset } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.noise ? { noise: values.noise.map(noiseFlag) } : {}),
    ...(values.sweep ? { sweep: sweepFlags(values.sweep) } : {}),
    ...(values.seeds !== undefined ? { seeds: intListFlag('seeds', values.seeds, '0,1,2')! } : {}),
    ...(values.epochs !== undefined ? { epochs: intFlag('epochs', values.epochs, 1, MAX_EPOCHS)! } : {}),
    ...(values['batch-size'] !== undefined ? { batchSize: intFlag('batch-size', values['batch-size'], 1, MAX_BATCH_SIZE)! } : {}),
    ...(lr !== undefined ? { learningRate: lr } : {}),
    ...(values['max-train'] !== undefined ? { maxTrainSamples: intFlag('max-train', values['max-train'], 0)! } : {}),
    ...(values['mem-folds'] !== undefined ? { memFolds: intFlag('mem-folds', values['mem-folds'], 0, MAX_MEM_FOLDS)! } : {}),
    ...(values.labels !== undefined ? { labels: labelsFlag('labels', values.labels)! } : {}),
    ...(values['early-stopping'] !== undefined ? { earlyStopping: intFlag('early-stopping', values['early-stopping'], 0, MAX_EPOCHS)! } : {}),
    ...(values.device !== undefined ? { device: values.device } : {}),
    ...(values.lang !== undefined ? { language: values.lang } : {}),
    ...(values['max-file-size'] !== undefined ? { maxFileBytes: sizeFlag('max-file-size', values['max-file-size'])! } : {}),
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(values.gate ? { gates: values.gate } : {}),
  };
  const configFile = values.config ? path.resolve(io.cwd, values.config) : findConfigFile(io.cwd);
  const fileLayer = configFile ? readConfigFile(configFile) : {};
  const config = resolveAuditConfig(fileLayer, flags);
  const jobs = jobsFlag(values.jobs);
  if (values.shard !== undefined) return runShardCommand(config, parseShard(values.shard), { jobs, format, values, configFile }, io);

  io.stderr(
    `audit: ${modelsText(config)}, ${planSize(config)} run(s) of ${config.epochs} epochs` +
      `${configFile ? `, settings from ${path.relative(io.cwd, configFile) || configFile}` : ''}\n`,
  );
  // Report paths that cannot be written fail now, before the training (the output folder is
  // checked by the audit itself).
  await checkReportOutputs(values, io);
  const reporter = new ProgressReporter(io, 'audit');
  const start = performance.now();
  const outcome = await runAudit(auditOptions(config, jobs, reporter, io)).catch(diskFullHint);
  // With several models the report's timings are the first model's audit; say the whole.
  const totalMs = config.models || config.sweep ? performance.now() - start : outcome.report.timings.totalMs;
  reporter.done(
    `done in ${formatDuration(totalMs)}${outcome.reusedRuns ? ` (${outcome.reusedRuns} run(s) reused from an interrupted audit)` : ''}: ${path.relative(io.cwd, outcome.reportFile) || outcome.reportFile}`,
  );
  await writeReportOutputs(outcome.report, values, io);
  if (format === 'json') io.stdout(reportJsonText(outcome.report));
  else io.stdout(renderAuditText(outcome.report));
  return gatesExit(outcome.report);
}

/** `bag (names)`, or with several models `bag (names), code2vec (small)`. */
function modelsText(c: AuditConfig): string {
  const models = c.models ?? [c.model];
  return models.map((m, i) => `${m} (${c.modelPresets?.[i] ?? c.modelPreset})`).join(', ');
}

function auditOptions(config: AuditConfig, jobs: JobsSetting, reporter: ProgressReporter, io: CliIo): AuditOptions {
  return {
    config,
    cwd: io.cwd,
    jobs,
    ...(io.signal ? { signal: io.signal } : {}),
    log: (m) => io.stderr(`memaudit: ${m}\n`),
    onProgress: (p) => reporter.update(progressLine(p)),
  };
}

/**
 * A disk that filled up in the middle loses nothing: every file is replaced atomically, so the
 * finished runs and the last checkpoint are whole; the message says to run the command again.
 */
function diskFullHint(e: unknown): never {
  if (isEngineError(e) && e.code === ERROR_CODES.WRITE_FAILED && ['ENOSPC', 'EDQUOT'].includes(String(e.details?.['errno']))) {
    throw new EngineError(e.code, `${e.message}; then run the same command again: it continues from the last finished run or checkpoint`, { ...e.details }, { cause: e.cause });
  }
  throw e;
}

/**
 * `audit --shard I/N`: trains the shard's runs and writes no report (so no report files and no
 * gates here: they go to `memaudit merge`). Prints what to run next.
 */
async function runShardCommand(config: AuditConfig, spec: ShardSpec, o: { jobs: JobsSetting; format: 'text' | 'json'; values: ReportOutputValues; configFile: string | undefined }, io: CliIo): Promise<ExitCode> {
  const outputs = REPORT_FORMAT_NAMES.map((f) => REPORT_FORMATS[f].option).filter((opt) => o.values[opt] !== undefined);
  if (outputs.length > 0) {
    throw new EngineError(ERROR_CODES.USAGE, `a shard writes no report: pass ${outputs.map((x) => `--${x}`).join(', ')} to 'memaudit merge', which writes the report from every shard`, { flag: `--${outputs[0]}` });
  }
  io.stderr(`audit shard ${spec.index}/${spec.count}: ${config.model} (${config.modelPreset}), its share of ${planSize(config)} run(s) of ${config.epochs} epochs${o.configFile ? `, settings from ${path.relative(io.cwd, o.configFile) || o.configFile}` : ''}\n`);
  const reporter = new ProgressReporter(io, `shard ${spec.index}/${spec.count}`);
  const outcome = await runShard(auditOptions(config, o.jobs, reporter, io), spec).catch(diskFullHint);
  const where = path.relative(io.cwd, outcome.runDir) || outcome.runDir;
  reporter.done(`done: ${outcome.runs.length} of ${outcome.planRuns} run(s)${outcome.reusedRuns ? ` (${outcome.reusedRuns} reused)` : ''} in ${where}`);
  if (o.format === 'json') {
    io.stdout(`${JSON.stringify({ shard: spec.index, of: spec.count, auditId: outcome.auditId, auditDir: outcome.runDir, shardFile: outcome.shardFile, runs: outcome.runs, reusedRuns: outcome.reusedRuns }, null, 2)}\n`);
  } else {
    io.stdout(
      `shard ${spec.index}/${spec.count} of audit ${outcome.auditId}: ${outcome.runs.length} run(s) (${outcome.runs.join(', ') || 'none'}) in ${where}\n` +
        `When all ${spec.count} shards are done, write the report from their output folders (in the same working folder as the corpus):\n` +
        `  memaudit merge <the --out folder of each shard…> --out DIR\n`,
    );
  }
  return EXIT.OK;
}

function progressLine(p: AuditProgress): { fraction: number; text: string } {
  const parts = [p.message];
  if (p.samplesPerSec) parts.push(`${Math.round(p.samplesPerSec)} samples/s`);
  if (p.etaSec !== undefined) parts.push(`ETA ${formatDuration(p.etaSec * 1000)}`);
  return { fraction: p.fraction, text: parts.join(', ') };
}
