/**
 * Start-up of the engine from tsc's per-file output (dist/server/src, ~180 modules) and from the
 * esbuild bundle (dist/engine, what the CLI and the extension run), measured alternately in one
 * process so both see the same machine load:
 *
 * - `cli`: wall time of `node <bin.js> --version`, to exit;
 * - `engine`: wall time from spawning `<main.js> --stdio` to its answer to the first request
 *   (the extension's initialize handshake, EngineClient.start).
 *
 * Prints one JSON line with the medians (ms) and the ratio tsc / bundle.
 *
 *   npm run bench -- startup [--repeat 9]
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EngineClient } from '../extension/src/client';

const DIST = path.resolve(__dirname, '..');
const LAYOUTS = {
  tsc: { bin: path.join(DIST, 'server', 'src', 'bin.js'), main: path.join(DIST, 'server', 'src', 'main.js') },
  bundle: { bin: path.join(DIST, 'engine', 'bin.js'), main: path.join(DIST, 'engine', 'main.js') },
};
type Layout = keyof typeof LAYOUTS;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function cliMs(bin: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${bin} --version: exit ${r.status}\n${r.stderr}`);
  return ms;
}

async function engineMs(main: string): Promise<number> {
  const client = new EngineClient({ serverModule: main, nodePath: process.execPath, clientName: 'startup bench', cwd: os.tmpdir(), host: { log: () => undefined, crashed: () => undefined } });
  const t0 = performance.now();
  try {
    await client.start();
    return performance.now() - t0;
  } finally {
    await client.stop();
  }
}

function summary(samples: Record<Layout, number[]>): { tscMs: number; bundleMs: number; ratio: number } {
  const tscMs = median(samples.tsc);
  const bundleMs = median(samples.bundle);
  return { tscMs: Math.round(tscMs * 10) / 10, bundleMs: Math.round(bundleMs * 10) / 10, ratio: Math.round((tscMs / bundleMs) * 100) / 100 };
}

export async function runStartupBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { repeat: { type: 'string', default: '9' } } });
  const repeat = Math.max(1, Number(values.repeat));
  const cli: Record<Layout, number[]> = { tsc: [], bundle: [] };
  const engine: Record<Layout, number[]> = { tsc: [], bundle: [] };
  // One warm-up of each (the file cache), then alternate so that drift in load hits both alike.
  for (const l of Object.keys(LAYOUTS) as Layout[]) cliMs(LAYOUTS[l].bin);
  for (let i = 0; i < repeat; i++) {
    for (const l of (i % 2 ? ['bundle', 'tsc'] : ['tsc', 'bundle']) as Layout[]) {
      cli[l].push(cliMs(LAYOUTS[l].bin));
      engine[l].push(await engineMs(LAYOUTS[l].main));
    }
  }
  console.log(JSON.stringify({ bench: 'startup', repeat, node: process.version, cpus: os.cpus().length, cliVersion: summary(cli), engineFirstRpc: summary(engine) }));
  return 0;
}
