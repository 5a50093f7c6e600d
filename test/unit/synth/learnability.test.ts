import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCorpus } from '../../../server/src/synth';
import { LANGUAGE_IDS } from '../../../server/src/parse/sample';
import { leafTokens, methodsInTree, parse } from './trees';

/** Subtokens of an identifier or literal: camelCase and snake_case split, lower-cased. */
function subtokens(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

interface Example {
  features: number[];
  label: string;
}

/**
 * Averaged multiclass perceptron over sparse binary features: a linear bag-of-subtokens model,
 * far weaker than the models memaudit trains, so what it learns is plainly in the bodies.
 */
function trainPerceptron(train: Example[], featureCount: number, epochs: number): (features: number[]) => string {
  const labels = [...new Set(train.map((e) => e.label))];
  const index = new Map(labels.map((l, i) => [l, i]));
  const w = new Float64Array(labels.length * featureCount);
  const sum = new Float64Array(labels.length * featureCount);
  const argmax = (features: number[], weights: Float64Array) => {
    let best = 0;
    let bestScore = -Infinity;
    for (let y = 0; y < labels.length; y++) {
      let s = 0;
      for (const f of features) s += weights[y * featureCount + f]!;
      if (s > bestScore) {
        bestScore = s;
        best = y;
      }
    }
    return best;
  };
  let step = 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const e of train) {
      const y = index.get(e.label)!;
      const p = argmax(e.features, w);
      if (p !== y) {
        for (const f of e.features) {
          w[y * featureCount + f]! += 1;
          sum[y * featureCount + f]! += step;
          w[p * featureCount + f]! -= 1;
          sum[p * featureCount + f]! -= step;
        }
      }
      step++;
    }
  }
  const averaged = w.map((v, i) => v - sum[i]! / step);
  return (features) => labels[argmax(features, averaged)]!;
}

test('names are predictable from bodies: a linear bag-of-subtokens model generalizes to unseen files', () => {
  // Few domains and no ambiguity, the setting of a learnability test. The split is by file, as
  // the dataset splits, and the method's own name is left out of its tokens, as the extractor does.
  const c = generateCorpus({ seed: 3, methods: 3600, domains: 2, ambiguity: 0 });
  for (const language of LANGUAGE_IDS) {
    const featureIds = new Map<string, number>();
    const id = (f: string) => {
      let i = featureIds.get(f);
      if (i === undefined) featureIds.set(f, (i = featureIds.size));
      return i;
    };
    const train: Example[] = [];
    const held: Example[] = [];
    c.files
      .filter((f) => f.language === language)
      .forEach((f, k) => {
        for (const m of methodsInTree(language, parse(language, f.text))) {
          const tokens: string[] = [];
          for (const part of ['parameters', 'body']) {
            const node = m.node.childForFieldName(part);
            if (node) for (const t of leafTokens(node)) if (t !== m.name) tokens.push(...subtokens(t));
          }
          const names = new Set([...tokens, ...tokens.slice(1).map((t, i) => `${tokens[i]}_${t}`), `length:${Math.min(tokens.length, 12)}`]);
          (k % 5 === 4 ? held : train).push({ features: [...names].map(id), label: m.name });
        }
      });
    const predict = trainPerceptron(train, featureIds.size, 8);
    const accuracy = (set: Example[]) => set.filter((e) => predict(e.features) === e.label).length / set.length;
    const names = new Set(train.map((e) => e.label)).size;
    assert.ok(held.length > 150, `${language}: ${held.length} held-out methods`);
    assert.ok(accuracy(train) >= 0.95, `${language}: train accuracy ${accuracy(train).toFixed(3)}`);
    assert.ok(accuracy(held) >= 0.9, `${language}: held-out accuracy ${accuracy(held).toFixed(3)} over ${names} names (chance ${(1 / names).toFixed(3)})`);
  }
});
