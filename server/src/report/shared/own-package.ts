/**
 * memaudit's own package.json, found by walking up from this file's folder: the code runs from
 * several layouts (tsc's dist/server/src/…, the engine bundle dist/engine/, the extension bundle
 * dist/extension/, an installed package node_modules/memaudit/dist/engine/), each at another depth.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface OwnPackage {
  /** Folder holding the package.json. */
  root: string;
  manifest: { name?: string; version?: string; homepage?: unknown };
}

/** Folders above the start that are tried; the deepest layout (dist/server/src/report/shared) is 5 below. */
const MAX_LEVELS = 8;

let found: OwnPackage | null | undefined;

/** The nearest package.json named `memaudit` above this file (read once), or undefined. */
export function ownPackage(): OwnPackage | undefined {
  if (found === undefined) found = findOwnPackage(__dirname) ?? null;
  return found ?? undefined;
}

/** The nearest package.json named `memaudit` at or above `start`, or undefined. */
export function findOwnPackage(start: string): OwnPackage | undefined {
  let dir = start;
  for (let i = 0; i <= MAX_LEVELS; i++) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as OwnPackage['manifest'];
      if (manifest.name === 'memaudit') return { root: dir, manifest };
    } catch {
      // No readable package.json here: look one level up.
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
