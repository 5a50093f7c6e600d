/** Validation of the webviews' messages and where a finding may be opened (no browser). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartographyFile, findingTarget, isInside, noiseDiffFileName, noiseDiffTarget, parseDashboardMessage, parseReportMessage } from '../../extension/src/webview-messages';
import { webviewCsp } from '../../extension/src/webview-html';
import type { AuditReport, Finding } from '../../server/src/protocol/report';

test('report panel messages: only known types and fields', () => {
  assert.deepEqual(parseReportMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseReportMessage({ type: 'openFinding', sampleId: 'abc' }), { type: 'openFinding', sampleId: 'abc' });
  assert.deepEqual(parseReportMessage({ type: 'export', format: 'sarif' }), { type: 'export', format: 'sarif' });
  assert.deepEqual(parseReportMessage({ type: 'loadCartography', runId: 'y-shuffle-50-s0' }), { type: 'loadCartography', runId: 'y-shuffle-50-s0' });
  assert.deepEqual(parseReportMessage({ type: 'openNoiseDiff', sampleId: 's:1', runId: 'x-dead-code-25-s1' }), { type: 'openNoiseDiff', sampleId: 's:1', runId: 'x-dead-code-25-s1' });
  for (const bad of [
    { type: 'loadCartography', runId: '../../etc' },
    { type: 'loadCartography', runId: 'a/b' },
    { type: 'loadCartography' },
    { type: 'loadCartography', runId: 'a', file: '/etc/passwd' },
    { type: 'openNoiseDiff', sampleId: 's', runId: 'r/..' },
    { type: 'openNoiseDiff', sampleId: '', runId: 'r' },
    { type: 'openNoiseDiff', sampleId: 's' },
    { type: 'openNoiseDiff', sampleId: 's', runId: 'r', left: 'file:///etc/passwd' },
  ]) {
    assert.equal(parseReportMessage(bad), undefined, JSON.stringify(bad));
  }
  for (const bad of [null, 'ready', [], { type: 'export', format: 'exe' }, { type: 'export', format: 'toString' }, { type: 'openFinding' }, { type: 'openFinding', sampleId: 'a', file: '/etc/passwd' }, { type: 'openFile', path: '/etc/passwd' }, { type: 'openFinding', sampleId: 'x'.repeat(600) }]) {
    assert.equal(parseReportMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('dashboard messages: only known commands, run ids without path characters', () => {
  assert.deepEqual(parseDashboardMessage({ type: 'command', command: 'audit' }), { type: 'command', command: 'audit' });
  assert.deepEqual(parseDashboardMessage({ type: 'deleteRun', folderIndex: 0, runId: '27681b53804e' }), { type: 'deleteRun', folderIndex: 0, runId: '27681b53804e' });
  for (const bad of [{ type: 'command', command: 'workbench.action.terminal.new' }, { type: 'deleteRun', folderIndex: 0, runId: '../..' }, { type: 'openRun', folderIndex: -1, runId: 'a' }, { type: 'openRun', folderIndex: 1.5, runId: 'a' }, { type: 'openRun', folderIndex: 0, runId: 'a/b' }]) {
    assert.equal(parseDashboardMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('isInside', () => {
  assert.equal(isInside('/w/a', '/w/a/b/c.py', 'linux'), true);
  assert.equal(isInside('/w/a', '/w/a', 'linux'), true);
  assert.equal(isInside('/w/a', '/w/ab/c.py', 'linux'), false);
  assert.equal(isInside('/w/a', '/w/a/../b/c.py', 'linux'), false);
  assert.equal(isInside('C:\\w\\a', 'c:\\W\\A\\x.py', 'win32'), true);
});

function finding(over: Partial<Finding>): Finding {
  return { sampleId: 's1', file: 'pkg/m.py', root: 'corpus', range: { startLine: 4, startColumn: 2, endLine: 9, endColumn: 0 }, language: 'python', name: 'f', split: 'train', signal: 'aum', score: 1, rank: 1, details: {}, message: '', ...over };
}

test('findingTarget: inside the audited folder or a workspace folder only; archives and unknown ids refused', () => {
  const report = (f: Finding, inputs = ['corpus']) => ({ findings: [f], config: { inputs } }) as unknown as AuditReport;
  assert.deepEqual(findingTarget(report(finding({})), 's1', '/w/proj', []), { file: '/w/proj/corpus/pkg/m.py', line: 4, column: 2, endLine: 4, endColumn: 2 });
  assert.deepEqual(findingTarget(report(finding({ file: 'data.jsonl', root: 'data.jsonl', jsonlLine: 7 }), ['data.jsonl']), 's1', '/w/proj', []), { file: '/w/proj/data.jsonl', line: 6, column: 0, endLine: 6, endColumn: 0 });
  assert.ok('error' in findingTarget(report(finding({})), 'nope', '/w/proj', []));
  assert.ok('error' in findingTarget(report(finding({ archiveEntry: 'a/b.py', file: 'x.zip' })), 's1', '/w/proj', []));
  // A file that climbs out of its root (a tampered report) is not opened.
  assert.ok('error' in findingTarget(report(finding({ file: '../../../etc/passwd' })), 's1', '/w/proj', []));
  // An absolute corpus root outside the folder is a corpus root of the report: allowed.
  assert.equal((findingTarget(report(finding({ root: '/data/src' }), ['/data/src']), 's1', '/w/proj', []) as { file: string }).file, '/data/src/pkg/m.py');
});

test('the webview CSP allows no eval, no inline script without the nonce, nothing remote', () => {
  const csp = webviewCsp('N0nce', 'https://x.vscode-cdn.net');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*|https?:(?!\/\/x\.vscode-cdn\.net)/);
});

test('cartographyFile: a run of the report with a map, inside the report folder only', () => {
  const run = (id: string, files: Record<string, string>) => ({ id, files }) as unknown as AuditReport['runs'][number];
  const report = { runs: [run('clean-s0', { cartography: 'clean-s0/cartography.bin' }), run('old-s0', {}), run('evil-s0', { cartography: '../../../etc/passwd' })] };
  assert.equal(cartographyFile(report, 'clean-s0', '/w/.memaudit/runs/abc'), '/w/.memaudit/runs/abc/clean-s0/cartography.bin');
  assert.match((cartographyFile(report, 'nope', '/w/r') as { error: string }).error, /no run nope/);
  assert.match((cartographyFile(report, 'old-s0', '/w/r') as { error: string }).error, /no cartography map .* earlier memaudit/);
  assert.match((cartographyFile(report, 'evil-s0', '/w/r') as { error: string }).error, /outside its folder/);
});

test('noiseDiffTarget: a finding, a run that corrupted it with code to show, the diffs file inside the report folder', () => {
  const noise = [
    { runId: 'y-shuffle-50-s0', kind: 'y-shuffle', level: 50, seed: 0, edit: 'label shuffled', label: { from: 'get|x', to: 'set|y' }, diff: true },
    { runId: 'x-mask-tokens-50-s0', kind: 'x-mask-tokens', level: 50, seed: 0, edit: 'masked 3 of 9 body tokens', diff: false },
  ];
  const report = (files?: { noiseDiffs?: string }) => ({ findings: [finding({ noise })], ...(files ? { files } : {}) }) as unknown as AuditReport;
  const ok = noiseDiffTarget(report({ noiseDiffs: 'noise-diffs.json' }), 's1', 'y-shuffle-50-s0', '/w/r');
  assert.ok(!('error' in ok));
  assert.equal(ok.file, '/w/r/noise-diffs.json');
  assert.equal(ok.noise.kind, 'y-shuffle');
  const error = (t: ReturnType<typeof noiseDiffTarget>) => ('error' in t ? t.error : '');
  assert.match(error(noiseDiffTarget(report({ noiseDiffs: 'noise-diffs.json' }), 'nope', 'y-shuffle-50-s0', '/w/r')), /not in the report/);
  assert.match(error(noiseDiffTarget(report({ noiseDiffs: 'noise-diffs.json' }), 's1', 'clean-s0', '/w/r')), /was not corrupted in run clean-s0/);
  assert.match(error(noiseDiffTarget(report({ noiseDiffs: 'noise-diffs.json' }), 's1', 'x-mask-tokens-50-s0', '/w/r')), /no code to compare .*\(masked 3 of 9/);
  assert.match(error(noiseDiffTarget(report(), 's1', 'y-shuffle-50-s0', '/w/r')), /no code to compare/);
  assert.match(error(noiseDiffTarget(report({ noiseDiffs: '../elsewhere.json' }), 's1', 'y-shuffle-50-s0', '/w/r')), /outside its folder/);
});

test('the diff documents are named after the method and its language, nothing else', () => {
  assert.equal(noiseDiffFileName('getUserName', 'original', 'java'), 'getUserName.original.java');
  assert.equal(noiseDiffFileName('available?', 'noised', 'ruby'), 'available_.noised.rb');
  assert.equal(noiseDiffFileName('../../x', 'noised', 'python'), '______x.noised.py');
  assert.equal(noiseDiffFileName('<=>', 'original', 'cobol'), '___.original.txt');
});
