/**
 * Runs the VS Code suite (test/vscode/suite) in a real VS Code through @vscode/test-electron.
 * Which VS Code:
 *
 * - `MEMAUDIT_VSCODE_EXECUTABLE`: the path of a VS Code executable (e.g. `/usr/share/code/code`,
 *   `…/Visual Studio Code.app/Contents/MacOS/Electron`, `…\Code.exe`); nothing is downloaded;
 * - otherwise a download of `MEMAUDIT_VSCODE_VERSION` (default `stable`) into `.vscode-test/`
 *   (needs the network). When that fails (offline, or only the npm registry reachable), the suite
 *   is skipped: the runner says why and exits with 0.
 *
 * The extension under test is the repository (package.json, dist/ from `npm run build`), or the
 * unpacked `.vsix` named by `MEMAUDIT_VSCODE_VSIX`. The workspace is a generated fixture: a small
 * corpus and folder settings that keep the audit short (2 runs × 2 epochs on the CPU). On Linux
 * without a display, run under `xvfb-run -a`.
 *
 * This module has no side effects; run.ts is the entry, and the unit tests call `runVsCodeSuite`
 * with stand-ins for the download and the launch.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unpackVsix } from '../helpers/packager';
import { generateCorpus, writeCorpus } from '../../server/src/synth';

/** The repository root (this file runs from dist/test/vscode/). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** What @vscode/test-electron's runTests receives (the subset used here). */
export interface LaunchOptions {
  vscodeExecutablePath: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  launchArgs: string[];
  extensionTestsEnv: Record<string, string | undefined>;
}

export interface RunnerDeps {
  env: NodeJS.ProcessEnv;
  /** Downloads VS Code; resolves with its executable. */
  download(version: string): Promise<string>;
  /** Starts VS Code on the suite; resolves with its exit code, rejects when the tests failed. */
  runTests(options: LaunchOptions): Promise<number>;
  log(line: string): void;
  error(line: string): void;
}

/** Folder settings of the fixture: the preset's grid is replaced by a small one (settings win over presets). */
export const FIXTURE_SETTINGS = {
  'memaudit.inputs': ['corpus'],
  'memaudit.noise': ['y-shuffle:0,50'],
  'memaudit.epochs': 2,
  'memaudit.device': 'cpu',
  'memaudit.useConfigFile': false,
};

/** Number of methods in the fixture corpus. */
export const FIXTURE_METHODS = 600;

/** Writes the fixture workspace (corpus + .vscode/settings.json) under `dir`. */
export async function writeFixture(dir: string): Promise<void> {
  await writeCorpus(path.join(dir, 'corpus'), generateCorpus({ seed: 11, methods: FIXTURE_METHODS }));
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), `${JSON.stringify(FIXTURE_SETTINGS, null, 2)}\n`);
}


/** Runs the suite; resolves with the process exit code (0 also when skipped). */
export async function runVsCodeSuite(deps: RunnerDeps): Promise<number> {
  const { env, log, error } = deps;
  const given = env['MEMAUDIT_VSCODE_EXECUTABLE'];
  let executable: string;
  if (given) {
    if (!fs.existsSync(given)) {
      error(`test:vscode: MEMAUDIT_VSCODE_EXECUTABLE is ${given}, which does not exist; set it to a VS Code executable, or unset it to download VS Code.`);
      return 1;
    }
    executable = given;
  } else {
    const version = env['MEMAUDIT_VSCODE_VERSION'] || 'stable';
    try {
      executable = await deps.download(version);
    } catch (e) {
      log(
        `test:vscode: SKIPPED, no VS Code to run the suite in: MEMAUDIT_VSCODE_EXECUTABLE is not set and downloading VS Code ${version} failed (${(e as Error).message}). ` +
          'Set MEMAUDIT_VSCODE_EXECUTABLE to a VS Code executable to run the suite offline.',
      );
      return 0;
    }
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-vscode-'));
  try {
    const workspace = path.join(work, 'workspace');
    await writeFixture(workspace);
    const vsix = env['MEMAUDIT_VSCODE_VSIX'];
    const extensionDevelopmentPath = vsix ? unpackVsix(path.resolve(vsix), path.join(work, 'vsix')) : REPO_ROOT;
    if (!fs.existsSync(path.join(extensionDevelopmentPath, 'dist', 'extension', 'extension.js'))) {
      error(`test:vscode: ${path.join(extensionDevelopmentPath, 'dist', 'extension', 'extension.js')} is missing; run npm run build first.`);
      return 1;
    }
    log(`test:vscode: ${executable} on ${vsix ? `the unpacked ${vsix}` : 'the repository'}, workspace ${workspace}`);
    try {
      await deps.runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath,
        extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
        // Other extensions stay off; runTests adds --disable-workspace-trust (audits need trust),
        // --no-sandbox and a fresh user data and extensions folder.
        launchArgs: [workspace, '--disable-extensions'],
        extensionTestsEnv: { MEMAUDIT_VSCODE_FIXTURE: workspace, MEMAUDIT_VSCODE_FIXTURE_METHODS: String(FIXTURE_METHODS) },
      });
      log('test:vscode: passed');
      return 0;
    } catch (e) {
      error(`test:vscode: FAILED: ${(e as Error).message}`);
      return 1;
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
