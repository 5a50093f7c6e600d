/**
 * The one seam to tree-sitter. Three backends expose the same small surface:
 *
 * - `native-flat`: memaudit's own addon (`native/flat.c`, see `flat.ts`), tree-sitter's core
 *   library compiled with a C walk that hands the whole tree over as typed arrays in one call;
 *   cursors and nodes are then plain JS over those arrays. Fastest; built by `npm run build` where
 *   a C compiler and Node's headers are found.
 * - `native`: the `tree-sitter` N-API binding, one call into native code per cursor move or read.
 * - `wasm`: `web-tree-sitter` with the grammars' `.wasm` builds (works wherever Node runs).
 *
 * `auto` takes the first that loads in that order and records why it skipped the others. No other
 * engine file imports `tree-sitter`, `web-tree-sitter` or the addon loader (`flat.ts`); tests do,
 * to simulate a backend that does not load.
 *
 * All three report positions in UTF-16 code units (they parse JS strings as UTF-16 and halve byte
 * offsets), so `startIndex`/`endIndex` index the JS string directly. Columns are recomputed from
 * those indices (`positions.ts`) instead of being read from tree-sitter points, which keeps the
 * backends identical by construction.
 */
import type NativeTs = require('tree-sitter');
import type * as WebTs from 'web-tree-sitter';
import { EngineError, ERROR_CODES } from '../errors';
import type { PathKernel, TsCursor, TsMatch, TsNode } from './backend-types';
import { decodeMatches, FlatColumns, FlatCursor, FlatLanguage, FlatNode, FlatSyntaxTree, loadFlatAddon, type FlatAddon, type FlatHandle } from './flat';
import { LANGUAGES, loadQuerySource } from './languages';
import { LANGUAGE_IDS, type LanguageId } from './sample';

/** Which binding parses. */
export type BackendKind = 'native-flat' | 'native' | 'wasm';

/** The backends, fastest first (the order `auto` tries them in). */
export const BACKEND_KINDS: readonly BackendKind[] = ['native-flat', 'native', 'wasm'];

/** A parsed unit. `dispose` must be called when done (web-tree-sitter trees live in wasm memory). */
export interface ParsedTree {
  readonly root: TsNode;
  /** Runs the language's query (`queries/<lang>/*.scm`) over the whole tree. */
  matches(): TsMatch[];
  /** A cursor positioned on `node`; it cannot move above it. Valid until the next call or `dispose`. */
  cursorAt(node: TsNode): TsCursor;
  dispose(): void;
}

/** A loaded backend: a parser and a compiled query per language. */
export interface Backend {
  readonly kind: BackendKind;
  parse(text: string, language: LanguageId): ParsedTree;
  /** Parses and drops the tree: the bench's raw parse rate. */
  parseOnly(text: string, language: LanguageId): void;
  /** The flat addon's C path-contexts, when this backend loaded the addon. */
  readonly pathKernel?: PathKernel;
}

/** Module loaders, replaceable so tests can simulate a binding that does not load. */
export interface BackendLoaders {
  flat?: () => FlatAddon;
  native?: () => typeof NativeTs;
  wasm?: () => typeof WebTs;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

function queryError(language: LanguageId, e: unknown): EngineError {
  return new EngineError(
    ERROR_CODES.INTERNAL,
    `The tree-sitter query of ${language} (server/src/parse/queries/${language}) does not load: ${describe(e)}. ` +
      'If the .scm files are missing from dist/, run `node scripts/copy-assets.js` after compiling.',
    { language },
    { cause: e },
  );
}

/** The flat addon's parser of one language, and which tree it holds (see `loadFlatBackend`). */
interface FlatParser {
  handle: FlatHandle;
  language: FlatLanguage;
  /** The query's capture names, once compiled (on first use: see `loadFlatBackend`). */
  captureNames: string[] | undefined;
  /** Generation of the tree the addon keeps for this parser (0: none). */
  holds: number;
}

/**
 * Loads memaudit's flat addon (`flat.ts`) and a parser of every language, and parses and walks a
 * tiny text with each, so that a grammar the addon cannot use shows here; each language's query
 * is compiled when first needed (a query the addon cannot compile is an E_INTERNAL error then).
 *
 * A parsed tree's columns are reused for a later tree once it is disposed. The addon keeps the
 * last tree of each language for `matches` (the query engine, run on files with syntax errors);
 * `matches` on an older tree parses its text again, which gives the same tree.
 */
export function loadFlatBackend(load: () => FlatAddon = () => loadFlatAddon()): Backend {
  const addon = load();
  const perLanguage = new Map<LanguageId, FlatParser>();
  // Queries compile when a language first needs one (a file with syntax errors, or a shape the
  // file walk cannot decide): Ruby's took 12 ms, a tenth of a worker's start-up, and most corpora
  // never need two of the three.
  const compileQuery = (id: LanguageId, handle: FlatHandle): string[] => {
    try {
      return addon.setQuery(handle, loadQuerySource(id));
    } catch (e) {
      throw queryError(id, e);
    }
  };
  let generation = 0;
  let spare: FlatColumns | undefined;
  const columns = (n: number): FlatColumns => {
    if (spare !== undefined && spare.cap >= n) {
      const c = spare;
      spare = undefined;
      return c;
    }
    // Room for twice the nodes: few files need a bigger buffer later.
    return new FlatColumns(Math.max(4096, 2 * n), addon.bytesPerNode);
  };
  const walk = (p: FlatParser, text: string): FlatSyntaxTree => {
    const n = addon.parse(p.handle, text);
    const cols = columns(n);
    const written = addon.walk(p.handle, cols.buffer, cols.cap);
    if (written !== n) throw new Error(`flat addon: walked ${written} nodes of a tree of ${n}`);
    p.holds = ++generation;
    return new FlatSyntaxTree(cols, n, text, p.language);
  };
  for (const id of LANGUAGE_IDS) {
    const grammar = (LANGUAGES[id].nativeGrammar() as { language?: unknown }).language;
    const p: FlatParser = { handle: addon.createParser(grammar), language: new FlatLanguage(addon.languageInfo(grammar)), captureNames: undefined, holds: 0 };
    walk(p, 'x');
    addon.release(p.handle);
    perLanguage.set(id, p);
  }
  return {
    kind: 'native-flat',
    pathKernel: addon,
    parse(text, language) {
      const p = perLanguage.get(language)!;
      const tree = walk(p, text);
      const gen = p.holds;
      return {
        root: tree.node(0),
        matches() {
          p.captureNames ??= compileQuery(language, p.handle);
          if (p.holds !== gen) {
            addon.parse(p.handle, text);
            p.holds = gen;
          }
          return decodeMatches(addon.matches(p.handle), p.captureNames, tree);
        },
        cursorAt(node) {
          if (!(node instanceof FlatNode) || node.tree !== tree) {
            throw new EngineError(ERROR_CODES.INTERNAL, 'cursorAt: the node is not from this tree');
          }
          return new FlatCursor(tree, node.index);
        },
        dispose() {
          if (p.holds === gen) {
            addon.release(p.handle);
            p.holds = 0;
          }
          if (spare === undefined || tree.cols.cap > spare.cap) spare = tree.cols;
        },
      };
    },
    parseOnly(text, language) {
      const p = perLanguage.get(language)!;
      addon.parse(p.handle, text);
      addon.release(p.handle);
      p.holds = 0;
    },
  };
}

/**
 * Loads the native binding and every grammar, and parses a tiny text with each, so that an ABI
 * mismatch shows here (as an exception) rather than in the middle of a corpus.
 */
export function loadNativeBackend(load: () => typeof NativeTs = () => require('tree-sitter') as typeof NativeTs): Backend {
  const Parser = load();
  const perLanguage = new Map<LanguageId, { parser: NativeTs; query: NativeTs.Query }>();
  for (const id of LANGUAGE_IDS) {
    const grammar = LANGUAGES[id].nativeGrammar() as NativeTs.Language;
    const parser = new Parser();
    parser.setLanguage(grammar);
    parser.parse('x');
    let query: NativeTs.Query;
    try {
      query = new Parser.Query(grammar, loadQuerySource(id));
    } catch (e) {
      throw queryError(id, e);
    }
    perLanguage.set(id, { parser, query });
  }
  return {
    kind: 'native',
    parse(text, language) {
      const { parser, query } = perLanguage.get(language)!;
      const tree = parser.parse(text);
      const root = tree.rootNode;
      return {
        root,
        matches: () => query.matches(root),
        // Not `cursor.reset(node)`: in tree-sitter 0.25.1 it does not pass its argument to native
        // code (it resets to whichever node was marshalled last). `node.walk()` does.
        cursorAt: (node) => (node as NativeTs.SyntaxNode).walk(),
        dispose() {
          // The native tree is freed by the garbage collector.
        },
      };
    },
    parseOnly(text, language) {
      perLanguage.get(language)!.parser.parse(text);
    },
  };
}

let wasmInit: Promise<void> | undefined;

/** Loads web-tree-sitter, its runtime `.wasm` and every grammar's `.wasm`. */
export async function loadWasmBackend(load: () => typeof WebTs = () => require('web-tree-sitter') as typeof WebTs): Promise<Backend> {
  const wts = load();
  if (wasmInit === undefined) {
    const runtime = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    wasmInit = wts.Parser.init({ locateFile: () => runtime });
    // A failed init must be retried by a later call, not replayed forever.
    wasmInit.catch(() => (wasmInit = undefined));
  }
  await wasmInit;
  const perLanguage = new Map<LanguageId, { parser: WebTs.Parser; query: WebTs.Query }>();
  for (const id of LANGUAGE_IDS) {
    const language = await wts.Language.load(LANGUAGES[id].wasmPath());
    const parser = new wts.Parser();
    parser.setLanguage(language);
    let query: WebTs.Query;
    try {
      query = new wts.Query(language, loadQuerySource(id));
    } catch (e) {
      throw queryError(id, e);
    }
    perLanguage.set(id, { parser, query });
  }
  return {
    kind: 'wasm',
    parse(text, language) {
      const { parser, query } = perLanguage.get(language)!;
      const tree = parser.parse(text);
      if (tree === null) {
        throw new EngineError(ERROR_CODES.INTERNAL, `web-tree-sitter returned no tree for a ${language} unit`, { language });
      }
      const root = tree.rootNode;
      let cursor: WebTs.TreeCursor | undefined;
      return {
        root,
        matches: () => query.matches(root),
        cursorAt(node) {
          if (cursor === undefined) cursor = tree.walk();
          cursor.reset(node as WebTs.Node);
          return cursor;
        },
        dispose() {
          cursor?.delete();
          tree.delete();
        },
      };
    },
    parseOnly(text, language) {
      perLanguage.get(language)!.parser.parse(text)?.delete();
    },
  };
}

/** The backend actually loaded, and why it is not the fastest one when it is not. */
export interface LoadedBackend {
  backend: Backend;
  fallbackReason?: string;
}

const FIX_FLAT = 'Run `node scripts/build-native.js` (it needs a C compiler and Node.js\'s headers; `npm run build` runs it) to build memaudit\'s flat addon';
const FIX_NATIVE =
  'Run `npm rebuild tree-sitter tree-sitter-java tree-sitter-python tree-sitter-ruby` to rebuild the native binding for this Node.js version and platform';
const FIX_WASM = 'reinstall dependencies (`npm ci`) so that web-tree-sitter and the grammars\' .wasm files are present';

/**
 * Loads the requested backend. `auto` tries native-flat, native and wasm in that order and
 * records why it skipped the ones before the one it loaded; a forced backend that does not load
 * is an error (no silent switch).
 */
export async function loadBackend(kind: 'auto' | BackendKind, loaders: BackendLoaders = {}): Promise<LoadedBackend> {
  const skipped: string[] = [];
  const unavailable = (what: string, e: unknown, fix: string, others: string, env: string): EngineError =>
    new EngineError(
      ERROR_CODES.PARSER_UNAVAILABLE,
      `${what} does not load: ${describe(e)}. ${fix}, or use ${others} (MEMAUDIT_PARSER=${env}, or backend "auto").`,
      { backend: kind },
      { cause: e },
    );
  if (kind === 'auto' || kind === 'native-flat') {
    try {
      return { backend: loadFlatBackend(loaders.flat) };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      if (kind === 'native-flat') throw unavailable('memaudit\'s flat tree-sitter addon', e, FIX_FLAT, 'the tree-sitter binding or the WebAssembly parser', 'native or wasm');
      skipped.push(`flat addon unavailable: ${describe(e)}`);
    }
  }
  let nativeFailure: unknown;
  if (kind === 'auto' || kind === 'native') {
    try {
      const backend = loadNativeBackend(loaders.native);
      return skipped.length === 0 ? { backend } : { backend, fallbackReason: skipped.join('; ') };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      nativeFailure = e;
      if (kind === 'native') throw unavailable('The native tree-sitter binding', e, FIX_NATIVE, 'the WebAssembly parser', 'wasm');
      skipped.push(`native tree-sitter unavailable: ${describe(e)}`);
    }
  }
  try {
    const backend = await loadWasmBackend(loaders.wasm);
    return skipped.length === 0 ? { backend } : { backend, fallbackReason: skipped.join('; ') };
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const before = skipped.length === 0 ? '' : `${skipped.join('; ')}; `;
    throw new EngineError(
      ERROR_CODES.PARSER_UNAVAILABLE,
      `No tree-sitter parser could be loaded (${before}wasm: ${describe(e)}). ` +
        (nativeFailure === undefined ? `To fix, ${FIX_WASM}.` : `To fix, ${FIX_NATIVE}, or ${FIX_WASM}.`),
      { backend: kind },
      { cause: e },
    );
  }
}
