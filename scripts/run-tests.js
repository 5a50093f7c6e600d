// Runs every compiled test file (dist/**/*.test.js) with node's built-in test runner.
// Optional arguments are substrings: only test files whose path contains one of them run,
// e.g. `node scripts/run-tests.js parse corpus`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const dist = path.resolve(__dirname, '..', 'dist');
const filters = process.argv.slice(2);

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(p, out);
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = collect(dist, [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found under ${dist}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${Math.max(1, require('node:os').availableParallelism())}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
