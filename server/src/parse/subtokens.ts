/**
 * Splitting of names into subtokens (`parseHTTPResponse` → parse, http, response), as
 * code2seq and most method-naming work do: the model predicts and reads subtokens, which share
 * statistics across names (`getUserName`, `setUserName`).
 */

/**
 * One subtoken, by priority at each position:
 * 1. an acronym followed by a capitalized word: the `HTTP` of `HTTPResponse` (uppercase run
 *    that stops before the uppercase letter starting the next word);
 * 2. an optionally capitalized lowercase word: `parse`, `Response` (combining marks stay with
 *    their letter);
 * 3. an uppercase run at the end or before a non-letter: `ID`, `XML`;
 * 4. a run of digits: `2`, `64`;
 * 5. a run of letters without case (CJK, titlecase, modifiers): `名前`.
 * Anything else (underscores, `$`, sigils like `@`, `?`, `=`) separates subtokens.
 */
const SUBTOKEN = /\p{Lu}[\p{Lu}\p{M}]*(?=\p{Lu}\p{M}*\p{Ll})|\p{Lu}?\p{M}*[\p{Ll}\p{M}]+|\p{Lu}[\p{Lu}\p{M}]*|\p{N}+|[\p{Lo}\p{Lm}\p{Lt}\p{M}]+/gu;

/**
 * Splits a name on camelCase, PascalCase (with acronyms), snake_case, kebab-case and digit
 * boundaries, lower-cased. Non-alphanumeric characters are dropped, so a name made only of them
 * (`+`, `_`) has no subtokens.
 */
export function splitSubtokens(name: string): string[] {
  const out: string[] = [];
  for (const m of name.matchAll(SUBTOKEN)) out.push(m[0].toLowerCase());
  return out;
}
