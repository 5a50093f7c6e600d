// Bundles the VS Code extension (extension/src/extension.ts) into dist/extension/extension.js
// with esbuild, and checks what went in: the extension must hold no engine code beyond the
// protocol (server/src/protocol/: the contract, which imports nothing but vscode-jsonrpc) and the
// folder the engine shares with it,
// server/src/report/shared/ (the report's writers and readers, see its README.md), and no native
// module, because the engine runs in its own process.
// It also bundles the webviews' scripts and stylesheets (extension/webview/) for the browser into
// dist/extension/webview/, the only folder the webviews may load files from, and checks that they
// hold nothing but extension/webview/ code and the shared folder. The lists of bundled inputs are
// kept in dist/extension/meta.json for tests.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'extension', 'extension.js');
const webviewOut = path.join(root, 'dist', 'extension', 'webview');

/** The engine's code that the extension and the webviews may bundle: everything in this folder, nothing else. */
const SHARED = /^server\/src\/report\/shared\//;

/** Inputs the extension bundle may contain: the extension, the protocol, the shared folder and vscode-jsonrpc. */
const ALLOWED = [
  /^extension\/src\//,
  /^server\/src\/protocol\//,
  SHARED,
  // (node_modules may be a symlink to another checkout's, as in a git worktree: esbuild reports the real path)
  /(^|\/)node_modules\/vscode-jsonrpc\//,
];

/**
 * Inputs the webview bundles may contain: their own sources (types from elsewhere are erased), and
 * the shared folder (the cartography map's counting, so the panel's table counts regions exactly
 * as the report does).
 */
const WEBVIEW_ALLOWED = [/^extension\/webview\//, SHARED];

const WEBVIEW_ENTRIES = ['extension/webview/report.ts', 'extension/webview/dashboard.ts', 'extension/webview/report.css', 'extension/webview/dashboard.css'];

function foreignInputs(metafile, allowed) {
  const inputs = Object.keys(metafile.inputs).map((p) => p.replace(/\\/g, '/'));
  return { inputs, foreign: inputs.filter((p) => !allowed.some((re) => re.test(p))) };
}

async function main() {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['extension/src/extension.ts'],
    bundle: true,
    outfile,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // Keep node_modules paths as written: in a git worktree node_modules may be a symlink to
    // another checkout's, and the check below matches inputs by their path under the root.
    preserveSymlinks: true,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const web = await esbuild.build({
    absWorkingDir: root,
    entryPoints: WEBVIEW_ENTRIES,
    bundle: true,
    outdir: webviewOut,
    platform: 'browser',
    format: 'iife',
    target: ['chrome114'],
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
  });
  const ext = foreignInputs(result.metafile, ALLOWED);
  const wv = foreignInputs(web.metafile, WEBVIEW_ALLOWED);
  fs.writeFileSync(path.join(root, 'dist', 'extension', 'meta.json'), `${JSON.stringify({ inputs: ext.inputs, webviewInputs: wv.inputs }, null, 2)}\n`);
  if (ext.foreign.length > 0) {
    console.error(`bundle-extension: the extension bundle must not contain ${ext.foreign.join(', ')}\n(import engine modules with 'import type' only, values only from server/src/report/shared/; the engine runs in its own process)`);
    process.exit(1);
  }
  if (wv.foreign.length > 0) {
    console.error(`bundle-extension: the webview bundles must not contain ${wv.foreign.join(', ')}\n(webview scripts may import only types from the extension, and values from server/src/report/shared/)`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
