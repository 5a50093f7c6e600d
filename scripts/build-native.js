// Builds memaudit's flat tree-sitter addon (native/flat.c, with tree-sitter's core library from
// node_modules/tree-sitter/vendor/tree-sitter/lib) into dist/native/memaudit_flat.node, calling
// the C compiler directly: node-gyp would download Node's headers, and there may be no network.
// The headers are looked for next to the running Node (../include/node), then in the usual
// system folders; MEMAUDIT_NODE_HEADERS and CC override the search.
//
// The addon is optional: without a compiler or headers, or when the compiled addon does not load,
// this prints one line saying why and exits 0, and the engine uses the `tree-sitter` binding
// (server/src/parse/backend.ts). It rebuilds only when the output is older than its inputs.
//
//   node scripts/build-native.js [--force]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const source = path.join(root, 'native', 'flat.c');
const outDir = path.join(root, 'dist', 'native');
const out = path.join(outDir, 'memaudit_flat.node');
const force = process.argv.includes('--force');

function skip(reason) {
  console.log(`build-native: flat addon not built (${reason}); the engine will parse with the tree-sitter binding instead`);
  process.exit(0);
}

function treeSitterLib() {
  let pkg;
  try {
    pkg = path.dirname(require.resolve('tree-sitter/package.json', { paths: [root] }));
  } catch {
    return undefined;
  }
  const lib = path.join(pkg, 'vendor', 'tree-sitter', 'lib');
  return fs.existsSync(path.join(lib, 'src', 'lib.c')) && fs.existsSync(path.join(lib, 'include', 'tree_sitter', 'api.h')) ? lib : undefined;
}

function nodeHeaders() {
  const candidates = [
    process.env.MEMAUDIT_NODE_HEADERS,
    path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
    path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  return candidates.find((d) => d && fs.existsSync(path.join(d, 'node_api.h')));
}

function compiler() {
  const candidates = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
  return candidates.find((cc) => {
    const r = spawnSync(cc, ['--version'], { stdio: 'ignore' });
    return r.status === 0;
  });
}

function newestInput(lib) {
  let newest = fs.statSync(__filename).mtimeMs;
  const visit = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (/\.[ch]$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  visit(lib);
  // flat.c and the files it includes (paths.c).
  visit(path.dirname(source));
  return newest;
}

function main() {
  if (process.platform === 'win32') skip('Windows: no build recipe for MSVC here');
  const lib = treeSitterLib();
  if (!lib) skip('tree-sitter\'s core library sources were not found under node_modules/tree-sitter/vendor');
  if (!force && fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestInput(lib)) return;
  const headers = nodeHeaders();
  if (!headers) skip(`no Node.js headers (node_api.h) next to ${process.execPath} or in /usr/include/node; set MEMAUDIT_NODE_HEADERS`);
  const cc = compiler();
  if (!cc) skip('no C compiler (cc, gcc or clang; or set CC)');
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = path.join(outDir, `memaudit_flat.${process.pid}.tmp.node`);
  const args = [
    '-O2',
    '-std=c11',
    '-shared',
    '-fPIC',
    // Only the N-API entry point is exported: the `tree-sitter` binding loaded in the same process
    // has its own copy of the library, and neither must bind to the other's symbols.
    '-fvisibility=hidden',
    '-DTREE_SITTER_HIDE_SYMBOLS',
    '-DTREE_SITTER_HIDDEN_SYMBOLS',
    '-D_POSIX_C_SOURCE=200112L',
    '-D_DEFAULT_SOURCE',
    '-I', path.join(lib, 'include'),
    '-I', path.join(lib, 'src'),
    '-I', headers,
    ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
    // flat.c includes lib.c (one translation unit).
    source,
    '-o', tmp,
  ];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const first = `${r.stderr || ''}${r.error ? r.error.message : ''}`.split('\n').find((l) => /error/i.test(l)) ?? `exit code ${r.status}`;
    skip(`${cc} failed: ${first.trim()}`);
  }
  // A library that compiles but does not load (wrong headers, wrong architecture) is not kept.
  const check = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(tmp)}); if (typeof a.walk !== 'function') throw new Error('no walk export');`], { encoding: 'utf8' });
  if (check.status !== 0) {
    fs.rmSync(tmp, { force: true });
    skip(`the compiled addon does not load: ${(check.stderr.split('\n').find((l) => /Error/.test(l)) ?? '').trim()}`);
  }
  fs.renameSync(tmp, out);
  console.log(`build-native: built ${path.relative(root, out)} (${cc}, headers ${headers})`);
}

main();
