/** Markdown job summary: scores, gates, noise curve, detection, linked findings, escaping, $GITHUB_STEP_SUMMARY. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { appendGithubSummary, githubBlobBase, toMarkdown } from '../../../server/src/report/shared/markdown';
import { makeFixtureReport, poison, withChoice, withIntervals, withMemorization } from './fixture';

/** Cells of the table rows that follow `heading` (header row excluded); splits on unescaped pipes. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  let i = lines.indexOf(heading);
  assert.ok(i >= 0, `heading ${heading}`);
  while (!lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(lines[i]!.slice(2, -2).split(/(?<!\\) \| /));
  }
  return rows;
}

test('headline: verdict, scores table, gates with ✅/❌', () => {
  const md = toMarkdown(makeFixtureReport());
  assert.ok(md.startsWith('## memaudit: ❌ 1 of 3 quality gates failed\n'));
  const scores = tableAfter(md, '### Scores');
  const value = (key: string): string => scores.find((r) => r[0]!.includes(`(${key.replace(/_/g, '\\_')})`))![1]!;
  assert.equal(value('G'), '**0.612**');
  assert.equal(value('M'), '**0.52**');
  assert.equal(value('gap'), '**0.196**');
  assert.equal(value('sensitivity'), '**-0.589**');
  assert.equal(value('mia_auc'), '**0.58**');
  const gates = tableAfter(md, '### Quality gates');
  assert.deepEqual(
    gates.map((r) => r[0]),
    ['✅', '❌', '✅'],
  );
  assert.equal(gates[1]![1], 'gap &lt;= 0.15');
  assert.ok(toMarkdown(makeFixtureReport({ gates: 'pass' })).startsWith('## memaudit: ✅ all 2 quality gates passed\n'));
  const none = toMarkdown(makeFixtureReport({ gates: 'none' }));
  assert.match(none, /^## memaudit: ℹ️ audit finished \(no quality gates\)\n/);
  assert.ok(!none.includes('### Quality gates'));
});

test('noise curve: level → test F1, final train F1, noise fit rate', () => {
  const rows = tableAfter(toMarkdown(makeFixtureReport()), '### Noise curve: y-shuffle');
  assert.deepEqual(
    rows.map((r) => r[0]),
    ['0%', '25%', '50%', '75%', '100%'],
  );
  assert.deepEqual(rows[0], ['0%', '1', '0.612', '0.808', '—']);
  assert.deepEqual(rows[4], ['100%', '1', '0.031', '0.685', '0.689']);
});

test('detection: best signal with its AUROC; top-10 findings as file:line links', () => {
  const report = makeFixtureReport();
  const md = toMarkdown(report);
  assert.match(md, /Best signal: \*\*aum\*\* \(AUROC 0\.89, average precision 0\.73/);
  const rows = tableAfter(md, '### Likely memorized methods (top 10 of 12)');
  assert.equal(rows.length, 10);
  assert.equal(rows[2]![2], '[src/main/java/org/acme/OrderService.java:57](src/main/java/org/acme/OrderService.java#L57)');
  assert.equal(rows[0]![2], '[data/python\\_train.jsonl:1742](data/python_train.jsonl#L1742)');
  assert.equal(rows[1]![2], '[vendor/jdk-src.zip\\!java.base/java/util/ArrayList.java:34](vendor/jdk-src.zip)');
  assert.match(md, /Device: cpu \(requested auto\) on linux\/x64, 2 CPUs/);
  assert.match(md, /\| 4 min 23 s \| 8\.2 s \| 2\.1 s \| 4 min 05 s \| 6\.4 s \| 180 ms \|/);
});

test('links: absolute to the commit in GitHub Actions; text only outside the repository', () => {
  const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: 'abc123' };
  const base = githubBlobBase(env);
  assert.equal(base, 'https://github.com/acme/shop/blob/abc123/');
  assert.equal(githubBlobBase({}), undefined);
  const md = toMarkdown(makeFixtureReport(), { linkBase: base! });
  assert.ok(md.includes('(https://github.com/acme/shop/blob/abc123/src/main/java/org/acme/OrderService.java#L57)'));

  const report = makeFixtureReport();
  report.findings[2]!.root = '/elsewhere/src (copy)';
  report.findings[2]!.file = 'A (1).java';
  const outside = tableAfter(toMarkdown(report, { repoRoot: '/repo' }), '### Likely memorized methods (top 10 of 12)');
  assert.equal(outside[2]![2], '/elsewhere/src \\(copy\\)/A \\(1\\).java:57');
  report.findings[2]!.root = 'src (copy)';
  const inside = tableAfter(toMarkdown(report), '### Likely memorized methods (top 10 of 12)');
  assert.equal(inside[2]![2], '[src \\(copy\\)/A \\(1\\).java:57](src%20%28copy%29/A%20%281%29.java#L57)');
});

test('report strings cannot inject markup or break tables', () => {
  const payload = '<img src=x onerror=alert(1)>|*a*|[l](javascript:x)\n# h';
  const report = poison(makeFixtureReport(), payload, ['details']);
  const md = toMarkdown(report);
  assert.ok(!md.includes('<img'));
  assert.ok(!md.includes('](javascript:'));
  assert.ok(!/^# h/m.test(md), 'a newline in a string does not start a heading');
  for (const heading of ['### Quality gates', '### Likely memorized methods (top 10 of 12)']) {
    const rows = tableAfter(md, heading);
    const widths = new Set(rows.map((r) => r.length));
    assert.equal(widths.size, 1, `${heading}: every row has the same number of cells`);
  }
});

test('appendGithubSummary appends to $GITHUB_STEP_SUMMARY only when it is set', async () => {
  assert.equal(await appendGithubSummary('# x', {}), false);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-md-'));
  try {
    const file = path.join(dir, 'summary.md');
    fs.writeFileSync(file, 'before\n');
    assert.equal(await appendGithubSummary('## one', { GITHUB_STEP_SUMMARY: file }), true);
    assert.equal(await appendGithubSummary('## two\n', { GITHUB_STEP_SUMMARY: file }), true);
    assert.equal(fs.readFileSync(file, 'utf8'), 'before\n## one\n## two\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('scores with intervals: value [low, high]; an insufficient score shows its reason instead of the number', () => {
  const scores = tableAfter(toMarkdown(withIntervals(makeFixtureReport())), '### Scores');
  const value = (rows: string[][], key: string): string => rows.find((r) => r[0]!.includes(`(${key.replace(/_/g, '\\_')})`))![1]!;
  assert.equal(value(scores, 'G'), '**0.612** [0.582, 0.642]');
  assert.equal(value(scores, 'M'), '**0.52** [0.49, 0.55]');
  assert.equal(value(scores, 'mia_advantage'), `**${makeFixtureReport().scores.mia_advantage}**`, 'no interval: the bare number');
  assert.match(toMarkdown(withIntervals(makeFixtureReport())), /\| score \| value \[95% interval\] \| meaning \|/);
  const small = tableAfter(toMarkdown(withIntervals(makeFixtureReport(), 12)), '### Scores');
  assert.equal(value(small, 'G'), '_not enough test methods: 12 \\(at least 50 needed\\)_');
  assert.equal(value(small, 'M'), '**0.52** [0.49, 0.55]', 'M is not measured on the test split');
});

test('version 3: the detection section opens with the choice in one line', () => {
  const md = toMarkdown(withChoice(makeFixtureReport()));
  const section = md.slice(md.indexOf('### Detection of memorized samples'));
  assert.match(section.split('\n')[2]!.replace(/\\/g, ''), /^detection score −aum over the first 3 epochs: held-out AUROC 0\.812 \[0\.79, 0\.834\] \(in-sample 0\.834, optimistic\); chosen among 48 candidates/);
  assert.match(section, /Each signal over all epochs in its usual orientation/);
});

test('memorization score: a table per category with mem, P_in, P_out and the detection rank', () => {
  const md = toMarkdown(withMemorization(makeFixtureReport()));
  const memorized = tableAfter(md, '### Likely memorized methods (fitted, not predicted when held out) (top 6 of 310)');
  assert.equal(memorized.length, 6);
  assert.deepEqual([memorized[0]![0], memorized[0]![3], memorized[0]![4], memorized[0]![5]], ['1', '1', '1', '0']);
  const notLearned = tableAfter(md, '### Not learned (never fitted: a possible label problem or unusual code) (top 6 of 95)');
  assert.equal(notLearned.length, 6);
  assert.equal(notLearned[0]![4], '0');
  assert.match(md, /\*\*310\*\* of 4.812 training methods were fitted when trained on but not predicted when held out/);
});
