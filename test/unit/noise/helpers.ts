/**
 * Shared helpers of the noise tests: corpora per language (the tricky fixtures, the parse
 * fixtures and a small synthetic corpus), extracted once per test file with the native backend
 * into a dataset whose every sample is in the training split, and the noise context over it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDataset, SampleColumns, type Dataset, type DatasetOptions } from '../../../server/src/dataset';
import { createExtractor, DEFAULT_EXTRACT_SETTINGS, type ExtractSettings, type Extractor } from '../../../server/src/parse/extract';
import type { ExtractedSample, LanguageId } from '../../../server/src/parse/sample';
import { createSourceEditor, type NoiseContext, type SourceEditor } from '../../../server/src/noise';
import { generateCorpus } from '../../../server/src/synth';
import { TRICKY } from './fixtures';

export const LANGUAGES: readonly LanguageId[] = ['java', 'python', 'ruby'];

/** test/fixtures/parse, seen from the compiled tests in dist/test/unit/noise. */
const PARSE_FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/parse');
const SHAPES: Record<LanguageId, string> = { java: 'java/Shapes.java', python: 'python/shapes.py', ruby: 'ruby/shapes.rb' };

/** A source unit of a test corpus. */
export interface Unit {
  file: string;
  language: LanguageId;
  text: string;
}

/** The units of one language: tricky fixtures, the parse fixture and synthetic files. */
export function unitsOf(language: LanguageId, syntheticMethods = 120): Unit[] {
  const units: Unit[] = [
    { ...TRICKY[language], language },
    { file: `shapes/${SHAPES[language]}`, language, text: fs.readFileSync(path.join(PARSE_FIXTURES, SHAPES[language]), 'utf8') },
  ];
  if (syntheticMethods > 0) {
    for (const f of generateCorpus({ seed: 11, methods: syntheticMethods, languages: [language] }).files) units.push({ file: f.path, language, text: f.text });
  }
  return units;
}

/** A corpus extracted into columns, with a dataset whose training split holds every kept sample. */
export interface TestCorpus {
  units: Unit[];
  columns: SampleColumns;
  dataset: Dataset;
  extractor: Extractor;
  editor: SourceEditor;
  settings: ExtractSettings;
  ctx: NoiseContext;
  /** The unit text of each sample. */
  textOf(index: number): string;
}

let shared: Promise<{ extractor: Extractor; editor: SourceEditor }> | undefined;

/** One extractor and editor per test file (each corpus interns into the same tables). */
function tools(): Promise<{ extractor: Extractor; editor: SourceEditor }> {
  shared ??= (async () => {
    const extractor = await createExtractor({ backend: 'native' });
    return { extractor, editor: await createSourceEditor({ extractor }) };
  })();
  return shared;
}

/** Extracts units and builds the corpus. */
export async function corpusOf(units: Unit[], options: { settings?: Partial<ExtractSettings>; dataset?: DatasetOptions } = {}): Promise<TestCorpus> {
  const { extractor, editor: base } = await tools();
  const settings = { ...DEFAULT_EXTRACT_SETTINGS, ...options.settings };
  const editor: SourceEditor = { ...base, settings };
  const samples: ExtractedSample[] = [];
  const texts = new Map<string, string>();
  for (const u of units) {
    texts.set(u.file, u.text);
    samples.push(...extractor.extract({ origin: { file: u.file, root: 0 }, language: u.language, text: u.text }, settings).samples);
  }
  const columns = SampleColumns.fromSamples(samples);
  const dataset = buildDataset(columns, extractor.tables, { ratios: { train: 1, val: 0, test: 0 }, nearDuplicates: false, ...options.dataset });
  const textOf = (i: number) => texts.get(columns.originOf(i).file)!;
  return { units, columns, dataset, extractor, editor, settings, ctx: { columns, dataset, editor, source: textOf }, textOf };
}

const byLanguage = new Map<string, Promise<TestCorpus>>();

/** The standard corpus of a language (cached per test file). */
export function corpus(language: LanguageId): Promise<TestCorpus> {
  let c = byLanguage.get(language);
  if (c === undefined) {
    c = corpusOf(unitsOf(language));
    byLanguage.set(language, c);
  }
  return c;
}

/** Where texts a and b differ: a = prefix + removed + suffix, b = prefix + inserted + suffix, with the longest common prefix and suffix. */
export function diff(a: string, b: string): { at: number; removed: string; inserted: string } {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  return { at: p, removed: a.slice(p, a.length - s), inserted: b.slice(p, b.length - s) };
}
