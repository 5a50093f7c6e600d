/**
 * Headless Chromium for the webview tests: Debian's `chromium` driven by `playwright-core`
 * (VSCODE-TESTING.md). A page is served from a fake origin (`https://webview.test/`, standing in
 * for VS Code's webview resource origin) with the built assets of dist/extension/webview/; a stub
 * `acquireVsCodeApi` records what the page posts; the page's CSP is enforced (never bypassed), and
 * console errors, page errors and `securitypolicyviolation` events are collected.
 *
 * When Chromium or playwright-core is missing the tests are skipped with the reason printed
 * (`scripts/ensure-test-tools.sh` installs Chromium).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const ORIGIN = 'https://webview.test';
export const ROOT = path.resolve(__dirname, '../../..');
export const ASSETS = path.join(ROOT, 'dist/extension/webview');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts/webview');

const CANDIDATES = [process.env.MEMAUDIT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));

/** The Chromium executable, or undefined. */
export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p) => fs.existsSync(p));
}

/** Why no browser can be driven here (playwright-core or Chromium missing), or undefined. */
export function browserMissing(): string | undefined {
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install)';
  }
  return chromiumPath() ? undefined : `no Chromium at ${CANDIDATES.join(' or ')}: run scripts/ensure-test-tools.sh (as root) or set MEMAUDIT_CHROMIUM`;
}

/** Why the browser tests cannot run here, or undefined when they can (printed once). */
export const skipReason: string | undefined = (() => {
  const reason = browserMissing();
  if (reason) process.stdout.write(`# webview tests SKIPPED: ${reason}\n`);
  return reason;
})();

export async function launch(): Promise<Browser> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  // launch() gives Chromium a fresh, temporary user-data dir of its own (removed on close).
  return chromium.launch({
    executablePath: chromiumPath()!,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  await browser?.close();
}

export type ThemeKind = 'vscode-light' | 'vscode-dark' | 'vscode-high-contrast';

/** A few of the variables VS Code sets on a webview (Light Modern, Dark Modern, High Contrast). */
const THEMES: Record<ThemeKind, Record<string, string>> = {
  'vscode-light': {
    'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
    'editor-background': '#ffffff', 'editor-foreground': '#3b3b3b', 'foreground': '#3b3b3b', 'descriptionForeground': '#717171',
    'panel-border': '#e5e5e5', 'widget-border': '#e5e5e5', 'editorWidget-background': '#f8f8f8', 'textLink-foreground': '#005fb8',
    'sideBar-background': '#f8f8f8', 'sideBar-foreground': '#3b3b3b', 'focusBorder': '#005fb8', 'list-hoverBackground': '#f2f2f2',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8', 'button-secondaryBackground': '#e5e5e5',
    'button-secondaryForeground': '#3b3b3b', 'button-secondaryHoverBackground': '#cccccc', 'progressBar-background': '#005fb8',
    'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90', 'charts-red': '#e51400',
    'charts-yellow': '#bf8803', 'charts-foreground': '#616161', 'testing-iconPassed': '#388a34', 'testing-iconFailed': '#f14c4c',
    'editorIndentGuide-background1': '#d3d3d3', 'editorLineNumber-foreground': '#6e7681',
  },
  'vscode-dark': {
    'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
    'editor-background': '#1f1f1f', 'editor-foreground': '#cccccc', 'foreground': '#cccccc', 'descriptionForeground': '#9d9d9d',
    'panel-border': '#2b2b2b', 'widget-border': '#313131', 'editorWidget-background': '#202020', 'textLink-foreground': '#4daafc',
    'sideBar-background': '#181818', 'sideBar-foreground': '#cccccc', 'focusBorder': '#0078d4', 'list-hoverBackground': '#2a2d2e',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1', 'button-secondaryBackground': '#313131',
    'button-secondaryForeground': '#cccccc', 'button-secondaryHoverBackground': '#3c3c3c', 'progressBar-background': '#0078d4',
    'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c',
    'charts-yellow': '#cca700', 'charts-foreground': '#cccccc', 'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c',
    'editorIndentGuide-background1': '#404040', 'editorLineNumber-foreground': '#6e7681',
  },
  'vscode-high-contrast': {
    'font-family': 'system-ui, sans-serif', 'font-size': '13px', 'editor-font-family': 'monospace',
    'editor-background': '#000000', 'editor-foreground': '#ffffff', 'foreground': '#ffffff', 'descriptionForeground': '#ffffff',
    'panel-border': '#6fc3df', 'widget-border': '#6fc3df', 'contrastBorder': '#6fc3df', 'textLink-foreground': '#21a6ff',
    'sideBar-background': '#000000', 'focusBorder': '#f38518', 'button-background': '#000000', 'button-foreground': '#ffffff',
    'button-border': '#6fc3df', 'progressBar-background': '#6fc3df', 'charts-blue': '#3794ff', 'charts-orange': '#d18616',
    'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-red': '#f14c4c', 'charts-yellow': '#cca700', 'charts-foreground': '#ffffff',
    'testing-iconPassed': '#73c991', 'testing-iconFailed': '#f14c4c',
  },
};

/**
 * The stub of VS Code's webview host (plain browser JavaScript, run before the page's scripts):
 * `acquireVsCodeApi` (callable once, as in VS Code), the theme's variables on `<html>` and its
 * class on `<body>`, and a listener for CSP violations.
 */
function initScript(theme: ThemeKind, vars: Record<string, string>): string {
  return `(() => {
  const posted = []; const violations = [];
  window.__posted = posted; window.__violations = violations;
  let state; let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return { postMessage: (m) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => state, setState: (s) => { state = s; } };
  };
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
  const vars = ${JSON.stringify(vars)};
  const setVars = () => { for (const k of Object.keys(vars)) document.documentElement.style.setProperty('--vscode-' + k, vars[k]); };
  // <html> may not exist yet when this runs.
  if (document.documentElement) setVars();
  else new MutationObserver((_, o) => { if (document.documentElement) { o.disconnect(); setVars(); } }).observe(document, { childList: true });
  document.addEventListener('DOMContentLoaded', () => {
    document.body.classList.add(${JSON.stringify(theme)});
    document.body.setAttribute('data-vscode-theme-kind', ${JSON.stringify(theme)});
  });
})();`;
}

/** What a page did: posted messages, console errors, uncaught errors, CSP violations. */
export interface PageLog {
  errors: string[];
}

/**
 * Opens `html` at https://webview.test/index.html in `theme`, with the assets served from
 * dist/extension/webview/ and the VS Code API stubbed (messages land in `window.__posted`).
 */
export async function openWebview(browser: Browser, html: string, theme: ThemeKind, viewport = { width: 1100, height: 900 }): Promise<{ page: Page; log: PageLog }> {
  const context = await browser.newContext({ viewport, colorScheme: theme === 'vscode-light' ? 'light' : 'dark' });
  const page = await context.newPage();
  const log: PageLog = { errors: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => log.errors.push(`request failed: ${r.url()}`));
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/index.html') return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    const file = path.join(ASSETS, path.basename(url.pathname));
    if (!fs.existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    const type = file.endsWith('.css') ? 'text/css' : 'text/javascript';
    return route.fulfill({ status: 200, contentType: type, body: fs.readFileSync(file) });
  });
  // Runs before the page's scripts, as VS Code's own webview host script does.
  await page.addInitScript({ content: initScript(theme, THEMES[theme]) });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForLoadState('load');
  return { page, log };
}

/** Messages the page posted so far. */
export async function posted(page: Page): Promise<unknown[]> {
  return page.evaluate('window.__posted') as Promise<unknown[]>;
}

/** CSP violations the page reported so far. */
export async function violations(page: Page): Promise<string[]> {
  return page.evaluate('window.__violations') as Promise<string[]>;
}

/** Saves a screenshot to test-artifacts/webview/: the viewport, the whole page, or one element. */
export async function screenshot(page: Page, name: string, what: 'viewport' | 'full' | { selector: string } = 'viewport'): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  if (typeof what === 'object') await page.locator(what.selector).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: what === 'full' });
  return file;
}
