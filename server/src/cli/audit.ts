/**
 * `memaudit audit [paths…]`: the randomization test on the user's code, with quality gates.
 * Exit 0 when every gate passes, 1 when one fails, 2 on usage, configuration or internal errors.
 */
import * as path from 'node:path';
import { findConfigFile, MAX_BATCH_SIZE, MAX_EPOCHS, MAX_MEM_FOLDS, parseNoiseSpec, planSize, readConfigFile, resolveAuditConfig, type NoisePlanItem } from '../audit/config';
import { runAudit } from '../audit/run-audit';
import type { AuditConfigInput, AuditProgress } from '../protocol';
import { GATE_METRICS } from '../audit/gates';
import { EngineError, ERROR_CODES, isEngineError } from '../errors';
import { reportJsonText } from '../report/shared/json-text';
import { renderAuditText } from '../report/shared/text';
import { choiceFlag, intFlag, intListFlag, numberFlag, parseCommandArgs, sizeFlag } from './args';
import type { CliIo } from './io';
import { gatesExit, type ExitCode } from './exit';
import { ProgressReporter } from './progress';
import { formatDuration } from './format';
import { checkReportOutputs, writeReportOutputs, REPORT_OUTPUT_FLAGS, REPORT_OUTPUT_HELP } from './report-outputs';

export const AUDIT_HELP = `Usage: memaudit audit [paths…] [options]

Runs the randomization test on the code in the given folders, files, JSONL files or zip
archives (default: the current folder): trains the model on clean and on noise-corrupted
training data, records every sample's training dynamics, and reports how much the model
generalizes (G), how much it memorizes (M), which signal finds memorized samples best, and
the methods of your code it likely memorized.

Options:
  --config FILE            settings file (JSON or YAML; default memaudit.config.json/.yaml if present)
  --preset quick|standard|thorough   grid and training length (default quick)
  --model bag|code2vec|transformer   model to train (default bag)
  --noise KIND:LEVELS      noise plan item, repeatable, levels in percent
                           (e.g. --noise y-shuffle:0,25,50,75,100 --noise x-leak-name:25)
  --seeds 0,1,2            seeds (one run per kind × level × seed)
  --epochs N               training epochs per run
  --batch-size N           training batch size
  --lr X                   learning rate (Adam)
  --max-train N            train on at most N methods (0 = all)
  --mem-folds K            folds of the cross-fitted memorization score (K extra runs; 0 = off; default 2)
  --device auto|cpu|webgpu|cuda|dml|coreml   where to train (default auto: a GPU if usable, else CPU)
  --lang java|python|ruby  parse every input as this language
  --max-file-size SIZE     skip files larger than SIZE (default 1M)
  --out DIR                where runs and the cache go (default .memaudit)
  --gate EXPR              quality gate, repeatable, e.g. --gate 'gap<=0.3' --gate 'M<0.5'
  --format text|json       what to print on stdout (default text)
${REPORT_OUTPUT_HELP}
Gate metrics: ${Object.keys(GATE_METRICS).join(', ')}.
Exit codes: 0 all gates passed, 1 a gate failed, 2 usage, configuration or internal error.
An interrupted audit resumes where it stopped when the same command is run again; a damaged
checkpoint or run file is reported and that run trained again. One audit at a time runs in an
audit folder: a second one with the same settings exits with 2, naming the first one's pid.
`;

export const OPTIONS = {
  config: { type: 'string' },
  preset: { type: 'string' },
  model: { type: 'string' },
  noise: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'max-train': { type: 'string' },
  'mem-folds': { type: 'string' },
  device: { type: 'string' },
  lang: { type: 'string' },
  'max-file-size': { type: 'string' },
  out: { type: 'string' },
  gate: { type: 'string', multiple: true },
  format: { type: 'string' },
  ...REPORT_OUTPUT_FLAGS,
} as const;

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

export async function runAuditCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('audit', argv, OPTIONS);
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const lr = numberFlag('lr', values.lr, '0.01');
  const flags: AuditConfigInput = {
    ...(positionals.length ? { inputs: positionals } : {}),
    ...(values.preset !== undefined ? { preset: values.preset } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.noise ? { noise: values.noise.map(noiseFlag) } : {}),
    ...(values.seeds !== undefined ? { seeds: intListFlag('seeds', values.seeds, '0,1,2')! } : {}),
    ...(values.epochs !== undefined ? { epochs: intFlag('epochs', values.epochs, 1, MAX_EPOCHS)! } : {}),
    ...(values['batch-size'] !== undefined ? { batchSize: intFlag('batch-size', values['batch-size'], 1, MAX_BATCH_SIZE)! } : {}),
    ...(lr !== undefined ? { learningRate: lr } : {}),
    ...(values['max-train'] !== undefined ? { maxTrainSamples: intFlag('max-train', values['max-train'], 0)! } : {}),
    ...(values['mem-folds'] !== undefined ? { memFolds: intFlag('mem-folds', values['mem-folds'], 0, MAX_MEM_FOLDS)! } : {}),
    ...(values.device !== undefined ? { device: values.device } : {}),
    ...(values.lang !== undefined ? { language: values.lang } : {}),
    ...(values['max-file-size'] !== undefined ? { maxFileBytes: sizeFlag('max-file-size', values['max-file-size'])! } : {}),
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(values.gate ? { gates: values.gate } : {}),
  };
  const configFile = values.config ? path.resolve(io.cwd, values.config) : findConfigFile(io.cwd);
  const fileLayer = configFile ? readConfigFile(configFile) : {};
  const config = resolveAuditConfig(fileLayer, flags);

  io.stderr(
    `audit: ${config.model} (${config.modelPreset}), ${planSize(config)} run(s) of ${config.epochs} epochs` +
      `${configFile ? `, settings from ${path.relative(io.cwd, configFile) || configFile}` : ''}\n`,
  );
  // Report paths that cannot be written fail now, before the training (the output folder is
  // checked by the audit itself).
  await checkReportOutputs(values, io);
  const reporter = new ProgressReporter(io, 'audit');
  const outcome = await runAudit({
    config,
    cwd: io.cwd,
    ...(io.signal ? { signal: io.signal } : {}),
    log: (m) => io.stderr(`memaudit: ${m}\n`),
    onProgress: (p) => reporter.update(progressLine(p)),
  }).catch((e: unknown) => {
    // A disk that filled up in the middle loses nothing: every file is replaced
    // atomically, so the finished runs and the last checkpoint are whole.
    if (isEngineError(e) && e.code === ERROR_CODES.WRITE_FAILED && ['ENOSPC', 'EDQUOT'].includes(String(e.details?.['errno']))) {
      throw new EngineError(e.code, `${e.message}; then run the same command again: it continues from the last finished run or checkpoint`, { ...e.details }, { cause: e.cause });
    }
    throw e;
  });
  reporter.done(
    `done in ${formatDuration(outcome.report.timings.totalMs)}${outcome.reusedRuns ? ` (${outcome.reusedRuns} run(s) reused from an interrupted audit)` : ''}: ${path.relative(io.cwd, outcome.reportFile) || outcome.reportFile}`,
  );
  await writeReportOutputs(outcome.report, values, io);
  if (format === 'json') io.stdout(reportJsonText(outcome.report));
  else io.stdout(renderAuditText(outcome.report));
  return gatesExit(outcome.report);
}

function progressLine(p: AuditProgress): { fraction: number; text: string } {
  const parts = [p.message];
  if (p.samplesPerSec) parts.push(`${Math.round(p.samplesPerSec)} samples/s`);
  if (p.etaSec !== undefined) parts.push(`ETA ${formatDuration(p.etaSec * 1000)}`);
  return { fraction: p.fraction, text: parts.join(', ') };
}
