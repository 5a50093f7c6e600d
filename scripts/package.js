// Packages the extension as a platform-specific .vsix that works offline:
//
//   node scripts/package.js [--target linux-x64] [--out dist/memaudit-linux-x64.vsix] [--keep-stage]
//
// (`npm run package` builds first, then runs this.) The .vsix holds the extension bundle
// (dist/extension), the engine bundle (dist/engine: bin.js, memaudit.js, main.js, worker.js, with
// the .scm queries and the report schema; scripts/bundle-engine.js) and the node_modules the bundle
// requires at run time (the manifest's dependencies, without the packages only their install
// scripts use), with only the target platform's native binaries: onnxruntime-node's
// bin/napi-v6/<platform>/<arch>/ and the tree-sitter packages' prebuilds/<platform>-<arch>/. The
// grammars' .wasm builds and web-tree-sitter travel too: they are the parser the engine falls back
// to when the native one does not load. About 80 files in all.
//
// How: the files are chosen here (planPackage) and copied to a staging folder, then
// `vsce package --target` packs that folder. vsce adds the production node_modules it finds with
// `npm list --production` in the staging folder, i.e. exactly the copies made here. Sources, tests,
// benches, source maps, type declarations and C sources stay out. The packed file list is checked
// again after vsce (foreignNativeFiles, missing entries) and the size printed.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');

/** The targets a .vsix can be built for: vsce's target name → Node's platform and arch. */
const TARGETS = {
  'linux-x64': { platform: 'linux', arch: 'x64' },
  'linux-arm64': { platform: 'linux', arch: 'arm64' },
  'darwin-arm64': { platform: 'darwin', arch: 'arm64' },
  'darwin-x64': { platform: 'darwin', arch: 'x64' },
  'win32-x64': { platform: 'win32', arch: 'x64' },
  'win32-arm64': { platform: 'win32', arch: 'arm64' },
};

/** The target of the machine this runs on. */
function currentTarget() {
  return `${process.platform}-${process.arch}`;
}

/** A file a native loader may map: addons and shared libraries. */
const NATIVE_FILE = /\.(node|so(\.\d+)*|dylib|dll|exe)$/i;
/** node-gyp-build's per-platform folder: prebuilds/<platform>-<arch>/. */
const PREBUILDS = /(^|\/)prebuilds\/([^/]+)\//;
/** onnxruntime-node's per-platform folder: bin/napi-v<N>/<platform>/<arch>/. */
const NAPI_BIN = /(^|\/)bin\/napi-v\d+\/([^/]+)\/([^/]+)\//;
/**
 * memaudit's own extraction addon (native/flat.c, built by scripts/build-native.js for this
 * machine only): packed when the target is this machine's and it loads here; elsewhere the engine
 * extracts through the tree-sitter binding (same samples, slower).
 */
const FLAT_ADDON = 'dist/native/memaudit_flat.node';

/**
 * The paths (relative, '/'-separated) that hold native code for another platform than `target`,
 * or native code outside the folders the loaders read for `target` (an unknown binary).
 */
function foreignNativeFiles(paths, target) {
  const { platform, arch } = TARGETS[target] ?? {};
  const out = [];
  for (const p of paths) {
    const pre = PREBUILDS.exec(p);
    const bin = NAPI_BIN.exec(p);
    if (pre) {
      if (pre[2] !== target) out.push(p);
    } else if (bin) {
      if (bin[2] !== platform || bin[3] !== arch) out.push(p);
    } else if (p === FLAT_ADDON || p === `extension/${FLAT_ADDON}`) {
      if (target !== currentTarget()) out.push(p);
    } else if (NATIVE_FILE.test(p)) {
      out.push(p);
    }
  }
  return out;
}

/** Top-level folders of a dependency that are never needed at run time. */
const DROP_TOP_DIRS = new Set(['test', 'tests', '__tests__', '.github', 'build', 'example', 'examples', 'docs', 'coverage', 'bench', 'benchmark']);
/** Files of a dependency that are never needed at run time (source maps, declarations, C sources, docs). */
const DROP_FILE = /\.(map|ts|cts|mts|md|markdown|c|cc|cpp|h|hpp|gyp|gypi|tsbuildinfo)$/i;
/** License and notice files stay with every dependency, whatever their extension. */
const LEGAL_FILE = /^(licen[cs]e|notice|thirdpartynotices|copying)([-._].*)?$/i;

/**
 * Whether the file `rel` (relative to the package folder, '/'-separated) of dependency `name`
 * goes into the package for `target`.
 */
function keepModuleFile(name, rel, target) {
  const { platform, arch } = TARGETS[target];
  const parts = rel.split('/');
  const base = parts[parts.length - 1];
  if (parts.length === 1 && LEGAL_FILE.test(base)) return true;
  if (parts.length === 1 && base === 'package.json') return true;
  // Native binaries: the target's only (checked again on the whole package by foreignNativeFiles).
  if (parts[0] === 'prebuilds') return parts[1] === target;
  if (parts[0] === 'bin' && /^napi-v\d+$/.test(parts[1] ?? '')) return parts[2] === platform && parts[3] === arch;
  if (name === 'tree-sitter' || name.startsWith('tree-sitter-')) {
    // The binding's JavaScript and the grammars' node types and .wasm builds; not the C sources,
    // the grammar definitions or the packages' own queries (the engine has its own).
    if (parts.length === 1) return (base.endsWith('.js') && base !== 'grammar.js') || base.endsWith('.wasm');
    if (parts[0] === 'bindings') return parts[1] === 'node' && base === 'index.js';
    return rel === 'src/node-types.json';
  }
  if (name === 'onnxruntime-node') return parts[0] === 'dist' && base.endsWith('.js');
  // The CommonJS build that `require` loads, with the package.json that makes it CommonJS (the
  // package's own says "type": "module"); not the ES modules build or the TypeScript sources.
  if (name === 'onnxruntime-common') return parts[0] === 'dist' && parts[1] === 'cjs' && (base.endsWith('.js') || rel === 'dist/cjs/package.json');
  // The loader (index.js → node-gyp-build.js), not the build command or its test.
  if (name === 'node-gyp-build') return rel === 'index.js' || rel === 'node-gyp-build.js';
  // The CommonJS entry and its wasm (not the ES module or the debug build).
  if (name === 'web-tree-sitter') return rel === 'web-tree-sitter.cjs' || rel === 'web-tree-sitter.wasm';
  if (DROP_TOP_DIRS.has(parts[0]) && parts.length > 1) return false;
  if (LEGAL_FILE.test(base)) return true;
  return !DROP_FILE.test(base);
}

/** Files under `dir`, relative and '/'-separated, sorted; `skip(rel, isDir)` prunes. */
function walk(dir, skip = () => false, prefix = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (skip(rel, e.isDirectory())) continue;
    if (e.isDirectory()) out.push(...walk(dir, skip, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/**
 * Dependencies of a package that only its install script uses (to download or compile its
 * binaries), never loaded at run time: not packed, and dropped from the staged package.json so
 * that vsce's `npm list --production` finds nothing missing.
 */
const INSTALL_ONLY = {
  'onnxruntime-node': ['adm-zip', 'global-agent'],
  'tree-sitter': ['node-addon-api'],
  'tree-sitter-java': ['node-addon-api'],
  'tree-sitter-python': ['node-addon-api'],
  'tree-sitter-ruby': ['node-addon-api'],
};

/**
 * The packages of package-lock.json that the engine bundle loads at run time: the manifest's
 * dependencies and, transitively, theirs (INSTALL_ONLY edges left out), each found as Node
 * finds it (the nearest node_modules up the tree).
 */
function runtimePackages(root) {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const entries = lock.packages ?? {};
  const byDir = new Map(productionPackages(root).map((p) => [p.dir, p]));
  const resolve = (from, name) => {
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (entries[candidate]) return candidate;
      if (!dir) return undefined;
    }
  };
  const seen = new Set();
  const queue = Object.keys(entries['']?.dependencies ?? {}).map((n) => resolve('', n));
  while (queue.length > 0) {
    const dir = queue.shift();
    if (!dir || seen.has(dir) || !byDir.has(dir)) continue;
    seen.add(dir);
    const entry = entries[dir];
    const skip = new Set(INSTALL_ONLY[byDir.get(dir).name] ?? []);
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) if (!skip.has(dep)) queue.push(resolve(dir, dep));
  }
  return [...seen].sort().map((dir) => byDir.get(dir));
}

/** The production packages of package-lock.json (folder relative to the root, name, version). */
function productionPackages(root) {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const out = [];
  for (const [dir, entry] of Object.entries(lock.packages ?? {})) {
    if (!dir.startsWith('node_modules/') || entry.dev || entry.devOptional || entry.link) continue;
    const name = entry.name ?? dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.push({ dir, name, version: entry.version, optional: Boolean(entry.optional) });
  }
  return out.sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/**
 * The manifest as packed: without the scripts and development fields, and without `files` (the
 * npm tarball's list; vsce refuses it next to the staging folder's .vscodeignore).
 */
function packedManifest(manifest) {
  const m = { ...manifest };
  delete m.scripts;
  delete m.devDependencies;
  delete m.files;
  return m;
}

/** Files of the extension and the engine (relative to the root) that the package holds. */
function appFiles(root) {
  const has = (rel) => fs.existsSync(path.join(root, rel));
  const under = (dir, keep) => (has(dir) ? walk(path.join(root, dir)).filter(keep).map((f) => `${dir}/${f}`) : []);
  const files = ['README.md', 'LICENSE'];
  files.push(...under('extension/media', () => true));
  files.push('dist/extension/extension.js');
  files.push(...under('dist/extension/webview', (f) => !f.endsWith('.map')));
  files.push(...under('dist/engine', (f) => /\.(js|json|scm)$/.test(f) && f !== 'meta.json'));
  return files;
}

/** Files that must be in every package (relative to the extension folder). */
const REQUIRED = [
  'package.json',
  'dist/extension/extension.js',
  'dist/engine/main.js',
  'dist/engine/bin.js',
  'dist/engine/memaudit.js',
  'dist/engine/worker.js',
  'dist/engine/run-worker.js',
  'dist/engine/report/report.schema.json',
  ...['java', 'python', 'ruby'].map((l) => `dist/engine/parse/queries/${l}/methods.scm`),
  'node_modules/web-tree-sitter/web-tree-sitter.cjs',
  'node_modules/web-tree-sitter/web-tree-sitter.wasm',
  'node_modules/tree-sitter-java/tree-sitter-java.wasm',
  'node_modules/tree-sitter-python/tree-sitter-python.wasm',
  'node_modules/tree-sitter-ruby/tree-sitter-ruby.wasm',
];

/** Native files the engine needs on `target` (relative to the extension folder). */
function requiredNative(target) {
  const { platform, arch } = TARGETS[target];
  return [
    `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node`,
    `node_modules/tree-sitter/prebuilds/${target}/tree-sitter.node`,
    ...['java', 'python', 'ruby'].map((l) => `node_modules/tree-sitter-${l}/prebuilds/${target}/tree-sitter-${l}.node`),
  ];
}

/** Why a target cannot be packed with these dependencies, in words, or undefined. */
function missingNativeReason(target, missing) {
  const ort = missing.filter((m) => m.includes('onnxruntime-node/'));
  const lines = [`no native binaries for ${target} in node_modules: ${missing.join(', ')}.`];
  if (ort.length > 0) {
    lines.push(
      `onnxruntime-node ${readVersion(ROOT, 'onnxruntime-node')} publishes binaries for ${ortTargets(ROOT).join(', ')} only, so the engine could not train on ${target}.`,
    );
  }
  lines.push('Run `npm ci` again if the files were removed, or pick another --target.');
  return lines.join(' ');
}

function readVersion(root, pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '(not installed)';
  }
}

/** The platform-arch pairs onnxruntime-node has binaries for in node_modules. */
function ortTargets(root) {
  const dir = path.join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).flatMap((p) => fs.readdirSync(path.join(dir, p)).map((a) => `${p}-${a}`));
}

/**
 * What the package for `target` holds: `files` maps each path in the extension folder to its
 * source on disk (absent for the generated package.json), `errors` says what is missing, `notes`
 * which binaries were swapped for this machine's builds (preferLoadableAddons; only when `target`
 * is this machine's and `options.hostBuilds` is not false).
 */
function planPackage(root, target, options = {}) {
  if (!TARGETS[target]) throw new Error(`unknown target ${target}; valid targets: ${Object.keys(TARGETS).join(', ')}`);
  const errors = [];
  const files = new Map();
  for (const rel of appFiles(root)) {
    if (!fs.existsSync(path.join(root, rel))) errors.push(`${rel} is missing (run npm run build)`);
    else files.set(rel, path.join(root, rel));
  }
  for (const pkg of runtimePackages(root)) {
    const dir = path.join(root, pkg.dir);
    if (!fs.existsSync(path.join(dir, 'package.json'))) {
      if (!pkg.optional) errors.push(`${pkg.dir} is not installed (run npm ci)`);
      continue;
    }
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    if (pkg.version && installed !== pkg.version) errors.push(`${pkg.dir} is ${installed}, package-lock.json says ${pkg.version} (run npm ci)`);
    // Nested node_modules are packages of their own (their own lock entries).
    for (const rel of walk(dir, (r, isDir) => isDir && (r === 'node_modules' || r.endsWith('/node_modules')))) {
      if (keepModuleFile(pkg.name, rel, target)) files.set(`${pkg.dir}/${rel}`, path.join(dir, rel));
    }
  }
  files.set('package.json', undefined);
  const notes = target === currentTarget() && options.hostBuilds !== false ? preferLoadableAddons(root, target, files) : [];
  if (target === currentTarget() && options.hostBuilds !== false) notes.push(addFlatAddon(root, files));
  const missing = [...REQUIRED, ...requiredNative(target)].filter((f) => !files.has(f));
  const missingNative = missing.filter((f) => NATIVE_FILE.test(f));
  if (missingNative.length > 0) errors.push(missingNativeReason(target, missingNative));
  errors.push(...missing.filter((f) => !NATIVE_FILE.test(f) && !f.startsWith('dist/')).map((f) => `${f} would be missing from the package`));
  const foreign = foreignNativeFiles([...files.keys()], target);
  if (foreign.length > 0) errors.push(`native files of other platforms or unknown native files: ${foreign.join(', ')}`);
  return { files, errors, notes };
}

/** The .vscodeignore of the staging folder (planPackage already left these out). */
const STAGE_IGNORE = ['**/*.map', '**/*.ts', '**/*.vsix', ''].join('\n');

/** Whether Node can load the addon `file` here (in a child process: a failed dlopen can abort). */
function addonLoads(file) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)})`], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? { ok: true } : { ok: false, why: (r.stderr || r.error?.message || `exit code ${r.status}`).split('\n').find((l) => /error/i.test(l))?.trim() ?? 'it does not load' };
}

/**
 * For this machine's target: a tree-sitter prebuild from npm that does not load here (the Linux
 * x64 prebuild of tree-sitter 0.25 needs the libstdc++ of GCC 13, GLIBCXX_3.4.31) is swapped for
 * the addon `npm ci` compiled in its place (node-gyp-build builds one when the prebuild does not
 * load), packed under the prebuild's name so that node-gyp-build finds it. Without one that loads,
 * the prebuild stays and the engine falls back to the wasm parser. Returns what was done, in words.
 */
function preferLoadableAddons(root, target, files) {
  const notes = [];
  for (const rel of [...files.keys()]) {
    const m = /^(node_modules\/(tree-sitter(?:-[a-z]+)?))\/prebuilds\/[^/]+\/[^/]+\.node$/.exec(rel);
    const src = files.get(rel);
    if (!m || !src) continue;
    const prebuilt = addonLoads(src);
    if (prebuilt.ok) continue;
    const release = path.join(root, m[1], 'build', 'Release');
    const local = fs.existsSync(release) ? fs.readdirSync(release).filter((f) => f.endsWith('.node')).map((f) => path.join(release, f)) : [];
    const usable = local.find((f) => addonLoads(f).ok);
    if (usable) {
      files.set(rel, usable);
      notes.push(`${m[2]}: the npm prebuild for ${target} does not load here (${prebuilt.why}); packed this machine's build ${path.relative(root, usable)} instead`);
    } else {
      notes.push(`${m[2]}: the npm prebuild for ${target} does not load here (${prebuilt.why}) and there is no local build that does; where it does not load, the engine uses the wasm parser`);
    }
  }
  return notes;
}

/** Packs the flat addon when it is built and loads here; says what was done. */
function addFlatAddon(root, files) {
  const built = path.join(root, FLAT_ADDON);
  if (!fs.existsSync(built)) return `no ${FLAT_ADDON} (node scripts/build-native.js needs a C compiler and Node's headers): the packed engine extracts through the tree-sitter binding`;
  const loads = addonLoads(built);
  if (!loads.ok) return `${FLAT_ADDON} does not load here (${loads.why}): left out; the packed engine extracts through the tree-sitter binding`;
  files.set(FLAT_ADDON, built);
  return `packed this machine's ${FLAT_ADDON} (memaudit's extraction addon)`;
}

/**
 * The README as packed: without its screenshots and links into the repository. Those are
 * relative to the repository; vsce would point them at the manifest's repository URL, which need
 * not hold this version's files, and it refuses images it cannot resolve. Blocks between `<!-- screenshots -->` and
 * `<!-- /screenshots -->` are dropped; any other image becomes its alt text, and a relative link
 * its text (links with a scheme and in-page anchors stay).
 */
function packedReadme(text) {
  return text
    .replace(/<!-- screenshots -->[\s\S]*?<!-- \/screenshots -->\n?/g, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\((?![a-z][a-z0-9+.-]*:|#)[^)]*\)/gi, '$1');
}

/**
 * A dependency's manifest as packed: without the dependencies only its install script uses
 * (INSTALL_ONLY, not packed) and without that script (its work is done: the binaries are packed).
 */
function runtimeManifest(manifest) {
  const m = { ...manifest, dependencies: { ...manifest.dependencies } };
  for (const dep of INSTALL_ONLY[manifest.name] ?? []) delete m.dependencies[dep];
  if (m.scripts) {
    m.scripts = { ...m.scripts };
    for (const k of ['preinstall', 'install', 'postinstall']) delete m.scripts[k];
  }
  delete m.gypfile;
  return m;
}

/** Copies the plan into `stage` and writes the packed manifest there. */
function stagePackage(root, plan, stage) {
  for (const [rel, src] of plan.files) {
    if (src === undefined) continue;
    const dest = path.join(stage, rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const dependency = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(rel);
    if (dependency && INSTALL_ONLY[dependency[1]]) fs.writeFileSync(dest, `${JSON.stringify(runtimeManifest(JSON.parse(fs.readFileSync(src, 'utf8'))), null, 2)}\n`);
    else fs.copyFileSync(src, dest);
  }
  fs.writeFileSync(path.join(stage, 'README.md'), packedReadme(fs.readFileSync(path.join(root, 'README.md'), 'utf8')));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(packedManifest(manifest), null, 2)}\n`);
  // The staging folder holds only what is packed; this file repeats the rules for vsce's own check.
  fs.writeFileSync(path.join(stage, '.vscodeignore'), STAGE_IGNORE);
}

/** The entries of a .vsix (a zip), read from its central directory without inflating anything. */
function vsixEntries(file) {
  const { unzipSync } = require('fflate');
  const names = [];
  unzipSync(fs.readFileSync(file), {
    filter: (f) => {
      names.push(f.name);
      return false;
    },
  });
  return names;
}

/** Checks a packed .vsix: required files present, no other platform's binaries. Returns problems. */
function checkVsix(file, target) {
  const entries = vsixEntries(file);
  const inExtension = entries.filter((e) => e.startsWith('extension/')).map((e) => e.slice('extension/'.length));
  const have = new Set(inExtension);
  const problems = [...REQUIRED, ...requiredNative(target)].filter((f) => !have.has(f)).map((f) => `missing ${f}`);
  // vsce packs the license as LICENSE.txt.
  if (!have.has('LICENSE.txt') && !have.has('LICENSE')) problems.push('missing LICENSE.txt');
  for (const f of foreignNativeFiles(inExtension, target)) problems.push(`foreign native file ${f}`);
  for (const f of inExtension) {
    if (/\.(map|ts)$/.test(f) || /^dist\/(test|bench|server|models)\//.test(f) || /^(server|extension\/src|extension\/webview|test|bench|models)\//.test(f)) problems.push(`should not be packed: ${f}`);
  }
  return { entries, problems };
}

/** Runs vsce in the staging folder; throws with its output when it fails. */
function runVsce(stage, target, out) {
  const vsce = require.resolve('@vscode/vsce/vsce', { paths: [ROOT] });
  // stdin is closed so that a question vsce would ask fails instead of waiting.
  const args = [vsce, 'package', '--target', target, '--out', out, '--no-yarn'];
  const r = spawnSync(process.execPath, args, { cwd: stage, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 10 * 60_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0) throw new Error(`vsce package failed (${r.error ? r.error.message : `exit code ${r.status}`}):\n${output}`);
  return output;
}

function parseArgs(argv) {
  const opts = { target: currentTarget(), out: undefined, keepStage: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--target' || a === '-t') opts.target = value();
    else if (a.startsWith('--target=')) opts.target = a.slice('--target='.length);
    else if (a === '--out' || a === '-o') opts.out = value();
    else if (a.startsWith('--out=')) opts.out = a.slice('--out='.length);
    else if (a === '--keep-stage') opts.keepStage = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!TARGETS[opts.target]) throw new Error(`unknown target ${opts.target}; valid targets: ${Object.keys(TARGETS).join(', ')}`);
  opts.out = path.resolve(opts.out ?? path.join(ROOT, 'dist', `memaudit-${opts.target}.vsix`));
  return opts;
}

function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    console.error(`package: ${e.message}`);
    return 2;
  }
  if (opts.help) {
    console.log(`usage: node scripts/package.js [--target ${Object.keys(TARGETS).join('|')}] [--out FILE.vsix] [--keep-stage]\n(default target: this machine's, ${currentTarget()}; default out: dist/memaudit-<target>.vsix)`);
    return 0;
  }
  const plan = planPackage(ROOT, opts.target);
  if (plan.errors.length > 0) {
    console.error(`package: cannot package for ${opts.target}:\n- ${plan.errors.join('\n- ')}`);
    return 1;
  }
  for (const n of plan.notes) console.log(`note: ${n}`);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), `memaudit-vsix-${opts.target}-`));
  try {
    stagePackage(ROOT, plan, stage);
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.rmSync(opts.out, { force: true });
    const output = runVsce(stage, opts.target, opts.out);
    if (process.env.MEMAUDIT_PACKAGE_VERBOSE) console.log(output);
    const { entries, problems } = checkVsix(opts.out, opts.target);
    if (problems.length > 0) {
      console.error(`package: ${opts.out} is not right:\n- ${problems.join('\n- ')}`);
      return 1;
    }
    const bytes = fs.statSync(opts.out).size;
    const rel = path.relative(process.cwd(), opts.out);
    console.log(`packaged ${rel.startsWith('..') ? opts.out : rel} for ${opts.target}: ${(bytes / 1024 / 1024).toFixed(1)} MB (${bytes} bytes), ${entries.length} entries`);
    return 0;
  } catch (e) {
    console.error(`package: ${e.message}`);
    return 1;
  } finally {
    if (opts.keepStage) console.log(`staging folder kept: ${stage}`);
    else fs.rmSync(stage, { recursive: true, force: true });
  }
}

module.exports = { FLAT_ADDON, INSTALL_ONLY, TARGETS, currentTarget, foreignNativeFiles, keepModuleFile, productionPackages, runtimePackages, runtimeManifest, planPackage, packedManifest, packedReadme, vsixEntries, checkVsix, requiredNative, REQUIRED };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
