/**
 * Benchmarks. Each prints one JSON object per line on stdout (progress on stderr), so results
 * can be collected by scripts and compared across machines. Never used as test assertions.
 *
 *   npm run bench -- extract <paths…> [--workers 1,2] [--parser auto|native-flat|native|wasm] [--repeat N]
 *   npm run bench -- train [--model bag|code2vec|transformer|all] [--device cpu|webgpu|auto]
 *   npm run bench -- audit [paths…] [--methods 3000] [--epochs 20] [--model bag]
 *   npm run bench -- startup [--repeat 9]
 *   npm run bench -- audit-jobs <corpus dir…> [--jobs N|auto] [--preset quick] [--epochs N]
 *   npm run bench -- crosscheck <paths…> [--noise y-shuffle:25] [--epochs N] [--max-train N] [--lr X] [--batch-size N] [--model-preset …]
 */
import { runAuditBench } from './audit';
import { runAuditJobsBench } from './audit-jobs';
import { runCrosscheckBench } from './crosscheck';
import { runExtractBench } from './extract';
import { runStartupBench } from './startup';
import { runTrainBench } from './train';

/** A bench resolves to its exit code, or to nothing for 0. */
const BENCHES: Record<string, (argv: string[]) => Promise<number | void>> = {
  extract: runExtractBench,
  train: runTrainBench,
  audit: runAuditBench,
  'audit-jobs': runAuditJobsBench,
  crosscheck: runCrosscheckBench,
  startup: runStartupBench,
};

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const bench = name ? BENCHES[name] : undefined;
  if (!bench) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [args…]\n`);
    return 2;
  }
  return (await bench(rest)) ?? 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
