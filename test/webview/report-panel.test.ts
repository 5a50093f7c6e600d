/**
 * The report panel's page in headless Chromium, on a real report.json from an audit (800
 * generated methods, y-shuffle 0 and 50 %, x-dead-code 50 %, 20 epochs): the page is what the
 * extension shows (`reportPanelHtml`, same renderer as the HTML report), loaded with its CSP
 * enforced. Charts render (ROC curves per signal and noise kind included), the cartography map
 * draws the run files the extension would post (and 100,000 synthetic samples), the findings table
 * sorts by mouse and keyboard, a row posts the right message, a "noised in" level posts a diff
 * request, the export buttons post theirs, and nothing errs or breaks the CSP. Screenshots (light,
 * dark, high contrast) go to test-artifacts/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { fmt } from '../../server/src/report/shared/format';
import { defaultCartographyRun } from '../../server/src/report/shared/html';
import type { AuditReport } from '../../server/src/protocol/report';
import { decodeCartography } from '../../server/src/report/shared/cartography';
import { makeNonce, reportPanelHtml } from '../../extension/src/webview-html';
import { cli, tempDir } from '../helpers/cli';
import { closeBrowser, launch, openWebview, ORIGIN, posted, screenshot, skipReason, violations, type ThemeKind } from './harness';

const work = tempDir('memaudit-webview-');
let report: AuditReport;
/** The audit's folder (report.json and the run folders). */
let auditDir: string;
let browser: Browser | undefined;

before(async () => {
  if (skipReason) return;
  // 800 methods leave 54 test methods after deduplication: enough (≥ 50) for G and gap to be shown
  // as numbers with intervals (docs/metrics.md § "Uncertainty (bootstrap intervals)").
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 11, methods: 800 }));
  const r = await cli(
    ['audit', 'corpus', '--epochs', '20', '--lr', '0.03', '--noise', 'y-shuffle:0,50', '--noise', 'x-dead-code:50', '--device', 'cpu', '--gate', 'gap<=0.5', '--gate', 'M<0.01', '--format', 'json'],
    { cwd: work.dir },
  );
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  report = JSON.parse(r.stdout) as AuditReport;
  auditDir = path.join(work.dir, '.memaudit', 'runs', report.runId);
  browser = await launch();
});

after(async () => {
  await closeBrowser(browser);
  work.cleanup();
});

/**
 * A screenshot of one section: the sticky toolbar is let go first, or it would sit in the middle
 * of a section taller than the viewport (an artefact of stitching, not what a reader sees).
 */
async function sectionShot(p: Page, name: string, selector: string): Promise<void> {
  await p.evaluate(`document.querySelector('.panel-toolbar').style.position = 'static'`);
  await screenshot(p, name, { selector });
  await p.evaluate(`document.querySelector('.panel-toolbar').style.position = ''`);
}

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

/** The 1-based position of the findings table's column labelled `label` (columns differ with and without categories). */
async function columnAt(p: Page, label: string): Promise<number> {
  const labels = await p.locator('#findings thead th').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-label')));
  const i = labels.indexOf(label);
  assert.ok(i >= 0, `a "${label}" column among ${labels.join(', ')}`);
  return i + 1;
}

test('the report renders: one SVG per chart, scores, gates, findings; no console error, no CSP violation', { skip: skipReason }, async () => {
  const { page: p, log } = await page('vscode-dark');
  // One <svg class="chart"> per figure (the cartography map is a canvas), each with its title and table.
  const figures = await p.locator('main.memaudit-report figure:not(.carto)').count();
  const charts = await p.locator('main.memaudit-report figure svg.chart').count();
  assert.ok(figures >= 5, `${figures} figures`);
  assert.equal(charts, figures);
  assert.equal(await p.locator('svg.chart[role="img"] > title').count(), charts);
  assert.equal(await p.locator('main.memaudit-report figure:not(.carto) details.chart-data table').count(), figures, 'every chart has a table');
  assert.equal(await p.locator('#cartography figure.carto details.chart-data [data-carto-table]').count(), 1, 'the map has its table (filled when its data comes)');
  // Learning curves: the clean run and the two 50 % runs, each with two series drawn.
  assert.equal(await p.locator('#curves figure').count(), 3);
  assert.ok((await p.locator('#curves svg.chart .series polyline').count()) >= 6);
  assert.ok((await p.locator('#detection svg.chart .bar rect').count()) >= 3, 'detection bars');
  // The scores shown are the report's.
  const g = await p.locator('#scores .card[data-score="G"] .value').textContent();
  assert.equal(g, fmt(report.scores.G));
  // …with its 95 % interval below it.
  const ci = report.scoreIntervals!.G!;
  assert.equal(await p.locator('#scores .card[data-score="G"] .interval').textContent(), `95% [${fmt(ci.low)}, ${fmt(ci.high)}]`);
  // The card's heading names the score once, and its gate key once.
  assert.equal((await p.locator('#scores .card[data-score="G"] .card-head').innerText()).replace(/\s+/g, ' ').trim(), 'Generalization G');
  assert.equal((await p.locator('#scores .card[data-score="gap"] .card-head').innerText()).trim(), 'Generalization gap');
  assert.match((await p.locator('#scores .verdict').textContent()) ?? '', /1 of 2 quality gates failed/);
  assert.equal(await p.locator('#findings tbody tr[data-sample-id]').count(), report.findings.length);
  // Theme: the page takes VS Code's editor background.
  assert.equal(await p.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(31, 31, 31)');
  await screenshot(p, 'report-dark.png');
  await sectionShot(p, 'report-dark-charts.png', '#curves');
  await sectionShot(p, 'report-dark-findings.png', '#findings');
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
  const asc = (await findingOrder(p, await columnAt(p, 'score'))).map(Number);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  // Keyboard: focus the "method" header button, press Enter, then Space.
  const methodButton = p.locator('#findings th[data-label="method"] button');
  await methodButton.focus();
  await p.keyboard.press('Enter');
  assert.equal(await p.locator('#findings th[data-label="method"]').getAttribute('aria-sort'), 'ascending');
  const names = await findingOrder(p, await columnAt(p, 'method'));
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
    { type: 'loadCartography', runId: defaultCartographyRun(report)!.id },
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
  await sectionShot(p, 'report-light-findings.png', '#findings');
  await sectionShot(p, 'report-light-detection.png', '#detection');
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

/** Posts what the extension posts for a run: its cartography.bin, decoded, as typed arrays. */
async function sendRunMap(p: Page, runId: string): Promise<number> {
  const run = report.runs.find((r) => r.id === runId)!;
  const d = decodeCartography(fs.readFileSync(path.join(auditDir, run.files.cartography!)));
  const data = { runId, n: d.n, epochs: d.epochs, confidence: Array.from(d.confidence), variability: Array.from(d.variability), corrupted: Array.from(d.corrupted) };
  await p.evaluate(`(() => { const d = ${JSON.stringify(data)};
    window.postMessage({ type: 'cartography', runId: d.runId, n: d.n, epochs: d.epochs, confidence: Float32Array.from(d.confidence), variability: Float32Array.from(d.variability), corrupted: Uint8Array.from(d.corrupted) }, '*'); })()`);
  await p.locator(`canvas[data-carto-canvas][data-run="${runId}"]`).waitFor({ state: 'attached' });
  return d.n;
}

/** Pixels of the map near the clean and the corrupted colours (read from the legend swatches), and painted at all. */
async function mapPixels(p: Page): Promise<{ clean: number; corrupted: number; painted: number }> {
  return p.evaluate(`(() => {
    const rgb = (sel) => getComputedStyle(document.querySelector(sel)).color.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const clean = rgb('.carto-swatch.clean'), bad = rgb('.carto-swatch.corrupted');
    // Read through a copy made for reading (reading the page's canvas itself would make Chromium warn).
    const c = document.querySelector('canvas[data-carto-canvas]');
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const cctx = copy.getContext('2d', { willReadFrequently: true });
    cctx.drawImage(c, 0, 0);
    const px = cctx.getImageData(0, 0, c.width, c.height).data;
    const near = (i, col) => Math.abs(px[i] - col[0]) + Math.abs(px[i + 1] - col[1]) + Math.abs(px[i + 2] - col[2]) < 60;
    let a = 0, b = 0, painted = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      painted++;
      if (px[i + 3] > 100 && near(i, clean)) a++;
      if (px[i + 3] > 100 && near(i, bad)) b++;
    }
    return { clean: a, corrupted: b, painted };
  })()`);
}

/** Sum of the clean / corrupted counts in the map's data table. */
async function tableTotals(p: Page): Promise<{ clean: number; corrupted: number; rows: number }> {
  const cells = await p.locator('[data-carto-table] tbody td').allTextContents();
  let clean = 0;
  let corrupted = 0;
  for (const c of cells) {
    const m = /^([\d,]+) \/ ([\d,]+)$/.exec(c);
    if (!m) continue;
    clean += Number(m[1]!.replace(/,/g, ''));
    corrupted += Number(m[2]!.replace(/,/g, ''));
  }
  return { clean, corrupted, rows: await p.locator('[data-carto-table] tbody tr').count() };
}

test('ROC curves: one chart per noise kind, one curve per signal, a table with the same signals', { skip: skipReason }, async () => {
  const { page: p, log } = await page('vscode-dark');
  const rocs = p.locator('#detection figure', { has: p.locator('svg.chart title', { hasText: /^ROC curve of each signal/ }) });
  const kinds = [...new Set(report.runs.filter((r) => r.level > 0).map((r) => r.kind))];
  assert.equal(await rocs.count(), kinds.length);
  for (let k = 0; k < kinds.length; k++) {
    const fig = rocs.nth(k);
    const signals = report.runs.find((r) => r.kind === kinds[k])!.detection.length;
    assert.ok(signals >= 5);
    assert.equal(await fig.locator('svg.chart .series polyline').count(), signals, `${kinds[k]}: a curve per signal`);
    assert.equal(await fig.locator('svg.chart .reference line').count(), 1, 'the chance diagonal');
    assert.equal(await fig.locator('details.chart-data tbody tr').count(), signals, 'the table has every signal');
    assert.match((await fig.locator('svg.chart title').first().textContent()) ?? '', new RegExp(`ROC curve of each signal: ${kinds[k]}`));
  }
  await sectionShot(p, 'report-dark-detection.png', '#detection');
  await clean(p, log);
  await p.context().close();
});

for (const theme of ['vscode-light', 'vscode-dark', 'vscode-high-contrast'] as const) {
  test(`the cartography map draws a run's samples, clean and corrupted apart, with a table (${theme})`, { skip: skipReason }, async () => {
    const { page: p, log } = await page(theme);
    const first = defaultCartographyRun(report)!;
    assert.ok(first.corrupted > 0, 'opens on a noisy run');
    assert.deepEqual((await posted(p))[0], { type: 'loadCartography', runId: first.id });
    assert.match((await p.locator('[data-carto-readout]').textContent()) ?? '', /Loading the map/);
    const n = await sendRunMap(p, first.id);
    assert.equal(await p.locator('canvas[data-carto-canvas]').getAttribute('data-points'), String(n), 'every sample drawn');
    const px = await mapPixels(p);
    assert.ok(px.clean > 200 && px.corrupted > 200, `clean ${px.clean} and corrupted ${px.corrupted} pixels`);
    // The table alternative counts the same samples: clean / corrupted as the ledger says.
    const totals = await tableTotals(p);
    assert.deepEqual(totals, { clean: n - first.corrupted, corrupted: first.corrupted, rows: 5 });
    const regions = first.cartography!.regions;
    assert.match((await p.locator('[data-carto-table] p').textContent()) ?? '', new RegExp(`hard ${regions.hard.clean} / ${regions.hard.corrupted}`));
    assert.match((await p.locator('[data-carto-readout]').textContent()) ?? '', new RegExp(`${n} training samples \\(${first.corrupted} corrupted\\)`));
    // Hover: the samples under the pointer.
    await p.locator('canvas[data-carto-canvas]').scrollIntoViewIfNeeded();
    const box = (await p.locator('canvas[data-carto-canvas]').boundingBox())!;
    await p.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await p.locator('[data-carto-readout]', { hasText: /samples? within 8 px/ }).waitFor();
    await p.mouse.move(box.x - 20, box.y - 20);
    await p.locator('[data-carto-readout]', { hasText: /training samples/ }).waitFor();
    await screenshot(p, `report-full-${theme.replace('vscode-', '')}.png`, 'full');
    await p.locator('#cartography details.chart-data summary').click();
    await sectionShot(p, `report-cartography-${theme.replace('vscode-', '')}.png`, '#cartography');
    // Another run: the page asks for it; the clean run has no corrupted dots.
    await p.locator('select[data-carto-run]').selectOption('clean-s0');
    assert.deepEqual((await posted(p)).at(-1), { type: 'loadCartography', runId: 'clean-s0' });
    await sendRunMap(p, 'clean-s0');
    const cleanPx = await mapPixels(p);
    assert.ok(cleanPx.clean > 200, `${cleanPx.clean} clean pixels`);
    assert.equal((await tableTotals(p)).corrupted, 0);
    // Back to the first run: cached, no new request.
    const before = (await posted(p)).length;
    await p.locator('select[data-carto-run]').selectOption(first.id);
    await p.locator(`canvas[data-carto-canvas][data-run="${first.id}"]`).waitFor({ state: 'attached' });
    assert.equal((await posted(p)).length, before);
    await clean(p, log);
    await p.context().close();
  });
}

test('the cartography map draws 100,000 samples (one image, no DOM per dot) and reports a missing map', { skip: skipReason }, async (t) => {
  const { page: p, log } = await page('vscode-dark');
  const runId = defaultCartographyRun(report)!.id;
  // 100,000 samples shaped like a real map: clean ones learned (high confidence), corrupted ones hard or memorized late.
  await p.evaluate(`(() => {
    const n = 100000; let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
    const conf = new Float32Array(n), vari = new Float32Array(n), bad = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      bad[i] = rnd() < 0.3 ? 1 : 0;
      const c = bad[i] ? Math.pow(rnd(), 2.5) * 0.8 : 1 - Math.pow(rnd(), 2) * 0.9;
      conf[i] = c;
      vari[i] = Math.min(0.5, Math.max(0, 0.45 * Math.sqrt(c * (1 - c)) * (0.4 + rnd())));
    }
    window.__t0 = performance.now();
    window.postMessage({ type: 'cartography', runId: ${JSON.stringify(runId)}, n, epochs: 20, confidence: conf, variability: vari, corrupted: bad }, '*');
  })()`);
  await p.locator('canvas[data-carto-canvas][data-points="100000"]').waitFor({ state: 'attached' });
  const drawMs = Number(await p.locator('canvas[data-carto-canvas]').getAttribute('data-draw-ms'));
  t.diagnostic(`100,000 samples drawn in ${drawMs} ms (headless Chromium, software rendering)`);
  assert.equal(await p.locator('#cartography canvas').count(), 1);
  assert.equal(await p.locator('#cartography svg, #cartography circle').count(), 0);
  const px = await mapPixels(p);
  assert.ok(px.clean > 1000 && px.corrupted > 1000, `clean ${px.clean}, corrupted ${px.corrupted}`);
  const totals = await tableTotals(p);
  assert.equal(totals.clean + totals.corrupted, 100000);
  // Hovering over 100,000 samples stays cheap (one pass per animation frame).
  await p.locator('canvas[data-carto-canvas]').scrollIntoViewIfNeeded();
  const box = (await p.locator('canvas[data-carto-canvas]').boundingBox())!;
  for (let k = 0; k < 10; k++) await p.mouse.move(box.x + box.width * (0.2 + k * 0.05), box.y + box.height * 0.3);
  await p.locator('[data-carto-readout]', { hasText: /within 8 px/ }).waitFor();
  await p.mouse.move(box.x - 10, box.y - 10);
  await sectionShot(p, 'report-cartography-100k-dark.png', 'figure.carto');
  // A run whose map cannot be read: the reason in words, an empty plot, no table.
  await p.locator('select[data-carto-run]').selectOption('x-dead-code-50-s0');
  await p.evaluate(`window.postMessage({ type: 'cartography', runId: 'x-dead-code-50-s0', error: 'cannot read the map of x-dead-code-50-s0: <b>truncated</b>' }, '*')`);
  await p.locator('[data-carto-readout].error', { hasText: 'truncated' }).waitFor();
  assert.equal(await p.locator('[data-carto-readout] b').count(), 0);
  assert.equal(await p.locator('canvas[data-carto-canvas]').getAttribute('data-points'), '0');
  await clean(p, log);
  await p.context().close();
});

test('"noised in": a level opens the diff of the original and the noised method (mouse and keyboard)', { skip: skipReason }, async () => {
  const { page: p, log } = await page('vscode-light');
  const noisy = report.findings.filter((f) => f.noise?.some((n) => n.diff));
  assert.ok(noisy.length > 0, 'some findings were corrupted in a noisy run');
  const buttons = p.locator('#findings button.diff-button');
  assert.equal(await buttons.count(), report.findings.reduce((a, f) => a + (f.noise ?? []).filter((n) => n.diff).length, 0));
  // A click on a level posts the diff request, not "open the method".
  const f = noisy[0]!;
  const n = f.noise!.find((x) => x.diff)!;
  const row = p.locator(`#findings tr[data-sample-id="${f.sampleId}"]`);
  await row.locator(`button[data-diff-run="${n.runId}"]`).click();
  let messages = await posted(p);
  assert.deepEqual(messages.at(-1), { type: 'openNoiseDiff', sampleId: f.sampleId, runId: n.runId });
  assert.ok(!messages.some((m) => (m as { type: string }).type === 'openFinding'));
  // Keyboard: the current row's levels are in the tab order; Enter on one opens its diff.
  const g = noisy[noisy.length - 1]!;
  const last = g.noise!.filter((x) => x.diff).at(-1)!;
  const gRow = p.locator(`#findings tr[data-sample-id="${g.sampleId}"]`);
  await gRow.locator('td').nth(0).click();
  messages = await posted(p);
  assert.deepEqual(messages.at(-1), { type: 'openFinding', sampleId: g.sampleId });
  const levels = g.noise!.filter((x) => x.diff).length;
  for (let k = 0; k < levels; k++) await p.keyboard.press('Tab');
  assert.equal(await p.evaluate('document.activeElement.getAttribute("data-diff-run")'), last.runId);
  await p.keyboard.press('Enter');
  assert.deepEqual((await posted(p)).at(-1), { type: 'openNoiseDiff', sampleId: g.sampleId, runId: last.runId });
  // Other rows' levels wait until their row is the current one.
  assert.equal(await row.locator('button.diff-button').first().getAttribute('tabindex'), f.sampleId === g.sampleId ? '0' : '-1');
  // The hover text says what changed.
  assert.match((await row.locator(`button[data-diff-run="${n.runId}"]`).getAttribute('title')) ?? '', n.label ? /renamed .+ → .+ \(open the diff\)/ : /inserted|deleted|renamed|\(open the diff\)/);
  await p.evaluate(`document.activeElement.blur(); document.querySelector('#findings .table-wrap').scrollLeft = 0`);
  await sectionShot(p, 'report-light-findings-noise.png', '#findings');
  await clean(p, log);
  await p.context().close();
});

/**
 * The report with the cross-fitted memorization score: the first two thirds of the findings
 * memorized (mem falling from 1), the rest not learned, as the engine orders them, and the
 * audit's summary (2 folds: 2 fold runs, and the clean run, train on each method or hold it out).
 */
function categorized(r: AuditReport): AuditReport {
  const c = structuredClone(r);
  const cut = Math.ceil((c.findings.length * 2) / 3);
  c.findings.forEach((f, i) => {
    const memorized = i < cut;
    f.category = memorized ? 'memorized' : 'not-learned';
    f.fittedRate = memorized ? 1 : 0;
    f.heldOutRate = memorized ? (i % 2 === 0 ? 0 : 0.5) : 0;
    f.mem = f.fittedRate - f.heldOutRate;
    f.memProb = Number((f.mem * 0.9).toFixed(3));
  });
  const notLearned = c.findings.length - cut;
  c.memorization = { estimator: 'cross-fit (Feldman & Zhang 2020)', folds: 2, runs: ['cf-0', 'cf-1'], seconds: 75, samples: c.dataset.trainUsed, memorized: cut, notLearned, meanMemTop50: 0.82 };
  return c;
}

test('categories: a category column with text badges and a sortable "mem" column after the method, the cross-fitting summary, rows still open', { skip: skipReason }, async () => {
  const r = categorized(report);
  const memorizedCount = r.findings.filter((f) => f.category === 'memorized').length;
  const { page: p, log } = await page('vscode-dark', r);
  const labels = await p.locator('#findings thead th').evaluateAll((ths) => ths.map((th) => th.getAttribute('data-label')));
  // Once each: added by the page after the method when the renderer has no such columns, else the renderer's own.
  assert.equal(labels.filter((l) => l === 'category').length, 1, labels.join(', '));
  assert.equal(labels.filter((l) => l === 'mem').length, 1, labels.join(', '));
  const catAt = labels.indexOf('category') + 1;
  const memAt = labels.indexOf('mem') + 1;
  // A badge with words on every row (not colour alone), in the report's order: memorized first.
  const badges = await p.locator(`#findings tbody tr td:nth-child(${catAt}) .category-badge`).allTextContents();
  assert.equal(badges.length, r.findings.length);
  assert.deepEqual(badges, r.findings.map((f) => (f.category === 'memorized' ? 'Likely memorized' : 'Not learned')));
  assert.equal(await p.locator('#findings .category-badge.category-not-learned').count(), r.findings.length - memorizedCount);
  const mems = (await findingOrder(p, memAt)).map((t) => Number(t.replace('−', '-')));
  mems.forEach((m, i) => assert.ok(Math.abs(m - r.findings[i]!.mem!) < 0.006, `mem of row ${i + 1}: ${m}`));
  assert.match((await p.locator(`#findings tbody tr td:nth-child(${catAt})`).first().getAttribute('title')) ?? '', /^Likely memorized: fitted by 2 of 2 models trained on it, predicted by 0 of 1 that held it out: memorization score 1\.00$/);
  const summary = (await p.locator('[data-memorization-summary]').textContent()) ?? '';
  assert.ok(summary.startsWith('Memorization score, cross-fit (Feldman & Zhang 2020): cross-fitted over 2 folds, 2 fold runs and the clean run, '), summary);
  assert.ok(summary.includes(`; ${memorizedCount} likely memorized and ${r.findings.length - memorizedCount} not learned of ${r.dataset.trainUsed} methods; mean score of the top 50: 0.82.`), summary);
  // Sort by mem (numeric), both ways; then by score, which moved two columns to the right.
  const memHeader = p.locator('#findings th[data-label="mem"]');
  await memHeader.locator('button').click();
  assert.equal(await memHeader.getAttribute('aria-sort'), 'ascending');
  const asc = (await findingOrder(p, memAt)).map((t) => Number(t.replace('−', '-')));
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  await memHeader.locator('button').click();
  assert.equal(await memHeader.getAttribute('aria-sort'), 'descending');
  const desc = (await findingOrder(p, memAt)).map((t) => Number(t.replace('−', '-')));
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
  assert.match((await p.locator('#findings [data-sort-status]').textContent()) ?? '', /Sorted by mem, descending/);
  const scoreHeader = p.locator('#findings th[data-label="score"]');
  const scoreColumn = labels.indexOf('score') + 1;
  await scoreHeader.locator('button').focus();
  await p.keyboard.press('Enter');
  assert.equal(await scoreHeader.getAttribute('aria-sort'), 'ascending');
  assert.equal(await memHeader.getAttribute('aria-sort'), null);
  const scores = (await findingOrder(p, scoreColumn)).map(Number);
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
  // Category sorts memorized first, then not learned.
  await p.locator('#findings th[data-label="category"] button').click();
  const cats = await findingOrder(p, catAt);
  assert.deepEqual(cats, [...cats].sort((a, b) => (a === b ? 0 : a === 'Likely memorized' ? -1 : 1)));
  // A row names its category and still opens its method.
  const first = p.locator('#findings tbody tr[data-sample-id]').first();
  assert.match((await first.getAttribute('aria-label')) ?? '', /^Open \S+ \(Likely memorized\) at /);
  const id = await first.getAttribute('data-sample-id');
  await first.locator('td').nth(2).click();
  const messages = await posted(p);
  assert.deepEqual(messages.at(-1), { type: 'openFinding', sampleId: id });
  await sectionShot(p, 'report-dark-categories.png', '#findings');
  await clean(p, log);
  await p.context().close();
});

test('a report without categories gets no category column, no summary line, no data', { skip: skipReason }, async () => {
  // An older report: no memorization score, no categories (whatever the engine of this build writes).
  const older = structuredClone(report);
  delete older.memorization;
  for (const f of older.findings) {
    delete f.category;
    delete f.mem;
    delete f.memProb;
    delete f.fittedRate;
    delete f.heldOutRate;
  }
  const { page: p, log } = await page('vscode-light', older);
  assert.equal(await p.locator('#findings th[data-label="category"]').count(), 0);
  assert.equal(await p.locator('#findings th[data-label="mem"]').count(), 0);
  assert.equal(await p.locator('[data-memorization-summary], [data-finding-categories]').count(), 0);
  await clean(p, log);
  await p.context().close();
});

test('screenshots are written', { skip: skipReason }, () => {
  for (const name of ['report-dark.png', 'report-light.png', 'report-cartography-dark.png', 'report-cartography-light.png', 'report-cartography-high-contrast.png', 'report-cartography-100k-dark.png']) assert.ok(fs.statSync(path.join(__dirname, '../../../test-artifacts/webview', name)).size > 10_000, name);
});
