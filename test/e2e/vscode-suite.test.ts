/**
 * The @vscode/test-electron suite (test/vscode/suite) needs a VS Code desktop, which cannot be
 * downloaded here; code-server is VS Code with the same extension host. This test runs the
 * suite's cases there: the packaged extension is installed, plus a one-file host extension that
 * activates on startup, sets the suite's environment (MEMAUDIT_VSCODE_FIXTURE…), calls the suite
 * with a log function and writes each line to a file, which the test reads until the suite ends.
 * The fixture workspace is the runner's own (test/vscode/runner.ts `writeFixture`).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { FIXTURE_METHODS, writeFixture } from '../vscode/runner';
import { installExtension } from './install';
import { CODE_SERVER_ENTRY, openWorkbench, skipReason, type Workbench } from './workbench';

const SUITE = path.resolve(__dirname, '..', 'vscode', 'suite', 'index.js');
const SUITE_TIMEOUT = 300_000;

let tmp: string | undefined;
let bench: Workbench | undefined;

after(async () => {
  await bench?.close();
  if (tmp && !process.env.MEMAUDIT_KEEP_E2E) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The host extension's folder: a manifest activated on startup and its script. */
function writeHost(extensionsDir: string, workspace: string, resultFile: string): void {
  const dir = path.join(extensionsDir, 'memaudit-test.suite-host-0.0.1');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'suite-host', publisher: 'memaudit-test', version: '0.0.1', engines: { vscode: '^1.90.0' }, main: './host.js', activationEvents: ['*'] }),
  );
  fs.writeFileSync(
    path.join(dir, 'host.js'),
    `'use strict';
const fs = require('fs');
const result = ${JSON.stringify(resultFile)};
exports.activate = () => {
  process.env.MEMAUDIT_VSCODE_FIXTURE = ${JSON.stringify(workspace)};
  process.env.MEMAUDIT_VSCODE_FIXTURE_METHODS = ${JSON.stringify(String(FIXTURE_METHODS))};
  const log = (line) => fs.appendFileSync(result, line + '\\n');
  require(${JSON.stringify(SUITE)}).runWithLog(log).then(
    () => log('SUITE PASSED'),
    (e) => log('SUITE FAILED: ' + (e && e.message)),
  );
};
`,
  );
}

test('the VS Code suite (test/vscode/suite) passes inside code-server\'s extension host', { skip: skipReason, timeout: SUITE_TIMEOUT + 120_000 }, async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-e2e-suite-'));
  const workspace = path.join(tmp, 'workspace');
  await writeFixture(workspace);
  const extensionsDir = path.join(tmp, 'extensions');
  const resultFile = path.join(tmp, 'suite.log');
  // Before the install: code-server lists the folders it finds then in extensions.json and loads
  // those (a folder added afterwards is not loaded).
  writeHost(extensionsDir, workspace, resultFile);
  installExtension({ entry: CODE_SERVER_ENTRY, extensionsDir, workDir: tmp });

  bench = await openWorkbench({ tmp, workspace, extensionsDir });
  const until = Date.now() + SUITE_TIMEOUT;
  let out = '';
  while (!/^SUITE (PASSED|FAILED)/m.test(out)) {
    if (Date.now() > until) assert.fail(`the suite did not finish within ${SUITE_TIMEOUT} ms. Its output:\n${out}\ncode-server log:\n${bench.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
    out = fs.existsSync(resultFile) ? fs.readFileSync(resultFile, 'utf8') : '';
  }
  assert.match(out, /^SUITE PASSED$/m, out);
  assert.match(out, /^(\d+) of \1 passed$/m, out);
  assert.doesNotMatch(out, /^not ok/m, out);
});
