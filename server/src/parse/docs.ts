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
import type { TsNode } from './backend';
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

/**
 * The cleaned documentation of the declaration `decl`, or undefined. `comments` are the
 * language's comment node types; `text` is the parsed text.
 */
export function leadingDoc(style: Exclude<DocStyle, 'docstring'>, decl: TsNode, comments: ReadonlySet<string>, text: string): string | undefined {
  let next = decl.startIndex;
  let c = previousNamed(decl);
  if (style === 'javadoc') {
    if (c === null || !comments.has(c.type)) return undefined;
    const comment = text.slice(c.startIndex, c.endIndex);
    if (!comment.startsWith('/**') || !BLANK.test(text.slice(c.endIndex, next))) return undefined;
    const doc = cleanJavadoc(comment);
    return doc === '' ? undefined : doc;
  }
  const run: string[] = [];
  while (c !== null && comments.has(c.type) && NEXT_LINE.test(text.slice(c.endIndex, next)) && startsLine(text, c.startIndex)) {
    run.push(text.slice(c.startIndex, c.endIndex));
    next = c.startIndex;
    c = c.previousNamedSibling;
  }
  if (run.length === 0) return undefined;
  const doc = cleanHashComments(run.reverse());
  return doc === '' ? undefined : doc;
}
