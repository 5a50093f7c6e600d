/**
 * Argument parsing on top of `util.parseArgs`, turning its errors into usage errors (exit 2)
 * with the command's help hint.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError, ERROR_CODES } from '../errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends OptionSpec>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new EngineError(ERROR_CODES.USAGE, `${msg}\nRun 'memaudit ${command} --help' for the options.`);
  }
}

/** Parses a positive integer flag value, or throws a usage error naming the flag. */
export function intFlag(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new EngineError(ERROR_CODES.USAGE, `--${name} must be an integer ≥ ${min} (got '${value}')`);
  }
  return n;
}

/** Parses a size like 1048576, 512k, 2M, 1MiB. */
export function sizeFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)(i?[bB])?$/.exec(value.trim());
  if (!m) throw new EngineError(ERROR_CODES.USAGE, `--${name} must be a size such as 1048576, 512k or 2M (got '${value}')`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Math.round(Number(m[1]) * scale);
  if (n <= 0) throw new EngineError(ERROR_CODES.USAGE, `--${name} must be positive (got '${value}')`);
  return n;
}

/** Validates an enumerated flag value. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new EngineError(ERROR_CODES.USAGE, `--${name} must be one of ${choices.join(', ')} (got '${value}')`);
  }
  return value as T;
}
