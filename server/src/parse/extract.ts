/**
 * The extractor: source text in, one `ExtractedSample` per method out.
 *
 * Per unit: parse (memaudit's flat addon, the tree-sitter binding or web-tree-sitter: `backend.ts`); find the method
 * declarations with their names and bodies, as the language's query (`queries/<lang>/methods.scm`)
 * captures them; drop declarations with a syntax error inside them, without a body, or (by
 * setting) constructors; flatten each outermost kept method's subtree once into typed arrays
 * (`flatten.ts`); then, for it and every kept method nested in it, read the body tokens, the
 * path-contexts (`paths.ts`) and a Python docstring from the arrays without touching the tree
 * again. Javadoc and Ruby comments are the comments just before the declaration (`docs.ts`).
 *
 * Finding the declarations: on a file without syntax errors, one walk of the file does it all
 * (`FlatTree.buildFile`), following the query's patterns as `queryshape.ts` reads them from the
 * `.scm` file; the query engine runs only on files with syntax errors (inside ERROR nodes only it
 * knows what matches), for a query of another shape, or when the walk meets what it cannot decide
 * as the query would. Both ways give the same samples, in the same order, and intern the same
 * tokens and paths in the same order (`test/unit/parse/queryshape.test.ts`).
 *
 * `extract` is synchronous once the extractor exists, so a worker thread can call it in a loop.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { BACKEND_KINDS, loadBackend, type Backend, type BackendKind, type BackendLoaders, type ParsedTree } from './backend';
import type { TsNode } from './backend-types';
import { leadingDoc, leadingDocOfRun } from './docs';
import { CommentRuns, DeclTable, FlatTree, LabelTable, TokenInterner, TypeTable } from './flatten';
import { sampleId } from './ids';
import { LANGUAGES, loadQuerySource, typesWithout, type LanguageSpec } from './languages';
import { cleanDocstring } from './lexemes';
import { PathContexts } from './paths';
import { parseQueryShape, type QueryShape } from './queryshape';
import { LineIndex } from './positions';
import {
  LANGUAGE_IDS,
  METHOD_NAME_PLACEHOLDER,
  StringTable,
  type ExtractedSample,
  type LanguageId,
  type SampleOrigin,
  type SourceRange,
  type StringTables,
} from './sample';
import { prepareSnippet, type PreparedText } from './snippet';
import { splitSubtokens } from './subtokens';

/** What to extract; resolved per request (no global settings). */
export interface ExtractSettings {
  /** Java constructors are samples too (default false: their "name" is the class name). */
  includeConstructors: boolean;
  /** Path-contexts kept per method (code2vec: 200), sampled deterministically beyond that. */
  maxContexts: number;
  /** Most nodes on a path, both terminals included (code2vec: 8). */
  maxPathLength: number;
  /** Largest difference of child indices at the paths' top node (code2vec: 2). */
  maxPathWidth: number;
}

/** code2vec's settings; constructors excluded. */
export const DEFAULT_EXTRACT_SETTINGS: ExtractSettings = Object.freeze({
  includeConstructors: false,
  maxContexts: 200,
  maxPathLength: 8,
  maxPathWidth: 2,
});

/** One unit of source: a file, or one JSONL record's method (`snippet`). */
export interface SourceUnit {
  origin: SampleOrigin;
  language: LanguageId;
  text: string;
  /** The text is a single method (CodeSearchNet `code`), not a file; see `snippet.ts`. */
  snippet?: boolean;
  /** JSONL docstring: the doc of the snippet's method (it wins over a doc found in the code). */
  doc?: string;
  /** JSONL `func_name` (`Foo.bar` or `bar`): checked against the parsed name, which is the one used. */
  funcName?: string;
}

/** Samples of one unit and what was skipped. */
export interface UnitResult {
  samples: ExtractedSample[];
  /** Declarations with an ERROR or MISSING node inside them (skipped). */
  methodsWithErrors: number;
  /** Declarations without a body: Java interface, abstract and native methods (skipped). */
  bodiless: number;
  /** The unit has a syntax error somewhere (possibly outside every method). */
  hadSyntaxErrors: boolean;
  /** Constructors skipped because `includeConstructors` is false. */
  skippedConstructors?: number;
  /** Snippet mode: samples whose parsed name differs from the last segment of `funcName`. */
  nameMismatches?: number;
}

/** An extractor bound to one loaded backend and one pair of string tables. */
export interface Extractor {
  readonly backend: BackendKind;
  /** Why a faster backend is not used, when `auto` did not get native-flat. */
  readonly fallbackReason?: string;
  readonly tables: StringTables;
  extract(unit: SourceUnit, settings: ExtractSettings): UnitResult;
  /** Parse only, for the bench's raw parse rate. */
  parseOnly(text: string, language: LanguageId): void;
}

/** Options of `createExtractor`. */
export interface CreateExtractorOptions {
  /** `auto` (default): native-flat, else native, else wasm. Defaults to env `MEMAUDIT_PARSER` when set. */
  backend?: BackendChoice;
  /** Tables to intern into (fresh ones by default). */
  tables?: StringTables;
  /** Replaces how the bindings are loaded (tests simulate a binding that does not load). */
  loaders?: BackendLoaders;
  /**
   * `false`: always find declarations by running the query engine, never by the file walk that
   * follows the query's shape (tests compare the two; the output is the same, only slower).
   */
  queryShapes?: boolean;
}

export type { BackendKind } from './backend';

/** A backend, or `auto`: the fastest that loads. */
export type BackendChoice = 'auto' | BackendKind;

/** Valid values of `--parser` and `MEMAUDIT_PARSER`. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_KINDS];

function backendChoice(opts: CreateExtractorOptions): BackendChoice {
  if (opts.backend !== undefined) return opts.backend;
  const env = process.env['MEMAUDIT_PARSER'];
  if (env === undefined || env === '') return 'auto';
  if ((BACKEND_CHOICES as readonly string[]).includes(env)) return env as BackendChoice;
  throw new EngineError(ERROR_CODES.CONFIG, `MEMAUDIT_PARSER is "${env}"; valid values are ${BACKEND_CHOICES.join(', ')}.`, { field: 'MEMAUDIT_PARSER' });
}

/**
 * Loads a backend (the fastest that loads unless told otherwise) and returns an extractor. Throws
 * `E_PARSER_UNAVAILABLE` when no backend loads (or the forced one does not).
 */
export async function createExtractor(opts: CreateExtractorOptions = {}): Promise<Extractor> {
  const { backend, fallbackReason } = await loadBackend(backendChoice(opts), opts.loaders);
  const tables = opts.tables ?? { tokens: new StringTable(), paths: new StringTable() };
  return new TreeSitterExtractor(backend, tables, fallbackReason, opts);
}

/** What `extract` knows of the unit at hand. */
interface UnitContext {
  unit: SourceUnit;
  settings: ExtractSettings;
  spec: LanguageSpec;
  prepared: PreparedText;
  types: TypeTable;
  result: UnitResult;
  /** Made on the first sample. */
  lines: LineIndex | undefined;
}

/** A declaration found by the query (or the file walk that stands for it). */
interface Candidate {
  /** Absent only for a walked file of a language whose documentation is not read from nodes. */
  node: TsNode | undefined;
  /** When found by the file walk: its index in the walk's `DeclTable` (-1 otherwise). */
  flat: number;
  /** UTF-16 offsets of the declaration in the parsed text. */
  start: number;
  end: number;
  isConstructor: boolean;
  name: string;
  hasBody: boolean;
  /** Set when the documentation was read already (by the file walk): the doc, or undefined. */
  doc?: { value: string | undefined };
}

/**
 * Which declarations make samples, met in document order; counts the others. In snippet mode
 * only the outermost declaration can (the record's method).
 */
class Keeper {
  skippedConstructors = 0;
  methodsWithErrors = 0;
  bodiless = 0;
  private outerEnd = -1;

  constructor(
    private readonly unit: SourceUnit,
    private readonly settings: ExtractSettings,
    private readonly missingBody: 'bodiless' | 'empty',
  ) {}

  reset(): void {
    this.skippedConstructors = 0;
    this.methodsWithErrors = 0;
    this.bodiless = 0;
    this.outerEnd = -1;
  }

  keep(c: Candidate): boolean {
    const nested = c.start < this.outerEnd;
    if (!nested) this.outerEnd = c.end;
    if (this.unit.snippet && nested) return false;
    if (c.isConstructor && !this.settings.includeConstructors) {
      this.skippedConstructors++;
    } else if (c.node !== undefined && c.node.hasError) {
      // (Declarations found by the file walk have no node here: their file has no error.)
      this.methodsWithErrors++;
    } else if (!c.hasBody && this.missingBody === 'bodiless') {
      this.bodiless++;
    } else {
      return true;
    }
    return false;
  }
}

/** The declarations of a tree by running the language's query over it. */
function queryCandidates(tree: ParsedTree): Candidate[] {
  const candidates: Candidate[] = [];
  for (const match of tree.matches()) {
    let decl: TsNode | undefined;
    let isConstructor = false;
    let name: TsNode | undefined;
    let body: TsNode | undefined;
    for (const capture of match.captures) {
      const node = capture.node;
      switch (capture.name) {
        case 'method':
        case 'constructor':
          decl = node;
          isConstructor = capture.name === 'constructor';
          break;
        case 'name':
          name = node;
          break;
        case 'body':
          body = node;
          break;
      }
    }
    if (decl !== undefined) {
      candidates.push({ node: decl, flat: -1, start: decl.startIndex, end: decl.endIndex, isConstructor, name: name?.text ?? '', hasBody: body !== undefined });
    }
  }
  // Matches come grouped by pattern; samples come in document order.
  candidates.sort((a, b) => a.start - b.start);
  return candidates;
}

/**
 * The query shape of each language (`queryshape.ts`), or undefined when its query has another
 * shape or captures node types the registry does not list as methods or constructors.
 */
function queryShape(language: LanguageId): QueryShape | undefined {
  const shape = parseQueryShape(loadQuerySource(language));
  if (typeof shape === 'string') return undefined;
  const spec = LANGUAGES[language];
  const declTypes = new Set<string>([...spec.nodeTypes.methods, ...spec.nodeTypes.constructors]);
  return shape.every((p) => declTypes.has(p.type)) ? shape : undefined;
}

function validSettings(s: ExtractSettings): void {
  const bad = (field: string, why: string) => new EngineError(ERROR_CODES.CONFIG, `extract setting ${field} ${why}`, { field });
  if (!Number.isInteger(s.maxContexts) || s.maxContexts < 0) throw bad('maxContexts', `must be an integer ≥ 0 (got ${s.maxContexts})`);
  if (!Number.isInteger(s.maxPathLength) || s.maxPathLength < 3) throw bad('maxPathLength', `must be an integer ≥ 3 (got ${s.maxPathLength})`);
  if (!Number.isInteger(s.maxPathWidth) || s.maxPathWidth < 1) throw bad('maxPathWidth', `must be an integer ≥ 1 (got ${s.maxPathWidth})`);
}

class TreeSitterExtractor implements Extractor {
  readonly backend: BackendKind;
  private readonly interner: TokenInterner;
  private readonly labels = new LabelTable();
  private readonly types: Record<LanguageId, TypeTable>;
  private readonly commentTypes: Record<LanguageId, ReadonlySet<string>>;
  private readonly flat = new FlatTree();
  private readonly paths: PathContexts;
  private readonly placeholder: number;
  /** Reused buffer of body tokens (the sample gets an exact copy). */
  private scratch = new Int32Array(1024);

  private readonly decls = new DeclTable();
  private readonly commentRuns = new CommentRuns();

  constructor(
    private readonly impl: Backend,
    readonly tables: StringTables,
    readonly fallbackReason: string | undefined,
    opts: CreateExtractorOptions,
  ) {
    this.backend = impl.kind;
    this.interner = new TokenInterner(tables.tokens);
    this.placeholder = tables.tokens.id(METHOD_NAME_PLACEHOLDER);
    const types = {} as Record<LanguageId, TypeTable>;
    const commentTypes = {} as Record<LanguageId, ReadonlySet<string>>;
    for (const id of LANGUAGE_IDS) {
      const shape = opts.queryShapes === false ? undefined : queryShape(id);
      types[id] = new TypeTable(LANGUAGES[id], this.labels, this.interner, shape, shape === undefined ? undefined : typesWithout(id, shape.map((p) => p.type)));
      commentTypes[id] = new Set<string>(LANGUAGES[id].nodeTypes.comments);
    }
    this.types = types;
    this.commentTypes = commentTypes;
    this.paths = new PathContexts(tables.paths, this.labels, impl.pathKernel);
  }

  parseOnly(text: string, language: LanguageId): void {
    this.impl.parseOnly(text, language);
  }

  extract(unit: SourceUnit, settings: ExtractSettings): UnitResult {
    validSettings(settings);
    const spec = LANGUAGES[unit.language];
    const prepared: PreparedText = unit.snippet ? prepareSnippet(unit.text, spec.snippet) : { text: unit.text, lineShift: 0 };
    const text = prepared.text;
    const tree = this.impl.parse(text, unit.language);
    try {
      const result: UnitResult = {
        samples: [],
        methodsWithErrors: 0,
        bodiless: 0,
        hadSyntaxErrors: tree.root.hasError,
        skippedConstructors: 0,
        nameMismatches: 0,
      };

      // The declarations: found by a walk of the file when the query's shape allows and the file
      // has no syntax error (inside ERROR nodes only the query engine knows what matches), else by
      // running the query. Both decide which to keep the same way (`Keeper`), and make the same
      // samples in the same order.
      const u: UnitContext = { unit, settings, spec, prepared, types: this.types[unit.language], result, lines: undefined };
      const keeper = new Keeper(unit, settings, spec.missingBody);
      if (result.hadSyntaxErrors || !this.walkFile(tree, u, keeper)) {
        // (After a walk that gave up: its samples are made again, the same way.)
        result.samples.length = 0;
        result.nameMismatches = 0;
        keeper.reset();
        const kept: Candidate[] = [];
        for (const c of queryCandidates(tree)) if (keeper.keep(c)) kept.push(c);
        const flat = this.flat;
        let flatStart = -1;
        let flatEnd = -1;
        for (const c of kept) {
          if (c.start < flatStart || c.end > flatEnd) {
            flat.build(tree.cursorAt(c.node!), text, u.types, this.interner);
            flatStart = c.start;
            flatEnd = c.end;
          }
          const m = flat.methodAt(c.start);
          // A declaration inside a string literal of the method at hand (Ruby's "#{def x; end}"):
          // the flattened tree keeps the literal as one token, and the file walk does not enter
          // literals either, so it is not a sample on either path.
          if (m < 0 && c.start > flatStart && c.end <= flatEnd) continue;
          if (m < 0) throw new EngineError(ERROR_CODES.INTERNAL, `method at offset ${c.start} of ${unit.origin.file} not found in its flattened tree`);
          this.emit(u, c, m);
        }
      }
      result.skippedConstructors = keeper.skippedConstructors;
      result.methodsWithErrors = keeper.methodsWithErrors;
      result.bodiless = keeper.bodiless;
      return result;
    } finally {
      tree.dispose();
    }
  }

  /** Makes the sample of kept declaration `c`, flat node `m` of the flattened subtree at hand. */
  private emit(u: UnitContext, c: Candidate, m: number): void {
    const { unit, spec, prepared } = u;
    const text = prepared.text;
    u.lines ??= new LineIndex(text);
    const sample = this.sample(unit, c, m, prepared, u.lines, u.settings);
    if (spec.docStyle === 'docstring') {
      const at = this.flat.docstringOf(m, u.types, spec.docstringStatement ?? '');
      const doc = at === undefined ? '' : cleanDocstring(text.slice(at[0], at[1]));
      if (doc !== '') sample.doc = doc;
    } else {
      const doc = c.doc !== undefined ? c.doc.value : leadingDoc(spec.docStyle, c.node!, this.commentTypes[unit.language], text);
      if (doc !== undefined) sample.doc = doc;
    }
    if (unit.snippet) {
      if (unit.doc !== undefined && unit.doc !== '') sample.doc = unit.doc;
      if (unit.funcName !== undefined && unit.funcName.split('.').pop() !== sample.name) u.result.nameMismatches!++;
    }
    u.result.samples.push(sample);
  }

  /**
   * Finds the declarations by walking the file once the way the language's query shape says
   * (`queryshape.ts`), flattening the outermost kept ones on the way and making the samples of
   * each flattened subtree as soon as it is complete. False when the language has no usable
   * shape or the walk met what it cannot decide as the query would (then the query runs).
   */
  private walkFile(tree: ParsedTree, u: UnitContext, keeper: Keeper): boolean {
    const types = u.types;
    const shape = types.shape;
    if (shape === undefined) return false;
    const text = u.prepared.text;
    const docStyle = u.spec.docStyle;
    const decls = this.decls;
    const runs = docStyle === 'docstring' ? undefined : this.commentRuns;
    decls.comments = runs;
    const pending: Candidate[] = [];
    decls.flatten = (d, cursor, depth) => {
      if (decls.matched[d] === 0) return false;
      const nameAt = decls.nameAt[d]!;
      const c: Candidate = {
        node: undefined,
        flat: d,
        start: decls.start[d]!,
        end: decls.end[d]!,
        isConstructor: shape[decls.shape[d]!]!.capture === 'constructor',
        name: nameAt >= 0 ? text.slice(decls.nameStart[d]!, decls.nameEnd[d]!) : '',
        hasBody: decls.bodyAt[d]! >= 0,
      };
      if (!keeper.keep(c)) return false;
      if (runs !== undefined && docStyle !== 'docstring') {
        // From the comments the walk met before the declaration; when it is the first named
        // node of its level, `leadingDoc` looks above it, from the node.
        if (runs.hasPrevious(depth)) c.doc = { value: leadingDocOfRun(docStyle, c.start, runs.start, runs.end, runs.runStart(depth), runs.top, text) };
        else c.node = cursor.currentNode;
      }
      pending.push(c);
      return true;
    };
    decls.done = () => {
      if (decls.irregular) return false;
      for (const c of pending) this.emit(u, c, decls.flat[c.flat]!);
      pending.length = 0;
      return true;
    };
    this.flat.buildFile(tree.cursorAt(tree.root), text, types, this.interner, decls);
    return !decls.irregular;
  }

  private range(c: Candidate, prepared: PreparedText, lines: LineIndex): SourceRange {
    const map = (offset: number) => {
      const p = lines.position(offset);
      const line = p.line - prepared.lineShift;
      return { line, column: p.column + (prepared.removed?.[line] ?? 0) };
    };
    const s = map(c.start);
    const e = map(c.end);
    return { startLine: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column };
  }

  private sample(unit: SourceUnit, c: Candidate, m: number, prepared: PreparedText, lines: LineIndex, settings: ExtractSettings): ExtractedSample {
    const flat = this.flat;
    const name = c.name;
    const range = this.range(c, prepared, lines);
    const id = sampleId(unit.language, unit.origin, range.startLine, range.startColumn, name);

    // Body tokens: the leaves of the body, in order; the method's own name becomes the placeholder.
    const body = flat.bodyOf[m]!;
    let count = 0;
    if (body >= 0) {
      const bodyEnd = flat.end[body]!;
      // The body's tokens are at most the pool's tokens from its first leaf on.
      if (this.scratch.length < flat.poolLen) this.scratch = new Int32Array(2 * flat.poolLen);
      const out = this.scratch;
      for (let i = body; i < bodyEnd; i++) {
        const len = flat.tokLen[i]!;
        if (len === 0) continue;
        if (flat.spells(i, name)) {
          out[count++] = this.placeholder;
        } else {
          const off = flat.tokOff[i]!;
          for (let k = 0; k < len; k++) out[count++] = flat.pool[off + k]!;
        }
      }
    }
    const bodyTokens = this.scratch.slice(0, count);

    // Terminals standing for the name: the declared name node itself (a Ruby setter or operator
    // name is not a single identifier) and any identifier spelled like it.
    const nameNode = flat.nameOf[m]!;
    const nameEnd = nameNode >= 0 ? flat.end[nameNode]! : -1;
    const isName = (i: number): boolean => {
      if (i >= nameNode && i < nameEnd) return true;
      return flat.spells(i, name);
    };
    const contexts = this.paths.compute(flat, m, settings, this.placeholder, isName, id);

    return {
      id,
      language: unit.language,
      origin: unit.origin,
      range,
      name,
      nameSubtokens: splitSubtokens(name),
      bodyTokens,
      contexts,
    };
  }
}
