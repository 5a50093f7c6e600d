/**
 * `generateCorpus`: a deterministic corpus of realistic Java, Python and Ruby files whose method
 * names follow from their bodies, with the list of every method (name, family, whether it is
 * ambiguous, and where it is). Used as memaudit's built-in demo corpus and by tests, so that
 * nothing third-party is shipped.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import { LANGUAGE_IDS, type LanguageId } from '../parse/sample';
import { renderJava } from './java';
import { planLanguage } from './plan';
import { SynthRng } from '../util/rng';
import { ProjectAllocator } from './projects';
import { renderPython } from './python';
import type { GeneratedMethod, RenderedFile } from './render';
import { renderRuby } from './ruby';
import { DOMAINS, FAMILIES, type Family } from './vocab';

/** Options of `generateCorpus`. */
export interface GenerateOptions {
  /** Any safe integer; the same seed and options give byte-identical output everywhere. */
  seed: number;
  /** Total number of methods (samples), split as evenly as possible across the languages. */
  methods: number;
  /** Languages to generate (default all three). */
  languages?: readonly LanguageId[];
  /**
   * Share of methods whose body fits two names equally well, in [0, 1] (default 0.05). Met
   * exactly (rounded per language) up to about 0.7; beyond that, constructors and name clashes
   * within a file leave fewer methods that can be made ambiguous.
   */
  ambiguity?: number;
  /**
   * Methods per file, [min, max] (default [3, 10]). A file has fewer when it is the last of its
   * language, or when max exceeds the distinct methods of its kind (16 for an entity, 20 for a
   * service, plus a Python or Ruby constructor).
   */
  methodsPerFile?: readonly [number, number];
  /**
   * Business domains to draw names from, 1 to 12. The label vocabulary grows with it (about 30
   * names per domain and language), so the default, `methods per language / 250` clamped to
   * [2, 12], keeps each name repeated about eight times on average.
   */
  domains?: number;
}

/** The options after defaults, recorded in the manifest. */
export interface ResolvedGenerateOptions {
  seed: number;
  methods: number;
  languages: LanguageId[];
  ambiguity: number;
  methodsPerFile: [number, number];
  domains: number;
}

/** A generated source file; `path` is relative to the corpus root, with forward slashes. */
export interface GeneratedFile {
  path: string;
  language: LanguageId;
  text: string;
}

/** A generated corpus. */
export interface Corpus {
  files: GeneratedFile[];
  /** Every method with a body, in file order then line order. */
  methods: GeneratedMethod[];
  options: ResolvedGenerateOptions;
}

const DEFAULT_AMBIGUITY = 0.05;
const DEFAULT_METHODS_PER_FILE: [number, number] = [3, 10];

/** Name of the manifest `writeCorpus` puts next to the sources. */
export const MANIFEST_FILE = 'memaudit-synth.json';

function configError(message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, message);
}

/** Validates options and fills in defaults. */
export function resolveGenerateOptions(o: GenerateOptions): ResolvedGenerateOptions {
  if (!Number.isSafeInteger(o.seed)) throw configError(`seed must be an integer (got ${o.seed})`);
  if (!Number.isInteger(o.methods) || o.methods < 0) throw configError(`methods must be an integer ≥ 0 (got ${o.methods})`);
  const requested = o.languages ?? LANGUAGE_IDS;
  for (const l of requested) if (!(LANGUAGE_IDS as readonly string[]).includes(l)) throw configError(`unknown language '${l}': use ${LANGUAGE_IDS.join(', ')}`);
  // Canonical order, so that ['ruby', 'java'] and ['java', 'ruby'] give the same corpus.
  const languages = LANGUAGE_IDS.filter((l) => requested.includes(l));
  if (languages.length === 0) throw configError(`languages must name at least one of ${LANGUAGE_IDS.join(', ')}`);
  const ambiguity = o.ambiguity ?? DEFAULT_AMBIGUITY;
  if (!(ambiguity >= 0 && ambiguity <= 1)) throw configError(`ambiguity must be between 0 and 1 (got ${ambiguity})`);
  const [lo, hi] = o.methodsPerFile ?? DEFAULT_METHODS_PER_FILE;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) {
    throw configError(`methodsPerFile must be two integers 1 ≤ min ≤ max (got [${lo}, ${hi}])`);
  }
  const perLanguage = Math.ceil(o.methods / languages.length);
  const domains = o.domains ?? Math.min(DOMAINS.length, Math.max(2, Math.floor(perLanguage / 250)));
  if (!Number.isInteger(domains) || domains < 1 || domains > DOMAINS.length) throw configError(`domains must be an integer from 1 to ${DOMAINS.length} (got ${domains})`);
  return { seed: o.seed, methods: o.methods, languages: [...languages], ambiguity, methodsPerFile: [lo, hi], domains };
}

const RENDERERS = { java: renderJava, python: renderPython, ruby: renderRuby } as const satisfies Record<LanguageId, unknown>;

/**
 * Generates a corpus. Each language draws from its own random streams (derived from the seed and
 * the language's name), so adding or removing a language leaves the others' files unchanged.
 */
export function generateCorpus(options: GenerateOptions): Corpus {
  const o = resolveGenerateOptions(options);
  const root = new SynthRng(o.seed);
  const domains = root.fork('domains').shuffle([...DOMAINS]).slice(0, o.domains);
  const files: GeneratedFile[] = [];
  const methods: GeneratedMethod[] = [];
  o.languages.forEach((language, k) => {
    const count = Math.floor(o.methods / o.languages.length) + (k < o.methods % o.languages.length ? 1 : 0);
    const plans = planLanguage(language, { methods: count, domains, methodsPerFile: o.methodsPerFile, ambiguity: o.ambiguity }, root.fork(`plan:${language}`));
    const rng = root.fork(`render:${language}`);
    const projects = new ProjectAllocator(root.fork(`projects:${language}`));
    for (const plan of plans) {
      const rendered: RenderedFile[] = RENDERERS[language](plan, rng, projects);
      for (const r of rendered) {
        const p = `${language}/${r.path}`;
        files.push({ path: p, language, text: r.text });
        for (const m of r.methods) methods.push({ ...m, file: p });
      }
    }
  });
  return { files, methods, options: o };
}

/** Counts for summaries: files and methods per language, methods per family, distinct names. */
export interface CorpusSummary {
  files: number;
  methods: number;
  ambiguous: number;
  byLanguage: Partial<Record<LanguageId, { files: number; methods: number; names: number }>>;
  families: Partial<Record<Family, number>>;
}

export function summarizeCorpus(c: Corpus): CorpusSummary {
  const byLanguage: CorpusSummary['byLanguage'] = {};
  const names = new Map<LanguageId, Set<string>>();
  for (const l of c.options.languages) {
    byLanguage[l] = { files: 0, methods: 0, names: 0 };
    names.set(l, new Set());
  }
  for (const f of c.files) byLanguage[f.language]!.files++;
  // A Map, not an object: a family is named 'constructor', which every object already has.
  const familyCounts = new Map<Family, number>();
  let ambiguous = 0;
  for (const m of c.methods) {
    byLanguage[m.language]!.methods++;
    names.get(m.language)!.add(m.name);
    familyCounts.set(m.family, (familyCounts.get(m.family) ?? 0) + 1);
    if (m.ambiguous) ambiguous++;
  }
  for (const [l, set] of names) byLanguage[l]!.names = set.size;
  const families: CorpusSummary['families'] = {};
  for (const f of FAMILIES) {
    const n = familyCounts.get(f);
    if (n !== undefined) families[f] = n;
  }
  return { files: c.files.length, methods: c.methods.length, ambiguous, byLanguage, families };
}

/**
 * Writes the files under `dir` (created when missing), each through a temporary file and a
 * rename so that no reader sees half a file, and then the manifest (`memaudit-synth.json`: the
 * options and the method list) unless `manifest` is false. Existing files of the same names are
 * replaced; other files are left alone.
 */
export async function writeCorpus(dir: string, corpus: Corpus, opts: { manifest?: boolean } = {}): Promise<void> {
  const made = new Set<string>();
  const write = async (rel: string, text: string) => {
    const target = path.join(dir, ...rel.split('/'));
    const parent = path.dirname(target);
    if (!made.has(parent)) {
      await fs.mkdir(parent, { recursive: true });
      made.add(parent);
    }
    const tmp = `${target}.tmp-${process.pid}`;
    await fs.writeFile(tmp, text, 'utf8');
    await fs.rename(tmp, target);
  };
  for (const f of corpus.files) await write(f.path, f.text);
  if (opts.manifest !== false) {
    const manifest = { generator: 'memaudit-synth', version: 1, options: corpus.options, summary: summarizeCorpus(corpus), methods: corpus.methods };
    await write(MANIFEST_FILE, `${JSON.stringify(manifest, null, 1)}\n`);
  }
}
