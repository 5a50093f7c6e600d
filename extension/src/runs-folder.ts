/** Where a workspace folder's audits live, as the dashboard and the findings both need to know. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { outDir, type SettingReader } from './config';

/** Whether the folder has a `runs` folder under its output folder (`memaudit.outDir`, default `.memaudit`). */
export async function folderHasRuns(folder: vscode.WorkspaceFolder, settings: SettingReader): Promise<boolean> {
  try {
    const dir = outDir(settings) ?? '.memaudit';
    const base = path.isAbsolute(dir) ? vscode.Uri.file(dir) : vscode.Uri.joinPath(folder.uri, dir);
    await vscode.workspace.fs.stat(vscode.Uri.joinPath(base, 'runs'));
    return true;
  } catch {
    return false;
  }
}
