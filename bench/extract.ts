/**
 * Extraction throughput against the raw tree-sitter parse rate on the same files.
 *
 * 1. Reads every source unit of the corpus into memory (so the parse-only pass measures parsing,
 *    not the disk) and parses each once with one parser on the main thread: the raw parse rate.
 * 2. Runs the real extraction pipeline (read, decode, parse, extract, merge) with each requested
 *    worker count.
 * Prints one JSON line per measurement. Each measurement runs in its own child process, so its
 * peak RSS (worker threads included) is its own.
 */
import { execFileSync } from 'node:child_process';
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
      phase: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new Error(`usage: npm run bench -- extract <paths…> [--workers 1,2] [--parser ${BACKEND_CHOICES.join('|')}]`);
  if (!(BACKEND_CHOICES as readonly string[]).includes(values.parser!)) throw new Error(`--parser must be one of ${BACKEND_CHOICES.join(', ')}`);
  const backend = values.parser as BackendChoice;
  if (values.phase === 'parse') return parsePhase(positionals, backend);
  if (values.phase === 'extract') return extractPhase(positionals, backend, Number(values.workers));
  const runPhase = (args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [process.argv[1]!, 'extract', ...positionals, '--parser', backend, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      }).toString(),
    ) as Record<string, number | string>;
  const parse = runPhase(['--phase', 'parse']);
  console.log(JSON.stringify(parse));
  let oneWorker: number | undefined;
  for (const w of values.workers!.split(',').map(Number)) {
    const r = runPhase(['--phase', 'extract', '--workers', String(w)]);
    const filesPerSec = r['filesPerSec'] as number;
    if (w === 1) oneWorker = filesPerSec;
    r['ratioToParseOnly'] = +(filesPerSec / (parse['filesPerSec'] as number)).toFixed(3);
    if (oneWorker && w !== 1) r['speedupOverOneWorker'] = +(filesPerSec / oneWorker).toFixed(3);
    console.log(JSON.stringify(r));
  }
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
  process.stderr.write(`bench extract: ${units.length} files, ${(totalBytes / 2 ** 20).toFixed(1)} MiB; parse only…\n`);
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
      filesPerSec: +parseFilesPerSec.toFixed(1),
      mbPerSec: +(totalBytes / 1e6 / parseSec).toFixed(2),
      peakRssMiB: peakRssMiB(),
    }),
  );
}

async function extractPhase(positionals: string[], backend: BackendChoice, w: number): Promise<void> {
  const corpus = positionals.join(',');
  process.stderr.write(`bench extract: extraction with ${w} worker(s)…\n`);
  const r = await extractCorpus({ inputs: positionals, workers: w, backend });
  const sec = r.elapsedMs / 1000;
  const filesPerSec = r.stats.parsed / sec;
  console.log(
    JSON.stringify({
        bench: 'extract',
        phase: 'extract',
        corpus,
        parser: r.parser.backend,
        workers: w,
        files: r.stats.parsed,
        methods: r.columns.count,
        mb: +(r.stats.bytes / 1e6).toFixed(2),
        seconds: +sec.toFixed(3),
        filesPerSec: +filesPerSec.toFixed(1),
        mbPerSec: +(r.stats.bytes / 1e6 / sec).toFixed(2),
        methodsPerSec: +(r.columns.count / sec).toFixed(1),
        peakRssMiB: peakRssMiB(),
      }),
  );
}
