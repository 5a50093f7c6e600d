/**
 * `memaudit extract <paths…>`: parse the corpus, build the dataset (split, dedup, vocabularies)
 * and print a summary. Progress goes to stderr, the summary to stdout.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { isLanguageId, LANGUAGE_IDS } from '../parse/sample';
import { BACKEND_CHOICES } from '../parse/extract';
import * as path from 'node:path';
import type { DatasetReport } from '../dataset/build';
import { loadOrBuildDataset, type DatasetStage } from '../pipeline/dataset-stage';
import { extractCorpus, type CorpusExtraction, type ExtractionProgress } from '../pipeline/extract-corpus';
import { choiceFlag, intFlag, parseCommandArgs, sizeFlag } from './args';
import { checkWritableFolder } from '../util/fs-errors';
import type { CliIo } from './io';
import { EXIT, type ExitCode } from './exit';
import { ProgressReporter } from './progress';
import { fmtPercent } from '../report/shared/format';
import { formatBytes, formatCount, formatDuration } from './format';
import { inertField } from '../report/shared/terminal';

export const EXTRACT_HELP = `Usage: memaudit extract [paths…] [options]

Parses every Java, Python and Ruby method in the given folders, files, CodeSearchNet-style
JSONL files (.jsonl, .jsonl.gz) and zip archives (default: the current folder), builds the
dataset (split by file or repository, duplicates and leakage removed, vocabularies) and prints
a summary. Progress goes to stderr.

Options:
  --lang java|python|ruby     parse every input as this language; skip other languages
  --out DIR                   folder of the extracted corpus and dataset files, the cache
                              (default: .memaudit/cache in the current folder)
  --format text|json          summary format (default text)
  --max-file-size SIZE        skip files larger than SIZE (default 1M)
  --workers N                 worker threads (default: number of cores, at most 8; never
                              more than the number of cores)
  --parser auto|native-flat|native|wasm
                              tree-sitter backend (default auto: native-flat, memaudit's
                              own addon, else the native binding, else wasm)
  --jsonl-errors skip|stop    malformed JSONL lines: report and skip (default), or stop
  --constructors              also extract Java constructors
  --seed N                    seed of the split (default 0)
  --no-gitignore              do not apply .gitignore files
  --no-cache                  neither read nor write the cache (everything is parsed)
`;

export const OPTIONS = {
  lang: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  'max-file-size': { type: 'string' },
  workers: { type: 'string' },
  parser: { type: 'string' },
  'jsonl-errors': { type: 'string' },
  constructors: { type: 'boolean' },
  seed: { type: 'string' },
  'no-gitignore': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
} as const;

export async function runExtractCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('extract', argv, OPTIONS);
  const lang = values.lang;
  if (lang !== undefined && !isLanguageId(lang)) {
    throw new EngineError(ERROR_CODES.USAGE, `--lang must be one of ${LANGUAGE_IDS.join(', ')} (got '${lang}')`);
  }
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const maxFileBytes = sizeFlag('max-file-size', values['max-file-size']);
  const workers = intFlag('workers', values.workers);
  const backend = choiceFlag('parser', values.parser, BACKEND_CHOICES);
  const jsonlErrors = choiceFlag('jsonl-errors', values['jsonl-errors'], ['skip', 'stop'] as const);
  const inputs = positionals.length > 0 ? positionals : ['.'];
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const cacheDir = path.resolve(io.cwd, values.out ?? path.join('.memaudit', 'cache'));
  const log = (m: string) => io.stderr(`memaudit: ${m}\n`);

  // An output folder asked for that cannot be written is an error, not a cache warning.
  if (values.out !== undefined && !values['no-cache']) await checkWritableFolder(cacheDir, 'choose another folder with --out, or pass --no-cache');
  const reporter = new ProgressReporter(io, 'extract');
  const result = await extractCorpus({
    inputs,
    cwd: io.cwd,
    corpus: {
      ...(lang ? { forceLanguage: lang } : {}),
      ...(maxFileBytes ? { maxFileBytes } : {}),
      ...(jsonlErrors ? { jsonlErrors } : {}),
      ...(values['no-gitignore'] ? { respectGitignore: false } : {}),
    },
    settings: { includeConstructors: values.constructors ?? false },
    ...(workers ? { workers } : {}),
    ...(backend ? { backend } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(values['no-cache'] ? {} : { cacheDir }),
    log,
    onProgress: (p) => reporter.update(progressLine(p)),
  });
  reporter.done(
    result.cache.use === 'hit'
      ? `${formatCount(result.columns.count)} methods loaded from the cache in ${formatDuration(result.elapsedMs)}`
      : `${formatCount(result.stats.parsed)} files parsed, ${formatCount(result.columns.count)} methods in ${formatDuration(result.elapsedMs)}`,
  );
  const dataset = await loadOrBuildDataset(result, { seed }, values['no-cache'] ? undefined : cacheDir, log);
  const summary = extractionSummary(result, dataset);
  if (format === 'json') io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  else io.stdout(renderSummaryText(summary));
  return EXIT.OK;
}

function progressLine(p: ExtractionProgress): { fraction?: number; text: string } {
  const rate = p.elapsedMs > 0 ? (p.bytes / (p.elapsedMs / 1000)) : 0;
  const text = `${formatCount(p.done)}${p.walkDone ? `/${formatCount(p.found)}` : ''} files, ${formatCount(p.samples)} methods, ${formatBytes(rate)}/s`;
  return p.walkDone && p.found > 0 ? { fraction: p.done / p.found, text } : { text };
}

/** The machine-readable summary (`--format json`); the text summary renders the same object. */
export interface ExtractSummary {
  files: { seen: number; parsed: number; withSyntaxErrors: number; skipped: Record<string, number>; skipExamples: { path: string; reason: string; detail?: string }[] };
  samples: { total: number; byLanguage: Record<string, number>; droppedWithSyntaxErrors: number; droppedWithoutBody: number };
  parser: { backend: string; fallbackReason?: string; fromCache?: boolean };
  workers: number;
  bytes: number;
  elapsedMs: number;
  cache: { corpus: string; dataset: string; file?: string; reusedSources: number; parsedSources: number };
  dataset: DatasetReport;
}

export function extractionSummary(r: CorpusExtraction, d: DatasetStage): ExtractSummary {
  return {
    files: {
      seen: r.stats.seen,
      parsed: r.stats.parsed,
      withSyntaxErrors: r.stats.withSyntaxErrors,
      skipped: r.stats.skipped,
      skipExamples: r.stats.skipExamples,
    },
    samples: {
      total: r.columns.count,
      byLanguage: r.stats.samplesByLanguage,
      droppedWithSyntaxErrors: r.stats.methodsWithErrors,
      droppedWithoutBody: r.stats.bodiless,
    },
    parser: r.parser,
    workers: r.workers,
    bytes: r.stats.bytes,
    elapsedMs: Math.round(r.elapsedMs),
    cache: {
      corpus: r.cache.use,
      dataset: d.cache,
      ...(r.cache.file ? { file: r.cache.file } : {}),
      reusedSources: r.cache.reusedSources,
      parsedSources: r.cache.parsedSources,
    },
    dataset: d.dataset.report,
  };
}

export function renderSummaryText(s: ExtractSummary): string {
  const lines: string[] = [];
  const skipped = Object.entries(s.files.skipped);
  lines.push(
    `files     ${formatCount(s.files.seen)} seen, ${formatCount(s.files.parsed)} parsed (${formatBytes(s.bytes)}), ${formatCount(s.files.withSyntaxErrors)} with syntax errors`,
  );
  lines.push(`skipped   ${skipped.length === 0 ? 'none' : skipped.map(([r, n]) => `${formatCount(n)} ${r}`).join(', ')}`);
  const byLang = Object.entries(s.samples.byLanguage)
    .map(([l, n]) => `${l} ${formatCount(n)}`)
    .join(', ');
  lines.push(`methods   ${formatCount(s.samples.total)} (${byLang})`);
  lines.push(
    `dropped   ${formatCount(s.samples.droppedWithSyntaxErrors)} with syntax errors, ${formatCount(s.samples.droppedWithoutBody)} without a body`,
  );
  lines.push(
    s.parser.fromCache
      ? `parser    none: loaded from the cache in ${formatDuration(s.elapsedMs)}`
      : `parser    tree-sitter ${s.parser.backend}${s.parser.fallbackReason ? ` (fallback: ${s.parser.fallbackReason})` : ''}, ${s.workers} worker${s.workers === 1 ? '' : 's'}, ${formatDuration(s.elapsedMs)}`,
  );
  const d = s.dataset;
  lines.push(
    `split     train ${formatCount(d.kept.train)} / val ${formatCount(d.kept.val)} / test ${formatCount(d.kept.test)} (${d.split.reason}; seed ${d.split.seed})`,
  );
  const dup = d.duplicates;
  lines.push(
    `dedup     ${formatCount(dup.withinTrain + dup.withinVal + dup.withinTest)} exact duplicates removed; leakage ${formatCount(dup.valFromTrain + dup.testFromTrain + dup.testFromVal)} removed from val/test (${formatCount(dup.valFromTrain)} val, ${formatCount(dup.testFromTrain + dup.testFromVal)} test)`,
  );
  lines.push(
    'skipped' in d.nearDuplicates
      ? 'near-dups not searched'
      : `near-dups ${formatCount(d.nearDuplicates.pairs)} pairs with Jaccard ≥ ${d.nearDuplicates.params.threshold} (counted, not removed)${d.nearDuplicates.truncated ? ' — search truncated, a lower bound' : ''}`,
  );
  const cov = d.vocab.labels.coverage;
  lines.push(
    `vocab     tokens ${formatCount(d.vocab.tokens.size)}, paths ${formatCount(d.vocab.paths.size)}, labels ${formatCount(d.vocab.labels.size)}; label coverage train ${fmtPercent(cov.train)}, val ${fmtPercent(cov.val)}, test ${fmtPercent(cov.test)}`,
  );
  lines.push(
    `cache     corpus ${s.cache.corpus}${s.cache.corpus === 'partial' ? ` (${formatCount(s.cache.reusedSources)} sources reused, ${formatCount(s.cache.parsedSources)} parsed)` : ''}, dataset ${s.cache.dataset}${s.cache.file ? ` — ${path.dirname(s.cache.file)}` : ''}`,
  );
  for (const w of d.warnings) lines.push(`warning   ${w}`);
  const problems = s.files.skipExamples.filter((e) => e.reason !== 'ignored' && e.reason !== 'excluded-dir' && e.reason !== 'unsupported-language');
  if (problems.length > 0) {
    lines.push('examples of skipped inputs:');
    for (const e of problems.slice(0, 10)) lines.push(`  ${inertField(e.path)}: ${e.reason}${e.detail ? ` (${inertField(e.detail)})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
