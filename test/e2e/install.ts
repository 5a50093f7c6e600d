/**
 * Installs the built extension into a code-server extensions folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InstallOptions {
  /** The repository root (package.json, dist/, node_modules/). */
  root: string;
  /** code-server's out/node/entry.js. */
  entry: string;
  extensionsDir: string;
}

/** Unpacks the extension as `<publisher>.<name>-<version>` (VSCODE-TESTING.md: enough to install it). */
export async function installExtension(o: InstallOptions): Promise<void> {
  const manifest = JSON.parse(fs.readFileSync(path.join(o.root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const dir = path.join(o.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(o.root, 'package.json'), path.join(dir, 'package.json'));
  for (const sub of ['dist', 'node_modules', 'extension']) fs.symlinkSync(path.join(o.root, sub), path.join(dir, sub));
}
