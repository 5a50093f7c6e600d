/** The package version, read once from package.json (two levels above dist/server/src). */
import * as fs from 'node:fs';
import * as path from 'node:path';

function readVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, rel), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'memaudit' && pkg.version) return pkg.version;
    } catch {
      // Try the next candidate location.
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
