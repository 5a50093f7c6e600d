/**
 * Distillation as an audit setting (audit/config.ts `distill`, audit/sweep.ts, audit/teacher.ts):
 * the weight's range and its errors naming the flag or field, 0 = off with the config (and the
 * audit key) as without it, the sweep axis, which runs teach and learn, and `--shard` refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSweepFlags, resolveAuditConfig } from '../../../server/src/audit/config';
import { planRuns } from '../../../server/src/audit/plan';
import { runShard } from '../../../server/src/audit/run-audit';
import { settingConfig, sweepSettings } from '../../../server/src/audit/sweep';
import { isStudent, isTeacher, teacherIndex } from '../../../server/src/audit/teacher';

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
