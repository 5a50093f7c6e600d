/**
 * HTML report: offline (no URLs, no remote resources), a CSP that allows exactly its own style and
 * script by hash, every report string escaped (tested with every string poisoned), every chart
 * with a data table, the sortable findings table (its script run against a small DOM stand-in).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import * as vm from 'node:vm';
import { renderReportBody, REPORT_CSS, REPORT_SCRIPT, toHtml } from '../../../server/src/report/html';
import type { AuditReport } from '../../../server/src/report/types';
import { makeFixtureReport, poison } from './fixture';

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
  assert.ok(body.includes('src/main/java/org/acme/OrderService.java:57'));
  assert.ok(body.includes('vendor/jdk-src.zip!java.base/java/util/ArrayList.java:34'));
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
  const shape = (html: string): string => scanTags(html).map((t) => `${t.closing ? '/' : ''}${t.name}(${t.attrs.map(([n]) => n).join(',')})`).join(' ');
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

test('degenerate audits still render: only the clean run, no findings, no gates', () => {
  const full = makeFixtureReport({ gates: 'none' });
  const report: AuditReport = { ...full, runs: [full.runs[0]!], findings: [], detection: { best: null, signals: [] }, scores: { ...full.scores, M: null, detection_auroc: null, sensitivity: null } };
  const body = renderReportBody(report);
  assert.match(body, /No quality gates were set/);
  assert.match(body, /No run had corrupted samples/);
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
