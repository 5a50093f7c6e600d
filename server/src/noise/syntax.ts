/**
 * Syntax trees for source edits, read through the parse backend's public surface (`Backend.parse`
 * and a cursor): the tree is copied once into plain objects (type, field, offsets, parent,
 * children), because the backend's node interface exposes no child access and a method is small.
 *
 * A method is edited on its own, not inside its file: its text is cut from the unit at the
 * sample's range (`methodText`) and wrapped so that it parses alone (`wrapMethod`), the way the
 * extractor's snippet mode treats a CodeSearchNet record. Parsing one method instead of its whole
 * file keeps the cost per corrupted sample independent of the file's size.
 */
import type { Backend } from '../parse/backend';
import type { LanguageId, SourceRange } from '../parse/sample';

/** One node of a copied tree. Offsets are UTF-16 indices into the parsed text. */
export interface SyntaxNode {
  readonly type: string;
  readonly named: boolean;
  readonly start: number;
  readonly end: number;
  /** Field name under the parent (`name`, `body`, …), or null. */
  readonly field: string | null;
  /** Index of the parent, -1 for the root. */
  readonly parent: number;
  readonly children: number[];
}

/** A copied tree; node 0 is the root and nodes are in preorder (document order). */
export interface SyntaxTree {
  readonly text: string;
  readonly nodes: readonly SyntaxNode[];
  /** The tree has an ERROR or MISSING node somewhere. */
  readonly hasError: boolean;
  /** Per node: index of the last node of its subtree (preorder makes a subtree a contiguous range). */
  readonly last: Int32Array;
}

/** Parses `text` and copies its tree. */
export function parseTree(backend: Backend, text: string, language: LanguageId): SyntaxTree {
  const parsed = backend.parse(text, language);
  try {
    const c = parsed.cursorAt(parsed.root);
    const nodes: SyntaxNode[] = [];
    const push = (parent: number): number => {
      const idx = nodes.length;
      nodes.push({ type: c.nodeType, named: c.nodeIsNamed, start: c.startIndex, end: c.endIndex, field: c.currentFieldName ?? null, parent, children: [] });
      if (parent >= 0) nodes[parent]!.children.push(idx);
      return idx;
    };
    // Iterative preorder walk: deep expression chains would overflow a recursive one.
    let cur = push(-1);
    for (;;) {
      if (c.gotoFirstChild()) {
        cur = push(cur);
        continue;
      }
      for (;;) {
        if (c.gotoNextSibling()) {
          cur = push(nodes[cur]!.parent);
          break;
        }
        if (!c.gotoParent()) return { text, nodes, hasError: parsed.root.hasError, last: lastOfSubtrees(nodes) };
        cur = nodes[cur]!.parent;
      }
    }
  } finally {
    parsed.dispose();
  }
}

function lastOfSubtrees(nodes: readonly SyntaxNode[]): Int32Array {
  const last = new Int32Array(nodes.length);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const ch = nodes[i]!.children;
    last[i] = ch.length === 0 ? i : last[ch[ch.length - 1]!]!;
  }
  return last;
}

/** Text of a node. */
export function textOf(t: SyntaxTree, i: number): string {
  const n = t.nodes[i]!;
  return t.text.slice(n.start, n.end);
}

/** The child of node i under `field`, or -1. */
export function childByField(t: SyntaxTree, i: number, field: string): number {
  for (const c of t.nodes[i]!.children) if (t.nodes[c]!.field === field) return c;
  return -1;
}

/** Named children of node i. */
export function namedChildren(t: SyntaxTree, i: number): number[] {
  return t.nodes[i]!.children.filter((c) => t.nodes[c]!.named);
}

/** Nodes of the subtree of i (i included), in preorder. */
export function subtree(t: SyntaxTree, i: number): number[] {
  const out: number[] = [];
  for (let k = i; k <= t.last[i]!; k++) out.push(k);
  return out;
}

/** Nearest ancestor of node i (i excluded) whose type is in `types`, or -1. */
export function ancestorOf(t: SyntaxTree, i: number, types: ReadonlySet<string>): number {
  for (let p = t.nodes[i]!.parent; p >= 0; p = t.nodes[p]!.parent) if (types.has(t.nodes[p]!.type)) return p;
  return -1;
}

/** Every node type in preorder, anonymous ones included: the shape a rename must not change. */
export function nodeTypeSequence(t: SyntaxTree, from = 0): string[] {
  return subtree(t, from).map((k) => t.nodes[k]!.type);
}

/**
 * The text of a method: lines `startLine..endLine` of the unit, the last one cut at `endColumn`.
 * Characters before `startColumn` on the first line are replaced by spaces (tabs are kept), so
 * the method's columns are the file's and a diff lines up with the source. Returns undefined when
 * the range lies outside the text.
 */
export function methodText(unitText: string, range: SourceRange): string | undefined {
  let start = 0;
  for (let line = 0; line < range.startLine; line++) {
    const nl = unitText.indexOf('\n', start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  let end = start;
  for (let line = range.startLine; line < range.endLine; line++) {
    const nl = unitText.indexOf('\n', end);
    if (nl < 0) return undefined;
    end = nl + 1;
  }
  end += range.endColumn;
  const firstLineEnd = unitText.indexOf('\n', start);
  if (start + range.startColumn > (firstLineEnd < 0 ? unitText.length : firstLineEnd) || end > unitText.length) return undefined;
  const pad = unitText.slice(start, start + range.startColumn).replace(/[^\t]/g, ' ');
  return pad + unitText.slice(start + range.startColumn, end);
}

/** A method's text wrapped so it parses alone. */
export interface WrappedMethod {
  text: string;
  /** Offset of the method text inside `text`. */
  offset: number;
  /** Lines before the method text. */
  lines: number;
}

/** Leading spaces and tabs of the first line. */
export function firstLineIndent(text: string): string {
  return /^[ \t]*/.exec(text)![0];
}

/**
 * Wraps a method text: Java in a class; Python, when its `def` is indented, under `if True:`
 * (which accepts any deeper indentation, so the text is parsed exactly as written, without the
 * offset bookkeeping a dedent would need); Ruby as it is.
 */
export function wrapMethod(language: LanguageId, text: string): WrappedMethod {
  let prefix = '';
  let suffix = '\n';
  if (language === 'java') {
    prefix = 'class MemauditNoiseWrapper {\n';
    suffix = '\n}\n';
  } else if (language === 'python' && firstLineIndent(text) !== '') {
    prefix = 'if True:\n';
  }
  return { text: prefix + text + suffix, offset: prefix.length, lines: prefix === '' ? 0 : 1 };
}

/** Distinct words (identifier-like runs) of a text: the names a new identifier must avoid. */
export function wordsOf(text: string): Set<string> {
  return new Set(text.match(/[\p{L}\p{N}_$]+/gu) ?? []);
}
