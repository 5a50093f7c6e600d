/**
 * The one seam to tree-sitter. Two backends expose the same small surface: the native binding
 * (`tree-sitter`, N-API, fastest) and `web-tree-sitter` with the grammars' `.wasm` builds (works
 * wherever Node runs, used when the native binding cannot load). Nothing outside this file
 * imports either package.
 *
 * Both report positions in UTF-16 code units (the native binding parses JS strings as UTF-16LE
 * and halves byte offsets; web-tree-sitter does the same), so `startIndex`/`endIndex` index the
 * JS string directly. Columns are recomputed from those indices (`positions.ts`) instead of being
 * read from tree-sitter points, which keeps both backends identical by construction.
 */
import type NativeTs = require('tree-sitter');
import type * as WebTs from 'web-tree-sitter';
import { EngineError, ERROR_CODES } from '../errors';
import { LANGUAGES, loadQuerySource } from './languages';
import { LANGUAGE_IDS, type LanguageId } from './sample';

/** Which binding parses. */
export type BackendKind = 'native' | 'wasm';

/** The parts of a syntax node the extractor reads (native and web-tree-sitter nodes both fit). */
export interface TsNode {
  readonly type: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly hasError: boolean;
  readonly text: string;
  readonly parent: TsNode | null;
  readonly previousNamedSibling: TsNode | null;
}

/** The parts of a tree cursor the extractor reads. */
export interface TsCursor {
  readonly nodeTypeId: number;
  readonly nodeType: string;
  readonly nodeIsNamed: boolean;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly currentFieldName: string | null;
  /** Field id of the current node (0 or undefined when it has none): cheaper than the name, a number. */
  readonly currentFieldId: number | undefined;
  /** The node the cursor is on (a node object: costs more than the other reads). */
  readonly currentNode: TsNode;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

export interface TsCapture {
  readonly name: string;
  readonly node: TsNode;
}

export interface TsMatch {
  readonly captures: readonly TsCapture[];
}

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
}

/** Module loaders, replaceable so tests can simulate a binding that does not load. */
export interface BackendLoaders {
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
  };
}

/** The backend actually loaded, and why it is not the native one when it is not. */
export interface LoadedBackend {
  backend: Backend;
  fallbackReason?: string;
}

const FIX_NATIVE =
  'Run `npm rebuild tree-sitter tree-sitter-java tree-sitter-python tree-sitter-ruby` to rebuild the native binding for this Node.js version and platform';
const FIX_WASM = 'reinstall dependencies (`npm ci`) so that web-tree-sitter and the grammars\' .wasm files are present';

/**
 * Loads the requested backend. `auto` tries native first and falls back to wasm, recording why;
 * a forced backend that does not load is an error (no silent switch).
 */
export async function loadBackend(kind: 'auto' | BackendKind, loaders: BackendLoaders = {}): Promise<LoadedBackend> {
  let nativeFailure: unknown;
  if (kind !== 'wasm') {
    try {
      return { backend: loadNativeBackend(loaders.native) };
    } catch (e) {
      if (e instanceof EngineError) throw e;
      nativeFailure = e;
      if (kind === 'native') {
        throw new EngineError(
          ERROR_CODES.PARSER_UNAVAILABLE,
          `The native tree-sitter binding does not load: ${describe(e)}. ${FIX_NATIVE}, or use the WebAssembly parser (MEMAUDIT_PARSER=wasm, or backend "auto").`,
          { backend: 'native' },
          { cause: e },
        );
      }
    }
  }
  try {
    const backend = await loadWasmBackend(loaders.wasm);
    return nativeFailure === undefined ? { backend } : { backend, fallbackReason: `native tree-sitter unavailable: ${describe(nativeFailure)}` };
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const native = nativeFailure === undefined ? '' : `native: ${describe(nativeFailure)}; `;
    throw new EngineError(
      ERROR_CODES.PARSER_UNAVAILABLE,
      `No tree-sitter parser could be loaded (${native}wasm: ${describe(e)}). ` +
        (nativeFailure === undefined ? `To fix, ${FIX_WASM}.` : `To fix, ${FIX_NATIVE}, or ${FIX_WASM}.`),
      { backend: kind },
      { cause: e },
    );
  }
}
