/**
 * Documentation of a declaration from the comments just before it. Javadoc is the `/** … *\/`
 * comment right before the declaration (only whitespace between; annotations belong to the
 * declaration); Ruby documentation is the run of `#` comments ending on the line just above
 * `def`, each alone on its line. (Python docstrings are inside the body: see `FlatTree`.)
 *
 * The comments are found from the declaration's node, walking to the preceding named siblings
 * (comments are named "extra" nodes), and up to the parent while the declaration is its first
 * child: Ruby puts a class's leading comments before its body_statement, not inside it. A few
 * node reads per method; capturing every comment of the file with the query cost far more on
 * comment-heavy code.
 */
import type { TsNode } from './backend-types';
import type { DocStyle } from './languages';
import { cleanHashComments, cleanJavadoc } from './lexemes';

const BLANK = /^\s*$/;
/** Exactly one line break, with indentation around it. */
const NEXT_LINE = /^[ \t]*\r?\n[ \t]*$/;

/** True when only spaces and tabs precede `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** The named node just before `node` in document order at its level or, when it is a first child, at its ancestors'. */
function previousNamed(node: TsNode): TsNode | null {
  let n: TsNode = node;
  for (;;) {
    const prev = n.previousNamedSibling;
    if (prev !== null) return prev;
    const parent = n.parent;
    if (parent === null || parent.startIndex !== n.startIndex) return null;
    n = parent;
  }
}

/** The cleaned Javadoc of a declaration starting at `declStart` from the comment at [start, end) just before it. */
function javadoc(text: string, start: number, end: number, declStart: number): string | undefined {
  const comment = text.slice(start, end);
  if (!comment.startsWith('/**') || !BLANK.test(text.slice(end, declStart))) return undefined;
  const doc = cleanJavadoc(comment);
  return doc === '' ? undefined : doc;
}

/** Whether the `#` comment at [start, end) belongs to the run documenting what starts at `next`. */
function continuesRun(text: string, start: number, end: number, next: number): boolean {
  return NEXT_LINE.test(text.slice(end, next)) && startsLine(text, start);
}

function hashDoc(run: string[]): string | undefined {
  if (run.length === 0) return undefined;
  const doc = cleanHashComments(run.reverse());
  return doc === '' ? undefined : doc;
}

/**
 * The cleaned documentation of the declaration `decl`, or undefined. `comments` are the
 * language's comment node types; `text` is the parsed text.
 */
export function leadingDoc(style: Exclude<DocStyle, 'docstring'>, decl: TsNode, comments: ReadonlySet<string>, text: string): string | undefined {
  let next = decl.startIndex;
  let c = previousNamed(decl);
  if (style === 'javadoc') {
    if (c === null || !comments.has(c.type)) return undefined;
    return javadoc(text, c.startIndex, c.endIndex, next);
  }
  const run: string[] = [];
  while (c !== null && comments.has(c.type) && continuesRun(text, c.startIndex, c.endIndex, next)) {
    run.push(text.slice(c.startIndex, c.endIndex));
    next = c.startIndex;
    c = c.previousNamedSibling;
  }
  return hashDoc(run);
}

/**
 * `leadingDoc` of a declaration starting at `declStart` that has a previous named sibling, from
 * the comments among its previous named siblings after the last one that is not a comment, as
 * [start, end) offsets (`starts[k]`, `ends[k]` for k in [from, to), the last just before it).
 */
export function leadingDocOfRun(style: Exclude<DocStyle, 'docstring'>, declStart: number, starts: ArrayLike<number>, ends: ArrayLike<number>, from: number, to: number, text: string): string | undefined {
  if (style === 'javadoc') return to > from ? javadoc(text, starts[to - 1]!, ends[to - 1]!, declStart) : undefined;
  const run: string[] = [];
  let next = declStart;
  for (let k = to - 1; k >= from && continuesRun(text, starts[k]!, ends[k]!, next); k--) {
    run.push(text.slice(starts[k]!, ends[k]!));
    next = starts[k]!;
  }
  return hashDoc(run);
}
