/**
 * Checks a `memaudit` command line the way the CLI reads it, without running anything: the
 * command exists, every option is one of its table with a value where it takes one, and every
 * `--gate` is a gate. The recipes in examples/ are tested with it, so that a CI file cannot
 * carry a flag the CLI would refuse only once the pipeline runs.
 */
import { COMMANDS } from '../cli';
import { parseGate } from '../audit/gates';
import { EngineError, ERROR_CODES } from '../errors';
import { parseCommandArgs, type OptionSpec } from './args';
import { OPTIONS as AUDIT_OPTIONS } from './audit';
import { OPTIONS as EXTRACT_OPTIONS } from './extract';
import { OPTIONS as GENERATE_OPTIONS } from './generate';
import { OPTIONS as MERGE_OPTIONS } from './merge';
import { REPORT_OPTIONS, RUNS_OPTIONS } from './runs';

/** The option table of each command of `COMMANDS` (a new command adds its table here). */
export const COMMAND_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  audit: AUDIT_OPTIONS,
  extract: EXTRACT_OPTIONS,
  generate: GENERATE_OPTIONS,
  runs: RUNS_OPTIONS,
  report: REPORT_OPTIONS,
  merge: MERGE_OPTIONS,
};

/**
 * Throws the usage error (`E_USAGE`) the CLI would give for `argv` (the words after `memaudit`),
 * or the configuration error of a gate it cannot read; returns when the CLI would accept it.
 */
export function checkCommandLine(argv: string[]): void {
  // `--debug` is read by the CLI before the command's own options (cli.ts debugRequested).
  const end = argv.indexOf('--');
  const [command, ...rest] = argv.filter((a, i) => a !== '--debug' || (end >= 0 && i > end));
  if (command === undefined) throw new EngineError(ERROR_CODES.USAGE, "no command: run 'memaudit --help'");
  if (['--help', '-h', 'help', '--version'].includes(command)) return;
  if (!Object.hasOwn(COMMANDS, command)) {
    throw new EngineError(ERROR_CODES.USAGE, `unknown command '${command}'. Commands: ${Object.keys(COMMANDS).join(', ')}. Run 'memaudit --help'.`);
  }
  if (rest.includes('--help') || rest.includes('-h')) return;
  const options = COMMAND_OPTIONS[command];
  if (!options) throw new EngineError(ERROR_CODES.INTERNAL, `check-args: no option table for the command '${command}' (add it to COMMAND_OPTIONS)`);
  const { values } = parseCommandArgs(command, rest, options);
  const gates = (values as Record<string, unknown>)['gate'];
  if (Array.isArray(gates)) for (const g of gates) parseGate(String(g), '--gate');
}
