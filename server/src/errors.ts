/**
 * Typed engine errors. Every error the engine raises on purpose is an `EngineError` with a
 * stable `code` (tests, the CLI's exit codes and the JSON-RPC mapping key on it) and a message
 * that says what went wrong, where, and how to fix it. The codes themselves are part of the
 * contract with clients (protocol/index.ts `ErrorCode`).
 */
import type { ErrorCode } from './protocol';

export const ERROR_CODES = {
  /** Bad command-line usage: unknown flag, missing value. CLI exit code 2. */
  USAGE: 'E_USAGE',
  /** A configuration value is invalid; the message names the field. */
  CONFIG: 'E_CONFIG',
  /** The corpus contains no parsable source files / no samples. */
  EMPTY_CORPUS: 'E_EMPTY_CORPUS',
  /** A path given by the user does not exist or cannot be read. */
  INPUT_NOT_FOUND: 'E_INPUT_NOT_FOUND',
  /** A JSONL line could not be parsed (in stop-on-error mode). */
  JSONL_MALFORMED: 'E_JSONL_MALFORMED',
  /** No tree-sitter binding (native or wasm) could be loaded. */
  PARSER_UNAVAILABLE: 'E_PARSER_UNAVAILABLE',
  /** A cache file is corrupt or from an incompatible version. */
  CACHE_CORRUPT: 'E_CACHE_CORRUPT',
  /** An ONNX graph could not be built (shape mismatch, unknown op, missing gradient rule). */
  GRAPH: 'E_GRAPH',
  /** The requested execution provider / device is not available. */
  DEVICE_UNAVAILABLE: 'E_DEVICE_UNAVAILABLE',
  /** onnxruntime failed to create a session or to run it. */
  RUNTIME: 'E_RUNTIME',
  /** The operation was cancelled by the user. */
  CANCELLED: 'E_CANCELLED',
  /**
   * A file or folder could not be written: read-only file system, permission denied, disk full,
   * a file where a folder is needed… (util/fs-errors.ts maps the system's codes; the message
   * names the path, the cause and the fix). CLI exit code 2.
   */
  WRITE_FAILED: 'E_WRITE_FAILED',
  /** Another process holds the audit folder's lock (the message names its pid and host). */
  LOCKED: 'E_LOCKED',
  /**
   * `memaudit merge` was given shards of different audits (corpus, settings or memaudit version
   * differ, or a different shard count): the message says what differs and in which folders.
   */
  SHARD_MISMATCH: 'E_SHARD_MISMATCH',
  /**
   * `memaudit merge` lacks a shard, or a shard lacks a finished run: the message names the run,
   * the shard that should have it, and the command that finishes it.
   */
  SHARD_INCOMPLETE: 'E_SHARD_INCOMPLETE',
  /** A bug: an invariant of the engine did not hold. */
  INTERNAL: 'E_INTERNAL',
} as const satisfies Record<string, ErrorCode>;

export type { ErrorCode };

export class EngineError extends Error {
  readonly code: ErrorCode;
  /** Optional machine-readable details (file, line, field…) for reports and RPC. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}
