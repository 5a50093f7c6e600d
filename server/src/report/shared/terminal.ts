/**
 * Text for a terminal, made inert. Paths, method names and messages come from the audited corpus
 * and can hold anything a file system or a JSONL record allows, escape sequences included: a
 * folder named `\x1b[2J\x1b]0;pwned\x07` would clear the screen and retitle the window of
 * whoever reads the output. Every terminal writer (the CLI's stdout and stderr, the progress line,
 * the engine's stderr) sends its text through `inert`, so such characters are shown, escaped,
 * instead of obeyed.
 */

/**
 * C0 controls other than TAB and LF, DEL, C1 controls, and the bidirectional formatting
 * characters (which reorder what is shown: "Trojan Source").
 */
const UNSAFE_RE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The same set plus TAB and LF: for one field (a path, a name) that must stay on its line. */
const UNSAFE_FIELD_RE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  // C0 as `\x1b`; the others as `\u009b`, which is also a valid escape inside a JSON string, so
  // JSON output made inert still parses to the same value.
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text with every control character (except TAB and LF, which lay out the text) and every bidi
 * control shown escaped (`\x1b`, `\u009b`, `\u202e`). JSON text stays valid JSON: C0 characters
 * never occur in it unescaped, and the others become `\uXXXX` escapes.
 */
export function inert(text: string): string {
  return text.replace(UNSAFE_RE, escapeChar);
}

/** One value (a path, a name) made inert, line breaks and tabs escaped too so it stays on its line. */
export function inertField(text: string): string {
  return text.replace(UNSAFE_FIELD_RE, escapeChar);
}

/** The bidirectional formatting characters, for writers of other formats (Markdown, HTML). */
export const BIDI_CONTROLS_RE = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Bidi controls shown as `<U+202E>` (for Markdown and HTML, before their own escaping). */
export function showBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS_RE, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}
