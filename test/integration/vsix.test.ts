/**
 * The packaged extension works on its own, offline: `scripts/package.js` builds the .vsix for this
 * machine's platform, the test unpacks it into a temporary folder (outside the repository, so no
 * module can come from the repository's node_modules) and runs the engine from there the way the
 * extension starts it (EngineClient, `dist/engine/main.js --stdio` under the current runtime):
 * a small audit on a corpus written by the packed CLI (`memaudit generate`) gives a report and
 * findings, with the native parser; the packed wasm parser extracts the same corpus. The manifest
 * is checked (entry, commands), and no other platform's native binaries are in the package; a
 * package for another target holds that target's binaries only, and darwin-x64 is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineClient } from '../../extension/src/client';
import { FindingsGetRequest, ReportGetRequest, type AuditDoneParams, type AuditTarget } from '../../server/src/protocol';
import { tempDir } from '../helpers/cli';
import { PACKAGE_SCRIPT, packager, unpackVsix } from '../helpers/packager';

const { TARGETS, currentTarget, foreignNativeFiles, vsixEntries } = packager;
const target = currentTarget();
const supported = target in TARGETS && target !== 'darwin-x64';
const work = tempDir('memaudit-vsix-');
const vsix = path.join(work.dir, `memaudit-${target}.vsix`);
const unpacked = path.join(work.dir, 'unpacked');
/** The installed extension's folder: a .vsix keeps it under `extension/`. */
const extDir = path.join(unpacked, 'extension');

/** Runs the packager; returns its exit code and output. */
function packageFor(t: string, out: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [PACKAGE_SCRIPT, '--target', t, '--out', out], { encoding: 'utf8', timeout: 5 * 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the packed CLI (dist/engine/bin.js of the unpacked extension). */
function packedCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(extDir, 'dist', 'engine', 'bin.js'), ...args], {
    cwd: work.dir,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  if (!supported) return;
  const r = packageFor(target, vsix);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`packaged .*memaudit-${target}\\.vsix for ${target}: [\\d.]+ MB \\(\\d+ bytes\\), \\d+ entries`));
  unpackVsix(vsix, unpacked);
});
after(() => work.cleanup());

test('the manifest: entry point, commands, target platform; no development fields', { skip: !supported && `no package for ${target}` }, () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8')) as {
    name: string;
    main: string;
    license: string;
    scripts?: unknown;
    devDependencies?: unknown;
    contributes: { commands: { command: string; title: string }[] };
  };
  assert.equal(manifest.name, 'memaudit');
  assert.equal(manifest.main, './dist/extension/extension.js');
  assert.ok(fs.existsSync(path.join(extDir, manifest.main)), 'the entry point is packed');
  assert.equal(manifest.license, 'MIT');
  assert.equal(manifest.scripts, undefined);
  assert.equal(manifest.devDependencies, undefined);
  const audit = manifest.contributes.commands.find((c) => c.command === 'memaudit.audit');
  assert.equal(audit?.title, 'Audit memorization');
  for (const c of ['memaudit.openReport', 'memaudit.cancelAudit', 'memaudit.showFindings', 'memaudit.restartEngine']) {
    assert.ok(manifest.contributes.commands.some((x) => x.command === c), c);
  }
  const vsixManifest = fs.readFileSync(path.join(unpacked, 'extension.vsixmanifest'), 'utf8');
  assert.match(vsixManifest, new RegExp(`TargetPlatform="${target}"`));
  assert.ok(fs.existsSync(path.join(extDir, 'LICENSE.txt')), 'the license is packed');
});

test('contents: this platform’s binaries only, the wasm parser, no sources, maps or tests', { skip: !supported && `no package for ${target}` }, () => {
  const entries = vsixEntries(vsix)
    .filter((e) => e.startsWith('extension/'))
    .map((e) => e.slice('extension/'.length));
  assert.deepEqual(foreignNativeFiles(entries, target), []);
  for (const other of Object.keys(TARGETS).filter((t) => t !== target)) {
    const { platform, arch } = TARGETS[other]!;
    assert.deepEqual(
      entries.filter((e) => e.includes(`/prebuilds/${other}/`) || e.includes(`/napi-v6/${platform}/${arch}/`)),
      [],
      `no ${other} binaries`,
    );
  }
  for (const f of packager.requiredNative(target)) assert.ok(entries.includes(f), f);
  for (const l of ['java', 'python', 'ruby']) {
    assert.ok(entries.includes(`node_modules/tree-sitter-${l}/tree-sitter-${l}.wasm`), `${l} wasm grammar`);
    assert.ok(entries.includes(`dist/engine/parse/queries/${l}/methods.scm`), `${l} query`);
  }
  for (const e of entries) {
    assert.doesNotMatch(e, /\.(map|ts|c|cc|h)$/, e);
    assert.doesNotMatch(e, /^(server|test|bench|models|extension\/src|extension\/webview|dist\/test|dist\/bench|dist\/extension\/src)\//, e);
  }
  // The engine is bundled (dist/engine) and only the modules it requires at run time are packed.
  assert.ok(entries.length < 100, `${entries.length} files`);
  // Every platform's onnxruntime binaries together are ~290 MB; one platform's compress to ~20-30 MB.
  const mb = fs.statSync(vsix).size / 1024 / 1024;
  assert.ok(mb < 50, `${mb.toFixed(1)} MB`);
});

test('the unpacked extension runs its engine offline: an audit gives a report and findings', { skip: !supported && `no package for ${target}`, timeout: 180_000 }, async () => {
  const serverDir = path.join(extDir, 'dist', 'engine');
  // The engine's external dependencies resolve inside the unpacked extension, not in the
  // repository; the pure-JavaScript ones are in the bundle.
  for (const m of ['onnxruntime-node', 'tree-sitter', 'tree-sitter-java', 'web-tree-sitter']) {
    assert.ok(require.resolve(m, { paths: [serverDir] }).startsWith(extDir + path.sep), m);
  }
  const gen = packedCli(['generate', '--out', 'corpus', '--methods', '600', '--seed', '11']);
  assert.equal(gen.status, 0, gen.stderr);

  const logs: string[] = [];
  // As the extension starts it (extension.ts): this runtime with ELECTRON_RUN_AS_NODE (which plain
  // Node ignores), the entry beneath the extension folder.
  const client = new EngineClient({
    serverModule: path.join(extDir, 'dist', 'engine', 'main.js'),
    clientName: 'vsix test',
    cwd: work.dir,
    host: { log: (l) => logs.push(l), crashed: (c) => logs.push(`crashed: ${c.reason} ${c.stderrTail.join(' | ')}`) },
  });
  try {
    const info = await client.start();
    assert.equal(info.platform, process.platform);
    const dones: AuditDoneParams[] = [];
    const finished = new Promise<AuditDoneParams>((resolve) =>
      client.onDone((d) => {
        dones.push(d);
        resolve(d);
      }),
    );
    const auditTarget: AuditTarget = { folder: work.dir, config: { inputs: ['corpus'], epochs: 2, noise: ['y-shuffle:0,50'], device: 'cpu' }, useConfigFile: false };
    const started = await client.startAudit(auditTarget);
    assert.equal(started.runs, 4);
    const done = await finished;
    assert.equal(done.auditId, started.auditId);
    assert.equal(done.outcome, 'finished', `${JSON.stringify(done.error)}\n${logs.join('\n')}`);
    assert.ok(done.reportFile && fs.existsSync(done.reportFile), 'report.json written');
    assert.ok(done.reportFile.startsWith(path.join(work.dir, '.memaudit', 'runs')), done.reportFile);

    const { report } = await client.request(ReportGetRequest, { folder: work.dir, runId: 'latest' });
    assert.equal(report.runs.length, 2);
    assert.equal(report.environment.parser, 'native-flat', 'the packed extraction addon loads');
    assert.equal(report.environment.device.used, 'cpu');
    assert.ok(report.corpus.samples > 400, `${report.corpus.samples} samples`);

    const findings = await client.request(FindingsGetRequest, { folder: work.dir });
    assert.ok(findings.findings.length > 0, 'findings');
    for (const f of findings.findings) assert.ok(f.file.startsWith(path.join(work.dir, 'corpus')), f.file);
  } finally {
    await client.stop();
  }
});

test('the packed parsers (extraction addon, tree-sitter binding, wasm fallback) extract the same corpus; auto falls back in that order', { skip: !supported && `no package for ${target}`, timeout: 120_000 }, () => {
  const summary = (parser: string) => {
    const r = packedCli(['extract', 'corpus', '--parser', parser, '--format', 'json', '--no-cache', '--out', path.join(work.dir, `extract-${parser}`)]);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { parser: { backend: string }; samples: { total: number; byLanguage: Record<string, number> } };
  };
  const wasm = summary('wasm');
  const native = summary('native');
  const flat = summary('native-flat');
  assert.equal(wasm.parser.backend, 'wasm');
  assert.equal(native.parser.backend, 'native');
  assert.equal(flat.parser.backend, 'native-flat');
  assert.deepEqual(wasm.samples, native.samples);
  assert.deepEqual(flat.samples, native.samples);
  assert.deepEqual(Object.keys(wasm.samples.byLanguage).sort(), ['java', 'python', 'ruby']);
  assert.equal(summary('auto').parser.backend, 'native-flat');

  // Without the extraction addon `auto` uses the binding; where that does not load either (here:
  // removed), it falls back to wasm and says why.
  fs.rmSync(path.join(extDir, packager.FLAT_ADDON));
  assert.equal(summary('auto').parser.backend, 'native');
  fs.rmSync(path.join(extDir, 'node_modules', 'tree-sitter', 'prebuilds', target), { recursive: true });
  const auto = summary('auto') as ReturnType<typeof summary> & { parser: { fallbackReason?: string } };
  assert.equal(auto.parser.backend, 'wasm');
  assert.match(auto.parser.fallbackReason ?? '', /native tree-sitter .*No native build was found/);
  assert.deepEqual(auto.samples, native.samples);
});

test('a package for another target holds that target’s binaries only; darwin-x64 is refused', { timeout: 180_000 }, () => {
  const other = target === 'linux-arm64' ? 'linux-x64' : 'linux-arm64';
  const out = path.join(work.dir, `memaudit-${other}.vsix`);
  const r = packageFor(other, out);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const { problems, entries } = packager.checkVsix(out, other);
  assert.deepEqual(problems, []);
  const natives = entries.filter((e) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(e));
  assert.ok(natives.length >= 5, natives.join(', '));
  const { platform, arch } = TARGETS[other]!;
  for (const n of natives) assert.ok(n.includes(`/prebuilds/${other}/`) || n.includes(`/napi-v6/${platform}/${arch}/`), n);
  fs.rmSync(out);

  const refused = packageFor('darwin-x64', path.join(work.dir, 'never.vsix'));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /cannot package for darwin-x64:.*onnxruntime-node 1\.30\.0 publishes binaries for .* only/s);
  assert.ok(!fs.existsSync(path.join(work.dir, 'never.vsix')));
});
