/**
 * The engine's JSON-RPC message reader: the `Content-Length` framing of vscode-jsonrpc's
 * `StreamMessageReader`, with a bound. vscode-jsonrpc's reader trusts the declared length: a
 * header `Content-Length: 99999999999999` makes it buffer everything that follows, without limit,
 * and every later request is swallowed into that body. This reader refuses a message whose header
 * or declared body is over the bound (or whose header it cannot read), tells its owner (which
 * answers with a JSON-RPC error, `id: null`), and resynchronizes: it drops input up to the next
 * `Content-Length:` header, so the next well-formed message is read as usual.
 */
import { AbstractMessageReader, Disposable, type DataCallback, type Message, type MessageReader } from 'vscode-jsonrpc';

/** The largest message body the engine reads (its requests are a few KiB: folders and settings). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** The largest header section (`Content-Length` and `Content-Type` lines). */
const MAX_HEADER_BYTES = 8 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
const CONTENT_LENGTH = /content-length:/i;

/** Why a message was refused (given to the owner, who answers the client). */
export interface RejectedMessage {
  /** JSON-RPC error code: -32600 (invalid request: framing, size) or -32700 (parse error). */
  code: -32600 | -32700;
  message: string;
}

export class BoundedMessageReader extends AbstractMessageReader implements MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** After a refused header: input is dropped until the next `Content-Length:`. */
  private resyncing = false;
  /** The body length of the message being read, once its header is read. */
  private bodyLength: number | undefined;

  constructor(
    private readonly readable: NodeJS.ReadableStream,
    private readonly onRejected: (r: RejectedMessage) => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk, callback);
    const onError = (e: Error) => this.fireError(e);
    const onClose = () => this.fireClose();
    this.readable.on('data', onData);
    this.readable.on('error', onError);
    this.readable.on('end', onClose);
    this.readable.on('close', onClose);
    return Disposable.create(() => {
      this.readable.off('data', onData);
      this.readable.off('error', onError);
      this.readable.off('end', onClose);
      this.readable.off('close', onClose);
    });
  }

  private reject(r: RejectedMessage, resync: boolean): void {
    this.fireError(new Error(r.message));
    this.onRejected(r);
    this.bodyLength = undefined;
    this.resyncing = resync;
  }

  private onData(chunk: Buffer, callback: DataCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.resyncing) {
        const text = this.buffer.toString('latin1');
        const at = text.search(CONTENT_LENGTH);
        if (at < 0) {
          // Keep a tail that may be the start of a header split across chunks.
          this.buffer = this.buffer.subarray(Math.max(0, this.buffer.length - 'content-length:'.length));
          return;
        }
        this.buffer = this.buffer.subarray(at);
        this.resyncing = false;
      }
      if (this.bodyLength === undefined) {
        const end = this.buffer.indexOf(HEADER_END);
        if (end < 0) {
          if (this.buffer.length > MAX_HEADER_BYTES) {
            this.reject({ code: -32600, message: `a message header longer than ${MAX_HEADER_BYTES} bytes without its end (an empty line); it was skipped` }, true);
            this.buffer = this.buffer.subarray(1);
            continue;
          }
          return;
        }
        const header = this.buffer.subarray(0, end).toString('ascii');
        const length = /(?:^|\r\n)content-length:[ \t]*([^\r\n]*)/i.exec(header)?.[1]?.trim();
        const refused: string | undefined =
          length === undefined || !/^\d+$/.test(length)
            ? `a message header without a valid Content-Length (got ${length === undefined ? 'none' : JSON.stringify(length)}); the message was skipped`
            : Number(length) > this.maxBytes
              ? `a message of ${length} bytes is over the engine's limit of ${this.maxBytes} bytes; it was skipped`
              : undefined;
        if (refused !== undefined) {
          // Resynchronize from the next byte: a good header may sit inside this bad one's text.
          this.reject({ code: -32600, message: refused }, true);
          this.buffer = this.buffer.subarray(1);
          continue;
        }
        this.buffer = this.buffer.subarray(end + HEADER_END.length);
        this.bodyLength = Number(length);
      }
      if (this.buffer.length < this.bodyLength) return;
      const body = this.buffer.subarray(0, this.bodyLength).toString('utf8');
      this.buffer = this.buffer.subarray(this.bodyLength);
      this.bodyLength = undefined;
      let message: unknown;
      try {
        message = JSON.parse(body);
      } catch (e) {
        this.reject({ code: -32700, message: `a message that is not valid JSON (${(e as Error).message}); it was skipped` }, false);
        continue;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) {
        this.reject({ code: -32600, message: 'a message that is not a JSON object; it was skipped' }, false);
        continue;
      }
      callback(message as Message);
    }
  }
}
