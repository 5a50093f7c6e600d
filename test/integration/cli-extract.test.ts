/**
 * `memaudit extract` end to end, in-process: exit codes, the summary, bad inputs, the cache
 * (full and partial reuse give the same corpus as a fresh extraction), determinism across worker
 * counts and parser backends, and cancellation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractCorpus, type CorpusExtraction } from '../../server/src/pipeline/extract-corpus';
import type { ExtractSummary } from '../../server/src/cli/extract';
import { materialize } from '../../server/src/parse/sample';
import { cli, tempDir, writeTree } from '../helpers/cli';
import { zipSync } from 'fflate';
import { FLAT_SKIP } from '../unit/parse/helpers';

const CORPUS: Record<string, string> = {
  'src/Account.java': `package bank;

public class Account {
    private long balance;

    public long getBalance() {
        return balance;
    }

    public void deposit(long amount) {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount");
        }
        balance += amount;
    }

    public abstract static class Rule {
        abstract boolean allows(long amount);
    }
}
`,
  'lib/util.py': `def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


class Counter:
    def __init__(self):
        self.count = 0

    def increment(self, by=1):
        self.count += by
        return self.count
`,
  'lib/shapes.rb': `class Square
  def initialize(side)
    @side = side
  end

  def area
    @side * @side
  end

  def self.unit
    new(1)
  end
end
`,
  'lib/broken.py': `def fine(x):
    return x + 1

def broken(:
    return
`,
};

function summaryOf(stdout: string): ExtractSummary {
  return JSON.parse(stdout) as ExtractSummary;
}

/** A comparable, id-ordered readable form of an extraction (independent of string-table ids). */
/** The same samples down to their ids: sample ids, both string tables, and the token and path ids of bodies and contexts. */
function assertSameIds(got: CorpusExtraction, expected: CorpusExtraction): void {
  assert.deepEqual(got.columns.ids, expected.columns.ids);
  assert.deepEqual(got.tables.tokens.strings, expected.tables.tokens.strings);
  assert.deepEqual(got.tables.paths.strings, expected.tables.paths.strings);
  assert.deepEqual(got.columns.bodyTokens, expected.columns.bodyTokens);
  assert.deepEqual(got.columns.contexts, expected.columns.contexts);
}

function readable(r: CorpusExtraction): unknown[] {
  const all = [];
  for (let i = 0; i < r.columns.count; i++) all.push(materialize(r.columns.sample(i), r.tables));
  return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

test('extract prints a JSON summary with samples per language and the dataset', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, CORPUS);
    const r = await cli(['extract', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const s = summaryOf(r.stdout);
    assert.equal(s.samples.byLanguage['java'], 2);
    assert.equal(s.samples.byLanguage['python'], 4);
    assert.equal(s.samples.byLanguage['ruby'], 3);
    assert.equal(s.files.parsed, 4);
    assert.equal(s.files.withSyntaxErrors, 1);
    assert.ok(s.samples.droppedWithoutBody >= 1, 'the abstract method is counted');
    assert.equal(s.dataset.samples, s.samples.total);
    assert.match(r.stderr, /extract .*methods/);
  } finally {
    cleanup();
  }
});

test('the text summary names files, skips, parser and split', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, { ...CORPUS, 'blob.py': new Uint8Array([0x64, 0x65, 0x66, 0, 1, 2]) });
    const r = await cli(['extract', '--no-cache'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^files +5 seen, 4 parsed/m);
    assert.match(r.stdout, /^skipped .*1 binary/m);
    assert.match(r.stdout, /^parser +tree-sitter (native-flat|native|wasm)/m);
    assert.match(r.stdout, /^split +train \d+ \/ val \d+ \/ test \d+/m);
    assert.match(r.stdout, /blob\.py: binary/);
  } finally {
    cleanup();
  }
});

test('an empty corpus is a clear error with exit code 2', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, { 'README.md': '# nothing here\n', 'notes.txt': 'x' });
    const r = await cli(['extract', '.', '--no-cache'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No methods found/);
    assert.match(r.stderr, /Java \(\.java\), Python \(\.py\) and Ruby \(\.rb\)/);
  } finally {
    cleanup();
  }
});

test('usage errors exit with 2 and say what is wrong', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: [string[], RegExp][] = [
      [['extract', '--bogus'], /Unknown option '--bogus'/],
      [['extract', '--format', 'xml'], /--format must be one of text, json/],
      [['extract', '--lang', 'cobol'], /--lang must be one of java, python, ruby/],
      [['extract', '--workers', '0'], /--workers '0' is not accepted: write an integer ≥ 1/],
      [['extract', '--max-file-size', 'big'], /--max-file-size must be a size/],
      [['extract', 'does/not/exist'], /does\/not\/exist/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv, { cwd: dir });
      assert.equal(r.code, 2, `${argv.join(' ')} → ${r.code}`);
      assert.match(r.stderr, message);
    }
    const help = await cli(['extract', '--help'], { cwd: dir });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: memaudit extract/);
  } finally {
    cleanup();
  }
});

test('malformed JSONL lines are skipped and reported, or stop the run with file:line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const good = JSON.stringify({ code: 'def add(a, b):\n    return a + b\n', func_name: 'add', language: 'python', path: 'm.py', repo: 'r' });
    writeTree(dir, { 'data.jsonl': `${good}\n{not json\n${good.replace('add', 'plus').replace('add', 'plus')}\n` });
    const skip = await cli(['extract', 'data.jsonl', '--format', 'json', '--no-cache'], { cwd: dir });
    assert.equal(skip.code, 0, skip.stderr);
    const s = summaryOf(skip.stdout);
    assert.equal(s.files.skipped['jsonl-malformed'], 1);
    assert.ok(s.files.skipExamples.some((e) => e.path.endsWith('data.jsonl:2')));
    const stop = await cli(['extract', 'data.jsonl', '--jsonl-errors', 'stop', '--no-cache'], { cwd: dir });
    assert.equal(stop.code, 2);
    assert.match(stop.stderr, /data\.jsonl:2/);
  } finally {
    cleanup();
  }
});

test('the cache: an unchanged corpus is loaded, a changed file alone is re-parsed, results equal a fresh run', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, CORPUS);
    const cacheDir = path.join(dir, 'cache');
    const first = await extractCorpus({ inputs: ['.'], cwd: dir, cacheDir, workers: 1 });
    assert.equal(first.cache.use, 'miss');
    const second = await extractCorpus({ inputs: ['.'], cwd: dir, cacheDir, workers: 1 });
    assert.equal(second.cache.use, 'hit');
    assert.deepEqual(readable(second), readable(first));
    assert.deepEqual(second.stats, first.stats);

    // Change one file (size changes, so its fingerprint does).
    const util = path.join(dir, 'lib/util.py');
    fs.appendFileSync(util, '\n\ndef shout(text):\n    return text.upper()\n');
    const third = await extractCorpus({ inputs: ['.'], cwd: dir, cacheDir, workers: 1 });
    assert.equal(third.cache.use, 'partial');
    assert.equal(third.cache.parsedSources, 1);
    assert.equal(third.cache.reusedSources, 3);
    const fresh = await extractCorpus({ inputs: ['.'], cwd: dir, workers: 1 });
    assert.equal(fresh.cache.use, 'off');
    assert.deepEqual(readable(third), readable(fresh));
    assert.deepEqual(third.stats.samplesByLanguage, fresh.stats.samplesByLanguage);
    assert.equal(third.stats.methodsWithErrors, fresh.stats.methodsWithErrors);

    // A damaged cache file is ignored (and rebuilt), never trusted.
    const file = third.cache.file!;
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    const logs: string[] = [];
    const fourth = await extractCorpus({ inputs: ['.'], cwd: dir, cacheDir, workers: 1, log: (m) => logs.push(m) });
    assert.equal(fourth.cache.use, 'miss');
    assert.ok(logs.some((l) => /ignor|corrupt|checksum/i.test(l)), logs.join('\n'));
    assert.deepEqual(readable(fourth), readable(fresh));
  } finally {
    cleanup();
  }
});

test('one worker and two workers give identical samples, ids and string tables', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      files[`m${i}.py`] = `def f${i}_value(x):\n    y = x * ${i}\n    return y + len("t${i}")\n\n\ndef g${i}(items):\n    return [i for i in items if i > ${i}]\n`;
    }
    writeTree(dir, files);
    const one = await extractCorpus({ inputs: ['.'], cwd: dir, workers: 1 });
    const two = await extractCorpus({ inputs: ['.'], cwd: dir, workers: 2 });
    assert.equal(one.columns.count, 80);
    assertSameIds(two, one);
  } finally {
    cleanup();
  }
});

test('the wasm parser gives the same samples as the native one', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, CORPUS);
    const native = await extractCorpus({ inputs: ['.'], cwd: dir, workers: 1, backend: 'native' });
    const wasm = await extractCorpus({ inputs: ['.'], cwd: dir, workers: 1, backend: 'wasm' });
    assert.equal(native.parser.backend, 'native');
    assert.equal(wasm.parser.backend, 'wasm');
    assert.deepEqual(readable(wasm), readable(native));
  } finally {
    cleanup();
  }
});

test('the flat addon gives the same samples, tables and ids as the native binding, with 1 and 2 workers', { skip: FLAT_SKIP }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, CORPUS);
    const native = await extractCorpus({ inputs: ['.'], cwd: dir, workers: 1, backend: 'native' });
    for (const workers of [1, 2]) {
      const flat = await extractCorpus({ inputs: ['.'], cwd: dir, workers, backend: 'native-flat' });
      assert.equal(flat.parser.backend, 'native-flat');
      assert.deepEqual(readable(flat), readable(native));
      assertSameIds(flat, native);
    }
  } finally {
    cleanup();
  }
});

test('a zip archive is read by the workers: same samples with 1 and 2 workers, a damaged entry skipped as archive-corrupt', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const enc = (s: string) => new TextEncoder().encode(s);
    const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
    for (const [name, text] of Object.entries(CORPUS)) entries[name] = [enc(text), { level: 6 }];
    entries['bad/broken.py'] = [enc('def spoiled(x):\n    return x\n'), { level: 0 }];
    const zip = Buffer.from(zipSync(entries));
    // Damage the stored entry's bytes: its CRC no longer matches.
    zip[zip.indexOf('spoiled')] = 'S'.charCodeAt(0);
    fs.writeFileSync(path.join(dir, 'src.zip'), zip);
    const one = await extractCorpus({ inputs: ['src.zip'], cwd: dir, workers: 1 });
    const two = await extractCorpus({ inputs: ['src.zip'], cwd: dir, workers: 2 });
    assert.deepEqual(readable(two), readable(one));
    assert.deepEqual(two.stats, one.stats);
    assert.equal(one.stats.skipped['archive-corrupt'], 1);
    assert.deepEqual(
      one.stats.skipExamples.filter((s) => s.reason === 'archive-corrupt').map((s) => s.path),
      ['src.zip!bad/broken.py'],
    );
    assert.match(one.stats.skipExamples.find((s) => s.reason === 'archive-corrupt')!.detail ?? '', /CRC/);
    assert.ok(one.columns.count > 0);
    assert.ok(one.columns.count === two.columns.count);
  } finally {
    cleanup();
  }
});

test('cancelling stops the extraction with E_CANCELLED and writes no cache', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`m${i}.py`] = `def f${i}(x):\n    return x + ${i}\n`;
    writeTree(dir, files);
    const controller = new AbortController();
    const cacheDir = path.join(dir, 'cache');
    let progressCalls = 0;
    await assert.rejects(
      extractCorpus({
        inputs: ['.'],
        cwd: dir,
        cacheDir,
        workers: 1,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: () => {
          if (++progressCalls === 3) controller.abort();
        },
      }),
      (e: unknown) => (e as { code?: string }).code === 'E_CANCELLED',
    );
    assert.equal(fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).length : 0, 0);
  } finally {
    cleanup();
  }
});
