/**
 * The report panel's script (runs in the webview): the likely-memorized table's rows open their
 * method (click, or Enter / Space on a focused row; arrow keys, Home and End move between rows),
 * a level under "noised in" opens the diff of the method and its noised copy, the export buttons
 * ask the extension to save the report, and the cartography map (cartography.ts) asks for its
 * data and draws it. Sorting is the report's own script (REPORT_SCRIPT). Reads the page with DOM
 * APIs only and writes text only (`textContent`).
 */
import { setupCartography } from './cartography';
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

function setupFindings(): void {
  const rows = findingRows();
  if (rows.length === 0) return;
  for (const row of rows) {
    row.classList.add('finding-row');
    const name = row.cells[1]?.textContent ?? 'method';
    const where = row.cells[2]?.textContent ?? '';
    row.setAttribute('aria-label', `Open ${name} at ${where}`);
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

setupFindings();
setupExport();
post({ type: 'ready' });
