/**
 * The report panel's extension side (extension/src/report-panel.ts) against a real audit folder,
 * with a stand-in for the `vscode` module (a real VS Code cannot be downloaded here): the page's
 * messages are validated, a run's cartography.bin is read and posted as typed arrays, a finding's
 * noised copy opens `vscode.diff` on two `memaudit-noise` documents holding the audit's texts,
 * and files a tampered report names outside its folder are never read.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { decodeCartography } from '../../server/src/report/shared/cartography';
import { noiseDiffOf, parseNoiseDiffs } from '../../server/src/report/shared/noise-diffs';
import type { AuditReport } from '../../server/src/protocol/report';
import type { NoiseDiffDocuments as Docs } from '../../extension/src/noise-diff';
import type { ReportPanels as Panels } from '../../extension/src/report-panel';
import { cli, tempDir } from '../helpers/cli';

// ---- A stand-in for the parts of the vscode API the report panel uses ------------------------

class Uri {
  constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.posix.join(base.path, ...parts));
  }
  static from(c: { scheme: string; path: string }): Uri {
    return new Uri(c.scheme, c.path);
  }
}

const posted: unknown[] = [];
const commands: unknown[][] = [];
const warnings: string[] = [];
const logged: string[] = [];
let onMessage: ((raw: unknown) => void) | undefined;

const fakeVscode = {
  Uri,
  ViewColumn: { Active: -1, Beside: -2 },
  Range: class {},
  window: {
    createWebviewPanel: () => ({
      webview: {
        html: '',
        cspSource: 'vscode-webview://x',
        asWebviewUri: (u: Uri) => u,
        postMessage: (m: unknown) => {
          posted.push(m);
          return Promise.resolve(true);
        },
        onDidReceiveMessage: (fn: (raw: unknown) => void) => {
          onMessage = fn;
        },
      },
      onDidDispose: () => undefined,
      reveal: () => undefined,
      dispose: () => undefined,
    }),
    showWarningMessage: (m: string) => {
      warnings.push(m);
      return Promise.resolve(undefined);
    },
    showErrorMessage: (m: string) => {
      warnings.push(m);
      return Promise.resolve(undefined);
    },
  },
  workspace: {
    workspaceFolders: [],
    fs: { readFile: async (u: Uri) => new Uint8Array(await fs.promises.readFile(u.fsPath)) },
  },
  commands: {
    executeCommand: (...args: unknown[]) => {
      commands.push(args);
      return Promise.resolve(undefined);
    },
  },
};

// `require('vscode')` anywhere below gets the stand-in.
const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache['vscode'] = { id: 'vscode', filename: 'vscode', loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
const { ReportPanels } = require('../../extension/src/report-panel') as { ReportPanels: typeof Panels };
const { NoiseDiffDocuments } = require('../../extension/src/noise-diff') as { NoiseDiffDocuments: typeof Docs };

// ---- A real audit --------------------------------------------------------------------------

const work = tempDir('memaudit-panel-ext-');
let report: AuditReport;
let reportFile: string;
let panels: Panels;
const docs = new NoiseDiffDocuments();

before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 3, methods: 500 }));
  const r = await cli(['audit', 'corpus', '--epochs', '3', '--noise', 'y-shuffle:0,50', '--noise', 'x-dead-code:50', '--device', 'cpu', '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  report = JSON.parse(r.stdout) as AuditReport;
  reportFile = path.join(work.dir, '.memaudit', 'runs', report.runId, 'report.json');
  const output = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) };
  const client = { request: async () => ({ runId: report.runId, reportFile, report }) };
  panels = new ReportPanels(Uri.file('/ext') as never, client as never, output as never, () => () => undefined, docs);
  await panels.show(Uri.file(work.dir) as never);
  assert.ok(onMessage, 'the panel listens to its page');
});

after(() => {
  mod._resolveFilename = resolve;
  delete require.cache['vscode'];
  work.cleanup();
});

/** Sends a message from the page and waits until the extension has answered in `what`. */
async function send(raw: unknown, what: unknown[]): Promise<void> {
  const before = what.length;
  onMessage!(raw);
  for (let i = 0; i < 200 && what.length === before; i++) await new Promise((r) => setTimeout(r, 10));
}

test('loadCartography: the run\'s cartography.bin, posted as typed arrays', async () => {
  const run = report.runs.find((r) => r.kind === 'y-shuffle')!;
  await send({ type: 'loadCartography', runId: run.id }, posted);
  const m = posted.at(-1) as { type: string; runId: string; n: number; confidence: Float32Array; variability: Float32Array; corrupted: Uint8Array };
  assert.equal(m.type, 'cartography');
  assert.equal(m.runId, run.id);
  assert.equal(m.n, report.dataset.trainUsed);
  assert.ok(m.confidence instanceof Float32Array && m.variability instanceof Float32Array && m.corrupted instanceof Uint8Array);
  assert.equal(m.corrupted.reduce((a, b) => a + b, 0), run.corrupted);
  const file = decodeCartography(fs.readFileSync(path.join(path.dirname(reportFile), run.files.cartography!)));
  assert.deepEqual(m.confidence, file.confidence);
});

test('loadCartography: an unknown run, a path-like id, a tampered report', async () => {
  await send({ type: 'loadCartography', runId: 'nope' }, posted);
  assert.deepEqual(posted.at(-1), { type: 'cartography', runId: 'nope', error: 'no run nope in this report' });
  const count = posted.length;
  await send({ type: 'loadCartography', runId: '../../etc' }, logged);
  assert.equal(posted.length, count, 'a malformed message is dropped');
  assert.match(logged.at(-1)!, /ignored an unexpected message/);
  // A report naming a file outside its folder: the file is not read.
  const run = report.runs[0]!;
  const saved = run.files.cartography;
  run.files.cartography = '../../../../../../etc/passwd';
  await send({ type: 'loadCartography', runId: run.id }, posted);
  run.files.cartography = saved;
  assert.match((posted.at(-1) as { error: string }).error, /outside its folder/);
});

test('openNoiseDiff: vscode.diff on the original and the noised code of the audit', async () => {
  const diffs = parseNoiseDiffs(fs.readFileSync(path.join(path.dirname(reportFile), report.files!.noiseDiffs!), 'utf8'));
  for (const kind of ['y-shuffle', 'x-dead-code']) {
    const f = report.findings.find((x) => x.noise?.some((n) => n.kind === kind && n.diff));
    assert.ok(f, `a finding corrupted by ${kind}`);
    const n = f.noise!.find((x) => x.kind === kind && x.diff)!;
    await send({ type: 'openNoiseDiff', sampleId: f.sampleId, runId: n.runId }, commands);
    const [command, left, right, title] = commands.at(-1) as [string, Uri, Uri, string];
    assert.equal(command, 'vscode.diff');
    assert.equal(left.scheme, 'memaudit-noise');
    const ext = { java: 'java', python: 'py', ruby: 'rb' }[f.language];
    assert.match(left.path, new RegExp(`^/\\d+/[A-Za-z0-9_]+\\.original\\.${ext}$`));
    assert.match(right.path, new RegExp(`\\.noised\\.${ext}$`));
    const want = noiseDiffOf(diffs, f.sampleId, n.runId)!;
    assert.equal(docs.provideTextDocumentContent(left as never), want.original);
    assert.equal(docs.provideTextDocumentContent(right as never), want.noised);
    assert.notEqual(want.original, want.noised);
    assert.ok(title.startsWith(`${f.name}: original ↔ ${kind} 50%`), title);
    assert.match((posted.at(-1) as { text: string }).text, /^Opened /);
  }
  // A run that did not corrupt the method: a warning, no diff.
  const f = report.findings[0]!;
  const count = commands.length;
  await send({ type: 'openNoiseDiff', sampleId: f.sampleId, runId: 'clean-s0' }, warnings);
  assert.equal(commands.length, count);
  assert.match(warnings.at(-1)!, /was not corrupted in run clean-s0/);
});
