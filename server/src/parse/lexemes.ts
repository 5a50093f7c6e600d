/**
 * Normalization of leaf tokens into the vocabulary the models see. The choices, applied the same
 * way to body tokens and to path-context terminals:
 *
 * - identifiers: body tokens are their subtokens (`subtokens.ts`); a path-context terminal is the
 *   whole identifier, lower-cased (code2vec's terminals are whole names);
 * - string literals (and char literals, regexes, heredocs…): `"<content>"` when the content is a
 *   short word-like string (at most 16 letters, digits, `_ . - /`; e.g. `"utf-8"`, `"r"`,
 *   `"__main__"`), else the single token `<STR>`: long strings are nearly unique and would only
 *   inflate the vocabulary, while short ones (modes, encodings, keys) carry meaning;
 * - numbers: lower-cased text, `<NUM>` beyond 16 characters;
 * - keywords and operators: their text, lower-cased;
 * - punctuation (brackets, commas, dots, semicolons, colons, quotes): dropped from body tokens,
 *   it is structure, which the path-contexts already encode;
 * - comments: never tokens.
 */

/** Token for a string literal that is not short and word-like. */
export const STRING_TOKEN = '<STR>';
/** Token for an over-long numeric literal. */
export const NUMBER_TOKEN = '<NUM>';

/** Longest literal content kept as a token (strings) or as written (numbers). */
export const MAX_LITERAL_CHARS = 16;
const WORDLIKE = /^[\p{L}\p{N}_.\-/]*$/u;

/**
 * Anonymous tokens that are pure punctuation in the three grammars. Operators that happen to use
 * punctuation characters (`..`, `...`, `->`, `=>`, `|`) are not in the set.
 */
const PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',', ';', '.', ':', '::', '"', "'", '`', '"""', '#{', ':"', '%w(', '%i(', '\\', '@']);

/** True when an anonymous token carries no meaning beyond the tree's structure. */
export function isPunctuation(token: string): boolean {
  return PUNCTUATION.has(token) || token.trim() === '';
}

/**
 * The content of a string-like literal: prefix letters (`r`, `b`, `f`, `u`, Ruby's `%q`), then
 * quotes (one or three) stripped from both ends. Returns undefined for forms whose content is not
 * delimited that way (heredocs, `%w[...]` arrays), which then normalize to `<STR>`.
 */
function literalContent(text: string): string | undefined {
  const m = /^[A-Za-z]{0,3}("""|'''|["'`/])/.exec(text);
  if (m === null) return undefined;
  const quote = m[1]!;
  const start = m[0].length;
  if (text.length < start + quote.length || !text.endsWith(quote)) return undefined;
  return text.slice(start, text.length - quote.length);
}

/** Normalized token of a string-like literal (see the module comment). */
export function normalizeString(text: string): string {
  const content = literalContent(text);
  if (content === undefined || content.length > MAX_LITERAL_CHARS || !WORDLIKE.test(content)) return STRING_TOKEN;
  return `"${content.toLowerCase()}"`;
}

/** Normalized token of a numeric literal. */
export function normalizeNumber(text: string): string {
  return text.length > MAX_LITERAL_CHARS ? NUMBER_TOKEN : text.toLowerCase();
}

/** Removes the indentation common to all non-blank lines after the first, and outer blank lines. */
function cleanLines(lines: string[]): string {
  let common = Infinity;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    common = Math.min(common, line.length - line.trimStart().length);
  }
  const out = lines.map((l, i) => (i === 0 || common === Infinity ? l.trim() : l.slice(common).trimEnd()));
  while (out.length > 0 && out[0] === '') out.shift();
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** Text of a Python docstring literal: quotes and prefix removed, indentation cleaned (as `inspect.cleandoc`). */
export function cleanDocstring(literal: string): string {
  const content = literalContent(literal) ?? literal;
  return cleanLines(content.split(/\r?\n/));
}

/** Text of a Javadoc comment: `/**`, `*\/` and the leading `*` of each line removed. */
export function cleanJavadoc(comment: string): string {
  const inner = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
  return cleanLines(inner.split(/\r?\n/).map((l) => l.replace(/^\s*\*( ?)/, '')));
}

/** Text of consecutive Ruby comments: `#` and one following space removed; `=begin`/`=end` dropped. */
export function cleanHashComments(comments: readonly string[]): string {
  const lines: string[] = [];
  for (const c of comments) {
    for (const l of c.split(/\r?\n/)) {
      if (/^=(begin|end)\b/.test(l)) continue;
      lines.push(l.replace(/^\s*# ?/, ''));
    }
  }
  return cleanLines(['', ...lines]);
}
