/**
 * The CLI as an npm package, as the CI recipes use it: `npm pack` gives a tarball of a few files
 * (the engine bundle, dist/engine/), which installs in an empty folder with `npm install
 * <tarball>` and runs `npx memaudit generate` and `npx memaudit audit` there, with no network.
 *
 * No network: npm's registry is a stand-in on 127.0.0.1 (helpers/local-registry.ts) that serves
 * the versions of package-lock.json from the npm cache `npm ci` filled, and the install uses an
 * empty cache of its own, so every package comes through it and nothing from the internet.
 * `--ignore-scripts`, as the README says for offline installs: onnxruntime-node's postinstall
 * would fetch CUDA libraries on linux-x64, and the tree-sitter packages' would compile from
 * sources where their prebuilds do not load (the engine then parses with the wasm grammars).
 * `--legacy-peer-deps`: tree-sitter-java and tree-sitter-ruby declare an optional peer
 * tree-sitter@^0.21.1, older than the 0.25 memaudit depends on; the repository settles that with
 * `overrides`, which npm applies to the root project only, not to a package's consumers (and
 * with no version in range to offer, as here, npm's peer resolution does not finish; with the
 * public registry's 0.21 releases to offer, it adds a tree-sitter 0.21 for the grammars).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/cli';
import { npmCacheDir, startLocalRegistry, type LocalRegistry } from '../helpers/local-registry';
import { REPO_ROOT } from '../helpers/packager';

const work = tempDir('memaudit-npm-pack-');
const consumer = path.join(work.dir, 'consumer');
let registry: LocalRegistry;
let tarball = '';

/** npm's settings for every command here: the stand-in registry, a fresh cache, no side requests. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_|^(https?|no)_proxy$/i.test(k)) delete env[k];
  return {
    ...env,
    npm_config_registry: registry.url,
    npm_config_cache: path.join(work.dir, 'npm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process, whose event loop answers as the registry. */
function run(cmd: string, args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: npmEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function output(r: Ran): string {
  return `exit ${r.status}\n${r.stdout}\n${r.stderr}`;
}

before(async () => {
  registry = await startLocalRegistry(path.join(REPO_ROOT, 'package-lock.json'), npmCacheDir());
  fs.mkdirSync(consumer);
});
after(async () => {
  await registry.close();
  work.cleanup();
});

test('npm pack: the bundled engine, a few files', async () => {
  const r = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work.dir], REPO_ROOT);
  assert.equal(r.status, 0, output(r));
  const [packed] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work.dir, packed!.filename);
  const files = packed!.files.map((f) => f.path).sort();
  for (const f of ['package.json', 'LICENSE', 'README.md', 'dist/engine/bin.js', 'dist/engine/memaudit.js', 'dist/engine/main.js', 'dist/engine/worker.js', 'dist/engine/report/report.schema.json']) {
    assert.ok(files.includes(f), `${f} is packed`);
  }
  assert.ok(files.length < 20, files.join(', '));
  assert.deepEqual(files.filter((f) => /^(server|test|dist\/server|dist\/test|node_modules)\//.test(f)), []);
});

test('the tarball installs in an empty folder with no network and audits a generated corpus there', { timeout: 300_000 }, async () => {
  assert.ok(tarball, 'packed by the previous test');
  const install = await run('npm', ['install', '--ignore-scripts', '--legacy-peer-deps', tarball], consumer);
  assert.equal(install.status, 0, `${output(install)}\nnot served: ${registry.missing.join(', ')}`);
  assert.deepEqual(registry.missing, []);
  const installed = path.join(consumer, 'node_modules', 'memaudit');
  assert.ok(fs.existsSync(path.join(installed, 'dist', 'engine', 'bin.js')));
  // Every dependency at the version memaudit pins, where the bundle requires it from.
  const deps = (JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  for (const [name, version] of Object.entries(deps)) {
    const got = (JSON.parse(fs.readFileSync(path.join(consumer, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(got, version, name);
  }
  // The pure-JavaScript dependencies are in the bundle: none of them is installed.
  for (const m of ['yaml', 'protobufjs', 'vscode-jsonrpc', 'fflate', 'ignore']) assert.ok(!fs.existsSync(path.join(consumer, 'node_modules', m)), m);

  const version = await run('npx', ['--no', '--', 'memaudit', '--version'], consumer);
  assert.equal(version.status, 0, output(version));
  assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);

  const gen = await run('npx', ['--no', '--', 'memaudit', 'generate', '--out', 'c', '--methods', '400'], consumer);
  assert.equal(gen.status, 0, output(gen));
  const audit = await run('npx', ['--no', '--', 'memaudit', 'audit', 'c', '--epochs', '2', '--mem-folds', '0', '--noise', 'y-shuffle:0,50', '--json', 'report.json'], consumer);
  assert.equal(audit.status, 0, output(audit));
  const report = JSON.parse(fs.readFileSync(path.join(consumer, 'report.json'), 'utf8')) as { runs: unknown[]; corpus: { samples: number }; environment: { parser: string } };
  assert.equal(report.runs.length, 2);
  assert.ok(report.corpus.samples > 300, `${report.corpus.samples} samples`);
  // The installed package has no flat addon (built per machine, not packed): the binding or wasm.
  assert.match(report.environment.parser, /^(native|wasm)$/);
});
