/**
 * Run-level scores (docs/metrics.md, § "Generalization gap" to § "Noise sensitivity"): accuracy
 * subsets, noise fit rate, gap, M, G, slope.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskFromPositions } from '../../../server/src/metrics/dynamics-source';
import {
  accuracyPerEpoch,
  bestEpoch,
  generalizationGap,
  generalizationScore,
  memorizationScore,
  noiseFitRate,
  noiseSensitivity,
} from '../../../server/src/metrics/run';
import { dynOf, near, nearAll, throwsCode } from './helpers';

// Labels 0..3; row 0 predicts class 0 everywhere, row 1 gets samples 0..2 right.
const d = dynOf([0, 1, 2, 3], 2, { top1: [[0, 0], [0, 1], [0, 2], [0, 0]] });

test('accuracyPerEpoch: all samples and a masked subset', () => {
  nearAll(accuracyPerEpoch(d), [1 / 4, 3 / 4]);
  nearAll(accuracyPerEpoch(d, [0, 1, 1, 1]), [0, 2 / 3]);
  nearAll(accuracyPerEpoch(d, [0, 0, 0, 0]), [NaN, NaN]);
  nearAll(accuracyPerEpoch(dynOf([], 3, {})), [NaN, NaN, NaN]);
  throwsCode(() => accuracyPerEpoch(d, [1]), 'one per sample');
});

test('noiseFitRate: accuracy of the corrupted samples against their (corrupted) labels', () => {
  nearAll(noiseFitRate(d, maskFromPositions(4, [1, 3])), [0, 1 / 2]);
  // No corrupted sample: undefined, not 0.
  nearAll(noiseFitRate(d, maskFromPositions(4, [])), [NaN, NaN]);
  throwsCode(() => maskFromPositions(4, [4]), 'outside [0, 4)');
  throwsCode(() => maskFromPositions(4, [0.5]), 'outside');
});

test('noiseFitRate reads the labels as trained, and top1 −1 (not presented) is not correct', () => {
  const x = dynOf([5, 5], 1, { top1: [[5], [-1]] });
  nearAll(noiseFitRate(x, [1, 1]), [0.5]);
});

test('bestEpoch skips unevaluated epochs and takes the first best', () => {
  assert.equal(bestEpoch([null, 0.5, NaN, 0.7, 0.7], 'max'), 3);
  assert.equal(bestEpoch([null, 0.5, NaN, 0.7, 0.7], 'min'), 1);
  assert.equal(bestEpoch([null, NaN], 'max'), -1);
  assert.equal(bestEpoch([], 'min'), -1);
});

test('generalizationGap = train F1 − test F1 at the chosen epoch', () => {
  near(generalizationGap([0.5, 0.9], [0.4, 0.6]), 0.3, 1e-12);
  near(generalizationGap([0.5, 0.9], [0.4, 0.6], 0), 0.1, 1e-12);
  near(generalizationGap([0.3], [0.5]), -0.2, 1e-12);
  throwsCode(() => generalizationGap([0.5, 0.9], [0.4, null]), 'not evaluated');
  throwsCode(() => generalizationGap([0.5, 0.9], [0.4, 0.6], 2), 'not an epoch index');
  throwsCode(() => generalizationGap([0.5], [0.4, 0.6]), 'has 1 epochs');
  throwsCode(() => generalizationGap([], []), 'not an epoch index');
  throwsCode(() => generalizationGap([NaN], [0.1]), 'trainF1');
});

test('memorizationScore: mean over levels p > 0 of the final fit rate, seeds averaged within a level', () => {
  // Levels: 0.25 → (0.2 + 0.4)/2 = 0.3; 0.5 → 0.6; 1 → 1.0; M = 1.9 / 3. The p = 0 run is ignored.
  const runs = [
    { level: 0, value: 0.9 },
    { level: 0.25, value: 0.2 },
    { level: 0.25, value: 0.4 },
    { level: 0.5, value: 0.6 },
    { level: 1, value: 1 },
  ];
  near(memorizationScore(runs), 1.9 / 3);
  assert.ok(Number.isNaN(memorizationScore([{ level: 0, value: 0.4 }])));
  assert.ok(Number.isNaN(memorizationScore([])));
  throwsCode(() => memorizationScore([{ level: 25, value: 0.5 }]), 'fractions in [0, 1]');
  throwsCode(() => memorizationScore([{ level: 0.5, value: NaN }]), 'finite value');
});

test('generalizationScore: test F1 of the clean run (mean over its seeds)', () => {
  near(generalizationScore([{ level: 0, value: 0.8 }, { level: 0, value: 0.9 }, { level: 0.5, value: 0.3 }]), 0.85);
  assert.ok(Number.isNaN(generalizationScore([{ level: 0.5, value: 0.3 }])));
  throwsCode(() => generalizationScore([{ level: -0.1, value: 0.3 }]), 'fractions');
});

test('noiseSensitivity: least-squares slope of test F1 against p', () => {
  // Exactly linear: y = 0.9 − 0.8 p.
  near(noiseSensitivity([0, 0.5, 1].map((p) => ({ level: p, value: 0.9 - 0.8 * p }))), -0.8, 1e-12);
  // The code2vec Java-Top10 figures of PRODUCT.md: p̄ = 0.5, ȳ = 0.4408,
  // Σ(p − p̄)(y − ȳ) = −0.52875, Σ(p − p̄)² = 0.625 → slope −0.846.
  const paper = [0.854, 0.681, 0.43, 0.204, 0.035].map((v, i) => ({ level: i / 4, value: v }));
  near(noiseSensitivity(paper), -0.846, 1e-12);
  // Two seeds at p = 0 and one at p = 1: regression through every point (mean 0.7 at 0, 0.1 at 1).
  near(noiseSensitivity([{ level: 0, value: 0.6 }, { level: 0, value: 0.8 }, { level: 1, value: 0.1 }]), -0.6, 1e-12);
  assert.ok(Number.isNaN(noiseSensitivity([{ level: 0.5, value: 0.3 }, { level: 0.5, value: 0.4 }])));
  assert.ok(Number.isNaN(noiseSensitivity([])));
  throwsCode(() => noiseSensitivity([{ level: 0, value: Infinity }]), 'finite');
});
