/**
 * The dashboard view's page in headless Chromium (what the extension shows, `dashboardHtml`), fed
 * a fake sequence of `state` messages as the extension sends them during an audit: the progress
 * bar, stage, run k/n, epoch, ETA and device follow; the latest result shows G, M, gap and the
 * gates; recent runs open and delete; buttons post their commands; text from the corpus and engine
 * is shown as text. No console errors, no CSP violations. Screenshots to test-artifacts/webview/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { dashboardHtml, makeNonce } from '../../extension/src/webview-html';
import type { DashboardState } from '../../extension/src/webview-messages';
import { closeBrowser, launch, openWebview, ORIGIN, posted, screenshot, skipReason, violations, type ThemeKind } from './harness';

let browser: Browser | undefined;
before(async () => {
  if (!skipReason) browser = await launch();
});
after(() => closeBrowser(browser));

const RUNS: DashboardState['runs'] = [
  { folder: 'shop', folderIndex: 0, id: '27681b53804e', state: 'finished', runsDone: 2, createdAt: '2026-11-26T10:00:00.000Z', model: 'bag', G: 0.362, M: 0.199, gap: 0.208, gatesPassed: false, running: false },
  { folder: 'shop', folderIndex: 0, id: 'a1b2c3d4e5f6', state: 'interrupted', runsDone: 1, G: null, M: null, gap: null, running: false },
];

function state(partial: Partial<DashboardState>): DashboardState {
  return { type: 'state', trusted: true, engine: 'running', runs: RUNS, ...partial };
}

async function send(p: Page, s: DashboardState): Promise<void> {
  await p.evaluate(`window.postMessage(${JSON.stringify(s)}, '*')`);
}

function open(theme: ThemeKind): Promise<{ page: Page; log: { errors: string[] } }> {
  const html = dashboardHtml({ nonce: makeNonce(), cspSource: ORIGIN, assets: { style: `${ORIGIN}/dashboard.css`, script: `${ORIGIN}/dashboard.js` } });
  return openWebview(browser!, html, theme, { width: 340, height: 760 });
}

test('the dashboard follows an audit: progress, stage, run k/n, epoch, ETA, device, then the result', { skip: skipReason }, async () => {
  for (const theme of ['vscode-dark', 'vscode-light'] as const) {
    const { page: p, log } = await open(theme);
    assert.deepEqual(await posted(p), [{ type: 'ready' }]);
    await send(p, state({}));
    await p.locator('[data-runs] li').first().waitFor();
    assert.match((await p.locator('[data-current]').textContent()) ?? '', /No audit is running/);

    const steps: DashboardState['current'][] = [
      { folder: 'shop', stage: 'extract', fraction: 0.03, message: 'extracting: 40 files, 300 methods' },
      { folder: 'shop', stage: 'train', fraction: 0.4, message: 'training', run: 1, runs: 2, epoch: 2, epochs: 3, etaSec: 95, device: 'cpu', samplesPerSec: 5230 },
      { folder: 'shop', stage: 'train', fraction: 0.72, message: 'training', run: 2, runs: 2, epoch: 1, epochs: 3, etaSec: 40, device: 'cpu', samplesPerSec: 5400 },
    ];
    for (const current of steps) await send(p, state({ current: current! }));
    const bar = p.locator('[role="progressbar"]');
    await p.locator('[aria-valuenow="72"]').waitFor();
    assert.equal(await bar.getAttribute('aria-valuenow'), '72');
    const text = (await p.locator('[data-current]').textContent()) ?? '';
    for (const want of ['Training', '2 of 2', '1 of 3', '40 s', 'cpu', '5,400 samples/s', '72%']) assert.ok(text.includes(want), `${want} in ${text}`);
    assert.equal(await p.locator('button[data-command="cancelAudit"]').isVisible(), true);
    assert.equal(await p.locator('button[data-command="audit"]').isDisabled(), true);
    // The fill's width follows the fraction (set through the CSSOM, which the CSP allows).
    const width = Number(await p.evaluate(`document.querySelector('.bar-fill').style.width.replace('%', '')`));
    assert.equal(width, 72);
    await screenshot(p, `dashboard-running-${theme.replace('vscode-', '')}.png`);

    // A sweep's part, and a run's attack phase in place of its epoch.
    await send(p, state({ current: { folder: 'shop', stage: 'train', fraction: 0.8, message: 'training', run: 2, runs: 2, epoch: 3, epochs: 3, device: 'cpu', part: 'setting 2/3 dropout 0.5', attack: { done: 40, total: 320 } } }));
    await p.locator('[aria-valuenow="80"]').waitFor();
    const parted = (await p.locator('[data-current]').textContent()) ?? '';
    for (const want of ['Partsetting 2/3 dropout 0.5', 'Run2 of 2', 'Attacks40 of 320 methods']) assert.ok(parted.includes(want), `${want} in ${parted}`);
    assert.ok(!parted.includes('Epoch'), parted);

    // Done: the latest result with its gates.
    await send(
      p,
      state({
        latest: { folder: 'shop', folderIndex: 0, runId: '27681b53804e', outcome: 'finished', createdAt: '2026-11-26T10:00:00.000Z', G: 0.362, M: 0.199, gap: 0.208, intervals: { G: { low: 0.331, high: 0.394 }, M: { low: 0.19, high: 0.21 } }, gatesPassed: false, findings: 50, detection: 'detection score −aum over the first 3 epochs: held-out AUROC 0.812 [0.79, 0.834] (in-sample 0.834, optimistic); chosen among 80 candidates', gates: [{ gate: 'gap <= 0.5', passed: true, actual: 0.208 }, { gate: 'M < 0.01', passed: false, actual: 0.199 }] },
      }),
    );
    await p.locator('[data-score="G"]').waitFor();
    assert.match((await p.locator('.detection-choice').textContent()) ?? '', /^Ranked by the detection score −aum over the first 3 epochs: held-out AUROC 0\.812/);
    assert.equal(await p.locator('[data-score="G"]').textContent(), '0.36');
    assert.equal(await p.locator('[data-score="M"]').textContent(), '0.20');
    assert.equal(await p.locator('[data-score="gap"]').textContent(), '0.21');
    // Each score with its 95 % interval under it; none shown for a score without one.
    assert.equal(await p.locator('[data-interval="G"]').textContent(), '[0.33, 0.39]');
    assert.equal(await p.locator('[data-interval="M"]').textContent(), '[0.19, 0.21]');
    assert.equal(await p.locator('[data-interval="gap"]').count(), 0);
    assert.equal(await p.locator('[data-gates]').getAttribute('data-gates'), 'failed');
    assert.match((await p.locator('[data-current]').textContent()) ?? '', /No audit is running/);
    assert.equal(await p.locator('button[data-command="audit"]').isDisabled(), false);
    await screenshot(p, `dashboard-done-${theme.replace('vscode-', '')}.png`, 'full');
    assert.deepEqual(await violations(p), []);
    assert.deepEqual(log.errors, []);
    await p.context().close();
  }
});

test('the dashboard buttons post their commands and runs; corpus text stays text', { skip: skipReason }, async () => {
  const { page: p, log } = await open('vscode-dark');
  const hostile: DashboardState['runs'] = [{ ...RUNS[0]!, folder: '<img src=x onerror="window.__pwned=1">', model: '<script>window.__pwned=2</script>' }, { ...RUNS[1]!, folderIndex: 1 }];
  await send(p, state({ runs: hostile }));
  await p.locator('[data-runs] li').first().waitFor();
  assert.equal(await p.locator('img').count(), 0);
  assert.equal(await p.evaluate('window.__pwned === undefined'), true);
  assert.match((await p.locator('[data-runs]').textContent()) ?? '', /<img src=x/);

  await p.locator('button[data-command="audit"]').click();
  await p.locator('button[data-command="showFindings"]').click();
  await p.locator('button[data-command="openReport"]').click();
  await p.locator('[data-run="27681b53804e"] button', { hasText: 'Open' }).click();
  await p.locator('[data-run="a1b2c3d4e5f6"] button', { hasText: 'Delete' }).click();
  // Keyboard: Tab to the first button and press Enter.
  await p.locator('button[data-command="showOutput"]').focus();
  await p.keyboard.press('Enter');
  assert.deepEqual(await posted(p), [
    { type: 'ready' },
    { type: 'command', command: 'audit' },
    { type: 'command', command: 'showFindings' },
    { type: 'command', command: 'openReport' },
    { type: 'openRun', folderIndex: 0, runId: '27681b53804e' },
    { type: 'deleteRun', folderIndex: 1, runId: 'a1b2c3d4e5f6' },
    { type: 'command', command: 'showOutput' },
  ]);
  // An untrusted workspace: no audit button, the reason in words.
  await send(p, state({ trusted: false, runs: [], runsNote: 'Audits of an untrusted workspace are not shown.' }));
  await p.locator('[data-current] .note').waitFor();
  assert.equal(await p.locator('button[data-command="audit"]').isDisabled(), true);
  await screenshot(p, 'dashboard-untrusted-dark.png');
  assert.deepEqual(await violations(p), []);
  assert.deepEqual(log.errors, []);
  await p.context().close();
});

test('a score on too little data shows why instead of the number, in the latest result and the run list', { skip: skipReason }, async () => {
  const { page: p, log } = await open('vscode-light');
  const reason = 'not enough test methods: 28 (at least 50 needed)';
  const notes = { G: reason, gap: reason };
  await send(
    p,
    state({
      runs: [{ ...RUNS[0]!, notes }],
      latest: { folder: 'shop', folderIndex: 0, runId: '27681b53804e', outcome: 'finished', createdAt: '2026-11-26T10:00:00.000Z', G: 0.362, M: 0.199, gap: 0.208, notes, gates: [] },
    }),
  );
  await p.locator('[data-score="G"]').waitFor();
  assert.equal(await p.locator('[data-score="G"]').textContent(), reason);
  assert.equal(await p.locator('[data-score="gap"]').textContent(), reason);
  assert.equal(await p.locator('[data-score="M"]').textContent(), '0.20');
  assert.match((await p.locator('[data-run="27681b53804e"] .run-detail').textContent()) ?? '', /G too little data · M 0\.20 · gap too little data/);
  await screenshot(p, 'dashboard-insufficient-light.png', 'full');
  assert.deepEqual(await violations(p), []);
  assert.deepEqual(log.errors, []);
  await p.context().close();
});

test('the latest result counts the two finding categories apart when the audit has them, one count otherwise', { skip: skipReason }, async () => {
  const { page: p, log } = await open('vscode-dark');
  const base = { folder: 'shop', folderIndex: 0, runId: '27681b53804e', outcome: 'finished' as const, createdAt: '2026-11-26T10:00:00.000Z', G: 0.362, M: 0.199, gap: 0.208, gates: [] };
  await send(p, state({ latest: { ...base, findings: 50 } }));
  await p.locator('.findings-count').waitFor();
  assert.equal(await p.locator('.findings-count').textContent(), '50 likely memorized methods');
  assert.equal(await p.locator('[data-findings-categories]').count(), 0);
  await send(p, state({ latest: { ...base, findings: 41, memorized: 40, notLearned: 1 } }));
  await p.locator('[data-findings-categories]').waitFor();
  assert.equal(await p.locator('[data-count="memorized"]').textContent(), '40 likely memorized methods');
  assert.equal(await p.locator('[data-count="not-learned"]').textContent(), '1 not learned');
  assert.equal(await p.locator('.findings-count').textContent(), '40 likely memorized methods · 1 not learned');
  await screenshot(p, 'dashboard-categories-dark.png', 'full');
  assert.deepEqual(await violations(p), []);
  assert.deepEqual(log.errors, []);
  await p.context().close();
});
