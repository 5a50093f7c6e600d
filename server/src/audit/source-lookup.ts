/**
 * The source text each sample was extracted from, read again for the noise kinds that edit
 * code: the decoded file under its corpus root, the `code` of its JSONL record, or its zip
 * entry. Decoding is the extractor's own (`decodeSource`), so ranges line up exactly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, unzipSync } from 'fflate';
import { decodeSource } from '../corpus/decode';
import type { SampleColumns } from '../dataset/columns';

/** Returns `lookup(index) → text | undefined` (undefined when the source is gone or changed kind). */
export function sourceLookup(columns: SampleColumns, inputs: readonly string[], cwd: string, maxFileBytes: number): (index: number) => string | undefined {
  const rootPaths = inputs.map((i) => path.resolve(cwd, i));
  const fileCache = new Map<string, string | undefined>();
  const jsonlCache = new Map<string, string[] | undefined>();
  const zipCache = new Map<string, Uint8Array | undefined>();

  const readBytes = (abs: string): Uint8Array | undefined => {
    try {
      return fs.readFileSync(abs);
    } catch {
      return undefined;
    }
  };
  const decoded = (bytes: Uint8Array | undefined): string | undefined => {
    if (!bytes) return undefined;
    const d = decodeSource(bytes, maxFileBytes);
    return 'text' in d ? d.text : undefined;
  };
  /** The absolute path of a root-relative file; a root that is itself a file is its own file. */
  const absOf = (root: number, file: string): string | undefined => {
    const r = rootPaths[root];
    if (r === undefined) return undefined;
    try {
      return fs.statSync(r).isFile() ? r : path.join(r, ...file.split('/'));
    } catch {
      return undefined;
    }
  };

  return (index: number) => {
    const s = columns.sample(index);
    const abs = absOf(s.origin.root, s.origin.file);
    if (!abs) return undefined;
    if (s.origin.jsonlLine !== undefined) {
      let lines = jsonlCache.get(abs);
      if (!jsonlCache.has(abs)) {
        const bytes = readBytes(abs);
        lines = bytes ? new TextDecoder().decode(abs.endsWith('.gz') ? gunzipSync(bytes) : bytes).split('\n') : undefined;
        jsonlCache.set(abs, lines);
      }
      try {
        const rec = JSON.parse(lines?.[s.origin.jsonlLine - 1] ?? '') as { code?: unknown };
        return typeof rec.code === 'string' ? rec.code : undefined;
      } catch {
        return undefined;
      }
    }
    if (s.origin.archiveEntry !== undefined) {
      if (!zipCache.has(abs)) zipCache.set(abs, readBytes(abs));
      const zip = zipCache.get(abs);
      if (!zip) return undefined;
      const entry = s.origin.archiveEntry;
      try {
        return decoded(unzipSync(zip, { filter: (f) => f.name === entry })[entry]);
      } catch {
        return undefined;
      }
    }
    if (!fileCache.has(abs)) fileCache.set(abs, decoded(readBytes(abs)));
    return fileCache.get(abs);
  };
}
