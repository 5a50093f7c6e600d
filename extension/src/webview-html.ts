/**
 * The HTML of the two webviews, as pure functions (no `vscode` import), so that the headless
 * Chromium tests load exactly the page the extension shows:
 * - the report panel: the standalone report's own markup and stylesheet (`renderReportBody`,
 *   `REPORT_CSS`, `REPORT_SCRIPT` from the engine's report renderer, bundled: it is pure TS), plus a
 *   toolbar with the export buttons, a stylesheet mapping VS Code's theme variables onto the
 *   report's, and a script (extension/webview/report.ts) for clicks, keys and messages;
 * - the dashboard: a static skeleton filled by extension/webview/dashboard.ts from messages.
 *
 * Content-Security-Policy: nothing loads but the extension's own files (`cspSource`) and the
 * inline stylesheet and scripts that carry this page's nonce; no `unsafe-eval`, no `unsafe-inline`.
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml as esc } from '../../server/src/report/shared/escape';
import { REPORT_FORMATS, type ReportFormat } from '../../server/src/report/shared/formats';
import { pageHead, REPORT_CSS, REPORT_SCRIPT, renderReportBody, type HtmlOptions } from '../../server/src/report/shared/html';
import type { AuditReport } from '../../server/src/protocol/report';
import { fmtDuration } from '../../server/src/report/shared/format';
import { CATEGORY_LABELS, fmtMem, memorizationWords, type FindingCategoryRow } from './findings-map';

/** A fresh nonce for one page (128 random bits, base64 without padding characters CSP dislikes). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64').replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
}

/**
 * The webviews' Content-Security-Policy: scripts only with the page's nonce, styles with the nonce
 * or from the extension's own files, images only from the extension (icons) and nothing else.
 */
export function webviewCsp(nonce: string, cspSource: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** URLs (as the webview sees them) of a page's stylesheet and script. */
export interface WebviewAssets {
  style: string;
  script: string;
}

export interface PageOptions {
  nonce: string;
  /** `webview.cspSource` (in tests: the origin the assets are served from). */
  cspSource: string;
  assets: WebviewAssets;
}

export interface ReportPageOptions extends PageOptions {
  /** How paths are shown (the audited folder as `cwd`). */
  locate?: HtmlOptions;
}

/** Report formats the report panel exports (its toolbar's buttons, labelled with the formats' titles). */
export const EXPORT_FORMATS = ['json', 'sarif', 'html'] as const satisfies readonly ReportFormat[];
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function head(title: string, o: PageOptions, extra: readonly string[] = []): string {
  return pageHead(title, webviewCsp(o.nonce, o.cspSource), [...extra, `<link rel="stylesheet" nonce="${esc(o.nonce)}" href="${esc(o.assets.style)}">`]);
}

/** Each categorized finding's category and numbers, for the page's category and "mem" columns; empty without categories. */
export function findingCategoryRows(report: Pick<AuditReport, 'findings' | 'memorization'>): FindingCategoryRow[] {
  const rows: FindingCategoryRow[] = [];
  for (const f of report.findings) {
    if (f.category !== 'memorized' && f.category !== 'not-learned') continue;
    rows.push({
      sampleId: f.sampleId,
      category: f.category,
      mem: f.mem ?? null,
      memProb: f.memProb ?? null,
      fittedRate: f.fittedRate ?? null,
      heldOutRate: f.heldOutRate ?? null,
      words: `${CATEGORY_LABELS[f.category]}: ${memorizationWords(f, report.memorization)}`,
    });
  }
  return rows;
}

/** One line on the cross-fitted memorization score of the report (folds, models, time, counts), or undefined without one. */
export function memorizationSummaryLine(report: Pick<AuditReport, 'memorization'>): string | undefined {
  const m = report.memorization;
  if (!m) return undefined;
  const models = `${m.runs.length} fold run${m.runs.length === 1 ? '' : 's'} and the clean run`;
  const top = m.meanMemTop50 === null ? '' : `; mean score of the top 50: ${fmtMem(m.meanMemTop50)}`;
  return (
    `Memorization score, ${m.estimator}: cross-fitted over ${m.folds} folds, ${models}, ${fmtDuration(m.seconds * 1000)}; ` +
    `${m.memorized} likely memorized and ${m.notLearned} not learned of ${m.samples} methods${top}. ` +
    'Likely memorized: fitted by the models trained on it, not predicted by those that held it out; not learned: not fitted even when trained on.'
  );
}

/** The report panel's page for `report`. */
export function reportPanelHtml(report: AuditReport, o: ReportPageOptions): string {
  const buttons = EXPORT_FORMATS.map((f) => `<button type="button" data-export="${f}" title="Save the report as ${REPORT_FORMATS[f].title}…">${REPORT_FORMATS[f].title}</button>`).join('');
  const diffs = report.findings.some((f) => f.noise?.some((n) => n.diff));
  const findingsHint =
    report.findings.length > 0
      ? `<p class="panel-hint" id="findings-hint">Click a row, or focus it and press Enter, to open the method in the editor; the arrow keys move between rows.${diffs ? ' A level under “noised in” opens a diff: the method as written and as that noisy run trained on it.' : ''}</p>`
      : '';
  const summary = memorizationSummaryLine(report);
  const categories = findingCategoryRows(report);
  // The categories travel as data (JSON in an attribute, escaped); the page's script adds the columns.
  const extra =
    (summary && report.findings.length > 0 ? `<p class="panel-hint memorization-summary" data-memorization-summary>${esc(summary)}</p>` : '') +
    (categories.length > 0 ? `<div hidden data-finding-categories="${esc(JSON.stringify(categories))}"></div>` : '');
  return [
    head(`memaudit report ${report.runId}`, o, [`<style nonce="${esc(o.nonce)}">${REPORT_CSS}</style>`]),
    '<body>',
    `<div class="panel-toolbar" role="toolbar" aria-label="Report actions"><span class="panel-toolbar-label">Export</span>${buttons}<span class="panel-status" role="status" aria-live="polite" data-status></span></div>`,
    // The hint goes after the findings' introduction (the renderer's text ends with this sentence).
    renderReportBody(report, { ...o.locate, panel: true }).replace('Press a column header to sort.</p>', `Press a column header to sort.</p>${extra}${findingsHint}`),
    `<script nonce="${esc(o.nonce)}">${REPORT_SCRIPT}</script>`,
    `<script nonce="${esc(o.nonce)}" src="${esc(o.assets.script)}"></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The dashboard's page: a skeleton the dashboard script fills from `state` messages. */
export function dashboardHtml(o: PageOptions): string {
  return [
    head('Memaudit dashboard', o),
    '<body>',
    '<main class="dash" aria-busy="true">',
    '<section class="dash-actions" aria-label="Commands">',
    '<button type="button" class="primary" data-command="audit">Audit memorization…</button>',
    '<button type="button" data-command="cancelAudit" hidden>Cancel audit</button>',
    '<button type="button" data-command="openReport">Open report</button>',
    '<button type="button" data-command="showFindings">Likely memorized methods</button>',
    '</section>',
    '<section class="dash-current" aria-labelledby="dash-current-h"><h2 id="dash-current-h">Current audit</h2><div data-current><p class="muted">Loading…</p></div></section>',
    '<section class="dash-latest" aria-labelledby="dash-latest-h"><h2 id="dash-latest-h">Latest result</h2><div data-latest></div></section>',
    '<section class="dash-runs" aria-labelledby="dash-runs-h"><h2 id="dash-runs-h">Recent audits</h2><div data-runs></div></section>',
    '<p class="dash-foot"><button type="button" class="link" data-command="showOutput">Show engine output</button></p>',
    '</main>',
    `<script nonce="${esc(o.nonce)}" src="${esc(o.assets.script)}"></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
