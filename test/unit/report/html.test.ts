/**
 * HTML report: offline (no URLs, no remote resources), a CSP that allows exactly its own style and
 * script by hash, every report string escaped (tested with every string poisoned), every chart
 * with a data table, the sortable findings table (its script run against a small DOM stand-in).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import * as vm from 'node:vm';
import { renderReportBody, REPORT_CSS, REPORT_SCRIPT, toHtml } from '../../../server/src/report/shared/html';
import { fmt, fmtCount } from '../../../server/src/report/shared/format';
import { toMarkdown } from '../../../server/src/report/shared/markdown';
import { renderAuditText } from '../../../server/src/report/shared/text';
import type { AuditReport } from '../../../server/src/protocol/report';
import { makeFixtureReport, poison, withChoice, withIntervals, withMemorization } from './fixture';

const TAG_RE = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[^\s=>/"']+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/g;
const ATTR_RE = /([^\s=>/"']+)(?:\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

interface Tag {
  name: string;
  closing: boolean;
  attrs: [string, string][];
}

/** The tags of `html` outside <style> and <script> contents; asserts every '<' starts a tag. */
function scanTags(html: string): Tag[] {
  const outside = html.replace(/^<!DOCTYPE html>/, '').replace(/(<style>)[\s\S]*?(<\/style>)/g, '$1$2').replace(/(<script>)[\s\S]*?(<\/script>)/g, '$1$2');
  const tags: Tag[] = [];
  let last = 0;
  for (const m of outside.matchAll(TAG_RE)) {
    const between = outside.slice(last, m.index);
    assert.ok(!between.includes('<'), `stray '<' in text: ${between.slice(between.indexOf('<'), between.indexOf('<') + 60)}`);
    last = m.index! + m[0].length;
    const attrs: [string, string][] = [];
    for (const a of m[3]!.matchAll(ATTR_RE)) attrs.push([a[1]!.toLowerCase(), a[3] ?? a[4] ?? a[5] ?? '']);
    tags.push({ name: m[2]!.toLowerCase(), closing: m[1] === '/', attrs });
  }
  assert.ok(!outside.slice(last).includes('<'), 'stray < at the end');
  return tags;
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

function count(haystack: string, needle: string | RegExp): number {
  return typeof needle === 'string' ? haystack.split(needle).length - 1 : [...haystack.matchAll(needle)].length;
}

test('a standalone page: doctype, CSP allowing only its own style and script by hash', () => {
  const html = toHtml(makeFixtureReport());
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(csp, 'CSP meta tag');
  const policy = csp[1]!.replace(/&#39;/g, "'");
  assert.match(policy, /^default-src 'none'; /);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  assert.equal(style, REPORT_CSS);
  assert.equal(script, REPORT_SCRIPT);
  assert.ok(policy.includes(`style-src 'sha256-${sha256(style)}'`), 'style hash matches');
  assert.ok(policy.includes(`script-src 'sha256-${sha256(script)}'`), 'script hash matches');
  assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(policy));
  assert.equal(count(html, '<script'), 1);
  assert.equal(count(html, '<style'), 1);
  assert.ok(!/\beval\s*\(|new Function|innerHTML|setTimeout\s*\(\s*['"]/.test(REPORT_SCRIPT));
});

test('offline: no URL, no resource attribute, no inline style or event handler', () => {
  const html = toHtml(makeFixtureReport());
  assert.ok(!/https?:\/\//i.test(html), 'no http(s) URL anywhere');
  assert.ok(!/url\(/i.test(REPORT_CSS) && !/@import/i.test(REPORT_CSS));
  for (const tag of scanTags(html)) {
    for (const [name, value] of tag.attrs) {
      assert.ok(!name.startsWith('on'), `event handler ${name} on <${tag.name}>`);
      assert.ok(!['src', 'srcset', 'style', 'action', 'formaction', 'xlink:href', 'background', 'poster'].includes(name), `${name} on <${tag.name}>`);
      if (name === 'href') assert.match(value, /^#[\w-]+$/, 'only in-page links');
    }
    assert.ok(!['iframe', 'img', 'object', 'embed', 'link', 'base', 'form', 'foreignobject'].includes(tag.name), `<${tag.name}>`);
  }
});

test('every chart has a data-table alternative, a title and a description', () => {
  const body = renderReportBody(makeFixtureReport());
  const figures = body.split('<figure>').slice(1).map((f) => f.slice(0, f.indexOf('</figure>')));
  const svgs = count(body, '<svg');
  // Five learning-curve panels, the noise curve, noise fit rate, loss Gini, detection AUROC.
  assert.equal(svgs, 9);
  assert.equal(figures.length, svgs);
  assert.equal(count(body, '<details class="chart-data">'), svgs);
  for (const f of figures) {
    assert.equal(count(f, '<svg'), 1);
    assert.equal(count(f, '<details class="chart-data">'), 1);
    assert.ok(f.indexOf('<details') > f.indexOf('</svg>'), 'the table follows its chart');
    const ids = /aria-labelledby="([\w-]+) ([\w-]+)"/.exec(f);
    assert.ok(ids && f.includes(`<title id="${ids[1]}">`) && f.includes(`<desc id="${ids[2]}">`));
    assert.match(f, /<table>[\s\S]*<tbody>\n<tr>/);
  }
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});

test('charts and tables hold the report numbers', () => {
  const body = renderReportBody(makeFixtureReport());
  assert.match(body, /Train and test F1 per epoch: y-shuffle 25%/);
  assert.match(body, /Noise fit rate per epoch: y-shuffle/);
  assert.match(body, /Gini coefficient of the training loss per epoch: y-shuffle/);
  assert.match(body, /<polyline points="[\d.,\s]+"\/>/);
  const noiseTable = body.slice(body.indexOf('Data table: Test F1 against the noise level'));
  assert.match(noiseTable, /<td class="num">0%<\/td><td class="num">0\.612<\/td><td class="num">0\.808<\/td>/);
  assert.match(body, /<td>aum \(best\)<\/td><td class="num">0\.89<\/td>/);
  assert.match(body, /<div class="value">0\.612<\/div>/);
  assert.match(body, /<span class="badge fail"><span aria-hidden="true">✗<\/span> gap &lt;= 0\.15/);
  assert.match(body, /<p class="verdict failed" role="status">✗ 1 of 3 quality gates failed\.<\/p>/);
  // Paths may wrap after their slashes.
  assert.ok(body.includes('src/<wbr>main/<wbr>java/<wbr>org/<wbr>acme/<wbr>OrderService.java:57'));
  assert.ok(body.replace(/<wbr>/g, '').includes('vendor/jdk-src.zip!java.base/java/util/ArrayList.java:34'));
});

test('light and dark themes through CSS variables; colours only from classes', () => {
  assert.match(REPORT_CSS, /@media \(prefers-color-scheme: dark\)/);
  assert.match(REPORT_CSS, /--bg:/);
  assert.match(REPORT_CSS, /color-scheme: light dark/);
  const body = renderReportBody(makeFixtureReport());
  assert.ok(!/\s(fill|stroke)="/.test(body), 'no hard-coded colours in the SVG');
});

test('the body is reusable in a webview: no script, no style, one <main>, deterministic', () => {
  const report = makeFixtureReport();
  const body = renderReportBody(report);
  assert.ok(body.startsWith('<main class="memaudit-report">') && body.endsWith('</main>'));
  assert.ok(!body.includes('<script') && !body.includes('<style'));
  assert.equal(renderReportBody(report), body);
  assert.equal(toHtml(report), toHtml(makeFixtureReport()));
});

test('every string from the report is escaped (all strings and record keys poisoned)', () => {
  const payloads = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', "' onmouseover='alert(1)' data-x='", '<svg/onload=alert(1)>', '</textarea></title><!--'];
  // The markup's shape (tag names and attribute names, in order) must not change with the strings.
  // Line-break opportunities (<wbr>, after each slash of a path) follow the text and carry nothing.
  const shape = (html: string): string =>
    scanTags(html)
      .filter((t) => {
        if (t.name !== 'wbr') return true;
        assert.deepEqual(t.attrs, []);
        return false;
      })
      .map((t) => `${t.closing ? '/' : ''}${t.name}(${t.attrs.map(([n]) => n).join(',')})`)
      .join(' ');
  const clean = shape(toHtml(makeFixtureReport()));
  for (const payload of payloads) {
    // Gate metrics stay: they select which score card a gate's badge sits on.
    const report = poison(makeFixtureReport(), payload, ['filesSkipped', 'byLanguage', 'details', 'flipRates'], ['metric']);
    const html = toHtml(report);
    const got = shape(html);
    const at = [...got].findIndex((c, i) => c !== clean[i]);
    assert.ok(got === clean, `${payload}: markup changed at ${at}: ${got.slice(at - 80, at + 80)}`);
    assert.equal(count(html, '<script'), 1, payload);
    assert.ok(!html.includes('<img') && !html.includes('<svg/') && !html.includes('<!--'), payload);
    const escaped = payload.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    assert.ok(count(html, escaped) > 50, `${payload}: the escaped payload is shown (${count(html, escaped)} times)`);
  }
});

test('a malicious method name and path render as text in the findings table', () => {
  const report = makeFixtureReport();
  report.findings[5]!.name = '<img src=x onerror=alert(1)>';
  report.findings[5]!.file = 'a"b/<c>.java';
  const body = renderReportBody(report);
  assert.ok(body.includes('<code>&lt;img src=x onerror=alert(1)&gt;</code>'));
  assert.ok(body.includes('data-value="&lt;img src=x onerror=alert(1)&gt;"'));
  assert.ok(body.includes('data-file="a&quot;b/&lt;c&gt;.java"'));
  assert.ok(!body.includes('<img'));
});

test('an audit whose only noise level is 100 % says why no signal was calibrated, and how to fix it', () => {
  const full = makeFixtureReport({ gates: 'none' });
  const noisy = full.runs.find((r) => r.kind !== 'none')!;
  const report: AuditReport = { ...full, runs: [full.runs[0]!, { ...noisy, level: 100 }], detection: { best: null, signals: [] } };
  assert.match(renderReportBody(report), /every noisy run is at 100 %: all its training samples are corrupted, with no clean ones to rank them against: add a level below 100 %/);
  assert.match(renderAuditText(report), /best memorization signal: none calibrated \(every noisy run is at 100 %/);
  assert.match(toMarkdown(report), /No signal could be calibrated: every noisy run is at 100 %/);
});

test('degenerate audits still render: only the clean run, no findings, no gates', () => {
  const full = makeFixtureReport({ gates: 'none' });
  const report: AuditReport = { ...full, runs: [full.runs[0]!], findings: [], detection: { best: null, signals: [] }, scores: { ...full.scores, M: null, detection_auroc: null, sensitivity: null } };
  const body = renderReportBody(report);
  assert.match(body, /No quality gates were set/);
  assert.match(body, /No signal could be calibrated: no run had corrupted samples/);
  assert.match(body, /No method was listed/);
  assert.equal(count(body, '<svg'), count(body, '<details class="chart-data">'));
  assert.ok(!/NaN|Infinity|undefined/.test(body));
});

// --- The sort script against a small DOM stand-in -------------------------------------------

class FakeElement {
  attrs = new Map<string, string>();
  children: FakeElement[] = [];
  textContent = '';
  listeners = new Map<string, () => void>();
  parentNode: FakeElement | null = null;
  getAttribute(n: string): string | null {
    return this.attrs.has(n) ? this.attrs.get(n)! : null;
  }
  setAttribute(n: string, v: string): void {
    this.attrs.set(n, v);
  }
  removeAttribute(n: string): void {
    this.attrs.delete(n);
  }
  addEventListener(type: string, fn: () => void): void {
    this.listeners.set(type, fn);
  }
  querySelector(sel: string): FakeElement | null {
    const match = (e: FakeElement): boolean => (sel === 'button' ? e.attrs.get('tag') === 'button' : sel === '[data-sort-status]' ? e.attrs.has('data-sort-status') : false);
    for (const c of this.children) {
      if (match(c)) return c;
      const d = c.querySelector(sel);
      if (d) return d;
    }
    return null;
  }
}

type FakeRow = FakeElement & { cells: FakeElement[] };
type FakeBody = FakeElement & { rows: FakeRow[]; appendChild: (r: FakeRow) => void };
type FakeTable = FakeElement & { tHead: { rows: { cells: FakeElement[] }[] }; tBodies: FakeBody[] };

/** Builds a fake sortable table from the rendered findings table (header labels and cell data-values). */
function fakeFindingsTable(body: string): { table: FakeTable; headers: FakeElement[]; status: FakeElement } {
  const section = body.slice(body.indexOf('<table data-sortable>'), body.indexOf('</table>', body.indexOf('<table data-sortable>')));
  const headers = [...section.matchAll(/<th scope="col"[^>]*?data-label="([^"]*)"([^>]*)>/g)].map((m) => {
    const th = new FakeElement();
    th.textContent = m[1]!;
    th.setAttribute('data-label', m[1]!);
    if (m[0].includes('data-type="number"')) th.setAttribute('data-type', 'number');
    if (m[0].includes('aria-sort="ascending"')) th.setAttribute('aria-sort', 'ascending');
    const button = new FakeElement();
    button.setAttribute('tag', 'button');
    th.children.push(button);
    return th;
  });
  const rows = [...section.matchAll(/<tr data-sample-id="([^"]*)"[^>]*>(.*?)<\/tr>/g)].map((m) => {
    const tr = new FakeElement() as FakeRow;
    tr.setAttribute('id', m[1]!);
    tr.cells = [...m[2]!.matchAll(/<td[^>]*data-value="([^"]*)"/g)].map((c) => {
      const td = new FakeElement();
      td.setAttribute('data-value', c[1]!);
      return td;
    });
    return tr;
  });
  const tbody = new FakeElement() as FakeBody;
  tbody.rows = [...rows];
  tbody.appendChild = (r) => {
    tbody.rows.splice(tbody.rows.indexOf(r), 1);
    tbody.rows.push(r);
  };
  const status = new FakeElement();
  status.setAttribute('data-sort-status', '');
  const wrap = new FakeElement();
  wrap.children.push(status);
  const table: FakeTable = Object.assign(new FakeElement(), { tHead: { rows: [{ cells: headers }] }, tBodies: [tbody] });
  table.parentNode = wrap;
  return { table, headers, status };
}

test('the sort script sorts by number or text, toggles direction, updates aria-sort and the live region', () => {
  const body = renderReportBody(makeFixtureReport());
  const { table, headers, status } = fakeFindingsTable(body);
  const tbody = table.tBodies[0]!;
  vm.runInNewContext(REPORT_SCRIPT, { document: { querySelectorAll: (sel: string) => (sel === 'table[data-sortable]' ? [table] : []) } });
  const col = (label: string): number => headers.findIndex((h) => h.getAttribute('data-label') === label);
  const click = (label: string): void => headers[col(label)]!.children[0]!.listeners.get('click')!();
  const values = (label: string): string[] => tbody.rows.map((r) => r.cells[col(label)]!.getAttribute('data-value')!);

  assert.equal(headers[0]!.getAttribute('aria-sort'), 'ascending', 'rank starts sorted');
  click('score');
  const asc = values('score').map(Number);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  assert.equal(headers[col('score')]!.getAttribute('aria-sort'), 'ascending');
  assert.equal(headers[0]!.getAttribute('aria-sort'), null, 'the other headers lose aria-sort');
  assert.equal(status.textContent, 'Sorted by score, ascending.');
  click('score');
  assert.deepEqual(values('score').map(Number), [...asc].reverse());
  assert.equal(headers[col('score')]!.getAttribute('aria-sort'), 'descending');
  click('method');
  const names = values('method').map((s) => s.toLowerCase());
  assert.deepEqual(names, [...names].sort());
  click('rank');
  assert.deepEqual(values('rank').map(Number), Array.from({ length: 12 }, (_, i) => i + 1));
});

test('ROC curves per signal, cartography regions and the findings\' noise, from the optional v1 fields', () => {
  const report = makeFixtureReport({ extras: true });
  const body = renderReportBody(report);
  // One ROC chart (one noise kind) after the AUROC bars, with its table: ten charts in all.
  assert.equal(count(body, '<svg'), 10);
  assert.equal(count(body, '<details class="chart-data">'), 10);
  const roc = body.slice(body.indexOf('ROC curve of each signal: y-shuffle (mean of 4 noisy runs)'));
  const svg = roc.slice(0, roc.indexOf('</figure>'));
  assert.equal(count(svg, '<polyline'), 8, 'one curve per signal');
  assert.equal(count(svg, '<g class="series s0 strong">'), 1, 'the best signal is drawn thicker');
  assert.match(svg, /<g class="reference"><line [^>]+\/><title>chance \(AUROC 0\.5\)<\/title><\/g>/);
  assert.equal(count(svg, '<circle'), 0, 'no markers on dense curves');
  // Its table: the best signal's mean AUROC and TPR at the fixed false positive rates.
  const aum = report.runs.slice(1).map((r) => r.detection.find((q) => q.signal === 'aum')!);
  const meanAuroc = aum.reduce((a, q) => a + q.auroc, 0) / aum.length;
  const tpr10 = aum.reduce((a, q) => a + q.roc!.tpr[2]!, 0) / aum.length; // fpr 0.1 is the curves' third point
  assert.ok(svg.includes(`<tr><td>aum (best)</td><td class="num">${fmt(meanAuroc)}</td>`), 'AUROC in the table');
  assert.match(svg, /<th scope="col" class="num">TPR at FPR 10%<\/th>/);
  assert.ok(new RegExp(`<td>aum \\(best\\)</td>(<td class="num">[^<]*</td>){4}<td class="num">${fmt(tpr10).replace('.', '\\.')}</td>`).test(svg), `TPR at 10% = ${fmt(tpr10)}`);

  // Cartography: one row per run, clean / corrupted per region, the share of corrupted in hard.
  const carto = body.slice(body.indexOf('<section id="cartography"'), body.indexOf('</section>', body.indexOf('<section id="cartography"')));
  assert.equal(count(carto, '<tr data-run='), 5);
  const r50 = report.runs.find((r) => r.id === 'y-shuffle-50-s0')!.cartography!.regions;
  assert.ok(carto.includes(`<span class="region-cell">${fmtCount(r50.hard.clean)} / ${fmtCount(r50.hard.corrupted)}</span>`));
  assert.match(carto, /ambiguous when variability ≥ 0\.2; otherwise easy when confidence ≥ 0\.5/);
  assert.equal(count(carto, '<canvas'), 0, 'the standalone report has no map (its data is a side file)');

  // Findings: "noised in" instead of a signal column that would repeat "aum" on every row.
  const table = body.slice(body.indexOf('<section id="findings"'));
  assert.match(table, /data-label="noised in"/);
  assert.doesNotMatch(table, /data-label="signal"/);
  assert.match(table, /<span class="noise-kind">y-shuffle<\/span> <span title="y-shuffle 50%: renamed (getTotal|get_total) → (setValue50|set_value_50)">50%<\/span>/);
  assert.equal(count(table, '<button type="button" class="diff-button"'), 0);
  // Score cards: the key once, and only where the label does not already end with it.
  assert.match(body, /<span class="card-title"[^>]*>Generalization<\/span> <code class="card-key"[^>]*>G<\/code>/);
  assert.match(body, /<span class="card-title"[^>]*>Generalization gap<\/span><\/div>/);
  assert.doesNotMatch(body, /Generalization G|Memorization M/);
});

test('panel markup: the cartography map\'s canvas and run picker, diff buttons where a diff exists', () => {
  const report = makeFixtureReport({ extras: true });
  const body = renderReportBody(report, { panel: true });
  const carto = body.slice(body.indexOf('<figure class="carto"'), body.indexOf('</figure>', body.indexOf('<figure class="carto"')));
  assert.equal(count(carto, '<canvas data-carto-canvas role="img"'), 1);
  assert.equal(count(carto, '<option value='), 5);
  assert.match(carto, /<option value="y-shuffle-50-s0" selected>/, 'opens on the noisy run nearest 50 %');
  assert.match(carto, /data-ambiguous-variability="0\.2" data-easy-confidence="0\.5"/);
  assert.match(carto, /<details class="chart-data"><summary>Data table/);
  const expected = report.findings.flatMap((f) => f.noise ?? []).filter((n) => n.diff).length;
  assert.equal(expected, 15);
  assert.equal(count(body, '<button type="button" class="diff-button" data-diff-run="'), expected);
  assert.match(body, /data-diff-run="y-shuffle-75-s0" title="y-shuffle 75%: renamed (getTotal|get_total) → (setValue75|set_value_75) \(open the diff\)" aria-label="Diff of [^"]+: original vs y-shuffle 75%">75%<\/button>/);
  // A run without a stored diff stays text.
  const third = body.slice(body.indexOf(`data-sample-id="${report.findings[2]!.sampleId}"`));
  assert.match(third.slice(0, third.indexOf('</tr>')), /<span title="y-shuffle 50%[^"]*">50%<\/span>/);
  const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
});

test('the optional fields are escaped too (poisoned, standalone and panel)', () => {
  const payload = '"><img src=x onerror=alert(1)>';
  const report = poison(makeFixtureReport({ extras: true }), payload, ['filesSkipped', 'byLanguage', 'details', 'flipRates'], ['metric']);
  for (const html of [toHtml(report), toHtml(report, { panel: true })]) {
    scanTags(html);
    assert.ok(!html.includes('<img'));
    assert.equal(count(html, '<script'), 1);
  }
});

test('score cards: the value with its 95% interval; an insufficient score shows its reason instead of the number', () => {
  const card = (html: string, key: string): string => {
    const start = html.indexOf(`<div class="card" data-score="${key}">`);
    return html.slice(start, html.indexOf('<div class="help">', start));
  };
  const v2 = renderReportBody(withIntervals(makeFixtureReport()));
  assert.match(card(v2, 'G'), /<div class="value">0\.612<\/div><div class="interval" title="95% bootstrap interval">95% \[0\.582, 0\.642\]<\/div>/);
  const small = renderReportBody(withIntervals(makeFixtureReport(), 12));
  assert.match(card(small, 'G'), /<div class="value insufficient" data-insufficient>not enough test methods: 12 \(at least 50 needed\)<\/div>/);
  assert.doesNotMatch(card(small, 'G'), /0\.612/);
  assert.match(card(small, 'M'), /<div class="value">0\.52<\/div><div class="interval"/);
  // A version 1 report: the number alone.
  assert.match(card(renderReportBody(makeFixtureReport()), 'G'), /<div class="value">0\.612<\/div>$/);
});

test('version 3: the detection section and the findings name the chosen score and window', () => {
  const html = toHtml(withChoice(makeFixtureReport()));
  assert.match(html, /<p class="detection-choice"><strong>detection score −aum over the first 3 epochs: held-out AUROC 0\.812 \[0\.79, 0\.834\] \(in-sample 0\.834, optimistic\); chosen among 48 candidates/);
  assert.match(html, /Training methods of the clean run ranked by −aum over the first 3 epochs, the score chosen on half of the corrupted samples and measured on the other half/);
});

test('memorization score: the findings table has category, mem, P_in, P_out and detection rank columns', () => {
  const body = renderReportBody(withMemorization(makeFixtureReport()));
  assert.match(body, /<h2 id="findings-h">Memorized and not-learned methods<\/h2>/);
  for (const label of ['category', 'mem', 'P_in', 'P_out', 'detection rank']) assert.ok(body.includes(`>${label}<`), label);
  assert.equal(count(body, '>memorized</td>'), 6);
  assert.equal(count(body, '>not-learned</td>'), 6);
  assert.ok(!renderReportBody(makeFixtureReport()).includes('>P_in<'));
});
