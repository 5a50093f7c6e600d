/**
 * `--sweep mixup=0,1` end to end on a small generated corpus: the baseline setting is the plain
 * audit (same folder, same numbers), the mixup setting is its own audit with `mixup` in its config,
 * and the report (with the sweep) validates against the schema.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-mixup-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 5, methods: 300 }));
  fs.writeFileSync(path.join(work.dir, 'memaudit.config.json'), JSON.stringify({ adversarial: false }));
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', '3', '--mem-folds', '0', '--device', 'cpu', '--out', 'out', '--format', 'json'];

test('--sweep mixup=0,1: the baseline is the plain audit, the mixup setting its own audit', async () => {
  const plain = await cli(BASE, { cwd: work.dir });
  assert.equal(plain.code, 0, plain.stderr);
  const alone = JSON.parse(plain.stdout) as AuditReport;
  assert.equal(alone.config.mixup, undefined);

  const r = await cli([...BASE, '--sweep', 'mixup=0,1'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(2 run\(s\) reused/, 'the baseline setting is the plain audit');
  const report = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(report).errors, []);
  assert.deepEqual(report.sweep?.map((s) => s.setting), [{ mixup: 0 }, { mixup: 1 }]);
  const [base, mixed] = report.sweep!;
  assert.equal(base!.runId, alone.runId);
  assert.deepEqual([base!.G, base!.M], [alone.scores.G, alone.scores.M]);
  assert.deepEqual(report.runs.map((x) => x.final), alone.runs.map((x) => x.final));
  assert.notEqual(mixed!.runId, base!.runId);

  const other = JSON.parse(fs.readFileSync(path.join(work.dir, 'out', 'runs', mixed!.runId, 'report.json'), 'utf8')) as AuditReport;
  assert.deepEqual(validateReport(other).errors, []);
  assert.equal(other.config.mixup, 1);
  assert.deepEqual([mixed!.G, mixed!.M], [other.scores.G, other.scores.M]);
  // Mixup trains other parameters: the noisy run's dynamics differ from the baseline's.
  assert.notDeepEqual(other.runs[1]!.final, alone.runs[1]!.final);
});
