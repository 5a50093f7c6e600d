/**
 * The CLI when the input or the command line is hostile or wrong (issue 13): names with terminal
 * escape sequences and bidi controls are printed inert; `--workers` is bounded by the cores; loose
 * numbers and empty lists are usage errors naming the flag, the value and what is accepted; a
 * corpus skipped whole as too large names --max-file-size; an unknown config key names its file;
 * zip entries that climb out of the archive are skipped as unsafe. None of it prints "internal
 * error" or a stack.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { zipSync } from 'fflate';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { cli, tempDir, type CliRun } from '../helpers/cli';

const work = tempDir('memaudit-robust-');
/** A folder name that clears the screen, retitles the window, then reverses the text after it. */
const HOSTILE = '\x1b[2J\x1b]0;pwned\x07\u202e\u009b31m';
/** What may never reach a terminal raw: C0 (except TAB, LF), DEL, C1, bidi controls. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

before(async () => {
  const hostile = path.join(work.dir, 'corpus', HOSTILE);
  await writeCorpus(hostile, generateCorpus({ seed: 5, methods: 150, languages: ['python'] }));
  // Skipped inputs inside the hostile folder, listed by extract as examples.
  fs.writeFileSync(path.join(hostile, 'nul.py'), Buffer.from([0, 1, 2, 3]));
  fs.writeFileSync(path.join(hostile, `bad\x1b[31m\u202e.py`), Buffer.from([0]));
});
after(() => work.cleanup());

/** No raw control character, no "internal error", no stack. */
function assertInert(r: CliRun, what: string): void {
  assert.doesNotMatch(r.stdout, RAW_CONTROL, `${what}: stdout has a raw control character`);
  assert.doesNotMatch(r.stderr, RAW_CONTROL, `${what}: stderr has a raw control character`);
  assertNoInternal(r, what);
}

function assertNoInternal(r: CliRun, what: string): void {
  assert.doesNotMatch(r.stderr, /internal error|unexpected error|\n\s+at .+:\d+:\d+\)?\n/, `${what}: ${r.stderr}`);
}

const AUDIT = ['audit', 'corpus', '--epochs', '2', '--noise', 'y-shuffle:0,50', '--device', 'cpu'];

test('terminal escapes in corpus paths: extract, audit, report and the Markdown/HTML files show them inert', async () => {
  const extract = await cli(['extract', 'corpus', '--no-cache'], { cwd: work.dir });
  assert.equal(extract.code, 0, extract.stderr);
  assertInert(extract, 'extract');
  assert.match(extract.stdout, /examples of skipped inputs:/);
  assert.ok(extract.stdout.includes('\\x1b[2J\\x1b]0;pwned\\x07\\u202e\\u009b31m/nul.py: binary'), extract.stdout);
  // One field, one line: the escapes in a name stay in it.
  assert.ok(extract.stdout.includes('bad\\x1b[31m\\u202e.py: binary'), extract.stdout);

  const json = await cli(['extract', 'corpus', '--no-cache', '--format', 'json'], { cwd: work.dir });
  assert.equal(json.code, 0, json.stderr);
  assertInert(json, 'extract --format json');
  const parsed = JSON.parse(json.stdout) as { files: { skipExamples: { path: string }[] } };
  assert.ok(parsed.files.skipExamples.some((e) => e.path.includes(HOSTILE)), 'the JSON still holds the real path');

  const audit = await cli([...AUDIT, '--markdown', 'r.md', '--html', 'r.html'], { cwd: work.dir });
  assert.equal(audit.code, 0, audit.stderr);
  assertInert(audit, 'audit');
  assert.match(audit.stdout, /likely memorized \((top|fitted, not predicted when held out\))/);
  assert.ok(audit.stdout.includes(`corpus/\\x1b[2J\\x1b]0;pwned\\x07\\u202e\\u009b31m/`), audit.stdout);

  const report = await cli(['report', 'latest'], { cwd: work.dir });
  assert.equal(report.code, 0, report.stderr);
  assertInert(report, 'report');
  assert.ok(report.stdout.includes('pwned\\x07'));

  const reportJson = await cli(['report', 'latest', '--format', 'json'], { cwd: work.dir });
  assertInert(reportJson, 'report --format json');
  assert.ok((JSON.parse(reportJson.stdout) as { findings: { root: string }[] }).findings.length > 0);

  for (const file of ['r.md', 'r.html']) {
    const text = fs.readFileSync(path.join(work.dir, file), 'utf8');
    assert.doesNotMatch(text, /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/, `${file} has a raw bidi control`);
    assert.ok(text.includes('&lt;U') && text.includes('202E&gt;'), `${file} shows the bidi control`);
  }
});

test('--workers beyond the cores is capped, with a note, and the extraction stays quick', async () => {
  const t0 = Date.now();
  const r = await cli(['extract', 'corpus', '--no-cache', '--workers', '1000', '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  const cores = os.availableParallelism();
  assert.equal((JSON.parse(r.stdout) as { workers: number }).workers, cores);
  assert.match(r.stderr, new RegExp(`1000 workers asked for, ${cores} used`));
  assert.ok(Date.now() - t0 < 60_000, `took ${Date.now() - t0} ms`);
  assertNoInternal(r, '--workers 1000');
});

test('loose numbers and empty lists are usage errors naming the flag, the value and what is accepted', async () => {
  const cases: [string[], string, RegExp][] = [
    [['--epochs', '0x3'], "--epochs '0x3'", /integer from 1 to 10000 in decimal digits/],
    [['--epochs', '1e1'], "--epochs '1e1'", /in decimal digits/],
    [['--epochs', '0b11'], "--epochs '0b11'", /in decimal digits/],
    [['--epochs', ''], "--epochs ''", /in decimal digits/],
    [['--batch-size', '3.0'], "--batch-size '3.0'", /in decimal digits/],
    [['--max-train', ' 5'], "--max-train ' 5'", /≥ 0 in decimal digits/],
    [['--seeds', ''], "--seeds ''", /comma-separated list of integers ≥ 0.*no empty item/],
    [['--seeds', ','], "--seeds ','", /no empty item/],
    [['--seeds', '0,,1'], "--seeds '0,,1'", /no empty item/],
    [['--seeds', '0x1'], "--seeds '0x1'", /decimal digits/],
    [['--noise', 'y-shuffle:,'], "--noise 'y-shuffle:,'", /empty level; levels are percentages from 0 to 100/],
    [['--noise', 'y-shuffle:'], "--noise 'y-shuffle:'", /empty level/],
    [['--noise', 'y-shuffle:0,0x32'], "--noise 'y-shuffle:0,0x32'", /level '0x32'/],
    [['--lr', '0x1'], "--lr '0x1'", /positive decimal number/],
    [['--lr', ''], "--lr ''", /positive decimal number/],
    // Flags that size resources have an upper bound too.
    [['--batch-size', '100000'], "--batch-size '100000'", /integer from 1 to 65536/],
    [['--epochs', '99999999'], "--epochs '99999999'", /integer from 1 to 10000/],
    [['--max-file-size', '1G'], "--max-file-size '1G'", /at most 256M/],
    [['--labels', 'top:0'], "--labels 'top:0'", /full \(method naming\) or top:K with K an integer from 1/],
    [['--labels', 'top:x'], "--labels 'top:x'", /top:K/],
    [['--labels', 'top10'], "--labels 'top10'", /e\.g\. top:10/],
  ];
  for (const [flags, named, accepted] of cases) {
    const r = await cli(['audit', 'corpus', ...flags], { cwd: work.dir });
    assert.equal(r.code, 2, `${flags.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(named), `${flags.join(' ')} names the flag and the value: ${r.stderr}`);
    assert.match(r.stderr, accepted, flags.join(' '));
    assertNoInternal(r, flags.join(' '));
  }
  // Still accepted: decimal values, and an exponent for the learning rate.
  const ok = await cli(['audit', 'corpus', '--lr', '1e-2', '--epochs', '2', '--seeds', '0', '--noise', 'y-shuffle:0,50', '--device', 'cpu', '--format', 'json'], { cwd: work.dir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { config: { learningRate: number } }).config.learningRate, 0.01);
  for (const flags of [['--workers', '0x2'], ['--seed', '1e1']]) {
    const r = await cli(['extract', 'corpus', ...flags], { cwd: work.dir });
    assert.equal(r.code, 2, flags.join(' '));
    assert.ok(r.stderr.includes(`${flags[0]} '${flags[1]}'`), r.stderr);
  }
  const gen = await cli(['generate', '--out', 'g', '--ambiguity', '0x0'], { cwd: work.dir });
  assert.equal(gen.code, 2);
  assert.match(gen.stderr, /--ambiguity '0x0' is not accepted: write a decimal number from 0 to 1/);
  const many = await cli(['generate', '--out', 'g', '--methods', '1000000000'], { cwd: work.dir });
  assert.equal(many.code, 2);
  assert.match(many.stderr, /--methods '1000000000' is not accepted: write an integer from 1 to 1000000/);
});

test('every file too large: the error names --max-file-size; an unknown config key names its file', async () => {
  const big = await cli(['extract', 'corpus', '--no-cache', '--max-file-size', '10'], { cwd: work.dir });
  assert.equal(big.code, 2);
  assert.match(big.stderr, /No methods found/);
  assert.match(big.stderr, /larger than the size limit of 10 bytes: raise it with --max-file-size/);
  assertInert(big, 'too large');

  const dir = path.join(work.dir, 'with-config');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'memaudit.config.json'), JSON.stringify({ epoch: 3 }));
  const r = await cli(['audit', path.join(work.dir, 'corpus')], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /memaudit\.config\.json: 'epoch' is not a setting; valid settings are .*epochs/);
  assert.ok(r.stderr.includes(path.join(dir, 'memaudit.config.json')), r.stderr);
  assertNoInternal(r, 'unknown key');
});

test('zip entries that climb out of the archive are skipped as unsafe-path, not as a hidden folder', async () => {
  const dir = path.join(work.dir, 'zip');
  fs.mkdirSync(dir);
  const enc = (s: string) => new TextEncoder().encode(s);
  const body = 'def ok():\n    return 1\n';
  fs.writeFileSync(
    path.join(dir, 'src.zip'),
    zipSync({
      'pkg/ok.py': enc(body),
      '../evil.py': enc(body),
      'pkg/../../evil2.py': enc(body),
      '/abs/evil3.py': enc(body),
      'pkg\\..\\..\\evil4.py': enc(body),
      '.hidden/x.py': enc(body),
    }),
  );
  const r = await cli(['extract', 'src.zip', '--no-cache', '--format', 'json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { files: { skipped: Record<string, number>; skipExamples: { path: string; reason: string; detail?: string }[] } };
  const reasons = Object.fromEntries(s.files.skipExamples.map((e) => [e.path, e.reason]));
  for (const name of ['../evil.py', 'pkg/../../evil2.py', '/abs/evil3.py', 'pkg\\..\\..\\evil4.py']) {
    assert.equal(reasons[`src.zip!${name}`], 'unsafe-path', `${name}: ${JSON.stringify(s.files.skipExamples)}`);
  }
  assert.equal(s.files.skipped['unsafe-path'], 4);
  assert.equal(reasons['src.zip!.hidden/'], 'excluded-dir');
  assert.ok(!s.files.skipExamples.some((e) => e.reason === 'excluded-dir' && e.path.includes('..')), 'no traversal is called a hidden folder');
  const text = await cli(['extract', 'src.zip', '--no-cache'], { cwd: dir });
  assert.match(text.stdout, /src\.zip!\.\.\/evil\.py: unsafe-path \(the entry's name has a '\.\.' part: it points outside the archive\)/);
});
