/**
 * `npm run test:vscode`: the VS Code suite in a real VS Code (see runner.ts for where VS Code comes
 * from, and when the suite is skipped).
 */
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { REPO_ROOT, runVsCodeSuite } from './runner';

runVsCodeSuite({
  env: process.env,
  // An idle timeout, so that a network that swallows the request does not hang the run.
  download: (version) => downloadAndUnzipVSCode({ version, cachePath: path.join(REPO_ROOT, '.vscode-test'), timeout: 30_000 }),
  runTests,
  log: (line) => console.log(line),
  error: (line) => console.error(line),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`test:vscode: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  },
);
