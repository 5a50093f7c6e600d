import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DROPOUT_MODELS, parseSweepFlags, planSize, resolveAuditConfig } from '../../../server/src/audit/config';
import { bestEpochTestF1, settingConfig, sweepRecommendation, sweepSettings } from '../../../server/src/audit/sweep';
import { MODEL_NAMES, MODELS, hyperNames } from '../../../models/registry';
import type { EpochReport, SplitMetrics } from '../../../server/src/protocol/report';

function engineError(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as { code?: string; message?: string };
    return err.code === code && message.test(err.message ?? '');
  });
}

test('sweep settings: the Cartesian product, the first axis varying slowest; the first is the baseline', () => {
  const c = resolveAuditConfig({ model: 'code2vec', sweep: { dropout: [0, 0.5], weightDecay: [0, 1e-4, 1e-3] } });
  assert.deepEqual(c.sweep, [
    { name: 'dropout', values: [0, 0.5] },
    { name: 'weightDecay', values: [0, 1e-4, 1e-3] },
  ]);
  assert.deepEqual(sweepSettings(c.sweep!), [
    { dropout: 0, weightDecay: 0 },
    { dropout: 0, weightDecay: 1e-4 },
    { dropout: 0, weightDecay: 1e-3 },
    { dropout: 0.5, weightDecay: 0 },
    { dropout: 0.5, weightDecay: 1e-4 },
    { dropout: 0.5, weightDecay: 1e-3 },
  ]);
  assert.equal(planSize(c), planSize(resolveAuditConfig({ model: 'code2vec' })) * 6);
});

test('a setting is an ordinary config: weight decay 0 left out (the plain audit), dropout as a hyper override, no sweep', () => {
  const c = resolveAuditConfig({ model: 'code2vec', sweep: { weightDecay: [0, 0.001], dropout: [0.1] } });
  const plain = resolveAuditConfig({ model: 'code2vec' });
  assert.deepEqual(settingConfig(c, { weightDecay: 0 }), plain);
  assert.deepEqual(settingConfig(c, { weightDecay: 0.001, dropout: 0.1 }), { ...plain, weightDecay: 0.001, hyper: { dropout: 0.1 } });
  // Without a sweep, weightDecay 0 and no hyper leave the config (and the audit key) as it was.
  assert.deepEqual(resolveAuditConfig({ weightDecay: 0 }), resolveAuditConfig());
  assert.equal(resolveAuditConfig({ weightDecay: 0.01 }).weightDecay, 0.01);
});

test('--sweep flags: NAME=V1,V2 in the order given; unknown names, bad or empty values and a name twice are usage-level errors naming the flag', () => {
  assert.deepEqual(parseSweepFlags(['weightDecay=0, 1e-4', 'dropout=0.5']), { weightDecay: [0, 1e-4], dropout: [0.5] });
  engineError(() => parseSweepFlags(['lr=0.1']), 'E_CONFIG', /^--sweep: must be one of weightDecay, dropout/);
  engineError(() => parseSweepFlags(['weightDecay']), 'E_CONFIG', /^--sweep: cannot read 'weightDecay': write NAME=V1,V2/);
  engineError(() => parseSweepFlags(['weightDecay=0,,1']), 'E_CONFIG', /^--sweep: cannot read .*an empty value/);
  engineError(() => parseSweepFlags(['weightDecay=0,x']), 'E_CONFIG', /^--sweep: cannot read .*value 'x'/);
  engineError(() => parseSweepFlags(['dropout=1']), 'E_CONFIG', /^--sweep\.dropout: dropout must be a number from 0 to below 1/);
  engineError(() => parseSweepFlags(['weightDecay=-1']), 'E_CONFIG', /^--sweep\.weightDecay: weightDecay must be a number from 0 to 1/);
  engineError(() => parseSweepFlags(['dropout=0', 'dropout=0.5']), 'E_CONFIG', /^--sweep: names dropout twice/);
});

test('config sweep errors: unknown names, empty lists, several models', () => {
  engineError(() => resolveAuditConfig({ sweep: { lr: [0.1] } }), 'E_CONFIG', /^sweep\.lr: must be one of weightDecay, dropout/);
  engineError(() => resolveAuditConfig({ sweep: { weightDecay: [] } }), 'E_CONFIG', /^sweep\.weightDecay: must be a non-empty list/);
  engineError(() => resolveAuditConfig({ sweep: [] as unknown as Record<string, number[]> }), 'E_CONFIG', /^sweep: must be an object of lists/);
  engineError(() => resolveAuditConfig({ model: 'bag,code2vec', sweep: { weightDecay: [0, 0.1] } }), 'E_CONFIG', /^sweep: a sweep audits one model/);
});

test('DROPOUT_MODELS: exactly the models with a dropout hyper-parameter (in their presets or optional)', () => {
  const have = MODEL_NAMES.filter((m) => hyperNames(MODELS[m]).includes('dropout'));
  assert.deepEqual([...DROPOUT_MODELS], have);
});

const s = (setting: Record<string, number>, G: number | null, M: number | null) => ({ setting, G, M });

test('recommendation: the largest drop of M among the settings that lower it by ≥ 0.2 at ≤ 0.02 of G', () => {
  const entries = [s({ dropout: 0 }, 0.17, 0.74), s({ dropout: 0.25 }, 0.17, 0.5), s({ dropout: 0.5 }, 0.165, 0.31), s({ dropout: 0.75 }, 0.1, 0.05)];
  assert.equal(sweepRecommendation(entries), 'dropout 0.5: noise fit 0.74 → 0.31, test F1 0.17 → 0.17');
  assert.equal(
    sweepRecommendation([s({ distill: 0 }, 0.17, 0.74), s({ distill: 0.5 }, 0.17, 0.2)]),
    'distill 0.5: noise fit 0.74 → 0.20, test F1 0.17 → 0.17 (the distillation teacher was trained on the clean labels)',
  );
});

test('recommendation: none helped (too small a drop, or too costly), said in one line', () => {
  const none = 'no setting lowered noise fit by ≥ 0.2 without costing more than 0.02 of test F1';
  assert.equal(sweepRecommendation([s({ weightDecay: 0 }, 0.3, 0.8), s({ weightDecay: 1e-4 }, 0.3, 0.65), s({ weightDecay: 1e-3 }, 0.25, 0.1)]), none);
  assert.equal(sweepRecommendation([s({ weightDecay: 0 }, 0.3, 0.8)]), none);
  assert.equal(sweepRecommendation([s({ weightDecay: 0 }, null, 0.8), s({ weightDecay: 1e-3 }, 0.3, 0.1)]), none);
  assert.equal(sweepRecommendation([s({ weightDecay: 0 }, 0.3, 0.8), s({ weightDecay: 1e-3 }, null, 0.1)]), none);
});

test('recommendation: the bounds are inclusive, and the earlier setting wins a tie', () => {
  const entries = [s({ weightDecay: 0 }, 0.5, 0.7), s({ weightDecay: 1e-4 }, 0.48, 0.5), s({ weightDecay: 1e-3 }, 0.49, 0.5)];
  assert.equal(sweepRecommendation(entries), 'weightDecay 0.0001: noise fit 0.70 → 0.50, test F1 0.50 → 0.48');
});

const m = (f1: number): SplitMetrics => ({ loss: 1, accuracy: f1, precision: f1, recall: f1, f1 });
const epoch = (n: number, val: number | null, test: number): EpochReport =>
  ({ epoch: n, train: m(0.9), trainClean: null, trainCorrupted: null, val: val === null ? null : m(val), test: m(test), lossGini: 0, learningRate: 0.01 }) as EpochReport;

test('best-epoch test F1: the test F1 at the first epoch of highest validation F1; null without validation', () => {
  assert.equal(bestEpochTestF1({ epochs: [epoch(1, 0.2, 0.21), epoch(2, 0.4, 0.38), epoch(3, 0.4, 0.3), epoch(4, 0.35, 0.2)] }), 0.38);
  assert.equal(bestEpochTestF1({ epochs: [epoch(1, null, 0.2)] }), null);
});
