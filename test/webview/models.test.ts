/**
 * The report panel's "Models side by side" section in headless Chromium (the page the extension
 * shows, CSP enforced), on the fixture report as an audit of two models: the scores table has a
 * row per model, and each chart (test F1 and noise fit against the noise level) a line per model
 * with a legend; nothing errs or breaks the CSP. Screenshots go to test-artifacts/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { makeNonce, reportPanelHtml } from '../../extension/src/webview-html';
import { withModels } from '../unit/report/models-fixture';
import { makeFixtureReport } from '../unit/report/fixture';
import { closeBrowser, launch, openWebview, ORIGIN, screenshot, skipReason, violations } from './harness';

let browser: Browser | undefined;

before(async () => {
  if (!skipReason) browser = await launch();
});

after(async () => {
  await closeBrowser(browser);
});

test('the models side by side: a row per model, a chart per score with a line per model', { skip: skipReason }, async () => {
  const html = reportPanelHtml(withModels(makeFixtureReport({ extras: true })), { nonce: makeNonce(), cspSource: ORIGIN, assets: { style: `${ORIGIN}/report.css`, script: `${ORIGIN}/report.js` } });
  const { page: p, log } = await openWebview(browser!, html, 'vscode-dark');
  try {
    const section = p.locator('section#models');
    assert.equal(await section.count(), 1);
    assert.equal(await p.locator('nav a[href="#models"]').count(), 1);
    assert.equal(await section.locator('.table-wrap').first().locator('tbody tr').count(), 2, 'one row per model');
    const charts = section.locator('svg[role="img"]');
    assert.equal(await charts.count(), 2, 'test F1 and noise fit (one noise kind)');
    const titles = [await charts.nth(0).locator('title').first().textContent(), await charts.nth(1).locator('title').first().textContent()];
    assert.deepEqual(titles, ['Test F1 against the noise level, per model: y-shuffle', 'Noise fit against the noise level, per model: y-shuffle']);
    for (let k = 0; k < 2; k++) assert.equal(await charts.nth(k).locator('.series polyline').count(), 2, 'a line per model');
    assert.deepEqual(await section.locator('figure').first().locator('.legend li').allTextContents(), ['bag', 'code2vec']);
    const stroke = await p.evaluate(`getComputedStyle(document.querySelector('section#models svg .series polyline')).stroke`);
    assert.notEqual(stroke, 'none');
    await screenshot(p, 'models-vscode-dark.png', { selector: 'section#models' });
    assert.deepEqual(await violations(p), [], 'CSP violations');
    assert.deepEqual(log.errors, [], 'console errors');
  } finally {
    await p.close();
  }
});
