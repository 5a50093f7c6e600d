/**
 * Not a test: a manual measurement of extraction throughput against the raw parse rate, on one
 * thread, on a folder of sources (default: the Python standard library).
 *
 *   node dist/test/unit/parse/measure-throughput.js [dir] [--backend auto|native-flat|native|wasm] [--limit N] [--rounds R]
 *
 * Reads every file first (so the disk is not measured), then alternates parse-only and extract
 * passes over the same texts, R rounds each, and prints one JSON line with the best time of each
 * (the minimum is the least disturbed by other processes) and their ratio. Times are CPU times
 * of this process (user + system), which a shared, busy machine distorts less than wall time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createExtractor, DEFAULT_EXTRACT_SETTINGS, type BackendChoice } from '../../../server/src/parse/extract';
import { languageForPath } from '../../../server/src/parse/languages';
import type { LanguageId } from '../../../server/src/parse/sample';

function files(dir: string, out: string[]): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'site-packages' && e.name !== 'dist-packages' && e.name !== '__pycache__') files(p, out);
    } else if (e.isFile() && languageForPath(p)) {
      out.push(p);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const backend = (opt('--backend') ?? 'auto') as BackendChoice;
  const limit = Number(opt('--limit') ?? Infinity);
  const rounds = Number(opt('--rounds') ?? 3);
  const dir = args[0] ?? '/usr/lib/python3.11';
  const units: { text: string; language: LanguageId; file: string }[] = files(dir, [])
    .sort()
    .slice(0, limit)
    .map((f) => ({ text: fs.readFileSync(f, 'utf8'), language: languageForPath(f)!, file: path.relative(dir, f) }));
  const chars = units.reduce((a, u) => a + u.text.length, 0);
  const ex = await createExtractor({ backend });
  let parseMs = Infinity;
  let extractMs = Infinity;
  let samples = 0;
  let contexts = 0;
  const cpuMs = (since: NodeJS.CpuUsage): number => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / 1000;
  };
  for (let r = 0; r < rounds; r++) {
    let t0 = process.cpuUsage();
    for (const u of units) ex.parseOnly(u.text, u.language);
    parseMs = Math.min(parseMs, cpuMs(t0));
    t0 = process.cpuUsage();
    samples = 0;
    contexts = 0;
    for (const u of units) {
      const res = ex.extract({ origin: { file: u.file, root: 0 }, language: u.language, text: u.text }, DEFAULT_EXTRACT_SETTINGS);
      samples += res.samples.length;
      for (const s of res.samples) contexts += s.contexts.length / 3;
    }
    extractMs = Math.min(extractMs, cpuMs(t0));
  }
  console.log(
    JSON.stringify({
      dir,
      backend: ex.backend,
      files: units.length,
      mchars: +(chars / 1e6).toFixed(2),
      samples,
      contexts,
      parseOnlyMs: Math.round(parseMs),
      extractMs: Math.round(extractMs),
      parseFilesPerSec: Math.round(units.length / (parseMs / 1000)),
      extractFilesPerSec: Math.round(units.length / (extractMs / 1000)),
      ratio: +(parseMs / extractMs).toFixed(3),
      tokens: ex.tables.tokens.size,
      paths: ex.tables.paths.size,
    }),
  );
}

void main();
