/** The runs store: where a folder's audits are, and how they are listed, found, read and deleted. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { AUDIT_FILES, resolveOutDir, RunsStore } from '../../../server/src/audit/runs-store';
import { isEngineError } from '../../../server/src/errors';
import { cli, tempDir, writeTree } from '../../helpers/cli';

const SCORES = { G: 0.9, M: 0.4, gap: 0.05, sensitivity: null, mia_auc: null, mia_advantage: null, train_f1: null, test_f1: null, detection_auroc: null };

/** A finished audit's report.json, only the fields the listing reads. */
function report(createdAt: string, insufficientG = false): string {
  return JSON.stringify({
    schemaVersion: 2,
    createdAt,
    config: { model: 'bag' },
    scores: SCORES,
    gates: [],
    ...(insufficientG ? { scoreStatus: { G: { ok: false, reason: 'not enough test methods: 12 (at least 50 needed)' }, M: { ok: true }, gap: { ok: true } } } : {}),
  });
}

let work: { dir: string; cleanup: () => void };
before(() => {
  work = tempDir();
  writeTree(work.dir, {
    '.memaudit/runs/aaa111/report.json': report('2026-12-01T10:00:00.000Z'),
    '.memaudit/runs/aaa111/clean-s0/result.json': '{}',
    '.memaudit/runs/aab222/report.json': report('2026-12-02T10:00:00.000Z', true),
    '.memaudit/runs/bbb333/config.json': '{}',
    '.memaudit/runs/bbb333/clean-s0/result.json': '{}',
    '.memaudit/runs/bbb333/y-shuffle-25-s0/checkpoint.bin': 'x',
    '.memaudit/runs/ccc444/report.json': '{ not json',
    'elsewhere/memaudit.config.json': JSON.stringify({ outDir: 'out' }),
  });
});
after(() => work.cleanup());

test('the output folder: as given, else the config file’s outDir, else .memaudit', () => {
  assert.equal(resolveOutDir(work.dir, 'x'), path.join(work.dir, 'x'));
  assert.equal(resolveOutDir(work.dir), path.join(work.dir, '.memaudit'));
  assert.equal(resolveOutDir(path.join(work.dir, 'elsewhere')), path.join(work.dir, 'elsewhere', 'out'));
  assert.equal(resolveOutDir(path.join(work.dir, 'elsewhere'), 'given'), path.join(work.dir, 'elsewhere', 'given'));
});

test('lists finished audits newest first, then interrupted ones with their finished runs; a report that does not parse is not finished', () => {
  const runs = RunsStore.of(work.dir).list();
  assert.deepEqual(
    runs.map((r) => [r.id, r.state, r.runsDone]),
    [
      ['aab222', 'finished', 0],
      ['aaa111', 'finished', 1],
      ['bbb333', 'interrupted', 1],
      ['ccc444', 'interrupted', 0],
    ],
  );
  assert.equal(runs[0]!.scoreStatus?.G.ok, false);
});

test('finds by id, unique prefix or latest; an ambiguous prefix and an unknown id are errors that say what to do', () => {
  const store = RunsStore.of(work.dir);
  assert.equal(store.find('latest').id, 'aab222');
  assert.equal(store.find('aaa').id, 'aaa111');
  assert.throws(() => store.find('aa'), (e: unknown) => isEngineError(e) && e.code === 'E_USAGE' && /aaa111, aab222|aab222, aaa111/.test(e.message));
  assert.throws(() => store.find('bbb333'), (e: unknown) => isEngineError(e) && e.code === 'E_INPUT_NOT_FOUND' && /memaudit runs/.test(e.message));
  assert.equal(store.readReport(store.find('aaa')).createdAt, '2026-12-01T10:00:00.000Z');
});

test('deletes only a listed audit, and lets the caller refuse one', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeTree(dir, { '.memaudit/runs/r1/report.json': report('2026-12-01T10:00:00.000Z'), '.memaudit/runs/r2/config.json': '{}' });
    const store = RunsStore.of(dir);
    assert.throws(() => store.delete('../r1'), (e: unknown) => isEngineError(e) && e.code === 'E_INPUT_NOT_FOUND');
    assert.throws(() => store.delete('r2', () => { throw new Error('busy'); }), /busy/);
    assert.ok(fs.existsSync(path.join(dir, '.memaudit/runs/r2')));
    store.delete('r1');
    assert.deepEqual(store.list().map((r) => r.id), ['r2']);
  } finally {
    cleanup();
  }
});

test('memaudit runs marks a score that rests on too little data, and follows the config file’s outDir', async () => {
  const listed = await cli(['runs'], { cwd: work.dir });
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /aab222 .* 0\.900\* /);
  assert.match(listed.stdout, /aaa111 .* 0\.900 {2}/);
  assert.match(listed.stdout, /^\* rests on too little data/m);
  const empty = await cli(['runs'], { cwd: path.join(work.dir, 'elsewhere') });
  assert.match(empty.stdout, new RegExp(`no audits in ${path.join(work.dir, 'elsewhere', 'out', 'runs').replace(/[/\\]/g, '.')}`));
});

test('an unfinished audit whose lock a live process holds is listed as running (its pid); a dead holder’s is interrupted', async () => {
  const dir = path.join(work.dir, 'locks');
  writeTree(dir, { '.memaudit/runs/live01/config.json': '{}', '.memaudit/runs/dead02/config.json': '{}' });
  const store = RunsStore.of(dir);
  const lock = store.audit('live01').lock();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  fs.writeFileSync(store.audit('dead02').file(AUDIT_FILES.lock), JSON.stringify({ pid: dead, host: os.hostname(), startedAt: '2026-12-07T01:00:00.000Z' }));
  try {
    const byId = new Map(store.list().map((r) => [r.id, r]));
    assert.equal(byId.get('live01')?.runningPid, process.pid);
    assert.equal(byId.get('dead02')?.runningPid, undefined);
    const out = await cli(['runs'], { cwd: dir });
    assert.match(out.stdout, /live01\s+running/);
    assert.match(out.stdout, /dead02\s+interrupted/);
  } finally {
    lock.release();
  }
});

test('report: every output path is checked before any is written (a bad one leaves no file behind)', async () => {
  const blocker = path.join(work.dir, 'a-file');
  fs.writeFileSync(blocker, 'x');
  const html = path.join(work.dir, 'out', 'report.html');
  const out = await cli(['report', 'aaa111', '--html', html, '--markdown', path.join(blocker, 'summary.md')], { cwd: work.dir });
  assert.equal(out.code, 2);
  assert.match(out.stderr, /a-file\/summary\.md: a part of the path is a file/);
  assert.equal(fs.existsSync(html), false);
});

test('a multi-model audit’s or a sweep’s folder: the newest combined report when newer than its own report.json', () => {
  const dir = path.join(work.dir, 'models');
  const combined = JSON.stringify({ ...JSON.parse(report('2026-12-02T10:00:00.000Z')), models: [{ model: 'bag' }, { model: 'code2vec' }] });
  writeTree(dir, { '.memaudit/runs/mmm111/report.json': report('2026-12-02T09:59:00.000Z'), '.memaudit/runs/mmm111/report-models.json': combined });
  const store = RunsStore.of(dir);
  assert.equal(store.readReport(store.find('mmm111')).models?.length, 2);
  const sweep = JSON.stringify({ ...JSON.parse(report('2026-12-02T11:00:00.000Z')), sweep: [{ setting: {} }, { setting: { weightDecay: 0.001 } }] });
  fs.writeFileSync(path.join(dir, '.memaudit/runs/mmm111/report-sweep.json'), sweep);
  assert.equal(store.readReport(store.find('mmm111')).sweep?.length, 2, 'the newest combined report: the sweep');
  fs.writeFileSync(store.reportFile({ id: 'mmm111' }), report('2026-12-03T10:00:00.000Z'));
  assert.equal(store.readReport(store.find('mmm111')).models, undefined, 'a later single-model audit of the first model wins');
  assert.equal(store.readReport(store.find('mmm111')).sweep, undefined);
});
