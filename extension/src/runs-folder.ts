/**
 * Whether a workspace folder may have audits, checked before the engine is started for it. The
 * layout is the protocol's (`<outDir>/runs`); where `outDir` comes from is the engine's rule:
 * the `memaudit.outDir` setting, else the folder's config file, else the default. The config
 * file's value is the engine's to read, so a folder with a config file counts as one that may have
 * audits, and the engine answers.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_FILE_NAMES, DEFAULT_OUT_DIR, RUNS_FOLDER } from '../../server/src/protocol';
import { outDir, useConfigFile, type SettingReader } from './config';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function folderHasRuns(folder: vscode.WorkspaceFolder, settings: SettingReader): Promise<boolean> {
  const set = outDir(settings);
  if (set === undefined && useConfigFile(settings)) {
    for (const name of CONFIG_FILE_NAMES) if (await exists(vscode.Uri.joinPath(folder.uri, name))) return true;
  }
  const dir = set ?? DEFAULT_OUT_DIR;
  const base = path.isAbsolute(dir) ? vscode.Uri.file(dir) : vscode.Uri.joinPath(folder.uri, dir);
  return exists(vscode.Uri.joinPath(base, RUNS_FOLDER));
}
