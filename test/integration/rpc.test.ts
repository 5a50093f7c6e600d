/**
 * The engine process over JSON-RPC, as the extension drives it: the extension's own client
 * (extension/src/client.ts) spawns the real server (dist/server/src/main.js --stdio), handshakes,
 * runs a small audit on a generated corpus with progress notifications, reads the report and the
 * findings, cancels a second audit mid-way, maps errors, restarts after a crash and shuts down.
 * The raw protocol (no client) is checked too: the handshake rules, exit codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { EngineClient, type CrashInfo } from '../../extension/src/client';
import {
  AuditCancelRequest,
  AuditPlanRequest,
  AuditStartRequest,
  ExitNotification,
  FindingsGetRequest,
  InitializeRequest,
  PROTOCOL_VERSION,
  ReportGetRequest,
  RunsDeleteRequest,
  RunsListRequest,
  ShutdownRequest,
  rpcErrorData,
  type AuditDoneParams,
  type AuditProgressParams,
  type AuditTarget,
} from '../../server/src/protocol';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { tempDir } from '../helpers/cli';

const SERVER = path.resolve(__dirname, '../../server/src/main.js');
const work = tempDir('memaudit-rpc-');
const logs: string[] = [];
const crashes: CrashInfo[] = [];
const client = new EngineClient({
  serverModule: SERVER,
  nodePath: process.execPath,
  clientName: 'rpc test',
  host: { log: (l) => logs.push(l), crashed: (c) => crashes.push(c) },
  crashPolicy: { maxCrashes: 3, windowMs: 60_000, baseDelayMs: 50, maxDelayMs: 200 },
});

before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 11, methods: 600 }));
});
after(async () => {
  await client.stop();
  work.cleanup();
});

const SMALL: AuditTarget = { folder: work.dir, config: { inputs: ['corpus'], epochs: 2, noise: ['y-shuffle:0,50'], device: 'cpu' }, useConfigFile: false };

/** Rejects with the request's error; returns it for assertions. */
async function rejection(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, `a JSON-RPC error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the request to fail');
}

/** Collects an audit's progress until its `audit/done`. */
function track(onProgress?: (p: AuditProgressParams) => void): { progress: AuditProgressParams[]; done: (id: string) => Promise<AuditDoneParams> } {
  const progress: AuditProgressParams[] = [];
  const dones = new Map<string, AuditDoneParams>();
  const waiters = new Map<string, (d: AuditDoneParams) => void>();
  const subs = [
    client.onProgress((p) => {
      progress.push(p);
      onProgress?.(p);
    }),
    client.onDone((d) => {
      dones.set(d.auditId, d);
      waiters.get(d.auditId)?.(d);
    }),
  ];
  return {
    progress,
    done: (id) =>
      new Promise((resolve) => {
        const finish = (d: AuditDoneParams) => {
          subs.forEach((s) => s.dispose());
          resolve(d);
        };
        const already = dones.get(id);
        if (already) finish(already);
        else waiters.set(id, finish);
      }),
  };
}

test('handshake: versions, process and the choices the engine accepts', async () => {
  const info = await client.start();
  assert.equal(info.protocolVersion, PROTOCOL_VERSION);
  assert.equal(info.node, process.version);
  assert.notEqual(info.pid, process.pid);
  assert.ok(info.choices.models.includes('bag'));
  assert.ok(info.choices.noiseKinds.includes('y-shuffle'));
  assert.deepEqual(info.choices.presets, ['quick', 'standard', 'thorough']);
  assert.ok(info.choices.gateMetrics.includes('gap'));
});

test('errors: a bad config names the field, a missing folder, a bad request', async () => {
  const bad = await rejection(client.request(AuditStartRequest, { ...SMALL, config: { ...SMALL.config, epochs: 0 } }));
  assert.equal(bad.code, 1002);
  assert.deepEqual(rpcErrorData(bad), { code: 'E_CONFIG', details: { field: 'epochs' } });
  assert.match(bad.message, /^epochs: must be an integer from 1/);

  const unknown = await rejection(client.request(AuditPlanRequest, { ...SMALL, config: { epoch: 3 } as never }));
  assert.equal(rpcErrorData(unknown)?.code, 'E_CONFIG');
  assert.match(unknown.message, /^epoch: unknown setting; valid settings are .*epochs/);

  const noise = await rejection(client.request(AuditPlanRequest, { ...SMALL, config: { noise: ['y-shuffle:0,150'] } }));
  assert.match(noise.message, /noise\[0\].*percentages from 0 to 100/);

  const missing = await rejection(client.request(AuditStartRequest, { ...SMALL, folder: path.join(work.dir, 'nope') }));
  assert.equal(rpcErrorData(missing)?.code, 'E_INPUT_NOT_FOUND');
  assert.match(missing.message, /does not exist/);

  const relative = await rejection(client.request(RunsListRequest, { folder: 'relative/path' }));
  assert.equal(rpcErrorData(relative)?.code, 'E_USAGE');

  const noReport = await rejection(client.request(ReportGetRequest, { folder: work.dir }));
  assert.equal(rpcErrorData(noReport)?.code, 'E_INPUT_NOT_FOUND');
  const none = await client.request(FindingsGetRequest, { folder: work.dir });
  assert.deepEqual(none, { runId: null, bestSignal: null, bestSignalAuroc: null, findings: [], skipped: 0 });
});

test('audit/plan: grid size per preset, no time estimate before a first audit', async () => {
  const quick = await client.request(AuditPlanRequest, { folder: work.dir, config: { preset: 'quick' }, useConfigFile: false });
  // Five label-noise levels and the two memorization fold runs.
  assert.equal(quick.runs, 7);
  assert.equal(quick.epochs, 10);
  assert.equal(quick.modelPreset, 'names');
  assert.equal(quick.model, 'bag');
  assert.equal(quick.labels, 'full');
  const top = await client.request(AuditPlanRequest, { folder: work.dir, config: { preset: 'quick', labels: 'top:10' }, useConfigFile: false });
  assert.equal(top.labels, 'top:10');
  const badTask = await rejection(client.request(AuditPlanRequest, { folder: work.dir, config: { labels: 'top:0' }, useConfigFile: false }));
  assert.equal(rpcErrorData(badTask)?.code, 'E_CONFIG');
  assert.match(badTask.message, /^labels: must be 'full' or 'top:K'/);
  assert.equal(quick.estimatedSeconds, null);
  assert.match(quick.estimateBasis, /per 10,000 methods/);
  const thorough = await client.request(AuditPlanRequest, { folder: work.dir, config: { preset: 'thorough' }, useConfigFile: false });
  assert.equal(thorough.runs, (5 + 2 + 5) * 3 + 2);
});

let finishedRunId = '';

test('a small audit: progress notifications, one audit at a time, report, HTML and findings', async () => {
  const t = track();
  const started = await client.startAudit(SMALL);
  assert.equal(started.runs, 4);
  assert.equal(started.device, 'cpu');
  assert.equal(client.runningAudit, started.auditId);

  const busy = await rejection(client.request(AuditStartRequest, SMALL));
  assert.equal(rpcErrorData(busy)?.code, 'E_BUSY');
  assert.match(busy.message, /already running .*one audit at a time/);

  const done = await t.done(started.auditId);
  assert.equal(done.outcome, 'finished', JSON.stringify(done.error));
  assert.equal(client.runningAudit, undefined);
  assert.ok(done.reportFile && fs.existsSync(done.reportFile));
  assert.equal(typeof done.scores?.G, 'number');
  assert.equal(done.gatesPassed, true);
  assert.ok((done.findings ?? 0) > 0);
  // The detection choice in one line, for the dashboard.
  assert.match(done.detection ?? '', /^detection score [+−]\w+ over .*: held-out AUROC \d/);
  finishedRunId = done.runId!;

  const mine = t.progress.filter((p) => p.auditId === started.auditId);
  const stages = [...new Set(mine.map((p) => p.stage))];
  assert.deepEqual(stages, ['extract', 'dataset', 'train', 'report']);
  const training = mine.filter((p) => p.stage === 'train');
  assert.ok(training.some((p) => p.run === 4 && p.runs === 4 && p.epochs === 2 && p.epoch !== undefined));
  assert.ok(training.every((p) => p.device === 'cpu'));
  assert.ok(training.some((p) => p.samplesPerSec !== undefined && p.samplesPerSec > 0));
  // After its epochs each run's model is attacked (adversarial on by default): the attack phase, methods attacked of all.
  const attacks = training.filter((p) => p.phase === 'attack');
  assert.ok(attacks.length > 0, 'the attack phase is in the progress');
  for (const p of attacks) {
    assert.ok(p.attack && p.attack.total > 0 && p.attack.done >= 0 && p.attack.done <= p.attack.total, JSON.stringify(p.attack));
    assert.match(p.message, new RegExp(`attack ${p.attack.done}/${p.attack.total}`));
    assert.equal(p.epoch, p.epochs, 'attacked after its last epoch');
  }
  for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.fraction >= mine[i - 1]!.fraction - 1e-9, 'fraction never goes back');
  assert.equal(mine[mine.length - 1]!.fraction, 1);

  const { runs } = await client.request(RunsListRequest, { folder: work.dir });
  assert.deepEqual(
    runs.map((r) => [r.id, r.state, r.running]),
    [[finishedRunId, 'finished', false]],
  );

  const got = await client.request(ReportGetRequest, { folder: work.dir, runId: 'latest' });
  assert.equal(got.runId, finishedRunId);
  assert.equal(got.report.schemaVersion, 3);
  assert.equal(got.report.runs.length, 2);

  const byPrefix = await client.request(ReportGetRequest, { folder: work.dir, runId: finishedRunId.slice(0, 6) });
  assert.equal(byPrefix.runId, finishedRunId);

  const f = await client.request(FindingsGetRequest, { folder: work.dir });
  assert.equal(f.runId, finishedRunId);
  assert.equal(f.detectionChoice, done.detection);
  assert.equal(f.bestSignalAuroc, got.report.detection.choice!.heldOutAuroc);
  assert.equal(f.findings.length, got.report.findings.length);
  for (const x of f.findings) {
    assert.ok(path.isAbsolute(x.file) && x.file.startsWith(path.join(work.dir, 'corpus')), x.file);
    assert.ok(fs.existsSync(x.file), x.file);
    assert.equal(x.kind, 'source');
    assert.ok(x.range.startLine >= 0 && x.range.endLine >= x.range.startLine);
    assert.equal(typeof x.signals.aum, 'number');
    assert.ok(x.message.includes(x.name));
  }
  // The memorization score's categories pass through to the editor, with the report's summary.
  assert.deepEqual(f.memorization, got.report.memorization);
  assert.deepEqual(
    f.findings.map((x) => [x.category, x.mem, x.fittedRate, x.heldOutRate]),
    got.report.findings.map((x) => [x.category, x.mem, x.fittedRate, x.heldOutRate]),
  );
  assert.ok(f.findings.every((x) => x.category !== undefined));
  // The marked line is the method's declaration.
  const first = f.findings[0]!;
  assert.ok(fs.readFileSync(first.file, 'utf8').split('\n')[first.range.startLine]!.includes(first.name), `${first.name} at ${first.file}:${first.range.startLine + 1}`);

  // With a finished audit, the preset picker has a measured estimate.
  const plan = await client.request(AuditPlanRequest, SMALL);
  assert.ok(plan.estimatedSeconds !== null && plan.estimatedSeconds > 0, plan.estimateBasis);
  assert.match(plan.estimateBasis, /measured/);
});

test('cancel an audit mid-way: E_CANCELLED in audit/done; interrupted runs listed and deleted', async () => {
  let cancel: Promise<unknown> | undefined;
  let id = '';
  const t = track((p) => {
    if (!cancel && p.auditId === id && p.stage === 'train' && (p.epoch ?? 0) >= 2) cancel = client.request(AuditCancelRequest, { auditId: id });
  });
  const started = await client.startAudit({ ...SMALL, config: { ...SMALL.config, epochs: 500, noise: ['y-shuffle:0,25,50'] } });
  id = started.auditId;
  const done = await t.done(id);
  assert.ok(cancel, 'cancelled from a progress notification');
  assert.deepEqual(await cancel, { cancelled: true });
  assert.equal(done.outcome, 'cancelled');
  assert.equal(done.error?.code, 'E_CANCELLED');
  assert.ok(done.durationMs < 60_000);
  assert.deepEqual(await client.request(AuditCancelRequest, { auditId: id }), { cancelled: false });

  const { runs } = await client.request(RunsListRequest, { folder: work.dir });
  const interrupted = runs.find((r) => r.state === 'interrupted');
  assert.ok(interrupted, 'the cancelled audit is listed as interrupted');
  assert.equal(interrupted.running, false);

  const traversal = await rejection(client.request(RunsDeleteRequest, { folder: work.dir, runId: '../corpus' }));
  assert.equal(rpcErrorData(traversal)?.code, 'E_INPUT_NOT_FOUND');
  assert.ok(fs.existsSync(path.join(work.dir, 'corpus')));
  assert.deepEqual(await client.request(RunsDeleteRequest, { folder: work.dir, runId: interrupted.id }), { deleted: true });
  assert.ok(!fs.existsSync(interrupted.dir));
  const after = await client.request(RunsListRequest, { folder: work.dir });
  assert.deepEqual(
    after.runs.map((r) => r.id),
    [finishedRunId],
  );
});

test('cancel during a run\'s attack phase: the audit ends as cancelled', async () => {
  let cancel: Promise<unknown> | undefined;
  let id = '';
  const t = track((p) => {
    if (!cancel && p.auditId === id && p.phase === 'attack') cancel = client.request(AuditCancelRequest, { auditId: id });
  });
  const started = await client.startAudit({ ...SMALL, config: { ...SMALL.config, epochs: 1, splitSeed: 2 } });
  id = started.auditId;
  const done = await t.done(id);
  assert.ok(cancel, 'cancelled from an attack-phase notification');
  assert.equal(done.outcome, 'cancelled');
  assert.equal(done.error?.code, 'E_CANCELLED');
  const { runs } = await client.request(RunsListRequest, { folder: work.dir });
  const interrupted = runs.find((r) => r.state === 'interrupted');
  assert.ok(interrupted);
  await client.request(RunsDeleteRequest, { folder: work.dir, runId: interrupted.id });
});

test('a crashed engine is reported and restarted; an audit in flight ends as failed', async () => {
  const before = await client.start();
  const t = track();
  const started = await client.startAudit({ ...SMALL, config: { ...SMALL.config, epochs: 500, splitSeed: 1 } });
  process.kill(before.pid, 'SIGKILL');
  const done = await t.done(started.auditId);
  assert.equal(done.outcome, 'failed');
  assert.match(done.error?.message ?? '', /stopped unexpectedly \(signal SIGKILL\)/);
  assert.equal(crashes.length, 1);
  assert.equal(crashes[0]!.signal, 'SIGKILL');
  assert.equal(crashes[0]!.restartInMs, 50);
  // Restarted on its own after the backoff.
  const deadline = Date.now() + 20_000;
  while (client.currentState !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const info = client.serverInfo;
  assert.ok(info && info.pid !== before.pid, 'a new engine process');
  assert.equal((await client.request(RunsListRequest, { folder: work.dir })).runsDir, path.join(work.dir, '.memaudit', 'runs'));
});

test('an engine that dies at start is retried with backoff, then given up', async () => {
  const script = path.join(work.dir, 'dies.js');
  fs.writeFileSync(script, "process.stderr.write('cannot load the engine\\n'); process.exit(3);\n");
  const seen: CrashInfo[] = [];
  const dying = new EngineClient({
    serverModule: script,
    nodePath: process.execPath,
    clientName: 'rpc test',
    host: { log: () => undefined, crashed: (c) => seen.push(c) },
    crashPolicy: { maxCrashes: 2, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 20 },
  });
  await assert.rejects(dying.start());
  const deadline = Date.now() + 20_000;
  while (dying.currentState !== 'failed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(dying.currentState, 'failed');
  assert.deepEqual(
    seen.map((c) => [c.code, c.restartInMs]),
    [
      [3, 10],
      [3, 20],
      [3, undefined],
    ],
  );
  assert.deepEqual(seen[2]!.stderrTail, ['cannot load the engine']);
  await assert.rejects(dying.start(), /crashed too often/);
  await dying.stop();
});

test('raw protocol: initialize first, matching versions; shutdown + exit is code 0, a closed input code 1', async () => {
  const run = async (closeWithoutShutdown: boolean) => {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    conn.listen();
    const early = await rejection(conn.sendRequest(RunsListRequest, { folder: work.dir }));
    assert.equal(early.code, -32002);
    assert.equal(rpcErrorData(early)?.code, 'E_NOT_INITIALIZED');
    const wrong = await rejection(conn.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION + 1 }));
    assert.equal(rpcErrorData(wrong)?.code, 'E_PROTOCOL');
    assert.match(wrong.message, /matching versions/);
    await conn.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION });
    if (closeWithoutShutdown) {
      child.stdin.end();
    } else {
      assert.equal(await conn.sendRequest(ShutdownRequest), null);
      await conn.sendNotification(ExitNotification);
    }
    const code = await exited;
    conn.dispose();
    return { code, stderr };
  };
  assert.equal((await run(false)).code, 0);
  assert.equal((await run(true)).code, 1);

  const usage = spawn(process.execPath, [SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  usage.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => usage.on('exit', (c) => resolve(c)));
  assert.equal(code, 2);
  assert.equal(out, '', 'nothing on stdout');
});

test('shutdown: the client stops the engine cleanly', async () => {
  const info = await client.start();
  await client.stop();
  assert.equal(client.currentState, 'stopped');
  assert.throws(() => process.kill(info.pid, 0), /ESRCH/);
  assert.ok(logs.some((l) => l.includes('engine') && l.includes('running')));
});
