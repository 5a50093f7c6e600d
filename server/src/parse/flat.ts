/**
 * The flat backend's data: memaudit's own tree-sitter addon (`native/flat.c`, built into
 * dist/native by scripts/build-native.js) parses a text and walks its whole tree in C in two
 * calls, into columns of an ArrayBuffer (see the C file for the layout); here a cursor and nodes
 * over those columns implement the `TsCursor` / `TsNode` surface the extractor reads, so that
 * moving through the tree is plain typed-array reads instead of one call into native code per
 * read (75-130 ns each through the `tree-sitter` binding, against about 450 ns of parsing per
 * node).
 *
 * Of the engine's files only `backend.ts` imports this one (it stays the one seam to tree-sitter).
 */
import * as fs from 'node:fs';
import { flatAddonPath } from '../assets';
import type { PathKernel, TsCapture, TsCursor, TsMatch, TsNode } from './backend-types';

/** The addon's exports (`native/flat.c`; the path-context kernel, `native/paths.c`, as paths.ts describes it). */
export interface FlatAddon extends PathKernel<PathTableHandle> {
  readonly abi: number;
  readonly bytesPerNode: number;
  languageInfo(language: unknown): { abi: number; symbolNames: (string | null)[]; symbolNamed: boolean[]; fieldNames: (string | null)[] };
  createParser(language: unknown): FlatHandle;
  /** Parses and keeps the tree; returns the number of nodes `walk` will write. */
  parse(handle: FlatHandle, text: string): number;
  /** Frees the kept tree. */
  release(handle: FlatHandle): void;
  /** Writes the kept tree's columns into `buffer` (room for `cap` nodes); returns the node count. */
  walk(handle: FlatHandle, buffer: ArrayBuffer, cap: number): number;
  /** Compiles the query `matches` runs; returns its capture names. */
  setQuery(handle: FlatHandle, source: string): string[];
  /** Matches of the query over the kept tree: per match, pattern, capture count c, then c pairs (capture id, node index). */
  matches(handle: FlatHandle): Int32Array;
}

/** A path table inside the addon (an opaque external). */
export type PathTableHandle = { readonly __pathTable: unique symbol };

/** A parser of one language inside the addon (an opaque external). */
export type FlatHandle = { readonly __flatHandle: unique symbol };

/** The column layout version this file reads (`FLAT_ABI` in native/flat.c). */
const FLAT_ABI = 2;

/** Where scripts/build-native.js puts the addon. */
export const FLAT_ADDON_PATH = flatAddonPath();

/** Loads the addon; throws an Error saying why it cannot (the caller falls back). */
export function loadFlatAddon(file = FLAT_ADDON_PATH): FlatAddon {
  if (!fs.existsSync(file)) {
    throw new Error(`the flat addon is not built (${file} is missing; \`node scripts/build-native.js\` builds it, with a C compiler and Node's headers)`);
  }
  const addon = require(file) as FlatAddon;
  if (addon.abi !== FLAT_ABI) throw new Error(`the flat addon at ${file} is of another version (${addon.abi}, expected ${FLAT_ABI}): rebuild it with \`node scripts/build-native.js --force\``);
  return addon;
}

/** Flag bits of the `flags` column. */
const NAMED = 1;
const HAS_ERROR = 2;

/** tree-sitter's ERROR symbol (not in the language's symbol table). */
const ERROR_SYMBOL = 65535;

/** Names of one language's symbols and fields, read once from the addon. */
export class FlatLanguage {
  readonly symbolNames: string[];
  readonly fieldNames: (string | null)[];

  constructor(info: ReturnType<FlatAddon['languageInfo']>) {
    this.symbolNames = info.symbolNames.map((s) => s ?? '');
    this.fieldNames = info.fieldNames;
  }

  typeName(sym: number): string {
    return sym === ERROR_SYMBOL ? 'ERROR' : this.symbolNames[sym]!;
  }
}

/** The columns of one walked tree; reused for the next tree once disposed. */
export class FlatColumns {
  readonly buffer: ArrayBuffer;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Index just after the node's subtree. */
  readonly next: Int32Array;
  readonly parent: Int32Array;
  readonly sym: Uint16Array;
  readonly field: Uint16Array;
  readonly flags: Uint8Array;

  constructor(
    readonly cap: number,
    bytesPerNode: number,
  ) {
    this.buffer = new ArrayBuffer(cap * bytesPerNode);
    this.start = new Int32Array(this.buffer, 0, cap);
    this.end = new Int32Array(this.buffer, 4 * cap, cap);
    this.next = new Int32Array(this.buffer, 8 * cap, cap);
    this.parent = new Int32Array(this.buffer, 12 * cap, cap);
    this.sym = new Uint16Array(this.buffer, 16 * cap, cap);
    this.field = new Uint16Array(this.buffer, 18 * cap, cap);
    this.flags = new Uint8Array(this.buffer, 20 * cap, cap);
  }
}

/** A walked tree: its columns, its text and what its nodes' names are. */
export class FlatSyntaxTree {
  constructor(
    readonly cols: FlatColumns,
    readonly n: number,
    readonly text: string,
    readonly language: FlatLanguage,
  ) {}

  node(i: number): FlatNode {
    return new FlatNode(this, i);
  }
}

/** A node of a walked tree (made on demand: the extractor asks for few). */
export class FlatNode implements TsNode {
  constructor(
    readonly tree: FlatSyntaxTree,
    readonly index: number,
  ) {}

  get type(): string {
    return this.tree.language.typeName(this.tree.cols.sym[this.index]!);
  }

  get startIndex(): number {
    return this.tree.cols.start[this.index]!;
  }

  get endIndex(): number {
    return this.tree.cols.end[this.index]!;
  }

  get hasError(): boolean {
    return (this.tree.cols.flags[this.index]! & HAS_ERROR) !== 0;
  }

  get text(): string {
    return this.tree.text.slice(this.startIndex, this.endIndex);
  }

  get parent(): FlatNode | null {
    const p = this.tree.cols.parent[this.index]!;
    return p < 0 ? null : new FlatNode(this.tree, p);
  }

  get previousNamedSibling(): FlatNode | null {
    const { parent, next, flags } = this.tree.cols;
    const p = parent[this.index]!;
    if (p < 0) return null;
    let found = -1;
    for (let j = p + 1; j < this.index; j = next[j]!) if (flags[j]! & NAMED) found = j;
    return found < 0 ? null : new FlatNode(this.tree, found);
  }
}

/**
 * A cursor over a walked tree, starting on node `root` and unable to leave its subtree (as a
 * binding's `node.walk()`). Its reads are array loads.
 */
export class FlatCursor implements TsCursor {
  private i: number;
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly next: Int32Array;
  private readonly parent: Int32Array;
  private readonly sym: Uint16Array;
  private readonly field: Uint16Array;
  private readonly flags: Uint8Array;

  constructor(
    private readonly tree: FlatSyntaxTree,
    private readonly root: number,
  ) {
    this.i = root;
    const c = tree.cols;
    this.start = c.start;
    this.end = c.end;
    this.next = c.next;
    this.parent = c.parent;
    this.sym = c.sym;
    this.field = c.field;
    this.flags = c.flags;
  }

  get nodeTypeId(): number {
    return this.sym[this.i]!;
  }

  get nodeType(): string {
    return this.tree.language.typeName(this.sym[this.i]!);
  }

  get nodeIsNamed(): boolean {
    return (this.flags[this.i]! & NAMED) !== 0;
  }

  get startIndex(): number {
    return this.start[this.i]!;
  }

  get endIndex(): number {
    return this.end[this.i]!;
  }

  /** 0 on the cursor's root: like a binding's cursor, it does not see above it. */
  get currentFieldId(): number {
    return this.i === this.root ? 0 : this.field[this.i]!;
  }

  get currentFieldName(): string | null {
    const f = this.currentFieldId;
    return f === 0 ? null : (this.tree.language.fieldNames[f] ?? null);
  }

  get currentNode(): FlatNode {
    return new FlatNode(this.tree, this.i);
  }

  gotoFirstChild(): boolean {
    const i = this.i;
    if (this.next[i]! === i + 1) return false;
    this.i = i + 1;
    return true;
  }

  gotoNextSibling(): boolean {
    const i = this.i;
    if (i === this.root) return false;
    const j = this.next[i]!;
    if (j >= this.next[this.parent[i]!]!) return false;
    this.i = j;
    return true;
  }

  gotoParent(): boolean {
    if (this.i === this.root) return false;
    this.i = this.parent[this.i]!;
    return true;
  }
}

/** The matches of the addon's encoded form (see `FlatAddon.matches`) over `tree`. */
export function decodeMatches(encoded: Int32Array, captureNames: readonly string[], tree: FlatSyntaxTree): TsMatch[] {
  const out: TsMatch[] = [];
  let k = 0;
  while (k < encoded.length) {
    k++; // pattern index (the extractor reads captures by name only)
    const count = encoded[k++]!;
    const captures: TsCapture[] = [];
    for (let c = 0; c < count; c++) {
      const name = captureNames[encoded[k++]!]!;
      const node = encoded[k++]!;
      if (node < 0) throw new Error('flat addon: a query capture is not a node of the walked tree');
      captures.push({ name, node: tree.node(node) });
    }
    out.push({ captures });
  }
  return out;
}
