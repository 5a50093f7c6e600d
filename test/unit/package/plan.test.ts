/**
 * What scripts/package.js puts in a .vsix, per target, without running vsce: the target's native
 * binaries only (onnxruntime-node, tree-sitter prebuilds), the wasm parser for the fallback, the
 * built extension and engine, no sources, maps, tests or build leftovers. node_modules holds every
 * platform's binaries (they ship in the npm tarballs), so every target can be planned here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { packager, REPO_ROOT } from '../../helpers/packager';

const { TARGETS, currentTarget, keepModuleFile, foreignNativeFiles, planPackage, packedManifest, requiredNative } = packager;

test('dependency files: only the target platform’s binaries, no sources, maps or tests; licenses stay', () => {
  const t = 'linux-x64';
  assert.equal(keepModuleFile('tree-sitter', 'prebuilds/linux-x64/tree-sitter.node', t), true);
  assert.equal(keepModuleFile('tree-sitter', 'prebuilds/linux-arm64/tree-sitter.node', t), false);
  assert.equal(keepModuleFile('tree-sitter', 'prebuilds/darwin-x64/tree-sitter.node', t), false);
  assert.equal(keepModuleFile('tree-sitter', 'src/binding.cc', t), false);
  assert.equal(keepModuleFile('tree-sitter', 'vendor/tree-sitter/lib/src/lib.c', t), false);
  assert.equal(keepModuleFile('tree-sitter', 'build/Release/tree_sitter_runtime_binding.node', t), false);
  assert.equal(keepModuleFile('tree-sitter', 'index.js', t), true);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'src/node-types.json', t), true);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'src/parser.c', t), false);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'src/grammar.json', t), false);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'grammar.js', t), false);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'tree-sitter-ruby.wasm', t), true);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'bindings/node/index.js', t), true);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'bindings/node/binding_test.js', t), false);
  assert.equal(keepModuleFile('tree-sitter-ruby', 'LICENSE', t), true);
  assert.equal(keepModuleFile('onnxruntime-node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1', t), true);
  assert.equal(keepModuleFile('onnxruntime-node', 'bin/napi-v6/linux/arm64/onnxruntime_binding.node', t), false);
  assert.equal(keepModuleFile('onnxruntime-node', 'bin/napi-v6/win32/x64/DirectML.dll', t), false);
  assert.equal(keepModuleFile('onnxruntime-node', 'bin/napi-v6/win32/x64/DirectML.dll', 'win32-x64'), true);
  assert.equal(keepModuleFile('onnxruntime-node', 'dist/binding.js', t), true);
  assert.equal(keepModuleFile('onnxruntime-node', 'dist/binding.js.map', t), false);
  assert.equal(keepModuleFile('onnxruntime-node', 'script/install.js', t), false);
  assert.equal(keepModuleFile('onnxruntime-node', 'lib/binding.ts', t), false);
  assert.equal(keepModuleFile('web-tree-sitter', 'web-tree-sitter.cjs', t), true);
  assert.equal(keepModuleFile('web-tree-sitter', 'web-tree-sitter.wasm', t), true);
  assert.equal(keepModuleFile('web-tree-sitter', 'web-tree-sitter.wasm.map', t), false);
  assert.equal(keepModuleFile('web-tree-sitter', 'debug/web-tree-sitter.wasm', t), false);
  assert.equal(keepModuleFile('web-tree-sitter', 'web-tree-sitter.js', t), false, 'the ES module build (require loads the .cjs)');
  assert.equal(keepModuleFile('onnxruntime-common', 'dist/cjs/index.js', t), true);
  assert.equal(keepModuleFile('onnxruntime-common', 'dist/cjs/package.json', t), true, 'its "type": "commonjs"');
  assert.equal(keepModuleFile('onnxruntime-common', 'dist/esm/index.js', t), false);
  assert.equal(keepModuleFile('onnxruntime-common', 'lib/index.ts', t), false);
  assert.equal(keepModuleFile('node-gyp-build', 'node-gyp-build.js', t), true);
  assert.equal(keepModuleFile('node-gyp-build', 'bin.js', t), false, 'the build command, run by install scripts only');
  assert.equal(keepModuleFile('protobufjs', 'src/root.js', t), true);
  assert.equal(keepModuleFile('protobufjs', 'index.d.ts', t), false);
  assert.equal(keepModuleFile('vscode-jsonrpc', 'License.txt', t), true);
  assert.equal(keepModuleFile('vscode-jsonrpc', 'tsconfig.tsbuildinfo', t), false);
  assert.equal(keepModuleFile('semver', 'README.md', t), false);
  assert.equal(keepModuleFile('some-lib', 'test/index.js', t), false);
  assert.equal(keepModuleFile('some-lib', 'lib/test/index.js', t), true);
});

test('foreign native files: other platforms’ folders and binaries outside the known folders', () => {
  const paths = [
    'node_modules/tree-sitter/prebuilds/linux-x64/tree-sitter.node',
    'node_modules/tree-sitter/prebuilds/linux-arm64/tree-sitter.node',
    'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
    'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/libonnxruntime.1.dylib',
    'node_modules/some-lib/build/Release/addon.node',
    'node_modules/tree-sitter-java/tree-sitter-java.wasm',
    'dist/server/src/main.js',
  ];
  assert.deepEqual(foreignNativeFiles(paths, 'linux-x64'), [paths[1], paths[3], paths[4]]);
  assert.deepEqual(foreignNativeFiles(paths, 'darwin-arm64'), [paths[0], paths[1], paths[2], paths[4]]);
});

test('the packed manifest: the extension manifest without scripts and development dependencies', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const packed = packedManifest(manifest);
  assert.equal(packed['scripts'], undefined, 'no scripts, so vsce runs no vscode:prepublish in the staging folder');
  assert.match(String((manifest['scripts'] as Record<string, string>)['vscode:prepublish']), /npm run package/, 'vsce in the repository itself is stopped');
  assert.equal(packed['devDependencies'], undefined);
  assert.equal(packed['main'], './dist/extension/extension.js');
  assert.deepEqual(packed['contributes'], manifest['contributes']);
  assert.deepEqual(packed['dependencies'], manifest['dependencies']);
  assert.equal(manifest['license'], 'MIT');
  assert.ok(fs.existsSync(path.join(REPO_ROOT, 'LICENSE')), 'a LICENSE file (vsce asks for one otherwise)');
});

test('for this machine, a tree-sitter prebuild that does not load here is swapped for the local build when that one loads', { skip: !(currentTarget() in TARGETS) || currentTarget() === 'darwin-x64' }, () => {
  const target = currentTarget();
  const plain = planPackage(REPO_ROOT, target, { hostBuilds: false });
  assert.deepEqual(plain.notes, []);
  const plan = planPackage(REPO_ROOT, target);
  assert.deepEqual(plan.errors, []);
  for (const rel of [...plan.files.keys()].filter((f) => /tree-sitter[^/]*\/prebuilds\/.*\.node$/.test(f))) {
    const src = plan.files.get(rel)!;
    const swapped = src !== plain.files.get(rel);
    const pkg = rel.split('/')[1]!;
    const note = plan.notes.find((n) => n.startsWith(`${pkg}:`));
    if (swapped) {
      assert.match(src, /[\\/]build[\\/]Release[\\/][^\\/]+\.node$/);
      assert.match(note ?? '', /does not load here .*packed this machine's build/);
    }
    const loads = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(src)})`]).status === 0;
    assert.ok(loads || /no local build that does/.test(note ?? ''), `${rel} (${src}) loads here`);
  }
});

for (const target of Object.keys(TARGETS)) {
  test(`plan for ${target}: its binaries, the wasm fallback, the built code; nothing else`, () => {
    const plan = planPackage(REPO_ROOT, target);
    if (target === 'darwin-x64') {
      // onnxruntime-node publishes no Intel macOS binary: the engine could not train there.
      assert.equal(plan.errors.length, 1, plan.errors.join('\n'));
      assert.match(plan.errors[0]!, /onnxruntime-node\/bin\/napi-v6\/darwin\/x64\/onnxruntime_binding\.node/);
      assert.match(plan.errors[0]!, /publishes binaries for .* only/);
      return;
    }
    assert.deepEqual(plan.errors, []);
    const files = [...plan.files.keys()];
    for (const f of requiredNative(target)) assert.ok(plan.files.has(f), `${f} is packed`);
    const expected = [
      'package.json',
      'LICENSE',
      'README.md',
      'extension/media/memaudit.svg',
      'dist/extension/extension.js',
      'dist/extension/webview/report.js',
      'dist/engine/main.js',
      'dist/engine/bin.js',
      'dist/engine/memaudit.js',
      'dist/engine/worker.js',
      'dist/engine/run-worker.js',
      'dist/engine/report/report.schema.json',
      ...['java', 'python', 'ruby'].flatMap((l) => [`dist/engine/parse/queries/${l}/methods.scm`, `node_modules/tree-sitter-${l}/tree-sitter-${l}.wasm`, `node_modules/tree-sitter-${l}/src/node-types.json`]),
      'node_modules/web-tree-sitter/web-tree-sitter.wasm',
    ];
    for (const f of expected) assert.ok(plan.files.has(f), `${f} is packed`);
    assert.deepEqual(foreignNativeFiles(files, target), []);
    assert.ok(files.length < 95, `${files.length} files (the .vsix adds its manifest and content types)`);
    const { platform, arch } = TARGETS[target]!;
    for (const f of files) {
      assert.doesNotMatch(f, /\.(map|ts|c|cc|h)$/, f);
      assert.doesNotMatch(f, /^(server|test|bench|models|extension\/src|extension\/webview|dist\/test|dist\/bench|dist\/extension\/src|dist\/server|dist\/models)\//, f);
      if (/\.(node|dll|dylib|so(\.\d+)*)$/.test(f)) assert.ok(f.includes(`/prebuilds/${target}/`) || f.includes(`/napi-v6/${platform}/${arch}/`) || (f === packager.FLAT_ADDON && target === currentTarget()), f);
    }
  });
}

test('the packed README drops the screenshot blocks (relative images vsce cannot resolve) and keeps the rest', () => {
  const readme = ['# memaudit', 'Intro.', '<!-- screenshots -->', '![panel](docs/images/a.png)', '<!-- /screenshots -->', '| a | b |', '|---|---|', '| 1 | 2 |', 'See ![the map](docs/b.png) here.', ''].join('\n');
  assert.equal(packager.packedReadme(readme), ['# memaudit', 'Intro.', '| a | b |', '|---|---|', '| 1 | 2 |', 'See the map here.', ''].join('\n'));
  assert.doesNotMatch(packager.packedReadme(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')), /!\[|docs\/images/);
});

test("memaudit's extraction addon (built for this machine only) is packed for this machine's target only", () => {
  const here = currentTarget();
  const other = here === 'linux-arm64' ? 'linux-x64' : 'linux-arm64';
  assert.deepEqual(foreignNativeFiles([packager.FLAT_ADDON], other), [packager.FLAT_ADDON]);
  assert.equal(planPackage(REPO_ROOT, other).files.has(packager.FLAT_ADDON), false);
  if (TARGETS[here]) assert.deepEqual(foreignNativeFiles([packager.FLAT_ADDON], here), []);
});

test('the packed README keeps the text of links into the repository (vsce cannot resolve them) and the links with a scheme or an anchor', () => {
  const readme = 'See [`docs/metrics.md`](docs/metrics.md), [the site](https://example.org/x), [above](#quick-start) and [ref](./a/b.md#c).\n';
  assert.equal(packager.packedReadme(readme), 'See `docs/metrics.md`, [the site](https://example.org/x), [above](#quick-start) and ref.\n');
  assert.doesNotMatch(packager.packedReadme(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')), /\]\((?![a-z][a-z0-9+.-]*:|#)/i);
});

test('runtime packages: the manifest’s dependencies and theirs, without what only install scripts use', () => {
  const names = packager.runtimePackages(REPO_ROOT).map((p) => p.name);
  for (const n of ['onnxruntime-node', 'onnxruntime-common', 'tree-sitter', 'tree-sitter-java', 'tree-sitter-python', 'tree-sitter-ruby', 'node-gyp-build', 'web-tree-sitter']) assert.ok(names.includes(n), n);
  // Downloading (onnxruntime-node's install script), compiling (node-addon-api's headers) and
  // what the bundle already holds (yaml, protobufjs, vscode-jsonrpc…) stay out.
  for (const n of ['adm-zip', 'global-agent', 'semver', 'node-addon-api', 'yaml', 'protobufjs', 'vscode-jsonrpc', 'fflate', 'ignore']) assert.ok(!names.includes(n), n);
});

test('a packed dependency’s manifest drops the install-only dependencies and the install script', () => {
  const manifest = { name: 'onnxruntime-node', version: '1.30.0', dependencies: { 'adm-zip': '^0.6.0', 'global-agent': '^4.1.3', 'onnxruntime-common': '1.30.0' }, scripts: { postinstall: 'node ./script/install', build: 'tsc' } };
  assert.deepEqual(packager.runtimeManifest(manifest), { name: 'onnxruntime-node', version: '1.30.0', dependencies: { 'onnxruntime-common': '1.30.0' }, scripts: { build: 'tsc' } });
  assert.deepEqual(manifest.dependencies['adm-zip'], '^0.6.0', 'the input is not changed');
});

test('the npm manifest: the bundle as bin, its files, the repository, no download by onnxruntime-node on install', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, any>;
  assert.deepEqual(manifest['bin'], { memaudit: 'dist/engine/bin.js' });
  assert.ok((manifest['files'] as string[]).includes('dist/engine/'));
  assert.deepEqual(manifest['repository'], { type: 'git', url: 'https://github.com/memaudit/memaudit.git' });
  // npm's install-script policy skips onnxruntime-node's postinstall (a CUDA download on
  // linux-x64), the job of .npmrc's `onnxruntime-node-install=skip`, a key npm no longer supports.
  assert.equal(manifest['allowScripts']['onnxruntime-node'], false);
  for (const p of ['tree-sitter', 'tree-sitter-java', 'tree-sitter-python', 'tree-sitter-ruby']) assert.equal(manifest['allowScripts'][p], true, p);
  assert.ok(!fs.existsSync(path.join(REPO_ROOT, '.npmrc')) || !/onnxruntime-node-install/.test(fs.readFileSync(path.join(REPO_ROOT, '.npmrc'), 'utf8')));
  assert.equal(packedManifest(manifest)['files'], undefined, 'vsce refuses `files` next to .vscodeignore');
});
