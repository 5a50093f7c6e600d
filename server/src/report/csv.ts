/**
 * Export of per-sample signals (one row per training sample, one column per signal) as CSV
 * (RFC 4180) or JSON Lines, for notebooks and spreadsheets.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** A cell: text, or a number (NaN means "not defined for this sample"). */
export type Cell = string | number;

function checkShape(columns: readonly string[], rows: readonly (readonly Cell[])[]): void {
  rows.forEach((row, i) => {
    if (row.length !== columns.length) {
      throw new EngineError(ERROR_CODES.INTERNAL, `signals export: row ${i} has ${row.length} cells for ${columns.length} columns`, { row: i });
    }
  });
}

/**
 * One CSV field: quoted when it holds a comma, a quote, CR or LF (quotes doubled), or leading or
 * trailing spaces (which some readers trim). Numbers print in full precision; NaN is an empty
 * field and ±Infinity is `inf`/`-inf`, which pandas and R read back as numbers.
 */
export function csvField(v: Cell): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return Object.is(v, -0) ? '0' : String(v);
  }
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * RFC 4180 CSV: a header line of `columns`, then one line per row, CRLF line endings (also after
 * the last record). Throws `E_INTERNAL` when a row's length differs from the header's.
 */
export function signalsToCsv(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  checkShape(columns, rows);
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * JSON Lines: one object `{column: value}` per row, keys in column order, NaN and ±Infinity as
 * null (JSON has no such numbers). Throws `E_INTERNAL` when a row's length differs from the header's.
 */
export function signalsToJsonl(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  checkShape(columns, rows);
  let out = '';
  for (const row of rows) {
    const o: Record<string, Cell | null> = {};
    columns.forEach((c, i) => {
      const v = row[i]!;
      o[c] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
    });
    out += `${JSON.stringify(o)}\n`;
  }
  return out;
}
