/**
 * Snippet mode: a JSONL record's `code` (CodeSearchNet layout) is one method, not a file. It is
 * made parsable (Java: wrapped in a class; Python: common indentation removed) and positions are
 * mapped back so that ranges are relative to the snippet (line 0 is the first line of `code`).
 */
import type { SnippetRule } from './languages';

/** The text to parse and how to map its positions back to the original. */
export interface PreparedText {
  text: string;
  /** Lines added before the original text. */
  lineShift: number;
  /** Per original line, the UTF-16 units removed from its start (dedent); absent when none. */
  removed?: Int32Array;
}

/** Leading spaces and tabs of a line. */
function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * Removes the indentation of the first non-blank line from every line, when every non-blank line
 * starts with it (a method cut out of a class body). Otherwise the text is left as it is.
 */
function dedent(text: string): { text: string; removed: Int32Array } | undefined {
  const lines = text.split('\n');
  const first = lines.find((l) => l.trim() !== '');
  if (first === undefined) return undefined;
  const indent = indentOf(first);
  if (indent === '') return undefined;
  const removed = new Int32Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      removed[i] = indentOf(line).length;
    } else if (line.startsWith(indent)) {
      removed[i] = indent.length;
    } else {
      return undefined;
    }
    lines[i] = line.slice(removed[i]);
  }
  return { text: lines.join('\n'), removed };
}

/** Prepares a snippet for parsing with the language's rule. */
export function prepareSnippet(code: string, rule: SnippetRule): PreparedText {
  let text = code;
  let removed: Int32Array | undefined;
  if (rule.dedent) {
    const d = dedent(code);
    if (d !== undefined) ({ text, removed } = d);
  }
  let lineShift = 0;
  for (let i = rule.prefix.indexOf('\n'); i !== -1; i = rule.prefix.indexOf('\n', i + 1)) lineShift++;
  return { text: rule.prefix + text + rule.suffix, lineShift, ...(removed ? { removed } : {}) };
}
