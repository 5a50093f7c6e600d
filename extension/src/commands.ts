/**
 * The commands: "Audit memorization" (scope → preset with grid size and estimated time →
 * cancellable progress notification → the report panel opens, with a summary offering Show Likely
 * Memorized Methods), Cancel Audit, Open Report (the report panel, report-panel.ts), Show Likely
 * Memorized Methods, Delete Audit Run, Restart Engine, Show Output.
 *
 * No audit runs in an untrusted workspace: an audit reads and parses every file of the folder and
 * runs native code on it. The command says so and offers to manage trust.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  AuditCancelRequest,
  AuditPlanRequest,
  RunsDeleteRequest,
  RunsListRequest,
  rpcErrorData,
  type AuditDoneParams,
  type AuditPlanResult,
  type AuditProgressParams,
  type EditorFinding,
  type AuditTarget,
} from '../../server/src/protocol';
import type { EngineClient } from './client';
import { configuredModels, outDir, settingsToConfigInput, useConfigFile, type AuditChoices, type SettingReader } from './config';
import type { FindingsController } from './findings';
import { CATEGORY_LABELS, memorizationWords } from './findings-map';
import { auditCommandOptions, doneSummary, headline, presetItem, PRESETS, progressMessage, type AuditCommandOptions, type PresetItem } from './presets';
import type { ReportPanels } from './report-panel';
import {
  DELETE_RUN_PICK,
  FOLDER_PICK,
  modelItems,
  MODELS_PICK,
  modelsChangeItem,
  notStarted,
  presetPick,
  SCOPE_PICK,
  TASK_K_PICK,
  TASK_PICK,
  taskChangeItem,
  taskItems,
  taskKError,
} from './pickers';

export const COMMANDS = {
  audit: 'memaudit.audit',
  cancelAudit: 'memaudit.cancelAudit',
  openReport: 'memaudit.openReport',
  showFindings: 'memaudit.showFindings',
  deleteRun: 'memaudit.deleteRun',
  restartEngine: 'memaudit.restartEngine',
  showOutput: 'memaudit.showOutput',
} as const;

/** Context key set while an audit runs (enables Cancel Audit). */
export const CONTEXT_AUDIT_RUNNING = 'memaudit.auditRunning';

export interface CommandContext {
  client: EngineClient;
  findings: FindingsController;
  output: vscode.LogOutputChannel;
  settings: (scope?: vscode.Uri) => SettingReader;
  reports: ReportPanels;
  /** Told when an audit started through the commands (the dashboard shows its folder). */
  auditStarted?: (auditId: string, folder: vscode.Uri) => void;
}

/** Where an audit runs: its working folder and inputs relative to it (undefined: the settings' or the default). */
interface Scope {
  folder: vscode.Uri;
  name: string;
  inputs?: string[];
}

const UNTRUSTED_MESSAGE =
  'Memaudit does not run audits in an untrusted workspace: an audit reads and parses every source file of the folder and runs the engine (native code) on them. Trust this workspace to audit it.';

/** True in a trusted workspace; otherwise says why nothing happens and offers to manage trust. */
async function requireTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const choice = await vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
  if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

function relativeInput(folder: vscode.Uri, target: vscode.Uri): string {
  const rel = path.relative(folder.fsPath, target.fsPath);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? target.fsPath : rel;
}

/** A scope from a URI (explorer context menu, or a picked folder / file). */
async function scopeOf(uri: vscode.Uri): Promise<Scope> {
  const stat = await vscode.workspace.fs.stat(uri);
  const isDir = (stat.type & vscode.FileType.Directory) !== 0;
  const ws = vscode.workspace.getWorkspaceFolder(uri);
  const folder = ws?.uri ?? (isDir ? uri : vscode.Uri.file(path.dirname(uri.fsPath)));
  const inputs = ws && ws.uri.toString() === uri.toString() ? undefined : [relativeInput(folder, uri)];
  return { folder, name: path.basename(uri.fsPath), ...(inputs ? { inputs } : {}) };
}

async function pickScope(): Promise<Scope | undefined> {
  type Item = vscode.QuickPickItem & { pick: () => Promise<Scope | undefined> };
  const items: Item[] = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => ({ label: `$(root-folder) ${f.name}`, description: 'workspace folder', detail: f.uri.fsPath, pick: async () => ({ folder: f.uri, name: f.name }) }));
  items.push({
    label: '$(folder) Folder…',
    description: 'a folder of Java, Python or Ruby sources',
    pick: async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Audit this folder' });
      return picked?.[0] ? scopeOf(picked[0]) : undefined;
    },
  });
  items.push({
    label: '$(file) JSONL file…',
    description: 'CodeSearchNet-style methods, one JSON object per line',
    pick: async () => {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: false, canSelectFiles: true, filters: { 'JSON Lines': ['jsonl', 'gz'] }, openLabel: 'Audit this file' });
      return picked?.[0] ? scopeOf(picked[0]) : undefined;
    },
  });
  const choice = await vscode.window.showQuickPick(items, SCOPE_PICK);
  return choice?.pick();
}

/** The built-in models, until the engine has answered `initialize` (it has by the time the presets are sized). */
const FALLBACK_MODELS = ['bag', 'code2vec', 'transformer'];

/** What the pickers chose: the preset, and the task and models when the user changed them. */
type Picked = Pick<AuditChoices, 'labels' | 'models'> & { preset: string };

function target(ctx: CommandContext, scope: Scope, picked: Partial<Picked>): AuditTarget {
  const read = ctx.settings(scope.folder);
  return {
    folder: scope.folder.fsPath,
    config: settingsToConfigInput(read, { ...picked, ...(scope.inputs ? { inputs: scope.inputs } : {}) }),
    useConfigFile: useConfigFile(read),
  };
}

/** Shows an engine error; a configuration error offers the settings. */
async function showError(ctx: CommandContext, what: string, e: unknown): Promise<void> {
  const message = e instanceof Error ? e.message : String(e);
  ctx.output.error(`${what}: ${message}`);
  const isConfig = rpcErrorData(e)?.code === 'E_CONFIG';
  const choice = await vscode.window.showErrorMessage(`Memaudit: ${what}: ${message}`, ...(isConfig ? ['Open Settings'] : []), 'Show Output');
  if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:memaudit.memaudit');
  if (choice === 'Show Output') ctx.output.show(true);
}

/** The preset picker's items: each preset sized with the choices so far, the configured one first. */
async function presetItems(ctx: CommandContext, scope: Scope, choices: Omit<Picked, 'preset'>): Promise<{ items: (PresetItem & { picked: boolean })[]; labels: string }> {
  const configured = ctx.settings(scope.folder)('preset');
  const plans = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Memaudit: sizing the presets' }, () =>
    Promise.all(PRESETS.map((p) => ctx.client.request(AuditPlanRequest, target(ctx, scope, { ...choices, preset: p })))),
  );
  const models = choices.models ?? configuredModels(ctx.settings(scope.folder));
  const items = plans.map((plan: AuditPlanResult, k) => ({ ...presetItem(PRESETS[k]!, plan, models), picked: PRESETS[k] === configured }));
  items.sort((a, b) => Number(b.picked) - Number(a.picked));
  return { items, labels: plans[0]?.labels ?? 'full' };
}

/**
 * The preset, and the task and models when the user changed them (the preset picker's last items;
 * the presets then show again, sized for the new choice). What was not changed is not passed, so
 * the settings and the config file decide.
 */
async function pickPreset(ctx: CommandContext, scope: Scope): Promise<Picked | undefined> {
  const choices: Omit<Picked, 'preset'> = {};
  let { items, labels } = await presetItems(ctx, scope, choices);
  for (;;) {
    const models = choices.models ?? configuredModels(ctx.settings(scope.folder));
    const extra = [taskChangeItem(labels), modelsChangeItem(models)];
    const choice = await vscode.window.showQuickPick<(typeof items)[number] | (typeof extra)[number]>([...items, ...extra], presetPick(scope.name));
    if (!choice) return undefined;
    if ('preset' in choice) return { ...choices, preset: choice.preset };
    if ('task' in choice) {
      const task = await pickTask(labels);
      if (task !== undefined) labels = choices.labels = task;
      continue;
    }
    // The engine's own list (its `initialize` answer): the extension does not import the engine.
    const picked = await vscode.window.showQuickPick(modelItems(ctx.client.serverInfo?.choices.models ?? FALLBACK_MODELS, models), MODELS_PICK);
    if (picked === undefined) continue;
    if (picked.length > 0) choices.models = picked.map((i) => i.model);
    else delete choices.models;
    ({ items, labels } = await presetItems(ctx, scope, choices));
  }
}

/** The task picker (full, top:10, top:K… with an input box for K); undefined when closed. */
async function pickTask(current: string): Promise<string | undefined> {
  const choice = await vscode.window.showQuickPick(taskItems(current), TASK_PICK);
  if (!choice || choice.labels !== undefined) return choice?.labels;
  const k = await vscode.window.showInputBox({ ...TASK_K_PICK, validateInput: taskKError });
  return k === undefined ? undefined : `top:${Number(k)}`;
}

/** Runs the audit with a cancellable progress notification; resolves with its end. */
async function runWithProgress(ctx: CommandContext, scope: Scope, picked: Picked): Promise<AuditDoneParams | undefined> {
  // Listen before starting: events are matched to the audit once its id is known.
  const early: (AuditProgressParams | AuditDoneParams)[] = [];
  let onEvent: (e: AuditProgressParams | AuditDoneParams) => void = (e) => early.push(e);
  const subs = [ctx.client.onProgress((p) => onEvent(p)), ctx.client.onDone((d) => onEvent(d))];
  try {
    const started = await ctx.client.startAudit(target(ctx, scope, picked));
    ctx.output.info(`audit ${started.auditId}: ${started.runs} run(s) × ${started.epochs} epochs, ${started.model} (${started.modelPreset}) on ${started.device}`);
    ctx.auditStarted?.(started.auditId, scope.folder);
    await vscode.commands.executeCommand('setContext', CONTEXT_AUDIT_RUNNING, true);
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Memaudit: auditing ${scope.name} (${picked.preset})`, cancellable: true },
      (progress, token) =>
        new Promise<AuditDoneParams>((resolve) => {
          let shown = 0;
          const handle = (e: AuditProgressParams | AuditDoneParams) => {
            if (e.auditId !== started.auditId) return;
            if ('outcome' in e) {
              resolve(e);
              return;
            }
            const pct = Math.max(0, Math.min(100, e.fraction * 100));
            progress.report({ message: progressMessage(e), increment: Math.max(0, pct - shown) });
            shown = Math.max(shown, pct);
          };
          onEvent = handle;
          early.splice(0).forEach(handle);
          token.onCancellationRequested(() => {
            progress.report({ message: 'cancelling…' });
            ctx.client.request(AuditCancelRequest, { auditId: started.auditId }).catch((e: unknown) => ctx.output.warn(`cancel failed: ${(e as Error).message}`));
          });
        }),
    );
  } finally {
    subs.forEach((s) => s.dispose());
    await vscode.commands.executeCommand('setContext', CONTEXT_AUDIT_RUNNING, false);
  }
}

/**
 * Audit memorization: the scope (`uri`, else a picker), the preset (`options.preset`, else a
 * picker), the audit with progress, then the report. Resolves with the audit's end once the report
 * is open; the summary message does not hold it (its action still works).
 */
async function audit(ctx: CommandContext, uri?: vscode.Uri, options?: AuditCommandOptions): Promise<AuditDoneParams | undefined> {
  if (!(await requireTrust())) return;
  if (ctx.client.runningAudit) {
    const choice = await vscode.window.showWarningMessage('Memaudit: an audit is already running; the engine runs one at a time.', 'Cancel Audit');
    if (choice) await vscode.commands.executeCommand(COMMANDS.cancelAudit);
    return;
  }
  try {
    const scope = uri ? await scopeOf(uri) : await pickScope();
    if (!scope) return reportNotStarted(ctx, 'scope');
    const picked = options?.preset ? { preset: options.preset } : await pickPreset(ctx, scope);
    if (!picked) return reportNotStarted(ctx, 'preset');
    const done = await runWithProgress(ctx, scope, picked);
    if (!done) return;
    const summary = doneSummary(done);
    ctx.output.info(summary.text);
    if (done.outcome === 'finished') {
      const ws = vscode.workspace.getWorkspaceFolder(scope.folder);
      if (ws) await ctx.findings.refresh(ws);
      await openReport(ctx, { folder: scope.folder, runId: done.runId });
      const show = summary.level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(summary.text, 'Show Likely Memorized Methods').then((choice) => (choice === 'Show Likely Memorized Methods' ? showFindings(ctx) : undefined));
    } else if (done.outcome === 'cancelled') {
      void vscode.window.showInformationMessage(summary.text);
    } else {
      void vscode.window.showErrorMessage(summary.text, 'Show Output').then((choice) => (choice ? ctx.output.show(true) : undefined));
    }
    return done;
  } catch (e) {
    await showError(ctx, 'cannot start the audit', e);
  }
}

/** A picker of the audit closed without a choice: said in the status bar and the output, so the command never ends silently. */
function reportNotStarted(ctx: CommandContext, step: 'scope' | 'preset'): undefined {
  const text = notStarted(step);
  ctx.output.info(text);
  vscode.window.setStatusBarMessage(text, 8000);
  return undefined;
}

async function pickWorkspaceFolder(): Promise<vscode.Uri | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length <= 1) return folders[0]?.uri;
  return (await vscode.window.showWorkspaceFolderPick(FOLDER_PICK))?.uri;
}

/** Opens a finished audit's report (the latest unless `runId` says otherwise) in the report panel. */
async function openReport(ctx: CommandContext, args?: { folder?: vscode.Uri; runId?: string | undefined }): Promise<void> {
  if (!(await requireTrust())) return;
  try {
    const folder = args?.folder instanceof vscode.Uri ? args.folder : await pickWorkspaceFolder();
    if (!folder) return;
    await ctx.reports.show(folder, typeof args?.runId === 'string' ? args.runId : undefined);
  } catch (e) {
    await showError(ctx, 'cannot open the report', e);
  }
}

async function showFindings(ctx: CommandContext): Promise<void> {
  if (!(await requireTrust())) return;
  await ctx.findings.refreshAll();
  const all = ctx.findings.all();
  if (all.length === 0) {
    const choice = await vscode.window.showInformationMessage('Memaudit: no findings yet (or they are turned off by memaudit.findings.enabled). Audit the workspace first.', 'Audit Memorization');
    if (choice) await vscode.commands.executeCommand(COMMANDS.audit);
    return;
  }
  const summaries = new Map(ctx.findings.results().map((r) => [r.folder.uri.toString(), r.result.memorization]));
  const items = all.map((f) => ({
    label: `$(symbol-method) ${f.name}`,
    description: `${vscode.workspace.asRelativePath(f.file)}:${f.range.startLine + 1}`,
    detail: f.category
      ? `${CATEGORY_LABELS[f.category]}: ${memorizationWords(f, summaries.get(f.folder.uri.toString()))} · ${f.language}`
      : `rank ${f.rank} by ${f.signal} (${f.signal} = ${f.signals[f.signal]?.toFixed(3) ?? f.score.toFixed(3)}) · ${f.language}`,
    finding: f,
  }));
  // With categories, a separator heads each: the memorized methods, then the not-learned ones.
  type Item = (typeof items)[number] | { label: string; kind: vscode.QuickPickItemKind.Separator; finding?: undefined };
  const shown: Item[] = [];
  let last: string | undefined;
  for (const item of items) {
    const c = item.finding.category;
    if (c && c !== last) {
      const n = items.filter((i) => i.finding.category === c).length;
      shown.push({ label: `${CATEGORY_LABELS[c]} (${n})`, kind: vscode.QuickPickItemKind.Separator });
      last = c;
    }
    shown.push(item);
  }
  // Moving through the list previews each method in a preview editor (focus stays in the list);
  // Enter keeps the editor and moves the focus there; Escape closes the list where it is.
  const open = async (f: EditorFinding, preserveFocus: boolean): Promise<void> => {
    const r = f.range;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(f.file));
    await vscode.window.showTextDocument(doc, { preview: true, preserveFocus, selection: new vscode.Range(r.startLine, r.startColumn, r.startLine, r.startColumn) });
  };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = last ? 'Memaudit findings: likely memorized, then not learned' : 'Likely memorized methods (most suspicious first)';
  pick.placeholder = 'Type to filter by name, file or signal; the selected method is previewed';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.ignoreFocusOut = true;
  pick.items = shown;
  pick.onDidChangeActive((active) => {
    const f = active[0]?.finding;
    if (f) open(f, true).catch((e: unknown) => ctx.output.warn(`cannot preview ${f.file}: ${(e as Error).message}`));
  });
  pick.onDidAccept(() => {
    const chosen = (pick.selectedItems[0] ?? pick.activeItems[0])?.finding;
    pick.hide();
    if (chosen) open(chosen, false).catch((e: unknown) => void showError(ctx, `cannot open ${chosen.file}`, e));
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}

async function deleteRun(ctx: CommandContext): Promise<void> {
  if (!(await requireTrust())) return;
  try {
    const folder = await pickWorkspaceFolder();
    if (!folder) return;
    const dir = outDir(ctx.settings(folder));
    const loc = { folder: folder.fsPath, ...(dir ? { outDir: dir } : {}) };
    const { runs } = await ctx.client.request(RunsListRequest, loc);
    const deletable = runs.filter((r) => !r.running);
    if (deletable.length === 0) {
      await vscode.window.showInformationMessage('Memaudit: no audit runs to delete in this folder.');
      return;
    }
    const choice = await vscode.window.showQuickPick(
      deletable.map((r) => ({
        label: r.id,
        description: r.state === 'finished' ? `${r.createdAt?.slice(0, 16).replace('T', ' ') ?? ''} · ${r.model ?? ''} · ${r.scores ? headline(r.scores, r.scoreStatus) : 'no scores'}` : `interrupted after ${r.runsDone} run(s)`,
        run: r,
      })),
      DELETE_RUN_PICK,
    );
    if (!choice) return;
    const sure = await vscode.window.showWarningMessage(`Delete audit ${choice.run.id} and everything in ${choice.run.dir}?`, { modal: true }, 'Delete');
    if (sure !== 'Delete') return;
    await ctx.client.request(RunsDeleteRequest, { ...loc, runId: choice.run.id });
    const ws = vscode.workspace.getWorkspaceFolder(folder);
    if (ws) await ctx.findings.refresh(ws);
  } catch (e) {
    await showError(ctx, 'cannot delete the run', e);
  }
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.audit, (uri?: unknown, options?: unknown) => audit(ctx, uri instanceof vscode.Uri ? uri : undefined, auditCommandOptions(options))),
    vscode.commands.registerCommand(COMMANDS.cancelAudit, async () => {
      const id = ctx.client.runningAudit;
      if (!id) {
        await vscode.window.showInformationMessage('Memaudit: no audit is running.');
        return;
      }
      try {
        await ctx.client.request(AuditCancelRequest, { auditId: id });
      } catch (e) {
        await showError(ctx, 'cannot cancel the audit', e);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.openReport, (args?: { folder?: vscode.Uri; runId?: string }) => openReport(ctx, args)),
    vscode.commands.registerCommand(COMMANDS.showFindings, () => showFindings(ctx)),
    vscode.commands.registerCommand(COMMANDS.deleteRun, () => deleteRun(ctx)),
    vscode.commands.registerCommand(COMMANDS.restartEngine, async () => {
      if (!(await requireTrust())) return;
      try {
        const info = await ctx.client.restart();
        await vscode.window.showInformationMessage(`Memaudit: engine ${info.serverVersion} restarted (pid ${info.pid}).`);
      } catch (e) {
        await showError(ctx, 'cannot restart the engine', e);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => ctx.output.show(true)),
  ];
}
