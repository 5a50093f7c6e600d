/**
 * The mitigation explorer end to end on a generated corpus: `--sweep weightDecay=0,0.001` runs one
 * ordinary audit per setting (weight decay 0 is the plain audit's folder, so its numbers are the
 * plain audit's), and the baseline's report carries the settings side by side, the recommendation,
 * and the "Mitigations" section of the text report.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-sweep-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 5, methods: 400 }));
  // Adversarial attacks off: the test is about the sweep, kept quick.
  fs.writeFileSync(path.join(work.dir, 'memaudit.config.json'), JSON.stringify({ adversarial: false }));
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', '2', '--mem-folds', '0', '--device', 'cpu', '--out', 'out'];
const JSON_OUT = ['--format', 'json'];

test('--sweep weightDecay=0,0.001: one audit per setting, the sweep and its recommendation in the baseline report, which equals the plain audit', async () => {
  const plain = await cli([...BASE, ...JSON_OUT], { cwd: work.dir });
  assert.equal(plain.code, 0, plain.stderr);
  const alone = JSON.parse(plain.stdout) as AuditReport;

  const r = await cli([...BASE, ...JSON_OUT, '--sweep', 'weightDecay=0,0.001', '--markdown', 'sweep.md', '--html', 'sweep.html'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /audit: bag \(names\), 4 run\(s\)/);
  assert.match(r.stderr, /\(2 run\(s\) reused/, 'the baseline setting is the plain audit');
  const report = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(report).errors, []);
  assert.deepEqual(report.sweep?.map((s) => s.setting), [{ weightDecay: 0 }, { weightDecay: 0.001 }]);
  const [base, wd] = report.sweep!;
  assert.equal(base!.runId, alone.runId);
  assert.equal(report.runId, alone.runId, 'the report is the baseline\'s');
  assert.notEqual(wd!.runId, base!.runId);
  assert.equal(report.config.weightDecay, undefined);
  assert.deepEqual([base!.G, base!.M, base!.gap], [alone.scores.G, alone.scores.M, alone.scores.gap]);
  assert.deepEqual(report.runs.map((x) => x.final), alone.runs.map((x) => x.final));
  assert.deepEqual(base!.levels.map((l) => [l.kind, l.level, l.testF1]), [['y-shuffle', 0, alone.runs[0]!.final.testF1], ['y-shuffle', 100, alone.runs[1]!.final.testF1]]);
  assert.equal(base!.levels[0]!.noiseFit, null, 'no noise fit without corruption');
  assert.equal(base!.levels[1]!.noiseFit, alone.runs[1]!.final.noiseFitRate);
  assert.equal(typeof base!.bestEpochTestF1, 'number', 'the runs record validation F1 per epoch');
  assert.equal(typeof report.sweepRecommendation, 'string');
  assert.ok(fs.existsSync(path.join(work.dir, 'out', 'runs', report.runId, 'report-sweep.json')));
  const other = JSON.parse(fs.readFileSync(path.join(work.dir, 'out', 'runs', wd!.runId, 'report.json'), 'utf8')) as AuditReport;
  assert.equal(other.config.weightDecay, 0.001);
  assert.equal(other.sweep, undefined);
  assert.deepEqual([wd!.G, wd!.M], [other.scores.G, other.scores.M]);

  const md = fs.readFileSync(path.join(work.dir, 'sweep.md'), 'utf8');
  assert.match(md, /### Mitigations/);
  assert.match(md, /\*\*Recommendation:\*\* /);
  const html = fs.readFileSync(path.join(work.dir, 'sweep.html'), 'utf8');
  assert.match(html, /<section id="sweep"/);
  assert.match(html, /M \(noise fit\) against G \(test F1\), per setting/);
  assert.match(html, /<a href="#sweep">Mitigations<\/a>/);

  const text = await cli([...BASE, '--sweep', 'weightDecay=0,0.001'], { cwd: work.dir });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stderr, /\(4 run\(s\) reused/, 'run again: every setting resumes from its folder');
  assert.match(text.stdout, /mitigations \(2 settings/);
  assert.match(text.stdout, /weightDecay 0\.001 /);
  assert.match(text.stdout, /noise fit y-shuffle 100%/);
  assert.match(text.stdout, /recommendation: /);
});

test('--sweep errors exit with 2 and name the flag: an unknown name, with --shard', async () => {
  const unknown = await cli([...BASE, '--sweep', 'lr=0,1'], { cwd: work.dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--sweep: must be one of weightDecay, dropout/);
  const shard = await cli([...BASE, '--sweep', 'weightDecay=0,0.1', '--shard', '0/2'], { cwd: work.dir });
  assert.equal(shard.code, 2);
  assert.match(shard.stderr, /--shard with a sweep is not supported yet/);
});
