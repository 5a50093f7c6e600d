/**
 * The regularization settings of the mitigation explorer end to end on a generated corpus:
 * `--sweep earlyStopping=0,1` (the baseline is the plain audit; the other setting's runs stop one
 * evaluation after their best validation F1 and say so), `--early-stopping 1` (the same audit as
 * that setting), and `--sweep dropout=0,0.5` on bag, the default model.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateReport } from '../../server/src/report';
import type { AuditReport, RunReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-regularization-');
const EPOCHS = 4;
const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', String(EPOCHS), '--mem-folds', '0', '--device', 'cpu', '--out', 'out', '--format', 'json'];
let plain: AuditReport;

before(async () => {
  const g = await cli(['generate', '--out', 'corpus', '--methods', '300'], { cwd: work.dir });
  assert.equal(g.code, 0, g.stderr);
  // Adversarial attacks off: the test is about the settings, kept quick.
  fs.writeFileSync(path.join(work.dir, 'memaudit.config.json'), JSON.stringify({ adversarial: false }));
  const r = await cli(BASE, { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  plain = JSON.parse(r.stdout) as AuditReport;
});

const settingReport = (runId: string): AuditReport => JSON.parse(fs.readFileSync(path.join(work.dir, 'out', 'runs', runId, 'report.json'), 'utf8')) as AuditReport;

/** 1-based epoch of the first highest validation F1 among the epochs a run trained. */
function bestValEpoch(run: RunReport): number {
  const f1 = run.epochs.map((e) => e.val!.f1);
  return f1.indexOf(Math.max(...f1)) + 1;
}

test('--sweep earlyStopping=0,1: the baseline is the plain audit; the other setting stops each run one evaluation after its best validation F1', async () => {
  const r = await cli([...BASE, '--sweep', 'earlyStopping=0,1'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(2 run\(s\) reused/, 'the baseline setting is the plain audit');
  const report = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(report).errors, []);
  assert.deepEqual(report.sweep?.map((s) => s.setting), [{ earlyStopping: 0 }, { earlyStopping: 1 }]);
  const [base, early] = report.sweep!;
  assert.equal(base!.runId, plain.runId);
  assert.deepEqual([base!.G, base!.M], [plain.scores.G, plain.scores.M]);
  assert.ok(plain.runs.every((x) => x.bestEpoch === undefined && x.stoppedAtEpoch === undefined && x.epochs.length === EPOCHS));
  assert.equal(plain.config.earlyStopping, undefined);

  const other = settingReport(early!.runId);
  assert.deepEqual(validateReport(other).errors, []);
  assert.equal(other.config.earlyStopping, 1);
  assert.deepEqual([early!.G, early!.M], [other.scores.G, other.scores.M]);
  for (const run of other.runs) {
    // Patience 1: a run stops at the first evaluation that is not better than the best so far.
    assert.equal(run.bestEpoch, bestValEpoch(run), `${run.id}: the best epoch is the best validation F1's`);
    if (run.stoppedAtEpoch === undefined) {
      assert.equal(run.epochs.length, EPOCHS);
    } else {
      assert.equal(run.stoppedAtEpoch, run.bestEpoch! + 1);
      assert.equal(run.epochs.length, run.stoppedAtEpoch, `${run.id}: its numbers are from the epochs it trained`);
    }
  }
  assert.ok(other.runs.some((x) => x.stoppedAtEpoch !== undefined), 'the 100 % shuffled run loses validation F1 and stops early');

  const flag = await cli([...BASE, '--early-stopping', '1'], { cwd: work.dir });
  assert.equal(flag.code, 0, flag.stderr);
  assert.equal((JSON.parse(flag.stdout) as AuditReport).runId, early!.runId, '--early-stopping 1 is that setting\'s audit');
  const text = await cli([...BASE.filter((a) => a !== '--format' && a !== 'json'), '--early-stopping', '1'], { cwd: work.dir });
  assert.match(text.stdout, /early stopping \(patience 1, validation F1\): .*stopped at epoch \d \(best \d\)/);
});

test('--sweep dropout=0,0.5 on bag (the default model): dropout 0 is the plain audit, 0.5 an audit of its own', async () => {
  const r = await cli([...BASE, '--sweep', 'dropout=0,0.5'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /audit: bag \(names\), 4 run\(s\)/);
  const report = JSON.parse(r.stdout) as AuditReport;
  const [base, drop] = report.sweep!;
  assert.equal(base!.runId, plain.runId);
  assert.deepEqual(report.runs.map((x) => x.final), plain.runs.map((x) => x.final));
  const other = settingReport(drop!.runId);
  assert.deepEqual(other.config.hyper, { dropout: 0.5 });
  assert.notDeepEqual(other.runs.map((x) => x.final), plain.runs.map((x) => x.final));
});
