import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runGenerateCommand, GENERATE_HELP } from '../../../server/src/cli/generate';
import type { CliIo } from '../../../server/src/cli/io';
import { isEngineError } from '../../../server/src/errors';
import { generateCorpus, MANIFEST_FILE } from '../../../server/src/synth';

function memoryIo(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTty: false, cwd, env: {} };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-generate-'));
}

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, p));
    else out.push(p);
  }
  return out.sort();
}

const isUsage = (e: unknown) => isEngineError(e) && e.code === 'E_USAGE';

test('generate writes the corpus (relative --out against the cwd) and a manifest, and prints a summary', async () => {
  const cwd = tempDir();
  try {
    const io = memoryIo(cwd);
    const rc = await runGenerateCommand(['--out', 'corpus', '--methods', '90', '--seed', '4'], io);
    assert.equal(rc, 0);
    const dir = path.join(cwd, 'corpus');
    const expected = generateCorpus({ seed: 4, methods: 90 });
    assert.deepEqual(listFiles(dir), [...expected.files.map((f) => f.path), MANIFEST_FILE].sort());
    for (const f of expected.files) assert.equal(fs.readFileSync(path.join(dir, ...f.path.split('/')), 'utf8'), f.text);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
    assert.deepEqual(manifest.methods, expected.methods);
    assert.equal(manifest.options.seed, 4);
    const text = io.out.join('');
    assert.match(text, /wrote \d+ files with 90 methods/);
    assert.match(text, /java +30 methods/);
    assert.match(text, /families +\w/);
    assert.ok(!listFiles(dir).some((p) => p.includes('.tmp-')), 'no temporary files left');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('generate refuses a non-empty folder unless --force, and a path that is a file', async () => {
  const cwd = tempDir();
  try {
    fs.writeFileSync(path.join(cwd, 'keep.txt'), 'mine');
    await assert.rejects(runGenerateCommand(['--out', '.', '--methods', '10'], memoryIo(cwd)), (e: unknown) => isUsage(e) && /not empty.*--force/s.test((e as Error).message));
    assert.deepEqual(fs.readdirSync(cwd), ['keep.txt'], 'nothing written');
    assert.equal(await runGenerateCommand(['--out', '.', '--methods', '10', '--force', '--lang', 'ruby'], memoryIo(cwd)), 0);
    assert.equal(fs.readFileSync(path.join(cwd, 'keep.txt'), 'utf8'), 'mine', 'other files are left alone');
    assert.ok(fs.existsSync(path.join(cwd, 'ruby')));
    assert.ok(!fs.existsSync(path.join(cwd, 'java')));
    await assert.rejects(runGenerateCommand(['--out', 'keep.txt'], memoryIo(cwd)), (e: unknown) => isUsage(e) && /not a folder/.test((e as Error).message));
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('generate --format json prints the options and the summary', async () => {
  const cwd = tempDir();
  try {
    const io = memoryIo(cwd);
    assert.equal(await runGenerateCommand(['--out', 'x', '--methods', '40', '--lang', 'python,java', '--ambiguity', '0.25', '--domains', '3', '--format', 'json'], io), 0);
    const summary = JSON.parse(io.out.join(''));
    assert.deepEqual(summary.options.languages, ['java', 'python']);
    assert.equal(summary.options.domains, 3);
    assert.equal(summary.summary.methods, 40);
    assert.equal(summary.summary.ambiguous, 10);
    assert.equal(summary.summary.byLanguage.python.methods, 20);
    assert.equal(typeof summary.summary.families.constructor, 'number');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('bad flags are usage errors', async () => {
  const cwd = tempDir();
  try {
    const cases = [
      [],
      ['--out', 'x', '--methods', '0'],
      ['--out', 'x', '--methods', 'many'],
      ['--out', 'x', '--seed', '-1'],
      ['--out', 'x', '--lang', 'java,cobol'],
      ['--out', 'x', '--lang', ','],
      ['--out', 'x', '--ambiguity', '2'],
      ['--out', 'x', '--ambiguity', ''],
      ['--out', 'x', '--domains', '13'],
      ['--out', 'x', '--format', 'xml'],
      ['--out', 'x', '--bogus'],
      ['--out', 'x', 'extra'],
    ];
    for (const argv of cases) await assert.rejects(runGenerateCommand(argv, memoryIo(cwd)), isUsage, argv.join(' '));
    assert.deepEqual(fs.readdirSync(cwd), []);
    assert.match(GENERATE_HELP, /--out DIR/);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
