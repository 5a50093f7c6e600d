/**
 * Flattening of a method's syntax subtree into typed arrays, in one cursor walk.
 *
 * Why: every property read on a tree-sitter node or cursor crosses into native code (or wasm),
 * which costs about as much per node as parsing did (on CPython's standard library, about
 * 0.35 µs per node walked against 0.45 µs per node parsed). The walk reads the minimum per node (its
 * type id; the text bounds of named leaves; a field name for the direct children of a method)
 * and everything after it (body tokens, path-contexts, nested methods) runs in plain JS on the
 * arrays. The walk is iterative (the cursor plus an explicit stack), so a 5000-deep nesting of
 * parentheses costs memory, not call stack.
 *
 * Layout: nodes in pre-order, so a subtree is the contiguous range `[i, end[i])`. Comments are
 * left out, and string-like literals are kept as one leaf (their fragments are not visited).
 * Path-contexts use the tree of named nodes only (anonymous nodes are keywords, operators and
 * punctuation, always leaves); `npar`/`nidx` give each node its parent and a named node its index
 * among its parent's named children.
 */
import type { TsCursor } from './backend';
import type { LanguageSpec } from './languages';
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

/** Longest literal text (content, quotes and a 3-letter prefix) that may normalize to itself. */
const MAX_SHORT_LITERAL = MAX_LITERAL_CHARS + 9;

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
  /** Token id of the whole identifier, lower-cased (a path-context terminal). */
  whole: number;
  /** Token ids of its subtokens (body tokens); the whole lower-cased text when it has none. */
  parts: Int32Array;
}

/** Entries kept in the identifier cache before it is cleared (bounds memory on huge corpora). */
const IDENT_CACHE_LIMIT = 200_000;

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
      const parts = subs.length === 0 ? Int32Array.of(whole) : Int32Array.from(subs, (s) => this.tokens.id(s));
      t = { whole, parts };
      this.identCache.set(text, t);
    }
    return t;
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
  private readonly sets: Record<'methods' | 'comments' | 'strings' | 'identifiers' | 'numbers' | 'operatorNodes', Set<string>>;

  constructor(
    readonly spec: LanguageSpec,
    private readonly labels: LabelTable,
    private readonly interner: TokenInterner,
  ) {
    this.stringToken = interner.id(STRING_TOKEN);
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
    } else {
      if (isPunctuation(name)) f |= PUNCT;
      const words = f & PUNCT ? [] : name.toLowerCase().split(/\s+/).filter((w) => w !== '');
      this.anonWords[ty] = words;
      this.anonTokens[ty] = Int32Array.from(words, (w) => this.interner.id(w));
      this.anonTerminal[ty] = words.length === 0 ? -1 : this.interner.id(words.join('_'));
    }
    this.names[ty] = name;
    this.label[ty] = this.labels.id(name);
    this.flags[ty] = f;
    return f;
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
    this.pool = grow(this.pool, this.poolLen + toks.length);
    this.pool.set(toks, this.poolLen);
    this.tokOff[i] = this.poolLen;
    this.tokLen[i] = toks.length;
    this.poolLen += toks.length;
  }

  private pushToken(i: number, tok: number): void {
    this.pool = grow(this.pool, this.poolLen + 1);
    this.pool[this.poolLen] = tok;
    this.tokOff[i] = this.poolLen;
    this.tokLen[i] = 1;
    this.poolLen++;
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
    const flags = types.flags;
    const { bodyField, nameField } = types.spec;
    this.n = 0;
    this.poolLen = 0;
    this.raw.length = 0;
    this.methods.length = 0;
    let sp = 0;
    for (;;) {
      const ty = cursor.nodeTypeId;
      let f = flags[ty]!;
      if (f === 0) f = types.learn(ty, cursor);
      descend: if ((f & COMMENT) === 0) {
        const i = this.n++;
        if (i >= this.sym.length) this.ensure(i + 1);
        this.sym[i] = ty;
        this.term[i] = -1;
        this.tokLen[i] = 0;
        this.rawRef[i] = -1;
        this.start[i] = -1;
        this.stop[i] = -1;
        const parent = sp > 0 ? this.stack[sp - 1]! : -1;
        this.npar[i] = parent;
        if (f & NAMED) {
          this.nidx[i] = parent >= 0 ? this.nkids[parent]!++ : 0;
          this.nkids[i] = 0;
          this.label[i] = types.label[ty]!;
        }
        if (parent >= 0 && flags[this.sym[parent]!]! & METHOD) {
          const field = cursor.currentFieldName;
          if (field === bodyField) this.bodyOf[parent] = i;
          else if (field === nameField) this.nameOf[parent] = i;
        }
        if (f & METHOD) {
          this.start[i] = cursor.startIndex;
          this.bodyOf[i] = -1;
          this.nameOf[i] = -1;
          this.methods.push(i);
        }
        if (f & (STRING | IDENT | NUMBER)) {
          // Tokens: their children, if any (an aliased keyword), add nothing to the text.
          this.end[i] = i + 1;
          const s = cursor.startIndex;
          const e = cursor.endIndex;
          if (f & STRING) {
            this.start[i] = s;
            this.stop[i] = e;
            // Most literals (docstrings above all) are too long to be kept: no need to copy them.
            if (e - s > MAX_SHORT_LITERAL) {
              this.term[i] = types.stringToken;
              this.pushToken(i, types.stringToken);
              break descend;
            }
          }
          this.namedLeaf(i, f, text.slice(s, e), interner);
          break descend;
        }
        if ((f & NAMED) === 0) {
          // Anonymous nodes are the grammar's literal tokens: leaves whose text is their type.
          this.end[i] = i + 1;
          if ((f & PUNCT) === 0) {
            this.pushTokens(i, types.anonTokens[ty]!);
            // code2vec keeps the operator in the node's label: `a+b` and `a*b` get different paths.
            if (parent >= 0) {
              const pty = this.sym[parent]!;
              if (flags[pty]! & OPNODE && this.label[parent] === types.label[pty]) this.label[parent] = types.operatorLabel(pty, ty);
            }
          }
          break descend;
        }
        if (cursor.gotoFirstChild()) {
          if (sp >= this.stack.length) this.stack = grow(this.stack, sp + 1);
          this.stack[sp++] = i;
          continue;
        }
        this.end[i] = i + 1;
        this.namedLeaf(i, f, text.slice(cursor.startIndex, cursor.endIndex), interner);
      }
      // Advance to the next node in pre-order, closing the subtrees left on the way up.
      for (;;) {
        if (sp === 0) return;
        if (cursor.gotoNextSibling()) break;
        cursor.gotoParent();
        sp--;
        this.close(this.stack[sp]!, types, interner);
      }
    }
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
      this.rawRef[i] = this.raw.length;
      // A symbol (`:name`) refers to the method as much as the bare name does.
      this.raw.push(leaf.charCodeAt(0) === 58 /* : */ ? leaf.slice(1) : leaf);
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
