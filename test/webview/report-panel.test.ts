/**
 * The report panel's page in headless Chromium, on a real report.json from an audit (600
 * generated methods, y-shuffle 0 and 50 %, 3 epochs): the page is what the extension shows
 * (`reportPanelHtml`, same renderer as the HTML report), loaded with its CSP enforced. Charts
 * render, the findings table sorts by mouse and keyboard, a row posts the right message, the export
 * buttons post theirs, and nothing errs or breaks the CSP. Screenshots (light, dark, high
 * contrast) go to test-artifacts/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { fmt } from '../../server/src/report/format';
import type { AuditReport } from '../../server/src/report/types';
import { makeNonce, reportPanelHtml } from '../../extension/src/webview-html';
import { cli, tempDir } from '../helpers/cli';
import { closeBrowser, launch, openWebview, ORIGIN, posted, screenshot, skipReason, violations, type ThemeKind } from './harness';

const work = tempDir('memaudit-webview-');
let report: AuditReport;
let browser: Browser | undefined;

before(async () => {
  if (skipReason) return;
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 11, methods: 600 }));
  const r = await cli(['audit', 'corpus', '--epochs', '3', '--noise', 'y-shuffle:0,50', '--device', 'cpu', '--gate', 'gap<=0.5', '--gate', 'M<0.01', '--format', 'json'], { cwd: work.dir });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  report = JSON.parse(r.stdout) as AuditReport;
  browser = await launch();
});

after(async () => {
  await closeBrowser(browser);
  work.cleanup();
});

function page(theme: ThemeKind, r: AuditReport = report, viewport?: { width: number; height: number }): Promise<{ page: Page; log: { errors: string[] } }> {
  const html = reportPanelHtml(r, { nonce: makeNonce(), cspSource: ORIGIN, assets: { style: `${ORIGIN}/report.css`, script: `${ORIGIN}/report.js` }, locate: { cwd: work.dir } });
  return openWebview(browser!, html, theme, viewport);
}

async function clean(p: Page, log: { errors: string[] }): Promise<void> {
  assert.deepEqual(await violations(p), [], 'CSP violations');
  assert.deepEqual(log.errors, [], 'console errors');
}

async function findingOrder(p: Page, column: number): Promise<string[]> {
  return p.locator(`#findings tbody tr td:nth-child(${column})`).allTextContents();
}

test('the report renders: one SVG per chart, scores, gates, findings; no console error, no CSP violation', { skip: skipReason }, async () => {
  const { page: p, log } = await page('vscode-dark');
  // One <svg class="chart"> per figure, each with its title.
  const figures = await p.locator('main.memaudit-report figure').count();
  const charts = await p.locator('main.memaudit-report figure svg.chart').count();
  assert.ok(figures >= 5, `${figures} figures`);
  assert.equal(charts, figures);
  assert.equal(await p.locator('svg.chart[role="img"] > title').count(), charts);
  // Learning curves: the clean run and the 50 % run, each with two series drawn.
  assert.equal(await p.locator('#curves figure').count(), 2);
  assert.ok((await p.locator('#curves svg.chart .series polyline').count()) >= 4);
  assert.ok((await p.locator('#detection svg.chart .bar rect').count()) >= 3, 'detection bars');
  // The scores shown are the report's.
  const g = await p.locator('#scores .card').filter({ has: p.locator('code', { hasText: /^G$/ }) }).locator('.value').textContent();
  assert.equal(g, fmt(report.scores.G));
  assert.match((await p.locator('#scores .verdict').textContent()) ?? '', /1 of 2 quality gates failed/);
  assert.equal(await p.locator('#findings tbody tr[data-sample-id]').count(), report.findings.length);
  // Theme: the page takes VS Code's editor background.
  assert.equal(await p.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(31, 31, 31)');
  await screenshot(p, 'report-dark.png');
  await screenshot(p, 'report-dark-charts.png', { selector: '#curves' });
  await screenshot(p, 'report-dark-findings.png', { selector: '#findings' });
  await clean(p, log);
  await p.context().close();
});

test('the findings table sorts on header click and from the keyboard, and rows open their method', { skip: skipReason }, async () => {
  const { page: p, log } = await page('vscode-light');
  const ranks = async () => (await findingOrder(p, 1)).map(Number);
  const initial = await ranks();
  assert.deepEqual(initial, [...initial].sort((a, b) => a - b), 'ranked first');
  // Click "score": ascending, then descending.
  const scoreHeader = p.locator('#findings th[data-label="score"]');
  await scoreHeader.locator('button').click();
  assert.equal(await scoreHeader.getAttribute('aria-sort'), 'ascending');
  const asc = (await findingOrder(p, 6)).map(Number);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  // Keyboard: focus the "method" header button, press Enter, then Space.
  const methodButton = p.locator('#findings th[data-label="method"] button');
  await methodButton.focus();
  await p.keyboard.press('Enter');
  assert.equal(await p.locator('#findings th[data-label="method"]').getAttribute('aria-sort'), 'ascending');
  const names = await findingOrder(p, 2);
  assert.deepEqual(names, [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
  await p.keyboard.press('Space');
  assert.equal(await p.locator('#findings th[data-label="method"]').getAttribute('aria-sort'), 'descending');
  assert.match((await p.locator('#findings [data-sort-status]').textContent()) ?? '', /Sorted by method, descending/);

  // Click a row: it posts openFinding with that row's sample id (no path).
  const third = p.locator('#findings tbody tr[data-sample-id]').nth(2);
  const id3 = await third.getAttribute('data-sample-id');
  await third.locator('td').nth(1).click();
  // Keyboard: Tab lands on the current row; ArrowDown moves; Enter opens.
  await p.keyboard.press('ArrowDown');
  const fourth = p.locator('#findings tbody tr[data-sample-id]').nth(3);
  const id4 = await fourth.getAttribute('data-sample-id');
  assert.equal(await p.evaluate(`document.activeElement.getAttribute('data-sample-id')`), id4);
  await p.keyboard.press('Enter');
  await p.keyboard.press('End');
  await p.keyboard.press('Home');
  await p.keyboard.press(' ');
  const id1 = await p.locator('#findings tbody tr[data-sample-id]').first().getAttribute('data-sample-id');
  // Export buttons.
  await p.getByRole('button', { name: 'SARIF' }).click();
  const messages = await posted(p);
  assert.deepEqual(messages, [
    { type: 'ready' },
    { type: 'openFinding', sampleId: id3 },
    { type: 'openFinding', sampleId: id4 },
    { type: 'openFinding', sampleId: id1 },
    { type: 'export', format: 'sarif' },
  ]);
  // A status from the extension is shown as text.
  await p.evaluate(`window.postMessage({ type: 'status', text: 'Saved <b>/tmp/x.sarif</b>' }, '*')`);
  await p.locator('[data-status]', { hasText: 'Saved' }).waitFor();
  assert.equal(await p.locator('[data-status] b').count(), 0);
  await screenshot(p, 'report-light.png');
  await screenshot(p, 'report-light-findings.png', { selector: '#findings' });
  await screenshot(p, 'report-light-detection.png', { selector: '#detection' });
  await clean(p, log);
  await p.context().close();
});

test('high contrast, narrow panel and hostile corpus text: everything escaped, nothing runs', { skip: skipReason }, async () => {
  const hostile = structuredClone(report);
  const f = hostile.findings[0]!;
  f.name = '<img src=x onerror="window.__pwned=1">';
  f.file = '"><script>window.__pwned=2</script>.py';
  hostile.runId = '</title><script>window.__pwned=3</script>';
  const { page: p, log } = await page('vscode-high-contrast', hostile, { width: 520, height: 900 });
  assert.equal(await p.evaluate('window.__pwned === undefined'), true);
  assert.equal(await p.locator('main img').count(), 0);
  assert.match((await p.locator('#findings tbody tr').first().textContent()) ?? '', /<img src=x/);
  await screenshot(p, 'report-high-contrast-narrow.png');
  await clean(p, log);
  await p.context().close();
});

test('screenshots are written', { skip: skipReason }, () => {
  for (const name of ['report-dark.png', 'report-light.png']) assert.ok(fs.statSync(path.join(__dirname, '../../../test-artifacts/webview', name)).size > 10_000, name);
});
