/**
 * Documentation of a declaration from the comments the language's query captured (`@doc`):
 * Javadoc is the `/** … *\/` comment right before the declaration (only whitespace between; its
 * annotations are part of the declaration); Ruby documentation is the run of `#` comment lines
 * that ends on the line just above `def`, each comment alone on its line. Python docstrings are
 * captured directly by the query (`@docstring`).
 */
import type { DocStyle } from './languages';
import { cleanHashComments, cleanJavadoc } from './lexemes';

/** A captured comment: UTF-16 offsets into the parsed text, and its text. */
export interface CommentSpan {
  start: number;
  end: number;
  text: string;
}

const BLANK = /^\s*$/;
/** Exactly one line break, with indentation around it. */
const NEXT_LINE = /^[ \t]*\r?\n[ \t]*$/;

/** Index of the last comment ending at or before `offset` (comments sorted and disjoint), or -1. */
function lastBefore(comments: readonly CommentSpan[], offset: number): number {
  let lo = 0;
  let hi = comments.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid]!.end <= offset) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** True when only spaces and tabs precede `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * The cleaned documentation of the declaration starting at `declStart`, or undefined.
 * `comments` are sorted by offset.
 */
export function leadingDoc(style: Exclude<DocStyle, 'docstring'>, comments: readonly CommentSpan[], declStart: number, text: string): string | undefined {
  let k = lastBefore(comments, declStart);
  if (k < 0) return undefined;
  if (style === 'javadoc') {
    const c = comments[k]!;
    return BLANK.test(text.slice(c.end, declStart)) ? cleanJavadoc(c.text) : undefined;
  }
  const run: string[] = [];
  let next = declStart;
  while (k >= 0) {
    const c = comments[k]!;
    if (!NEXT_LINE.test(text.slice(c.end, next)) || !startsLine(text, c.start)) break;
    run.push(c.text);
    next = c.start;
    k--;
  }
  if (run.length === 0) return undefined;
  const doc = cleanHashComments(run.reverse());
  return doc === '' ? undefined : doc;
}
