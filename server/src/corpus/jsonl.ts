/**
 * Reading CodeSearchNet-style JSONL (one JSON object per line with `code`, `language`,
 * `func_name`, `path`, optional `docstring` and `repo`), plain or gzip-compressed, as a stream:
 * a 1 GB file never sits in memory.
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { EngineError, ERROR_CODES } from '../errors';
import type { SourceUnit } from '../parse/extract';
import type { LanguageId, SampleOrigin } from '../parse/sample';
import type { CorpusSkip, JsonlSource, ResolvedCorpusOptions, UnitTask } from './types';

/** Language names of JSONL records, lower-cased, mapped to ours (CodeSearchNet uses the first form). */
const JSONL_LANGUAGES: Readonly<Record<string, LanguageId>> = {
  java: 'java',
  python: 'python',
  py: 'python',
  ruby: 'ruby',
  rb: 'ruby',
};

/**
 * A line longer than this many characters is skipped unread: a record whose code is under the
 * size cap fits comfortably (JSON escaping at most sextuples a character, `\u0000`), plus room
 * for the other fields. Keeps a corrupt file with no newlines from filling memory.
 */
function maxLineChars(maxFileBytes: number): number {
  return maxFileBytes * 6 + 1024 * 1024;
}

/** Outcome of parsing one non-empty JSONL line. */
export type JsonlRecordResult =
  | { unit: SourceUnit }
  | { skip: 'jsonl-malformed' | 'jsonl-missing-field' | 'unsupported-language' | 'too-large'; detail: string };

/** One JSONL line as a JSON object, or why it is not one. */
function parseJsonlObject(line: string): { record: Record<string, unknown> } | { skip: 'jsonl-malformed'; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { skip: 'jsonl-malformed', detail: err instanceof Error ? err.message : String(err) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { skip: 'jsonl-malformed', detail: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  return { record: value as Record<string, unknown> };
}

/** A line as a record is read from it: without the file's byte order mark (on the first line) and without a Windows line end. */
function recordLine(line: string, first: boolean): string {
  if (first && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * Parses one JSONL line into a unit. Malformed JSON and non-object lines give `jsonl-malformed`;
 * a missing or non-string `code` (or `language`, unless a language is forced) gives
 * `jsonl-missing-field`; other languages give `unsupported-language`.
 */
export function parseJsonlRecord(line: string, file: string, root: number, lineNo: number, options: ResolvedCorpusOptions): JsonlRecordResult {
  const parsed = parseJsonlObject(line);
  if ('skip' in parsed) return parsed;
  const rec = parsed.record;
  if (typeof rec.code !== 'string') return { skip: 'jsonl-missing-field', detail: 'field "code" is missing or not a string' };
  let language: LanguageId;
  if (rec.language === undefined && options.forceLanguage !== undefined) language = options.forceLanguage;
  else if (typeof rec.language !== 'string') return { skip: 'jsonl-missing-field', detail: 'field "language" is missing or not a string' };
  else {
    const lang = JSONL_LANGUAGES[rec.language.toLowerCase()];
    if (lang === undefined) return { skip: 'unsupported-language', detail: `language ${JSON.stringify(rec.language)}` };
    if (options.forceLanguage !== undefined && lang !== options.forceLanguage) {
      return { skip: 'unsupported-language', detail: `language ${lang}, but the language is forced to ${options.forceLanguage}` };
    }
    language = lang;
  }
  const bytes = Buffer.byteLength(rec.code, 'utf8');
  if (bytes > options.maxFileBytes) return { skip: 'too-large', detail: `code is ${bytes} bytes, over the cap of ${options.maxFileBytes}` };
  const origin: SampleOrigin = { file, root, jsonlLine: lineNo };
  if (typeof rec.repo === 'string' && rec.repo !== '') origin.repo = rec.repo;
  if (typeof rec.path === 'string' && rec.path !== '') origin.recordPath = rec.path;
  const unit: SourceUnit = { origin, language, text: rec.code, snippet: true };
  if (typeof rec.docstring === 'string' && rec.docstring !== '') unit.doc = rec.docstring;
  if (typeof rec.func_name === 'string' && rec.func_name !== '') unit.funcName = rec.func_name;
  return { unit };
}

/**
 * Streams the records of a JSONL file as `unit` tasks (`snippet: true`). Skip records carry
 * `file:line` (1-based). In `stop` mode the first malformed line, or a broken gzip stream,
 * throws `E_JSONL_MALFORMED` naming file and line; records with missing fields or other
 * languages are skipped in both modes. Blank lines are allowed.
 */
export async function* expandJsonl(src: JsonlSource, options: ResolvedCorpusOptions): AsyncGenerator<UnitTask | CorpusSkip> {
  const stop = options.jsonlErrors === 'stop';
  const limit = maxLineChars(options.maxFileBytes);
  const file = src.file;
  let stream: NodeJS.ReadableStream;
  const raw = fs.createReadStream(src.absPath);
  if (src.gzip) {
    const gunzip = createGunzip();
    // pipeline forwards a read error of the file into the gunzip stream, so iteration throws it.
    pipeline(raw, gunzip, () => undefined);
    stream = gunzip;
  } else {
    stream = raw;
  }

  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNo = 0;
  let dropping = false;
  let first = true;

  function* handle(line: string): Generator<UnitTask | CorpusSkip> {
    lineNo++;
    line = recordLine(line, first);
    first = false;
    if (line.trim() === '') return;
    const r = parseJsonlRecord(line, file, src.root, lineNo, options);
    if ('unit' in r) {
      yield { kind: 'unit', unit: r.unit };
      return;
    }
    if (r.skip === 'jsonl-malformed' && stop) throw malformed(src, lineNo, r.detail);
    yield { kind: 'skip', path: `${file}:${lineNo}`, reason: r.skip, detail: r.detail };
  }

  try {
    for await (const chunk of stream) {
      const text = decoder.write(chunk as Buffer);
      let pos = 0;
      for (;;) {
        const nl = text.indexOf('\n', pos);
        if (nl < 0) {
          if (!dropping) {
            pending += text.slice(pos);
            if (pending.length > limit) {
              pending = '';
              dropping = true;
            }
          }
          break;
        }
        const part = text.slice(pos, nl);
        pos = nl + 1;
        if (dropping) {
          lineNo++;
          dropping = false;
          yield tooLong(file, lineNo, limit);
          continue;
        }
        const line = pending + part;
        pending = '';
        if (line.length > limit) {
          lineNo++;
          yield tooLong(file, lineNo, limit);
          continue;
        }
        yield* handle(line);
      }
    }
    const rest = pending + decoder.end();
    if (dropping) {
      lineNo++;
      yield tooLong(file, lineNo, limit);
    } else if (rest.length > 0) {
      yield* handle(rest);
    }
  } catch (err) {
    if (err instanceof EngineError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const where = `${file}:${lineNo + 1}`;
    if (stop) {
      throw new EngineError(
        ERROR_CODES.JSONL_MALFORMED,
        `${where}: cannot read ${src.gzip ? 'gzip data' : 'the file'}: ${message}. Re-download or re-compress the file.`,
        { file: src.absPath, line: lineNo + 1 },
        { cause: err },
      );
    }
    const s = skipOf(err);
    yield { kind: 'skip', path: where, reason: s, detail: `${src.gzip && s === 'archive-corrupt' ? 'gzip: ' : ''}${message}; records after line ${lineNo} were not read` };
  } finally {
    raw.destroy();
  }
}

/**
 * The lines of a JSONL file (gunzipped when `gzip`), read whole with blocking reads, for reading
 * a few records again by line number: line n is at index n − 1, numbered as `expandJsonl` numbers
 * them. Throws the `fs` or `zlib` error.
 */
export function readJsonlLinesSync(absPath: string, gzip: boolean): string[] {
  const bytes = fs.readFileSync(absPath);
  return (gzip ? gunzipSync(bytes) : bytes).toString('utf8').split('\n');
}

/** The `code` of the record on line `lineNo` (1-based) of `lines`, or undefined when that line holds no record with code. */
export function jsonlRecordCode(lines: readonly string[], lineNo: number): string | undefined {
  const line = lines[lineNo - 1];
  if (line === undefined) return undefined;
  const parsed = parseJsonlObject(recordLine(line, lineNo === 1));
  return 'record' in parsed && typeof parsed.record.code === 'string' ? parsed.record.code : undefined;
}

function skipOf(err: unknown): 'archive-corrupt' | 'unreadable' {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  return code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED' ? 'archive-corrupt' : 'unreadable';
}

function tooLong(file: string, lineNo: number, limit: number): CorpusSkip {
  return { kind: 'skip', path: `${file}:${lineNo}`, reason: 'too-large', detail: `line longer than ${limit} characters` };
}

function malformed(src: JsonlSource, lineNo: number, detail: string): EngineError {
  return new EngineError(
    ERROR_CODES.JSONL_MALFORMED,
    `${src.file}:${lineNo}: malformed JSONL line (${detail}). Fix or delete the line, or let memaudit skip malformed lines (JSONL error mode "skip").`,
    { file: src.absPath, line: lineNo },
  );
}
