// Copies non-TypeScript assets the compiled code reads at run time (tree-sitter queries, JSON
// schemas) from the source tree into dist/, keeping their relative paths.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const assetExtensions = new Set(['.scm', '.json']);
const assetDirs = ['server/src', 'models'];

function copyTree(rel) {
  const src = path.join(root, rel);
  if (!fs.existsSync(src)) return;
  for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
    const childRel = path.join(rel, entry.name);
    if (entry.isDirectory()) copyTree(childRel);
    else if (assetExtensions.has(path.extname(entry.name))) {
      const dest = path.join(root, 'dist', childRel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(root, childRel), dest);
    }
  }
}
for (const dir of assetDirs) copyTree(dir);
