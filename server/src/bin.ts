#!/usr/bin/env node
/** Entry point of the `memaudit` executable: runs the CLI and sets the exit code. */
import { runCli } from './cli';
import { processIo } from './cli/io';
import { inert } from './report/shared/terminal';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // First Ctrl-C cancels cleanly (workers stopped, nothing half-written); a second one exits now.
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nmemaudit: cancelling… (press Ctrl-C again to quit at once)\n');
  controller.abort();
});

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
