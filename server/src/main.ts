/**
 * The engine process: `node dist/engine/main.js --stdio` (the bundle; tests run tsc's
 * dist/server/src/main.js). The VS Code extension starts it and
 * talks JSON-RPC (protocol/) over its stdin and stdout, so native code and long training runs
 * never block or crash the editor.
 *
 * stdout carries protocol messages and nothing else: console output is sent to stderr, logs go as
 * `log` notifications. An error nobody caught is reported (stderr and a `log` notification with
 * its stack) before the process exits with code 3, so the client can say so and restart it. The
 * exit codes are those of `rpc/exit-codes.ts`.
 */
import { createMessageConnection, StreamMessageWriter, type Logger } from 'vscode-jsonrpc/node';
import { BoundedMessageReader } from './rpc/bounded-reader';
import { ENGINE_EXIT } from './rpc/exit-codes';
import { EngineServer } from './rpc/server';
import { inert } from './report/shared/terminal';
import { VERSION } from './version';

const USAGE = `memaudit engine ${VERSION}: the JSON-RPC server of the VS Code extension.
Usage: node main.js --stdio
(The command line is 'memaudit'; this process speaks only JSON-RPC on stdin/stdout.)
`;

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack ?? value.message;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Sends everything `console.*` prints to stderr: a stray line on stdout would break the protocol. */
function consoleToStderr(): void {
  const write = (...args: unknown[]) => void process.stderr.write(`${args.map(show).join(' ')}\n`);
  console.log = write;
  console.info = write;
  console.debug = write;
  console.warn = write;
  console.error = write;
}

function main(argv: readonly string[]): void {
  if (!argv.includes('--stdio')) {
    process.stderr.write(USAGE);
    process.exitCode = ENGINE_EXIT.USAGE;
    return;
  }
  consoleToStderr();
  const logger: Logger = {
    error: (m) => process.stderr.write(inert(`memaudit server: jsonrpc error: ${m}\n`)),
    warn: (m) => process.stderr.write(inert(`memaudit server: jsonrpc warning: ${m}\n`)),
    info: () => undefined,
    log: () => undefined,
  };
  const writer = new StreamMessageWriter(process.stdout);
  // A message the reader refuses (over the size limit, bad framing, not JSON) is answered with an
  // error whose id is null (the request's id is unknown), as JSON-RPC 2.0 says.
  const reader = new BoundedMessageReader(process.stdin, (r) => {
    writer.write({ jsonrpc: '2.0', id: null, error: { code: r.code, message: r.message } } as never).catch(() => undefined);
  });
  const connection = createMessageConnection(reader, writer, logger);
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    connection.dispose();
    process.exit(code);
  };
  const server = new EngineServer(connection, { exit });

  process.on('uncaughtException', (e) => {
    server.reportUnexpected('uncaught exception, the engine stops', e);
    // Give the notification a moment to leave before the process goes.
    setTimeout(() => exit(ENGINE_EXIT.CRASHED), 200);
  });
  process.on('unhandledRejection', (e) => {
    // A promise nobody awaited failed: a bug, but not one that leaves the engine in a broken state.
    server.reportUnexpected('unhandled promise rejection', e);
  });
  // The client closing our stdin ends the connection (handled by the server); these end it too.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => exit(ENGINE_EXIT.CLIENT_GONE));

  server.listen();
}

main(process.argv.slice(2));
