/**
 * Distillation as an audit setting (audit/config.ts `distill`, audit/sweep.ts, audit/teacher.ts):
 * the weight's range and its errors naming the flag or field, 0 = off with the config (and the
 * audit key) as without it, the sweep axis, which runs teach and learn, `--shard` refused, and
 * the teacher's weights and soft labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { parseSweepFlags, resolveAuditConfig } from '../../../server/src/audit/config';
import { planRuns } from '../../../server/src/audit/plan';
import { runShard } from '../../../server/src/audit/run-audit';
import { settingConfig, sweepSettings } from '../../../server/src/audit/sweep';
import { keepTeacher, isStudent, isTeacher, teacherIndex, teacherMissing, teacherSoftTargets } from '../../../server/src/audit/teacher';
import { AuditFolder, RUN_FILES } from '../../../server/src/audit/runs-store';
import { createModel } from '../../../models/registry';
import { DISTILL_TEMPERATURE, DISTILL_TOP_K, softenTopK } from '../../../server/src/train/distill';
import { train } from '../../../server/src/train/trainer';
import { bagCorpus, tempDir } from '../train/trainer-helpers';

function configError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === 'E_CONFIG' && message.test((e as Error).message));
}

test('distill: a weight in (0, 1]; 0 or absent is off and leaves the config as it was', () => {
  assert.equal(resolveAuditConfig({ distill: 0.5 }).distill, 0.5);
  assert.equal(resolveAuditConfig({ distill: 1 }).distill, 1);
  assert.deepEqual(resolveAuditConfig({ distill: 0 }), resolveAuditConfig());
  assert.equal('distill' in resolveAuditConfig(), false);
  configError(() => resolveAuditConfig({ distill: 1.5 }), /^distill: distill must be a weight from 0 \(off\) to 1 \(got 1.5\)/);
  configError(() => resolveAuditConfig({ distill: -0.1 }), /^distill: /);
  configError(() => resolveAuditConfig({ distill: '0.5' as unknown as number }), /^distill: .*got "0.5"/);
});

test('--sweep distill=0,0.7: an axis; its errors name the flag; a setting maps onto distill (absent at 0)', () => {
  assert.deepEqual(parseSweepFlags(['distill=0,0.7']), { distill: [0, 0.7] });
  configError(() => parseSweepFlags(['distill=0,2']), /^--sweep\.distill: distill must be a weight from 0 \(off\) to 1/);
  const c = resolveAuditConfig({ sweep: { distill: [0, 0.7] } });
  assert.deepEqual(c.sweep, [{ name: 'distill', values: [0, 0.7] }]);
  const [off, on] = sweepSettings(c.sweep!).map((s) => settingConfig(c, s));
  const plain = resolveAuditConfig();
  assert.deepEqual(off, plain);
  assert.deepEqual(on, { ...plain, distill: 0.7 });
  // With weight decay in the same sweep, each keeps its own field.
  const both = resolveAuditConfig({ sweep: { distill: [0.5], weightDecay: [0.001] } });
  assert.deepEqual(settingConfig(both, sweepSettings(both.sweep!)[0]!), { ...plain, distill: 0.5, weightDecay: 0.001 });
});

test('teachers and students: the clean run of each seed teaches that seed\'s noisy runs; fold runs are neither; off without distill', () => {
  const c = resolveAuditConfig({ distill: 0.5, seeds: [0, 1], memFolds: 2, noise: [{ kind: 'y-shuffle', levels: [0, 50] }] });
  const plan = planRuns(c);
  assert.deepEqual(plan.map((r) => r.id), ['clean-s0', 'y-shuffle-50-s0', 'clean-s1', 'y-shuffle-50-s1', 'memfold-1of2-s0', 'memfold-2of2-s0']);
  assert.deepEqual(plan.map((r) => isTeacher(c, r)), [true, false, true, false, false, false]);
  assert.deepEqual(plan.map((r) => isStudent(c, r)), [false, true, false, true, false, false]);
  assert.deepEqual(plan.map((r) => teacherIndex(c, plan, r)), [undefined, 0, undefined, 2, undefined, undefined]);
  const off = resolveAuditConfig({ seeds: [0, 1], noise: [{ kind: 'y-shuffle', levels: [0, 50] }] });
  assert.ok(planRuns(off).every((r) => !isTeacher(off, r) && !isStudent(off, r)));
});

test('--shard with distillation is a usage error naming the flag (a shard may lack a noisy run\'s teacher)', async () => {
  const config = resolveAuditConfig({ distill: 0.5, inputs: ['nowhere'] });
  await assert.rejects(runShard({ config, cwd: '/nonexistent' }, { index: 0, count: 2 }), (e: unknown) => {
    const err = e as { code?: string; details?: { flag?: string }; message: string };
    return err.code === 'E_USAGE' && err.details?.flag === '--shard' && /distillation is not supported/.test(err.message);
  });
});

test('the teacher: a clean run\'s final checkpoint kept as teacher.bin gives, in a fresh model, the soft labels of the trained model\'s top k at T', async () => {
  const dir = tempDir();
  const folder = new AuditFolder('a', dir);
  const { source, data } = bagCorpus();
  const make = () => createModel('bag', { source, preset: 'tiny', batchSize: 32, seed: 7, device: 'cpu', threads: 1 });
  const run = { id: 'clean-s7', kind: 'none' as const, level: 0, seed: 7 };
  const student = { id: 'y-shuffle-50-s7', kind: 'y-shuffle' as const, level: 50, seed: 7 };
  fs.mkdirSync(folder.runDir(run.id), { recursive: true });
  const checkpoint = folder.runFile(run.id, RUN_FILES.checkpoint);
  const teacher = await make();
  try {
    await train(teacher, data, { epochs: 2, batchSize: 32, seed: 7, schedule: { kind: 'constant', lr: 0.05 }, checkpoint: { path: checkpoint } });
    await assert.rejects(teacherSoftTargets(folder, student, make, { indices: data.train, labels: data.trainLabels }, 32), /distills from clean-s7, whose weights .*teacher\.bin are missing/);
    keepTeacher(folder, run, checkpoint);
    assert.equal(fs.existsSync(checkpoint), false);
    assert.equal(teacherMissing({ distill: 0.5 }, folder, run), false);
    const soft = await teacherSoftTargets(folder, student, make, { indices: data.train, labels: data.trainLabels }, 32);
    // 4 classes: k = 4 (fewer than 8); rows in position order, batches of 32 put together.
    assert.equal(soft.k, 4);
    assert.equal(soft.ids.length, data.train.length * 4);
    const st = await teacher.evaluate(teacher.makeBatch(data.train, data.trainLabels), DISTILL_TOP_K);
    assert.deepEqual(soft.ids, st.topkIds);
    assert.deepEqual(soft.p, softenTopK(st.topkScores, 4, DISTILL_TEMPERATURE));
  } finally {
    await teacher.dispose();
  }
});
