/**
 * The `mixup` setting (train/mixup.ts) in the audit config, the sweep and the run's fingerprint:
 * absent or 0 leaves every config, key and model option as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSweepFlags, resolveAuditConfig } from '../../../server/src/audit/config';
import type { PlannedRun } from '../../../server/src/audit/plan';
import { baseTrainConfig, modelSettings, type AuditInputs } from '../../../server/src/audit/run-one';
import { settingConfig, sweepSettings } from '../../../server/src/audit/sweep';

function engineError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === 'E_CONFIG' && message.test((e as Error).message));
}

test('mixup: absent or 0 is off and leaves the config as it was; α > 0 is kept; bad values name the field', () => {
  assert.deepEqual(resolveAuditConfig({ mixup: 0 }), resolveAuditConfig());
  assert.equal('mixup' in resolveAuditConfig(), false);
  assert.equal(resolveAuditConfig({ mixup: 0.2 }).mixup, 0.2);
  for (const bad of [-1, 101, Number.NaN, '1' as unknown as number]) {
    engineError(() => resolveAuditConfig({ mixup: bad }), /^mixup: mixup must be a number from 0 \(off\) to 100, the α of Beta\(α, α\)/);
  }
});

test('--sweep mixup=0,0.2,1: an axis for any model; the setting at 0 is the plain audit, others carry mixup', () => {
  assert.deepEqual(parseSweepFlags(['mixup=0,0.2,1']), { mixup: [0, 0.2, 1] });
  engineError(() => parseSweepFlags(['mixup=0,-1']), /^--sweep\.mixup: mixup must be a number from 0 \(off\)/);
  for (const model of ['bag', 'code2vec', 'transformer']) {
    const c = resolveAuditConfig({ model, sweep: { mixup: [0, 0.2, 1] } });
    const plain = resolveAuditConfig({ model });
    assert.deepEqual(sweepSettings(c.sweep!), [{ mixup: 0 }, { mixup: 0.2 }, { mixup: 1 }]);
    assert.deepEqual(settingConfig(c, { mixup: 0 }), plain);
    assert.deepEqual(settingConfig(c, { mixup: 1 }), { ...plain, mixup: 1 });
  }
  // A config-file mixup is the default of settings that do not set it, and a setting overrides it.
  const withFile = resolveAuditConfig({ mixup: 0.5, sweep: { weightDecay: [0, 0.001] } });
  assert.equal(settingConfig(withFile, { weightDecay: 0 }).mixup, 0.5);
  assert.equal('mixup' in settingConfig(withFile, { mixup: 0 }), false);
});

test('the run fingerprint (modelKey) and the model options gain mixup only when it is set', () => {
  const run: PlannedRun = { id: 'clean-s0', kind: 'none', level: 0, seed: 0 };
  const inputs = (config: ReturnType<typeof resolveAuditConfig>) => ({ config, folder: { runFile: () => 'checkpoint' } }) as unknown as AuditInputs;
  const plain = resolveAuditConfig();
  const mixed = resolveAuditConfig({ mixup: 1 });
  assert.doesNotMatch(baseTrainConfig(inputs(plain), run).modelKey!, /mixup/);
  assert.deepEqual(JSON.parse(baseTrainConfig(inputs(mixed), run).modelKey!), { ...JSON.parse(baseTrainConfig(inputs(plain), run).modelKey!), mixup: 1 });
  assert.deepEqual(modelSettings(plain), { optimizer: { kind: 'adam' } });
  assert.deepEqual(modelSettings(mixed), { optimizer: { kind: 'adam' }, mixup: 1 });
});
