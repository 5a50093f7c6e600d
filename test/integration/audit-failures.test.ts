/**
 * What happens when things go wrong around an audit (issue 13), on a tiny generated corpus (300
 * methods, 2 runs of 2 epochs: a second or two per audit):
 *   - a damaged checkpoint (truncated, garbage, one flipped byte) is reported and the run trained
 *     again, giving the report an uninterrupted audit gives; damaged files of a finished run
 *     (dynamics, cartography, ledger) are found when the run is reused, and repaired;
 *   - output locations that cannot be written fail before training, in one line naming the path,
 *     the cause and the fix, exit 2, no "internal error", no stack (unless --debug);
 *     a full disk in the middle fails the same way and loses nothing;
 *   - two audits into one folder: the second is refused naming the first's pid; a stale lock
 *     (a process killed with SIGKILL) is taken over; SIGTERM cancels and releases the lock.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { writeFaults } from '../../server/src/util/fs-errors';
import { readBundle } from '../../server/src/cache/bundle';
import { CHECKPOINT_KIND } from '../../server/src/train/checkpoint';
import { cli, tempDir, type CliRun } from '../helpers/cli';

const work = tempDir('memaudit-failures-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 3, methods: 300 }));
});
after(() => work.cleanup());
afterEach(() => {
  delete writeFaults.before;
});

// One run at a time: the injected write faults (writeFaults) live in this thread, and runs side
// by side train in worker threads of their own.
const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,50', '--epochs', '2', '--device', 'cpu', '--jobs', '1'];
const BIN = path.resolve(__dirname, '../../server/src/bin.js');
const root = typeof process.getuid === 'function' && process.getuid() === 0;

function audit(out: string, ...more: string[]): Promise<CliRun> {
  return cli([...BASE, '--out', out, '--format', 'json', ...more], { cwd: work.dir });
}

/** The audit folder of an output folder (one audit per output folder here). */
function auditDir(out: string): string {
  const runs = path.join(work.dir, out, 'runs');
  const ids = fs.readdirSync(runs);
  assert.equal(ids.length, 1, `one audit in ${runs}`);
  return path.join(runs, ids[0]!);
}

/** A report without what legitimately differs between two invocations. */
function comparable(stdout: string): unknown {
  // `seconds`: the memorization fold runs' training time.
  return JSON.parse(stdout, (k, v: unknown) => (k === 'timings' || k === 'createdAt' || k === 'seconds' ? undefined : v));
}

/** A failure the user can act on: one line with what is asked for, exit 2, no internal error, no stack. */
function assertCleanFailure(r: CliRun, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const last = r.stderr.trimEnd().split('\n').at(-1)!;
  assert.match(last, re);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

function errno(code: string, syscall = 'write'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, ${syscall}`), { code, syscall });
}

let reference: unknown;

test('reference: an uninterrupted audit', async () => {
  const r = await audit('ref');
  assert.equal(r.code, 0, r.stderr);
  reference = comparable(r.stdout);
  assert.ok(!fs.existsSync(path.join(auditDir('ref'), 'audit.lock')), 'the lock is released');
});

/**
 * An audit stopped by a write failure just after the clean run's last checkpoint: the clean run
 * has a real checkpoint.bin and no result.json (what a kill at that point leaves).
 */
async function interruptedAudit(out: string): Promise<string> {
  writeFaults.before = (f) => {
    if (f.endsWith(path.join('clean-s0', 'result.json'))) throw errno('EIO');
  };
  const r = await audit(out);
  delete writeFaults.before;
  assertCleanFailure(r, /cannot write .*clean-s0[/\\]result\.json: an input\/output error of the disk \(EIO\)/);
  const ckpt = path.join(auditDir(out), 'clean-s0', 'checkpoint.bin');
  assert.ok(fs.existsSync(ckpt), 'the checkpoint is kept');
  return ckpt;
}

test('a write failure in the middle loses nothing: the rerun resumes from the checkpoint, same report', async () => {
  await interruptedAudit('resumed');
  const r = await audit('resumed');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming clean-s0 from its checkpoint/);
  assert.doesNotMatch(r.stderr, /unusable/);
  assert.deepEqual(comparable(r.stdout), reference);
});

const damages: [string, (file: string) => Promise<void>, RegExp][] = [
  ['truncated to 1000 bytes', async (f) => fs.truncateSync(f, 1000), /truncated/],
  ['garbage', async (f) => fs.writeFileSync(f, 'this is not a checkpoint\n'.repeat(20)), /truncated|bad magic/],
  [
    'one flipped byte',
    async (f) => {
      const good = fs.readFileSync(f);
      // A byte inside a section (not the zero padding between two, which no checksum covers).
      for (const share of [0.75, 0.5, 0.6, 0.9]) {
        const b = Buffer.from(good);
        const at = Math.floor(b.length * share);
        b[at] = b[at]! ^ 0x40;
        fs.writeFileSync(f, b);
        if (await readBundle(f, CHECKPOINT_KIND).then(() => false, () => true)) return;
      }
      assert.fail('no flipped byte was detected');
    },
    /checksum mismatch/,
  ],
];
for (const [name, damage, why] of damages) {
  test(`a checkpoint ${name}: a warning, the run is trained again, the same report (and on every rerun after)`, async () => {
    const out = `ckpt-${name.replace(/\W+/g, '-')}`;
    const ckpt = await interruptedAudit(out);
    await damage(ckpt);
    const r = await audit(out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: the checkpoint .*checkpoint\\.bin is unusable \\(.*(${why.source}).*\\); training clean-s0 again from the start`));
    assert.deepEqual(comparable(r.stdout), reference);
    assert.ok(!fs.existsSync(ckpt));
    const again = await audit(out);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /4 run\(s\) reused/);
  });
}

test('damaged files of a finished run are found when it is reused: dynamics and cartography retrain, a garbage ledger is written again', async () => {
  const first = await audit('damaged');
  assert.equal(first.code, 0, first.stderr);
  const dir = auditDir('damaged');
  const ledgerFile = path.join(dir, 'y-shuffle-50-s0', 'ledger.json');
  const ledger = fs.readFileSync(ledgerFile, 'utf8');
  fs.truncateSync(path.join(dir, 'clean-s0', 'dynamics.bin'), 1000);
  fs.rmSync(path.join(dir, 'y-shuffle-50-s0', 'cartography.bin'));
  const r = await audit('damaged');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: a file of the finished run clean-s0 is damaged \(dynamics\.bin: truncated.*\); training clean-s0 again/);
  assert.match(r.stderr, /warning: a file of the finished run y-shuffle-50-s0 is damaged \(cartography\.bin is missing\); training y-shuffle-50-s0 again/);
  assert.deepEqual(comparable(r.stdout), reference);
  assert.ok(fs.statSync(path.join(dir, 'y-shuffle-50-s0', 'cartography.bin')).size > 0);

  fs.writeFileSync(ledgerFile, '{ garbage');
  const fixed = await audit('damaged');
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stderr, /warning: the ledger of y-shuffle-50-s0 .* is missing or damaged; writing it again from the run's noise/);
  assert.match(fixed.stderr, /4 run\(s\) reused/, 'no training for a ledger');
  assert.equal(fs.readFileSync(ledgerFile, 'utf8'), ledger);
  assert.deepEqual(comparable(fixed.stdout), reference, 'the findings keep their noise entries');

  fs.writeFileSync(path.join(dir, 'clean-s0', 'result.json'), 'garbage');
  const retrained = await audit('damaged');
  assert.equal(retrained.code, 0, retrained.stderr);
  assert.match(retrained.stderr, /warning: .*clean-s0[/\\]result\.json is damaged; training clean-s0 again/);
  assert.deepEqual(comparable(retrained.stdout), reference);
});

test('--out under a regular file: one line before training (path, cause, fix), exit 2; --debug adds the stack', async () => {
  fs.writeFileSync(path.join(work.dir, 'a-file'), 'x');
  const r = await audit('a-file/out');
  assertCleanFailure(r, /^memaudit audit: cannot write .*a-file[/\\]out[/\\]runs: a part of the path is a file, not a folder \(ENOTDIR\); choose another output folder \(--out, or outDir in the settings\)$/);
  assert.doesNotMatch(r.stderr, /extracting/, 'nothing ran');
  const debug = await audit('a-file/out', '--debug');
  assert.equal(debug.code, 2);
  assert.match(debug.stderr, /^\s+at /m);
  const env = await cli([...BASE, '--out', 'a-file/out'], { cwd: work.dir, env: { MEMAUDIT_DEBUG: '1' } });
  assert.match(env.stderr, /^\s+at /m);
});

test('--junit/--sarif where they cannot be written: refused before training', async () => {
  fs.writeFileSync(path.join(work.dir, 'b-file'), 'x');
  fs.mkdirSync(path.join(work.dir, 'a-folder'), { recursive: true });
  const t0 = Date.now();
  const junit = await audit('never', '--junit', 'b-file/junit.xml');
  assertCleanFailure(junit, /cannot write .*b-file[/\\]junit\.xml: a part of the path is a file, not a folder \(ENOTDIR\); choose another path for --junit$/);
  const sarif = await audit('never', '--sarif', 'a-folder');
  assertCleanFailure(sarif, /cannot write .*a-folder: it is a folder, not a file \(EISDIR\); choose another path for --sarif$/);
  assert.ok(!fs.existsSync(path.join(work.dir, 'never', 'runs')) || fs.readdirSync(path.join(work.dir, 'never', 'runs')).length === 0, 'no training happened');
  assert.ok(Date.now() - t0 < 10_000);
});

test('a read-only output folder (injected EROFS; and chmod 0555 when not root): refused before training', async (t) => {
  writeFaults.before = (f) => {
    if (f.includes(`${path.sep}rofs${path.sep}`) && path.basename(f).startsWith('.memaudit-write-check')) throw errno('EROFS', 'open');
  };
  const r = await audit('rofs');
  assertCleanFailure(r, /cannot write .*rofs[/\\]runs: the file system is read-only \(EROFS\); choose another output folder/);
  delete writeFaults.before;
  if (root) {
    t.diagnostic('running as root: chmod 0555 does not stop root from writing; only the injected EROFS case ran');
    return;
  }
  const ro = path.join(work.dir, 'ro');
  fs.mkdirSync(ro);
  fs.chmodSync(ro, 0o555);
  try {
    assertCleanFailure(await audit('ro/out'), /cannot write .*ro[/\\]out[/\\]runs: permission denied \(EACCES\)/);
    assertCleanFailure(await audit('ref', '--junit', 'ro/junit.xml'), /cannot write .*ro[/\\]junit\.xml: permission denied \(EACCES\); choose another path for --junit/);
    assertCleanFailure(await cli(['generate', '--out', 'ro/gen', '--methods', '30'], { cwd: work.dir }), /cannot write .*ro[/\\]gen: permission denied/);
    assertCleanFailure(await cli(['extract', 'corpus', '--out', 'ro/cache'], { cwd: work.dir }), /cannot write .*ro[/\\]cache: permission denied/);
  } finally {
    fs.chmodSync(ro, 0o755);
  }
});

test('a full disk in the middle (injected ENOSPC on a checkpoint): one line, exit 2; after freeing space the rerun gives the same report', async () => {
  writeFaults.before = (f) => {
    if (f.endsWith(path.join('y-shuffle-50-s0', 'checkpoint.bin'))) throw errno('ENOSPC');
  };
  const r = await audit('full');
  assertCleanFailure(r, /cannot write .*y-shuffle-50-s0[/\\]checkpoint\.bin: the disk is full \(ENOSPC\); free some space .*; then run the same command again: it continues from the last finished run or checkpoint$/);
  delete writeFaults.before;
  const again = await audit('full');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /1 run\(s\) reused/);
  assert.deepEqual(comparable(again.stdout), reference);
});

test('generate and extract --out under a regular file: one line, exit 2 (extract no longer exits 0 with warnings)', async () => {
  fs.writeFileSync(path.join(work.dir, 'c-file'), 'x');
  assertCleanFailure(await cli(['generate', '--out', 'c-file/gen', '--methods', '30'], { cwd: work.dir }), /^memaudit generate: cannot write .*c-file[/\\]gen: a part of the path is a file, not a folder \(ENOTDIR\); choose another folder with --out$/);
  assertCleanFailure(await cli(['extract', 'corpus', '--out', 'c-file/cache'], { cwd: work.dir }), /^memaudit extract: cannot write .*c-file[/\\]cache: a part of the path is a file.*; choose another folder with --out, or pass --no-cache$/);
});

/** Waits until `file` exists (or the child exits). */
async function waitFor(file: string, child: ReturnType<typeof spawn>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${file} never appeared (child exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A long audit (many epochs) in a child process, into `out`. */
function longAudit(out: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, [BIN, 'audit', 'corpus', '--noise', 'y-shuffle:0', '--epochs', '2000', '--device', 'cpu', '--out', out], { cwd: work.dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function lockOf(out: string): string {
  const runs = path.join(work.dir, out, 'runs');
  const ids = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
  return path.join(runs, ids[0] ?? '-', 'audit.lock');
}

test('two audits into one folder: the second is refused naming the first’s pid; SIGTERM cancels the first and releases the lock', async () => {
  const child = longAudit('shared');
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const runs = path.join(work.dir, 'shared', 'runs');
    await waitFor(runs, child);
    while (!fs.existsSync(lockOf('shared'))) {
      assert.equal(child.exitCode, null, stderr);
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await cli(['audit', 'corpus', '--noise', 'y-shuffle:0', '--epochs', '2000', '--device', 'cpu', '--out', 'shared'], { cwd: work.dir });
    assertCleanFailure(second, new RegExp(`is in use by another memaudit \\(pid ${child.pid} on ${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, since .*\\); wait until it finishes or stop it`));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 2, stderr);
    assert.match(stderr, /cancel/);
    assert.ok(!fs.existsSync(lockOf('shared')), 'the lock is released on cancel');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a lock left by a process killed with SIGKILL is taken over with a warning', async () => {
  const child = longAudit('stale');
  try {
    await waitFor(path.join(work.dir, 'stale', 'runs'), child);
    while (!fs.existsSync(lockOf('stale'))) await new Promise((r) => setTimeout(r, 20));
  } finally {
    child.kill('SIGKILL');
  }
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));
  const lock = lockOf('stale');
  assert.ok(fs.existsSync(lock), 'SIGKILL leaves the lock');
  const held = JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number };
  assert.equal(held.pid, child.pid);
  // The same audit again (the same settings), cancelled once it holds the lock.
  const controller = new AbortController();
  const timer = setInterval(() => {
    if ((JSON.parse(fs.readFileSync(lock, 'utf8') || '{}') as { pid?: number }).pid === process.pid) controller.abort();
  }, 10);
  const r = await cli(['audit', 'corpus', '--noise', 'y-shuffle:0', '--epochs', '2000', '--device', 'cpu', '--out', 'stale'], { cwd: work.dir, signal: controller.signal });
  clearInterval(timer);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cancelled/);
  assert.match(r.stderr, new RegExp(`warning: taking over the lock of audit \\w+: its holder \\(pid ${child.pid}, started .*\\) no longer runs`));
  assert.ok(!fs.existsSync(lock), 'released again after the cancelled audit');
});
