/**
 * The unit of data of memaudit: one method or function with a body, as extracted from source.
 * Produced by the extractors in `parse/`, consumed by the dataset builder, the noise kinds and
 * the models.
 *
 * Two forms exist. `ExtractedSample` is the compact form the pipeline moves around: token and
 * path strings are interned to integer ids in a `StringTable` (a corpus of 200k methods with 200
 * path-contexts each would otherwise hold over 100M small strings). `Sample` is the readable form
 * (`materialize`), used by snapshot tests, reports and the noise kinds.
 */

export const LANGUAGE_IDS = ['java', 'python', 'ruby'] as const;
export type LanguageId = (typeof LANGUAGE_IDS)[number];

export function isLanguageId(s: string): s is LanguageId {
  return (LANGUAGE_IDS as readonly string[]).includes(s);
}

/** 0-based line and column (columns in UTF-16 code units of the line, as editors count). */
export interface SourceRange {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

/** Where a sample came from: a file under a corpus root, or one line of a JSONL file. */
export interface SampleOrigin {
  /** Path relative to the corpus root (forward slashes), or the JSONL file's path relative to its root. */
  file: string;
  /** Index of the corpus root the file was found under (0 for a single root). */
  root: number;
  /** For JSONL input: 1-based line number of the record in `file`. */
  jsonlLine?: number;
  /** For files inside a zip archive: the entry path inside the archive (`file` is the archive). */
  archiveEntry?: string;
  /** Repository name when known (JSONL `repo` field, or the root's folder name). */
  repo?: string;
  /** For JSONL input: the record's `path` field (the method's source file inside `repo`); splits group by it. */
  recordPath?: string;
}

/** Interns strings to dense integer ids (0, 1, 2, …) in first-seen order. */
export class StringTable {
  private readonly ids = new Map<string, number>();
  readonly strings: string[] = [];
  /** Strings up to here are in `ids` (those `append`ed after are indexed when `id` is next called). */
  private indexed = 0;

  id(s: string): number {
    if (this.indexed < this.strings.length) this.catchUp();
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
      this.indexed++;
    }
    return id;
  }

  /**
   * Appends `s`, which the caller knows is not in the table, without hashing it: a worker that
   * only ever appends (and sends the strings on) never builds the index.
   */
  append(s: string): number {
    this.strings.push(s);
    return this.strings.length - 1;
  }

  private catchUp(): void {
    for (let i = this.indexed; i < this.strings.length; i++) {
      const s = this.strings[i]!;
      if (this.ids.has(s)) throw new Error(`StringTable.append: ${JSON.stringify(s)} was already in the table`);
      this.ids.set(s, i);
    }
    this.indexed = this.strings.length;
  }

  get(id: number): string {
    const s = this.strings[id];
    if (s === undefined) throw new RangeError(`string id ${id} out of range (table has ${this.strings.length})`);
    return s;
  }

  get size(): number {
    return this.strings.length;
  }
}

/** Compact form: strings of the body and of path-contexts are ids into the extractor's tables. */
export interface ExtractedSample {
  /** Stable id: a hash of language, origin, range start and name; identical across runs and machines. */
  id: string;
  language: LanguageId;
  origin: SampleOrigin;
  /** Range of the declaration itself (from its first token, e.g. modifiers or `def`, to its end). */
  range: SourceRange;
  /** The method's name as written. */
  name: string;
  /** Name split on camelCase, PascalCase, snake_case and digits, lower-cased. */
  nameSubtokens: string[];
  /** Token-table ids of the body's leaf tokens, subtokenized and lower-cased; the method's own name is METHOD_NAME_PLACEHOLDER. */
  bodyTokens: Int32Array;
  /** Path-contexts as triples (start token id, path id, end token id); at most `maxContexts` of them. */
  contexts: Int32Array;
  /** Docstring or leading comment, when present. */
  doc?: string;
}

/** A code2vec path-context in readable form. */
export interface PathContext {
  start: string;
  path: string;
  end: string;
}

/** Readable form of a sample. */
export interface Sample extends Omit<ExtractedSample, 'bodyTokens' | 'contexts'> {
  bodyTokens: string[];
  pathContexts: PathContext[];
}

/** The string tables an extractor interns into. */
export interface StringTables {
  tokens: StringTable;
  paths: StringTable;
}

/** Replaces the method's own name inside its body so that the label does not leak into the input. */
export const METHOD_NAME_PLACEHOLDER = '<METHOD_NAME>';

/** Turns a compact sample into its readable form. */
export function materialize(s: ExtractedSample, tables: StringTables): Sample {
  const pathContexts: PathContext[] = [];
  for (let i = 0; i + 2 < s.contexts.length; i += 3) {
    pathContexts.push({
      start: tables.tokens.get(s.contexts[i]!),
      path: tables.paths.get(s.contexts[i + 1]!),
      end: tables.tokens.get(s.contexts[i + 2]!),
    });
  }
  const { bodyTokens, contexts: _contexts, ...rest } = s;
  return { ...rest, bodyTokens: Array.from(bodyTokens, (t) => tables.tokens.get(t)), pathContexts };
}
