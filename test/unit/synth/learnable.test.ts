import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateLearnableTask, randomLabels } from '../../../server/src/synth';
import { isEngineError } from '../../../server/src/errors';

const base = { seed: 4, samples: 1200, labels: 12, tokensPerSample: 30, vocab: 500 };

test('the task is deterministic, balanced and shaped as asked', () => {
  const a = generateLearnableTask(base);
  assert.deepEqual(a, generateLearnableTask(base));
  assert.notDeepEqual(a.tokens, generateLearnableTask({ ...base, seed: 5 }).tokens);
  assert.equal(a.tokens.length, 1200);
  assert.equal(a.labels.length, 1200);
  for (const t of a.tokens) assert.equal(t.length, 30);
  const sizes = Array.from({ length: 12 }, (_, c) => a.labels.filter((y) => y === c).length);
  assert.equal(Math.max(...sizes) - Math.min(...sizes), 0);
});

test('the label is the class whose key tokens occur; noise never holds a key; reserved ids are unused', () => {
  const t = generateLearnableTask({ ...base, reserved: 2, keysPerLabel: 3 });
  const owner = new Map<number, number>();
  t.keys.forEach((ks, c) => ks.forEach((k) => owner.set(k, c)));
  assert.equal(owner.size, 12 * 3, 'keys are disjoint');
  t.tokens.forEach((seq, i) => {
    const classes = new Set(seq.filter((x) => owner.has(x)).map((x) => owner.get(x)!));
    assert.deepEqual([...classes], [t.labels[i]]);
    for (const x of seq) assert.ok(x >= 2 && x < 500);
  });
});

test('a bag-of-tokens perceptron learns it: ≥ 95% train, ≥ 90% held out', () => {
  const t = generateLearnableTask({ ...base, samples: 2000 });
  const n = 1600;
  const w = Array.from({ length: 12 }, () => new Float64Array(500));
  const predict = (seq: number[]) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < 12; c++) {
      let s = 0;
      for (const x of seq) s += w[c]![x]!;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  };
  for (let epoch = 0; epoch < 5; epoch++) {
    for (let i = 0; i < n; i++) {
      const p = predict(t.tokens[i]!);
      const y = t.labels[i]!;
      if (p !== y) for (const x of t.tokens[i]!) (w[y]![x]! += 1), (w[p]![x]! -= 1);
    }
  }
  const acc = (from: number, to: number) => {
    let ok = 0;
    for (let i = from; i < to; i++) if (predict(t.tokens[i]!) === t.labels[i]) ok++;
    return ok / (to - from);
  };
  assert.ok(acc(0, n) >= 0.95, `train ${acc(0, n)}`);
  assert.ok(acc(n, 2000) >= 0.9, `test ${acc(n, 2000)}`);
});

test('randomLabels: deterministic, in range, about uniform', () => {
  const a = randomLabels(6000, 6, 1);
  assert.deepEqual(a, randomLabels(6000, 6, 1));
  assert.notDeepEqual(a, randomLabels(6000, 6, 2));
  const counts = Array.from({ length: 6 }, (_, c) => a.filter((y) => y === c).length);
  for (const k of counts) assert.ok(k > 850 && k < 1150, `count ${k}`);
  assert.deepEqual(randomLabels(0, 3, 1), []);
});

test('impossible requests are configuration errors', () => {
  const bad = [
    { ...base, labels: 1 },
    { ...base, samples: 0 },
    { ...base, vocab: 24 },
    { ...base, tokensPerSample: 0 },
    { ...base, seed: 0.5 },
  ];
  for (const o of bad) assert.throws(() => generateLearnableTask(o), (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG', JSON.stringify(o));
  assert.throws(() => randomLabels(3, 0, 1), (e: unknown) => isEngineError(e) && e.code === 'E_CONFIG');
});
