/**
 * The report panel's script (runs in the webview): the likely-memorized table's rows open their
 * method (click, or Enter / Space on a focused row; arrow keys, Home and End move between rows),
 * a level under "noised in" opens the diff of the method and its noised copy, the export buttons
 * ask the extension to save the report, and the cartography map (cartography.ts) asks for its
 * data and draws it. Sorting is the report's own script (REPORT_SCRIPT). When the audit has the
 * cross-fitted memorization score and the table lacks them, a category column (a text badge:
 * "Likely memorized" / "Not learned") and a "mem" column are added after the method, from the
 * data the extension put in the page, and the findings table's sorting is taken over so that
 * every column, old and new, sorts by its current position. Reads the page with DOM APIs only and
 * writes text only (`textContent`).
 */
import { setupCartography } from './cartography';
import type { FindingCategoryRow } from '../src/findings-map';
import type { CartographyNotice, ReportMessage, ReportPanelNotice } from '../src/webview-messages';

const vscode = acquireVsCodeApi();
const post = (m: ReportMessage): void => vscode.postMessage(m);

function findingRows(): HTMLTableRowElement[] {
  return Array.from(document.querySelectorAll<HTMLTableRowElement>('#findings tbody tr[data-sample-id]'));
}

/**
 * Roving tab index: one row is in the tab order (the focused one, else the first), with its diff
 * buttons; the other rows' buttons are reached by moving to their row first.
 */
function setCurrent(row: HTMLTableRowElement, focus: boolean): void {
  for (const r of findingRows()) {
    r.tabIndex = r === row ? 0 : -1;
    for (const b of Array.from(r.querySelectorAll<HTMLButtonElement>('button.diff-button'))) b.tabIndex = r === row ? 0 : -1;
  }
  if (focus) row.focus();
}

function openDiff(row: HTMLTableRowElement, button: HTMLButtonElement): void {
  const sampleId = row.getAttribute('data-sample-id');
  const runId = button.getAttribute('data-diff-run');
  if (sampleId && runId) post({ type: 'openNoiseDiff', sampleId, runId });
}

function open(row: HTMLTableRowElement): void {
  const sampleId = row.getAttribute('data-sample-id');
  if (sampleId) post({ type: 'openFinding', sampleId });
}

/** The findings table's column of the header labelled `label` (case-insensitive), or -1. */
function columnOf(label: string): number {
  const headers = Array.from(document.querySelectorAll<HTMLTableCellElement>('#findings thead th'));
  return headers.findIndex((th) => (th.getAttribute('data-label') ?? th.textContent ?? '').trim().toLowerCase() === label);
}

const CATEGORY_TEXT: Record<FindingCategoryRow['category'], string> = { memorized: 'Likely memorized', 'not-learned': 'Not learned' };

/** The categories the extension put in the page, validated (anything malformed is left out). */
function categoryRows(): Map<string, FindingCategoryRow> {
  const out = new Map<string, FindingCategoryRow>();
  const raw = document.querySelector('[data-finding-categories]')?.getAttribute('data-finding-categories');
  if (!raw) return out;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return out;
  }
  if (!Array.isArray(data)) return out;
  const numOrNull = (x: unknown): x is number | null => x === null || (typeof x === 'number' && Number.isFinite(x));
  for (const r of data as Partial<FindingCategoryRow>[]) {
    if (!r || typeof r !== 'object' || typeof r.sampleId !== 'string' || (r.category !== 'memorized' && r.category !== 'not-learned')) continue;
    if (!numOrNull(r.mem) || !numOrNull(r.memProb) || !numOrNull(r.fittedRate) || !numOrNull(r.heldOutRate) || typeof r.words !== 'string') continue;
    out.set(r.sampleId, r as FindingCategoryRow);
  }
  return out;
}

function th(label: string, numeric: boolean): HTMLTableCellElement {
  const cell = document.createElement('th');
  cell.scope = 'col';
  cell.setAttribute('data-label', label);
  if (numeric) {
    cell.className = 'num';
    cell.setAttribute('data-type', 'number');
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  const mark = document.createElement('span');
  mark.className = 'sort-mark';
  mark.setAttribute('aria-hidden', 'true');
  button.append(mark);
  cell.append(button);
  return cell;
}

function fmtMem(x: number | null): string {
  if (x === null) return '–';
  return x < 0 ? `−${(-x).toFixed(2)}` : x.toFixed(2);
}

/**
 * Sorts the findings table by the column under `header`, found at click time (REPORT_SCRIPT's
 * handlers remember the column they were made for, which moves when columns are added).
 */
function sortFindings(table: HTMLTableElement, header: HTMLTableCellElement): void {
  const col = header.cellIndex;
  const numeric = header.getAttribute('data-type') === 'number';
  const dir = header.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
  for (const h of Array.from(table.tHead!.rows[0]!.cells)) h.removeAttribute('aria-sort');
  header.setAttribute('aria-sort', dir);
  const key = (cell: HTMLTableCellElement | undefined): string | number | null => {
    const raw = cell?.getAttribute('data-value') ?? cell?.textContent ?? '';
    if (!numeric) return raw.toLowerCase();
    const n = parseFloat(raw);
    return Number.isNaN(n) ? null : n;
  };
  const body = table.tBodies[0]!;
  const sign = dir === 'ascending' ? 1 : -1;
  const rows = Array.from(body.rows).sort((a, b) => {
    const x = key(a.cells[col]);
    const y = key(b.cells[col]);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * sign;
  });
  for (const r of rows) body.append(r);
  const status = table.parentElement?.querySelector('[data-sort-status]');
  if (status) status.textContent = `Sorted by ${header.getAttribute('data-label') ?? header.textContent}, ${dir}.`;
}

/** A category's badge: its name in words (never colour alone). */
function badge(category: FindingCategoryRow['category']): HTMLSpanElement {
  const b = document.createElement('span');
  b.className = `category-badge category-${category}`;
  b.textContent = CATEGORY_TEXT[category];
  return b;
}

/** Turns the category column the report renders itself ("memorized", "not-learned") into badges; its sort keys stay. */
function badgeCategories(col: number, data: Map<string, FindingCategoryRow>): void {
  for (const row of findingRows()) {
    const cell = row.cells[col];
    const text = cell?.textContent?.trim();
    if (!cell || (text !== 'memorized' && text !== 'not-learned')) continue;
    if (!cell.hasAttribute('data-value')) cell.setAttribute('data-value', text);
    cell.replaceChildren(badge(text));
    row.setAttribute('data-category', text);
    const d = data.get(row.getAttribute('data-sample-id') ?? '');
    if (d) cell.title = d.words;
  }
}

/** Adds the category and "mem" columns the table lacks, when the page carries categories. */
function setupCategories(): void {
  const data = categoryRows();
  const table = document.querySelector<HTMLTableElement>('#findings table');
  if (data.size === 0 || !table?.tHead || findingRows().length === 0) return;
  const addCategory = columnOf('category') < 0;
  const addMem = columnOf('mem') < 0;
  if (!addCategory) badgeCategories(columnOf('category'), data);
  if (!addCategory && !addMem) return;
  const at = Math.max(0, columnOf('method')) + 1;
  const headRow = table.tHead.rows[0]!;
  const newHeaders = [...(addCategory ? [th('category', false)] : []), ...(addMem ? [th('mem', true)] : [])];
  headRow.insertBefore(newHeaders[0]!, headRow.cells[at] ?? null);
  if (newHeaders[1]) newHeaders[0]!.after(newHeaders[1]);
  for (const row of findingRows()) {
    const d = data.get(row.getAttribute('data-sample-id') ?? '');
    const cells: HTMLTableCellElement[] = [];
    if (addCategory) {
      const td = document.createElement('td');
      // Sorted memorized first (the report's own order), then not learned, then none.
      td.setAttribute('data-value', d ? (d.category === 'memorized' ? '1 memorized' : '2 not-learned') : '3');
      if (d) {
        td.append(badge(d.category));
        td.title = d.words;
        row.setAttribute('data-category', d.category);
      }
      cells.push(td);
    }
    if (addMem) {
      const td = document.createElement('td');
      td.className = 'num';
      td.setAttribute('data-value', d?.mem === null || d?.mem === undefined ? '' : String(d.mem));
      td.textContent = fmtMem(d?.mem ?? null);
      if (d) td.title = d.words + (d.memProb !== null ? ` (with the label's probability: ${fmtMem(d.memProb)})` : '');
      cells.push(td);
    }
    row.insertBefore(cells[0]!, row.cells[at] ?? null);
    if (cells[1]) cells[0]!.after(cells[1]);
  }
  // Take the findings table's sorting over: fresh buttons drop REPORT_SCRIPT's handlers.
  for (const header of Array.from(headRow.cells)) {
    const old = header.querySelector('button');
    if (!old) continue;
    const button = old.cloneNode(true) as HTMLButtonElement;
    old.replaceWith(button);
    button.addEventListener('click', () => sortFindings(table, header));
  }
}

function setupFindings(): void {
  const rows = findingRows();
  if (rows.length === 0) return;
  const nameAt = Math.max(0, columnOf('method'));
  const whereAt = columnOf('location') < 0 ? 2 : columnOf('location');
  for (const row of rows) {
    row.classList.add('finding-row');
    const name = row.cells[nameAt]?.textContent ?? 'method';
    const where = row.cells[whereAt]?.textContent ?? '';
    const category = row.getAttribute('data-category');
    row.setAttribute('aria-label', `Open ${name}${category ? ` (${CATEGORY_TEXT[category as FindingCategoryRow['category']] ?? category})` : ''} at ${where}`);
    row.title = `Open ${where}`;
  }
  setCurrent(rows[0]!, false);
  const tbody = rows[0]!.parentElement!;
  tbody.addEventListener('click', (e) => {
    const row = (e.target as Element).closest<HTMLTableRowElement>('tr[data-sample-id]');
    if (!row) return;
    setCurrent(row, false);
    const button = (e.target as Element).closest<HTMLButtonElement>('button.diff-button');
    if (button) openDiff(row, button);
    else open(row);
  });
  tbody.addEventListener('keydown', (e) => {
    const row = (e.target as Element).closest<HTMLTableRowElement>('tr[data-sample-id]');
    // A focused button handles its own Enter and Space (a click).
    if (!row || (e.target as Element).closest('button')) return;
    // Rows in their current (possibly sorted) order.
    const all = findingRows();
    const i = all.indexOf(row);
    let next: HTMLTableRowElement | undefined;
    switch (e.key) {
      case 'Enter':
      case ' ':
        e.preventDefault();
        open(row);
        return;
      case 'ArrowDown':
        next = all[Math.min(all.length - 1, i + 1)];
        break;
      case 'ArrowUp':
        next = all[Math.max(0, i - 1)];
        break;
      case 'Home':
        next = all[0];
        break;
      case 'End':
        next = all[all.length - 1];
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next) setCurrent(next, true);
  });
}

function setupExport(): void {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-export]'))) {
    b.addEventListener('click', () => {
      const format = b.getAttribute('data-export');
      if (format === 'json' || format === 'sarif' || format === 'html') post({ type: 'export', format });
    });
  }
}

const onCartography = setupCartography(post);

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const m = e.data as Partial<ReportPanelNotice> | null;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'cartography') {
    onCartography?.(m as CartographyNotice);
    return;
  }
  if (m.type !== 'status' || typeof (m as { text?: unknown }).text !== 'string') return;
  const status = document.querySelector('[data-status]');
  if (status) status.textContent = (m as { text: string }).text;
});

setupCategories();
setupFindings();
setupExport();
post({ type: 'ready' });
