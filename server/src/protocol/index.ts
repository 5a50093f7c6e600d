/**
 * The JSON-RPC protocol between the VS Code extension (client) and the engine process (server,
 * `node dist/engine/main.js --stdio`), in one folder that stands alone, the way vscode-eslint
 * and rust-analyzer keep theirs: this file (the messages, the wire's data types, the error codes,
 * the output folder's layout) and `report.ts` (the report.json document). Every message says its
 * direction in its JSDoc.
 *
 * The folder imports nothing but `vscode-jsonrpc` and its own files, not even types from the
 * engine: the engine conforms to it (errors.ts, audit/config.ts, audit/runs-store.ts take their
 * types from here), and the extension bundles it without pulling in any engine code. Tests and
 * the build check this (test/unit/extension/protocol.test.ts, scripts/bundle-extension.js).
 *
 * Lifecycle: the client sends `initialize` first (any other request before it fails with
 * `E_NOT_INITIALIZED`), and `shutdown` then the `exit` notification to stop the server. A server
 * whose input closes without `shutdown` cancels what it is doing and exits with code 1.
 *
 * Paths in parameters and results are absolute paths of the machine the server runs on.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { AuditReport, FindingCategory, HeadlineScores, MemorizationSummary, ReportGate } from './report';

/** Bumped on every incompatible change; `initialize` fails when client and server disagree. */
export const PROTOCOL_VERSION = 1;

export type { AuditReport, HeadlineScores, ReportGate };

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * The engine's error codes (`EngineError.code`, errors.ts `ERROR_CODES`): stable strings that the
 * CLI's exit codes, the JSON-RPC errors and tests key on.
 */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_EMPTY_CORPUS'
  | 'E_INPUT_NOT_FOUND'
  | 'E_JSONL_MALFORMED'
  | 'E_PARSER_UNAVAILABLE'
  | 'E_CACHE_CORRUPT'
  | 'E_GRAPH'
  | 'E_DEVICE_UNAVAILABLE'
  | 'E_RUNTIME'
  | 'E_CANCELLED'
  | 'E_WRITE_FAILED'
  | 'E_LOCKED'
  | 'E_SHARD_MISMATCH'
  | 'E_SHARD_INCOMPLETE'
  | 'E_INTERNAL';

/**
 * Error codes that exist only on the wire: the engine never throws them, the server's request
 * handling does.
 */
export type RpcOnlyErrorCode =
  /** Another audit is running; the server runs one at a time. */
  | 'E_BUSY'
  /** Client and server speak different protocol versions. */
  | 'E_PROTOCOL'
  /** A request came before `initialize`. */
  | 'E_NOT_INITIALIZED';

/** Every `data.code` a JSON-RPC error from this server can carry. */
export type RpcErrorCode = ErrorCode | RpcOnlyErrorCode;

/**
 * JSON-RPC error codes (the `code` of the error object) per engine error code. Application codes
 * sit outside the range JSON-RPC reserves (−32768…−32000); an engine bug is JSON-RPC's own
 * InternalError and a request before `initialize` is its ServerNotInitialized. Clients should key
 * on `data.code` (stable strings), not on these numbers.
 */
export const RPC_ERROR_CODES = {
  E_USAGE: 1001,
  E_CONFIG: 1002,
  E_EMPTY_CORPUS: 1003,
  E_INPUT_NOT_FOUND: 1004,
  E_JSONL_MALFORMED: 1005,
  E_PARSER_UNAVAILABLE: 1006,
  E_CACHE_CORRUPT: 1007,
  E_GRAPH: 1008,
  E_DEVICE_UNAVAILABLE: 1009,
  E_RUNTIME: 1010,
  E_CANCELLED: 1011,
  E_WRITE_FAILED: 1012,
  E_LOCKED: 1013,
  E_SHARD_MISMATCH: 1014,
  E_SHARD_INCOMPLETE: 1015,
  E_BUSY: 1100,
  E_PROTOCOL: 1101,
  E_NOT_INITIALIZED: -32002,
  E_INTERNAL: -32603,
} as const satisfies Record<RpcErrorCode, number>;

/** The `data` of every JSON-RPC error this server sends. */
export interface RpcErrorData {
  /** The stable error code (an engine `EngineError` code, or one of `RpcOnlyErrorCode`). */
  code: RpcErrorCode;
  /** Machine-readable details (the config field at fault, a file, the running audit's id…). */
  details?: Record<string, unknown>;
}

/** An error as `audit/done` carries it (the failed audit has no request to answer). */
export interface RpcErrorInfo extends RpcErrorData {
  message: string;
}

/**
 * The `data` of a JSON-RPC error (a `ResponseError` from vscode-jsonrpc, or anything shaped like
 * one), or undefined when it is not one of ours.
 */
export function rpcErrorData(e: unknown): RpcErrorData | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const data = (e as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const code = (data as { code?: unknown }).code;
  if (typeof code !== 'string' || !Object.prototype.hasOwnProperty.call(RPC_ERROR_CODES, code)) return undefined;
  return data as RpcErrorData;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export interface InitializeParams {
  /** The client's `PROTOCOL_VERSION`. */
  protocolVersion: number;
  /** Who is asking, for the server's log (e.g. 'vscode 1.90.0'). */
  clientName?: string;
}

export interface InitializeResult {
  protocolVersion: number;
  serverVersion: string;
  /** The server process: its Node version, platform and pid (the client shows them on a crash). */
  node: string;
  platform: string;
  arch: string;
  pid: number;
  /** The choices the server accepts, so the client can offer them without importing the engine. */
  choices: {
    presets: string[];
    models: string[];
    devices: string[];
    noiseKinds: string[];
    gateMetrics: string[];
  };
}

/**
 * Client → server, request: the version handshake. Fails with `E_PROTOCOL` when the versions
 * differ (the message says which to update).
 */
export const InitializeRequest = new RequestType<InitializeParams, InitializeResult, RpcErrorData>('initialize');

/**
 * Client → server, request: stop. Cancels a running audit and waits (a few seconds at most) until
 * it has stopped writing; the client then sends `exit`.
 */
export const ShutdownRequest = new RequestType0<null, RpcErrorData>('shutdown');

/** Client → server, notification: exit now (code 0 after `shutdown`, 1 without it). */
export const ExitNotification = new NotificationType0('exit');

// ---------------------------------------------------------------------------------------------
// Settings and the output folder

/** Config file names looked for in the working folder, in order (the CLI's settings file). */
export const CONFIG_FILE_NAMES = ['memaudit.config.json', 'memaudit.config.yaml', 'memaudit.config.yml'];

/**
 * Where a folder's audits live: `<outDir>/runs/<id>/`, `outDir` relative to the folder. The
 * engine's runs store (audit/runs-store.ts) owns everything inside; the extension only looks
 * whether the folder is there before it starts the engine.
 */
export const DEFAULT_OUT_DIR = '.memaudit';
export const RUNS_FOLDER = 'runs';

/** What a user may write: every field optional, levels in percent, gates as strings. */
export interface AuditConfigInput {
  inputs?: string[];
  language?: string;
  /** One model, or several side by side (`bag,code2vec` or a list). */
  model?: string | string[];
  modelPreset?: string;
  preset?: string;
  noise?: { kind: string; levels: number[] }[] | string[];
  seeds?: number[];
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  device?: string;
  gates?: string[];
  splitSeed?: number;
  maxFileBytes?: number;
  outDir?: string;
  maxTrainSamples?: number;
  susceptibility?: boolean;
  csrEvery?: number;
  /** Folds of the cross-fitted memorization score; 0 = off. */
  memFolds?: number;
  /** The task: `full` method naming, or `top:K` (methods among the K most frequent training names). */
  labels?: string;
  /** Adversarial attacks (FGSM, PGD, rename) on every run's model; default true. */
  adversarial?: boolean;
  /** The optimizer's weight decay; default 0. */
  weightDecay?: number;
  /** Overrides of the model preset's hyper-parameters: `{ dropout }` (models that have it). */
  hyper?: { dropout?: number };
  /** The mitigation explorer: `{ dropout: [0, 0.25], weightDecay: [0, 0.0001] }`, one audit per combination. */
  sweep?: Record<string, number[]>;
  /** Distillation weight in (0, 1]: noisy runs also learn their seed's clean run's soft labels; absent or 0 = off. */
  distill?: number;
  /** Mixup on the code vectors: α of λ ~ Beta(α, α); absent or 0 = off. */
  mixup?: number;
  /** Early stopping on the validation split: patience in evaluations (integer ≥ 1); absent or 0 = off. */
  earlyStopping?: number;
}

/** The engine's progress of an audit, as `runAudit` reports it. */
export interface AuditProgress {
  stage: 'extract' | 'dataset' | 'train' | 'report';
  /** 0..1 over the whole audit. */
  fraction: number;
  /**
   * In an audit of several models or a sweep, the part (one ordinary audit) in progress, e.g.
   * `setting 2/4 weightDecay 0.001`; `run`, `runs` and `active` then count that part's runs.
   */
  part?: string;
  /** 1-based index of the run in progress, and the number of runs. */
  run?: number;
  runs?: number;
  runId?: string;
  /** 1-based epoch of the run in progress, and the epochs per run. */
  epoch?: number;
  epochs?: number;
  samplesPerSec?: number;
  /** Estimated seconds left for the whole audit. */
  etaSec?: number;
  /**
   * Every run training now (the scheduler runs several side by side), in plan order; `run`,
   * `runId` and `epoch` above are those of the run that reported last.
   */
  active?: ActiveRun[];
  message: string;
  /**
   * `attack` while the run that reported last is attacked (adversarial/run.ts: its training is
   * done), with `attack` its methods attacked so far of all; absent while it trains.
   */
  phase?: 'attack';
  attack?: AttackCount;
}

/** Methods attacked so far of all, in a run's attack phase (adversarial/run.ts `AttackProgress`). */
export interface AttackCount {
  done: number;
  total: number;
}

/** A run in progress (`AuditProgress.active`). */
export interface ActiveRun {
  /** 1-based index of the run in the plan. */
  run: number;
  runId: string;
  /** 1-based epoch in progress, and the epochs of the run. */
  epoch: number;
  epochs: number;
  /** Present while the run is attacked (its epochs are done). */
  attack?: AttackCount;
}

// ---------------------------------------------------------------------------------------------
// Audits

/** Where an audit runs and with which settings. */
export interface AuditTarget {
  /**
   * The working folder (absolute): relative `inputs` and `outDir` are relative to it, and its
   * `memaudit.config.json` / `.yaml` is read unless `useConfigFile` is false.
   */
  folder: string;
  /**
   * Settings in the engine's config schema (the CLI's config-file field names), layered over the
   * folder's config file: fields given here win, fields left out come from the file, then from the
   * preset, then from the defaults.
   */
  config: AuditConfigInput;
  /** Read the folder's config file (default true). */
  useConfigFile?: boolean;
}

export interface AuditPlanResult {
  /** Training runs of the grid (noise kind × level × seed). */
  runs: number;
  epochs: number;
  model: string;
  modelPreset: string;
  device: string;
  /** The config file that was read, if any. */
  configFile?: string;
  /** Training methods at most (0 = all). */
  maxTrainSamples: number;
  /** The task (`full`, `top:K`) the settings resolve to; absent from older engines. */
  labels?: string;
  /**
   * Estimated seconds of training for the whole grid, or null when nothing is known about the
   * corpus size yet. See `estimateBasis`.
   */
  estimatedSeconds: number | null;
  /** How the estimate was made, in words (e.g. 'from the last audit of this folder'). */
  estimateBasis: string;
}

/**
 * Client → server, request: resolve a configuration without running it: the grid size and an
 * estimated time (for the preset picker). A bad setting fails with `E_CONFIG` naming the field.
 */
export const AuditPlanRequest = new RequestType<AuditTarget, AuditPlanResult, RpcErrorData>('audit/plan');

export interface AuditStartResult extends AuditPlanResult {
  /** Id of this audit in `audit/progress`, `audit/cancel` and `audit/done` (not the run folder's id). */
  auditId: string;
}

/**
 * Client → server, request: start an audit. Answers as soon as the configuration is resolved;
 * progress follows as `audit/progress` and the end as `audit/done`. Fails with `E_CONFIG` (the
 * message names the field), `E_INPUT_NOT_FOUND` (no such folder) or `E_BUSY` (an audit is running:
 * one at a time).
 */
export const AuditStartRequest = new RequestType<AuditTarget, AuditStartResult, RpcErrorData>('audit/start');

/** The engine's progress of an audit (`AuditProgress`: stage, fraction, run k/n, epoch, speed, ETA), sent to the client. */
export interface AuditProgressParams extends AuditProgress {
  auditId: string;
  /** The device training runs on: the requested one, or what the engine found once it knows. */
  device?: string;
}

/**
 * Server → client, notification: progress of a running audit, at most a few per second (every
 * stage change is sent).
 */
export const AuditProgressNotification = new NotificationType<AuditProgressParams>('audit/progress');

export interface AuditCancelParams {
  auditId: string;
}

export interface AuditCancelResult {
  /** False when no audit with this id is running (it finished already, or never existed). */
  cancelled: boolean;
}

/**
 * Client → server, request: cancel a running audit. Answers at once; the audit stops at its next
 * check (within a training step) and ends with `audit/done`, outcome 'cancelled'. What it finished
 * stays on disk: the same audit started again resumes.
 */
export const AuditCancelRequest = new RequestType<AuditCancelParams, AuditCancelResult, RpcErrorData>('audit/cancel');

export interface AuditDoneParams {
  auditId: string;
  outcome: 'finished' | 'cancelled' | 'failed';
  durationMs: number;
  /** When finished: the audit's run id (folder under `<outDir>/runs/`), its folder and report.json. */
  runId?: string;
  runDir?: string;
  reportFile?: string;
  scores?: HeadlineScores;
  /** Whether each score rests on enough data, and why not (report schema version 2). */
  scoreStatus?: AuditReport['scoreStatus'];
  /** 95 % intervals of the scores (absent in version 1 reports). */
  scoreIntervals?: AuditReport['scoreIntervals'];
  gates?: ReportGate[];
  /** Whether every gate passed (true when there are none). */
  gatesPassed?: boolean;
  /** Number of findings (likely memorized methods) in the report. */
  findings?: number;
  /** Of those, the findings with category 'memorized' (absent for reports without categories). */
  memorized?: number;
  /** Of those, the findings with category 'not-learned' (absent for reports without categories). */
  notLearned?: number;
  /** The report's detection choice in one line (score, window, held-out AUROC, why); absent without one. */
  detection?: string;
  /** Runs reused from an interrupted earlier audit. */
  reusedRuns?: number;
  /** When cancelled (`E_CANCELLED`) or failed: what happened. */
  error?: RpcErrorInfo;
}

/** Server → client, notification: an audit ended (finished, cancelled or failed). */
export const AuditDoneNotification = new NotificationType<AuditDoneParams>('audit/done');

// ---------------------------------------------------------------------------------------------
// Runs and reports

/** Where the runs of a folder are. */
export interface RunsLocation {
  /** The audited folder (absolute). */
  folder: string;
  /** The output folder, relative to `folder` or absolute (default `.memaudit`, as in the config). */
  outDir?: string;
}

/** One audit of a runs folder (`memaudit runs`, and the engine's `runs/list`). */
export interface RunListing {
  /** The run id (folder name under `<outDir>/runs/`). */
  id: string;
  dir: string;
  state: 'finished' | 'interrupted';
  /** Training runs of the grid finished so far. */
  runsDone: number;
  /** ISO time the audit finished (finished runs). */
  createdAt?: string;
  model?: string;
  scores?: AuditReport['scores'];
  /** Whether each score rests on enough data (absent in version 1 reports). */
  scoreStatus?: AuditReport['scoreStatus'];
  /** 95 % intervals of the scores (absent in version 1 reports). */
  scoreIntervals?: AuditReport['scoreIntervals'];
  gatesPassed?: boolean;
  /** An unfinished audit whose folder lock a live process on this host holds: it is running, not interrupted. */
  runningPid?: number;
}

export interface RunSummary extends RunListing {
  /** Whether this is the audit running now (it cannot be deleted). */
  running: boolean;
}

export interface RunsListResult {
  runsDir: string;
  /** Newest first. */
  runs: RunSummary[];
}

/** Client → server, request: the audits of a folder, finished and interrupted. */
export const RunsListRequest = new RequestType<RunsLocation, RunsListResult, RpcErrorData>('runs/list');

export interface RunsDeleteParams extends RunsLocation {
  runId: string;
}

/**
 * Client → server, request: delete an audit's folder. Fails with `E_INPUT_NOT_FOUND` for an id
 * that `runs/list` does not show and `E_BUSY` for the audit running now.
 */
export const RunsDeleteRequest = new RequestType<RunsDeleteParams, { deleted: true }, RpcErrorData>('runs/delete');

export interface ReportParams extends RunsLocation {
  /** A run id, a unique prefix of one, or 'latest' (default). */
  runId?: string;
}

export interface ReportGetResult {
  runId: string;
  reportFile: string;
  report: AuditReport;
}

/** Client → server, request: a finished audit's report (report.json, schema version 1). */
export const ReportGetRequest = new RequestType<ReportParams, ReportGetResult, RpcErrorData>('report/get');

/** A likely memorized method, located for the editor. */
export interface EditorFinding {
  /** Absolute path of the file to mark: the source file, or the JSONL file for JSONL input. */
  file: string;
  /** What to mark, 0-based, end exclusive (for JSONL input: the record's line). */
  range: { startLine: number; startColumn: number; endLine: number; endColumn: number };
  /** 'source' for a method in a source file, 'jsonl' for a JSONL record. */
  kind: 'source' | 'jsonl';
  name: string;
  language: string;
  /** 1-based rank among the clean run's training methods (1 = most suspicious). */
  rank: number;
  /** The signal that ranked it and its suspicion score (higher = more likely memorized). */
  signal: string;
  score: number;
  /** Every per-sample signal of the method (aum, loss, confidence, variability, forgetting…). */
  signals: Record<string, number>;
  /** The engine's sentence about it. */
  message: string;
  /** With the memorization score: 'memorized' or 'not-learned' (the report's `Finding.category`). */
  category?: FindingCategory;
  /** Memorization score P_in − P_out. */
  mem?: number;
  memProb?: number;
  /** P_in: share of the models trained on the method that predicted its name. */
  fittedRate?: number;
  /** P_out: share of the models that held it out that predicted its name. */
  heldOutRate?: number;
}

export interface FindingsResult {
  /** The audit the findings come from, or null when the folder has no finished audit. */
  runId: string | null;
  createdAt?: string;
  /** The signal that best found the injected noise in that audit (null: none calibrated, AUM ranks). */
  bestSignal: string | null;
  /** AUROC of that signal at finding the injected noise (held-out when the audit has a detection choice). */
  bestSignalAuroc: number | null;
  /** The audit's detection choice in one line (score, window, held-out AUROC, why); absent for older audits. */
  detectionChoice?: string;
  /** Methods in the training split, most suspicious first. */
  findings: EditorFinding[];
  /** Findings left out because they cannot be shown in an editor (methods inside zip archives). */
  skipped: number;
  /** The audit's memorization score (the findings' categories); absent when off and for older audits. */
  memorization?: MemorizationSummary;
}

/**
 * Client → server, request: the findings of a folder's audit (the latest finished one unless
 * `runId` says otherwise), with absolute file paths; an empty list when there is no audit yet.
 */
export const FindingsGetRequest = new RequestType<ReportParams, FindingsResult, RpcErrorData>('findings/get');

// ---------------------------------------------------------------------------------------------
// Logging

export interface LogParams {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/**
 * Server → client, notification: a line for the output channel (device fallbacks, resumed runs,
 * unexpected errors). The server writes nothing to stdout but protocol messages; it also copies
 * warnings and errors to stderr.
 */
export const LogNotification = new NotificationType<LogParams>('log');
