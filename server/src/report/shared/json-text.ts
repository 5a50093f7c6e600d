/**
 * The text of report.json: two-space indented like `JSON.stringify(report, null, 2)`, except that
 * an array holding only numbers (and nulls) stays on one line. A ROC curve or a per-epoch series
 * would otherwise take one line per value, tripling the file for nothing a reader wants.
 * Pure TypeScript (the extension's JSON export uses it too).
 */

// An array whose every line is a number or null: formatting only, since a JSON string cannot hold
// a raw line break.
const NUMBER_ARRAY = /\[\n((?:[ \t]*(?:-?\d[\d.eE+-]*|null),?\n)+)[ \t]*\]/g;

/** `value` as indented JSON with number arrays inline, newline-terminated. */
export function reportJsonText(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(NUMBER_ARRAY, (_, body: string) => `[${body.split('\n').map((s) => s.trim()).filter((s) => s !== '').join(' ')}]`);
  return `${text}\n`;
}
