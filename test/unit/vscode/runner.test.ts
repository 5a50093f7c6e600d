/**
 * The VS Code suite's runner (test/vscode/runner.ts) without VS Code: it skips with a message and
 * exit code 0 when it has no executable and the download fails, launches the given executable on
 * the repository with the fixture workspace, fails on failed tests or a wrong executable path; and
 * the in-host harness (test/vscode/suite/harness.ts) reports failures and time-outs.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIXTURE_SETTINGS, REPO_ROOT, runVsCodeSuite, type LaunchOptions, type RunnerDeps } from '../../vscode/runner';
import { runCases } from '../../vscode/suite/harness';

function deps(env: NodeJS.ProcessEnv, over: Partial<RunnerDeps> = {}): { deps: RunnerDeps; out: string[]; err: string[]; launches: LaunchOptions[]; downloads: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const launches: LaunchOptions[] = [];
  const downloads: string[] = [];
  return {
    out,
    err,
    launches,
    downloads,
    deps: {
      env,
      download: async (v) => {
        downloads.push(v);
        throw new Error('getaddrinfo ENOTFOUND update.code.visualstudio.com');
      },
      runTests: async (o) => {
        launches.push(o);
        // The fixture exists while VS Code runs.
        assert.ok(fs.existsSync(path.join(o.launchArgs[0]!, 'corpus')));
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(o.launchArgs[0]!, '.vscode', 'settings.json'), 'utf8')), FIXTURE_SETTINGS);
        return 0;
      },
      log: (l) => out.push(l),
      error: (l) => err.push(l),
      ...over,
    },
  };
}

test('no executable and no download: skipped, with the reason and what to set, exit code 0', async () => {
  const d = deps({});
  assert.equal(await runVsCodeSuite(d.deps), 0);
  assert.deepEqual(d.downloads, ['stable']);
  assert.equal(d.launches.length, 0);
  assert.equal(d.out.length, 1);
  assert.match(d.out[0]!, /SKIPPED.*MEMAUDIT_VSCODE_EXECUTABLE is not set and downloading VS Code stable failed \(getaddrinfo ENOTFOUND update\.code\.visualstudio\.com\).*Set MEMAUDIT_VSCODE_EXECUTABLE/);
  const pinned = deps({ MEMAUDIT_VSCODE_VERSION: '1.90.0' });
  assert.equal(await runVsCodeSuite(pinned.deps), 0);
  assert.deepEqual(pinned.downloads, ['1.90.0']);
});

test('an executable: no download; VS Code runs the suite on the repository with the fixture workspace', async () => {
  const d = deps({ MEMAUDIT_VSCODE_EXECUTABLE: process.execPath });
  assert.equal(await runVsCodeSuite(d.deps), 0);
  assert.deepEqual(d.downloads, []);
  assert.equal(d.launches.length, 1);
  const o = d.launches[0]!;
  assert.equal(o.vscodeExecutablePath, process.execPath);
  assert.equal(o.extensionDevelopmentPath, REPO_ROOT);
  assert.equal(o.extensionTestsPath, path.join(REPO_ROOT, 'dist', 'test', 'vscode', 'suite', 'index.js'));
  assert.ok(fs.existsSync(o.extensionTestsPath), 'the suite is built');
  assert.deepEqual(o.launchArgs.slice(1), ['--disable-extensions']);
  assert.equal(o.extensionTestsEnv['MEMAUDIT_VSCODE_FIXTURE'], o.launchArgs[0]);
  assert.ok(!fs.existsSync(o.launchArgs[0]!), 'the fixture is removed afterwards');
  assert.match(d.out.at(-1)!, /passed/);
});

test('a download that works is used like a given executable', async () => {
  const d = deps({}, { download: async () => process.execPath });
  assert.equal(await runVsCodeSuite(d.deps), 0);
  assert.equal(d.launches[0]?.vscodeExecutablePath, process.execPath);
});

test('failed tests and a wrong executable path fail the run', async () => {
  const failing = deps({ MEMAUDIT_VSCODE_EXECUTABLE: process.execPath }, { runTests: async () => Promise.reject(new Error('Test run failed with code 1')) });
  assert.equal(await runVsCodeSuite(failing.deps), 1);
  assert.match(failing.err.join('\n'), /FAILED: Test run failed with code 1/);
  const wrong = deps({ MEMAUDIT_VSCODE_EXECUTABLE: '/nonexistent/code' });
  assert.equal(await runVsCodeSuite(wrong.deps), 1);
  assert.match(wrong.err.join('\n'), /\/nonexistent\/code, which does not exist/);
  assert.deepEqual(wrong.downloads, []);
});

test('the in-host harness: passes, failures with their stack, time-outs', async () => {
  const lines: string[] = [];
  await runCases([{ name: 'fine', timeoutMs: 1000, fn: async () => undefined }], (l) => lines.push(l));
  assert.match(lines[0]!, /^ok - fine \(\d+ ms\)$/);
  lines.length = 0;
  await assert.rejects(
    runCases(
      [
        { name: 'bad', timeoutMs: 1000, fn: async () => assert.equal(1, 2) },
        { name: 'slow', timeoutMs: 50, fn: () => new Promise((r) => setTimeout(r, 1000)) },
        { name: 'after', timeoutMs: 1000, fn: async () => undefined },
      ],
      (l) => lines.push(l),
    ),
    /2 of 3 VS Code test\(s\) failed: bad; slow/,
  );
  assert.match(lines[0]!, /^not ok - bad .*\nAssertionError/s);
  assert.match(lines[1]!, /^not ok - slow .*did not finish within 50 ms/s);
  assert.match(lines[2]!, /^ok - after/);
});
