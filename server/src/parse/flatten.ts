/**
 * Flattening of a method's syntax subtree into typed arrays, in one cursor walk.
 *
 * Why: every property read on a tree-sitter node or cursor crosses into native code (or wasm),
 * which costs about as much per node as parsing did (on CPython's standard library, about
 * 0.35 µs per node walked against 0.45 µs per node parsed). The walk reads the minimum per node (its
 * type id; the text bounds of named leaves, or only the start of an identifier whose end the text
 * tells; a field for the direct children of a method) and everything after it (body tokens,
 * path-contexts, nested methods) runs in plain JS on the arrays. The walk is iterative (the
 * cursor plus an explicit stack), so a 5000-deep nesting of parentheses costs memory, not call
 * stack.
 *
 * Two walks: `build` flattens one method's subtree (the cursor on it); `buildFile` walks a whole
 * file, finding the declarations of the language's query shape itself (`DeclTable`, instead of
 * the query engine, which visits every node of the file in native code and cost about as much
 * again as parsing), passing over the nodes outside the methods to keep (and every subtree the
 * grammar says cannot hold a declaration), flattening each outermost kept method as `build`
 * would, and handing it over (`DeclTable.done`) while its arrays are still in the caches.
 *
 * Layout: nodes in pre-order, so a subtree is the contiguous range `[i, end[i])`. Comments are
 * left out, and string-like literals are kept as one leaf (their fragments are not visited).
 * Path-contexts use the tree of named nodes only (anonymous nodes are keywords, operators and
 * punctuation, always leaves); `npar`/`nidx` give each node its parent and a named node its index
 * among its parent's named children.
 */
import type { TsCursor } from './backend-types';
import type { LanguageSpec } from './languages';
import type { FieldShape, QueryShape } from './queryshape';
import { isPunctuation, MAX_LITERAL_CHARS, normalizeNumber, normalizeString, STRING_TOKEN } from './lexemes';
import type { StringTable } from './sample';
import { splitSubtokens } from './subtokens';

/** Bits of a node type's class (`TypeTable.flags`); 0 means not yet seen. */
const KNOWN = 1;
const NAMED = 2;
const COMMENT = 4;
const STRING = 8;
const IDENT = 16;
const NUMBER = 32;
const OPNODE = 64;
const METHOD = 128;
const PUNCT = 256;
/** A declaration type of the language's query shape (`queryshape.ts`); also METHOD. */
const DECL = 512;
/** An anonymous type whose tokens are interned (`TypeTable.internAnon`). */
const TOKENS = 1024;
/** A named type that cannot hold a declaration (`typesWithout`): a file walk does not enter it. */
const NODECL = 2048;

/** Longest literal text (content, quotes and a 3-letter prefix) that may normalize to itself. */
const MAX_SHORT_LITERAL = MAX_LITERAL_CHARS + 9;

const EMPTY = new Int32Array(0);

/** What the walk does after a node: its first child is next, or the node after it in pre-order, or the walk stops. */
const DESCEND = 0;
const NEXT = 1;
const STOP = 2;
type Step = typeof DESCEND | typeof NEXT | typeof STOP;

/** tree-sitter's symbol id space is 16 bits (the ERROR node is 65535). */
const SYMBOL_SPACE = 65536;

/** Interned labels of path-context nodes: a node type, or `type:operator` for operator nodes. */
export class LabelTable {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(s, id);
      this.names.push(s);
    }
    return id;
  }
}

/** What the tokens of an identifier are, computed once per distinct identifier. */
interface IdentTokens {
  /** The identifier. */
  text: string;
  /** What it is compared with the method name as: the text, without the `:` of a symbol. */
  raw: string;
  /** Token id of the whole identifier, lower-cased (a path-context terminal). */
  whole: number;
  /** Token ids of its subtokens (body tokens); the whole lower-cased text when it has none. */
  parts: Int32Array;
}

/** Entries kept in the identifier cache before it is cleared (bounds memory on huge corpora). */
const IDENT_CACHE_LIMIT = 200_000;
/** Entries of the cache of recently met identifiers (a power of two). */
const RECENT_IDENTS = 4096;
/** Longest identifier whose characters the cache of recent ones holds. */
const RECENT_WIDTH = 24;

/**
 * Token interning shared by every language of an extractor: it owns the caches that turn leaf
 * texts into token ids of the shared token table.
 */
export class TokenInterner {
  private readonly identCache = new Map<string, IdentTokens>();

  constructor(readonly tokens: StringTable) {}

  ident(text: string): IdentTokens {
    let t = this.identCache.get(text);
    if (t === undefined) {
      if (this.identCache.size >= IDENT_CACHE_LIMIT) this.identCache.clear();
      const lower = text.toLowerCase();
      const whole = this.tokens.id(lower);
      const subs = splitSubtokens(text);
      let parts: Int32Array;
      if (subs.length === 0) {
        parts = Int32Array.of(whole);
      } else {
        // (A loop: `Int32Array.from` with a mapping function is several times slower.)
        parts = new Int32Array(subs.length);
        for (let k = 0; k < subs.length; k++) parts[k] = this.tokens.id(subs[k]!);
      }
      // A symbol (`:name`) refers to the method as much as the bare name does.
      t = { text, raw: text.charCodeAt(0) === 58 /* : */ ? text.slice(1) : text, whole, parts };
      this.identCache.set(text, t);
    }
    return t;
  }

  /**
   * Recently met identifiers (most repeat within a file), by a hash of their text, in typed
   * arrays that stay in the processor's caches (the identifier cache does not: a lookup there,
   * or reading an entry's strings, misses them). Slot k: `recentLen[k]` (-1: empty) and
   * `recentChars` (identifiers of up to RECENT_WIDTH characters: compared here without touching
   * the string), `recentTok[5k..5k+4]` (whole, count of parts, first three parts), and the
   * entry and its `raw` text.
   */
  private readonly recentLen = new Int32Array(RECENT_IDENTS).fill(-1);
  private readonly recentChars = new Uint16Array(RECENT_IDENTS * RECENT_WIDTH);
  readonly recentTok = new Int32Array(RECENT_IDENTS * 5);
  readonly recentEntry: IdentTokens[] = [];
  readonly recentRaw: string[] = [];

  /**
   * The slot of `recent*` that holds `ident(text.slice(s, e))`, without slicing when the
   * identifier was met recently.
   */
  identAt(text: string, s: number, e: number): number {
    const len = e - s;
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    const slot = (h ^ (h >>> 15)) & (RECENT_IDENTS - 1);
    if (this.recentLen[slot] === len) {
      if (len <= RECENT_WIDTH) {
        const chars = this.recentChars;
        const base = slot * RECENT_WIDTH - s;
        let k = s;
        while (k < e && chars[base + k] === text.charCodeAt(k)) k++;
        if (k === e) return slot;
      } else if (text.startsWith(this.recentEntry[slot]!.text, s)) {
        return slot;
      }
    }
    const t = this.ident(text.slice(s, e));
    this.recentLen[slot] = len;
    if (len <= RECENT_WIDTH) for (let k = 0; k < len; k++) this.recentChars[slot * RECENT_WIDTH + k] = text.charCodeAt(s + k);
    const b = slot * 5;
    this.recentTok[b] = t.whole;
    this.recentTok[b + 1] = t.parts.length;
    this.recentTok[b + 2] = t.parts[0]!;
    this.recentTok[b + 3] = t.parts[1] ?? -1;
    this.recentTok[b + 4] = t.parts[2] ?? -1;
    this.recentEntry[slot] = t;
    this.recentRaw[slot] = t.raw;
    return slot;
  }

  id(text: string): number {
    return this.tokens.id(text);
  }
}

/**
 * Per-language knowledge of node types, learned lazily: the first time a type id is met its name
 * and namedness are read once from the cursor and classified with the registry's tables.
 */
export class TypeTable {
  readonly flags = new Uint16Array(SYMBOL_SPACE);
  readonly names: string[] = [];
  /** Label id of each type. */
  readonly label = new Int32Array(SYMBOL_SPACE);
  /** Body tokens of each anonymous type (keywords, operators; empty for punctuation), as ids and as text. */
  readonly anonTokens: Int32Array[] = [];
  readonly anonWords: string[][] = [];
  /** Terminal token of a named node whose only child is this anonymous type (`int`, `pass`). */
  readonly anonTerminal = new Int32Array(SYMBOL_SPACE);
  /** Token id of `<STR>`. */
  readonly stringToken: number;
  /** 1 for the ASCII characters that continue an identifier (`LanguageSpec.identifierChars`), when set. */
  readonly identifierChars: Uint8Array | undefined;
  /** Index into `shape` of a declaration type (meaningful where `flags` has DECL). */
  readonly declShape = new Int32Array(SYMBOL_SPACE);
  private readonly sets: Record<'methods' | 'comments' | 'strings' | 'identifiers' | 'numbers' | 'operatorNodes', Set<string>>;

  /**
   * `shape`: the declaration patterns of the language's query, when it has a shape the file walk
   * (`FlatTree.buildFile`) can match; their node types must be method or constructor types of
   * the registry.
   */
  constructor(
    readonly spec: LanguageSpec,
    private readonly labels: LabelTable,
    private readonly interner: TokenInterner,
    readonly shape?: QueryShape,
    /** Named types that cannot hold a declaration of the shape (`typesWithout`). */
    private readonly withoutDecls: ReadonlySet<string> = new Set(),
  ) {
    this.stringToken = interner.id(STRING_TOKEN);
    const chars = spec.identifierChars;
    if (chars !== undefined) {
      this.identifierChars = new Uint8Array(128);
      for (let c = 0; c < 128; c++) if (chars.test(String.fromCharCode(c))) this.identifierChars[c] = 1;
    }
    const t = spec.nodeTypes;
    this.sets = {
      methods: new Set([...t.methods, ...t.constructors]),
      comments: new Set(t.comments),
      strings: new Set(t.strings),
      identifiers: new Set(t.identifiers),
      numbers: new Set(t.numbers),
      operatorNodes: new Set(t.operatorNodes),
    };
  }

  learn(ty: number, cursor: TsCursor): number {
    const name = cursor.nodeType;
    const named = cursor.nodeIsNamed;
    let f = KNOWN;
    if (named) {
      f |= NAMED;
      if (this.sets.comments.has(name)) f |= COMMENT;
      if (this.sets.strings.has(name)) f |= STRING;
      if (this.sets.identifiers.has(name)) f |= IDENT;
      if (this.sets.numbers.has(name)) f |= NUMBER;
      if (this.sets.operatorNodes.has(name)) f |= OPNODE;
      if (this.sets.methods.has(name)) f |= METHOD;
      if (this.withoutDecls.has(name)) f |= NODECL;
      const d = this.shape === undefined ? -1 : this.shape.findIndex((p) => p.type === name);
      if (d >= 0 && f & METHOD) {
        f |= DECL;
        this.declShape[ty] = d;
      }
    } else {
      if (isPunctuation(name)) f |= PUNCT;
      const words = f & PUNCT ? [] : name.toLowerCase().split(/\s+/).filter((w) => w !== '');
      this.anonWords[ty] = words;
      this.anonTokens[ty] = EMPTY;
      this.anonTerminal[ty] = -1;
      if (words.length === 0) f |= TOKENS;
    }
    this.names[ty] = name;
    this.label[ty] = this.labels.id(name);
    this.flags[ty] = f;
    return f;
  }

  /**
   * Interns the tokens of an anonymous type, the first time one is flattened (not when it is
   * first met: a file walk passes over nodes outside the methods, whose tokens must not enter the
   * table, so that it holds the same tokens in the same order whichever way methods were found).
   */
  internAnon(ty: number): number {
    const words = this.anonWords[ty]!;
    this.anonTokens[ty] = Int32Array.from(words, (w) => this.interner.id(w));
    this.anonTerminal[ty] = this.interner.id(words.join('_'));
    return (this.flags[ty]! |= TOKENS);
  }

  /** Field names by field id, learned from the cursor as they are met. */
  private readonly fieldNames: (string | undefined)[] = [];

  /** Name of the field of the node the cursor is on, or undefined. */
  field(cursor: TsCursor): string | undefined {
    const id = cursor.currentFieldId;
    if (!id) return undefined;
    let name = this.fieldNames[id];
    if (name === undefined) {
      name = cursor.currentFieldName ?? undefined;
      this.fieldNames[id] = name;
    }
    return name;
  }

  private readonly operatorLabels = new Map<number, number>();

  /** Label of an operator node carrying its operator, e.g. `binary_operator:+`. */
  operatorLabel(nodeType: number, operatorType: number): number {
    const key = nodeType * SYMBOL_SPACE + operatorType;
    let id = this.operatorLabels.get(key);
    if (id === undefined) {
      id = this.labels.id(`${this.names[nodeType]!}:${this.names[operatorType]!}`);
      this.operatorLabels.set(key, id);
    }
    return id;
  }
}

/**
 * The declarations a file walk (`FlatTree.buildFile`) met, in document order, with what the
 * language's query would capture of each (see `queryshape.ts`).
 */
export class DeclTable {
  count = 0;
  /** Flat node of each declaration, or -1 when its subtree was passed over. */
  flat = new Int32Array(64);
  /** Its pattern in the query shape. */
  shape = new Int32Array(64);
  /** Source offsets of the declaration and of its @name child (when captured). */
  start = new Int32Array(64);
  end = new Int32Array(64);
  nameStart = new Int32Array(64);
  nameEnd = new Int32Array(64);
  /** Ordinals among the declaration's children of the @name and @body children, or -1 when not captured. */
  nameAt = new Int32Array(64);
  bodyAt = new Int32Array(64);
  /** 1 when the query matches the declaration. */
  matched = new Uint8Array(64);
  /**
   * Set when the walk met something the shape does not decide as the query would (a constrained
   * field given twice, fields out of the pattern's order, a declaration inside a string literal
   * of a flattened subtree): the walk stops, and the query must run instead.
   */
  irregular = false;
  /**
   * Called on each declaration as it is met (the cursor on it): whether its subtree is to be
   * flattened, when it is not inside a flattened subtree already.
   */
  flatten: (d: number, cursor: TsCursor, depth: number) => boolean = () => true;
  /**
   * Called when a flattened subtree is complete (the arrays hold it until the next one starts);
   * returns false to stop the walk.
   */
  done: () => boolean = () => true;
  /** When set, the walk tracks the comments before each declaration (`flatten` reads them). */
  comments: CommentRuns | undefined;
  private seen = 0;
  private types: TypeTable | undefined;

  reset(types: TypeTable): void {
    this.types = types;
    this.count = 0;
    this.irregular = false;
  }

  /**
   * Registers the declaration the cursor is on, of type `ty`, reading its fields' children (the
   * cursor comes back to it); returns its index.
   */
  register(cursor: TsCursor, ty: number): number {
    const d = this.count++;
    if (d >= this.flat.length) {
      const n = 2 * d;
      this.flat = grow(this.flat, n);
      this.shape = grow(this.shape, n);
      this.start = grow(this.start, n);
      this.end = grow(this.end, n);
      this.nameStart = grow(this.nameStart, n);
      this.nameEnd = grow(this.nameEnd, n);
      this.nameAt = grow(this.nameAt, n);
      this.bodyAt = grow(this.bodyAt, n);
      const m = new Uint8Array(n);
      m.set(this.matched);
      this.matched = m;
    }
    const types = this.types!;
    const shape = types.declShape[ty]!;
    const fields = types.shape![shape]!.fields;
    this.flat[d] = -1;
    this.shape[d] = shape;
    this.start[d] = cursor.startIndex;
    this.end[d] = cursor.endIndex;
    this.nameAt[d] = -1;
    this.bodyAt[d] = -1;
    this.seen = 0;
    if (cursor.gotoFirstChild()) {
      let k = 0;
      do {
        const field = types.field(cursor);
        if (field !== undefined) this.child(d, fields, field, k, cursor);
        k++;
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
    this.matched[d] = this.matches(d, fields) ? 1 : 0;
    return d;
  }

  /** The `k`-th child of declaration `d`, with field `field` (the cursor is on it). */
  private child(d: number, fields: readonly FieldShape[], field: string, k: number, cursor: TsCursor): void {
    for (let j = 0; j < fields.length; j++) {
      const fs = fields[j]!;
      if (fs.field !== field) continue;
      if (this.seen & (1 << j)) {
        this.irregular = true;
        return;
      }
      this.seen |= 1 << j;
      const types = this.types!;
      const ty = cursor.nodeTypeId;
      let f = types.flags[ty]!;
      if (f === 0) f = types.learn(ty, cursor);
      // `(type)` and `(_)` match named nodes only.
      if ((f & NAMED) === 0 || (fs.type !== undefined && types.names[ty] !== fs.type)) return;
      if (fs.capture === 'name') {
        this.nameAt[d] = k;
        this.nameStart[d] = cursor.startIndex;
        this.nameEnd[d] = cursor.endIndex;
      } else {
        this.bodyAt[d] = k;
      }
      return;
    }
  }

  /** Whether the query matches declaration `d`: every required field captured, in the pattern's order. */
  private matches(d: number, fields: readonly FieldShape[]): boolean {
    let last = -1;
    for (const fs of fields) {
      const at = fs.capture === 'name' ? this.nameAt[d]! : this.bodyAt[d]!;
      if (at < 0) {
        if (!fs.optional) return false;
        continue;
      }
      if (at < last) this.irregular = true;
      last = at;
    }
    return true;
  }
}

/**
 * The comments just before the node a file walk is on, at each level of the cursor: for a
 * declaration, its previous named siblings back to the last one that is not a comment (the
 * declaration's Javadoc or `#` comments), and whether it has a previous named sibling at all
 * (when it has none, `docs.ts` looks further up, from the node).
 */
export class CommentRuns {
  /** Source offsets of the comments of the runs of the levels, outer levels first. */
  start = new Int32Array(64);
  end = new Int32Array(64);
  /** Comments on the stack. */
  top = 0;
  /** Per level: where its run starts on the stack, and whether a named node other than a comment was met. */
  private base = new Int32Array(64);
  private seen = new Uint8Array(64);

  /** The walk enters level `depth` (a first child). */
  enter(depth: number): void {
    if (depth >= this.base.length) {
      this.base = grow(this.base, depth + 1);
      const seen = new Uint8Array(this.base.length);
      seen.set(this.seen);
      this.seen = seen;
    }
    this.base[depth] = this.top;
    this.seen[depth] = 0;
  }

  /** The walk goes up from level `depth`. */
  leave(depth: number): void {
    this.top = this.base[depth]!;
  }

  /** A comment at the current level (the cursor on it). */
  comment(cursor: TsCursor): void {
    const k = this.top++;
    if (k >= this.start.length) {
      this.start = grow(this.start, k + 1);
      this.end = grow(this.end, k + 1);
    }
    this.start[k] = cursor.startIndex;
    this.end[k] = cursor.endIndex;
  }

  /** A named node other than a comment at level `depth` (after `flatten` has seen the run, for a declaration). */
  named(depth: number): void {
    this.seen[depth] = 1;
    this.top = this.base[depth]!;
  }

  /** Whether a named node precedes the current one at level `depth`. */
  hasPrevious(depth: number): boolean {
    return this.seen[depth] === 1 || this.top > this.base[depth]!;
  }

  /** First comment of the run at level `depth` (the run is [runStart, top)). */
  runStart(depth: number): number {
    return this.base[depth]!;
  }
}

/**
 * End of the identifier starting at `s`: the end of its run of identifier characters, found in
 * the text when the run stops at an ASCII character (or the end of the text), else asked of
 * the cursor (on the identifier). See `LanguageSpec.identifierChars`.
 */
function identifierEnd(text: string, s: number, chars: Uint8Array, cursor: TsCursor): number {
  const n = text.length;
  let e = s + 1;
  for (; e < n; e++) {
    const c = text.charCodeAt(e);
    if (c >= 128) return cursor.endIndex;
    if (chars[c] === 0) break;
  }
  return e;
}

/**
 * Whether the subtree under the cursor holds a node with the DECL flag (the cursor comes back).
 * For string literals that may hold code (`LanguageSpec.codeInStrings`), rare and small.
 */
function holdsDeclaration(cursor: TsCursor, types: TypeTable): boolean {
  let depth = 0;
  let found = false;
  if (!cursor.gotoFirstChild()) return false;
  depth++;
  for (;;) {
    const ty = cursor.nodeTypeId;
    let f = types.flags[ty]!;
    if (f === 0) f = types.learn(ty, cursor);
    if (f & DECL) {
      found = true;
    } else if (f & NAMED && cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    for (;;) {
      if (!found && cursor.gotoNextSibling()) break;
      cursor.gotoParent();
      if (--depth === 0) return found;
    }
  }
}

function grow<T extends Int32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>>(a: T, need: number): T {
  if (need <= a.length) return a;
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** A flattened subtree (see the module comment). Arrays are reused across walks. */
export class FlatTree {
  /** Number of nodes. */
  n = 0;
  /** Node type id. */
  sym = new Uint16Array(1024);
  /** Parent, always a named node (-1 for the root). */
  npar = new Int32Array(1024);
  /** Index among the named children of `npar` (named nodes only). */
  nidx = new Int32Array(1024);
  /** Number of named children (named nodes only). */
  nkids = new Int32Array(1024);
  /** End of the subtree in pre-order (exclusive). */
  end = new Int32Array(1024);
  /** Path-context label id (named nodes only). */
  label = new Int32Array(1024);
  /** Token id when the node is a path-context terminal, else -1. */
  term = new Int32Array(1024);
  /** Offset and count of the leaf's body tokens in `pool` (count 0 for inner nodes). */
  tokOff = new Int32Array(1024);
  tokLen = new Int32Array(1024);
  pool = new Int32Array(4096);
  poolLen = 0;
  /** Index into `raw` of an identifier leaf's text (compared with the method name), else -1. */
  rawRef = new Int32Array(1024);
  raw: string[] = [];
  /** Lengths of `raw` (compared first, without reading the strings). */
  private rawLen = new Int32Array(1024);
  /** Source offsets of method nodes (start only) and string literals (start and stop); -1 otherwise. */
  start = new Int32Array(1024);
  stop = new Int32Array(1024);
  /** For method nodes: the child holding the body / the name, or -1. */
  bodyOf = new Int32Array(1024);
  nameOf = new Int32Array(1024);
  /** Method nodes of the subtree, in pre-order. */
  methods: number[] = [];

  /** The ancestors of the current node (only named nodes have children: anonymous ones are tokens). */
  private stack = new Int32Array(256);
  /** Depth in the flattened subtree: the number of its ancestors on `stack`. */
  private sp = 0;
  /** Depth of the cursor below the file's root while outside flattened subtrees (file walks only). */
  private skim = 0;
  /** The cursor's level, counted only while a file walk notes comments (`DeclTable.comments`). */
  private depth = 0;

  private ensure(need: number): void {
    if (need <= this.sym.length) return;
    this.sym = grow(this.sym, need);
    this.npar = grow(this.npar, need);
    this.nidx = grow(this.nidx, need);
    this.nkids = grow(this.nkids, need);
    this.end = grow(this.end, need);
    this.label = grow(this.label, need);
    this.term = grow(this.term, need);
    this.tokOff = grow(this.tokOff, need);
    this.tokLen = grow(this.tokLen, need);
    this.rawRef = grow(this.rawRef, need);
    this.start = grow(this.start, need);
    this.stop = grow(this.stop, need);
    this.bodyOf = grow(this.bodyOf, need);
    this.nameOf = grow(this.nameOf, need);
  }

  private pushTokens(i: number, toks: Int32Array): void {
    const n = toks.length;
    const at = this.poolLen;
    if (at + n > this.pool.length) this.pool = grow(this.pool, at + n);
    // (Mostly one or two tokens: a loop beats `set`.)
    const pool = this.pool;
    for (let k = 0; k < n; k++) pool[at + k] = toks[k]!;
    this.tokOff[i] = at;
    this.tokLen[i] = n;
    this.poolLen = at + n;
  }

  private pushRaw(i: number, raw: string): void {
    const ref = this.raw.length;
    this.rawRef[i] = ref;
    this.raw.push(raw);
    if (ref >= this.rawLen.length) this.rawLen = grow(this.rawLen, ref + 1);
    this.rawLen[ref] = raw.length;
  }

  /** Whether node `i` is an identifier spelled `name` (a symbol `:name` too). */
  spells(i: number, name: string): boolean {
    const ref = this.rawRef[i]!;
    return ref >= 0 && this.rawLen[ref] === name.length && this.raw[ref] === name;
  }

  private pushToken(i: number, tok: number): void {
    const at = this.poolLen;
    if (at >= this.pool.length) this.pool = grow(this.pool, at + 1);
    this.pool[at] = tok;
    this.tokOff[i] = at;
    this.tokLen[i] = 1;
    this.poolLen = at + 1;
  }

  /**
   * The docstring literal of method `m`, as [start, stop) offsets: a string that is the whole
   * first statement of the body (`statementType`, e.g. Python's expression_statement).
   */
  docstringOf(m: number, types: TypeTable, statementType: string): [number, number] | undefined {
    const body = this.bodyOf[m]!;
    const first = body + 1;
    if (body < 0 || first >= this.end[body]! || types.names[this.sym[first]!] !== statementType) return undefined;
    const literal = first + 1;
    if (this.end[first] !== literal + 1 || this.stop[literal]! < 0) return undefined;
    return [this.start[literal]!, this.stop[literal]!];
  }

  /** Index of the method node starting at `offset`, or -1. */
  methodAt(offset: number): number {
    for (const m of this.methods) if (this.start[m] === offset) return m;
    return -1;
  }

  /**
   * Walks the subtree under `cursor` (positioned on its root, unable to leave it) and fills the
   * arrays. `text` is the parsed text (offsets index it).
   */
  build(cursor: TsCursor, text: string, types: TypeTable, interner: TokenInterner): void {
    this.walk(cursor, text, types, interner, undefined);
  }

  /**
   * Walks a whole file from `cursor` (on the root), meeting the declarations of the query shape of
   * `types` on the way (into `decls`, which decides which to flatten): the subtree of each
   * declaration to flatten that is not inside another is flattened as `build` flattens it, one at
   * a time (`decls.done` reads each while it is in the arrays, and in the caches); nodes outside
   * them are only passed over. Stops early when `decls.irregular` is set.
   */
  buildFile(cursor: TsCursor, text: string, types: TypeTable, interner: TokenInterner, decls: DeclTable): void {
    decls.reset(types);
    this.walk(cursor, text, types, interner, decls);
  }

  /**
   * One iterative pre-order pass under `cursor`: each node is flattened (in a file walk, passed
   * over when outside the subtrees to flatten), then the cursor goes to its first child or on to
   * the next node. File walks also note, per level of the cursor, whether a named node was met and
   * the comments met since the last other named node (a declaration's documentation, see
   * `DeclTable`).
   */
  private walk(cursor: TsCursor, text: string, types: TypeTable, interner: TokenInterner, decls: DeclTable | undefined): void {
    this.clear();
    this.sp = 0;
    this.skim = 0;
    this.depth = 0;
    decls?.comments?.enter(0);
    for (;;) {
      const ty = cursor.nodeTypeId;
      let f = types.flags[ty]!;
      if (f === 0) f = types.learn(ty, cursor);
      let step: Step = NEXT;
      if (f & COMMENT) decls?.comments?.comment(cursor);
      else if (decls === undefined) step = this.flattenNode(cursor, text, ty, f, -1, types, interner, undefined);
      else step = this.fileNode(cursor, text, ty, f, types, interner, decls);
      if (step === STOP || (step === NEXT && !this.advance(cursor, types, interner, decls))) return;
    }
  }

  /** Empties the arrays: they hold one flattened subtree at a time. */
  private clear(): void {
    this.n = 0;
    this.poolLen = 0;
    this.raw.length = 0;
    this.methods.length = 0;
  }

  /**
   * A node of a file walk: inside a flattened subtree it is flattened; outside, only the
   * declarations below it matter, and a declaration to flatten starts a new subtree.
   */
  private fileNode(cursor: TsCursor, text: string, ty: number, f: number, types: TypeTable, interner: TokenInterner, decls: DeclTable): Step {
    const docs = decls.comments;
    if (f & DECL) {
      const d = decls.register(cursor, ty);
      if (decls.irregular) return STOP;
      const flatten = decls.flatten(d, cursor, this.depth);
      if (docs !== undefined) docs.named(this.depth);
      if (this.sp === 0) {
        if (!flatten) return this.skimInto(cursor, docs);
        this.clear();
      }
      return this.flattenNode(cursor, text, ty, f, d, types, interner, decls);
    }
    if (this.sp === 0) return this.skimNode(cursor, text, f, types, docs);
    if (docs !== undefined && f & NAMED) docs.named(this.depth);
    return this.flattenNode(cursor, text, ty, f, -1, types, interner, decls);
  }

  /** A node outside the flattened subtrees of a file walk: the walk goes below it only where a declaration can be. */
  private skimNode(cursor: TsCursor, text: string, f: number, types: TypeTable, docs: CommentRuns | undefined): Step {
    if ((f & NAMED) === 0) return NEXT;
    if (docs !== undefined) docs.named(this.depth);
    if (f & (IDENT | NUMBER | NODECL)) return NEXT;
    const codeMarker = types.spec.codeInStrings;
    if (f & STRING && (codeMarker === undefined || !text.slice(cursor.startIndex, cursor.endIndex).includes(codeMarker))) return NEXT;
    return this.skimInto(cursor, docs);
  }

  /** Goes down to the first child of a node that is passed over, when it has one. */
  private skimInto(cursor: TsCursor, docs: CommentRuns | undefined): Step {
    if (!cursor.gotoFirstChild()) return NEXT;
    this.skim++;
    if (docs !== undefined) docs.enter(++this.depth);
    return DESCEND;
  }

  /** Flattens the node the cursor is on; `d` is its declaration in a file walk, else -1. */
  private flattenNode(cursor: TsCursor, text: string, ty: number, f: number, d: number, types: TypeTable, interner: TokenInterner, decls: DeclTable | undefined): Step {
    const i = this.addNode(cursor, ty, f, d, types, decls);
    if (f & (STRING | IDENT | NUMBER)) return this.tokenLeaf(i, cursor, text, f, types, interner, decls);
    if ((f & NAMED) === 0) {
      this.anonymousLeaf(i, ty, f, types);
      return NEXT;
    }
    if (cursor.gotoFirstChild()) {
      if (this.sp >= this.stack.length) this.stack = grow(this.stack, this.sp + 1);
      this.stack[this.sp++] = i;
      if (decls?.comments !== undefined) decls.comments.enter(++this.depth);
      return DESCEND;
    }
    this.end[i] = i + 1;
    this.namedLeaf(i, f, text.slice(cursor.startIndex, cursor.endIndex), interner);
    return this.sp === 0 && decls !== undefined && !decls.done() ? STOP : NEXT;
  }

  /** Appends the node the cursor is on, under the innermost open node; returns its index. */
  private addNode(cursor: TsCursor, ty: number, f: number, d: number, types: TypeTable, decls: DeclTable | undefined): number {
    const i = this.n++;
    if (i >= this.sym.length) this.ensure(i + 1);
    this.sym[i] = ty;
    this.term[i] = -1;
    this.tokLen[i] = 0;
    this.rawRef[i] = -1;
    this.start[i] = -1;
    this.stop[i] = -1;
    const parent = this.sp > 0 ? this.stack[this.sp - 1]! : -1;
    this.npar[i] = parent;
    if (f & NAMED) {
      this.nidx[i] = parent >= 0 ? this.nkids[parent]!++ : 0;
      this.nkids[i] = 0;
      this.label[i] = types.label[ty]!;
    }
    if (parent >= 0 && types.flags[this.sym[parent]!]! & METHOD) {
      const field = types.field(cursor);
      if (field === types.spec.bodyField) this.bodyOf[parent] = i;
      else if (field === types.spec.nameField) this.nameOf[parent] = i;
    }
    if (f & METHOD) this.addMethod(i, cursor, d, decls);
    return i;
  }

  /** Notes method node `i`, whose start is its declaration's in a file walk. */
  private addMethod(i: number, cursor: TsCursor, d: number, decls: DeclTable | undefined): void {
    if (d >= 0) {
      decls!.flat[d] = i;
      this.start[i] = decls!.start[d]!;
    } else {
      this.start[i] = cursor.startIndex;
    }
    this.bodyOf[i] = -1;
    this.nameOf[i] = -1;
    this.methods.push(i);
  }

  /** A string, identifier or number: a token whose children, if any (an aliased keyword), add nothing to the text. */
  private tokenLeaf(i: number, cursor: TsCursor, text: string, f: number, types: TypeTable, interner: TokenInterner, decls: DeclTable | undefined): Step {
    this.end[i] = i + 1;
    const s = cursor.startIndex;
    // Only in file walks: they run on error-free trees, without zero-width MISSING identifiers.
    const identChars = decls === undefined ? undefined : types.identifierChars;
    const e = f & IDENT && identChars !== undefined ? identifierEnd(text, s, identChars, cursor) : cursor.endIndex;
    if (f & STRING) {
      this.start[i] = s;
      this.stop[i] = e;
      // A declaration inside the literal (interpolated code) would not be flattened.
      const codeMarker = decls === undefined ? undefined : types.spec.codeInStrings;
      if (codeMarker !== undefined && text.slice(s, e).includes(codeMarker) && holdsDeclaration(cursor, types)) {
        decls!.irregular = true;
        return STOP;
      }
      // Most literals (docstrings above all) are too long to be kept: no need to copy them.
      if (e - s > MAX_SHORT_LITERAL) {
        this.term[i] = types.stringToken;
        this.pushToken(i, types.stringToken);
        return NEXT;
      }
    }
    if (f & IDENT) this.identLeaf(i, text, s, e, interner);
    else this.namedLeaf(i, f, text.slice(s, e), interner);
    return NEXT;
  }

  /** An anonymous node: one of the grammar's literal tokens, a leaf whose text is its type. */
  private anonymousLeaf(i: number, ty: number, f: number, types: TypeTable): void {
    this.end[i] = i + 1;
    if (f & PUNCT) return;
    if ((f & TOKENS) === 0) types.internAnon(ty);
    this.pushTokens(i, types.anonTokens[ty]!);
    // code2vec keeps the operator in the node's label: `a+b` and `a*b` get different paths.
    const parent = this.npar[i]!;
    if (parent >= 0) {
      const pty = this.sym[parent]!;
      if (types.flags[pty]! & OPNODE && this.label[parent] === types.label[pty]) this.label[parent] = types.operatorLabel(pty, ty);
    }
  }

  /**
   * Moves the cursor to the next node in pre-order, closing the subtrees left on the way up;
   * false when the walk is over.
   */
  private advance(cursor: TsCursor, types: TypeTable, interner: TokenInterner, decls: DeclTable | undefined): boolean {
    const docs = decls?.comments;
    for (;;) {
      if (this.sp === 0 && this.skim === 0) return false;
      if (cursor.gotoNextSibling()) return true;
      cursor.gotoParent();
      if (docs !== undefined) docs.leave(this.depth--);
      if (this.sp > 0) {
        this.sp--;
        this.close(this.stack[this.sp]!, types, interner);
        if (this.sp === 0 && decls !== undefined && !decls.done()) return false;
      } else {
        this.skim--;
      }
    }
  }

  /** Tokens of an identifier at [s, e) of `text` (see `namedLeaf`). */
  private identLeaf(i: number, text: string, s: number, e: number, interner: TokenInterner): void {
    if (e === s) return;
    const k = interner.identAt(text, s, e);
    const tok = interner.recentTok;
    const b = 5 * k;
    this.term[i] = tok[b]!;
    const n = tok[b + 1]!;
    if (n > 3) {
      this.pushTokens(i, interner.recentEntry[k]!.parts);
    } else {
      const at = this.poolLen;
      if (at + 3 > this.pool.length) this.pool = grow(this.pool, at + 3);
      const pool = this.pool;
      pool[at] = tok[b + 2]!;
      if (n > 1) pool[at + 1] = tok[b + 3]!;
      if (n > 2) pool[at + 2] = tok[b + 4]!;
      this.tokOff[i] = at;
      this.tokLen[i] = n;
      this.poolLen = at + n;
    }
    this.pushRaw(i, interner.recentRaw[k]!);
  }

  /** Tokens of a named leaf; a zero-width one is a MISSING node (only in broken methods, never emitted). */
  private namedLeaf(i: number, f: number, leaf: string, interner: TokenInterner): void {
    if (leaf.length === 0) return;
    if (f & STRING) {
      const tok = interner.id(normalizeString(leaf));
      this.term[i] = tok;
      this.pushToken(i, tok);
      return;
    }
    if (f & IDENT) {
      const t = interner.ident(leaf);
      this.term[i] = t.whole;
      this.pushTokens(i, t.parts);
      this.pushRaw(i, t.raw);
      return;
    }
    const norm = f & NUMBER ? normalizeNumber(leaf) : leaf.trim().toLowerCase().replace(/\s+/g, '_');
    if (norm === '') return;
    const tok = interner.id(norm);
    this.term[i] = tok;
    this.pushToken(i, tok);
  }

  /**
   * Ends a subtree. A named node without named children but with anonymous ones (`int`,
   * `pass_statement`, `modifiers`) is a terminal whose token is its keywords joined by `_`.
   */
  private close(p: number, types: TypeTable, interner: TokenInterner): void {
    const end = this.n;
    this.end[p] = end;
    if ((types.flags[this.sym[p]!]! & NAMED) === 0 || this.nkids[p] !== 0 || this.term[p] !== -1) return;
    if (end === p + 2) {
      this.term[p] = types.anonTerminal[this.sym[p + 1]!]!;
      return;
    }
    const words: string[] = [];
    for (let q = p + 1; q < end; q++) {
      // Only anonymous leaves have body tokens here (the node has no named descendant).
      if (this.tokLen[q] !== 0) words.push(...types.anonWords[this.sym[q]!]!);
    }
    if (words.length > 0) this.term[p] = interner.id(words.join('_'));
  }
}
