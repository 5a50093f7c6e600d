#!/usr/bin/env node
/** Entry point of the `memaudit` executable: runs the CLI and sets the exit code. */
import { runCli } from './cli';
import { processIo } from './cli/io';
import { inert } from './report/shared/terminal';

const controller = new AbortController();
let interrupted = false;
// First Ctrl-C (or SIGTERM) cancels cleanly (workers stopped, nothing half-written, the audit
// folder's lock released); a second one exits now (the lock's exit handler still releases it).
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(sig, () => {
    if (interrupted) process.exit(code);
    interrupted = true;
    process.stderr.write(`\nmemaudit: cancelling… (${sig === 'SIGINT' ? 'press Ctrl-C again' : 'send SIGTERM again'} to quit at once)\n`);
    controller.abort();
  });
}

runCli(process.argv.slice(2), processIo(controller.signal)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // runCli reports its own errors; this is a failure of the reporting itself.
    const debug = process.argv.includes('--debug') || Boolean(process.env['MEMAUDIT_DEBUG']);
    process.stderr.write(inert(`memaudit: unexpected error: ${e instanceof Error ? ((debug ? e.stack : undefined) ?? e.message) : String(e)}\n`));
    process.exitCode = 2;
  },
);
