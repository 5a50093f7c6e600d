/**
 * The report panel: a finished audit's report in a webview, drawn by the same renderer as the
 * standalone HTML report (webview-html.ts), in the editor's theme. A row of the likely-memorized
 * table opens its method; the toolbar exports the report (JSON, SARIF, HTML) through a save dialog.
 *
 * Security: a fresh nonce per page and a CSP that allows nothing else (webview-html.ts);
 * `localResourceRoots` is the extension's dist/extension/webview folder only; every message from
 * the page is validated (webview-messages.ts) and the page never names a path: the extension looks
 * the finding up in the report and opens it only inside the audited folder, a workspace folder or
 * a corpus root. The cartography map's data (a run's cartography.bin) and the diff view's texts
 * (the audit's noise-diffs.json) are read from files the report names, only inside the report's
 * folder; the page names a run and a method by id, never a path.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReportGetRequest } from '../../server/src/protocol';
import { decodeCartography } from '../../server/src/report/shared/cartography';
import { describeNoise } from '../../server/src/report/shared/format';
import { REPORT_FORMATS, renderReport } from '../../server/src/report/shared/formats';
import { noiseDiffOf, parseNoiseDiffs } from '../../server/src/report/shared/noise-diffs';
import type { AuditReport } from '../../server/src/protocol/report';
import type { EngineClient } from './client';
import { outDir, type SettingReader } from './config';
import { makeNonce, reportPanelHtml, type ExportFormat } from './webview-html';
import type { NoiseDiffDocuments } from './noise-diff';
import { cartographyFile, findingTarget, noiseDiffFileName, noiseDiffTarget, parseReportMessage, type CartographyNotice, type ReportPanelNotice } from './webview-messages';

export const REPORT_VIEW_TYPE = 'memaudit.report';

/** The folder, under the extension, that webviews may load files from. */
export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'extension', 'webview');
}

/** The text of an export, paths relative to the audited folder. The JSON is report.json as the engine writes it. */
export function exportText(report: AuditReport, format: ExportFormat, folder: string): string {
  return renderReport(report, format, { cwd: folder });
}

interface OpenReport {
  panel: vscode.WebviewPanel;
  folder: vscode.Uri;
  report: AuditReport;
  reportFile: string;
}

export class ReportPanels implements vscode.Disposable {
  private readonly open = new Map<string, OpenReport>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: EngineClient,
    private readonly output: vscode.LogOutputChannel,
    private readonly settings: (scope?: vscode.Uri) => SettingReader,
    private readonly diffs: NoiseDiffDocuments,
  ) {}

  dispose(): void {
    for (const o of this.open.values()) o.panel.dispose();
    this.open.clear();
  }

  /** Shows the report of `runId` (default: the latest finished audit) of `folder`; throws engine errors. */
  async show(folder: vscode.Uri, runId?: string): Promise<void> {
    const dir = outDir(this.settings(folder));
    const got = await this.client.request(ReportGetRequest, { folder: folder.fsPath, ...(dir ? { outDir: dir } : {}), ...(runId ? { runId } : {}) });
    const key = `${folder.toString()}#${got.runId}`;
    const existing = this.open.get(key);
    if (existing) {
      existing.report = got.report;
      existing.reportFile = got.reportFile;
      this.render(existing);
      existing.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `Memaudit report ${got.runId}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      localResourceRoots: [webviewRoot(this.extensionUri)],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'extension', 'media', 'memaudit.svg');
    const entry: OpenReport = { panel, folder, report: got.report, reportFile: got.reportFile };
    this.open.set(key, entry);
    panel.onDidDispose(() => this.open.delete(key));
    panel.webview.onDidReceiveMessage((raw: unknown) => void this.onMessage(entry, raw));
    this.render(entry);
  }

  private render(o: OpenReport): void {
    const webview = o.panel.webview;
    const root = webviewRoot(this.extensionUri);
    o.panel.webview.html = reportPanelHtml(o.report, {
      nonce: makeNonce(),
      cspSource: webview.cspSource,
      assets: {
        style: webview.asWebviewUri(vscode.Uri.joinPath(root, 'report.css')).toString(),
        script: webview.asWebviewUri(vscode.Uri.joinPath(root, 'report.js')).toString(),
      },
      locate: { cwd: o.folder.fsPath },
    });
  }

  private post(o: OpenReport, m: ReportPanelNotice): void {
    void o.panel.webview.postMessage(m);
  }

  private notify(o: OpenReport, text: string): void {
    this.post(o, { type: 'status', text });
  }

  private async onMessage(o: OpenReport, raw: unknown): Promise<void> {
    const m = parseReportMessage(raw);
    if (!m) {
      this.output.warn(`report panel: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    try {
      if (m.type === 'openFinding') await this.openFinding(o, m.sampleId);
      else if (m.type === 'export') await this.export(o, m.format);
      else if (m.type === 'loadCartography') await this.loadCartography(o, m.runId);
      else if (m.type === 'openNoiseDiff') await this.openNoiseDiff(o, m.sampleId, m.runId);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.output.error(`report panel: ${message}`);
      void vscode.window.showErrorMessage(`Memaudit: ${message}`);
    }
  }

  private async openFinding(o: OpenReport, sampleId: string): Promise<void> {
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const t = findingTarget(o.report, sampleId, o.folder.fsPath, roots);
    if ('error' in t) {
      void vscode.window.showWarningMessage(`Memaudit: ${t.error}`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(t.file));
    const range = new vscode.Range(t.line, t.column, t.endLine, t.endColumn);
    await vscode.window.showTextDocument(doc, { selection: range, viewColumn: vscode.ViewColumn.Beside, preserveFocus: false });
  }

  /** Reads one run's cartography file and posts its columns (typed arrays travel as binary). */
  private async loadCartography(o: OpenReport, runId: string): Promise<void> {
    const file = cartographyFile(o.report, runId, path.dirname(o.reportFile));
    let notice: CartographyNotice;
    if (typeof file !== 'string') {
      notice = { type: 'cartography', runId, error: file.error };
    } else {
      try {
        const d = decodeCartography(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
        notice = { type: 'cartography', runId, n: d.n, epochs: d.epochs, confidence: d.confidence, variability: d.variability, corrupted: d.corrupted };
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        this.output.warn(`report panel: cartography of ${runId}: ${why}`);
        notice = { type: 'cartography', runId, error: `cannot read the map of ${runId}: ${why}` };
      }
    }
    this.post(o, notice);
  }

  /** Opens a diff editor: the finding's method as extracted (left) and as the noisy run trained on it (right). */
  private async openNoiseDiff(o: OpenReport, sampleId: string, runId: string): Promise<void> {
    const t = noiseDiffTarget(o.report, sampleId, runId, path.dirname(o.reportFile));
    if ('error' in t) {
      void vscode.window.showWarningMessage(`Memaudit: ${t.error}`);
      return;
    }
    const diffs = parseNoiseDiffs(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(t.file))).toString('utf8'));
    const d = noiseDiffOf(diffs, sampleId, runId);
    if (!d) {
      void vscode.window.showWarningMessage(`Memaudit: ${path.basename(t.file)} has no code for ${t.finding.name} in ${runId}; audit again to rewrite it.`);
      return;
    }
    const { finding, noise } = t;
    const left = this.diffs.add(noiseDiffFileName(finding.name, 'original', finding.language), d.original);
    const right = this.diffs.add(noiseDiffFileName(finding.name, 'noised', finding.language), d.noised);
    const level = `${noise.kind} ${noise.level}%`;
    const what = describeNoise(noise, finding.language);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${finding.name}: original ↔ ${level} (${what})`, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    this.notify(o, `Opened ${finding.name}: original ↔ ${level}`);
  }

  private async export(o: OpenReport, format: ExportFormat): Promise<void> {
    const f = REPORT_FORMATS[format];
    const defaultUri = vscode.Uri.file(path.join(path.dirname(o.reportFile), `memaudit-${o.report.runId}.${f.ext}`));
    const target = await vscode.window.showSaveDialog({ defaultUri, filters: { [f.kind]: [f.ext] }, title: `Export the memaudit report as ${f.title}` });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(exportText(o.report, format, o.folder.fsPath), 'utf8'));
    this.output.info(`report exported to ${target.fsPath}`);
    this.notify(o, `Saved ${target.fsPath}`);
  }
}
