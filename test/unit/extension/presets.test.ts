/** Text of the preset picker, the progress notification and the end-of-audit message. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditCommandOptions, doneSummary, formatDuration, presetItem, progressMessage } from '../../../extension/src/presets';
import type { AuditPlanResult } from '../../../server/src/protocol';

test('durations read like people say them', () => {
  assert.equal(formatDuration(0.2), '1 s');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(170), '3 min');
  assert.equal(formatDuration(3600), '1 h');
  assert.equal(formatDuration(4800), '1 h 20 min');
  assert.equal(formatDuration(Number.NaN), 'unknown');
});

test('a preset entry shows the grid size, the model, the device and the estimate with its basis', () => {
  const plan: AuditPlanResult = {
    runs: 5,
    epochs: 20,
    model: 'bag',
    modelPreset: 'small',
    device: 'cpu',
    maxTrainSamples: 20_000,
    estimatedSeconds: 150,
    estimateBasis: 'measured on the last audit of this folder (9000 training methods)',
  };
  const item = presetItem('quick', plan);
  assert.equal(item.label, 'quick');
  assert.equal(item.description, '5 runs × 20 epochs, bag (small), ≤ 20,000 methods, cpu');
  assert.equal(item.detail, '≈ 3 min of training: measured on the last audit of this folder (9000 training methods)');
  const unknown = presetItem('thorough', { ...plan, runs: 1, epochs: 1, maxTrainSamples: 0, estimatedSeconds: null, estimateBasis: 'no earlier audit', configFile: '/w/memaudit.config.json' });
  assert.equal(unknown.description, '1 run × 1 epoch, bag (small), cpu');
  assert.equal(unknown.detail, 'time unknown: no earlier audit; settings from /w/memaudit.config.json');
  // Several models: the plan counts every model's runs and names the first; the entry names them all.
  assert.equal(presetItem('quick', { ...plan, runs: 10 }, ['bag', 'code2vec']).description, '10 runs × 20 epochs, bag + code2vec side by side, ≤ 20,000 methods, cpu');
  assert.equal(presetItem('quick', plan, ['bag']).description, item.description);
});

test('progress: run k/n, epoch, speed, time left, device while training; the stage message otherwise', () => {
  assert.equal(
    progressMessage({ auditId: 'a', stage: 'train', fraction: 0.5, message: 'x', run: 2, runs: 5, runId: 'y-shuffle-25-s0', epoch: 3, epochs: 20, samplesPerSec: 12345.6, etaSec: 95, device: 'cpu' }),
    'run 2/5 (y-shuffle-25-s0) · epoch 3/20 · 12,346 samples/s · 2 min left · cpu',
  );
  // After its epochs the run's model is attacked: methods attacked of all instead of the epoch.
  assert.equal(
    progressMessage({ auditId: 'a', stage: 'train', fraction: 0.5, message: 'x', run: 2, runs: 5, runId: 'clean-s0', epoch: 20, epochs: 20, samplesPerSec: 0, phase: 'attack', attack: { done: 40, total: 320 }, device: 'cpu' }),
    'run 2/5 (clean-s0) · attack 40/320 · cpu',
  );
  assert.equal(progressMessage({ auditId: 'a', stage: 'extract', fraction: 0.01, message: 'extracting: 10 files, 50 methods' }), 'extracting: 10 files, 50 methods');
  // A sweep or several models: the part first, its runs counted within it.
  assert.equal(
    progressMessage({ auditId: 'a', stage: 'train', fraction: 0.7, part: 'setting 2/2 weightDecay 0.001', message: 'x', run: 1, runs: 2, runId: 'clean-s0', epoch: 3, epochs: 10 }),
    'setting 2/2 weightDecay 0.001 · run 1/2 (clean-s0) · epoch 3/10',
  );
});

test('the end message: scores, findings and gates; a failed gate warns; cancel and failure say what happened', () => {
  const finished = doneSummary({
    auditId: 'a',
    outcome: 'finished',
    durationMs: 65_000,
    scores: { G: 0.931, M: 0.5, gap: 0.03, sensitivity: null, mia_auc: null, mia_advantage: null, train_f1: null, test_f1: null, detection_auroc: null },
    gates: [{ gate: 'M < 0.01', metric: 'M', op: '<', value: 0.01, actual: 0.5, passed: false, message: '' }],
    findings: 12,
  });
  assert.equal(finished.level, 'warning');
  assert.equal(finished.text, 'Memaudit: audit finished in 1 min: G 0.93 · M 0.50 · gap 0.03 · 12 likely memorized methods · gate failed: M < 0.01');
  assert.equal(doneSummary({ auditId: 'a', outcome: 'finished', durationMs: 1000, gates: [] }).level, 'info');
  // With the cross-fitted memorization score, the two categories are counted apart.
  assert.equal(
    doneSummary({ auditId: 'a', outcome: 'finished', durationMs: 2000, gates: [], findings: 5, memorized: 4, notLearned: 1 }).text,
    'Memaudit: audit finished in 2 s: no scores · 4 likely memorized methods, 1 not learned',
  );
  assert.match(doneSummary({ auditId: 'a', outcome: 'cancelled', durationMs: 1 }).text, /cancelled.*resume/);
  const failed = doneSummary({ auditId: 'a', outcome: 'failed', durationMs: 1, error: { code: 'E_EMPTY_CORPUS', message: 'The corpus is too small' } });
  assert.deepEqual(failed, { level: 'error', text: 'Memaudit: the audit failed: The corpus is too small' });
});

test('memaudit.audit options: a preset skips the picker; the explorer’s selection is no options; a bad preset is an error', () => {
  assert.deepEqual(auditCommandOptions({ preset: 'quick' }), { preset: 'quick' });
  assert.deepEqual(auditCommandOptions({ preset: 'thorough', other: 1 }), { preset: 'thorough' });
  assert.equal(auditCommandOptions(undefined), undefined);
  assert.equal(auditCommandOptions(null), undefined);
  assert.equal(auditCommandOptions([{ preset: 'quick' }]), undefined, 'the explorer passes the selected resources as an array');
  assert.equal(auditCommandOptions({ fsPath: '/x' }), undefined);
  assert.equal(auditCommandOptions('quick'), undefined);
  assert.throws(() => auditCommandOptions({ preset: 'huge' }), /preset must be one of quick, standard, thorough, got "huge"/);
  assert.throws(() => auditCommandOptions({ preset: 3 }), /preset must be one of/);
});

test('a score on too little data is named with its reason in the summary, once for the scores that share it', () => {
  const reason = 'not enough test methods: 28 (at least 50 needed)';
  const d = doneSummary({
    auditId: 'a',
    outcome: 'finished',
    durationMs: 5000,
    scores: { G: 0.9, M: 0.41, gap: 0.05, sensitivity: null, mia_auc: null, mia_advantage: null, train_f1: null, test_f1: null, detection_auroc: null },
    scoreStatus: { G: { ok: false, reason }, M: { ok: true }, gap: { ok: false, reason }, sensitivity: { ok: true }, mia_auc: { ok: true }, mia_advantage: { ok: true }, train_f1: { ok: true }, test_f1: { ok: true }, detection_auroc: { ok: true } },
    gates: [],
  });
  assert.equal(d.text, `Memaudit: audit finished in 5 s: M 0.41 · G, gap: ${reason}`);
  assert.doesNotMatch(d.text, /G 0\.90/);
});
