/**
 * Several models in one audit end to end on a generated corpus: `--model bag,code2vec` runs one
 * ordinary audit per model (the folder `--model m` alone uses, so a later single-model audit
 * trains nothing and finds the same numbers), and the report puts them side by side in every
 * writer.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-models-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 5, methods: 400 }));
  // Adversarial attacks off: the test is about the comparison, kept quick.
  fs.writeFileSync(path.join(work.dir, 'memaudit.config.json'), JSON.stringify({ adversarial: false }));
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', '2', '--mem-folds', '0', '--device', 'cpu', '--out', 'out', '--format', 'json'];

test('--model bag,code2vec: one audit per model, side by side in the report; each equals its single-model audit', async () => {
  const r = await cli([...BASE, '--model', 'bag,code2vec', '--markdown', 'models.md', '--html', 'models.html'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /audit: bag \(names\), code2vec \(small\), 4 run\(s\)/);
  const report = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(report).errors, []);
  assert.equal(report.config.model, 'bag', 'the report is the first model\'s');
  assert.deepEqual(report.models?.map((m) => [m.model, m.modelPreset]), [['bag', 'names'], ['code2vec', 'small']]);
  assert.equal(fs.readdirSync(path.join(work.dir, 'out', 'runs')).length, 2, 'two audit folders');
  const [bag, c2v] = report.models!;
  assert.equal(bag!.runId, report.runId);
  assert.notEqual(c2v!.runId, bag!.runId);
  assert.deepEqual(c2v!.levels.map((l) => [l.kind, l.level]), [['y-shuffle', 0], ['y-shuffle', 100]]);
  assert.equal(c2v!.levels[0]!.noiseFit, null, 'no noise fit without corruption');
  assert.equal(typeof c2v!.levels[1]!.noiseFit, 'number');

  const single = await cli([...BASE, '--model', 'code2vec'], { cwd: work.dir });
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stderr, /\(2 run\(s\) reused/, 'the second invocation trains nothing');
  const alone = JSON.parse(single.stdout) as AuditReport;
  assert.equal(alone.runId, c2v!.runId, 'the same audit folder');
  assert.equal(alone.models, undefined);
  assert.deepEqual(alone.scores, c2v!.scores);
  assert.deepEqual(alone.runs.map((x) => x.final.testF1), c2v!.levels.map((l) => l.testF1));

  const md = fs.readFileSync(path.join(work.dir, 'models.md'), 'utf8');
  assert.match(md, /### Models side by side/);
  assert.match(md, /\| code2vec \\\(small\\\) \|/);
  assert.match(md, /y-shuffle 100%/);
  const html = fs.readFileSync(path.join(work.dir, 'models.html'), 'utf8');
  assert.match(html, /<section id="models"/);
  assert.match(html, /Test F1 against the noise level, per model: y-shuffle/);
  assert.match(html, /Noise fit against the noise level, per model: y-shuffle/);

  assert.ok(fs.existsSync(path.join(work.dir, 'out', 'runs', report.runId, 'report-models.json')), 'the combined report next to the first model\'s');
  const text = await cli([...BASE.filter((a) => a !== '--format' && a !== 'json'), '--model', 'bag,code2vec'], { cwd: work.dir });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stderr, /\(4 run\(s\) reused/, 'run again: every model resumes from its folder');
  assert.match(text.stdout, /models side by side/);
  assert.match(text.stdout, /code2vec test F1/);
});

test('--shard with several models is a usage error', async () => {
  const r = await cli([...BASE, '--model', 'bag,code2vec', '--shard', '0/2'], { cwd: work.dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /a shard trains one model/);
});
