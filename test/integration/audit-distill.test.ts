/**
 * Distillation end to end on a generated corpus: `--sweep distill=0,0.7` (runs side by side with
 * `--jobs 2`, each noisy run after its teacher): the baseline is the plain audit, the distillation
 * setting's clean run (the teacher, trained as today) gives the baseline's test F1, it keeps its
 * weights as `teacher.bin`, a finished clean run without them is trained again, and `--shard`
 * and bad weights are usage errors.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCorpus, writeCorpus } from '../../server/src/synth';
import { validateReport } from '../../server/src/report';
import type { AuditReport } from '../../server/src/protocol/report';
import { cli, tempDir } from '../helpers/cli';

const work = tempDir('memaudit-distill-');
before(async () => {
  await writeCorpus(path.join(work.dir, 'corpus'), generateCorpus({ seed: 0, methods: 300 }));
  // Adversarial attacks off: the test is about distillation, kept quick.
  fs.writeFileSync(path.join(work.dir, 'memaudit.config.json'), JSON.stringify({ adversarial: false }));
  fs.writeFileSync(path.join(work.dir, 'distill.json'), JSON.stringify({ adversarial: false, distill: 0.5 }));
});

const BASE = ['audit', 'corpus', '--noise', 'y-shuffle:0,100', '--epochs', '3', '--mem-folds', '0', '--device', 'cpu', '--out', 'out'];
const JSON_OUT = ['--format', 'json'];
const runFile = (auditId: string, run: string, name: string) => path.join(work.dir, 'out', 'runs', auditId, run, name);

test('--sweep distill=0,0.7: the baseline is the plain audit; the teacher (clean run) is trained as today and kept; the noisy run learns from it', async () => {
  const plain = await cli([...BASE, ...JSON_OUT], { cwd: work.dir });
  assert.equal(plain.code, 0, plain.stderr);
  const alone = JSON.parse(plain.stdout) as AuditReport;

  const r = await cli([...BASE, ...JSON_OUT, '--sweep', 'distill=0,0.7', '--jobs', '2'], { cwd: work.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(2 run\(s\) reused/, 'the baseline setting is the plain audit');
  const report = JSON.parse(r.stdout) as AuditReport;
  assert.deepEqual(validateReport(report).errors, []);
  assert.deepEqual(report.sweep?.map((s) => s.setting), [{ distill: 0 }, { distill: 0.7 }]);
  const [base, on] = report.sweep!;
  assert.equal(base!.runId, alone.runId);
  assert.deepEqual([base!.G, base!.M], [alone.scores.G, alone.scores.M]);
  assert.equal(report.config.distill, undefined);
  // G comes from the clean run, which distillation leaves alone: the same test F1, bit for bit.
  assert.equal(on!.levels[0]!.testF1, base!.levels[0]!.testF1);
  assert.equal(on!.G, base!.G);
  assert.equal(typeof on!.levels[1]!.noiseFit, 'number');
  const other = JSON.parse(fs.readFileSync(path.join(work.dir, 'out', 'runs', on!.runId, 'report.json'), 'utf8')) as AuditReport;
  assert.equal(other.config.distill, 0.7);
  assert.ok(fs.existsSync(runFile(on!.runId, 'clean-s0', 'teacher.bin')));
  assert.equal(fs.existsSync(runFile(base!.runId, 'clean-s0', 'teacher.bin')), false, 'no teacher without distillation');
  assert.equal(fs.existsSync(runFile(on!.runId, 'y-shuffle-100-s0', 'teacher.bin')), false);

  // A finished clean run without its weights (an older memaudit, a deleted file) is trained again, to the same numbers.
  fs.rmSync(runFile(on!.runId, 'clean-s0', 'teacher.bin'));
  const again = await cli([...BASE, ...JSON_OUT, '--sweep', 'distill=0,0.7'], { cwd: work.dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /its teacher weights teacher\.bin are missing\); training clean-s0 again/);
  assert.ok(fs.existsSync(runFile(on!.runId, 'clean-s0', 'teacher.bin')));
  assert.deepEqual((JSON.parse(again.stdout) as AuditReport).sweep, report.sweep);
});

test('distillation errors exit with 2 and name the flag: a weight above 1, with --shard', async () => {
  const bad = await cli([...BASE, '--sweep', 'distill=0,2'], { cwd: work.dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--sweep\.distill: distill must be a weight from 0 \(off\) to 1/);
  const shard = await cli([...BASE, '--config', 'distill.json', '--shard', '0/2'], { cwd: work.dir });
  assert.equal(shard.code, 2, shard.stderr);
  assert.match(shard.stderr, /--shard with distillation is not supported/);
});
