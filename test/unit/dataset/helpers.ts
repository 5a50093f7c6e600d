/** Builders of synthetic samples for the dataset tests. */
import { StringTable, type ExtractedSample, type LanguageId, type StringTables } from '../../../server/src/parse/sample';

/** A sample described with strings; ids are interned by `makeSamples`. */
export interface SampleSpec {
  /** Label subtokens joined with '|', e.g. 'get|name'. */
  label: string;
  body: string[];
  contexts?: [string, string, string][];
  file?: string;
  root?: number;
  repo?: string;
  jsonlLine?: number;
  recordPath?: string;
  archiveEntry?: string;
  line?: number;
  language?: LanguageId;
  doc?: string;
}

/** Fresh string tables. */
export function makeTables(): StringTables {
  return { tokens: new StringTable(), paths: new StringTable() };
}

/** Interns specs into samples; ids are `s<index>` unless the spec order says otherwise. */
export function makeSamples(specs: SampleSpec[], tables: StringTables = makeTables()): { samples: ExtractedSample[]; tables: StringTables } {
  const samples = specs.map((s, i): ExtractedSample => {
    const sub = s.label === '' ? [] : s.label.split('|');
    const ctx = s.contexts ?? [];
    const sample: ExtractedSample = {
      id: `s${String(i).padStart(6, '0')}`,
      language: s.language ?? 'java',
      origin: { file: s.file ?? `F${i}.java`, root: s.root ?? 0 },
      range: { startLine: s.line ?? i, startColumn: 2, endLine: (s.line ?? i) + 3, endColumn: 1 },
      name: sub.map((t, k) => (k === 0 ? t : t[0]!.toUpperCase() + t.slice(1))).join(''),
      nameSubtokens: sub,
      bodyTokens: Int32Array.from(s.body, (t) => tables.tokens.id(t)),
      contexts: Int32Array.from(ctx.flatMap(([a, p, b]) => [tables.tokens.id(a), tables.paths.id(p), tables.tokens.id(b)])),
    };
    if (s.repo !== undefined) sample.origin.repo = s.repo;
    if (s.jsonlLine !== undefined) sample.origin.jsonlLine = s.jsonlLine;
    if (s.recordPath !== undefined) sample.origin.recordPath = s.recordPath;
    if (s.archiveEntry !== undefined) sample.origin.archiveEntry = s.archiveEntry;
    if (s.doc !== undefined) sample.doc = s.doc;
    return sample;
  });
  return { samples, tables };
}

/** Deterministic pseudo-random integers in [0, n). */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}
