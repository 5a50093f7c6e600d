/**
 * The report panel's "Adversarial robustness" section in headless Chromium (the page the extension
 * shows, CSP enforced), on the fixture report with adversarial numbers: the chart of flip rate
 * against the noise level draws one line per attack with a legend and a data table, the table of
 * flip rates has one row per level, the explanations are there, nothing errs or breaks the CSP,
 * in the light and the dark theme; without the numbers the section and its nav link are absent.
 * Screenshots go to test-artifacts/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { AuditReport } from '../../server/src/protocol/report';
import { makeNonce, reportPanelHtml } from '../../extension/src/webview-html';
import { withAdversarial } from '../unit/report/adversarial-fixture';
import { makeFixtureReport } from '../unit/report/fixture';
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

for (const theme of ['vscode-light', 'vscode-dark'] as const) {
  test(`the adversarial chart and table render in the report panel (${theme})`, { skip: skipReason }, async () => {
    const { page: p, log } = await page(withAdversarial(makeFixtureReport({ extras: true })), theme);
    try {
      const section = p.locator('section#adversarial');
      assert.equal(await section.count(), 1);
      assert.equal(await p.locator('nav a[href="#adversarial"]').count(), 1);
      const chart = section.locator('svg[role="img"]');
      assert.equal(await chart.count(), 1, 'one chart (one noise kind)');
      assert.match((await chart.locator('title').first().textContent()) ?? '', /Adversarial flip rate against the noise level: y-shuffle/);
      // PGD test/train, FGSM test, PGD on corrupted methods, rename test: one line each.
      assert.equal(await chart.locator('.series polyline').count(), 5);
      const legend = await section.locator('.legend li').allTextContents();
      assert.deepEqual(legend, ['PGD, test', 'PGD, train', 'FGSM, test', 'PGD, corrupted train', 'rename, test']);
      // The line has a visible stroke (the theme's colours reach the SVG).
      const stroke = await p.evaluate(`getComputedStyle(document.querySelector('section#adversarial svg .series polyline')).stroke`);
      assert.notEqual(stroke, 'none');
      const rows = section.locator('h3 + .table-wrap tbody tr');
      assert.equal(await rows.count(), 5);
      assert.equal(await rows.first().locator('td').first().textContent(), 'clean');
      assert.equal(await section.locator('ul.muted li').count(), 5, 'what each number means');
      assert.ok((await section.boundingBox())!.height > 200, 'the section takes room on the page');
      await screenshot(p, `adversarial-${theme}.png`, { selector: 'section#adversarial' });
      assert.deepEqual(await violations(p), [], 'CSP violations');
      assert.deepEqual(log.errors, [], 'console errors');
    } finally {
      await p.close();
    }
  });
}

test('without adversarial numbers the panel has no such section', { skip: skipReason }, async () => {
  const { page: p, log } = await page(makeFixtureReport({ extras: true }), 'vscode-light');
  try {
    assert.equal(await p.locator('section#adversarial').count(), 0);
    assert.equal(await p.locator('nav a[href="#adversarial"]').count(), 0);
    assert.deepEqual(log.errors, []);
  } finally {
    await p.close();
  }
});
