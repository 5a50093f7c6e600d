/**
 * The regularization settings of the mitigation explorer: dropout on every built-in model, and
 * early stopping (`earlyStopping`, `--sweep earlyStopping=…`), each written only when it changes
 * something, so that an audit without them keeps its config and keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DROPOUT_OFF_MODELS, parseSweepFlags, resolveAuditConfig } from '../../../server/src/audit/config';
import { MODEL_NAMES, MODELS } from '../../../models/registry';
import type { ModelDefinition } from '../../../models/common';
import { settingConfig, sweepSettings } from '../../../server/src/audit/sweep';
import { isEngineError } from '../../../server/src/errors';

const configError = (field: string, message: RegExp) => (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG' && e.details?.['field'] === field && message.test(e.message);

test('dropout is accepted for bag and the transformer, as a setting and as a sweep axis', () => {
  assert.deepEqual(resolveAuditConfig({ model: 'bag', hyper: { dropout: 0.5 } }).hyper, { dropout: 0.5 });
  assert.deepEqual(resolveAuditConfig({ model: 'transformer', hyper: { dropout: 0.25 } }).hyper, { dropout: 0.25 });
  const c = resolveAuditConfig({ sweep: parseSweepFlags(['dropout=0,0.5']) });
  assert.equal(c.model, 'bag');
  assert.deepEqual(sweepSettings(c.sweep!).map((s) => settingConfig(c, s).hyper), [undefined, { dropout: 0.5 }]);
});

test('dropout 0 is written as absent for the models without dropout in their presets (the baseline is the plain audit), kept for code2vec', () => {
  assert.deepEqual(resolveAuditConfig({ hyper: { dropout: 0 } }), resolveAuditConfig());
  assert.deepEqual(resolveAuditConfig({ model: 'transformer', hyper: { dropout: 0 } }), resolveAuditConfig({ model: 'transformer' }));
  const c = resolveAuditConfig({ sweep: { dropout: [0, 0.5] } });
  assert.deepEqual(settingConfig(c, { dropout: 0 }), resolveAuditConfig());
  assert.deepEqual(resolveAuditConfig({ model: 'code2vec', hyper: { dropout: 0 } }).hyper, { dropout: 0 });
  const c2v = resolveAuditConfig({ model: 'code2vec', sweep: { dropout: [0, 0.5] } });
  assert.deepEqual(settingConfig(c2v, { dropout: 0 }).hyper, { dropout: 0 });
});

test('DROPOUT_OFF_MODELS: exactly the models with an optional dropout whose "off" is 0 and no preset dropout', () => {
  const off = MODEL_NAMES.filter((m) => {
    const def = MODELS[m] as ModelDefinition<object>;
    return def.optionalHyper?.['dropout'] === 0 && Object.values(def.presets).every((h) => !('dropout' in h));
  });
  assert.deepEqual([...DROPOUT_OFF_MODELS], off);
});

test('earlyStopping: a patience ≥ 1 is kept; 0 or absent leaves the config as it was; others are refused naming the field', () => {
  assert.equal(resolveAuditConfig({ earlyStopping: 3 }).earlyStopping, 3);
  assert.deepEqual(resolveAuditConfig({ earlyStopping: 0 }), resolveAuditConfig());
  assert.equal('earlyStopping' in resolveAuditConfig(), false);
  for (const bad of [-1, 1.5, '2', 10_001]) {
    assert.throws(() => resolveAuditConfig({ earlyStopping: bad as number }), configError('earlyStopping', /earlyStopping must be an integer from 0 \(off\) to 10000/));
  }
});

test('--sweep earlyStopping=0,2: the baseline is the plain audit, the other setting carries the patience', () => {
  assert.deepEqual(parseSweepFlags(['earlyStopping=0,2']), { earlyStopping: [0, 2] });
  const c = resolveAuditConfig({ sweep: parseSweepFlags(['earlyStopping=0,2', 'weightDecay=0,0.001']) });
  assert.deepEqual(c.sweep, [
    { name: 'earlyStopping', values: [0, 2] },
    { name: 'weightDecay', values: [0, 0.001] },
  ]);
  const plain = resolveAuditConfig();
  assert.deepEqual(settingConfig(c, { earlyStopping: 0, weightDecay: 0 }), plain);
  assert.deepEqual(settingConfig(c, { earlyStopping: 2, weightDecay: 0.001 }), { ...plain, earlyStopping: 2, weightDecay: 0.001 });
  // A configured patience is every setting's unless the axis sets it.
  const set = resolveAuditConfig({ earlyStopping: 4, sweep: { weightDecay: [0, 0.001] } });
  assert.equal(settingConfig(set, { weightDecay: 0 }).earlyStopping, 4);
  assert.throws(() => parseSweepFlags(['earlyStopping=0,1.5']), configError('--sweep.earlyStopping', /must be an integer/));
});
