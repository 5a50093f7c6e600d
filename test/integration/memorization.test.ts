/**
 * The cross-fitted memorization score on planted cases (docs/metrics.md § "Memorization score
 * (cross-fitted)"): a small generated corpus plus three planted groups of Python functions —
 *   - near-duplicates: a function copied with one local renamed (same unique name); the twin is
 *     predictable when one is held out and the other trained on, so mem is low on average;
 *   - unique: functions with unique names and unique bodies (nothing predicts them when held out);
 *   - shuffled: bodies of one kind under names of another kind (labels the model can only fit by
 *     memorizing them).
 * The group means must order unique (mem 1: the ceiling) and shuffled-and-fitted above the
 * near-duplicates (about ½: 0 for a pair split across the folds, 1 within one); the findings'
 * categories must mean what they say; a rerun gives the same report, and so does a cancelled
 * audit run again (it resumes).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-mem-');
const corpusDir = path.join(work.dir, 'corpus');
const SYLLABLES = ['zor', 'blik', 'quam', 'vesh', 'trun', 'plox', 'gry', 'mav', 'snid', 'kelp', 'wux', 'drab', 'fen', 'jol', 'hask', 'yib'];

/** A made-up word no other method uses, from its number. */
function word(n: number): string {
  let w = '';
  for (let k = 0; k < 3; k++, n = Math.floor(n / SYLLABLES.length)) w += SYLLABLES[n % SYLLABLES.length]!;
  return w;
}

let next = 100;
const fresh = (): string => word(next++);

function body(name: string, local: string, a: string, b: string, c: string): string {
  return [
    `def ${name}(${a}_items, ${b}_limit):`,
    `    ${local} = ${c}_start(${a}_items)`,
    `    for ${a}_item in ${a}_items:`,
    `        if ${a}_item.${b}_size > ${b}_limit:`,
    `            ${local}.${c}_push(${a}_item.${b}_key)`,
    `    return ${c}_finish(${local}, ${b}_limit)`,
    '',
    '',
  ].join('\n');
}

const groups = { nearDup: new Set<string>(), unique: new Set<string>(), shuffled: new Set<string>() };

/** The planted files: one file per near-duplicate pair (so the twins share a split). */
function plantedFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let j = 0; j < 30; j++) {
    const name = `${fresh()}_${fresh()}`;
    const [a, b, c] = [fresh(), fresh(), fresh()];
    groups.nearDup.add(name);
    files[`python/planted/dup_${j}.py`] = body(name, `${a}_acc`, a, b, c) + body(name, `${a}_total`, a, b, c);
  }
  for (let j = 0; j < 30; j++) {
    const name = `${fresh()}_${fresh()}`;
    groups.unique.add(name);
    files[`python/planted/unique_${j}.py`] = body(name, `${fresh()}_acc`, fresh(), fresh(), fresh());
  }
  // Bodies of the planted kind (nothing like the corpus's user management) under the names of its
  // user-management methods: labels the model can only fit by memorizing them.
  const names = ['add_user', 'remove_user', 'build_user', 'validate_email', 'find_user'];
  for (let j = 0; j < 30; j++) {
    const name = names[j % names.length]!;
    groups.shuffled.add(name);
    files[`python/planted/shuffled_${j}.py`] = body(name, `${fresh()}_acc`, fresh(), fresh(), fresh());
  }
  return files;
}

before(async () => {
  await writeCorpus(corpusDir, generateCorpus({ seed: 11, methods: 400 }));
  for (const [rel, text] of Object.entries(plantedFiles())) {
    fs.mkdirSync(path.dirname(path.join(corpusDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(corpusDir, rel), text);
  }
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,50', '--epochs', '10', '--mem-folds', '2', '--device', 'cpu'];

/** A report without what differs between two invocations (times, dates). */
function comparable(r: AuditReport): unknown {
  return JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'timings' || k === 'createdAt' || k === 'seconds' ? undefined : v)));
}

function auditDir(outDir: string): string {
  const runs = path.join(work.dir, outDir, 'runs');
  const [id] = fs.readdirSync(runs);
  return path.join(runs, id!);
}

/** memorization.csv by method name and file: mem and P_in. */
function scoresByName(outDir: string): Map<string, { mem: number; pin: number }[]> {
  const lines = fs.readFileSync(path.join(auditDir(outDir), 'memorization.csv'), 'utf8').trim().split('\r\n');
  const head = lines[0]!.split(',');
  const at = (k: string) => head.indexOf(k);
  const out = new Map<string, { mem: number; pin: number }[]>();
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const name = `${cells[at('file')]!.includes('/planted/') ? 'planted:' : ''}${cells[at('name')]!}`;
    const row = { mem: Number(cells[at('mem')]), pin: Number(cells[at('fitted_rate')]) };
    if (Number.isFinite(row.mem)) out.set(name, [...(out.get(name) ?? []), row]);
  }
  return out;
}

let reference: AuditReport;

test('planted cases: unique and shuffled-and-fitted memorized more than near-duplicates; categories mean what they say', async (t) => {
  const r = await cli([...BASE, '--out', 'ref', '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  reference = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(reference).errors, []);
  const m = reference.memorization!;
  assert.ok(m, 'report.memorization');
  assert.deepEqual(m.runs, ['memfold-1of2-s0', 'memfold-2of2-s0']);
  assert.equal(m.folds, 2);
  assert.ok(!reference.runs.some((x) => x.id.startsWith('memfold')), 'the fold runs are not headline runs');

  const scores = scoresByName('ref');
  const mean = (names: Set<string>, keep: (x: { mem: number; pin: number }) => boolean = () => true) => {
    const xs = [...names].flatMap((n) => scores.get(`planted:${n}`) ?? []).filter(keep);
    assert.ok(xs.length >= 5, `${xs.length} planted samples in training: ${JSON.stringify([...names].map((n) => scores.get(`planted:${n}`)))}`);
    return xs.reduce((a, x) => a + x.mem, 0) / xs.length;
  };
  const shuffled = mean(groups.shuffled, (x) => x.pin >= 0.5);
  const unique = mean(groups.unique);
  const nearDup = mean(groups.nearDup);
  t.diagnostic(`mean mem: shuffled-and-fitted ${shuffled.toFixed(3)}, unique ${unique.toFixed(3)}, near-duplicates ${nearDup.toFixed(3)}`);
  const all = (g: Set<string>) => JSON.stringify([...g].flatMap((n) => scores.get(`planted:${n}`) ?? []));
  // A unique name is never predicted when held out and (here) always fitted: mem 1, the ceiling,
  // so the shuffled-and-fitted group can reach it but not pass it. A near-duplicate pair split
  // across the folds has mem 0, one inside a fold mem 1: about ½ on average.
  assert.ok(shuffled >= unique - 0.1 && Math.min(shuffled, unique) > nearDup + 0.2, `shuffled-and-fitted ${shuffled}, unique ${unique}, near-duplicates ${nearDup}: ${all(groups.shuffled)} ${all(groups.unique)} ${all(groups.nearDup)}`);

  const memorized = reference.findings.filter((f) => f.category === 'memorized');
  const notLearned = reference.findings.filter((f) => f.category === 'not-learned');
  assert.ok(memorized.length > 0);
  assert.equal(reference.findings.length, memorized.length + notLearned.length);
  assert.ok(reference.findings.indexOf(memorized[memorized.length - 1]!) < reference.findings.length - notLearned.length, 'memorized first');
  for (const f of memorized) assert.ok(f.fittedRate! >= 0.5 && f.mem! > 0, f.message);
  for (let k = 1; k < memorized.length; k++) assert.ok(memorized[k - 1]!.mem! >= memorized[k]!.mem!, 'by mem, descending');
  for (const f of notLearned) {
    assert.ok(f.fittedRate! < 0.5, f.message);
    assert.doesNotMatch(f.message, /memorized/);
  }
  assert.match(memorized[0]!.message, /was fitted when trained on \(right in \d of \d models\) but not predicted when held out \(0 of 1\): memorization score/);
});

test('a rerun gives the same report (the runs reused, the fold runs too)', async () => {
  const r = await cli([...BASE, '--out', 'ref', '--format', 'json'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /4 run\(s\) reused/);
  assert.deepEqual(comparable(JSON.parse(r.stdout) as AuditReport), comparable(reference));
});

test('cancelled during the fold runs, then run again: it resumes and gives the same report', async () => {
  const controller = new AbortController();
  const first = cli([...BASE, '--out', 'cancelled'], { cwd: work.dir, signal: controller.signal });
  const timer = setInterval(() => {
    const runs = path.join(work.dir, 'cancelled', 'runs');
    if (!fs.existsSync(runs)) return;
    const [id] = fs.readdirSync(runs);
    if (id && fs.existsSync(path.join(runs, id, 'memfold-1of2-s0'))) controller.abort();
  }, 10);
  const r1 = await first;
  clearInterval(timer);
  assert.equal(r1.code, 2, r1.stderr);
  assert.match(r1.stderr, /cancelled/);
  const r2 = await cli([...BASE, '--out', 'cancelled', '--format', 'json'], { cwd: work.dir });
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(comparable(JSON.parse(r2.stdout) as AuditReport), comparable(reference));
  // A damaged held-out file is reported and its run trained again, to the same report.
  fs.writeFileSync(path.join(auditDir('cancelled'), 'memfold-2of2-s0', 'heldout.json'), '{"run":');
  const r3 = await cli([...BASE, '--out', 'cancelled', '--format', 'json'], { cwd: work.dir });
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stderr, /memfold-2of2-s0 is damaged \(heldout\.json/);
  assert.deepEqual(comparable(JSON.parse(r3.stdout) as AuditReport), comparable(reference));
});

test('cleanup', () => work.cleanup());
