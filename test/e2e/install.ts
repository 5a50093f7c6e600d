/**
 * Installs the extension into a code-server extensions folder the way a user does: the .vsix
 * built by scripts/package.js (this machine's platform), through code-server's
 * `--install-extension`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_SCRIPT, packager } from '../helpers/packager';

export interface InstallOptions {
  /** code-server's out/node/entry.js. */
  entry: string;
  extensionsDir: string;
  /** Where the .vsix is written. */
  workDir: string;
}

function run(args: string[], what: string): string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Packages, installs, and returns the installed extension's folder. */
export function installExtension(o: InstallOptions): string {
  const vsix = path.join(o.workDir, `memaudit-${packager.currentTarget()}.vsix`);
  run([PACKAGE_SCRIPT, '--out', vsix], 'packaging the extension (scripts/package.js)');
  run([o.entry, '--extensions-dir', o.extensionsDir, '--install-extension', vsix], `code-server --install-extension ${vsix}`);
  const installed = fs.readdirSync(o.extensionsDir).filter((d) => d.startsWith('memaudit.memaudit-'));
  if (installed.length !== 1) throw new Error(`expected one memaudit extension in ${o.extensionsDir} after installing, found: ${fs.readdirSync(o.extensionsDir).join(', ')}`);
  return path.join(o.extensionsDir, installed[0]!);
}
