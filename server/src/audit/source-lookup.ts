/**
 * The source text each sample was extracted from, read again for the noise kinds that edit
 * code: the decoded file under its corpus root, the `code` of its JSONL record, or its zip
 * entry. Reading and decoding are the extractor's own (corpus/), so ranges line up exactly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeSource, readSourceFileSync, type DecodeResult } from '../corpus/decode';
import { jsonlRecordCode, readJsonlLinesSync } from '../corpus/jsonl';
import type { ZipEntryLocation } from '../corpus/types';
import { inputKindOf } from '../corpus/walk';
import { readZipEntryOnce, zipEntriesByName } from '../corpus/zip';
import type { SampleColumns } from '../dataset/columns';

/** Returns `lookup(index) → text | undefined` (undefined when the source is gone or changed kind). */
export function sourceLookup(columns: SampleColumns, inputs: readonly string[], cwd: string, maxFileBytes: number): (index: number) => string | undefined {
  const sources = new SourceFiles(
    inputs.map((i) => path.resolve(cwd, i)),
    maxFileBytes,
  );
  return (index: number) => {
    const { origin } = columns.sample(index);
    const abs = sources.absOf(origin.root, origin.file);
    if (!abs) return undefined;
    if (origin.jsonlLine !== undefined) return sources.jsonlCode(abs, origin.jsonlLine);
    if (origin.archiveEntry !== undefined) return sources.zipEntry(abs, origin.archiveEntry);
    return sources.file(abs);
  };
}

/**
 * The corpus's files, each read once: a source file's text, a JSONL file's lines, an archive's
 * directory (its entries are read as asked, so a large archive never sits in memory).
 */
class SourceFiles {
  private readonly files = new Map<string, string | undefined>();
  private readonly jsonl = new Map<string, readonly string[] | undefined>();
  private readonly zips = new Map<string, Map<string, ZipEntryLocation> | undefined>();

  constructor(
    private readonly rootPaths: readonly string[],
    private readonly maxFileBytes: number,
  ) {}

  /** The absolute path of a root-relative file; a root that is itself a file is its own file. */
  absOf(root: number, file: string): string | undefined {
    const r = this.rootPaths[root];
    if (r === undefined) return undefined;
    try {
      return fs.statSync(r).isFile() ? r : path.join(r, ...file.split('/'));
    } catch {
      return undefined;
    }
  }

  file(abs: string): string | undefined {
    if (!this.files.has(abs)) this.files.set(abs, textOf(readSourceFileSync(abs, this.maxFileBytes)));
    return this.files.get(abs);
  }

  jsonlCode(abs: string, line: number): string | undefined {
    if (!this.jsonl.has(abs)) this.jsonl.set(abs, orUndefined(() => readJsonlLinesSync(abs, inputKindOf(abs) === 'jsonl.gz')));
    const lines = this.jsonl.get(abs);
    return lines && jsonlRecordCode(lines, line);
  }

  zipEntry(abs: string, name: string): string | undefined {
    if (!this.zips.has(abs)) this.zips.set(abs, orUndefined(() => zipEntriesByName(abs)));
    const entry = this.zips.get(abs)?.get(name);
    if (!entry) return undefined;
    const bytes = orUndefined(() => readZipEntryOnce(abs, entry));
    return bytes && textOf(decodeSource(bytes, this.maxFileBytes));
  }
}

function textOf(d: DecodeResult): string | undefined {
  return 'text' in d ? d.text : undefined;
}

/** `read()`, or undefined when it throws: a source that cannot be read again has no text. */
function orUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
