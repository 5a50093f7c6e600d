import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_AUDIT_CONFIG, findConfigFile, parseNoiseSpec, planSize, readConfigFile, resolveAuditConfig } from '../../../server/src/audit/config';
import { evaluateGates, parseGate } from '../../../server/src/audit/gates';

function configError(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as { code?: string; message?: string };
    return err.code === 'E_CONFIG' && field.test(err.message ?? '');
  });
}

test('defaults: label shuffling at 0/25/50/75/100 with the bag model, five runs and two memorization folds', () => {
  const c = resolveAuditConfig();
  assert.deepEqual(c.noise, [{ kind: 'y-shuffle', levels: [0, 25, 50, 75, 100] }]);
  assert.equal(c.model, 'bag');
  assert.equal(c.memFolds, 2);
  assert.equal(planSize(c), 7);
  assert.equal(planSize(resolveAuditConfig({}, { memFolds: 0 })), 5);
  for (const preset of ['quick', 'standard', 'thorough']) assert.equal(resolveAuditConfig({ preset }).memFolds, 2);
  assert.equal(resolveAuditConfig({ memFolds: 3 }).memFolds, 3);
  configError(() => resolveAuditConfig({ memFolds: 1 }), /memFolds/);
  configError(() => resolveAuditConfig({ memFolds: -1 }), /memFolds/);
  assert.deepEqual(c.inputs, DEFAULT_AUDIT_CONFIG.inputs);
});

test('labels: full by default and in every preset; top:K from any layer, in its canonical spelling; top:0 and top:x refused', () => {
  assert.equal(resolveAuditConfig().labels, 'full');
  for (const preset of ['quick', 'standard', 'thorough']) assert.equal(resolveAuditConfig({ preset }).labels, 'full');
  assert.equal(resolveAuditConfig({ labels: 'top:10' }).labels, 'top:10');
  assert.equal(resolveAuditConfig({ labels: 'top:10' }, { labels: ' top:3 ' }).labels, 'top:3');
  for (const bad of ['top:0', 'top:x', 'top:', 'Top:10', 'all']) configError(() => resolveAuditConfig({ labels: bad }), /^labels: must be 'full' or 'top:K'/);
  configError(() => resolveAuditConfig({ labels: 10 as unknown as string }), /^labels: /);
});

test('layers: flags override the file, a preset fills what no layer sets', () => {
  const file = { epochs: 7, model: 'code2vec', preset: 'thorough' };
  const flags = { epochs: 3 };
  const c = resolveAuditConfig(file, flags);
  assert.equal(c.epochs, 3);
  assert.equal(c.model, 'code2vec');
  assert.deepEqual(c.seeds, [0, 1, 2], 'from the thorough preset');
  assert.ok(c.noise.length > 1);
});

test('noise specs: KIND:LEVELS in percent, sorted and deduplicated', () => {
  assert.deepEqual(parseNoiseSpec('y-random:50,25,25'), { kind: 'y-random', levels: [25, 50] });
  assert.deepEqual(parseNoiseSpec('x-leak-name').levels, [0, 25, 50, 75, 100]);
  configError(() => parseNoiseSpec('y-flip:10'), /must be one of y-shuffle/);
  configError(() => parseNoiseSpec('y-shuffle:150'), /percentages from 0 to 100/);
  configError(() => parseNoiseSpec('y shuffle'), /KIND:LEVELS/);
});

test('invalid values name their field and what is allowed', () => {
  configError(() => resolveAuditConfig({ epochs: 0 }), /^epochs: must be an integer from 1/);
  configError(() => resolveAuditConfig({ model: 'gpt' }), /^model: must be one of bag, code2vec, transformer/);
  configError(() => resolveAuditConfig({ device: 'tpu' }), /^device: must be one of auto, cpu, webgpu/);
  configError(() => resolveAuditConfig({ noise: [{ kind: 'y-shuffle', levels: [] }] }), /^noise\[0\]\.levels/);
  configError(() => resolveAuditConfig({ gates: ['gap =< 1'] }), /^gates\[0\]: cannot read the gate/);
  configError(() => resolveAuditConfig({ learningRate: -1 }), /^learningRate/);
  configError(() => resolveAuditConfig({ language: 'go' }), /^language: must be one of java, python, ruby/);
  configError(() => resolveAuditConfig({ preset: 'huge' }), /^preset: must be one of quick, standard, thorough/);
  configError(() => resolveAuditConfig({ epoch: 3 } as never), /^epoch: unknown setting/);
});

test('config files: JSON and YAML are read; a broken file names itself', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-config-'));
  try {
    assert.equal(findConfigFile(dir), undefined);
    fs.writeFileSync(path.join(dir, 'memaudit.config.yaml'), 'model: transformer\nepochs: 4\ngates:\n  - gap<=0.3\n');
    const found = findConfigFile(dir)!;
    assert.match(found, /memaudit\.config\.yaml$/);
    const c = resolveAuditConfig(readConfigFile(found));
    assert.equal(c.model, 'transformer');
    assert.equal(c.epochs, 4);
    assert.equal(c.gates[0]!.metric, 'gap');
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ "epochs": ');
    assert.throws(() => readConfigFile(bad), /bad\.json is not valid JSON/);
    fs.writeFileSync(bad, '[1, 2]');
    assert.throws(() => readConfigFile(bad), /must hold an object of settings/);
    assert.throws(() => readConfigFile(path.join(dir, 'missing.json')), /cannot read the config file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('gates: parse, evaluate, and fail when a score is missing', () => {
  const g = [parseGate('gap<=0.3'), parseGate(' M < 0.5 '), parseGate('G>=0.6'), parseGate('mia_auc==0.5')];
  assert.deepEqual(
    g.map((x) => x.text),
    ['gap <= 0.3', 'M < 0.5', 'G >= 0.6', 'mia_auc == 0.5'],
  );
  const r = evaluateGates(g, { gap: 0.3, M: 0.5, G: 0.61 });
  assert.deepEqual(
    r.map((x) => x.passed),
    [true, false, true, false],
  );
  assert.equal(r[3]!.actual, undefined);
  assert.match(r[3]!.message, /could not be computed/);
  assert.match(r[1]!.message, /M < 0.5: failed \(M = 0.5\)/);
  assert.throws(() => parseGate('accuracy>1'), /unknown metric 'accuracy'/);
  assert.deepEqual(evaluateGates([parseGate('gap<=1')], { gap: Number.NaN }).map((x) => x.passed), [false]);
});
