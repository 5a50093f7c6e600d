/**
 * The extension's entry: creates the output channel, the engine client (the engine runs as a
 * separate Node process, started on first use), the findings and the commands. It imports
 * `vscode`, `vscode-jsonrpc` and the protocol (values from vscode-jsonrpc, types from the engine)
 * and nothing native: the build checks that the bundle holds no engine code.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineClient, type CrashInfo } from './client';
import { COMMANDS, CONTEXT_AUDIT_RUNNING, registerCommands } from './commands';
import { nodePath, SECTION, type SettingReader } from './config';
import { DASHBOARD_VIEW_ID, DashboardProvider } from './dashboard';
import { FindingsController } from './findings';
import { NOISE_DIFF_SCHEME, NoiseDiffDocuments } from './noise-diff';
import { ReportPanels } from './report-panel';

let client: EngineClient | undefined;

/** The value the user set for `memaudit.<key>` (folder over workspace over user), undefined when unset. */
function settingsReader(scope?: vscode.Uri): SettingReader {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  return (key) => {
    const i = cfg.inspect(key);
    return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
  };
}

/** Settings of machine scope (the Node executable): user settings only, never a workspace's. */
function userReader(): SettingReader {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return (key) => cfg.inspect(key)?.globalValue;
}

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Memaudit', { log: true });
  context.subscriptions.push(output);

  const showCrash = async (info: CrashInfo): Promise<void> => {
    const tail = info.stderrTail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
    if (info.restartInMs !== undefined) {
      const choice = await vscode.window.showWarningMessage(
        `Memaudit: the engine stopped unexpectedly (${info.reason}); restarting it.${tail ? ` Last output: ${tail}` : ''}`,
        'Show Output',
      );
      if (choice) output.show(true);
      return;
    }
    const choice = await vscode.window.showErrorMessage(
      `Memaudit: the engine stopped unexpectedly ${info.crashes} times in a row (${info.reason}) and is not restarted. The output channel has its last messages.`,
      'Show Output',
      'Restart Engine',
    );
    if (choice === 'Show Output') output.show(true);
    if (choice === 'Restart Engine') await vscode.commands.executeCommand(COMMANDS.restartEngine);
  };

  const configuredNode = nodePath(userReader());
  const engine = new EngineClient({
    serverModule: context.asAbsolutePath(path.join('dist', 'engine', 'main.js')),
    ...(configuredNode ? { nodePath: configuredNode } : {}),
    clientName: `${vscode.env.appName} ${vscode.version}`,
    host: {
      log: (line) => output.info(line),
      crashed: (info) => {
        output.error(`engine crashed: ${info.reason}${info.stderrTail.length ? `\n${info.stderrTail.join('\n')}` : ''}`);
        void showCrash(info);
      },
    },
  });
  client = engine;
  context.subscriptions.push(engine);

  const findings = new FindingsController(engine, settingsReader, output);
  context.subscriptions.push(findings);
  const noiseDiffs = new NoiseDiffDocuments();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(NOISE_DIFF_SCHEME, noiseDiffs));
  const reports = new ReportPanels(context.extensionUri, engine, output, settingsReader, noiseDiffs);
  context.subscriptions.push(reports);
  const dashboard = new DashboardProvider(
    context.extensionUri,
    engine,
    settingsReader,
    {
      command: (name) => vscode.commands.executeCommand(`memaudit.${name}`),
      openRun: (folder, runId) => reports.show(folder, runId),
      runDeleted: (folder) => findings.refresh(folder),
    },
    output,
  );
  context.subscriptions.push(dashboard, vscode.window.registerWebviewViewProvider(DASHBOARD_VIEW_ID, dashboard));
  context.subscriptions.push(
    ...registerCommands({ client: engine, findings, output, settings: settingsReader, reports, auditStarted: (id, folder) => dashboard.auditStarted(id, folder) }),
  );
  void vscode.commands.executeCommand('setContext', CONTEXT_AUDIT_RUNNING, false);

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.nodePath`)) {
        const p = nodePath(userReader());
        engine.setNodePath(p);
        output.info(`memaudit.nodePath changed to ${p ?? "the editor's runtime"}; restarting the engine`);
        if (engine.currentState === 'running') engine.restart().catch((err: unknown) => output.error(`restart failed: ${(err as Error).message}`));
      }
      if (e.affectsConfiguration(`${SECTION}.findings.enabled`) || e.affectsConfiguration(`${SECTION}.outDir`)) void findings.refreshAll(true);
      else if (e.affectsConfiguration(`${SECTION}.findings.categories`)) findings.render();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void findings.refreshAll(true);
      void dashboard.refreshRuns();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void findings.refreshAll(true)),
  );

  // Findings of earlier audits, without starting the engine in folders never audited.
  void findings.refreshAll(true);
}

export function deactivate(): Promise<void> | undefined {
  const c = client;
  client = undefined;
  return c?.stop();
}
