/**
 * Findings in the editor: an Information diagnostic on each method the latest audit of a workspace
 * folder lists, its message explaining the numbers (findings-map.ts), shown in the hover and the
 * Problems view. Audits with the cross-fitted memorization score list two categories, "Likely
 * memorized" and "Not learned", with their own prefix and code; `memaudit.findings.categories`
 * picks which are shown. `memaudit.findings.enabled` turns them off; nothing is shown in an
 * untrusted workspace.
 */
import * as vscode from 'vscode';
import { FindingsGetRequest, type EditorFinding, type FindingsResult } from '../../server/src/protocol';
import type { EngineClient } from './client';
import { folderHasRuns } from './runs-folder';
import { findingsCategories, findingsEnabled, outDir, type SettingReader } from './config';
import { findingsToDiagnostics, shownByFilter, type DiagnosticSpec } from './findings-map';

/** A finding with the folder whose audit it comes from. */
export interface FolderFinding extends EditorFinding {
  folder: vscode.WorkspaceFolder;
}

function toDiagnostic(spec: DiagnosticSpec): vscode.Diagnostic {
  const r = spec.range;
  const d = new vscode.Diagnostic(new vscode.Range(r.startLine, r.startColumn, r.endLine, r.endColumn), spec.message, vscode.DiagnosticSeverity.Information);
  d.source = spec.source;
  d.code = spec.code;
  return d;
}

export class FindingsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('memaudit');
  private readonly byFolder = new Map<string, { folder: vscode.WorkspaceFolder; result: FindingsResult }>();

  constructor(
    private readonly client: EngineClient,
    private readonly settings: (scope?: vscode.Uri) => SettingReader,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  dispose(): void {
    this.collection.dispose();
  }

  /** Whether findings may be shown now. */
  private enabled(): boolean {
    return vscode.workspace.isTrusted && findingsEnabled(this.settings());
  }

  /**
   * Reloads the findings of every workspace folder. With `onlyWithRuns`, folders without a runs
   * folder are skipped, so that opening a workspace never audited does not start the engine.
   */
  async refreshAll(onlyWithRuns = false): Promise<void> {
    if (!this.enabled()) {
      this.byFolder.clear();
      this.collection.clear();
      return;
    }
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      if (onlyWithRuns && !(await this.hasRuns(folder))) continue;
      await this.refresh(folder);
    }
  }

  private hasRuns(folder: vscode.WorkspaceFolder): Promise<boolean> {
    return folderHasRuns(folder, this.settings(folder.uri));
  }

  /** Reloads one folder's findings. Errors go to the output channel (findings are a courtesy, not a task). */
  async refresh(folder: vscode.WorkspaceFolder): Promise<void> {
    if (!this.enabled()) return;
    try {
      const dir = outDir(this.settings(folder.uri));
      const result = await this.client.request(FindingsGetRequest, { folder: folder.uri.fsPath, ...(dir ? { outDir: dir } : {}) });
      this.byFolder.set(folder.uri.toString(), { folder, result });
      if (result.skipped > 0) this.output.info(`${result.skipped} finding(s) of ${folder.name} are inside zip archives and cannot be shown in the editor`);
    } catch (e) {
      this.output.warn(`cannot load the findings of ${folder.name}: ${(e as Error).message}`);
    }
    this.render();
  }

  /** Every finding shown (in the categories the folder's settings show), in the report's order per folder. */
  all(): FolderFinding[] {
    const out: FolderFinding[] = [];
    for (const { folder, result } of this.byFolder.values()) {
      const filter = findingsCategories(this.settings(folder.uri));
      for (const f of result.findings) if (shownByFilter(f, filter)) out.push({ ...f, folder });
    }
    return out;
  }

  /** The findings' summaries per folder (memorization summary of the audit), for the quick pick. */
  results(): { folder: vscode.WorkspaceFolder; result: FindingsResult }[] {
    return [...this.byFolder.values()];
  }

  /** Redraws the diagnostics from the loaded findings (after `memaudit.findings.categories` changed). */
  render(): void {
    this.collection.clear();
    const merged = new Map<string, vscode.Diagnostic[]>();
    for (const { folder, result } of this.byFolder.values()) {
      const filter = findingsCategories(this.settings(folder.uri));
      for (const [file, specs] of findingsToDiagnostics(result, filter)) merged.set(file, [...(merged.get(file) ?? []), ...specs.map(toDiagnostic)]);
    }
    for (const [file, diagnostics] of merged) this.collection.set(vscode.Uri.file(file), diagnostics);
  }
}
