// Bundles the engine with esbuild into dist/engine/: memaudit.js (the CLI), main.js (the
// JSON-RPC server the extension spawns) and worker.js (the extraction worker the pool starts),
// with their source maps, instead of the ~180 files of tsc's output; bin.js, the `memaudit`
// executable, turns source maps on for --debug / MEMAUDIT_DEBUG and loads memaudit.js. The CLI's
// bin and the extension run the bundle; tests keep using tsc's per-file output.
//
// Native modules and the packages that load files next to themselves stay external (required
// from node_modules at run time): onnxruntime-node (its binding and shared libraries), the
// tree-sitter binding and grammars (prebuilds, node-types.json, .wasm) and web-tree-sitter (its
// .wasm). The engine's assets (tree-sitter queries, the report schema) are copied next to the
// bundle at the paths they have under server/src, where server/src/assets.ts finds them in either
// layout. The bundle's inputs go to dist/engine/meta.json for tests.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outdir = path.join(root, 'dist', 'engine');

/** Entry points: output name → source. */
const ENTRIES = {
  memaudit: 'server/src/bin.ts',
  main: 'server/src/main.ts',
  worker: 'server/src/pipeline/worker.ts',
  'run-worker': 'server/src/audit/run-worker.ts',
};

/** Packages required at run time from node_modules (the package's `dependencies`). */
const EXTERNAL = ['onnxruntime-node', 'tree-sitter', 'tree-sitter-java', 'tree-sitter-python', 'tree-sitter-ruby', 'web-tree-sitter'];

/** Assets the engine reads at run time, under server/src. */
const ASSETS = ['report/report.schema.json', 'parse/queries'];

/**
 * The executable. Node reads a module's source map when it compiles the module, so the switch
 * must come before the bundle is loaded; with it, --debug stack traces name the TypeScript
 * sources. Off otherwise: reading the maps costs start-up time.
 */
const BIN = `#!/usr/bin/env node
// The \`memaudit\` executable (written by scripts/bundle-engine.js): the CLI bundle, with source maps for --debug.
'use strict';
const debugEnv = process.env.MEMAUDIT_DEBUG;
if (process.argv.includes('--debug') || (debugEnv !== undefined && !['', '0', 'false'].includes(debugEnv))) process.setSourceMapsEnabled(true);
require('./memaudit.js');
`;

function copyAsset(rel) {
  const src = path.join(root, 'server', 'src', rel);
  fs.cpSync(src, path.join(outdir, rel), { recursive: true, filter: (f) => fs.statSync(f).isDirectory() || /\.(scm|json)$/.test(f) });
}

async function main() {
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([out, src]) => ({ in: src, out })),
    bundle: true,
    outdir,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    define: { MEMAUDIT_BUNDLE: 'true' },
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  for (const rel of ASSETS) copyAsset(rel);
  fs.writeFileSync(path.join(outdir, 'bin.js'), BIN, { mode: 0o755 });
  const inputs = Object.keys(result.metafile.inputs).map((p) => p.replace(/\\/g, '/'));
  const vscode = inputs.filter((p) => /(^|\/)node_modules\/@types\/vscode\//.test(p) || p === 'vscode');
  fs.writeFileSync(path.join(outdir, 'meta.json'), `${JSON.stringify({ entries: ENTRIES, external: EXTERNAL, inputs }, null, 2)}\n`);
  if (vscode.length > 0) {
    console.error(`bundle-engine: the engine must not import vscode (${vscode.join(', ')})`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
