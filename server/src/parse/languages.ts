/**
 * The language registry: everything the extractor knows about a language lives in one entry
 * here (file extensions, how to load its grammar natively and as WebAssembly, which query files
 * find its methods, and the node-type tables that steer token and path-context extraction).
 * Adding a language means adding an entry, its `queries/<lang>/*.scm` files and its fixtures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { engineAsset } from '../assets';
import type { LanguageId } from './sample';

/** Node-type tables of one grammar, by node type name (as tree-sitter reports it). */
export interface NodeTypeTables {
  /** Declarations that produce a sample (when they have a body). */
  readonly methods: readonly string[];
  /** Declarations that produce a sample only when `includeConstructors` is set. */
  readonly constructors: readonly string[];
  /** Comments: never part of body tokens or path-contexts. */
  readonly comments: readonly string[];
  /**
   * String-like literals, taken as one token (normalized, see `lexemes.ts`) without descending
   * into their children (fragments, escapes, interpolations).
   */
  readonly strings: readonly string[];
  /** Names: split into subtokens for the body; the whole name is a path-context terminal. */
  readonly identifiers: readonly string[];
  /** Numeric literals. */
  readonly numbers: readonly string[];
  /**
   * Expression nodes whose path-context label carries their operator (`binary_expression:+`),
   * as code2vec's Java extractor does; without it `a+b` and `a*b` would share every path.
   */
  readonly operatorNodes: readonly string[];
}

/** How a method's documentation is found. */
export type DocStyle =
  /** A `/** … *\/` block comment just before the declaration (only whitespace between). */
  | 'javadoc'
  /** Consecutive `#` line comments ending on the line above the declaration. */
  | 'hash-comments'
  /** The first statement of the body when it is a string literal. */
  | 'docstring';

/** How a JSONL `code` field (one method) is made parsable on its own. */
export interface SnippetRule {
  /** Text put before the code (must end with a newline, so the code starts at column 0). */
  readonly prefix: string;
  /** Text put after the code. */
  readonly suffix: string;
  /** Remove the indentation common to every non-blank line (Python snippets cut from a class). */
  readonly dedent: boolean;
}

/** One language of the registry. */
export interface LanguageSpec {
  readonly id: LanguageId;
  /** File extensions, lower-case with the dot. */
  readonly extensions: readonly string[];
  /**
   * Loads the grammar's native language object (for the native binding). Called only when the
   * native backend loads: a grammar whose addon does not load sends the extractor to wasm.
   */
  readonly nativeGrammar: () => unknown;
  /** Absolute path of the grammar's `.wasm` build (for the web-tree-sitter fallback). */
  readonly wasmPath: () => string;
  /**
   * Absolute path of the grammar's `node-types.json` (which node types can be children of
   * which): the file walk passes over nodes that cannot hold a declaration without entering them.
   */
  readonly nodeTypesPath: () => string;
  /** Query files under `queries/<id>/`, concatenated into one query. */
  readonly queryFiles: readonly string[];
  /** Field name of a method's body in the grammar. */
  readonly bodyField: string;
  /** Field name of a method's name in the grammar. */
  readonly nameField: string;
  readonly docStyle: DocStyle;
  /** With `docstring`: the statement type that holds a bare expression (the docstring's parent). */
  readonly docstringStatement?: string;
  /**
   * What a method without a body node is: `bodiless` (Java interface and abstract methods:
   * skipped and counted) or `empty` (Ruby `def x; end`: a sample with an empty body).
   */
  readonly missingBody: 'bodiless' | 'empty';
  /**
   * Text that starts code inside a string-like literal (Ruby's `#{`, Java's `\{` of string
   * templates), where a declaration could hide. The file walk does not enter literals: it enters
   * those holding this text outside the flattened methods, and gives the file over to the query
   * engine when one inside a flattened method holds a declaration. Absent when no declaration can
   * be written inside a literal (Python: an f-string holds expressions, and `def` is a statement).
   */
  readonly codeInStrings?: string;
  /**
   * The ASCII characters that can continue a node of the `identifiers` types, when every such
   * node is one token of the grammar's word rule (or a keyword aliased to it), so that its text
   * is the longest run of identifier characters from its start. The walk of an error-free file
   * then finds where an identifier ends by scanning the text, up to an ASCII character outside
   * the set (at a non-ASCII one it asks tree-sitter), which saves a call into the parser per
   * identifier. Absent: always ask (Ruby: `foo?`, `@x`, `:sym` are identifiers too).
   */
  readonly identifierChars?: RegExp;
  readonly snippet: SnippetRule;
  readonly nodeTypes: NodeTypeTables;
}

function grammarWasm(pkg: string): () => string {
  return () => require.resolve(`${pkg}/${pkg}.wasm`);
}

function grammarNodeTypes(pkg: string): () => string {
  return () => require.resolve(`${pkg}/src/node-types.json`);
}

/** The registry. `satisfies` keeps each entry's literal types while checking it is complete. */
export const LANGUAGES = {
  java: {
    id: 'java',
    extensions: ['.java'],
    nativeGrammar: () => require('tree-sitter-java'),
    wasmPath: grammarWasm('tree-sitter-java'),
    nodeTypesPath: grammarNodeTypes('tree-sitter-java'),
    queryFiles: ['methods.scm'],
    bodyField: 'body',
    nameField: 'name',
    docStyle: 'javadoc',
    missingBody: 'bodiless',
    codeInStrings: '\\{',
    // identifier: /[\p{XID_Start}_$][\p{XID_Continue}\u00A2_$]*/ (and keywords aliased to it).
    identifierChars: /[A-Za-z0-9_$]/,
    // A CodeSearchNet Java record is a bare method; a class around it makes it a valid unit.
    snippet: { prefix: 'class MemauditSnippet {\n', suffix: '\n}\n', dedent: false },
    nodeTypes: {
      methods: ['method_declaration'],
      constructors: ['constructor_declaration', 'compact_constructor_declaration'],
      comments: ['line_comment', 'block_comment'],
      strings: ['string_literal', 'character_literal'],
      identifiers: ['identifier', 'type_identifier'],
      numbers: [
        'decimal_integer_literal',
        'hex_integer_literal',
        'octal_integer_literal',
        'binary_integer_literal',
        'decimal_floating_point_literal',
        'hex_floating_point_literal',
      ],
      operatorNodes: ['binary_expression', 'unary_expression', 'assignment_expression', 'update_expression'],
    },
  },
  python: {
    id: 'python',
    extensions: ['.py', '.pyi'],
    nativeGrammar: () => require('tree-sitter-python'),
    wasmPath: grammarWasm('tree-sitter-python'),
    nodeTypesPath: grammarNodeTypes('tree-sitter-python'),
    queryFiles: ['methods.scm'],
    bodyField: 'body',
    nameField: 'name',
    docStyle: 'docstring',
    docstringStatement: 'expression_statement',
    missingBody: 'bodiless',
    // identifier: /[_\p{XID_Start}][_\p{XID_Continue}]*/ (and keywords aliased to it).
    identifierChars: /[A-Za-z0-9_]/,
    snippet: { prefix: '', suffix: '', dedent: true },
    nodeTypes: {
      methods: ['function_definition'],
      constructors: [],
      comments: ['comment'],
      strings: ['string', 'concatenated_string'],
      identifiers: ['identifier'],
      numbers: ['integer', 'float'],
      operatorNodes: ['binary_operator', 'boolean_operator', 'comparison_operator', 'unary_operator', 'augmented_assignment'],
    },
  },
  ruby: {
    id: 'ruby',
    extensions: ['.rb'],
    nativeGrammar: () => require('tree-sitter-ruby'),
    wasmPath: grammarWasm('tree-sitter-ruby'),
    nodeTypesPath: grammarNodeTypes('tree-sitter-ruby'),
    queryFiles: ['methods.scm'],
    bodyField: 'body',
    nameField: 'name',
    docStyle: 'hash-comments',
    missingBody: 'empty',
    codeInStrings: '#{',
    snippet: { prefix: '', suffix: '', dedent: false },
    nodeTypes: {
      methods: ['method', 'singleton_method'],
      constructors: [],
      comments: ['comment'],
      strings: [
        'string',
        'chained_string',
        'character',
        'delimited_symbol',
        'heredoc_beginning',
        'heredoc_body',
        'regex',
        'string_array',
        'subshell',
        'symbol_array',
      ],
      identifiers: [
        'identifier',
        'constant',
        'instance_variable',
        'class_variable',
        'global_variable',
        'simple_symbol',
        'hash_key_symbol',
      ],
      numbers: ['integer', 'float', 'rational', 'complex'],
      operatorNodes: ['binary', 'unary', 'operator_assignment'],
    },
  },
} as const satisfies Record<LanguageId, LanguageSpec>;

const byExtension = new Map<string, LanguageId>();
for (const spec of Object.values(LANGUAGES)) for (const ext of spec.extensions) byExtension.set(ext, spec.id);

/** The language of a file name by its extension (case-insensitive), or undefined. */
export function languageForPath(file: string): LanguageId | undefined {
  return byExtension.get(path.extname(file).toLowerCase());
}

/** Directory of a language's `.scm` files (copied next to the compiled code by the build). */
export function queryDir(language: LanguageId): string {
  return engineAsset('parse', 'queries', language);
}

/** One entry of a grammar's `node-types.json` (the parts read here). */
interface NodeTypeInfo {
  type: string;
  named: boolean;
  fields?: Record<string, { types: { type: string; named: boolean }[] }>;
  children?: { types: { type: string; named: boolean }[] };
  subtypes?: { type: string; named: boolean }[];
}

/**
 * The named node types of a language that can hold none of `types` anywhere below them, by the
 * grammar's `node-types.json` (children, fields and supertypes, transitively; extras such as
 * comments hold nothing). Empty when the file cannot be read: then every node may.
 */
export function typesWithout(language: LanguageId, types: readonly string[]): Set<string> {
  let info: NodeTypeInfo[];
  try {
    info = JSON.parse(fs.readFileSync(LANGUAGES[language].nodeTypesPath(), 'utf8')) as NodeTypeInfo[];
  } catch {
    return new Set();
  }
  const children = new Map<string, string[]>();
  for (const t of info) {
    if (!t.named) continue;
    const kids: string[] = [];
    for (const f of Object.values(t.fields ?? {})) for (const c of f.types) if (c.named) kids.push(c.type);
    for (const c of t.children?.types ?? []) if (c.named) kids.push(c.type);
    for (const c of t.subtypes ?? []) if (c.named) kids.push(c.type);
    children.set(t.type, kids);
  }
  const may = new Set<string>(types);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [t, kids] of children) {
      if (!may.has(t) && kids.some((k) => may.has(k))) {
        may.add(t);
        changed = true;
      }
    }
  }
  return new Set([...children.keys()].filter((t) => !may.has(t)));
}

/** Reads and concatenates a language's query files. */
export function loadQuerySource(language: LanguageId): string {
  const dir = queryDir(language);
  return LANGUAGES[language].queryFiles.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
}
