/**
 * A real VS Code for the end-to-end tests: code-server (scripts/setup-code-server.js) on a free
 * local port with its own extensions, user-data and HOME folders, opened in headless Chromium
 * (playwright-core). `skipReason` says why it cannot run here; with MEMAUDIT_REQUIRE_E2E=1 (set by
 * .ci/run) that is an error instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, chromiumPath } from '../webview/harness';

const CODE_SERVER_VERSION = '4.96.4';
const codeServerDir = process.env.MEMAUDIT_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache', 'memaudit', `code-server-${CODE_SERVER_VERSION}`);
/** code-server's entry script (also installs extensions: `--install-extension`). */
export const CODE_SERVER_ENTRY = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export const skipReason: string | undefined = (() => {
  let reason = browserMissing();
  if (!reason && !fs.existsSync(path.join(codeServerDir, '.memaudit-ready'))) reason = `no code-server in ${codeServerDir}: run scripts/ensure-test-tools.sh (or node scripts/setup-code-server.js)`;
  if (reason) {
    if (process.env.MEMAUDIT_REQUIRE_E2E === '1') throw new Error(`the end-to-end tests must run here (MEMAUDIT_REQUIRE_E2E=1) but cannot: ${reason}`);
    process.stdout.write(`end-to-end test SKIPPED: ${reason}\n`);
  }
  return reason;
})();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Workbench {
  page: Page;
  /** code-server's output so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

/**
 * Starts code-server on `workspace` with the extensions of `extensionsDir` (user data and HOME
 * under `tmp`) and opens it in Chromium; resolves once the workbench is on screen.
 */
export async function openWorkbench(o: { tmp: string; workspace: string; extensionsDir: string }): Promise<Workbench> {
  // No welcome page or walkthrough: opening one takes the focus away from the command palette.
  const userSettings = path.join(o.tmp, 'user-data', 'User', 'settings.json');
  fs.mkdirSync(path.dirname(userSettings), { recursive: true });
  fs.writeFileSync(
    userSettings,
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const server: ChildProcess = spawn(
    process.execPath,
    [CODE_SERVER_ENTRY, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--extensions-dir', o.extensionsDir, '--user-data-dir', path.join(o.tmp, 'user-data'), o.workspace],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: o.tmp } },
  );
  server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    server.kill('SIGTERM');
  };
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${url}/healthz`).then((r) => r.status < 500, () => false);
      if (up) break;
      if (Date.now() > until) throw new Error(`code-server did not answer at ${url} within 60 s. Its log:\n${log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const { chromium } = require('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath()!,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${url}/?folder=${encodeURIComponent(o.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    return { page, log: () => log, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Runs a command from the command palette (F1, type its title, Enter). Right after the workbench
 * appears, a key press can be swallowed while it restores its layout, and the palette can be
 * missing commands whose extension is still being registered: both are retried for `ms`.
 */
export async function runCommand(page: Page, title: string, ms = 60_000): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: title }).first();
  const until = Date.now() + ms;
  for (;;) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(`>${title}`, { timeout: 5_000 });
      await row.waitFor({ timeout: 5_000 });
      await input.press('Enter');
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await page.keyboard.press('Escape');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}
