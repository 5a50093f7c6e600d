/**
 * VS Code settings → the engine's config input, and the manifest's configuration mirroring the
 * engine's one config schema (same field names, enums and defaults).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MODEL_NAMES, MODEL_PRESETS } from '../../../models/names';
import { AUDIT_PRESETS, DEFAULT_AUDIT_CONFIG, DEVICE_CHOICES, NOISE_KINDS, PRESET_NAMES, resolveAuditConfig } from '../../../server/src/audit/config';
import { CONFIG_FIELDS, configuredModels, findingsCategories, findingsEnabled, nodePath, outDir, settingsToConfigInput, useConfigFile, type SettingReader } from '../../../extension/src/config';

const ROOT = path.resolve(__dirname, '../../../..');
interface Prop {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  scope?: string;
  items?: unknown;
  pattern?: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Prop> } };
};
const props = manifest.contributes.configuration.properties;

const reader = (values: Record<string, unknown>): SettingReader => (key) => values[key];

test('settings left unset give an empty layer (the config file and the preset decide)', () => {
  assert.deepEqual(settingsToConfigInput(reader({})), {});
});

test('settings the user set pass through under their config names; null and empty mean unset', () => {
  const input = settingsToConfigInput(
    reader({ epochs: 3, model: 'code2vec', noise: ['y-shuffle:0,50'], gates: ['gap<=0.3'], device: 'cpu', maxTrainSamples: null, inputs: [], language: '', outDir: 'out' }),
  );
  assert.deepEqual(input, { epochs: 3, model: 'code2vec', noise: ['y-shuffle:0,50'], gates: ['gap<=0.3'], device: 'cpu', outDir: 'out' });
});

test("the command's choices (preset, scope inputs) override the settings", () => {
  const input = settingsToConfigInput(reader({ preset: 'quick', inputs: ['src'] }), { preset: 'thorough', inputs: ['data/methods.jsonl'] });
  assert.equal(input.preset, 'thorough');
  assert.deepEqual(input.inputs, ['data/methods.jsonl']);
});

test('the task (labels): the setting passes through, the picker\'s choice overrides it, the manifest pattern is the engine\'s rule', () => {
  assert.equal(settingsToConfigInput(reader({ labels: 'top:10' })).labels, 'top:10');
  assert.equal(settingsToConfigInput(reader({ labels: 'top:10' }), { labels: 'full' }).labels, 'full');
  assert.equal(resolveAuditConfig(settingsToConfigInput(reader({}), { labels: 'top:20' })).labels, 'top:20');
  const pattern = new RegExp(props['memaudit.labels']!.pattern!);
  for (const ok of ['full', 'top:1', 'top:10', 'top:100000']) assert.match(ok, pattern);
  for (const bad of ['top:0', 'top:x', 'top10', 'top:01', '']) assert.doesNotMatch(bad, pattern);
});

test('several models: memaudit.models (over memaudit.model) and the picker\'s choice (over both) give config field model, resolved side by side', () => {
  assert.equal(settingsToConfigInput(reader({ model: 'code2vec' })).model, 'code2vec', 'a single memaudit.model still works');
  assert.deepEqual(settingsToConfigInput(reader({ model: 'code2vec', models: ['bag', 'transformer'] })).model, ['bag', 'transformer']);
  assert.equal(settingsToConfigInput(reader({ models: ['transformer'] })).model, 'transformer', 'one name stays a string: the single-model audit');
  assert.equal(settingsToConfigInput(reader({ model: 'code2vec', models: [] })).model, 'code2vec', 'an empty list leaves memaudit.model to decide');
  assert.deepEqual(settingsToConfigInput(reader({})), {}, 'unset: the config file and the preset decide');
  assert.deepEqual(settingsToConfigInput(reader({ models: ['bag'] }), { models: ['bag', 'code2vec'] }).model, ['bag', 'code2vec'], 'the picker wins');
  assert.equal(settingsToConfigInput(reader({ model: 'bag' }), { models: [] }).model, 'bag', 'nothing picked: the settings decide');
  const c = resolveAuditConfig(settingsToConfigInput(reader({ models: ['bag', 'code2vec'] }), { preset: 'quick' }));
  assert.deepEqual(c.models, ['bag', 'code2vec']);
  assert.equal(c.model, 'bag');
  const single = resolveAuditConfig(settingsToConfigInput(reader({ models: ['code2vec'] }), { preset: 'quick' }));
  assert.deepEqual(single, resolveAuditConfig(settingsToConfigInput(reader({ model: 'code2vec' }), { preset: 'quick' })), 'one model in either setting is the same audit');
  assert.equal(single.models, undefined);
});

test('the models in force for the picker: memaudit.models, else memaudit.model (a name, a comma list or a list), else none', () => {
  assert.equal(configuredModels(reader({})), undefined);
  assert.equal(configuredModels(reader({ model: null, models: [] })), undefined);
  assert.deepEqual(configuredModels(reader({ model: 'code2vec' })), ['code2vec']);
  assert.deepEqual(configuredModels(reader({ model: 'bag, code2vec' })), ['bag', 'code2vec']);
  assert.deepEqual(configuredModels(reader({ model: ['transformer', 'bag'] })), ['transformer', 'bag']);
  assert.deepEqual(configuredModels(reader({ model: 'bag', models: ['code2vec', 'transformer'] })), ['code2vec', 'transformer']);
});

test('the layer resolves with the engine: explicit settings beat the preset, the preset fills the rest', () => {
  const c = resolveAuditConfig({ batchSize: 128 }, settingsToConfigInput(reader({ epochs: 3 }), { preset: 'thorough' }));
  assert.equal(c.epochs, 3);
  assert.equal(c.model, AUDIT_PRESETS.thorough.model);
  assert.equal(c.batchSize, 128, 'a setting left at its default does not override the config file');
  assert.deepEqual(c.seeds, AUDIT_PRESETS.thorough.seeds);
});

test('extension settings: config file, findings, node path, output folder', () => {
  assert.equal(useConfigFile(reader({})), true);
  assert.equal(useConfigFile(reader({ useConfigFile: false })), false);
  assert.equal(findingsEnabled(reader({})), true);
  assert.equal(findingsEnabled(reader({ 'findings.enabled': false })), false);
  assert.deepEqual([...findingsCategories(reader({}))], ['memorized', 'not-learned']);
  assert.deepEqual([...findingsCategories(reader({ 'findings.categories': ['not-learned', 'bogus'] }))], ['not-learned']);
  assert.deepEqual([...findingsCategories(reader({ 'findings.categories': 'memorized' }))], ['memorized', 'not-learned'], 'a malformed value shows both');
  assert.deepEqual(props['memaudit.findings.categories']?.default, ['memorized', 'not-learned']);
  assert.equal(nodePath(reader({})), undefined);
  assert.equal(nodePath(reader({ nodePath: '  ' })), undefined);
  assert.equal(nodePath(reader({ nodePath: ' /usr/bin/node ' })), '/usr/bin/node');
  assert.equal(outDir(reader({ outDir: '' })), undefined);
  assert.equal(outDir(reader({ outDir: 'build/memaudit' })), 'build/memaudit');
});

test('every engine config field has a setting of the same name with a description, and nothing else is an engine field', () => {
  const engineFields = [...Object.keys(DEFAULT_AUDIT_CONFIG), 'language', 'preset'].sort();
  assert.deepEqual([...CONFIG_FIELDS].sort(), engineFields);
  for (const field of CONFIG_FIELDS) {
    const p = props[`memaudit.${field}`];
    assert.ok(p, `memaudit.${field} is contributed`);
    assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `memaudit.${field} has a description`);
  }
});

test('manifest enums are the engine choices', () => {
  const values = (key: string) => (props[key]!.enum ?? []).filter((v) => v !== null);
  assert.deepEqual(values('memaudit.model'), [...MODEL_NAMES]);
  assert.deepEqual((props['memaudit.models']!.items as { enum: string[] }).enum, [...MODEL_NAMES]);
  assert.deepEqual(props['memaudit.models']!.default, []);
  assert.deepEqual(values('memaudit.device'), [...DEVICE_CHOICES]);
  assert.deepEqual(values('memaudit.preset'), [...PRESET_NAMES]);
  assert.deepEqual(values('memaudit.modelPreset'), [...new Set(Object.values(MODEL_PRESETS).flat())]);
  assert.deepEqual(values('memaudit.language'), ['java', 'python', 'ruby']);
  const noiseItems = props['memaudit.noise']!.items as { anyOf: [{ pattern: string }, { properties: { kind: { enum: string[] } } }] };
  assert.deepEqual(noiseItems.anyOf[1].properties.kind.enum, [...NOISE_KINDS]);
  for (const kind of NOISE_KINDS) assert.match(`${kind}:0,25`, new RegExp(noiseItems.anyOf[0].pattern));
});

test('manifest defaults are the engine defaults; preset-controlled settings default to null (the preset decides)', () => {
  const presetControlled = new Set(Object.keys(AUDIT_PRESETS.quick));
  for (const field of Object.keys(DEFAULT_AUDIT_CONFIG) as (keyof typeof DEFAULT_AUDIT_CONFIG)[]) {
    const p = props[`memaudit.${field}`]!;
    if (presetControlled.has(field)) assert.equal(p.default, null, `memaudit.${field} defaults to the preset`);
    else if (field === 'inputs') assert.deepEqual(p.default, []);
    else assert.deepEqual(p.default, DEFAULT_AUDIT_CONFIG[field], `memaudit.${field} default`);
  }
  assert.equal(props['memaudit.preset']!.default, 'quick');
  assert.equal(props['memaudit.nodePath']!.scope, 'machine', 'a workspace cannot choose the executable the engine runs with');
  assert.equal(props['memaudit.findings.enabled']!.default, true);
});
