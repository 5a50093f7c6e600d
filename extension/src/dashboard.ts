/**
 * The "Dashboard" webview view (activity bar → Memaudit): the audit in progress (from
 * `audit/progress`), the latest result with its gates (from `audit/done`, or the newest finished
 * run on disk), the recent runs of the workspace folders (`runs/list`; open, delete) and buttons for
 * the commands. The page (webview-html.ts, extension/webview/dashboard.ts) renders a `state`
 * message as text; its messages are validated (webview-messages.ts) before anything runs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RunsDeleteRequest, RunsListRequest, type AuditDoneParams, type AuditProgressParams } from '../../server/src/protocol';
import type { EngineClient } from './client';
import { folderHasRuns } from './runs-folder';
import { outDir, type SettingReader } from './config';
import { webviewRoot } from './report-panel';
import { dashboardHtml, makeNonce } from './webview-html';
import type { AuditReport } from '../../server/src/protocol/report';
import { parseDashboardMessage, type DashboardLatest, type DashboardRun, type DashboardState, type ScoreIntervals, type ScoreNotes } from './webview-messages';

/** The reasons of the dashboard's scores (G, M, gap) that rest on too little data; undefined when none does. */
function scoreNotes(scores: AuditReport['scores'] | undefined, status: AuditReport['scoreStatus'] | undefined): { notes?: ScoreNotes } {
  const notes: ScoreNotes = {};
  for (const key of ['G', 'M', 'gap'] as const) {
    const s = status?.[key];
    if (scores?.[key] !== null && scores?.[key] !== undefined && s && !s.ok) notes[key] = s.reason ?? 'not enough data';
  }
  return Object.keys(notes).length > 0 ? { notes } : {};
}

/** The intervals of the dashboard's scores (G, M, gap); undefined when the report has none. */
function scoreIntervals(intervals: AuditReport['scoreIntervals'] | undefined): { intervals?: ScoreIntervals } {
  const out: ScoreIntervals = {};
  for (const key of ['G', 'M', 'gap'] as const) {
    const i = intervals?.[key];
    if (i) out[key] = { low: i.low, high: i.high };
  }
  return Object.keys(out).length > 0 ? { intervals: out } : {};
}

export const DASHBOARD_VIEW_ID = 'memaudit.dashboard';

export interface DashboardActions {
  /** Runs a command of the extension (`memaudit.<name>`). */
  command(name: string): Thenable<unknown>;
  /** Opens the report panel on a run. */
  openRun(folder: vscode.Uri, runId: string): Promise<void>;
  /** A run was deleted (findings may need a refresh). */
  runDeleted(folder: vscode.WorkspaceFolder): Promise<void>;
}

export class DashboardProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private current: DashboardState['current'];
  private latest: DashboardLatest | undefined;
  private runs: DashboardRun[] = [];
  private runsNote: string | undefined;
  /** The folder of each audit started through the commands, by audit id. */
  private readonly auditFolders = new Map<string, vscode.Uri>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: EngineClient,
    private readonly settings: (scope?: vscode.Uri) => SettingReader,
    private readonly actions: DashboardActions,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.subs.push(
      client.onProgress((p) => this.onProgress(p)),
      client.onDone((d) => void this.onDone(d)),
      client.onState(() => this.post()),
    );
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
  }

  /** The commands tell the dashboard which folder an audit runs on. */
  auditStarted(auditId: string, folder: vscode.Uri): void {
    this.auditFolders.set(auditId, folder);
    this.current = { folder: this.folderName(folder), stage: 'starting', fraction: 0, message: 'starting the audit' };
    this.post();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = webviewRoot(this.extensionUri);
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [root] };
    view.webview.html = dashboardHtml({
      nonce: makeNonce(),
      cspSource: view.webview.cspSource,
      assets: {
        style: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.css')).toString(),
        script: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'dashboard.js')).toString(),
      },
    });
    view.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(raw));
    view.onDidChangeVisibility(() => {
      if (view.visible) void this.refreshRuns();
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  private folderName(folder: vscode.Uri): string {
    return vscode.workspace.getWorkspaceFolder(folder)?.name ?? path.basename(folder.fsPath);
  }

  private folders(): vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  }

  private onProgress(p: AuditProgressParams): void {
    const folder = this.auditFolders.get(p.auditId);
    this.current = {
      folder: folder ? this.folderName(folder) : '',
      stage: p.stage,
      fraction: p.fraction,
      message: p.message,
      ...(p.run !== undefined ? { run: p.run } : {}),
      ...(p.runs !== undefined ? { runs: p.runs } : {}),
      ...(p.epoch !== undefined ? { epoch: p.epoch } : {}),
      ...(p.epochs !== undefined ? { epochs: p.epochs } : {}),
      ...(p.etaSec !== undefined ? { etaSec: p.etaSec } : {}),
      ...(p.device !== undefined ? { device: p.device } : {}),
      ...(p.samplesPerSec !== undefined ? { samplesPerSec: p.samplesPerSec } : {}),
      ...(p.part !== undefined ? { part: p.part } : {}),
      ...(p.attack !== undefined ? { attack: p.attack } : {}),
    };
    this.post();
  }

  private async onDone(d: AuditDoneParams): Promise<void> {
    const folder = this.auditFolders.get(d.auditId);
    this.auditFolders.delete(d.auditId);
    this.current = undefined;
    const ws = folder ? vscode.workspace.getWorkspaceFolder(folder) : undefined;
    this.latest = {
      folder: folder ? this.folderName(folder) : '',
      folderIndex: ws ? this.folders().indexOf(ws) : -1,
      ...(d.runId ? { runId: d.runId } : {}),
      outcome: d.outcome,
      createdAt: new Date().toISOString(),
      G: d.scores?.G ?? null,
      M: d.scores?.M ?? null,
      gap: d.scores?.gap ?? null,
      ...scoreNotes(d.scores, d.scoreStatus),
      ...scoreIntervals(d.scoreIntervals),
      gates: (d.gates ?? []).map((g) => ({ gate: g.gate, passed: g.passed, actual: g.actual })),
      ...(d.gatesPassed !== undefined ? { gatesPassed: d.gatesPassed } : {}),
      ...(d.findings !== undefined ? { findings: d.findings } : {}),
      ...(d.memorized !== undefined ? { memorized: d.memorized } : {}),
      ...(d.notLearned !== undefined ? { notLearned: d.notLearned } : {}),
      ...(d.detection ? { detection: d.detection } : {}),
      ...(d.error ? { error: d.error.message } : {}),
    };
    await this.refreshRuns();
  }

  private hasRuns(folder: vscode.WorkspaceFolder): Promise<boolean> {
    return folderHasRuns(folder, this.settings(folder.uri));
  }

  /** Lists the runs of every workspace folder that has some (never starts the engine for a folder without runs). */
  async refreshRuns(): Promise<void> {
    const runs: DashboardRun[] = [];
    const notes: string[] = [];
    if (vscode.workspace.isTrusted) {
      const folders = this.folders();
      for (const [folderIndex, folder] of folders.entries()) {
        if (!(await this.hasRuns(folder))) continue;
        try {
          const dir = outDir(this.settings(folder.uri));
          const list = await this.client.request(RunsListRequest, { folder: folder.uri.fsPath, ...(dir ? { outDir: dir } : {}) });
          for (const r of list.runs.slice(0, 20)) {
            runs.push({
              folder: folder.name,
              folderIndex,
              id: r.id,
              state: r.state,
              runsDone: r.runsDone,
              ...(r.createdAt ? { createdAt: r.createdAt } : {}),
              ...(r.model ? { model: r.model } : {}),
              G: r.scores?.G ?? null,
              M: r.scores?.M ?? null,
              gap: r.scores?.gap ?? null,
              ...scoreNotes(r.scores, r.scoreStatus),
              ...scoreIntervals(r.scoreIntervals),
              ...(r.gatesPassed !== undefined ? { gatesPassed: r.gatesPassed } : {}),
              running: r.running,
            });
          }
        } catch (e) {
          notes.push(`Cannot list the audits of ${folder.name}: ${(e as Error).message}`);
        }
      }
      runs.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    } else {
      notes.push('Audits of an untrusted workspace are not shown.');
    }
    this.runs = runs;
    this.runsNote = notes.length ? notes.join(' ') : undefined;
    // Without an audit in this session, the newest finished run on disk is the latest result.
    if (!this.latest || this.latest.outcome === 'finished') {
      const newest = runs.find((r) => r.state === 'finished');
      if (newest && (!this.latest || this.latest.runId !== newest.id || this.latest.gates.length === 0)) {
        const same = this.latest?.runId === newest.id ? this.latest : undefined;
        this.latest = {
          folder: newest.folder,
          folderIndex: newest.folderIndex,
          runId: newest.id,
          outcome: 'finished',
          ...(newest.createdAt ? { createdAt: newest.createdAt } : {}),
          G: newest.G,
          M: newest.M,
          gap: newest.gap,
          ...(newest.notes ? { notes: newest.notes } : {}),
          ...(newest.intervals ? { intervals: newest.intervals } : {}),
          gates: same?.gates ?? [],
          ...(newest.gatesPassed !== undefined ? { gatesPassed: newest.gatesPassed } : {}),
          ...(same?.findings !== undefined ? { findings: same.findings } : {}),
          ...(same?.memorized !== undefined ? { memorized: same.memorized } : {}),
          ...(same?.notLearned !== undefined ? { notLearned: same.notLearned } : {}),
          ...(same?.detection ? { detection: same.detection } : {}),
        };
      }
    }
    this.post();
  }

  private state(): DashboardState {
    return {
      type: 'state',
      trusted: vscode.workspace.isTrusted,
      engine: this.client.currentState,
      ...(this.current ? { current: this.current } : {}),
      ...(this.latest ? { latest: this.latest } : {}),
      runs: this.runs,
      ...(this.runsNote ? { runsNote: this.runsNote } : {}),
    };
  }

  private post(): void {
    if (this.view) void this.view.webview.postMessage(this.state());
  }

  private async onMessage(raw: unknown): Promise<void> {
    const m = parseDashboardMessage(raw);
    if (!m) {
      this.output.warn(`dashboard: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (m.type === 'ready') {
      this.post();
      await this.refreshRuns();
      return;
    }
    if (m.type === 'command') {
      await this.actions.command(m.command);
      return;
    }
    // Only a run the dashboard listed, in a folder of this workspace.
    const known = this.runs.find((r) => r.folderIndex === m.folderIndex && r.id === m.runId) ?? (this.latest?.runId === m.runId && this.latest.folderIndex === m.folderIndex ? this.latest : undefined);
    const folder = this.folders()[m.folderIndex];
    if (!known || !folder) {
      this.output.warn(`dashboard: no run ${m.runId} in folder #${m.folderIndex}`);
      return;
    }
    try {
      if (m.type === 'openRun') {
        await this.actions.openRun(folder.uri, m.runId);
        return;
      }
      const sure = await vscode.window.showWarningMessage(`Delete audit ${m.runId} of ${folder.name} and all its files?`, { modal: true }, 'Delete');
      if (sure !== 'Delete') return;
      const dir = outDir(this.settings(folder.uri));
      await this.client.request(RunsDeleteRequest, { folder: folder.uri.fsPath, ...(dir ? { outDir: dir } : {}), runId: m.runId });
      if (this.latest?.runId === m.runId) this.latest = undefined;
      await this.actions.runDeleted(folder);
      await this.refreshRuns();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.output.error(`dashboard: ${message}`);
      void vscode.window.showErrorMessage(`Memaudit: ${message}`);
    }
  }
}
