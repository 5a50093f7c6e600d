/**
 * Where the engine's files are at run time, in one place. The engine runs either from tsc's
 * per-file output (dist/server/src/…: the tests) or from the esbuild bundle (dist/engine/bin.js,
 * main.js, worker.js: the CLI and the extension, scripts/bundle-engine.js). Both keep the assets
 * (tree-sitter queries, the report schema) at the same paths relative to the folder of the file
 * that holds this code — dist/server/src/ for tsc, dist/engine/ for the bundle, where the bundler
 * copies them — so a path relative to a module's own __dirname, which the bundle would break,
 * is never needed.
 */
import * as path from 'node:path';
import { ownPackage } from './report/shared/own-package';

/** Set to true by the bundler (esbuild `define`); undeclared in tsc's output. */
declare const MEMAUDIT_BUNDLE: boolean | undefined;

/** Whether this code runs from the engine bundle. */
export const BUNDLED: boolean = typeof MEMAUDIT_BUNDLE !== 'undefined' && MEMAUDIT_BUNDLE === true;

/** The engine's root folder: dist/server/src (tsc) or dist/engine (bundle). */
const ENGINE_ROOT = __dirname;

/** An asset of the engine by its path under server/src (e.g. `parse/queries/java`). */
export function engineAsset(...rel: string[]): string {
  return path.join(ENGINE_ROOT, ...rel);
}

/** The extraction worker's script: a bundle entry of its own, or tsc's pipeline/worker.js. */
export function workerScript(): string {
  return BUNDLED ? engineAsset('worker.js') : engineAsset('pipeline', 'worker.js');
}

/** The run worker's script (audit/run-worker.ts: runs side by side), a bundle entry of its own. */
export function runWorkerScript(): string {
  return BUNDLED ? engineAsset('run-worker.js') : engineAsset('audit', 'run-worker.js');
}

/** memaudit's extraction addon, where scripts/build-native.js puts it: dist/native/ of the package. */
export function flatAddonPath(): string {
  const root = ownPackage()?.root ?? path.resolve(ENGINE_ROOT, '..', '..', '..');
  return path.join(root, 'dist', 'native', 'memaudit_flat.node');
}
