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
  return splitAscii(name) ?? splitByExpression(name);
}

/** The split by `SUBTOKEN` itself, for any name (the reference the ASCII fast path is tested against). */
export function splitByExpression(name: string): string[] {
  const out: string[] = [];
  for (const m of name.matchAll(SUBTOKEN)) out.push(m[0].toLowerCase());
  return out;
}

/** Character classes of ASCII codes for `splitAscii`. */
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 65 && c <= 90) ASCII_CLASS[c] = UPPER;
  else if (c >= 97 && c <= 122) ASCII_CLASS[c] = LOWER;
  else if (c >= 48 && c <= 57) ASCII_CLASS[c] = DIGIT;
}

/**
 * `SUBTOKEN`'s split of an all-ASCII name without the regular expression (most names; the
 * Unicode-aware one costs ~1 µs a name), or undefined when the name has other characters. In
 * ASCII there are no marks nor caseless letters, so the alternatives read: at an uppercase run
 * of length n followed by a lowercase letter, the first n − 1 (if n ≥ 2: rule 1) or the capital
 * and the lowercase run after it (rule 2); a lowercase run (rule 2); an uppercase run not
 * followed by a lowercase letter (rule 3); a digit run (rule 4); anything else separates.
 */
function splitAscii(name: string): string[] | undefined {
  const n = name.length;
  for (let i = 0; i < n; i++) if (name.charCodeAt(i) >= 128) return undefined;
  const out: string[] = [];
  const cls = (i: number) => (i < n ? ASCII_CLASS[name.charCodeAt(i)]! : 0);
  let i = 0;
  while (i < n) {
    const c = cls(i);
    let j = i + 1;
    if (c === UPPER) {
      while (cls(j) === UPPER) j++;
      if (cls(j) === LOWER) {
        if (j - i >= 2) j--;
        else while (cls(j) === LOWER) j++;
      }
    } else if (c === LOWER || c === DIGIT) {
      while (cls(j) === c) j++;
    } else {
      i++;
      continue;
    }
    out.push(name.slice(i, j).toLowerCase());
    i = j;
  }
  return out;
}
