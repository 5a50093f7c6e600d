// Installs code-server (VS Code OSS served to a browser, with a normal Node extension host) for the
// end-to-end test of the extension (test/e2e), following ../shared/docs/VSCODE-TESTING.md: the
// npm package with scripts off, its VS Code's dependencies from the npm registry (one dependency is
// pinned to a git URL in its shrinkwrap: pointed at the registry tarball instead), and its native
// modules compiled here against the local Node headers (no prebuilt download is reachable).
//
// The result goes to $MEMAUDIT_CODE_SERVER_DIR (default ~/.cache/memaudit/code-server-<version>),
// built in a sibling `.partial` folder and renamed when complete, so an interrupted set-up never
// leaves a half-installed code-server that looks ready. Running it again is a no-op.
//
// When a prerequisite is missing (C++ compiler, Node headers, Kerberos headers, ripgrep) it says
// what to install and exits 0: the end-to-end test then skips and prints why
// (scripts/ensure-test-tools.sh installs them with apt-get when run as root).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const VERSION = '4.96.4';
const READY = '.memaudit-ready';

function installDir() {
  return process.env.MEMAUDIT_CODE_SERVER_DIR || path.join(os.homedir(), '.cache', 'memaudit', `code-server-${VERSION}`);
}

function log(msg) {
  process.stdout.write(`setup-code-server: ${msg}\n`);
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** The Node headers node-gyp compiles against: Debian's nodejs package, or next to the executable. */
function nodeDir() {
  for (const dir of ['/usr', path.resolve(process.execPath, '..', '..')]) {
    if (fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) && fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))) return dir;
  }
  return undefined;
}

/** npm's own node-gyp (npm ships one), so nothing else has to be fetched to compile. */
function nodeGyp() {
  const root = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  const candidates = [path.join(root, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')];
  return candidates.find((p) => fs.existsSync(p));
}

function missingPrerequisites() {
  const missing = [];
  if (!onPath('c++') && !onPath('g++')) missing.push('a C++ compiler (Debian: g++ make)');
  if (!nodeDir()) missing.push('the Node.js headers (Debian: the nodejs package ships them in /usr/include/node)');
  if (!fs.existsSync('/usr/include/gssapi/gssapi.h') && !onPath('krb5-config')) missing.push('the Kerberos headers (Debian: libkrb5-dev)');
  if (!onPath('rg')) missing.push('ripgrep (Debian: ripgrep)');
  if (!nodeGyp()) missing.push("npm's bundled node-gyp");
  return missing;
}

function run(cmd, args, cwd, env) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed in ${cwd} (exit ${r.status}):\n${tail}`);
  }
}

function install(target) {
  const stage = `${target}.partial`;
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  const npm = (cwd, ...args) => run('npm', [...args, '--ignore-scripts', '--no-audit', '--no-fund'], cwd);
  const gyp = nodeGyp();
  const nodedir = nodeDir();
  const gypEnv = { npm_config_nodedir: nodedir };

  log(`installing code-server@${VERSION} into ${target}`);
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: 'memaudit-code-server', private: true }));
  npm(stage, 'install', `code-server@${VERSION}`);

  const vscodeDir = path.join(stage, 'node_modules', 'code-server', 'lib', 'vscode');
  const shrinkwrap = path.join(vscodeDir, 'npm-shrinkwrap.json');
  const lock = JSON.parse(fs.readFileSync(shrinkwrap, 'utf8'));
  const agent = lock.packages?.['node_modules/@vscode/proxy-agent'];
  if (agent && !String(agent.resolved).startsWith('https://registry.npmjs.org/')) {
    agent.resolved = `https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-${agent.version}.tgz`;
    delete agent.integrity;
    fs.writeFileSync(shrinkwrap, JSON.stringify(lock, null, 2));
  }
  log("installing VS Code's dependencies");
  npm(vscodeDir, 'install', '--omit=dev');

  for (const mod of ['native-watchdog', 'kerberos', 'node-pty', '@vscode/spdlog']) {
    log(`compiling ${mod}`);
    run(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `-j`, String(os.availableParallelism())], path.join(vscodeDir, 'node_modules', mod), gypEnv);
  }
  const rgDir = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgDir, { recursive: true });
  fs.rmSync(path.join(rgDir, 'rg'), { force: true });
  fs.symlinkSync(onPath('rg'), path.join(rgDir, 'rg'));
  // code-server loads its modules from node_modules.asar when that path exists (Electron packaging).
  fs.rmSync(path.join(vscodeDir, 'node_modules.asar'), { force: true });
  fs.symlinkSync('node_modules', path.join(vscodeDir, 'node_modules.asar'));
  log("installing the built-in extensions' dependencies");
  npm(path.join(vscodeDir, 'extensions'), 'install', '--omit=dev');

  log('compiling argon2');
  const argon2 = path.join(stage, 'node_modules', 'argon2');
  run(process.execPath, [path.join(stage, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp'), 'install', '--fallback-to-build'], argon2, gypEnv);
  run(process.execPath, ['-e', "require('argon2')"], stage);

  fs.writeFileSync(path.join(stage, READY), `${VERSION}\n`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(stage, target);
}

function main() {
  const target = installDir();
  if (fs.existsSync(path.join(target, READY))) {
    log(`found code-server ${VERSION} in ${target}`);
    return;
  }
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    log(`cannot install code-server: missing ${missing.join('; ')}. Install them (scripts/ensure-test-tools.sh does it with apt-get as root); the end-to-end test will be skipped`);
    return;
  }
  const started = Date.now();
  install(target);
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`setup-code-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
