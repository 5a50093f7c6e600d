/**
 * The audit folder's lock (runs-store.ts `AuditFolder.lock`): one audit at a time per folder, the
 * holder named when refused, a stale lock (its process gone) taken over with a warning, release
 * on exit, and no deleting an audit another process is running.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AUDIT_FILES, RunsStore } from '../../../server/src/audit/runs-store';
import { isEngineError } from '../../../server/src/errors';
import { tempDir } from '../../helpers/cli';

const work = tempDir('memaudit-lock-');
after(() => work.cleanup());

function locked(re: RegExp) {
  return (e: unknown) => {
    assert.ok(isEngineError(e), String(e));
    assert.equal(e.code, 'E_LOCKED');
    assert.match(e.message, re);
    return true;
  };
}

/** A pid that no longer runs: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('taken with O_EXCL, holds pid, host and start time; released once, and only while it is the holder’s', () => {
  const folder = new RunsStore(path.join(work.dir, 'a')).audit('abc');
  const lock = folder.lock();
  const file = folder.file(AUDIT_FILES.lock);
  const held = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; host: string; startedAt: string };
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, os.hostname());
  assert.ok(!Number.isNaN(Date.parse(held.startedAt)));
  assert.deepEqual(folder.lockHolder(), held);
  // This process again (an RPC server starting a second audit in the same folder): refused too.
  assert.throws(() => folder.lock(), locked(new RegExp(`pid ${process.pid} on ${os.hostname()}`)));
  assert.equal(process.listenerCount('exit') > 0, true);
  const before = process.listenerCount('exit');
  lock.release();
  assert.equal(process.listenerCount('exit'), before - 1, 'the exit handler is removed');
  assert.ok(!fs.existsSync(file));
  lock.release();
  // A lock file that another holder wrote meanwhile is not removed by an old handle.
  const again = folder.lock();
  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z' }));
  again.release();
  assert.ok(fs.existsSync(file));
  fs.rmSync(file);
});

test('a running holder: E_LOCKED naming its pid, host and start, and what to do', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const folder = new RunsStore(path.join(work.dir, 'b')).audit('def');
    fs.mkdirSync(folder.dir, { recursive: true });
    fs.writeFileSync(folder.file(AUDIT_FILES.lock), JSON.stringify({ pid: child.pid, host: os.hostname(), startedAt: '2026-12-07T01:00:00.000Z' }));
    assert.throws(() => folder.lock(), locked(new RegExp(`in use by another memaudit \\(pid ${child.pid} on ${os.hostname()}, since 2026-12-07T01:00:00.000Z\\); wait until it finishes or stop it.*delete .*audit\\.lock`)));
    // Nor may another process delete the audit it runs.
    fs.writeFileSync(path.join(folder.dir, AUDIT_FILES.config), '{}');
    assert.throws(() => new RunsStore(path.join(work.dir, 'b')).delete('def'), locked(new RegExp(`pid ${child.pid}`)));
    assert.ok(fs.existsSync(folder.dir));
  } finally {
    child.kill('SIGKILL');
  }
});

test('a lock of another host is never taken over (its process cannot be checked)', () => {
  const folder = new RunsStore(path.join(work.dir, 'c')).audit('ghi');
  fs.mkdirSync(folder.dir, { recursive: true });
  fs.writeFileSync(folder.file(AUDIT_FILES.lock), JSON.stringify({ pid: deadPid(), host: `${os.hostname()}-other`, startedAt: '2026-12-07T01:00:00.000Z' }));
  assert.throws(() => folder.lock(), locked(/-other/));
});

test('a stale lock (dead pid on this host; or an old empty file) is taken over with a warning', () => {
  const folder = new RunsStore(path.join(work.dir, 'd')).audit('jkl');
  fs.mkdirSync(folder.dir, { recursive: true });
  const file = folder.file(AUDIT_FILES.lock);
  const pid = deadPid();
  fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), startedAt: '2026-12-07T01:00:00.000Z' }));
  const said: string[] = [];
  const lock = folder.lock((m) => said.push(m));
  assert.equal(folder.lockHolder()?.pid, process.pid);
  assert.match(said.join('\n'), new RegExp(`warning: taking over the lock of audit jkl: its holder \\(pid ${pid}, started 2026-12-07T01:00:00.000Z\\) no longer runs`));
  lock.release();
  // A crash between creating the file and writing it leaves it empty; after a while it is stale.
  fs.writeFileSync(file, '');
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(file, old, old);
  said.length = 0;
  folder.lock((m) => said.push(m)).release();
  assert.match(said.join('\n'), /lock file .* is empty or damaged/);
});

test('released when the process exits without releasing it (a crash)', () => {
  const store = path.join(work.dir, 'e');
  const modulePath = require.resolve('../../../server/src/audit/runs-store');
  const script = `const { RunsStore } = require(${JSON.stringify(modulePath)}); new RunsStore(${JSON.stringify(store)}).audit('mno').lock(); throw new Error('crash');`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /crash/);
  assert.ok(fs.existsSync(path.join(store, 'runs', 'mno')));
  assert.ok(!fs.existsSync(path.join(store, 'runs', 'mno', AUDIT_FILES.lock)));
});
