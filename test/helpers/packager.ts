/** Typed access to scripts/package.js (plain JavaScript, run without a build) for the tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';

/** The repository root (tests run from dist/test/…). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The packager script. */
export const PACKAGE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'package.js');

export interface Packager {
  FLAT_ADDON: string;
  TARGETS: Record<string, { platform: NodeJS.Platform; arch: string }>;
  REQUIRED: string[];
  currentTarget(): string;
  requiredNative(target: string): string[];
  foreignNativeFiles(paths: string[], target: string): string[];
  keepModuleFile(name: string, rel: string, target: string): boolean;
  productionPackages(root: string): { dir: string; name: string; version: string; optional: boolean }[];
  runtimePackages(root: string): { dir: string; name: string; version: string; optional: boolean }[];
  INSTALL_ONLY: Record<string, string[]>;
  runtimeManifest(manifest: Record<string, unknown>): Record<string, unknown>;
  planPackage(root: string, target: string, options?: { hostBuilds?: boolean }): { files: Map<string, string | undefined>; errors: string[]; notes: string[] };
  packedManifest(manifest: Record<string, unknown>): Record<string, unknown>;
  packedReadme(text: string): string;
  vsixEntries(file: string): string[];
  checkVsix(file: string, target: string): { entries: string[]; problems: string[] };
}

export const packager = require(PACKAGE_SCRIPT) as Packager;

/** Unpacks a .vsix under `dir`; returns the extension's folder (a .vsix keeps it under `extension/`). */
export function unpackVsix(vsix: string, dir: string): string {
  for (const [name, data] of Object.entries(unzipSync(fs.readFileSync(vsix)))) {
    const dest = path.join(dir, name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, data);
  }
  return path.join(dir, 'extension');
}
