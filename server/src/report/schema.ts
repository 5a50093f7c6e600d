/**
 * Validation of `AuditReport` objects against `report.schema.json`, plus the few invariants a
 * JSON Schema cannot state (a range's end is not before its start; epochs of a run increase).
 * The engine validates every report before writing it, and readers (the extension, `memaudit
 * report`) validate what they load, so a hand-edited or truncated report is refused with the
 * field that is wrong rather than drawn as a broken chart.
 */
import * as fs from 'node:fs';
import { engineAsset } from '../assets';
import { EngineError, ERROR_CODES } from '../errors';
import { childPath, SchemaValidator, type JsonSchema, type SchemaError } from './json-schema';
import { READABLE_REPORT_VERSIONS, REPORT_SCHEMA_VERSION, type AuditReport, type Interval, type RocPoints } from '../protocol/report';

export type { SchemaError } from './json-schema';

/** File name of the schema; the build copies it next to the compiled module. */
export const REPORT_SCHEMA_FILE = 'report.schema.json';

/** Result of `validateReport`: `errors` is empty exactly when `valid`. */
export interface ReportValidation {
  valid: boolean;
  errors: SchemaError[];
}

let cached: { schema: JsonSchema; validator: SchemaValidator } | undefined;

/** The report's JSON Schema (parsed once; the same object on every call, do not mutate it). */
export function reportSchema(): JsonSchema {
  return load().schema;
}

function load(): { schema: JsonSchema; validator: SchemaValidator } {
  if (cached) return cached;
  const file = engineAsset('report', REPORT_SCHEMA_FILE);
  let schema: JsonSchema;
  try {
    schema = JSON.parse(fs.readFileSync(file, 'utf8')) as JsonSchema;
  } catch (err) {
    throw new EngineError(ERROR_CODES.INTERNAL, `cannot load the report schema ${file}: ${(err as Error).message} (the build copies it from server/src/report; run npm run build)`, { file }, { cause: err });
  }
  cached = { schema, validator: new SchemaValidator(schema) };
  return cached;
}

/**
 * Validates `obj` as an `AuditReport` (version 1, 2 or 3): the schema first, then the invariants between fields.
 * Paths are written like `runs[1].epochs[0].test.f1` ('' is the report itself). At most
 * `maxErrors` errors are returned (default 50), in document order.
 */
export function validateReport(obj: unknown, maxErrors = 50): ReportValidation {
  const errors = load().validator.validate(obj, maxErrors);
  if (errors.length === 0) invariants(obj as AuditReport, errors, maxErrors);
  return { valid: errors.length === 0, errors };
}

/** Throws `E_INTERNAL` listing the first problems when the engine is about to write an invalid report (a bug). */
export function assertValidReport(obj: unknown): asserts obj is AuditReport {
  const { valid, errors } = validateReport(obj, 10);
  if (!valid) {
    throw new EngineError(ERROR_CODES.INTERNAL, `the audit produced an invalid report: ${formatErrors(errors)}`, { errors });
  }
}

/**
 * Parses and validates the text of a `report.json`. `source` names the file in messages. Versions
 * 1, 2 and 3 are read (2 is 3 without the detection choice, 1 is 2 without the intervals; renderers
 * show what a report has).
 * A file that is not JSON, has another `schemaVersion`, or breaks the schema throws `E_CACHE_CORRUPT`
 * (run files are the engine's own outputs: the fix is to rerun the audit or upgrade memaudit).
 */
export function parseReport(text: string, source: string): AuditReport {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new EngineError(ERROR_CODES.CACHE_CORRUPT, `${source}: not a JSON report (${(err as Error).message}); rerun the audit to rewrite it`, { file: source }, { cause: err });
  }
  const version = typeof obj === 'object' && obj !== null ? (obj as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version !== 'number' || !READABLE_REPORT_VERSIONS.includes(version)) {
    throw new EngineError(
      ERROR_CODES.CACHE_CORRUPT,
      `${source}: report schemaVersion ${JSON.stringify(version)} is not supported (this memaudit reads versions ${READABLE_REPORT_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_REPORT_VERSIONS[READABLE_REPORT_VERSIONS.length - 1]}, writes ${REPORT_SCHEMA_VERSION}); use the memaudit version that wrote it, or rerun the audit`,
      { file: source },
    );
  }
  const { valid, errors } = validateReport(obj, 10);
  if (!valid) throw new EngineError(ERROR_CODES.CACHE_CORRUPT, `${source}: invalid report: ${formatErrors(errors)}; rerun the audit to rewrite it`, { file: source, errors });
  return obj as AuditReport;
}

/** `path: message; path: message` for error texts (the root is called `report`). */
export function formatErrors(errors: readonly SchemaError[]): string {
  return errors.map((e) => `${e.path === '' ? 'report' : e.path}: ${e.message}`).join('; ');
}

function invariants(r: AuditReport, errors: SchemaError[], max: number): void {
  const add = (p: string, message: string): void => {
    if (errors.length < max) errors.push({ path: p, message });
  };
  r.runs.forEach((run, i) => {
    for (let k = 1; k < run.epochs.length; k++) {
      if (run.epochs[k]!.epoch <= run.epochs[k - 1]!.epoch) {
        add(childPath(childPath(childPath(childPath('runs', i), 'epochs'), k), 'epoch'), `must be greater than the previous epoch (${run.epochs[k - 1]!.epoch})`);
      }
    }
  });
  const rocCheck = (p: string, roc: RocPoints | undefined): void => {
    if (!roc) return;
    if (roc.fpr.length !== roc.tpr.length) return add(childPath(p, 'tpr'), `has ${roc.tpr.length} points but fpr has ${roc.fpr.length}`);
    for (let k = 1; k < roc.fpr.length; k++) {
      if (roc.fpr[k]! < roc.fpr[k - 1]! || roc.tpr[k]! < roc.tpr[k - 1]!) return add(childPath(p, 'fpr'), `the curve must not go back (point ${k})`);
    }
    const last = roc.fpr.length - 1;
    if (roc.fpr[0] !== 0 || roc.tpr[0] !== 0 || roc.fpr[last] !== 1 || roc.tpr[last] !== 1) add(p, 'must run from (0, 0) to (1, 1)');
  };
  r.runs.forEach((run, i) => run.detection.forEach((q, j) => rocCheck(childPath(childPath(childPath(childPath('runs', i), 'detection'), j), 'roc'), q.roc)));
  r.detection.signals.forEach((q, j) => rocCheck(childPath(childPath(childPath('detection', 'signals'), j), 'roc'), q.roc));
  const intervalCheck = (p: string, ci: Interval | null | undefined): void => {
    if (ci && ci.low > ci.high) add(p, `low (${ci.low}) is above high (${ci.high})`);
  };
  for (const [key, ci] of Object.entries(r.scoreIntervals ?? {})) intervalCheck(childPath('scoreIntervals', key), ci);
  const choice = r.detection.choice;
  if (choice) {
    intervalCheck(childPath(childPath('detection', 'choice'), 'heldOutInterval'), choice.heldOutInterval);
    intervalCheck(childPath(childPath('detection', 'choice'), 'inSampleInterval'), choice.inSampleInterval);
  }
  r.runs.forEach((run, i) => {
    const p = childPath('runs', i);
    for (const [key, ci] of Object.entries(run.intervals ?? {})) intervalCheck(childPath(childPath(p, 'intervals'), key), ci);
    run.detection.forEach((q, j) => {
      intervalCheck(childPath(childPath(childPath(p, 'detection'), j), 'aurocInterval'), q.aurocInterval);
      intervalCheck(childPath(childPath(childPath(p, 'detection'), j), 'averagePrecisionInterval'), q.averagePrecisionInterval);
    });
  });
  r.findings.forEach((f, i) => {
    const { startLine, startColumn, endLine, endColumn } = f.range;
    if (endLine < startLine || (endLine === startLine && endColumn < startColumn)) {
      add(childPath(childPath('findings', i), 'range'), `ends (${endLine}:${endColumn}) before it starts (${startLine}:${startColumn})`);
    }
  });
}
