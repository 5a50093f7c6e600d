/**
 * Engine errors → JSON-RPC errors. An `EngineError` keeps its message (it already says what,
 * where and how to fix) and its stable code in `data.code`, with its details in `data.details`;
 * anything else is a bug in the engine and goes out as `E_INTERNAL` (JSON-RPC InternalError)
 * with the original message, its stack going to the log instead of the wire.
 */
import { ResponseError } from 'vscode-jsonrpc';
import { isEngineError } from '../errors';
import { isFsError, writeError } from '../util/fs-errors';
import { RPC_ERROR_CODES, type RpcErrorCode, type RpcErrorData, type RpcErrorInfo } from '../protocol';

/** An error raised by the RPC layer itself (busy, protocol mismatch…), with an RPC-only code. */
export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** The wire form of any thrown value: code, message, details. */
export function errorInfo(thrown: unknown): RpcErrorInfo {
  // A file-system error that escaped its writer is a write failure (E_WRITE_FAILED), not a bug.
  const e = isFsError(thrown) ? writeError(thrown.path ?? '(unknown path)', thrown) : thrown;
  if (isEngineError(e) || e instanceof RpcError) {
    return { code: e.code, message: e.message, ...(e.details ? { details: { ...e.details } } : {}) };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'E_INTERNAL', message: `internal error: ${message}` };
}

/** True for errors that are bugs (their stack should be logged). */
export function isInternal(e: unknown): boolean {
  return errorInfo(e).code === 'E_INTERNAL';
}

/** The JSON-RPC error to answer a failed request with. */
export function toResponseError(e: unknown): ResponseError<RpcErrorData> {
  if (e instanceof ResponseError) return e as ResponseError<RpcErrorData>;
  const info = errorInfo(e);
  const data: RpcErrorData = { code: info.code, ...(info.details ? { details: info.details } : {}) };
  return new ResponseError<RpcErrorData>(RPC_ERROR_CODES[info.code], info.message, data);
}
