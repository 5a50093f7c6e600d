/**
 * A small JSON Schema (draft 2020-12) validator for the subset of keywords `report.schema.json`
 * uses. It exists so that the engine can validate every report it writes without a dependency;
 * it refuses schemas with keywords it does not implement (an `E_INTERNAL` error), so a schema
 * edit can never be silently ignored.
 *
 * Supported: `type` (string or list; `integer`, `null`), `const`, `enum`, `properties`,
 * `required`, `additionalProperties` (boolean or schema), `propertyNames`, `items` (one schema),
 * `minItems`, `maxItems`, `uniqueItems`, `minimum`, `maximum`, `exclusiveMinimum`,
 * `exclusiveMaximum`, `minLength`, `pattern`, `format: "date-time"`, `anyOf`, and `$ref` to
 * `#/$defs/…` of the same document. Annotations (`title`, `description`, `$comment`, …) are ignored.
 *
 * Numbers must be finite: JSON cannot carry NaN or ±Infinity (JSON.stringify writes them as
 * null), so an in-memory report holding one would not survive its own serialization.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** A JSON Schema node (a boolean schema or an object). */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** One validation failure: where (`runs[0].final.testF1`, '' for the root) and what. */
export interface SchemaError {
  path: string;
  message: string;
}

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly']);
const KEYWORDS = new Set([
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'pattern',
  'format',
  'anyOf',
  '$ref',
]);

// RFC 3339 date-time (the JSON Schema `date-time` format): date, 'T', time, optional fraction, zone.
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Appends a property name to a path in the `a.b[0]["odd key"]` style of the config errors. */
export function childPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (IDENT_RE.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default:
      throw new EngineError(ERROR_CODES.INTERNAL, `json-schema: unsupported type '${t}'`);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const bo = b as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** A compiled validator: check `validate(value)`; errors are in document order. */
export class SchemaValidator {
  private readonly patterns = new Map<string, RegExp>();
  /** Errors that are type mismatches (anyOf prefers the other branches' errors). */
  private readonly typeErrors = new WeakSet<SchemaError>();

  /** Throws `E_INTERNAL` when the schema uses a keyword this validator does not implement. */
  constructor(private readonly root: JsonSchema) {
    this.check(root, '#');
  }

  /** Validates `value`; at most `maxErrors` errors are collected (the first ones found). */
  validate(value: unknown, maxErrors = 100): SchemaError[] {
    const errors: SchemaError[] = [];
    this.visit(this.root, value, '', errors, maxErrors);
    return errors;
  }

  private check(schema: JsonSchema, where: string): void {
    if (typeof schema === 'boolean') return;
    for (const [k, v] of Object.entries(schema)) {
      if (ANNOTATIONS.has(k)) continue;
      if (!KEYWORDS.has(k)) throw new EngineError(ERROR_CODES.INTERNAL, `json-schema: keyword '${k}' at ${where} is not supported by this validator`);
      if (k === 'format' && v !== 'date-time') throw new EngineError(ERROR_CODES.INTERNAL, `json-schema: format '${String(v)}' at ${where} is not supported`);
      if (k === '$ref') this.resolve(v, where);
      if (k === 'pattern') this.patterns.set(v as string, new RegExp(v as string, 'u'));
    }
    const s = schema as Record<string, unknown>;
    for (const group of ['properties', '$defs'] as const) {
      const g = s[group] as Record<string, JsonSchema> | undefined;
      if (g) for (const [name, sub] of Object.entries(g)) this.check(sub, `${where}/${group}/${name}`);
    }
    for (const single of ['additionalProperties', 'propertyNames', 'items'] as const) {
      const sub = s[single];
      if (sub !== undefined) this.check(sub as JsonSchema, `${where}/${single}`);
    }
    if (Array.isArray(s.anyOf)) s.anyOf.forEach((sub, i) => this.check(sub as JsonSchema, `${where}/anyOf/${i}`));
  }

  private resolve(ref: unknown, where: string): JsonSchema {
    const m = typeof ref === 'string' ? /^#\/\$defs\/([^/]+)$/.exec(ref) : null;
    const defs = typeof this.root === 'object' ? (this.root.$defs as Record<string, JsonSchema> | undefined) : undefined;
    const target = m && defs ? defs[m[1]!] : undefined;
    if (target === undefined) throw new EngineError(ERROR_CODES.INTERNAL, `json-schema: cannot resolve $ref ${String(ref)} at ${where} (only '#/$defs/NAME' is supported)`);
    return target;
  }

  private visit(schema: JsonSchema, v: unknown, path: string, errors: SchemaError[], max: number): void {
    if (errors.length >= max) return;
    const add = (p: string, message: string): void => {
      if (errors.length < max) errors.push({ path: p, message });
    };
    if (schema === true) return;
    if (schema === false) return add(path, 'is not allowed here');
    const s = schema;

    if (s.$ref !== undefined) {
      const before = errors.length;
      this.visit(this.resolve(s.$ref, path), v, path, errors, max);
      // When the referenced schema rejects the type, the sibling keywords would only repeat it.
      if (errors.length > before) return;
    }

    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => matchesType(v, t))) {
        const got = typeof v === 'number' && !Number.isFinite(v) ? `non-finite number ${String(v)}` : typeOf(v);
        const e = { path, message: `must be ${typeWords(types)} (got ${got})` };
        this.typeErrors.add(e);
        if (errors.length < max) errors.push(e);
        return;
      }
    }
    if (s.const !== undefined && !deepEqual(v, s.const)) return add(path, `must be ${describe(s.const)} (got ${describe(v)})`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(v, e))) {
      return add(path, `must be one of ${s.enum.map((e) => describe(e)).join(', ')} (got ${describe(v)})`);
    }

    if (Array.isArray(s.anyOf)) this.visitAnyOf(s.anyOf as JsonSchema[], v, path, errors, max);

    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) add(path, `must be ≥ ${s.minimum} (got ${describe(v)})`);
      if (typeof s.maximum === 'number' && v > s.maximum) add(path, `must be ≤ ${s.maximum} (got ${describe(v)})`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) add(path, `must be > ${s.exclusiveMinimum} (got ${describe(v)})`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) add(path, `must be < ${s.exclusiveMaximum} (got ${describe(v)})`);
    }

    if (typeof v === 'string') {
      if (typeof s.minLength === 'number' && [...v].length < s.minLength) add(path, s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength} characters`);
      if (typeof s.pattern === 'string' && !this.patterns.get(s.pattern)!.test(v)) add(path, `must match ${s.pattern} (got ${describe(v)})`);
      if (s.format === 'date-time' && !isDateTime(v)) add(path, `must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z (got ${describe(v)})`);
    }

    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) add(path, `must have at least ${s.minItems} item${s.minItems === 1 ? '' : 's'} (got ${v.length})`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) add(path, `must have at most ${s.maxItems} items (got ${v.length})`);
      if (s.uniqueItems === true) {
        for (let i = 1; i < v.length; i++) {
          const j = v.findIndex((x, k) => k < i && deepEqual(x, v[i]));
          if (j >= 0) {
            add(childPath(path, i), `duplicates item ${j} (items must be unique)`);
            break;
          }
        }
      }
      if (s.items !== undefined) v.forEach((item, i) => this.visit(s.items as JsonSchema, item, childPath(path, i), errors, max));
    }

    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, JsonSchema>;
      if (Array.isArray(s.required)) {
        for (const r of s.required as string[]) {
          if (!Object.prototype.hasOwnProperty.call(o, r) || o[r] === undefined) add(childPath(path, r), 'is required');
        }
      }
      for (const [k, value] of Object.entries(o)) {
        if (value === undefined) continue; // JSON.stringify drops undefined members: they are absent.
        const p = childPath(path, k);
        if (s.propertyNames !== undefined) {
          const keyErrors: SchemaError[] = [];
          this.visit(s.propertyNames as JsonSchema, k, p, keyErrors, max);
          if (keyErrors.length > 0) {
            // The key is the problem, not its value: say so, and skip the value.
            add(p, `key ${describe(k)} is not allowed: ${keyErrors.map((e) => e.message.replace(/ \(got .*\)$/, '')).join('; ')}`);
            continue;
          }
        }
        if (Object.prototype.hasOwnProperty.call(props, k)) this.visit(props[k]!, value, p, errors, max);
        else if (s.additionalProperties === false) add(p, 'is not a known field (the schema allows no other fields here)');
        else if (s.additionalProperties !== undefined && s.additionalProperties !== true) this.visit(s.additionalProperties as JsonSchema, value, p, errors, max);
      }
    }
  }

  /**
   * anyOf: passes when one branch passes. Otherwise the most useful errors are reported: those of
   * a branch that accepted the value's type and failed inside it (a report with `test: {…}` that
   * breaks a field wants that field named, not "must be null"); else the value-level messages of
   * the branches that accepted the type; else one message listing the accepted types.
   */
  private visitAnyOf(branches: JsonSchema[], v: unknown, path: string, errors: SchemaError[], max: number): void {
    const failures: SchemaError[][] = [];
    for (const b of branches) {
      const errs: SchemaError[] = [];
      this.visit(b, v, path, errs, max);
      if (errs.length === 0) return;
      failures.push(errs);
    }
    const push = (list: SchemaError[]): void => {
      for (const e of list) if (errors.length < max) errors.push(e);
    };
    const deep = failures.find((errs) => errs.some((e) => e.path !== path));
    if (deep) return push(deep);
    const typed = failures.filter((errs) => !(errs.length === 1 && this.typeErrors.has(errs[0]!)));
    if (typed.length === 1) return push(typed[0]!);
    if (typed.length > 1) {
      const alternatives = typed.map((errs) => errs.map((e) => e.message.replace(/ \(got .*\)$/, '')).join(', '));
      return push([{ path, message: `${alternatives.join(', or ')} (got ${describe(v)})` }]);
    }
    const types = branches.flatMap((b) => this.expectedTypes(b)).filter((t, i, a) => a.indexOf(t) === i);
    push([{ path, message: `must be ${typeWords(types)} (got ${typeOf(v)})` }]);
  }

  private expectedTypes(b: JsonSchema): string[] {
    if (typeof b === 'boolean') return [];
    if (b.$ref !== undefined) return this.expectedTypes(this.resolve(b.$ref, ''));
    if (b.type !== undefined) return Array.isArray(b.type) ? (b.type as string[]) : [b.type as string];
    return [];
  }
}

/** `a string`, `an object or null`, `a finite number`. */
function typeWords(types: readonly string[]): string {
  return types.map((t) => (t === 'number' ? 'a finite number' : t === 'null' ? 'null' : `${t === 'integer' || t === 'array' || t === 'object' ? 'an' : 'a'} ${t}`)).join(' or ');
}

function isDateTime(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 60) return false;
  // Day within the month (UTC arithmetic; day 0 of the next month is the last of this one).
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d >= 1 && d <= days;
}
