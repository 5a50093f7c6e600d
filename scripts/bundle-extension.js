// Bundles the VS Code extension (extension/src/extension.ts) into dist/extension/extension.js
// with esbuild, and checks what went in: the extension must hold no engine code beyond the
// protocol file (whose engine imports are type-only) and no native module, because the engine runs
// in its own process. The list of bundled inputs is kept in dist/extension/meta.json for tests.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, 'dist', 'extension', 'extension.js');

/** Inputs the bundle may contain: the extension, the protocol, vscode-jsonrpc. */
const ALLOWED = [/^extension\/src\//, /^server\/src\/protocol\.ts$/, /^node_modules\/vscode-jsonrpc\//];

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
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => p.replace(/\\/g, '/'));
  const foreign = inputs.filter((p) => !ALLOWED.some((re) => re.test(p)));
  fs.writeFileSync(path.join(root, 'dist', 'extension', 'meta.json'), `${JSON.stringify({ inputs }, null, 2)}\n`);
  if (foreign.length > 0) {
    console.error(`bundle-extension: the extension bundle must not contain ${foreign.join(', ')}\n(import engine modules with 'import type' only; the engine runs in its own process)`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
