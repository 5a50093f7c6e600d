/**
 * `memaudit generate --out DIR`: writes a synthetic corpus of Java, Python and Ruby files whose
 * method names follow from their bodies (see `synth/`), for trying memaudit without code of
 * one's own and for tests. The summary goes to stdout.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import { isLanguageId, LANGUAGE_IDS, type LanguageId } from '../parse/sample';
import { generateCorpus, MANIFEST_FILE, summarizeCorpus, writeCorpus, type CorpusSummary, type ResolvedGenerateOptions } from '../synth';
import { choiceFlag, intFlag, parseCommandArgs } from './args';
import { fmtPercent } from '../report/shared/format';
import { formatCount } from './format';
import { checkWritableFolder, isFsError, writeError } from '../util/fs-errors';
import type { CliIo } from './io';
import { EXIT, type ExitCode } from './exit';

export const GENERATE_HELP = `Usage: memaudit generate --out DIR [options]

Writes a synthetic corpus of Java, Python and Ruby source files whose method names can be
predicted from their bodies (getters, predicates, loops, I/O wrappers, validation…), plus a
manifest (${MANIFEST_FILE}) listing every method. The same seed and options always give the
same files, byte for byte.

Options:
  --out DIR                   folder to write to (created if missing; must be empty)
  --methods N                 number of methods, split across the languages (default 3000, at most 1000000)
  --seed N                    seed (default 0)
  --lang LIST                 comma-separated languages: java,python,ruby (default all three)
  --ambiguity P               share of methods whose body fits two names, 0 to 1 (default 0.05)
  --domains N                 business domains the names come from, 1 to 12 (default: by size)
  --force                     write into a non-empty folder (files of the same names are replaced)
  --format text|json          summary format (default text)
`;

export const OPTIONS = {
  out: { type: 'string' },
  methods: { type: 'string' },
  seed: { type: 'string' },
  lang: { type: 'string' },
  ambiguity: { type: 'string' },
  domains: { type: 'string' },
  force: { type: 'boolean' },
  format: { type: 'string' },
} as const;

/** The most methods `generate` writes (the corpus is built in memory before it is written). */
const MAX_GENERATED_METHODS = 1_000_000;

function usage(message: string): EngineError {
  return new EngineError(ERROR_CODES.USAGE, `${message}\nRun 'memaudit generate --help' for the options.`);
}

function parseLanguages(value: string | undefined): LanguageId[] | undefined {
  if (value === undefined) return undefined;
  const out: LanguageId[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!isLanguageId(part)) throw usage(`--lang: unknown language '${part}'; use a comma-separated list of ${LANGUAGE_IDS.join(', ')}`);
    if (!out.includes(part)) out.push(part);
  }
  if (out.length === 0) throw usage(`--lang needs at least one of ${LANGUAGE_IDS.join(', ')}`);
  return out;
}

function parseAmbiguity(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const p = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(p) || p < 0 || p > 1) throw usage(`--ambiguity '${value}' is not accepted: write a decimal number from 0 to 1 (e.g. --ambiguity 0.05)`);
  return p;
}

/** Refuses a path that is a file, or a folder with entries unless `force`. */
async function checkTarget(dir: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw usage(`--out ${dir} exists and is not a folder`);
    entries = await fs.readdir(dir);
  } catch (e) {
    // Missing (created later), or under a file (checkWritableFolder says so).
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw e;
  }
  if (entries.length > 0 && !force) {
    throw usage(`--out ${dir} is not empty (${formatCount(entries.length)} entr${entries.length === 1 ? 'y' : 'ies'}); choose an empty or new folder, or pass --force to write into it anyway`);
  }
}

/** The machine-readable summary (`--format json`). */
export interface GenerateSummary {
  out: string;
  options: ResolvedGenerateOptions;
  summary: CorpusSummary;
}

export async function runGenerateCommand(argv: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('generate', argv, OPTIONS);
  if (positionals.length > 0) throw usage(`unexpected argument '${positionals[0]}' (the folder goes after --out)`);
  if (values.out === undefined || values.out.trim() === '') throw usage('--out DIR is required');
  const format = choiceFlag('format', values.format, ['text', 'json'] as const) ?? 'text';
  const methods = intFlag('methods', values.methods, 1, MAX_GENERATED_METHODS) ?? 3000;
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const languages = parseLanguages(values.lang);
  const ambiguity = parseAmbiguity(values.ambiguity);
  const domains = intFlag('domains', values.domains);
  if (domains !== undefined && domains > 12) throw usage(`--domains must be an integer from 1 to 12 (got '${values.domains}')`);
  const out = path.resolve(io.cwd, values.out);
  await checkTarget(out, values.force ?? false);
  await checkWritableFolder(out, 'choose another folder with --out');

  const corpus = generateCorpus({
    seed,
    methods,
    ...(languages ? { languages } : {}),
    ...(ambiguity !== undefined ? { ambiguity } : {}),
    ...(domains !== undefined ? { domains } : {}),
  });
  try {
    await writeCorpus(out, corpus);
  } catch (e) {
    throw writeError(isFsError(e) && e.path ? e.path : out, e, 'choose another folder with --out');
  }
  const result: GenerateSummary = { out, options: corpus.options, summary: summarizeCorpus(corpus) };
  io.stdout(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderGenerateText(result));
  return EXIT.OK;
}

export function renderGenerateText(r: GenerateSummary): string {
  const s = r.summary;
  const lines = [`wrote ${formatCount(s.files)} files with ${formatCount(s.methods)} methods to ${r.out} (seed ${r.options.seed})`];
  for (const l of r.options.languages) {
    const b = s.byLanguage[l]!;
    lines.push(`  ${l.padEnd(7)} ${formatCount(b.methods)} methods in ${formatCount(b.files)} files, ${formatCount(b.names)} distinct names`);
  }
  lines.push(`ambiguous ${formatCount(s.ambiguous)} (${fmtPercent(s.methods > 0 ? s.ambiguous / s.methods : 0)})`);
  const families = Object.entries(s.families).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  lines.push(`families  ${families.map(([f, n]) => `${f} ${formatCount(n)}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
