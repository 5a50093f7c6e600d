/**
 * The `memaudit` command line. `runCli(argv)` returns the exit code instead of exiting, so tests
 * and the engine call it in-process (eslint's contract):
 *   0 = done, every gate passed; 1 = a gate failed; 2 = usage, configuration or internal error.
 */
import { isEngineError, ERROR_CODES } from './errors';
import { isFsError, writeError } from './util/fs-errors';
import { runAuditCommand, AUDIT_HELP } from './cli/audit';
import { runExtractCommand, EXTRACT_HELP } from './cli/extract';
import { runGenerateCommand, GENERATE_HELP } from './cli/generate';
import { runMergeCommand, MERGE_HELP } from './cli/merge';
import { runReportCommand, runRunsCommand, REPORT_HELP, RUNS_HELP } from './cli/runs';
import { inertIo, processIo, type CliIo } from './cli/io';
import { EXIT, type ExitCode } from './cli/exit';
import { VERSION } from './version';


const HELP = `memaudit ${VERSION} — how much does a code model memorize, and how much does it generalize?

Usage: memaudit <command> [options]

Commands:
  audit [paths…]     run the memorization audit (see 'memaudit audit --help')
  extract [paths…]   parse Java/Python/Ruby methods and build the dataset (see 'memaudit extract --help')
  runs               list past audits (finished, running and interrupted)
  report RUN         print a finished audit again and write its report files
  merge DIR…         write the report of a sharded audit (audit --shard I/N) from its shards' folders
  generate --out DIR write a synthetic Java/Python/Ruby corpus whose method names follow from their bodies

Options:
  --help, -h         show help
  --version          print the version
  --debug            print errors with their stack traces (also MEMAUDIT_DEBUG=1)

Exit codes: 0 ok, 1 a quality gate failed, 2 usage, configuration or internal error.
`;

type Command = (argv: string[], io: CliIo) => Promise<ExitCode>;

export const COMMANDS: Record<string, { run: Command; help: string }> = {
  audit: { run: runAuditCommand, help: AUDIT_HELP },
  extract: { run: runExtractCommand, help: EXTRACT_HELP },
  generate: { run: runGenerateCommand, help: GENERATE_HELP },
  runs: { run: runRunsCommand, help: RUNS_HELP },
  report: { run: runReportCommand, help: REPORT_HELP },
  merge: { run: runMergeCommand, help: MERGE_HELP },
};

/**
 * Whether to print stacks — `--debug` anywhere before a `--`, or MEMAUDIT_DEBUG set (not 0/false)
 * — and the arguments without that flag.
 */
function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv): { debug: boolean; args: string[] } {
  const end = argv.indexOf('--');
  const isFlag = (a: string, i: number): boolean => a === '--debug' && (end < 0 || i < end);
  const v = env['MEMAUDIT_DEBUG'];
  return { debug: argv.some(isFlag) || (v !== undefined && v !== '' && v !== '0' && v !== 'false'), args: argv.filter((a, i) => !isFlag(a, i)) };
}

export async function runCli(argv: string[], rawIo: CliIo = processIo()): Promise<ExitCode> {
  // Everything printed goes through one filter: corpus paths and names cannot drive the terminal.
  const io = inertIo(rawIo);
  const { debug, args } = debugRequested(argv, io.env);
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP);
    return command === undefined ? EXIT.ERROR : EXIT.OK;
  }
  if (command === '--version') {
    io.stdout(`${VERSION}\n`);
    return EXIT.OK;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    io.stderr(`memaudit: unknown command '${command}'. Commands: ${Object.keys(COMMANDS).join(', ')}. Run 'memaudit --help'.\n`);
    return EXIT.ERROR;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(entry.help);
    return EXIT.OK;
  }
  try {
    return await entry.run(rest, io);
  } catch (caught) {
    // A file-system error that escaped its writer is still a write failure with a cause and a fix.
    const e = isFsError(caught) ? writeError(caught.path ?? '(unknown path)', caught) : caught;
    if (isEngineError(e)) {
      io.stderr(`memaudit ${command}: ${e.message}\n`);
      const cause = e.cause instanceof Error ? e.cause : undefined;
      if (debug) io.stderr(`${e.stack ?? ''}\n${cause?.stack ? `caused by: ${cause.stack}\n` : ''}`);
      else if (e.code === ERROR_CODES.INTERNAL) io.stderr(`(run again with --debug for the stack, and please report it)\n`);
    } else {
      // Not an error the engine raised on purpose: a bug. The stack only on request.
      const message = e instanceof Error ? e.message : String(e);
      io.stderr(
        debug && e instanceof Error && e.stack
          ? `memaudit ${command}: internal error: ${e.stack}\n`
          : `memaudit ${command}: unexpected error: ${message}\n(run again with --debug for the stack, and please report it)\n`,
      );
    }
    return EXIT.ERROR;
  }
}
