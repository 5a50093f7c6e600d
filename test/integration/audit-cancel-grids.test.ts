/**
 * Cancel and resume on the longer grids (issue 15), on a tiny generated corpus (400 methods, two
 * runs of 10 epochs per part, one at a time so that "the second part's noisy run is training" is
 * a state the test can wait for):
 *   - a sweep cancelled with SIGINT during its second setting, a comparison of two models
 *     cancelled with SIGTERM during the second model: exit 2 (cancelled), the first part's audit
 *     complete and kept, the second part's finished run kept and its training run checkpointed;
 *     the same command again trains only what is left (the kept runs' result.json untouched) and
 *     gives the report an uninterrupted invocation gives;
 *   - a distillation sweep: cancelled while the noisy run waits for its teacher, killed with SIGKILL right
 *     after the teacher's result.json, cancelled while the noisy run trains after it; the last
 *     invocation reuses the teacher (teacher.bin kept) and gives the uninterrupted report;
 *   - progress (the bar's lines, as printed on a terminal) names the part (`setting 2/2 …`,
 *     `model 2/2 …`), and its percentage never goes back across parts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import type { AuditReport } from '../../server/src/protocol/report';
import { runCli } from '../../server/src/cli';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-cancel-grids-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 5, methods: 400 }));
  // Adversarial attacks off: the test is about cancel and resume, kept quick.
  fs.writeFileSync(path.join(work.dir, 'memaudit.config.json'), JSON.stringify({ adversarial: false }));
});
after(() => work.cleanup());

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', '10', '--mem-folds', '0', '--device', 'cpu', '--jobs', '1'];
const SWEEP = [...BASE, '--sweep', 'weightDecay=0,0.001'];
const MODELS = [...BASE, '--model', 'bag,code2vec'];
const BIN = path.resolve(__dirname, '../../server/src/bin.js');
const CLEAN = 'clean-s0';
const NOISY = 'y-shuffle-100-s0';

/** A report without what legitimately differs between two invocations. */
function comparable(r: AuditReport): unknown {
  return JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'timings' || k === 'createdAt' || k === 'seconds' ? undefined : v)));
}

/** The CLI in-process with stderr as a terminal: every progress update is drawn, one per line here. */
async function ttyCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    // The bar's "\r, erase line" before each redraw: a new line in the capture.
    control: () => (stderr += '\n'),
    stderrIsTty: true,
    cwd: work.dir,
    env: {},
  });
  return { code, stdout, stderr };
}

/** The progress bar's lines: percentage and text. */
function progressLines(stderr: string): { pct: number; text: string }[] {
  return stderr.split('\n').flatMap((l) => {
    const m = /^audit \[[#.]+\] +(\d+)% (.*)$/.exec(l);
    return m ? [{ pct: Number(m[1]), text: m[2]! }] : [];
  });
}

/**
 * Each part's lines name it (`<noun> i/n …`) and stay within its share [(i-1)/n, i/n] of the
 * bar; the percentage never goes back; every part shows up.
 */
function assertPartsProgress(stderr: string, noun: 'setting' | 'model', n: number): void {
  const lines = progressLines(stderr);
  assert.ok(lines.length > 0, 'progress lines');
  for (let k = 1; k < lines.length; k++) assert.ok(lines[k]!.pct >= lines[k - 1]!.pct, `the bar went back: ${lines[k - 1]!.pct}% ${lines[k - 1]!.text} → ${lines[k]!.pct}% ${lines[k]!.text}`);
  for (const l of lines) {
    const m = new RegExp(`^${noun} (\\d+)/${n} \\S.*: `).exec(l.text);
    assert.ok(m, `the line names its part: ${l.text}`);
    const i = Number(m[1]);
    assert.ok(l.pct >= Math.floor((100 * (i - 1)) / n) && l.pct <= Math.ceil((100 * i) / n), `${l.pct}% outside part ${i}/${n}'s share: ${l.text}`);
  }
  for (let i = 1; i <= n; i++) assert.ok(lines.some((l) => l.text.startsWith(`${noun} ${i}/${n} `)), `part ${i} in the progress`);
  assert.ok(lines.some((l) => / run \d\/\d .*epoch \d+\/10/.test(l.text)), 'run and epoch in the lines');
}

interface Child {
  child: ReturnType<typeof spawn>;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The memaudit executable in a child process (real signals). */
function spawnAudit(argv: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: work.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, stderr: () => stderr, exit };
}

/** Waits (polling) until `ready` holds, failing when the child ends first. */
async function until(c: Child, what: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!ready()) {
    if (c.child.exitCode !== null || c.child.signalCode !== null) assert.fail(`the audit ended before ${what}: ${c.stderr()}`);
    if (Date.now() > deadline) assert.fail(`never ${what}: ${c.stderr()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The audit folders under `out` (runs/<id>). */
function auditDirs(out: string): string[] {
  const runs = path.join(work.dir, out, 'runs');
  return fs.existsSync(runs) ? fs.readdirSync(runs).map((id) => path.join(runs, id)) : [];
}

const has = (dir: string, ...rel: string[]) => fs.existsSync(path.join(dir, ...rel));
const mtime = (dir: string, ...rel: string[]) => fs.statSync(path.join(dir, ...rel)).mtimeMs;

/** The first part's folder (its report written) and the second's, once the second's noisy run trains. */
function secondPartTraining(out: string): { first: string; second: string } | undefined {
  const dirs = auditDirs(out);
  const first = dirs.find((d) => has(d, 'report.json'));
  const second = dirs.find((d) => d !== first);
  if (!first || !second || !has(second, CLEAN, 'result.json') || !has(second, NOISY, 'checkpoint.bin')) return undefined;
  return { first, second };
}

/**
 * Runs `argv` into `out` in a child, sends `signal` once the second part's noisy run trains, and
 * checks what is kept; then the same command in-process, which trains only the rest and must
 * give `reference`.
 */
async function cancelSecondPartThenResume(argv: string[], out: string, signal: 'SIGINT' | 'SIGTERM', combined: string, reference: AuditReport): Promise<void> {
  const c = spawnAudit([...argv, '--out', out]);
  let parts: { first: string; second: string } | undefined;
  await until(c, 'the second part trained its noisy run', () => (parts = secondPartTraining(out)) !== undefined);
  c.child.kill(signal);
  const { code } = await c.exit;
  assert.equal(code, 2, c.stderr());
  assert.match(c.stderr(), signal === 'SIGINT' ? /cancelling… \(press Ctrl-C again to quit at once\)/ : /cancelling… \(send SIGTERM again to quit at once\)/);
  assert.match(c.stderr(), /cancelled/);
  const { first, second } = parts!;
  assert.ok(has(first, CLEAN, 'result.json') && has(first, NOISY, 'result.json') && has(first, 'report.json'), 'the first part is complete and kept');
  assert.ok(has(second, CLEAN, 'result.json'), 'the second part\'s finished run is kept');
  assert.ok(!has(second, NOISY, 'result.json') && has(second, NOISY, 'checkpoint.bin'), 'the run in training stopped at its checkpoint');
  assert.ok(!has(second, 'report.json') && !has(first, combined), 'no report for the unfinished part, no combined report');
  assert.ok(!has(first, 'audit.lock') && !has(second, 'audit.lock'), 'the locks are released');
  const kept = [mtime(first, CLEAN, 'result.json'), mtime(first, NOISY, 'result.json'), mtime(second, CLEAN, 'result.json')];

  const r = await cli([...argv, '--out', out, '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`resuming ${NOISY} from its checkpoint`));
  assert.match(r.stderr, /\(3 run\(s\) reused from an interrupted audit\)/);
  assert.deepEqual([mtime(first, CLEAN, 'result.json'), mtime(first, NOISY, 'result.json'), mtime(second, CLEAN, 'result.json')], kept, 'the kept runs are not trained again');
  assert.ok(has(first, combined));
  assert.deepEqual(comparable(JSON.parse(r.stdout) as AuditReport), comparable(reference));
}

test('a sweep: progress per setting over the whole bar; SIGINT during the second setting, the same command again: the uninterrupted report', { timeout: 300_000 }, async () => {
  const ref = await ttyCli([...SWEEP, '--out', 'sweep-ref', '--format', 'json']);
  assert.equal(ref.code, 0, ref.stderr);
  assertPartsProgress(ref.stderr, 'setting', 2);
  const reference = JSON.parse(ref.stdout) as AuditReport;
  assert.deepEqual(reference.sweep?.map((s) => s.setting), [{ weightDecay: 0 }, { weightDecay: 0.001 }]);
  assert.equal(typeof reference.sweepRecommendation, 'string');
  await cancelSecondPartThenResume(SWEEP, 'sweep-cut', 'SIGINT', 'report-sweep.json', reference);

  // Ctrl-C twice: the second quits at once (exit 130), unless the cancel the first began has
  // already ended (exit 2, or, when it comes while node exits and has put back the default
  // handlers, killed by SIGINT, which a shell reports as 130 too); in any case the lock is
  // released and the same command finishes.
  const c = spawnAudit([...SWEEP, '--out', 'sweep-quit']);
  await until(c, 'the second part trained its noisy run', () => secondPartTraining('sweep-quit') !== undefined);
  c.child.kill('SIGINT');
  await until(c, 'the cancel began', () => c.stderr().includes('cancelling…'));
  c.child.kill('SIGINT');
  const quit = await c.exit;
  assert.ok(quit.code === 130 || quit.code === 2 || quit.signal === 'SIGINT', `${JSON.stringify(quit)}: ${c.stderr()}`);
  assert.ok(auditDirs('sweep-quit').every((d) => !has(d, 'audit.lock')), 'the locks are released');
  const r = await cli([...SWEEP, '--out', 'sweep-quit', '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /taking over the lock/);
  assert.deepEqual(comparable(JSON.parse(r.stdout) as AuditReport), comparable(reference));
});

test('several models: progress per model over the whole bar; SIGTERM during the second model, the same command again: the uninterrupted report', { timeout: 300_000 }, async () => {
  const ref = await ttyCli([...MODELS, '--out', 'models-ref', '--format', 'json']);
  assert.equal(ref.code, 0, ref.stderr);
  assertPartsProgress(ref.stderr, 'model', 2);
  const reference = JSON.parse(ref.stdout) as AuditReport;
  assert.deepEqual(reference.models?.map((m) => m.model), ['bag', 'code2vec']);
  await cancelSecondPartThenResume(MODELS, 'models-cut', 'SIGTERM', 'report-models.json', reference);
});

test('a distillation sweep: cancelled while the noisy run waits for its teacher, killed after the teacher, cancelled while the noisy run trains; the teacher is reused', { timeout: 300_000 }, async () => {
  // Two jobs, so that the noisy run is scheduled beside its teacher and waits for it.
  const argv = [...BASE.filter((a) => a !== '--jobs' && a !== '1'), '--jobs', '2', '--sweep', 'distill=0,0.5'];
  const ref = await cli([...argv, '--out', 'distill-ref', '--format', 'json'], { cwd: work.dir });
  assert.equal(ref.code, 0, ref.stderr);
  const reference = JSON.parse(ref.stdout) as AuditReport;
  assert.deepEqual(reference.sweep?.map((x) => x.setting), [{ distill: 0 }, { distill: 0.5 }]);
  // The second setting's folder: the one whose audit has distillation.
  const dir = () => auditDirs('distill-cut').find((d) => has(d, 'config.json') && (JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')) as { config: { distill?: number } }).config.distill === 0.5) ?? '-';

  // 1. The teacher trains (its checkpoint is there), the noisy run waits: SIGINT.
  const waiting = spawnAudit([...argv, '--out', 'distill-cut']);
  await until(waiting, 'the teacher trained', () => has(dir(), CLEAN, 'checkpoint.bin'));
  assert.ok(!has(dir(), NOISY, 'checkpoint.bin'), 'the noisy run waits for its teacher');
  waiting.child.kill('SIGINT');
  assert.equal((await waiting.exit).code, 2, waiting.stderr());
  assert.ok(!has(dir(), CLEAN, 'result.json') && !has(dir(), CLEAN, 'teacher.bin'), 'the teacher is unfinished');
  assert.ok(!has(dir(), NOISY, 'checkpoint.bin'), 'the noisy run never started');

  // 2. kill -9 right after the teacher's result.json: its weights were kept before it.
  const killed = spawnAudit([...argv, '--out', 'distill-cut']);
  await until(killed, 'the teacher finished', () => has(dir(), CLEAN, 'result.json'));
  killed.child.kill('SIGKILL');
  assert.equal((await killed.exit).signal, 'SIGKILL');
  assert.ok(has(dir(), CLEAN, 'teacher.bin'), 'teacher.bin is written before result.json');
  const teacher = [mtime(dir(), CLEAN, 'result.json'), mtime(dir(), CLEAN, 'teacher.bin')];

  // 3. The noisy run trains after its teacher (a checkpoint of this invocation): SIGINT.
  const before = has(dir(), NOISY, 'checkpoint.bin') ? mtime(dir(), NOISY, 'checkpoint.bin') : -1;
  const training = spawnAudit([...argv, '--out', 'distill-cut']);
  await until(training, 'the noisy run trained', () => has(dir(), NOISY, 'checkpoint.bin') && mtime(dir(), NOISY, 'checkpoint.bin') !== before);
  training.child.kill('SIGINT');
  assert.equal((await training.exit).code, 2, training.stderr());
  assert.match(training.stderr(), /warning: taking over the lock of audit \w+: its holder \(pid \d+, started .*\) no longer runs/);
  assert.ok(!has(dir(), NOISY, 'result.json'));

  // 4. The same command again: the teacher is reused as it is, the noisy run resumes; the uninterrupted report.
  const r = await cli([...argv, '--out', 'distill-cut', '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(3 run\(s\) reused from an interrupted audit\)/, 'the first setting and the teacher');
  assert.doesNotMatch(r.stderr, /training clean-s0 again/);
  assert.deepEqual([mtime(dir(), CLEAN, 'result.json'), mtime(dir(), CLEAN, 'teacher.bin')], teacher, 'the teacher is not trained again');
  assert.deepEqual(comparable(JSON.parse(r.stdout) as AuditReport), comparable(reference));
});

test('the help documents the exit code of a cancelled audit and the resume of several models or a sweep', async () => {
  const r = await cli(['audit', '--help'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 usage, configuration or internal error, or\ncancelled \(Ctrl-C or SIGTERM once/);
  assert.match(r.stdout, /every finished model or setting is reused as it is/);
});
