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
// Unit tests run in parallel; the integration and browser tests (real audits, engine processes,
// Chromium) run one file at a time after them, so that their timing-sensitive parts (kill -9 in
// the middle of a run, cancellation, crash recovery) never compete with each other for 2 cores.
const heavy = (f) => /[\\/](integration|webview|e2e)[\\/]/.test(f);
// The GPU vs CPU agreement test runs WebGPU on SwiftShader, the software Vulkan driver of Debian's
// chromium package, when it is installed (README, "WebGPU in software"); alone, as it is CPU-heavy.
const agreement = (f) => /device-agreement|webgpu\.test/.test(f);
const groups = [
  { files: files.filter((f) => !heavy(f) && !agreement(f)), concurrency: Math.max(1, require('node:os').availableParallelism()) },
  { files: files.filter(agreement), concurrency: 1, env: softwareVulkanEnv() },
  { files: files.filter(heavy), concurrency: 1 },
];

function softwareVulkanEnv() {
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (process.env.MEMAUDIT_VULKAN_DRIVER || !fs.existsSync(icd)) return process.env;
  const libraryPath = [path.dirname(icd), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { ...process.env, MEMAUDIT_VULKAN_DRIVER: icd, LD_LIBRARY_PATH: libraryPath };
}

let status = 0;
for (const g of groups) {
  if (g.files.length === 0) continue;
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${g.concurrency}`, ...g.files], { stdio: 'inherit', env: g.env });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
