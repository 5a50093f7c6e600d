/**
 * The engine's JSON-RPC request handlers (protocol/), over any vscode-jsonrpc connection:
 * main.ts wires them to stdio, tests may wire them to in-memory streams. Settings are resolved
 * per request (no global settings), one audit runs at a time, and every failure leaves as a typed
 * JSON-RPC error (errors.ts) or as an `audit/done` with the error.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CancellationToken, MessageConnection, NotificationType, RequestType } from 'vscode-jsonrpc';
import {
  DEVICE_CHOICES,
  NOISE_KINDS,
  PRESET_NAMES,
  findConfigFile,
  planSize,
  readConfigFile,
  resolveAuditConfig,
  type AuditConfig,
} from '../audit/config';
import { MODEL_NAMES } from '../../../models/names';
import { GATE_METRICS } from '../audit/gates';
import { runAudit } from '../audit/run-audit';
import { AUDIT_FILES, RunsStore } from '../audit/runs-store';
import { EngineError, ERROR_CODES } from '../errors';
import {
  AuditCancelRequest,
  AuditDoneNotification,
  AuditPlanRequest,
  AuditProgressNotification,
  AuditStartRequest,
  ExitNotification,
  FindingsGetRequest,
  InitializeRequest,
  LogNotification,
  PROTOCOL_VERSION,
  ReportGetRequest,
  RunsDeleteRequest,
  RunsListRequest,
  ShutdownRequest,
  type AuditDoneParams,
  type AuditPlanResult,
  type AuditProgress,
  type AuditProgressParams,
  type AuditTarget,
  type EditorFinding,
  type FindingsResult,
  type LogParams,
  type ReportParams,
  type RpcErrorData,
  type RunsLocation,
  type RunSummary,
} from '../protocol';
import { corpusRoots, locateFinding } from '../report/shared/paths';
import { detectionChoiceLine } from '../report/shared/format';
import type { Finding } from '../protocol/report';
import { candidates, currentEnvironment, parseDevice, precheck } from '../runtime/devices';
import { VERSION } from '../version';
import { inert } from '../report/shared/terminal';
import { errorInfo, isInternal, RpcError, toResponseError } from './errors';
import { estimateTraining } from './estimate';
import { ENGINE_EXIT } from './exit-codes';

/** Progress notifications at most this often, except when the stage, run or epoch changes. */
const PROGRESS_INTERVAL_MS = 250;
/** How long `shutdown` (or a closed connection) waits for a cancelled audit to stop. */
const STOP_WAIT_MS = 10_000;

interface ActiveAudit {
  id: string;
  folder: string;
  runsDir: string;
  startedAt: number;
  controller: AbortController;
  device: string;
  lastProgressAt: number;
  lastProgressKey: string;
  /** Settles (never rejects) when the audit has ended and `audit/done` was sent. */
  finished: Promise<void>;
}

interface ResolvedTarget {
  folder: string;
  config: AuditConfig;
  configFile?: string;
}

export interface EngineServerOptions {
  /** Ends the process (main.ts) or the test's server. */
  exit: (code: number) => void;
  /** Where warnings and errors are copied (default: process.stderr). */
  stderr?: (text: string) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new EngineError(ERROR_CODES.USAGE, `${field} must be a non-empty string (got ${JSON.stringify(v)})`, { field });
  return v;
}

/** The folder a request is about: absolute, existing, a directory. */
function requireFolder(v: unknown): string {
  const folder = str(v, 'folder');
  if (!path.isAbsolute(folder)) throw new EngineError(ERROR_CODES.USAGE, `folder must be an absolute path (got '${folder}')`, { field: 'folder' });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `the folder ${folder} does not exist`, { field: 'folder', path: folder });
  }
  if (!stat.isDirectory()) throw new EngineError(ERROR_CODES.INPUT_NOT_FOUND, `${folder} is not a folder`, { field: 'folder', path: folder });
  return folder;
}

/** The device training will probably run on: the requested one, or for 'auto' the first that passes the cheap checks. */
function likelyDevice(requested: string): string {
  if (requested !== 'auto') return requested;
  try {
    const env = currentEnvironment();
    return candidates(parseDevice(requested), env.platform).find((d) => precheck(d, env, parseDevice(requested)) === undefined) ?? 'cpu';
  } catch {
    return requested;
  }
}

export class EngineServer {
  private initialized = false;
  private shuttingDown = false;
  private shutdownRequested = false;
  /** The connection is closed: nothing can be sent any more (notifications are dropped). */
  private closed = false;
  private active: ActiveAudit | undefined;

  constructor(
    private readonly conn: MessageConnection,
    private readonly opts: EngineServerOptions,
  ) {}

  /** Registers every handler and starts reading messages. */
  listen(): void {
    this.conn.onRequest(InitializeRequest, (params) => this.guard('initialize', () => this.initialize(params), false));
    this.conn.onRequest(ShutdownRequest, () => this.guard('shutdown', () => this.shutdown(), false));
    this.conn.onNotification(ExitNotification, () => this.opts.exit(this.shutdownRequested ? ENGINE_EXIT.OK : ENGINE_EXIT.CLIENT_GONE));
    this.handle(AuditPlanRequest, (p) => this.plan(this.resolveTarget(p)));
    this.handle(AuditStartRequest, (p) => this.start(p));
    this.handle(AuditCancelRequest, (p) => {
      const id = str(p?.auditId, 'auditId');
      if (!this.active || this.active.id !== id) return { cancelled: false };
      this.log('info', `cancelling audit ${id}`);
      this.active.controller.abort();
      return { cancelled: true };
    });
    this.handle(RunsListRequest, (p) => this.listRuns(p));
    this.handle(RunsDeleteRequest, (p) => this.deleteRun(p));
    this.handle(ReportGetRequest, (p) => {
      const { store, run, report } = this.readReport(p);
      return { runId: run.id, reportFile: store.reportFile(run), report };
    });
    this.handle(FindingsGetRequest, (p) => this.findings(p));
    this.conn.onError(([error]) => this.log('warn', `unreadable message from the client: ${error.message}`));
    this.conn.onClose(() => {
      // The client went away (or closed our input) without `exit`: cancel the audit as
      // `audit/cancel` does (finished runs stay on disk, and the same audit resumes from them),
      // wait for it to stop, then leave. Nothing can be sent from here on.
      this.closed = true;
      const running = this.active;
      if (running) this.stderr(`memaudit server: the client closed the connection; cancelling audit ${running.id} (finished runs are kept)\n`);
      void this.stopActive().then(() => this.opts.exit(this.shutdownRequested ? ENGINE_EXIT.OK : ENGINE_EXIT.CLIENT_GONE));
    });
    this.conn.listen();
  }

  /** Sends a `log` line (warnings and errors also to stderr). Never throws. */
  log(level: LogParams['level'], message: string): void {
    if (level === 'warn' || level === 'error') this.stderr(`memaudit server: ${level}: ${message}\n`);
    this.notify(LogNotification, { level, message });
  }

  /** Writes to stderr (paths from a corpus made inert first: stderr may be a terminal). */
  private stderr(text: string): void {
    const safe = inert(text);
    if (this.opts.stderr) this.opts.stderr(safe);
    else process.stderr.write(safe);
  }

  /** Reports an error nobody caught (main.ts's process handlers), with its stack. */
  reportUnexpected(what: string, e: unknown): void {
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    this.log('error', `${what}: ${detail}`);
  }

  private notify<P>(type: NotificationType<P>, params: P): void {
    // Once the client is gone there is no one to tell; sendNotification would throw.
    if (this.closed) return;
    try {
      // The generic overloads of sendNotification cannot check a generic P; the signature above does.
      this.conn.sendNotification(type, params as never).catch((e: unknown) => this.stderr(`memaudit server: cannot send ${type.method}: ${(e as Error).message}\n`));
    } catch (e) {
      // Closed or disposed between the check and the send (it throws synchronously then).
      this.closed = true;
      this.stderr(`memaudit server: cannot send ${type.method}: ${(e as Error).message}\n`);
    }
  }

  /** Runs a handler; turns whatever it throws into a typed JSON-RPC error and logs bugs with their stack. */
  private async guard<R>(method: string, fn: () => R | Promise<R>, needsInit = true): Promise<R> {
    try {
      if (needsInit && !this.initialized) throw new RpcError('E_NOT_INITIALIZED', `'${method}' before 'initialize': send 'initialize' first`);
      return await fn();
    } catch (e) {
      if (isInternal(e)) this.reportUnexpected(`'${method}' failed`, e);
      throw toResponseError(e);
    }
  }

  private handle<P, R>(type: RequestType<P, R, RpcErrorData>, fn: (params: P, token: CancellationToken) => R | Promise<R>): void {
    // Typed by this method's signature; vscode-jsonrpc's conditional handler types cannot check a generic R.
    const handler = (params: P, token: CancellationToken) => this.guard(type.method, () => fn(params, token));
    this.conn.onRequest(type, handler as never);
  }

  private initialize(p: { protocolVersion?: unknown; clientName?: unknown } | undefined) {
    const version = p?.protocolVersion;
    if (version !== PROTOCOL_VERSION) {
      throw new RpcError(
        'E_PROTOCOL',
        `the client speaks memaudit protocol ${JSON.stringify(version)} and this engine (${VERSION}) speaks ${PROTOCOL_VERSION}: install matching versions of the extension and the engine`,
        { clientVersion: version ?? null, serverVersion: PROTOCOL_VERSION },
      );
    }
    this.initialized = true;
    if (typeof p?.clientName === 'string') this.log('info', `memaudit engine ${VERSION} (node ${process.version}, pid ${process.pid}) serving ${p.clientName}`);
    return {
      protocolVersion: PROTOCOL_VERSION,
      serverVersion: VERSION,
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      pid: process.pid,
      choices: {
        presets: [...PRESET_NAMES],
        models: [...MODEL_NAMES],
        devices: [...DEVICE_CHOICES],
        noiseKinds: [...NOISE_KINDS],
        gateMetrics: Object.keys(GATE_METRICS),
      },
    };
  }

  private async shutdown(): Promise<null> {
    this.shutdownRequested = true;
    await this.stopActive();
    return null;
  }

  /** Cancels the running audit, if any, and waits (bounded) until it has ended. */
  private async stopActive(): Promise<void> {
    this.shuttingDown = true;
    const a = this.active;
    if (!a) return;
    a.controller.abort();
    await Promise.race([a.finished, sleep(STOP_WAIT_MS)]);
  }

  private resolveTarget(t: AuditTarget | undefined): ResolvedTarget {
    if (typeof t !== 'object' || t === null) throw new EngineError(ERROR_CODES.USAGE, 'expected { folder, config }');
    const folder = requireFolder(t.folder);
    const input = t.config ?? {};
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new EngineError(ERROR_CODES.CONFIG, 'config must be an object of settings, e.g. { "model": "bag", "epochs": 20 }', { field: 'config' });
    }
    const configFile = t.useConfigFile === false ? undefined : findConfigFile(folder);
    const config = resolveAuditConfig(configFile ? readConfigFile(configFile) : {}, input);
    return { folder, config, ...(configFile ? { configFile } : {}) };
  }

  private plan(r: ResolvedTarget): AuditPlanResult {
    const estimate = estimateTraining(r.config, RunsStore.of(r.folder, r.config.outDir).latestReport());
    return {
      runs: planSize(r.config),
      epochs: r.config.epochs,
      model: r.config.model,
      modelPreset: r.config.modelPreset,
      device: likelyDevice(r.config.device),
      ...(r.configFile ? { configFile: r.configFile } : {}),
      maxTrainSamples: r.config.maxTrainSamples,
      labels: r.config.labels,
      estimatedSeconds: estimate.seconds,
      estimateBasis: estimate.basis,
    };
  }

  private start(t: AuditTarget) {
    if (this.shuttingDown) throw new RpcError('E_BUSY', 'the engine is shutting down; start the audit again once it has restarted');
    const running = this.active;
    if (running) {
      throw new RpcError(
        'E_BUSY',
        `an audit is already running (id ${running.id}, in ${running.folder}, started ${new Date(running.startedAt).toISOString()}); the engine runs one audit at a time: cancel it or wait until it ends`,
        { auditId: running.id, folder: running.folder },
      );
    }
    const r = this.resolveTarget(t);
    const plan = this.plan(r);
    const a: ActiveAudit = {
      id: randomUUID(),
      folder: r.folder,
      runsDir: RunsStore.of(r.folder, r.config.outDir).runsDir,
      startedAt: Date.now(),
      controller: new AbortController(),
      device: plan.device,
      lastProgressAt: 0,
      lastProgressKey: '',
      finished: Promise.resolve(),
    };
    // Start after this answer is on its way, so the client knows the id before any progress.
    a.finished = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.runActive(a, r));
    this.active = a;
    this.log('info', `audit ${a.id} started in ${r.folder}: ${plan.runs} run(s) × ${plan.epochs} epochs, ${plan.model} (${plan.modelPreset}), device ${r.config.device}`);
    return { auditId: a.id, ...plan };
  }

  private async runActive(a: ActiveAudit, r: ResolvedTarget): Promise<void> {
    const t0 = performance.now();
    let done: AuditDoneParams;
    try {
      if (a.controller.signal.aborted) throw new EngineError(ERROR_CODES.CANCELLED, 'audit cancelled before it started');
      const outcome = await runAudit({
        config: r.config,
        cwd: r.folder,
        signal: a.controller.signal,
        onProgress: (p) => this.progress(a, p),
        log: (m) => {
          // Session creation says so when it falls back to another device.
          const fallback = /device \S+ → (\S+)/.exec(m);
          if (fallback) a.device = fallback[1]!;
          this.log('info', m);
        },
      });
      const report = outcome.report;
      done = {
        auditId: a.id,
        outcome: 'finished',
        durationMs: performance.now() - t0,
        runId: report.runId,
        runDir: outcome.runDir,
        reportFile: outcome.reportFile,
        scores: report.scores,
        ...(report.scoreStatus ? { scoreStatus: report.scoreStatus } : {}),
        ...(report.scoreIntervals ? { scoreIntervals: report.scoreIntervals } : {}),
        ...(report.detection.choice ? { detection: detectionChoiceLine(report.detection.choice) } : {}),
        gates: report.gates,
        gatesPassed: report.gates.every((g) => g.passed),
        findings: report.findings.length,
        ...categoryCounts(report.findings),
        reusedRuns: outcome.reusedRuns,
      };
    } catch (e) {
      let error = errorInfo(e);
      if (a.controller.signal.aborted && error.code !== 'E_CANCELLED') error = { code: 'E_CANCELLED', message: `audit cancelled (${error.message})` };
      if (isInternal(e)) this.reportUnexpected(`audit ${a.id} failed`, e);
      done = { auditId: a.id, outcome: error.code === 'E_CANCELLED' ? 'cancelled' : 'failed', durationMs: performance.now() - t0, error };
    }
    // Free the slot before saying so: a client may start the next audit on `audit/done`.
    this.active = undefined;
    this.log('info', `audit ${a.id} ${done.outcome}${done.error ? `: ${done.error.message}` : ''}`);
    this.notify(AuditDoneNotification, done);
  }

  private progress(a: ActiveAudit, p: AuditProgress): void {
    // The last one (fraction 1) and every change of stage, run, epoch or phase always go out.
    const key = `${p.stage}|${p.run ?? ''}|${p.epoch ?? ''}|${p.phase ?? ''}|${p.fraction >= 1 ? 'end' : ''}`;
    const now = performance.now();
    if (key === a.lastProgressKey && now - a.lastProgressAt < PROGRESS_INTERVAL_MS) return;
    a.lastProgressKey = key;
    a.lastProgressAt = now;
    // Spread, not copied field by field: AuditProgressParams is AuditProgress plus the audit's id and device.
    const params: AuditProgressParams = { ...p, auditId: a.id, device: a.device };
    this.notify(AuditProgressNotification, params);
  }

  /** The runs of a location: `outDir` as given, else the folder's config file's, else the default. */
  private store(loc: RunsLocation | undefined): { folder: string; store: RunsStore } {
    const folder = requireFolder(loc?.folder);
    if (loc?.outDir !== undefined) str(loc.outDir, 'outDir');
    return { folder, store: RunsStore.of(folder, loc?.outDir) };
  }

  /** Whether a listed run is the audit running now: its folder is in the same runs folder and was (re)started by it. */
  private isRunning(store: RunsStore, run: { id: string; state: string }): boolean {
    const a = this.active;
    if (!a || a.runsDir !== store.runsDir || run.state !== 'interrupted') return false;
    try {
      return fs.statSync(store.audit(run.id).file(AUDIT_FILES.config)).mtimeMs >= a.startedAt - 1000;
    } catch {
      return false;
    }
  }

  private listRuns(loc: RunsLocation) {
    const { store } = this.store(loc);
    const runs: RunSummary[] = store.list().map((r) => ({ ...r, running: this.isRunning(store, r) }));
    return { runsDir: store.runsDir, runs };
  }

  private deleteRun(p: RunsLocation & { runId?: unknown }): { deleted: true } {
    const { store } = this.store(p);
    const id = str(p.runId, 'runId');
    const run = store.delete(id, (r) => {
      if (this.isRunning(store, r)) throw new RpcError('E_BUSY', `audit ${id} is running; cancel it before deleting it`, { runId: id });
    });
    this.log('info', `deleted audit ${id} (${run.dir})`);
    return { deleted: true };
  }

  private readReport(p: ReportParams) {
    const { folder, store } = this.store(p);
    const run = store.find(p.runId === undefined ? 'latest' : str(p.runId, 'runId'));
    return { folder, store, run, report: store.readReport(run) };
  }

  private findings(p: ReportParams): FindingsResult {
    if (p.runId === undefined && !this.store(p).store.hasFinished()) {
      return { runId: null, bestSignal: null, bestSignalAuroc: null, findings: [], skipped: 0 };
    }
    const { folder, run, report } = this.readReport(p);
    const roots = corpusRoots(report);
    const findings: EditorFinding[] = [];
    let skipped = 0;
    for (const f of report.findings) {
      if (f.archiveEntry !== undefined) {
        skipped++;
        continue;
      }
      const at = locateFinding(f, roots, { cwd: folder });
      const file = path.resolve(at.inRepo ? folder : at.base, at.path);
      const jsonl = f.jsonlLine !== undefined;
      findings.push({
        file,
        kind: jsonl ? 'jsonl' : 'source',
        range: jsonl ? { startLine: f.jsonlLine! - 1, startColumn: 0, endLine: f.jsonlLine!, endColumn: 0 } : { ...f.range },
        name: f.name,
        language: f.language,
        rank: f.rank,
        signal: f.signal,
        score: f.score,
        signals: { ...f.details },
        message: f.message,
        ...(f.category !== undefined ? { category: f.category } : {}),
        ...(f.mem !== undefined ? { mem: f.mem } : {}),
        ...(f.memProb !== undefined ? { memProb: f.memProb } : {}),
        ...(f.fittedRate !== undefined ? { fittedRate: f.fittedRate } : {}),
        ...(f.heldOutRate !== undefined ? { heldOutRate: f.heldOutRate } : {}),
      });
    }
    const best = report.detection.best;
    const choice = report.detection.choice;
    return {
      runId: run.id,
      createdAt: report.createdAt,
      bestSignal: best,
      bestSignalAuroc: choice ? choice.heldOutAuroc : best ? (report.detection.signals.find((s) => s.signal === best)?.auroc ?? null) : null,
      ...(choice ? { detectionChoice: detectionChoiceLine(choice) } : {}),
      findings,
      skipped,
      ...(report.memorization ? { memorization: report.memorization } : {}),
    };
  }
}

/** How many findings are in each category, for `audit/done`; nothing for a report without categories. */
function categoryCounts(findings: readonly Finding[]): { memorized?: number; notLearned?: number } {
  if (!findings.some((f) => f.category !== undefined)) return {};
  return { memorized: findings.filter((f) => f.category === 'memorized').length, notLearned: findings.filter((f) => f.category === 'not-learned').length };
}
