/**
 * Shared helpers of the parse tests: fixture discovery, one extractor per backend, and a
 * readable, table-independent form of a unit's result.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFlatBackend } from '../../../server/src/parse/backend';
import { createExtractor, DEFAULT_EXTRACT_SETTINGS, type BackendKind, type ExtractSettings, type Extractor, type UnitResult } from '../../../server/src/parse/extract';
import { languageForPath } from '../../../server/src/parse/languages';
import { materialize, type LanguageId, type Sample, type SourceRange } from '../../../server/src/parse/sample';

/** test/fixtures/parse, seen from the compiled tests in dist/test/unit/parse. */
export const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/parse');
export const SNAPSHOTS = path.join(FIXTURES, 'snapshots');

export interface Fixture {
  /** Path relative to FIXTURES, forward slashes (the samples' origin.file). */
  file: string;
  language: LanguageId;
  text: string;
}

/** Every source fixture, sorted by path. */
export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of ['java', 'python', 'ruby']) {
    for (const name of fs.readdirSync(path.join(FIXTURES, dir)).sort()) {
      const language = languageForPath(name);
      if (language === undefined) continue;
      out.push({ file: `${dir}/${name}`, language, text: fs.readFileSync(path.join(FIXTURES, dir, name), 'utf8') });
    }
  }
  return out;
}

/**
 * Why the flat addon's backend cannot be tested here (the addon was not built: no C compiler or
 * no Node headers when `npm run build` ran), or undefined when it can. Tests of it skip with this
 * reason instead of failing.
 */
export const FLAT_SKIP: string | undefined = (() => {
  try {
    loadFlatBackend();
    return undefined;
  } catch (e) {
    return `native-flat unavailable: ${e instanceof Error ? e.message : String(e)}`;
  }
})();

const extractors = new Map<string, Promise<Extractor>>();

/** One extractor per backend for the whole test file (creating the wasm one takes a while). */
export function extractor(backend: BackendKind): Promise<Extractor> {
  let ex = extractors.get(backend);
  if (ex === undefined) {
    ex = createExtractor({ backend });
    extractors.set(backend, ex);
  }
  return ex;
}

/** Extracts a text with default settings (overridable). */
export function run(ex: Extractor, language: LanguageId, text: string, file = 'inline', settings: Partial<ExtractSettings> = {}, extra: { snippet?: boolean; doc?: string; funcName?: string; jsonlLine?: number } = {}): UnitResult {
  const { jsonlLine, ...unitExtra } = extra;
  return ex.extract(
    { origin: { file, root: 0, ...(jsonlLine === undefined ? {} : { jsonlLine }) }, language, text, ...unitExtra },
    { ...DEFAULT_EXTRACT_SETTINGS, ...settings },
  );
}

/** Readable samples of a result. */
export function samplesOf(ex: Extractor, r: UnitResult): Sample[] {
  return r.samples.map((s) => materialize(s, ex.tables));
}

/** The text of `range` in `text` (0-based lines, UTF-16 columns). */
export function textAt(text: string, range: SourceRange): string {
  const lines = text.split('\n');
  const offset = (line: number, column: number): number => {
    let o = 0;
    for (let i = 0; i < line; i++) o += lines[i]!.length + 1;
    return o + column;
  };
  return text.slice(offset(range.startLine, range.startColumn), offset(range.endLine, range.endColumn));
}

/** A path-context as one line. */
export function contextLine(c: { start: string; path: string; end: string }): string {
  return `${c.start},${c.path},${c.end}`;
}

/** Number of nodes on a path string like `(a)^(b)_(c)`. */
export function pathLength(p: string): number {
  return p.split(/[\^_](?=\()/).length;
}

/**
 * The snapshot form of a unit: counts, and per sample everything but the path-contexts in full;
 * of those the first ten, their count and a hash of all (in order).
 */
export function snapshotOf(ex: Extractor, r: UnitResult): unknown {
  const { samples, ...counts } = r;
  return {
    ...counts,
    samples: samplesOf(ex, { ...r, samples }).map((s) => {
      const lines = s.pathContexts.map(contextLine);
      return {
        id: s.id,
        name: s.name,
        nameSubtokens: s.nameSubtokens,
        range: s.range,
        ...(s.doc === undefined ? {} : { doc: s.doc }),
        bodyTokens: s.bodyTokens.join(' '),
        contexts: {
          count: lines.length,
          sha1: createHash('sha1').update(lines.join('\n')).digest('hex'),
          first: lines.slice(0, 10),
        },
      };
    }),
  };
}
