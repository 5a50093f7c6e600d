/**
 * The extension's side of the engine process: spawns `dist/engine/main.js --stdio` (the engine bundle) with VS
 * Code's own runtime (`process.execPath` with ELECTRON_RUN_AS_NODE=1) or the configured
 * `memaudit.nodePath`, talks JSON-RPC to it (protocol/), and restarts it with exponential backoff
 * when it crashes, giving up after too many quick crashes (crash-policy.ts).
 *
 * This file does not import `vscode`: the UI reaches it through `EngineHost`, so node tests drive
 * it against the real server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type CancellationToken, type MessageConnection, type RequestType } from 'vscode-jsonrpc/node';
import {
  AuditDoneNotification,
  AuditProgressNotification,
  AuditStartRequest,
  ExitNotification,
  InitializeRequest,
  LogNotification,
  PROTOCOL_VERSION,
  ShutdownRequest,
  type AuditDoneParams,
  type AuditProgressParams,
  type AuditStartResult,
  type AuditTarget,
  type InitializeResult,
  type LogParams,
} from '../../server/src/protocol';
import { CrashPolicy, DEFAULT_CRASH_POLICY, type CrashPolicyOptions } from './crash-policy';

/** A listener registration; `dispose` removes it (structurally a `vscode.Disposable`). */
export interface Disposable {
  dispose(): void;
}

/** A minimal typed event (structurally a `vscode.Event`). */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** What happened when the engine stopped unexpectedly. */
export interface CrashInfo {
  /** Exit code and signal of the process (null when it did not start). */
  code: number | null;
  signal: string | null;
  /** Why, in words: the exit, or the start error. */
  reason: string;
  /** The last lines the engine wrote to stderr. */
  stderrTail: string[];
  /** Quick crashes so far. */
  crashes: number;
  /** Milliseconds until the restart, or undefined when the client gave up. */
  restartInMs?: number;
}

/** The UI side of the client: the output channel and crash messages. */
export interface EngineHost {
  /** A line for the output channel. */
  log(line: string): void;
  /** The engine stopped unexpectedly (it is restarted after `restartInMs`, or not at all). */
  crashed(info: CrashInfo): void;
}

export interface EngineClientOptions {
  /** Absolute path of the server's entry (dist/engine/main.js, the engine bundle). */
  serverModule: string;
  /** A Node executable; default: the editor's own runtime run as Node. */
  nodePath?: string;
  /** Working folder of the engine process. */
  cwd?: string;
  /** Extra environment variables for the engine process. */
  env?: Record<string, string>;
  /** Who is asking, for the engine's log (e.g. 'vscode 1.90.0'). */
  clientName: string;
  crashPolicy?: CrashPolicyOptions;
  /** How long the engine may take to answer `initialize` (ms). */
  initializeTimeoutMs?: number;
  host: EngineHost;
}

type State = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

const STDERR_TAIL_LINES = 20;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export class EngineClient implements Disposable {
  private state: State = 'stopped';
  private child: ChildProcess | undefined;
  private connection: MessageConnection | undefined;
  private starting: Promise<InitializeResult> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stderrTail: string[] = [];
  private readonly policy: CrashPolicy;
  private activeAudit: string | undefined;
  private info: InitializeResult | undefined;
  private stopping: Promise<void> | undefined;

  private readonly progressEmitter = new Emitter<AuditProgressParams>();
  private readonly doneEmitter = new Emitter<AuditDoneParams>();
  private readonly logEmitter = new Emitter<LogParams>();
  private readonly stateEmitter = new Emitter<State>();

  /** Progress of the running audit. */
  readonly onProgress = this.progressEmitter.event;
  /** An audit ended: finished, cancelled, failed, or lost with a crashed engine. */
  readonly onDone = this.doneEmitter.event;
  /** The engine's `log` notifications. */
  readonly onLog = this.logEmitter.event;
  /** The client's state changed. */
  readonly onState = this.stateEmitter.event;

  constructor(private readonly options: EngineClientOptions) {
    this.policy = new CrashPolicy(options.crashPolicy ?? DEFAULT_CRASH_POLICY);
  }

  get currentState(): State {
    return this.state;
  }

  /** The running engine's process id and versions (after a successful start). */
  get serverInfo(): InitializeResult | undefined {
    return this.info;
  }

  /** The audit started through this client and not yet done. */
  get runningAudit(): string | undefined {
    return this.activeAudit;
  }

  /** Changes the Node executable (undefined: the editor's runtime); takes effect at the next start. */
  setNodePath(nodePath: string | undefined): void {
    if (nodePath === undefined) delete this.options.nodePath;
    else this.options.nodePath = nodePath;
  }

  /** Starts the engine if it is not running; resolves when the handshake is done. */
  start(): Promise<InitializeResult> {
    if (this.state === 'running' && this.info) return Promise.resolve(this.info);
    if (this.starting) return this.starting;
    if (this.state === 'failed') {
      return Promise.reject(new Error('the memaudit engine crashed too often and was not restarted; run "Memaudit: Restart Engine" to try again'));
    }
    this.clearRestartTimer();
    this.starting = this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Sends a request, starting the engine first when needed. */
  async request<P, R, E>(type: RequestType<P, R, E>, params: P, token?: CancellationToken): Promise<R> {
    await this.start();
    const conn = this.connection;
    if (!conn) throw new Error('the memaudit engine is not running');
    return conn.sendRequest(type, params as never, token);
  }

  /** Starts an audit and remembers its id (for `runningAudit` and crash reporting). */
  async startAudit(target: AuditTarget, token?: CancellationToken): Promise<AuditStartResult> {
    const result = await this.request(AuditStartRequest, target, token);
    this.activeAudit = result.auditId;
    return result;
  }

  /** Stops the engine (shutdown, exit; killed if it does not go) and forgets past crashes, then starts it again. */
  async restart(): Promise<InitializeResult> {
    await this.stop();
    this.policy.reset();
    this.setState('stopped');
    return this.start();
  }

  /** Stops the engine cleanly: `shutdown` (it cancels a running audit), `exit`, then a kill if it lingers. */
  stop(): Promise<void> {
    // Concurrent calls (deactivate and dispose) share one stop.
    this.stopping ??= this.doStop().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.clearRestartTimer();
    const child = this.child;
    const conn = this.connection;
    if (!child || !conn) {
      if (this.state !== 'failed') this.setState('stopped');
      return;
    }
    this.setState('stopping');
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    try {
      await withTimeout(conn.sendRequest(ShutdownRequest), 12_000, 'shutdown');
      await conn.sendNotification(ExitNotification);
    } catch {
      // The engine is gone or stuck; the kill below ends it.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    this.setState('stopped');
  }

  dispose(): void {
    void this.stop();
    this.progressEmitter.dispose();
    this.doneEmitter.dispose();
    this.logEmitter.dispose();
    this.stateEmitter.dispose();
  }

  private setState(s: State): void {
    if (this.state === s) return;
    this.state = s;
    this.stateEmitter.fire(s);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private async launch(): Promise<InitializeResult> {
    this.setState('starting');
    const o = this.options;
    const runtime = o.nodePath ?? process.execPath;
    // Without a configured Node, the editor's own executable runs as plain Node.
    const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, ...(o.nodePath ? {} : { ELECTRON_RUN_AS_NODE: '1' }) };
    this.stderrTail = [];
    this.options.host.log(`starting the engine: ${runtime} ${o.serverModule} --stdio`);
    const child = spawn(runtime, [o.serverModule, '--stdio'], { cwd: o.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    let startError: Error | undefined;
    const spawnFailed = new Promise<never>((_, reject) => {
      child.once('error', (e) => {
        startError = e;
        reject(new Error(`cannot start ${runtime}: ${e.message}${o.nodePath ? ' (check the memaudit.nodePath setting)' : ''}`));
      });
    });
    spawnFailed.catch(() => undefined);
    let pending = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        o.host.log(`[engine stderr] ${line}`);
      }
    });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    this.connection = conn;
    conn.onNotification(AuditProgressNotification, (p) => this.progressEmitter.fire(p));
    conn.onNotification(AuditDoneNotification, (p) => {
      if (p.auditId === this.activeAudit) this.activeAudit = undefined;
      this.doneEmitter.fire(p);
    });
    conn.onNotification(LogNotification, (p) => {
      o.host.log(`[engine ${p.level}] ${p.message}`);
      this.logEmitter.fire(p);
    });
    // The engine's stdin may close under us when it dies; the exit handler reports that.
    child.stdin!.on('error', () => undefined);
    conn.listen();
    child.once('exit', (code, signal) => this.onExit(child, conn, code, signal, startError));

    try {
      const info = await withTimeout(
        Promise.race([conn.sendRequest(InitializeRequest, { protocolVersion: PROTOCOL_VERSION, clientName: o.clientName }), spawnFailed]),
        o.initializeTimeoutMs ?? 30_000,
        'starting the memaudit engine',
      );
      this.info = info;
      this.setState('running');
      o.host.log(`engine ${info.serverVersion} running (pid ${info.pid}, node ${info.node}, ${info.platform}-${info.arch})`);
      return info;
    } catch (e) {
      // A handshake that failed leaves a process we cannot use: end it (the exit handler counts the crash).
      o.host.log(`the engine did not start: ${(e as Error).message}`);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw e;
    }
  }

  private onExit(child: ChildProcess, conn: MessageConnection, code: number | null, signal: NodeJS.Signals | null, startError: Error | undefined): void {
    conn.dispose();
    if (this.child !== child) return;
    this.child = undefined;
    this.connection = undefined;
    this.info = undefined;
    const expected = this.state === 'stopping';
    // An audit in flight is lost with the process: end it for the UI.
    if (this.activeAudit) {
      const auditId = this.activeAudit;
      this.activeAudit = undefined;
      this.doneEmitter.fire({
        auditId,
        outcome: expected ? 'cancelled' : 'failed',
        durationMs: 0,
        error: expected
          ? { code: 'E_CANCELLED', message: 'the engine was stopped' }
          : { code: 'E_INTERNAL', message: `the memaudit engine stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); finished runs are kept: start the audit again to resume` },
      });
    }
    if (expected) return;
    const reason = startError ? `it could not be started: ${startError.message}` : signal ? `it was killed by ${signal}` : `it exited with code ${code}`;
    const decision = this.policy.record(Date.now());
    const info: CrashInfo = { code, signal, reason, stderrTail: [...this.stderrTail], crashes: decision.crashes };
    if (decision.restart) {
      info.restartInMs = decision.delayMs;
      this.setState('stopped');
      this.options.host.log(`the engine stopped unexpectedly (${reason}); restarting in ${decision.delayMs} ms`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        this.start().catch((e: unknown) => this.options.host.log(`restart failed: ${(e as Error).message}`));
      }, decision.delayMs);
    } else {
      this.setState('failed');
      this.options.host.log(`the engine stopped unexpectedly (${reason}); ${decision.reason}, so it is not restarted`);
    }
    this.options.host.crashed(info);
  }
}
