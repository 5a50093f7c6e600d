/**
 * Cache keys: SHA-256 over a canonical JSON form of everything an output depends on.
 */
import { createHash } from 'node:crypto';

/**
 * Version of what the cache files contain (columns, dataset arrays). Bump it whenever their
 * meaning changes, so that old files stop matching instead of being misread.
 */
export const CACHE_FORMAT_VERSION = 1;

/**
 * JSON with object keys sorted at every level and `undefined` fields dropped, so that two equal
 * settings objects give the same text whatever order their fields were written in.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  if (value instanceof Map) return stableStringify(Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), v])));
  if (value instanceof Set) return stableStringify([...value].map((v) => stableStringify(v)).sort());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** SHA-256 (hex) of the given parts, each length-prefixed so that part boundaries matter. */
export function sha256Hex(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.length}:`).update(p);
  return h.digest('hex');
}
