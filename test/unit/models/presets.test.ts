/** The preset names a config is checked against (models/names.ts) are the registry's presets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODEL_NAMES, MODEL_PRESETS } from '../../../models/names';
import { MODELS } from '../../../models/registry';
import { AUDIT_PRESETS, resolveAuditConfig } from '../../../server/src/audit/config';

test('MODEL_PRESETS lists each model definition\'s presets, in order', () => {
  for (const name of MODEL_NAMES) assert.deepEqual(MODEL_PRESETS[name], Object.keys(MODELS[name].presets));
});

test('every audit preset names a preset its model has', () => {
  for (const p of Object.values(AUDIT_PRESETS)) assert.ok(MODEL_PRESETS[p.model!].includes(p.modelPreset!), `${p.model} ${p.modelPreset}`);
});

test('a config naming a preset another model lacks is refused with the valid ones', () => {
  assert.equal(resolveAuditConfig({ model: 'bag', modelPreset: 'names' }).modelPreset, 'names');
  assert.throws(() => resolveAuditConfig({ model: 'code2vec', modelPreset: 'names' }), /modelPreset: must be one of tiny, small, reference/);
});
