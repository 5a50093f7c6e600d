/**
 * The HTML report: one standalone, offline file (no remote resources) with inline CSS, inline SVG
 * charts and a small inline script that makes tables sortable.
 *
 * Split in two so that the VS Code extension can reuse the rendering inside a webview with its
 * own Content-Security-Policy and nonce:
 * - `renderReportBody(report)` — the report's markup only (no `<script>`, no `<style>`); every
 *   string from the report is escaped, ids come from a counter, colours from CSS classes;
 * - `REPORT_CSS` and `REPORT_SCRIPT` — the stylesheet and the script the body expects;
 * - `toHtml(report)` — the page shell: a CSP that allows exactly that stylesheet and that script
 *   by their SHA-256 hashes (deterministic output, unlike a nonce), and nothing else.
 *
 * Every chart is an `<svg role="img">` with a title and description, followed by a `<details>`
 * holding the same numbers as a table (screen readers, copy-paste, printing).
 */
import { createHash } from 'node:crypto';
import { epochCurve, gateSummary, keyRepeatsLabel, noiseGroups, rocAt, rocGroups, SCORE_ROWS, scoreView, summarizeLevel, uncalibratedReason, type LevelGroup, type NoiseGroup } from './aggregate';
import { ADVERSARIAL_HELP, adversarialEpsilon, adversarialLevels, adversarialRows } from './adversarial';
import { escapeHtml as esc } from './escape';
import { describeNoise, detectionChoiceLine, detectionScoreLabel, fmt, fmtCount, fmtDuration, fmtLevel, fmtTask, withInterval } from './format';
import { MODEL_CHARTS, modelCurveKinds, modelCurves, modelLevelsTable, modelScoresTable, reportModels, type ModelsTable } from './models';
import { corpusRoots, locateFinding, type LocateOptions } from './paths';
import { earlyStopText, hasEarlyStopping, trainingSettings } from './settings';
import { reportSweep, sweepGDomain, sweepPoints, sweepTable } from './sweep';
import { barChart, lineChart, niceTicks, SERIES_COLORS, type LineSeries } from './svg';
import type { AuditReport, EpochReport, Finding, FindingNoise, ReportGate, RunReport, ScoreKey } from '../../protocol/report';

/** Options of the HTML renderers. */
export interface HtmlOptions extends LocateOptions {
  /**
   * Markup for the VS Code report panel, whose script and extension supply what a standalone
   * file cannot: the cartography map (a canvas fed with the runs' per-sample data) and diff
   * buttons on the findings corrupted by a noisy run. Default false (the standalone report).
   */
  panel?: boolean;
}

/** The stylesheet the body's classes expect; light and dark themes via `prefers-color-scheme`. */
export const REPORT_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --card: #f6f8fa; --grid: #e4e8ec;
  --pass: #1a7f37; --fail: #cf222e; --accent: #0969da; --ref: #8c959f;
  --c0: #0969da; --c1: #bc4c00; --c2: #1a7f37; --c3: #8250df; --c4: #bf3989; --c5: #9a6700; --c6: #0550ae; --c7: #57606a;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --card: #151b23; --grid: #262c36;
    --pass: #3fb950; --fail: #f85149; --accent: #4493f8; --ref: #656c76;
    --c0: #4493f8; --c1: #f0883e; --c2: #3fb950; --c3: #ab7df8; --c4: #db61a2; --c5: #d29922; --c6: #79c0ff; --c7: #9198a1;
  }
}
html, body { background: var(--bg); margin: 0; }
.memaudit-report { background: var(--bg); color: var(--fg); font-family: var(--font); line-height: 1.45; margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
.memaudit-report h1 { font-size: 1.6em; margin: 0.2em 0; }
.memaudit-report h2 { border-bottom: 1px solid var(--border); font-size: 1.3em; margin-top: 1.8em; padding-bottom: 0.2em; }
.memaudit-report h3 { font-size: 1.05em; margin: 1em 0 0.4em; }
.memaudit-report .muted, .memaudit-report figcaption { color: var(--muted); }
.memaudit-report code, .memaudit-report .path { font-family: var(--mono); font-size: 0.92em; overflow-wrap: break-word; }
.memaudit-report nav ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; padding: 0; }
.memaudit-report a { color: var(--accent); }
.memaudit-report .verdict { border: 1px solid var(--border); border-left-width: 6px; border-radius: 6px; font-weight: 600; padding: 8px 12px; }
.memaudit-report .verdict.passed { border-left-color: var(--pass); }
.memaudit-report .verdict.failed { border-left-color: var(--fail); }
.memaudit-report .cards { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
.memaudit-report .card { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px; }
.memaudit-report .card-head { align-items: baseline; display: flex; flex-wrap: wrap; gap: 2px 8px; justify-content: space-between; }
.memaudit-report .card-title { font-weight: 600; }
.memaudit-report .card-key { border: 1px solid var(--border); border-radius: 4px; color: var(--muted); font-size: 0.8em; padding: 0 5px; }
.memaudit-report .card .value { font-size: 1.8em; font-variant-numeric: tabular-nums; font-weight: 600; }
.memaudit-report .card .help { color: var(--muted); font-size: 0.85em; }
.memaudit-report .card .value.insufficient { font-size: 1em; font-weight: 600; }
.memaudit-report .card .interval { color: var(--muted); font-size: 0.85em; font-variant-numeric: tabular-nums; }
.memaudit-report .badge { border-radius: 10px; display: inline-block; font-size: 0.85em; font-weight: 600; margin: 4px 4px 0 0; padding: 0 8px; }
.memaudit-report .badge.pass { border: 1px solid var(--pass); color: var(--pass); }
.memaudit-report .badge.fail { border: 1px solid var(--fail); color: var(--fail); }
.memaudit-report table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 8px 0; }
.memaudit-report th, .memaudit-report td { border-bottom: 1px solid var(--border); padding: 4px 10px; text-align: left; vertical-align: top; }
.memaudit-report td.num, .memaudit-report th.num { text-align: right; }
.memaudit-report .table-wrap { max-width: 100%; overflow-x: auto; }
.memaudit-report th button { background: none; border: 0; color: inherit; cursor: pointer; font: inherit; font-weight: 600; padding: 0; }
.memaudit-report th button:focus-visible, .memaudit-report summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.memaudit-report th[aria-sort="ascending"] .sort-mark::after { content: " ▲"; }
.memaudit-report th[aria-sort="descending"] .sort-mark::after { content: " ▼"; }
.memaudit-report .charts { display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); }
.memaudit-report figure { margin: 0; }
.memaudit-report svg.chart { height: auto; max-width: 100%; }
.memaudit-report svg.chart text { fill: var(--fg); font-family: var(--font); font-size: 11px; }
.memaudit-report svg.chart .label { fill: var(--muted); font-size: 12px; }
.memaudit-report svg.chart .axis line { stroke: var(--muted); }
.memaudit-report svg.chart .grid line { stroke: var(--grid); }
.memaudit-report svg.chart .series polyline { fill: none; stroke-width: 2; }
.memaudit-report svg.chart .series.dash polyline { stroke-dasharray: 6 4; }
.memaudit-report svg.chart .series.strong polyline { stroke-width: 3.5; }
.memaudit-report svg.chart .point-label { fill: var(--fg); font-size: 11px; }
.memaudit-report svg.chart .bar rect { fill: var(--c7); }
.memaudit-report svg.chart .bar.best rect { fill: var(--accent); }
.memaudit-report svg.chart .reference line { stroke: var(--ref); stroke-dasharray: 4 3; stroke-width: 1.5; }
${Array.from({ length: 8 }, (_, i) => `.memaudit-report .s${i} { --swatch: var(--c${i}); }`).join('\n')}
.memaudit-report svg.chart .series polyline { stroke: var(--swatch); }
.memaudit-report svg.chart .series circle { fill: var(--swatch); }
.memaudit-report .legend { display: flex; flex-wrap: wrap; font-size: 0.9em; gap: 2px 14px; list-style: none; margin: 2px 0 0; padding: 0; }
.memaudit-report .swatch { background: var(--swatch); border-radius: 2px; display: inline-block; height: 4px; margin-right: 6px; vertical-align: middle; width: 20px; }
.memaudit-report .swatch.dash { background: repeating-linear-gradient(90deg, var(--swatch) 0 6px, transparent 6px 10px); }
.memaudit-report details { margin: 4px 0 12px; }
.memaudit-report summary { color: var(--muted); cursor: pointer; }
.memaudit-report dl.facts { display: grid; gap: 2px 16px; grid-template-columns: max-content 1fr; }
.memaudit-report dl.facts dt { color: var(--muted); }
.memaudit-report dl.facts dd { margin: 0; }
.memaudit-report .noise-runs { white-space: nowrap; }
.memaudit-report #findings .path { display: inline-block; min-width: 18em; white-space: normal; }
.memaudit-report .noise-runs .noise-kind { color: var(--muted); }
.memaudit-report .region-cell { white-space: nowrap; }
.memaudit-report .sr-only { clip: rect(0 0 0 0); height: 1px; margin: -1px; overflow: hidden; position: absolute; white-space: nowrap; width: 1px; }
@media print { .memaudit-report details { display: block; } }
`.trimStart();

/**
 * Sorts tables marked `data-sortable` when a header button is pressed (buttons are keyboard
 * accessible by themselves; `aria-sort` tells screen readers, a polite live region says what
 * happened). Reads cells' `data-value` (numbers where the header says `data-type="number"`).
 * Uses no `eval`, no `innerHTML`, and needs nothing but this page.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  function key(cell, numeric) {
    var raw = cell.getAttribute('data-value');
    if (raw === null) raw = cell.textContent || '';
    if (!numeric) return raw.toLowerCase();
    var n = parseFloat(raw);
    return isNaN(n) ? null : n;
  }
  function sortTable(table, th, col) {
    var numeric = th.getAttribute('data-type') === 'number';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    var headers = table.tHead.rows[0].cells;
    for (var i = 0; i < headers.length; i++) headers[i].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var sign = dir === 'ascending' ? 1 : -1;
    rows.sort(function (a, b) {
      var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    });
    for (var r = 0; r < rows.length; r++) body.appendChild(rows[r]);
    var status = table.parentNode && table.parentNode.querySelector('[data-sort-status]');
    if (status) status.textContent = 'Sorted by ' + (th.getAttribute('data-label') || th.textContent) + ', ' + dir + '.';
  }
  var tables = document.querySelectorAll('table[data-sortable]');
  Array.prototype.forEach.call(tables, function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, col) {
      var button = th.querySelector('button');
      if (button) button.addEventListener('click', function () { sortTable(table, th, col); });
    });
  });
})();
`.trimStart();

function sha256Base64(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/** The page's Content-Security-Policy: nothing but the report's own stylesheet and script. */
export function reportCsp(): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${sha256Base64(REPORT_CSS)}'`,
    `script-src 'sha256-${sha256Base64(REPORT_SCRIPT)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Hands out element ids unique within one rendered body (never derived from report text). */
class Ids {
  private n = 0;
  next(prefix: string): string {
    this.n++;
    return `ma-${prefix}-${this.n}`;
  }
}

interface Column {
  label: string;
  numeric?: boolean;
}

/** A table; cells are already-escaped HTML. `sortable` adds header buttons (and `values` sort keys). */
function tableHtml(columns: Column[], rows: { cells: string[]; values?: (string | number | null)[]; attrs?: string }[], opts: { caption?: string; sortable?: boolean; sortedBy?: number } = {}): string {
  const head = columns
    .map((c, i) => {
      const cls = c.numeric ? ' class="num"' : '';
      if (!opts.sortable) return `<th scope="col"${cls}>${esc(c.label)}</th>`;
      const sort = opts.sortedBy === i ? ' aria-sort="ascending"' : '';
      return `<th scope="col"${cls}${sort} data-label="${esc(c.label)}"${c.numeric ? ' data-type="number"' : ''}><button type="button">${esc(c.label)}<span class="sort-mark" aria-hidden="true"></span></button></th>`;
    })
    .join('');
  const body = rows
    .map((r) => {
      const tds = r.cells.map((cell, i) => {
        const cls = columns[i]?.numeric ? ' class="num"' : '';
        const v = r.values?.[i];
        const value = v === undefined ? '' : ` data-value="${esc(v === null ? '' : String(v))}"`;
        return `<td${cls}${value}>${cell}</td>`;
      });
      return `<tr${r.attrs ?? ''}>${tds.join('')}</tr>`;
    })
    .join('\n');
  const caption = opts.caption ? `<caption class="sr-only">${esc(opts.caption)}</caption>` : '';
  const status = opts.sortable ? '<p class="sr-only" aria-live="polite" data-sort-status></p>' : '';
  return `<div class="table-wrap"><table${opts.sortable ? ' data-sortable' : ''}>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${status}</div>`;
}

function dataTable(summary: string, columns: Column[], rows: string[][]): string {
  return `<details class="chart-data"><summary>${esc(summary)}</summary>${tableHtml(columns, rows.map((cells) => ({ cells })), { caption: summary })}</details>`;
}

function legend(series: LineSeries[]): string {
  const items = series.map((s) => `<li><span class="swatch s${s.color % SERIES_COLORS}${s.dashed ? ' dash' : ''}" aria-hidden="true"></span>${esc(s.name)}</li>`);
  return `<ul class="legend">${items.join('')}</ul>`;
}

function figure(chart: string, caption: string, legendHtml: string, data: string): string {
  return `<figure>${chart}<figcaption>${esc(caption)}</figcaption>${legendHtml}${data}</figure>`;
}

/** One chart per x value table: rows = x, columns = series. */
function seriesTable(summary: string, xLabel: string, xFormat: (x: number) => string, series: LineSeries[]): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const rows = xs.map((x) => [esc(xFormat(x)), ...series.map((s) => esc(fmt(s.points.find((p) => p.x === x)?.y ?? null)))]);
  return dataTable(summary, [{ label: xLabel, numeric: true }, ...series.map((s) => ({ label: s.name, numeric: true }))], rows);
}

function epochX(x: number): string {
  return String(x);
}

function lineFigure(ids: Ids, title: string, description: string, xLabel: string, yLabel: string, series: LineSeries[], xFormat: (x: number) => string, xTicks?: number[]): string {
  const chart = lineChart({ id: ids.next('chart'), title, description, xLabel, yLabel, series, xFormat, ...(xTicks ? { xTicks } : {}) });
  return figure(chart, title, legend(series), seriesTable(`Data table: ${title}`, xLabel, xFormat, series));
}

function groupLabel(kind: string, g: LevelGroup): string {
  return g.level === 0 ? 'clean run (0% noise)' : `${kind} ${fmtLevel(g.level)}`;
}

function gateBadge(g: ReportGate): string {
  return `<span class="badge ${g.passed ? 'pass' : 'fail'}"><span aria-hidden="true">${g.passed ? '✓' : '✗'}</span> ${esc(g.gate)}<span class="sr-only">: ${g.passed ? 'passed' : 'failed'}</span></span>`;
}

/**
 * A score card's value: the number and, below it, its 95 % interval; or, when the score rests on
 * too little data, the reason instead of the number (docs/metrics.md § "Uncertainty (bootstrap
 * intervals)"). A version 1 report has neither interval nor status: the number alone.
 */
function cardValue(report: AuditReport, key: ScoreKey): string {
  const v = scoreView(report, key);
  if (v.insufficient) return `<div class="value insufficient" data-insufficient>${esc(v.insufficient)}</div>`;
  const ci = v.interval && v.value !== null ? `<div class="interval" title="95% bootstrap interval">95% [${esc(fmt(v.interval.low))}, ${esc(fmt(v.interval.high))}]</div>` : '';
  return `<div class="value">${esc(fmt(v.value))}</div>${ci}`;
}

function headline(report: AuditReport): string {
  const summary = gateSummary(report.gates);
  const verdict =
    summary.status === 'none'
      ? '<p class="verdict">No quality gates were set.</p>'
      : `<p class="verdict ${summary.status}" role="status">${summary.status === 'passed' ? `✓ All ${summary.total} quality gates passed.` : `✗ ${summary.failed} of ${summary.total} quality gates failed.`}</p>`;
  const cards = SCORE_ROWS.map((row) => {
    const gates = report.gates.filter((g) => g.metric === row.key);
    // The key is what gates name the score by; shown unless the label already ends with it.
    const key = keyRepeatsLabel(row) ? '' : ` <code class="card-key" title="Name in quality gates">${esc(row.key)}</code>`;
    return `<div class="card" data-score="${esc(row.key)}"><div class="card-head"><span class="card-title" title="${esc(`${row.label} (quality gates: ${row.key})`)}">${esc(row.label)}</span>${key}</div>${cardValue(report, row.key)}<div class="help">${esc(row.help)}</div>${gates.map(gateBadge).join('')}</div>`;
  });
  const gateTable =
    report.gates.length === 0
      ? ''
      : `<h3>Quality gates</h3>${tableHtml(
          [{ label: 'result' }, { label: 'gate' }, { label: 'measured', numeric: true }, { label: 'message' }],
          report.gates.map((g) => ({ cells: [g.passed ? '✓ passed' : '✗ failed', `<code>${esc(g.gate)}</code>`, esc(fmt(g.actual, 4)), esc(g.message)] })),
          { caption: 'Quality gates' },
        )}`;
  return `<section id="scores" aria-labelledby="scores-h"><h2 id="scores-h">Scores</h2>${verdict}<div class="cards">${cards.join('')}</div>${gateTable}</section>`;
}

function learningCurves(ids: Ids, groups: NoiseGroup[]): string {
  // The clean run is shared by every kind: drawn once, first.
  const panels: { label: string; runs: RunReport[] }[] = [];
  const clean = groups[0]?.levels.find((l) => l.level === 0);
  if (clean) panels.push({ label: groupLabel('', clean), runs: clean.runs });
  for (const g of groups) for (const l of g.levels) if (l.level !== 0) panels.push({ label: groupLabel(g.kind, l), runs: l.runs });
  const figures = panels.map((p) => {
    const series: LineSeries[] = [
      { name: 'train F1 (as trained)', color: 0, points: epochCurve(p.runs, (e) => e.train.f1).map((q) => ({ x: q.epoch, y: q.value })) },
      { name: 'test F1', color: 1, dashed: true, points: epochCurve(p.runs, (e) => e.test?.f1).map((q) => ({ x: q.epoch, y: q.value })) },
    ];
    const seeds = p.runs.length > 1 ? ` (mean of ${p.runs.length} seeds)` : '';
    return lineFigure(ids, `Train and test F1 per epoch: ${p.label}${seeds}`, `Subtoken F1 on the training split (with its noisy labels) and on the clean test split after each epoch, ${p.label}.`, 'epoch', 'F1', series, epochX);
  });
  return `<section id="curves" aria-labelledby="curves-h"><h2 id="curves-h">Learning curves</h2><p class="muted">A model that learns patterns gains on train and test together; one that memorizes keeps climbing on train while test stalls or falls.</p><div class="charts">${figures.join('')}</div></section>`;
}

function noiseCurve(ids: Ids, groups: NoiseGroup[]): string {
  const series: LineSeries[] = [];
  groups.forEach((g, i) => {
    const sums = g.levels.map(summarizeLevel);
    series.push({ name: `test F1, ${g.kind}`, color: i * 2, points: sums.map((s) => ({ x: s.level, y: s.testF1 })) });
    series.push({ name: `final train F1, ${g.kind}`, color: i * 2 + 1, dashed: true, points: sums.map((s) => ({ x: s.level, y: s.trainF1 })) });
  });
  const levels = [...new Set(groups.flatMap((g) => g.levels.map((l) => l.level)))].sort((a, b) => a - b);
  const fig = lineFigure(ids, 'Test F1 against the noise level', 'Final test F1 (and final train F1) of each noise level; the randomization test: train F1 that stays high while test F1 falls is memorization.', 'noise level', 'F1', series, fmtLevel, levels);
  return `<section id="noise" aria-labelledby="noise-h"><h2 id="noise-h">Noise curve</h2><div class="charts">${fig}</div></section>`;
}

function perKindEpochCharts(ids: Ids, groups: NoiseGroup[], opts: { section: string; heading: string; intro: string; title: (kind: string) => string; description: string; yLabel: string; pick: (e: EpochReport) => number | null | undefined; includeClean: boolean }): string {
  const figures: string[] = [];
  for (const g of groups) {
    const levels = g.levels.filter((l) => opts.includeClean || l.level !== 0);
    if (levels.length === 0) continue;
    const series: LineSeries[] = levels.map((l, i) => ({ name: groupLabel(g.kind, l), color: i, points: epochCurve(l.runs, opts.pick).map((q) => ({ x: q.epoch, y: q.value })) }));
    figures.push(lineFigure(ids, opts.title(g.kind), opts.description, 'epoch', opts.yLabel, series, epochX));
  }
  const body = figures.length > 0 ? `<div class="charts">${figures.join('')}</div>` : '<p class="muted">No run of this audit has data for this chart.</p>';
  return `<section id="${opts.section}" aria-labelledby="${opts.section}-h"><h2 id="${opts.section}-h">${esc(opts.heading)}</h2><p class="muted">${esc(opts.intro)}</p>${body}</section>`;
}

/**
 * Adversarial flip rates against the noise level (docs/metrics.md § "Adversarial robustness"), one
 * chart per noise kind at the largest ε, a table of the numbers and what each means; nothing when
 * no run measured them.
 */
function adversarialSection(ids: Ids, report: AuditReport): string {
  const rows = adversarialLevels(report);
  if (rows.length === 0) return '';
  const eps = fmt(adversarialEpsilon(report), 2);
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const figures = kinds.map((kind) => {
    const own = rows.filter((r) => r.kind === kind);
    const line = (name: string, color: number, pick: (r: (typeof rows)[number]) => number | null, dashed = false): LineSeries => ({ name, color, ...(dashed ? { dashed } : {}), points: own.map((r) => ({ x: r.level, y: pick(r) })) });
    const series = [
      line('PGD, test', 0, (r) => r.pgdTest),
      line('PGD, train', 1, (r) => r.pgdTrain, true),
      line('FGSM, test', 2, (r) => r.fgsmTest),
      line('PGD, corrupted train', 3, (r) => r.pgdCorrupted, true),
      line('rename, test', 4, (r) => r.renameTest),
    ].filter((x) => x.points.some((p) => p.y !== null));
    const title = `Adversarial flip rate against the noise level: ${kind} (ε = ${eps})`;
    return lineFigure(ids, title, `Share of predictions changed by each attack at ε = ${eps}, per noise level of ${kind}, mean over seeds.`, 'noise level', 'flip rate', series, fmtLevel, own.map((r) => r.level));
  });
  const table = tableHtml(
    ['noise', 'runs', 'FGSM train', 'FGSM test', 'PGD train', 'PGD test', 'PGD corrupted', 'rename train', 'rename test'].map((label, i) => ({ label, numeric: i > 0 })),
    adversarialRows(report).map((r) => ({ cells: [esc(r.level === 0 ? 'clean' : `${r.kind} ${fmtLevel(r.level)}`), String(r.runs), ...[r.fgsmTrain, r.fgsmTest, r.pgdTrain, r.pgdTest, r.pgdCorrupted, r.renameTrain, r.renameTest].map((v) => esc(fmt(v)))] })),
    { caption: `Adversarial flip rates at ε = ${eps}` },
  );
  const help = `<ul class="muted">${Object.values(ADVERSARIAL_HELP).map((h) => `<li>${esc(h)}</li>`).join('')}</ul>`;
  return `<section id="adversarial" aria-labelledby="adversarial-h"><h2 id="adversarial-h">Adversarial robustness</h2>${help}<div class="charts">${figures.join('')}</div><h3>Flip rates per noise level (ε = ${esc(eps)})</h3>${table}</section>`;
}

/** A table of plain strings (models, sweep), every cell escaped; numeric columns by default all but the first. */
function htmlTable(t: ModelsTable, caption: string, numeric = (i: number) => i > 0): string {
  return tableHtml(t.header.map((label, i) => ({ label, numeric: numeric(i) })), t.rows.map((r) => ({ cells: r.map(esc) })), { caption });
}

/**
 * "Models side by side" (`report.models`): each model's headline scores and, per noise kind, one
 * chart per score (test F1, noise fit) against the noise level with a series per model.
 */
function modelsSection(ids: Ids, report: AuditReport): string {
  const models = reportModels(report);
  if (!models) return '';
  const figures = modelCurveKinds(models).flatMap((kind) =>
    MODEL_CHARTS.map((c) => {
      const series: LineSeries[] = modelCurves(models, kind, c.value).map((s, k) => ({ ...s, color: k }));
      const levels = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
      const title = `${c.title} against the noise level, per model: ${kind}`;
      return lineFigure(ids, title, `${c.title} of each model's final epoch per ${kind} level, mean over seeds.`, 'noise level', c.yLabel, series, fmtLevel, levels);
    }),
  );
  return [
    '<section id="models" aria-labelledby="models-h" data-models>',
    '<h2 id="models-h">Models side by side</h2>',
    `<p class="muted">${models.length} models, each audited on its own; the other sections are ${esc(models[0]!.model)}'s, and each model's report is in its audit folder.</p>`,
    htmlTable(modelScoresTable(models), 'Headline scores per model'),
    `<div class="charts">${figures.join('')}</div>`,
    '<h3>Test F1 and noise fit per noise level</h3>',
    htmlTable(modelLevelsTable(models), 'Test F1 and noise fit per noise level and model'),
    '</section>',
  ].join('\n');
}

/**
 * "Mitigations" (`report.sweep`): M against G, one point per setting (a setting that helps sits
 * lower than the baseline and not to its left), the table and the recommendation.
 */
function sweepSection(ids: Ids, report: AuditReport): string {
  const sweep = reportSweep(report);
  if (!sweep) return '';
  const t = sweepTable(sweep);
  const points = sweepPoints(sweep);
  const series: LineSeries[] = points.map((p, k) => ({ name: p.name, points: p.G === null ? [] : [{ x: p.G, y: p.M }], color: k, strong: k === 0 }));
  const title = 'M (noise fit) against G (test F1), per setting';
  const description = 'Each point is one setting of the sweep, labelled with it: the test F1 of its clean runs (x) and its mean noise fit over the label-noise levels (y); the first setting is the baseline. A setting that helps sits below the baseline and not to its left.';
  const xDomain = sweepGDomain(points);
  const chart = lineChart({ id: ids.next('chart'), title, description, xLabel: 'G (test F1)', yLabel: 'M (noise fit)', series, xDomain, xTicks: niceTicks(xDomain[0], xDomain[1], 5), xFormat: (x) => fmt(x, 2), pointLabels: true });
  const data = dataTable(
    `Data table: ${title}`,
    [{ label: 'setting' }, { label: 'G (test F1)', numeric: true }, { label: 'M (noise fit)', numeric: true }],
    points.map((p, k) => [esc(p.name) + (k === 0 ? ' (baseline)' : ''), esc(fmt(p.G)), esc(fmt(p.M))]),
  );
  return [
    '<section id="sweep" aria-labelledby="sweep-h" data-sweep>',
    '<h2 id="sweep-h">Mitigations</h2>',
    `<p class="muted">${sweep.length} settings, each audited on its own; the other sections are the first setting's (the baseline).</p>`,
    `<p class="sweep-recommendation"><strong>Recommendation:</strong> ${esc(report.sweepRecommendation ?? 'n/a')}</p>`,
    `<div class="charts">${figure(chart, title, legend(series), data)}</div>`,
    htmlTable(t, 'Headline scores and noise fit per setting', (i) => i > 0 && i < t.header.length - 1),
    '</section>',
  ].join('\n');
}

function detection(ids: Ids, report: AuditReport): string {
  const signals = [...report.detection.signals].sort((a, b) => b.auroc - a.auroc);
  if (signals.length === 0) {
    return `<section id="detection" aria-labelledby="detection-h"><h2 id="detection-h">Detection quality</h2><p class="muted">No signal could be calibrated: ${esc(uncalibratedReason(report.runs))}.</p></section>`;
  }
  const title = 'AUROC of each per-sample signal at finding the corrupted samples';
  const chart = barChart({
    id: ids.next('chart'),
    title,
    description: 'Mean over the calibration runs of the AUROC with which each signal ranks the corrupted training samples above the clean ones; 0.5 is chance, 1 is perfect.',
    xLabel: 'AUROC (mean over the calibration runs)',
    bars: signals.map((s) => ({ label: s.signal, value: s.auroc, highlight: s.signal === report.detection.best })),
    reference: { value: 0.5, label: 'chance (0.5)' },
  });
  const data = dataTable(
    `Data table: ${title}`,
    [{ label: 'signal' }, { label: 'AUROC', numeric: true }, { label: 'average precision', numeric: true }],
    signals.map((s) => [esc(s.signal) + (s.signal === report.detection.best ? ' (best)' : ''), esc(withInterval(s.auroc, s.aurocInterval)), esc(withInterval(s.averagePrecision, s.averagePrecisionInterval))]),
  );
  const calibration = report.detection.calibrationRuns;
  const over = calibration === undefined ? 'every noisy run' : calibration.length === 1 ? `run ${calibration[0]}` : `${calibration.length} runs (${calibration.join(', ')})`;
  const choice = report.detection.choice;
  const best =
    report.detection.best === null
      ? ''
      : (choice
          ? `<p class="detection-choice"><strong>${esc(detectionChoiceLine(choice))}</strong>. It ranks the clean run's methods in the list below; the chart shows each signal over all epochs, averaged over ${esc(over)}.</p>`
          : `<p>Best signal: <strong>${esc(report.detection.best)}</strong>, averaged over ${esc(over)}. It ranks the clean run's methods in the list below.</p>`) +
        '<p class="muted">The signals are calibrated on label noise below 100% when the audit has some: a method whose name was replaced can only be fitted by memorizing it. Input noise leaves the name predictable, and at 100% there are no clean methods left to rank against.</p>';
  const rocs = rocFigures(ids, report);
  const intro = rocs.length > 0 ? '<p class="muted">A ROC curve shows, for every threshold on a signal, the share of corrupted samples it flags (true positive rate) against the share of clean samples it flags too (false positive rate); the diagonal is chance. A curve that rises steeply at the left finds noise while flagging few clean methods.</p>' : '';
  return `<section id="detection" aria-labelledby="detection-h"><h2 id="detection-h">Detection quality</h2>${best}${intro}<div class="charts">${figure(chart, title, '', data)}${rocs.join('')}</div></section>`;
}

/** False positive rates of the ROC tables' columns. */
const ROC_TABLE_FPR = [0.01, 0.05, 0.1, 0.2];

/** One ROC chart per noise kind: each signal's curve, averaged over the kind's noisy runs. */
function rocFigures(ids: Ids, report: AuditReport): string[] {
  // A signal keeps its colour in every chart: its place in the audit's ranking (best first, as the bars).
  const order = report.detection.signals.map((q) => q.signal);
  const colorOf = (signal: string): number => {
    if (!order.includes(signal)) order.push(signal);
    return order.indexOf(signal);
  };
  return rocGroups(report).map((g) => {
    const over = g.runs.length === 1 ? `run ${g.runs[0]!.id}` : `mean of ${g.runs.length} noisy runs`;
    const title = `ROC curve of each signal: ${g.kind} (${over})`;
    const series: LineSeries[] = g.signals.map((q) => ({
      name: `${q.signal}${q.signal === report.detection.best ? ' (best)' : ''}, AUROC ${fmt(q.auroc)}`,
      color: colorOf(q.signal),
      strong: q.signal === report.detection.best,
      points: q.roc.fpr.map((x, k) => ({ x, y: q.roc.tpr[k]! })),
    }));
    const chart = lineChart({
      id: ids.next('chart'),
      title,
      description: `True positive rate (corrupted samples flagged) against false positive rate (clean samples flagged) of every per-sample signal at finding the samples the ${g.kind} noise corrupted; curves averaged vertically over ${over}. The diagonal is chance.`,
      xLabel: 'false positive rate (clean samples flagged)',
      yLabel: 'true positive rate',
      series,
      xTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
      xFormat: (x) => fmt(x, 2),
      diagonal: 'chance (AUROC 0.5)',
      markers: false,
      height: 340,
    });
    const data = dataTable(
      `Data table: ${title}`,
      [{ label: 'signal' }, { label: 'AUROC', numeric: true }, { label: 'average precision', numeric: true }, ...ROC_TABLE_FPR.map((x) => ({ label: `TPR at FPR ${fmt(x * 100, 0)}%`, numeric: true }))],
      g.signals.map((q) => [
        esc(q.signal) + (q.signal === report.detection.best ? ' (best)' : ''),
        esc(fmt(q.auroc)),
        esc(fmt(q.averagePrecision)),
        ...ROC_TABLE_FPR.map((x) => esc(fmt(rocAt(q.roc, x)))),
      ]),
    );
    return figure(chart, title, legend(series), data);
  });
}

/** A run for people: `clean run`, `y-shuffle 50%`, with its seed when the audit had several. */
function runLabel(report: AuditReport, r: RunReport): string {
  const seed = report.config.seeds.length > 1 ? ` (seed ${r.seed})` : '';
  return (r.kind === 'none' || r.level === 0 ? 'clean run' : `${r.kind} ${fmtLevel(r.level)}`) + seed;
}

/** The run the cartography map opens on: a noisy run near 50 % (corrupted and clean both plentiful), else the first. */
export function defaultCartographyRun(report: AuditReport): RunReport | undefined {
  const withMap = report.runs.filter((r) => r.files.cartography);
  const noisy = withMap.filter((r) => r.corrupted > 0);
  if (noisy.length === 0) return withMap[0];
  return noisy.reduce((a, b) => (Math.abs(b.level - 50) < Math.abs(a.level - 50) ? b : a));
}

function regionCell(c: { clean: number; corrupted: number }): string {
  return `<span class="region-cell">${esc(fmtCount(c.clean))} / ${esc(fmtCount(c.corrupted))}</span>`;
}

/**
 * Dataset cartography (docs/metrics.md § "Data cartography"): per run, the training samples by
 * region, clean vs corrupted, from the report; in the panel also the map itself, drawn by the
 * panel's script on a canvas from the run's per-sample file.
 */
function cartographySection(ids: Ids, report: AuditReport, opts: HtmlOptions): string {
  const head = '<section id="cartography" aria-labelledby="cartography-h"><h2 id="cartography-h">Dataset cartography</h2>';
  const intro =
    '<p class="muted">Every training sample of a run placed by its <strong>confidence</strong> (mean over the epochs of the probability the model gives its label) and its <strong>variability</strong> (the standard deviation of that probability), as in Swayamdipta et al. 2020. ' +
    'Easy samples are learned early and stay learned (high confidence, low variability); ambiguous ones swing (high variability); hard ones are never learned (low confidence, low variability): mislabeled samples gather there until the model memorizes them.</p>';
  const runs = report.runs.filter((r) => r.cartography);
  if (runs.length === 0) return `${head}${intro}<p class="muted">This report has no cartography data (it was written by an earlier memaudit).</p></section>`;
  const t = runs[0]!.cartography!.thresholds;
  const regions = `Regions: ambiguous when variability ≥ ${fmt(t.ambiguousVariability)}; otherwise easy when confidence ≥ ${fmt(t.easyConfidence)}, hard below.`;
  const table = tableHtml(
    [{ label: 'run' }, { label: 'easy (clean / corrupted)', numeric: true }, { label: 'ambiguous (clean / corrupted)', numeric: true }, { label: 'hard (clean / corrupted)', numeric: true }, { label: 'corrupted in hard', numeric: true }],
    runs.map((r) => {
      const g = r.cartography!.regions;
      const corrupted = g.easy.corrupted + g.ambiguous.corrupted + g.hard.corrupted;
      const share = corrupted > 0 ? g.hard.corrupted / corrupted : null;
      return {
        cells: [esc(runLabel(report, r)), regionCell(g.easy), regionCell(g.ambiguous), regionCell(g.hard), esc(share === null ? '—' : `${fmt(share * 100, 1)}%`)],
        attrs: ` data-run="${esc(r.id)}"`,
      };
    }),
    { caption: 'Training samples per cartography region, clean / corrupted' },
  );
  let map = '';
  const mapped = report.runs.filter((r) => r.files.cartography);
  if (opts.panel && mapped.length > 0) {
    const selected = defaultCartographyRun(report)!;
    const select = ids.next('carto-run');
    const readout = ids.next('carto-readout');
    const options = mapped.map((r) => `<option value="${esc(r.id)}"${r === selected ? ' selected' : ''}>${esc(runLabel(report, r))}${r.corrupted > 0 ? ` · ${esc(fmtCount(r.corrupted))} corrupted` : ''}</option>`).join('');
    map = [
      `<figure class="carto" data-carto data-ambiguous-variability="${esc(String(t.ambiguousVariability))}" data-easy-confidence="${esc(String(t.easyConfidence))}">`,
      '<div class="carto-controls">',
      `<label for="${select}">Run</label> <select id="${select}" data-carto-run>${options}</select>`,
      '<span class="carto-legend" aria-hidden="true"><span class="carto-swatch clean" data-probe="clean"></span>clean <span class="carto-swatch corrupted" data-probe="corrupted"></span>corrupted</span>',
      '<span class="carto-probe" data-probe="axis" hidden></span><span class="carto-probe" data-probe="grid" hidden></span><span class="carto-probe" data-probe="muted" hidden></span><span class="carto-probe" data-probe="bg" hidden></span>',
      '</div>',
      `<div class="carto-frame"><canvas data-carto-canvas role="img" aria-describedby="${readout}" aria-label="Cartography map: variability (x, 0 to 0.5) against confidence (y, 0 to 1) of every training sample of the selected run, clean and corrupted in two colours. The table below gives the same counts."></canvas></div>`,
      // The readout follows the pointer (not a live region: it would chatter); loads are announced apart.
      `<p class="carto-readout" id="${readout}" data-carto-readout>Loading the map…</p><p class="sr-only" aria-live="polite" data-carto-status></p>`,
      '<figcaption>Cartography map of the selected run, one dot per training sample.</figcaption>',
      '<details class="chart-data"><summary>Data table: samples of the selected run per cell of variability × confidence</summary><div data-carto-table><p class="muted">Loading…</p></div></details>',
      '</figure>',
    ].join('');
  }
  return `${head}${intro}${map}<h3>Samples per region</h3><p class="muted">${esc(regions)}</p>${table}</section>`;
}

function findingLocation(f: Finding, roots: readonly string[], opts: HtmlOptions): { text: string; file: string; line: number } {
  const loc = locateFinding(f, roots, opts);
  const line = f.jsonlLine ?? f.range.startLine + 1;
  const text = f.archiveEntry !== undefined ? `${loc.display}!${f.archiveEntry}:${f.range.startLine + 1}` : `${loc.display}:${line}`;
  return { text, file: loc.display, line };
}

/** A path, escaped, that may wrap after its slashes (long corpus paths would widen the table). */
function breakable(p: string): string {
  return p.split('/').map(esc).join('/<wbr>');
}

/**
 * The noisy runs that corrupted a finding's method, grouped by kind ("y-shuffle 50% 75%"); in the
 * panel each run with a stored diff is a button that opens the diff view.
 */
function noiseCell(report: AuditReport, f: Finding, opts: HtmlOptions): string {
  const list = f.noise ?? [];
  if (list.length === 0) return '<span class="muted">—</span>';
  const seeds = report.config.seeds.length > 1;
  const kinds: string[] = [];
  for (const n of list) if (!kinds.includes(n.kind)) kinds.push(n.kind);
  const what = (n: FindingNoise): string => describeNoise(n, f.language);
  const groups = kinds.map((kind) => {
    const items = list
      .filter((n) => n.kind === kind)
      .map((n) => {
        const text = `${fmtLevel(n.level)}${seeds ? ` s${n.seed}` : ''}`;
        const tip = `${kind} ${text}: ${what(n)}`;
        if (opts.panel && n.diff) {
          return `<button type="button" class="diff-button" data-diff-run="${esc(n.runId)}" title="${esc(`${tip} (open the diff)`)}" aria-label="${esc(`Diff of ${f.name}: original vs ${kind} ${text}`)}">${esc(text)}</button>`;
        }
        return `<span title="${esc(tip)}">${esc(text)}</span>`;
      });
    return `<span class="noise-kind">${esc(kind)}</span> ${items.join(' ')}`;
  });
  return `<span class="noise-runs">${groups.join('<br>')}</span>`;
}

/** The columns of the memorization score (docs/metrics.md § "Memorization score (cross-fitted)"). */
const MEMORIZATION_COLUMNS: Column[] = [{ label: 'category' }, { label: 'mem', numeric: true }, { label: 'P_in', numeric: true }, { label: 'P_out', numeric: true }, { label: 'detection rank', numeric: true }];

/** A finding's values in `MEMORIZATION_COLUMNS`. */
function memorizationValues(f: Finding): (string | number | null)[] {
  const n = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
  return [f.category ?? '', n(f.mem), n(f.fittedRate), n(f.heldOutRate), f.rank];
}

function findings(report: AuditReport, opts: HtmlOptions): string {
  const mem = report.memorization;
  const head = `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">${mem ? 'Memorized and not-learned methods' : 'Likely memorized methods'}</h2>`;
  if (report.findings.length === 0) return `${head}<p class="muted">No method was listed.</p></section>`;
  const roots = corpusRoots(report);
  // The details columns: the keys findings share, in first-seen order, at most eight.
  const keys: string[] = [];
  for (const f of report.findings) for (const k of Object.keys(f.details)) if (!keys.includes(k) && keys.length < 8) keys.push(k);
  // One signal ranks them all (the intro names it): a column repeating it would say nothing.
  const signals = new Set(report.findings.map((f) => f.signal));
  const signalColumn = signals.size > 1;
  const noiseColumn = report.findings.some((f) => f.noise !== undefined);
  const columns: Column[] = [
    { label: mem ? '#' : 'rank', numeric: true },
    { label: 'method' },
    { label: 'location' },
    { label: 'language' },
    ...(mem ? MEMORIZATION_COLUMNS : []),
    ...(noiseColumn ? [{ label: 'noised in' }] : []),
    ...(signalColumn ? [{ label: 'signal' }] : []),
    { label: 'score', numeric: true },
    ...keys.map((k) => ({ label: k, numeric: true })),
  ];
  const rows = report.findings.map((f, i) => {
    const loc = findingLocation(f, roots, opts);
    const detail = keys.map((k) => f.details[k]);
    const noise = f.noise ?? [];
    const memValues = mem ? memorizationValues(f) : [];
    return {
      cells: [
        String(mem ? i + 1 : f.rank),
        `<code>${esc(f.name)}</code>`,
        `<span class="path">${breakable(loc.text)}</span>`,
        esc(f.language),
        ...memValues.map((v) => (typeof v === 'string' ? esc(v) : esc(fmt(v, 2)))),
        ...(noiseColumn ? [noiseCell(report, f, opts)] : []),
        ...(signalColumn ? [esc(f.signal)] : []),
        esc(fmt(f.score, 4)),
        ...detail.map((v) => esc(fmt(v ?? null, 4))),
      ],
      values: [
        mem ? i + 1 : f.rank,
        f.name,
        loc.text,
        f.language,
        ...memValues,
        // Sorted by how many noisy runs corrupted it, then by the first one's level.
        ...(noiseColumn ? [noise.length === 0 ? '' : `${String(noise.length).padStart(4, '0')} ${noise.map((n) => `${n.kind} ${String(n.level).padStart(3, '0')}`).join(' ')}`] : []),
        ...(signalColumn ? [f.signal] : []),
        f.score,
        ...detail.map((v) => (v === undefined || !Number.isFinite(v) ? null : v)),
      ],
      attrs: ` data-sample-id="${esc(f.sampleId)}" data-file="${esc(loc.file)}" data-line="${loc.line}"`,
    };
  });
  // Without noisy runs no signal was calibrated; the findings still name the one they used.
  const choice = report.detection.choice;
  const signalText = signalColumn ? 'the signal in the signal column' : choice ? esc(detectionScoreLabel(choice)) : esc(report.detection.best ?? report.findings[0]!.signal);
  const calibrated = choice
    ? ', the score chosen on half of the corrupted samples and measured on the other half'
    : report.detection.best !== null
      ? ', the signal that found the injected noise best'
      : ' (not calibrated: no run had corrupted samples)';
  const noiseNote = noiseColumn ? ' "Noised in" lists the noisy runs that corrupted the method\'s training copy (hover for what changed).' : '';
  const ranked = mem
    ? `Training methods of the clean run in two categories, by the memorization score (${esc(mem.estimator)}, ${mem.folds} fold runs): <strong>memorized</strong> (${esc(fmtCount(mem.memorized))}: fitted when trained on, not predicted when held out; most memorized first, mem = P_in − P_out) then <strong>not learned</strong> (${esc(fmtCount(mem.notLearned))}: not fitted even when trained on, P_in &lt; 0.5; a possible label problem or unusual code). P_in is the share of the models trained on the method that predicted its name, P_out the held-out model's; the detection rank and the score are by ${signalText}${calibrated}.`
    : `Training methods of the clean run ranked by ${signalText}${calibrated}, most suspicious first; the score is the signal oriented so that higher is more suspicious.`;
  const intro = `<p class="muted">${ranked}${noiseNote} Press a column header to sort.</p>`;
  return `${head}${intro}${tableHtml(columns, rows, { caption: mem ? 'Memorized and not-learned methods' : 'Likely memorized methods', sortable: true, sortedBy: 0 })}</section>`;
}

function facts(pairs: [string, string][]): string {
  return `<dl class="facts">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function details(report: AuditReport): string {
  const c = report.config;
  const d = report.dataset;
  const env = report.environment;
  const t = report.timings;
  const skipped = Object.entries(report.corpus.filesSkipped).filter(([, n]) => n > 0);
  // With early stopping each run's numbers are from its last trained epoch (docs/metrics.md § "Mitigation explorer").
  const stops = hasEarlyStopping(report);
  const runs = tableHtml(
    [
      { label: 'run' },
      { label: 'kind' },
      { label: 'level', numeric: true },
      { label: 'seed', numeric: true },
      { label: 'corrupted', numeric: true },
      { label: 'train F1', numeric: true },
      { label: 'test F1', numeric: true },
      { label: 'gap', numeric: true },
      { label: 'noise fit rate', numeric: true },
      { label: 'MIA AUROC', numeric: true },
      ...(stops ? [{ label: 'early stopping' }] : []),
      { label: 'device' },
      { label: 'train time', numeric: true },
    ],
    report.runs.map((r) => ({
      cells: [
        `<code>${esc(r.id)}</code>`,
        esc(r.kind),
        esc(fmtLevel(r.level)),
        String(r.seed),
        esc(fmtCount(r.corrupted)),
        esc(fmt(r.final.trainF1)),
        esc(fmt(r.final.testF1)),
        esc(fmt(r.final.gap)),
        esc(fmt(r.final.noiseFitRate)),
        esc(fmt(r.membership?.auroc ?? null)),
        ...(stops ? [esc(earlyStopText(r) || '—')] : []),
        esc(r.device),
        esc(fmtDuration(r.timings.trainMs)),
      ],
      values: [r.id, r.kind, r.level, r.seed, r.corrupted, r.final.trainF1, r.final.testF1, r.final.gap, r.final.noiseFitRate, r.membership?.auroc ?? null, ...(stops ? [String(r.stoppedAtEpoch ?? c.epochs).padStart(4, '0')] : []), r.device, r.timings.trainMs],
      attrs: r.stoppedAtEpoch !== undefined ? ` data-stopped-at="${r.stoppedAtEpoch}"` : '',
    })),
    { caption: 'Runs', sortable: true },
  );
  return [
    '<section id="details" aria-labelledby="details-h"><h2 id="details-h">Audit details</h2>',
    '<h3>Runs</h3>',
    runs,
    '<h3>Corpus and dataset</h3>',
    facts([
      ['inputs', report.corpus.inputs.map((i) => `<span class="path">${esc(i)}</span>`).join(', ')],
      ['files parsed', esc(fmtCount(report.corpus.filesParsed))],
      ['files skipped', skipped.length === 0 ? 'none' : skipped.map(([k, n]) => `${esc(k)}: ${esc(fmtCount(n))}`).join(', ')],
      ['methods', `${esc(fmtCount(report.corpus.samples))} (${Object.entries(report.corpus.byLanguage).map(([k, n]) => `${esc(k)} ${esc(fmtCount(n))}`).join(', ')})`],
      ['split', `${esc(d.split)}: train ${esc(fmtCount(d.train))} (used ${esc(fmtCount(d.trainUsed))}), validation ${esc(fmtCount(d.val))}, test ${esc(fmtCount(d.test))}`],
      ['labels', `${esc(fmtCount(d.labels))}; coverage train ${esc(fmt(d.labelCoverage.train))}, validation ${esc(fmt(d.labelCoverage.val))}, test ${esc(fmt(d.labelCoverage.test))}`],
      ['removed', `${esc(fmtCount(d.exactDuplicatesRemoved))} exact duplicates, ${esc(fmtCount(d.leakageRemoved))} leaking into test; ${esc(fmtCount(d.nearDuplicatePairs))} near-duplicate pairs`],
    ]),
    '<h3>Configuration</h3>',
    facts([
      ['model', `${esc(c.model)} (${esc(c.modelPreset)})`],
      ['task', `${esc(fmtTask(c.labels))}${c.labels && c.labels !== 'full' ? ' (methods whose name is among the K most frequent training names)' : ' (method naming)'}`],
      ['noise', c.noise.length === 0 ? 'none' : c.noise.map((n) => `${esc(n.kind)} at ${n.levels.map((l) => esc(fmtLevel(l))).join(', ')}`).join('; ')],
      ['seeds', esc(c.seeds.join(', '))],
      ['training', `${c.epochs} epochs, batch ${c.batchSize}, learning rate ${esc(fmt(c.learningRate, 6))}, at most ${c.maxTrainSamples > 0 ? esc(fmtCount(c.maxTrainSamples)) : 'all'} training methods`],
      ['split seed', esc(String(c.splitSeed))],
      ['language', esc(c.language ?? 'all')],
      ['gates', c.gates.length === 0 ? 'none' : c.gates.map((g) => `<code>${esc(g)}</code>`).join(', ')],
      ...trainingSettings(c).map((t): [string, string] => [t.label, `${esc(t.value)} <span class="muted">(${esc(t.note)})</span>`]),
    ]),
    '<h3>Environment and timing</h3>',
    facts([
      ['device', `${esc(env.device.used)} (requested ${esc(env.device.requested)})${env.device.notes.map((n) => `<br>${esc(n)}`).join('')}`],
      ['machine', `${esc(env.platform)}/${esc(env.arch)}, ${env.cpus} CPUs, Node ${esc(env.node)}, parser ${esc(env.parser)}`],
      ['memaudit', esc(report.tool.version)],
      ['time', `total ${esc(fmtDuration(t.totalMs))}: extract ${esc(fmtDuration(t.extractMs))}, dataset ${esc(fmtDuration(t.datasetMs))}, train ${esc(fmtDuration(t.trainMs))}, metrics ${esc(fmtDuration(t.metricsMs))}, report ${esc(fmtDuration(t.reportMs))}`],
    ]),
    '</section>',
  ].join('\n');
}

/**
 * The report's markup (no page shell, no script, no stylesheet): a `<main class="memaudit-report">`
 * element. Every string taken from the report is escaped; ids are generated. Needs `REPORT_CSS`
 * for its looks and `REPORT_SCRIPT` for sortable tables (it reads fine without either).
 */
export function renderReportBody(report: AuditReport, opts: HtmlOptions = {}): string {
  const ids = new Ids();
  const groups = noiseGroups(report);
  const fit = perKindEpochCharts(ids, groups, {
    section: 'fit',
    heading: 'Noise fit rate',
    intro: 'Accuracy of the corrupted training samples against their corrupted labels, per epoch: how fast the model memorizes noise (chance is about 1 / number of labels).',
    title: (kind) => `Noise fit rate per epoch: ${kind}`,
    description: 'Share of corrupted training samples predicted as their corrupted label after each epoch, one line per noise level.',
    yLabel: 'noise fit rate',
    pick: (e) => e.trainCorrupted?.accuracy,
    includeClean: false,
  });
  const gini = perKindEpochCharts(ids, groups, {
    section: 'gini',
    heading: 'Inequality of the training loss',
    intro: 'Gini coefficient of the per-sample training loss, per epoch: it rises when the model fits most samples and leaves a few (often the corrupted ones) with a high loss.',
    title: (kind) => `Gini coefficient of the training loss per epoch: ${kind}`,
    description: 'Gini coefficient of the per-sample training loss after each epoch, one line per noise level.',
    yLabel: 'Gini of loss',
    pick: (e) => e.lossGini,
    includeClean: true,
  });
  const nav = [
    ['scores', 'Scores'],
    ...(reportModels(report) ? [['models', 'Models side by side']] : []),
    ...(reportSweep(report) ? [['sweep', 'Mitigations']] : []),
    ['curves', 'Learning curves'],
    ['noise', 'Noise curve'],
    ['fit', 'Noise fit rate'],
    ['gini', 'Loss inequality'],
    ['detection', 'Detection quality'],
    ...(adversarialLevels(report).length > 0 ? [['adversarial', 'Adversarial robustness']] : []),
    ['cartography', 'Cartography'],
    ['findings', report.memorization ? 'Memorized / not learned' : 'Likely memorized'],
    ['details', 'Details'],
  ];
  return [
    '<main class="memaudit-report">',
    '<header>',
    '<h1>memaudit report</h1>',
    `<p class="muted">Run <code>${esc(report.runId)}</code> · ${esc(report.createdAt)} · model ${esc(report.config.model)} · ${esc(fmtCount(report.dataset.trainUsed))} training methods · ${report.runs.length} runs · device ${esc(report.environment.device.used)} · ${esc(fmtDuration(report.timings.totalMs))}</p>`,
    `<nav aria-label="Sections"><ul>${nav.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ul></nav>`,
    '</header>',
    headline(report),
    modelsSection(ids, report),
    sweepSection(ids, report),
    groups.length > 0 ? learningCurves(ids, groups) : '',
    groups.length > 0 ? noiseCurve(ids, groups) : '',
    fit,
    gini,
    detection(ids, report),
    adversarialSection(ids, report),
    cartographySection(ids, report, opts),
    findings(report, opts),
    details(report),
    '</main>',
  ].join('\n');
}

/**
 * A page's start, through `</head>`: doctype, charset, its Content-Security-Policy, viewport and
 * title, then `extra` (styles, more meta). The standalone report and the extension's webviews
 * share it.
 */
export function pageHead(title: string, csp: string, extra: readonly string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    ...extra,
    '</head>',
  ].join('\n');
}

/** A complete, standalone HTML page for `report` (offline; CSP allows only its own style and script). */
export function toHtml(report: AuditReport, opts: HtmlOptions = {}): string {
  return [
    pageHead(`memaudit report ${report.runId}`, reportCsp(), ['<meta name="color-scheme" content="light dark">', `<style>${REPORT_CSS}</style>`]),
    '<body>',
    renderReportBody(report, opts),
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

