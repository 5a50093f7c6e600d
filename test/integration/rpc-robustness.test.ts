/**
 * The engine process (dist/server/src/main.js --stdio) when its client misbehaves (issue 13):
 * a client that closes the connection in the middle of an audit gets the audit cancelled (its
 * finished runs kept) and a clean exit with the documented code, not an unhandled rejection; a
 * message that declares a huge Content-Length, or is not JSON, is answered with an error and the
 * next message is read as usual.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { RunsStore } from '../../server/src/audit/runs-store';
import { AuditProgressNotification, AuditStartRequest, InitializeRequest, PROTOCOL_VERSION } from '../../server/src/protocol';
import { MAX_MESSAGE_BYTES } from '../../server/src/rpc/bounded-reader';
import { ENGINE_EXIT } from '../../server/src/rpc/exit-codes';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { tempDir } from '../helpers/cli';

const SERVER = path.resolve(__dirname, '../../server/src/main.js');
const work = tempDir('memaudit-rpc-robust-');

before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 3, methods: 300, languages: ['python'] }));
});
const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  // An engine that hangs (the bug these tests guard against) must not keep the test file alive.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  work.cleanup();
});

function engine(): { child: ChildProcessWithoutNullStreams; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

test('a client that closes the connection mid-audit: the audit is cancelled, finished runs kept, exit 1 without an error', { timeout: 120_000 }, async () => {
  const { child, stderr, exited } = engine();
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let closeSent = false;
  const closed = new Promise<void>((resolve) => {
    conn.onNotification(AuditProgressNotification, (p) => {
      // Once a run is finished and on disk (runs train side by side: look at the disk), the client goes away.
      if (!closeSent && p.stage === 'train' && RunsStore.of(work.dir).list().some((r) => r.runsDone >= 1)) {
        closeSent = true;
        child.stdin.end();
        resolve();
      }
    });
  });
  conn.listen();
  await conn.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION, clientName: 'robustness test' });
  await conn.sendRequest(AuditStartRequest, {
    folder: work.dir,
    config: { inputs: ['corpus'], epochs: 300, noise: ['y-shuffle:0,50'], device: 'cpu' },
    useConfigFile: false,
  });
  await closed;
  const code = await exited;
  conn.dispose();
  assert.equal(code, ENGINE_EXIT.CLIENT_GONE, stderr());
  assert.doesNotMatch(stderr(), /unhandled|uncaught|Connection is closed|internal error|\n\s+at /i, stderr());
  assert.match(stderr(), /the client closed the connection; cancelling audit .* \(finished runs are kept\)/);

  const runs = RunsStore.of(work.dir).list();
  assert.equal(runs.length, 1, JSON.stringify(runs));
  assert.equal(runs[0]!.state, 'interrupted');
  assert.ok(runs[0]!.runsDone >= 1, `finished runs kept: ${runs[0]!.runsDone}`);
});

test('the reported scenario: stdin closed 2.5 s after audit/start ends the engine cleanly with exit 1', { timeout: 60_000 }, async () => {
  const { child, stderr, exited } = engine();
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.listen();
  await conn.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION, clientName: 'robustness test' });
  const folder = path.join(work.dir, 'second');
  await writeCorpus(path.join(folder, 'corpus'), generateCorpus({ seed: 4, methods: 300, languages: ['python'] }));
  await conn.sendRequest(AuditStartRequest, { folder, config: { inputs: ['corpus'], epochs: 300, noise: ['y-shuffle:0,50'], device: 'cpu' }, useConfigFile: false });
  await new Promise((r) => setTimeout(r, 2500));
  child.stdin.end();
  const code = await exited;
  conn.dispose();
  assert.equal(code, ENGINE_EXIT.CLIENT_GONE, stderr());
  assert.doesNotMatch(stderr(), /unhandled|uncaught|Connection is closed|internal error|\n\s+at /i, stderr());
});

/** Reads `Content-Length` framed messages from the engine's stdout. */
function frames(child: ChildProcessWithoutNullStreams): { next: () => Promise<Record<string, unknown>> } {
  let buf = Buffer.alloc(0);
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const n = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, end).toString())![1]);
      if (buf.length < end + 4 + n) return;
      const msg = JSON.parse(buf.subarray(end + 4, end + 4 + n).toString()) as Record<string, unknown>;
      buf = buf.subarray(end + 4 + n);
      const w = waiters.shift();
      if (w) w(msg);
      else queue.push(msg);
    }
  });
  return {
    next: async () => {
      const skipLogs = async (): Promise<Record<string, unknown>> => {
        const m = queue.shift() ?? (await new Promise<Record<string, unknown>>((resolve) => waiters.push(resolve)));
        return m['method'] === 'log' ? skipLogs() : m;
      };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no message from the engine within 15 s')), 15_000)));
      try {
        return await Promise.race([skipLogs(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const initialize = (id: number) => frame(JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION } }));

test('a huge declared Content-Length or a body that is not JSON: an error reply, and the next message works', { timeout: 60_000 }, async () => {
  const { child, stderr, exited } = engine();
  const out = frames(child);

  // The declared body would swallow every later message: refused at once, the reader resynchronizes.
  child.stdin.write(`Content-Length: 99999999999999\r\n\r\n{"jsonrpc":"2.0","id":99,"method":"initia`);
  child.stdin.write(initialize(1));
  const refused = await out.next();
  assert.equal(refused['id'], null);
  const error = refused['error'] as { code: number; message: string };
  assert.equal(error.code, -32600);
  assert.match(error.message, new RegExp(`99999999999999 bytes is over the engine's limit of ${MAX_MESSAGE_BYTES} bytes`));
  const first = await out.next();
  assert.equal(first['id'], 1);
  assert.equal((first['result'] as { protocolVersion: number }).protocolVersion, PROTOCOL_VERSION);

  // Not JSON: a parse error; a header without a length: an invalid request; both followed by a good one.
  child.stdin.write(frame('hello') + initialize(2));
  assert.equal(((await out.next())['error'] as { code: number }).code, -32700);
  assert.equal((await out.next())['id'], 2);
  child.stdin.write(`Content-Length: lots\r\n\r\n{}` + initialize(3));
  assert.equal(((await out.next())['error'] as { code: number }).code, -32600);
  assert.equal((await out.next())['id'], 3);

  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'shutdown' })));
  assert.equal((await out.next())['id'], 4);
  child.stdin.write(frame(JSON.stringify({ jsonrpc: '2.0', method: 'exit' })));
  assert.equal(await exited, ENGINE_EXIT.OK, stderr());
  assert.doesNotMatch(stderr(), /unhandled|uncaught|internal error|\n\s+at /i, stderr());
});
