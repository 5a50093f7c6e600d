/**
 * Extraction throughput against the raw tree-sitter parse rate on the same files.
 *
 * 1. Reads every source unit of the corpus into memory (so the parse-only pass measures parsing,
 *    not the disk) and parses each once with one parser on the main thread: the raw parse rate.
 * 2. Runs the real extraction pipeline (read, decode, parse, extract, merge) with each requested
 *    worker count.
 * 3. Runs the same pipeline with workers that parse each source and drop the tree, extracting
 *    nothing (`pipeline-parse-only`): what reading, messaging and starting workers cost, and the
 *    speed-up two workers can reach when extraction itself costs nothing.
 * Prints one JSON line per measurement: wall seconds (the rates are computed from them), the
 * process's CPU seconds (all its threads) and the 1-minute load average when it started, which
 * says how much else the machine was doing. Each measurement runs in its own child process, so
 * its peak RSS (worker threads included) is its own. With `--repeat N` every phase runs N times,
 * in rounds, and keeps its fastest run. When the parser is memaudit's flat addon, the parse rate
 * of the `tree-sitter` binding is printed too (`parse-only-reference`), for comparison: the
 * ratio is always to the parse rate of the parser that extracts.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { corpusTasks } from '../server/src/corpus/walk';
import { readTaskSource } from '../server/src/corpus/decode';
import { closeZipArchives } from '../server/src/corpus/zip';
import { DEFAULT_MAX_FILE_BYTES } from '../server/src/corpus/options';
import { BACKEND_CHOICES, createExtractor, type BackendChoice } from '../server/src/parse/extract';
import type { LanguageId } from '../server/src/parse/sample';
import { extractCorpus } from '../server/src/pipeline/extract-corpus';

function peakRssMiB(): number {
  // resourceUsage().maxRSS is in KiB on Linux.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export async function runExtractBench(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workers: { type: 'string', default: '1,2' },
      parser: { type: 'string', default: 'auto' },
      repeat: { type: 'string', default: '1' },
      phase: { type: 'string' },
    },
  });
  const usage = `usage: npm run bench -- extract <paths…> [--workers 1,2] [--parser ${BACKEND_CHOICES.join('|')}] [--repeat N]`;
  if (positionals.length === 0) throw new Error(usage);
  if (!(BACKEND_CHOICES as readonly string[]).includes(values.parser!)) throw new Error(`--parser must be one of ${BACKEND_CHOICES.join(', ')}`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be an integer ≥ 1\n${usage}`);
  const backend = values.parser as BackendChoice;
  if (values.phase === 'parse') return parsePhase(positionals, backend);
  if (values.phase === 'extract') return extractPhase(positionals, backend, Number(values.workers));
  if (values.phase === 'pipeline') return extractPhase(positionals, backend, Number(values.workers), true);
  const runPhase = (parser: string, args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [process.argv[1]!, 'extract', ...positionals, '--parser', parser, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      }).toString(),
    ) as Record<string, number | string>;
  // Rounds run every phase once, in turn, so that a busy spell of a shared machine spreads over
  // all of them; each phase keeps its fastest round (the least disturbed).
  const workerCounts = values.workers!.split(',').map(Number);
  const best = new Map<string, Record<string, number | string>>();
  const keep = (key: string, r: Record<string, number | string>) => {
    const b = best.get(key);
    if (b === undefined || (r['seconds'] as number) < (b['seconds'] as number)) best.set(key, r);
  };
  for (let round = 0; round < repeat; round++) {
    const parse = runPhase(backend, ['--phase', 'parse']);
    keep('parse', parse);
    // The parse rate of the `tree-sitter` binding, for reference, when the flat addon parses.
    if (parse['parser'] === 'native-flat') keep('parse-binding', runPhase('native', ['--phase', 'parse']));
    for (const w of workerCounts) keep(`extract-${w}`, runPhase(backend, ['--phase', 'extract', '--workers', String(w)]));
    for (const w of workerCounts) keep(`pipeline-${w}`, runPhase(backend, ['--phase', 'pipeline', '--workers', String(w)]));
  }
  const parse = best.get('parse')!;
  console.log(JSON.stringify({ ...parse, runs: repeat }));
  const binding = best.get('parse-binding');
  if (binding !== undefined) console.log(JSON.stringify({ ...binding, phase: 'parse-only-reference', runs: repeat }));
  // The extraction, then the same pipeline with workers that only parse (its speed-up bounds the
  // extraction's), each against the raw parse rate and its own one-worker run.
  for (const key of ['extract', 'pipeline']) {
    const one = best.get(`${key}-1`)?.['filesPerSec'] as number | undefined;
    for (const w of workerCounts) {
      const r = best.get(`${key}-${w}`)!;
      const filesPerSec = r['filesPerSec'] as number;
      r['ratioToParseOnly'] = +(filesPerSec / (parse['filesPerSec'] as number)).toFixed(3);
      if (one !== undefined && w !== 1) r['speedupOverOneWorker'] = +(filesPerSec / one).toFixed(3);
      console.log(JSON.stringify({ ...r, runs: repeat }));
    }
  }
}

/** CPU seconds of this process (all its threads) since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return +((d.user + d.system) / 1e6).toFixed(3);
}

async function parsePhase(positionals: string[], backend: BackendChoice): Promise<void> {
  const corpus = positionals.join(',');
  const units: { text: string; language: LanguageId; bytes: number }[] = [];
  for await (const item of corpusTasks(positionals)) {
    if (item.kind === 'skip') continue;
    if (item.kind === 'unit') {
      units.push({ text: item.unit.text, language: item.unit.language, bytes: Buffer.byteLength(item.unit.text) });
      continue;
    }
    const d = readTaskSource(item, DEFAULT_MAX_FILE_BYTES);
    if ('text' in d) units.push({ text: d.text, language: item.language, bytes: Buffer.byteLength(d.text) });
  }
  closeZipArchives();
  const totalBytes = units.reduce((a, u) => a + u.bytes, 0);
  const parser = await createExtractor({ backend });
  process.stderr.write(`bench extract: ${units.length} files, ${(totalBytes / 2 ** 20).toFixed(1)} MiB; parse only (${parser.backend})…\n`);
  const load1 = os.loadavg()[0]!;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const u of units) parser.parseOnly(u.text, u.language);
  const parseSec = (performance.now() - t0) / 1000;
  const parseFilesPerSec = units.length / parseSec;
  console.log(
    JSON.stringify({
      bench: 'extract',
      phase: 'parse-only',
      corpus,
      parser: parser.backend,
      files: units.length,
      mb: +(totalBytes / 1e6).toFixed(2),
      seconds: +parseSec.toFixed(3),
      cpuSeconds: cpuSeconds(c0),
      load1: +load1.toFixed(2),
      filesPerSec: +parseFilesPerSec.toFixed(1),
      mbPerSec: +(totalBytes / 1e6 / parseSec).toFixed(2),
      peakRssMiB: peakRssMiB(),
    }),
  );
}

async function extractPhase(positionals: string[], backend: BackendChoice, w: number, parseOnly = false): Promise<void> {
  const corpus = positionals.join(',');
  process.stderr.write(`bench extract: ${parseOnly ? 'the pipeline parsing only' : 'extraction'} with ${w} worker(s)…\n`);
  const load1 = os.loadavg()[0]!;
  const c0 = process.cpuUsage();
  const r = await extractCorpus({ inputs: positionals, workers: w, backend, parseOnly });
  const sec = r.elapsedMs / 1000;
  const filesPerSec = r.stats.parsed / sec;
  console.log(
    JSON.stringify({
        bench: 'extract',
        phase: parseOnly ? 'pipeline-parse-only' : 'extract',
        corpus,
        parser: r.parser.backend,
        workers: w,
        files: r.stats.parsed,
        methods: r.columns.count,
        mb: +(r.stats.bytes / 1e6).toFixed(2),
        seconds: +sec.toFixed(3),
        cpuSeconds: cpuSeconds(c0),
        load1: +load1.toFixed(2),
        filesPerSec: +filesPerSec.toFixed(1),
        mbPerSec: +(r.stats.bytes / 1e6 / sec).toFixed(2),
        methodsPerSec: +(r.columns.count / sec).toFixed(1),
        peakRssMiB: peakRssMiB(),
      }),
  );
}
