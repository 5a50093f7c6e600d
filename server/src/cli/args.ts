/**
 * Argument parsing on top of `util.parseArgs`, turning its errors into usage errors (exit 2)
 * with the command's help hint.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError, ERROR_CODES } from '../errors';
import { MAX_FILE_BYTES_LIMIT } from '../corpus/options';
import { labelSettingText, MAX_TOP_LABELS, topLabelsOf } from '../dataset/labels';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends OptionSpec>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new EngineError(ERROR_CODES.USAGE, `${msg}\nRun 'memaudit ${command} --help' for the options.`);
  }
}

/** Decimal digits only: `Number()` would also take `0x3`, `0b11`, `1e1`, `3.0`, ` 3` and ''. */
const DECIMAL_INT = /^\d+$/;
/** A decimal number with an optional exponent (`0.01`, `1e-3`, `.5`), never hex, binary or empty. */
const DECIMAL_NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A usage error naming the flag, the value given and what is accepted. */
export function flagError(name: string, value: string, accepted: string): EngineError {
  return new EngineError(ERROR_CODES.USAGE, `--${name} '${value}' is not accepted: ${accepted}`, { flag: `--${name}`, value });
}

/** Parses a non-negative integer flag value (decimal digits), or throws a usage error naming the flag. */
export function intFlag(name: string, value: string | undefined, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = DECIMAL_INT.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw flagError(name, value, `write an integer ${max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `≥ ${min}`} in decimal digits (e.g. --${name} ${Math.max(min, 3)})`);
  }
  return n;
}

/** Parses a positive decimal number (an exponent is allowed: 1e-3), or throws a usage error naming the flag. */
export function numberFlag(name: string, value: string | undefined, example: string): number | undefined {
  if (value === undefined) return undefined;
  const n = DECIMAL_NUMBER.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw flagError(name, value, `write a positive decimal number (e.g. --${name} ${example})`);
  return n;
}

/** Parses a comma-separated list of integers ≥ 0 (`0,1,2`): no empty list, no empty item. */
export function intListFlag(name: string, value: string | undefined, example: string): number[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => !DECIMAL_INT.test(s) || !Number.isSafeInteger(Number(s)))) {
    throw flagError(name, value, `write a comma-separated list of integers ≥ 0 in decimal digits, with no empty item (e.g. --${name} ${example})`);
  }
  return items.map(Number);
}

/** Parses a size like 1048576, 512k, 2M, 1MiB. */
export function sizeFlag(name: string, value: string | undefined, max = MAX_FILE_BYTES_LIMIT): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)(i?[bB])?$/.exec(value.trim());
  if (!m) throw new EngineError(ERROR_CODES.USAGE, `--${name} must be a size such as 1048576, 512k or 2M (got '${value}')`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Math.round(Number(m[1]) * scale);
  if (n <= 0) throw new EngineError(ERROR_CODES.USAGE, `--${name} must be positive (got '${value}')`);
  if (n > max) throw flagError(name, value, `at most ${max / 1024 ** 2}M (a larger file is not source code to audit)`);
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

/** `--labels full|top:K` (the task, `dataset/labels.ts`), in its canonical spelling. */
export function labelsFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return labelSettingText(topLabelsOf(value, `--${name}`));
  } catch {
    throw flagError(name, value, `write full (method naming) or top:K with K an integer from 1 to ${MAX_TOP_LABELS}, e.g. top:10`);
  }
}
