/**
 * The VS Code suite, run inside the extension host by @vscode/test-electron (see ../runner.ts):
 * the extension activates and registers its commands; `memaudit.audit` on the fixture workspace
 * with a preset given as an argument (no picker) runs a real audit in the engine process, writes
 * report.json, opens the report panel and shows the findings as diagnostics on the corpus files;
 * a preset that does not exist is refused.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuditDoneParams } from '../../../server/src/protocol';
import { runCases, type Case } from './harness';

const EXTENSION_ID = 'memaudit.memaudit';

function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  assert.equal(folder.uri.fsPath, process.env['MEMAUDIT_VSCODE_FIXTURE']);
  return folder;
}

/** Polls `get` until it returns a value (diagnostics and tabs update asynchronously). */
async function waitFor<T>(get: () => T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cases: Case[] = [
  {
    name: 'the extension activates and registers its commands',
    timeoutMs: 60_000,
    fn: async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is installed`);
      await ext.activate();
      assert.equal(ext.isActive, true);
      const manifest = ext.packageJSON as { contributes: { commands: { command: string; title: string }[] } };
      assert.equal(manifest.contributes.commands.find((c) => c.command === 'memaudit.audit')?.title, 'Audit memorization');
      const commands = await vscode.commands.getCommands(true);
      for (const c of manifest.contributes.commands.map((x) => x.command)) assert.ok(commands.includes(c), `${c} is registered`);
    },
  },
  {
    name: 'a preset that does not exist is refused',
    timeoutMs: 30_000,
    fn: async () => {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('memaudit.audit', workspaceFolder().uri, { preset: 'huge' })), /preset must be one of quick, standard, thorough/);
    },
  },
  {
    name: 'Audit memorization on the workspace: report.json, the report panel and findings on the corpus files',
    timeoutMs: 10 * 60_000,
    fn: async () => {
      const folder = workspaceFolder();
      const done = await vscode.commands.executeCommand<AuditDoneParams | undefined>('memaudit.audit', folder.uri, { preset: 'quick' });
      assert.ok(done, 'the command resolves with the audit’s end (see the Memaudit output channel when it does not)');
      assert.equal(done.outcome, 'finished', JSON.stringify(done.error));
      assert.ok(done.reportFile && fs.existsSync(done.reportFile), 'report.json written');
      assert.ok(done.reportFile.startsWith(path.join(folder.uri.fsPath, '.memaudit', 'runs') + path.sep), done.reportFile);

      const report = JSON.parse(fs.readFileSync(done.reportFile, 'utf8')) as { runs: unknown[]; config: { epochs: number; device: string }; corpus: { samples: number } };
      // The folder settings (2 noise levels, 2 epochs, CPU) win over the quick preset's grid.
      assert.equal(report.runs.length, 2);
      assert.equal(report.config.epochs, 2);
      assert.ok(report.corpus.samples > Number(process.env['MEMAUDIT_VSCODE_FIXTURE_METHODS'] ?? 600) * 0.7, `${report.corpus.samples} methods`);

      const tab = await waitFor(
        () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === `Memaudit report ${done.runId}`),
        30_000,
        'the report panel',
      );
      assert.ok(tab);

      assert.ok((done.findings ?? 0) > 0, 'the audit found likely memorized methods');
      const corpus = path.join(folder.uri.fsPath, 'corpus') + path.sep;
      const diagnostics = await waitFor(
        () => {
          const found = vscode.languages.getDiagnostics().flatMap(([uri, ds]) => ds.filter((d) => d.source === 'memaudit').map((d) => ({ uri, d })));
          return found.length > 0 ? found : undefined;
        },
        30_000,
        'memaudit diagnostics',
      );
      for (const { uri, d } of diagnostics) {
        assert.ok(uri.fsPath.startsWith(corpus), uri.fsPath);
        assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
        // The marked line is the method's declaration, which holds its name.
        const line = fs.readFileSync(uri.fsPath, 'utf8').split('\n')[d.range.start.line] ?? '';
        assert.ok(line.trim().length > 0, `${uri.fsPath}:${d.range.start.line + 1}`);
      }
    },
  },
];

/** Entry called by VS Code (`--extensionTestsPath`). */
export function run(): Promise<void> {
  return runCases(cases);
}

/**
 * The same cases with their report lines sent to `log`: the end-to-end test runs the suite inside
 * code-server's extension host (test/e2e/vscode-suite.test.ts), where no test runner collects
 * the console.
 */
export function runWithLog(log: (line: string) => void): Promise<void> {
  return runCases(cases, log);
}
