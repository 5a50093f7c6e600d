/**
 * The engine bundle (scripts/bundle-engine.js → dist/engine/) and the one resolver the engine
 * finds its files through (server/src/assets.ts), in both layouts: tsc's per-file output, which
 * these tests run, and the bundle, run here as a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLED, engineAsset, flatAddonPath, runWorkerScript, workerScript } from '../../../server/src/assets';
import { findOwnPackage, ownPackage } from '../../../server/src/report/shared/own-package';
import { VERSION } from '../../../server/src/version';
import { REPO_ROOT } from '../../helpers/packager';

const ENGINE = path.join(REPO_ROOT, 'dist', 'engine');
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

test('tsc layout: the assets, the worker and the package are found from dist/server/src', () => {
  assert.equal(BUNDLED, false);
  assert.ok(fs.existsSync(engineAsset('report', 'report.schema.json')));
  assert.ok(fs.existsSync(engineAsset('parse', 'queries', 'java', 'methods.scm')));
  assert.equal(workerScript(), path.join(REPO_ROOT, 'dist', 'server', 'src', 'pipeline', 'worker.js'));
  assert.ok(fs.existsSync(workerScript()));
  assert.equal(runWorkerScript(), path.join(REPO_ROOT, 'dist', 'server', 'src', 'audit', 'run-worker.js'));
  assert.ok(fs.existsSync(runWorkerScript()));
  assert.equal(ownPackage()?.root, REPO_ROOT);
  assert.equal(VERSION, manifest.version);
  assert.equal(flatAddonPath(), path.join(REPO_ROOT, 'dist', 'native', 'memaudit_flat.node'));
});

test('the package is found from any depth below it, and not from outside', () => {
  assert.equal(findOwnPackage(path.join(REPO_ROOT, 'dist', 'server', 'src', 'report', 'shared'))?.root, REPO_ROOT);
  assert.equal(findOwnPackage(ENGINE)?.root, REPO_ROOT);
  assert.equal(findOwnPackage(path.parse(REPO_ROOT).root), undefined);
});

test('bundle layout: entries, the executable, the assets at their server/src paths', () => {
  for (const f of ['bin.js', 'memaudit.js', 'main.js', 'worker.js', 'run-worker.js', 'report/report.schema.json', 'parse/queries/python/methods.scm']) {
    assert.ok(fs.existsSync(path.join(ENGINE, f)), `${f} (npm run build)`);
  }
  assert.match(fs.readFileSync(path.join(ENGINE, 'bin.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const r = spawnSync(process.execPath, [path.join(ENGINE, 'bin.js'), '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), manifest.version);
});

test('the bundle holds the engine and the models; native and file-loading packages stay external', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(ENGINE, 'meta.json'), 'utf8')) as { inputs: string[]; external: string[] };
  assert.deepEqual([...meta.external].sort(), Object.keys(manifest.dependencies).sort(), 'the external packages are the npm dependencies');
  assert.ok(meta.inputs.some((p) => p.startsWith('models/')));
  assert.ok(meta.inputs.some((p) => /node_modules\/yaml\//.test(p)), 'pure-JavaScript dependencies are bundled');
  for (const ext of meta.external) assert.deepEqual(meta.inputs.filter((p) => p.includes(`node_modules/${ext}/`)), [], ext);
  assert.deepEqual(meta.inputs.filter((p) => /^(extension|test|bench)\//.test(p)), []);
});

test('only the resolvers read __dirname (a path relative to a module breaks once it is bundled)', () => {
  const allowed = new Set(['server/src/assets.ts', 'server/src/report/shared/own-package.ts']);
  const offenders: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(REPO_ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (/\.ts$/.test(e.name) && !allowed.has(child) && /\b__(dirname|filename)\b/.test(fs.readFileSync(path.join(REPO_ROOT, child), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) offenders.push(child);
    }
  };
  for (const root of ['server/src', 'models']) walk(root);
  assert.deepEqual(offenders, [], 'use server/src/assets.ts (engineAsset, workerScript, flatAddonPath)');
});
