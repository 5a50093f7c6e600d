/**
 * `model` as a list (several models side by side, audit/models.ts): a comma-separated string or a
 * list, each model with its own preset; one model keeps the config exactly as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planSize, readConfigFile, resolveAuditConfig } from '../../../server/src/audit/config';
import { modelConfigs } from '../../../server/src/audit/models';

function configError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => (e as { code?: string }).code === 'E_CONFIG' && message.test((e as Error).message));
}

test('one model: no models field, the same config as before', () => {
  for (const model of ['code2vec', 'code2vec ', ['code2vec']]) {
    const c = resolveAuditConfig({ model });
    assert.equal(c.model, 'code2vec');
    assert.equal('models' in c, false);
    assert.equal('modelPresets' in c, false);
    assert.deepEqual(modelConfigs(c), [c]);
  }
});

test('several models: a comma list or a list, in order; the first is model; presets per model', () => {
  const c = resolveAuditConfig({ model: 'bag, code2vec,transformer' });
  assert.equal(c.model, 'bag');
  assert.deepEqual(c.models, ['bag', 'code2vec', 'transformer']);
  // quick's (the default's) `names` preset is bag's alone: the others fall back to small.
  assert.deepEqual(c.modelPresets, ['names', 'small', 'small']);
  assert.equal(c.modelPreset, 'names');
  assert.deepEqual(resolveAuditConfig({ model: ['code2vec', 'bag'] }).models, ['code2vec', 'bag']);
  assert.deepEqual(resolveAuditConfig({ model: 'bag,code2vec', modelPreset: 'tiny' }).modelPresets, ['tiny', 'tiny']);
  configError(() => resolveAuditConfig({ model: 'bag,code2vec', modelPreset: 'names' }), /^modelPreset: must be one of tiny, small, reference/);
  assert.equal(planSize(c), 3 * planSize(resolveAuditConfig({})));
});

test('each model config is what --model m alone resolves to', () => {
  const layers = { model: 'bag,code2vec', epochs: 3, noise: ['y-shuffle:0,50'] };
  const each = modelConfigs(resolveAuditConfig(layers));
  assert.deepEqual(each, [resolveAuditConfig({ ...layers, model: 'bag' }), resolveAuditConfig({ ...layers, model: 'code2vec' })]);
});

test('unknown models, duplicates and empty lists are refused, naming the field', () => {
  configError(() => resolveAuditConfig({ model: 'bag,gpt' }), /^model: must be one of bag, code2vec, transformer \(got "gpt"\)/);
  configError(() => resolveAuditConfig({ model: 'bag,code2vec,bag' }), /^model: names bag twice/);
  configError(() => resolveAuditConfig({ model: 'bag,' }), /^model: must be one of/);
  configError(() => resolveAuditConfig({ model: [] }), /^model: must be one of bag, code2vec, transformer, or a list/);
  configError(() => resolveAuditConfig({ model: 3 as unknown as string }), /^model: /);
});

test('a config file may list models as YAML or JSON lists', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-models-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'model: [bag, code2vec]\n');
    fs.writeFileSync(path.join(dir, 'b.json'), '{ "model": "code2vec,transformer" }');
    assert.deepEqual(resolveAuditConfig(readConfigFile(path.join(dir, 'a.yaml'))).models, ['bag', 'code2vec']);
    assert.deepEqual(resolveAuditConfig(readConfigFile(path.join(dir, 'b.json'))).models, ['code2vec', 'transformer']);
    assert.equal(resolveAuditConfig(readConfigFile(path.join(dir, 'a.yaml')), { model: 'transformer' }).models, undefined, 'a flag replaces the list');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
