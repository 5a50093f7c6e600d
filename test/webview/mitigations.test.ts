/**
 * The mitigation explorer in the report panel, in headless Chromium (the page the extension shows,
 * CSP enforced): a sweep of three settings shows the "Mitigations" section with its table, the
 * recommendation and the chart of M against G (one labelled point per setting, inside the chart);
 * an audit with the mitigation settings shows them in the configuration and an early-stopped run
 * shows "stopped at epoch e (best b)" in the runs table, which sorts by it. Nothing errs or breaks
 * the CSP. Screenshots go to test-artifacts/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { AuditReport } from '../../server/src/protocol/report';
import { makeNonce, reportPanelHtml } from '../../extension/src/webview-html';
import { makeFixtureReport } from '../unit/report/fixture';
import { withRegularization, withSweep } from '../unit/report/sweep-fixture';
import { closeBrowser, launch, openWebview, ORIGIN, screenshot, skipReason, violations, type ThemeKind } from './harness';

let browser: Browser | undefined;

before(async () => {
  if (!skipReason) browser = await launch();
});

after(async () => {
  await closeBrowser(browser);
});

function page(r: AuditReport, theme: ThemeKind): Promise<{ page: Page; log: { errors: string[] } }> {
  const html = reportPanelHtml(r, { nonce: makeNonce(), cspSource: ORIGIN, assets: { style: `${ORIGIN}/report.css`, script: `${ORIGIN}/report.js` } });
  return openWebview(browser!, html, theme);
}

type Box = { x: number; y: number; width: number; height: number };
const inside = (a: Box, b: Box): boolean => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;

for (const theme of ['vscode-light', 'vscode-dark'] as const) {
  test(`a sweep of three settings: the Mitigations table, the recommendation and M against G (${theme})`, { skip: skipReason }, async () => {
    const report = withSweep(makeFixtureReport({ extras: true }));
    const { page: p, log } = await page(report, theme);
    try {
      const section = p.locator('section#sweep');
      assert.equal(await section.count(), 1);
      assert.equal(await p.locator('nav a[href="#sweep"]').textContent(), 'Mitigations');
      assert.equal(await section.locator('h2').textContent(), 'Mitigations');
      // The table: one row per setting, in order, with its G and its audit.
      const rows = section.locator(':scope > .table-wrap tbody tr');
      assert.equal(await rows.count(), 3);
      const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      assert.deepEqual(cells.map((c) => [c[0], c[1], c[c.length - 1]]), [
        ['dropout 0', '0.612', report.runId],
        ['dropout 0.25', '0.606', 'swp0000000025'],
        ['dropout 0.5', '0.490', 'swp0000000050'],
      ]);
      assert.equal(await section.locator('.sweep-recommendation').textContent(), `Recommendation: ${report.sweepRecommendation}`);
      assert.match(report.sweepRecommendation!, /^dropout 0\.25: noise fit/);
      // The chart: one point per setting, each labelled with its setting and drawn inside the chart.
      const chart = section.locator('svg[role="img"]');
      assert.equal(await chart.count(), 1);
      assert.equal(await chart.locator('title').first().textContent(), 'M (noise fit) against G (test F1), per setting');
      const svgBox = (await chart.boundingBox())!;
      const points = chart.locator('.series circle');
      assert.equal(await points.count(), 3, 'one point per setting');
      const labels = chart.locator('text.point-label');
      assert.deepEqual(await labels.allTextContents(), ['dropout 0', 'dropout 0.25', 'dropout 0.5']);
      for (let k = 0; k < 3; k++) {
        assert.ok(inside((await points.nth(k).boundingBox())!, svgBox), `point ${k} inside the chart`);
        assert.ok(inside((await labels.nth(k).boundingBox())!, svgBox), `label ${k} inside the chart`);
      }
      assert.match((await points.nth(1).locator('title').textContent()) ?? '', /^dropout 0\.25: 0\.61 → /);
      // Better settings sit lower: the recommended point is below the baseline's.
      assert.ok((await points.nth(1).boundingBox())!.y > (await points.nth(0).boundingBox())!.y, 'lower noise fit, lower on the chart');
      assert.notEqual(await p.evaluate(`getComputedStyle(document.querySelector('section#sweep svg .series circle')).fill`), 'none');
      assert.deepEqual(await section.locator('.legend li').allTextContents(), ['dropout 0', 'dropout 0.25', 'dropout 0.5']);
      assert.equal(await section.locator('details.chart-data tbody tr').count(), 3, 'the chart\'s numbers as a table');
      await screenshot(p, `mitigations-${theme}.png`, { selector: 'section#sweep' });
      assert.deepEqual(await violations(p), [], 'CSP violations');
      assert.deepEqual(log.errors, [], 'console errors');
    } finally {
      await p.close();
    }
  });
}

test('the training settings in the configuration, an early-stopped run in the runs table (sortable by it)', { skip: skipReason }, async () => {
  const { page: p, log } = await page(withRegularization(makeFixtureReport({ extras: true })), 'vscode-dark');
  try {
    const facts = await p.$$eval('#details dl.facts dt', (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ''])));
    assert.match(facts['weight decay']!, /^0\.001 \(/);
    assert.match(facts.dropout!, /^0\.3 \(/);
    assert.match(facts.mixup!, /^α 0\.2 \(/);
    assert.match(facts.distillation!, /^0\.5 \(/);
    assert.match(facts['early stopping']!, /^patience 2 \(/);
    const table = p.locator('#details h3:text-is("Runs") + .table-wrap table');
    const header = table.locator('thead th[data-label="early stopping"]');
    assert.equal(await header.count(), 1);
    const stopped = table.locator('tbody tr[data-stopped-at="6"]');
    assert.equal(await stopped.count(), 1);
    assert.match(await stopped.innerText(), /y-shuffle-100-s0[\s\S]*stopped at epoch 6 \(best 4\)/);
    assert.equal(await table.locator('tbody td', { hasText: 'every epoch (best 10)' }).count(), 4);
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    assert.match(await table.locator('tbody tr').first().innerText(), /^y-shuffle-100-s0/, 'the run that stopped first comes first');
    await stopped.scrollIntoViewIfNeeded();
    await screenshot(p, 'early-stopping-vscode-dark.png', { selector: '#details' });
    assert.deepEqual(await violations(p), [], 'CSP violations');
    assert.deepEqual(log.errors, [], 'console errors');
  } finally {
    await p.close();
  }
});

test('a plain audit: no Mitigations section, no training settings, no early-stopping column', { skip: skipReason }, async () => {
  const { page: p, log } = await page(makeFixtureReport({ extras: true }), 'vscode-light');
  try {
    assert.equal(await p.locator('section#sweep').count(), 0);
    assert.equal(await p.locator('nav a[href="#sweep"]').count(), 0);
    assert.equal(await p.locator('#details th[data-label="early stopping"]').count(), 0);
    assert.equal(await p.locator('#details dl.facts dt', { hasText: /^(mixup|distillation|early stopping)$/ }).count(), 0);
    assert.deepEqual(log.errors, []);
  } finally {
    await p.close();
  }
});
