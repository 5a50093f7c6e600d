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

test('names are predictable from bodies: a bag-of-subtokens perceptron generalizes to unseen files', () => {
  // Few domains and no ambiguity: the setting of a learnability test. The split is by file, as
  // the dataset splits, and the method's own name is removed from its tokens, as the extractor does.
  const c = generateCorpus({ seed: 3, methods: 2400, domains: 2, ambiguity: 0 });
  for (const language of LANGUAGE_IDS) {
    const train: { features: string[]; name: string }[] = [];
    const held: { features: string[]; name: string }[] = [];
    c.files
      .filter((f) => f.language === language)
      .forEach((f, k) => {
        for (const m of methodsInTree(language, parse(language, f.text))) {
          const tokens: string[] = [];
          for (const part of ['parameters', 'body']) {
            const node = m.node.childForFieldName(part);
            if (node) for (const t of leafTokens(node)) if (t !== m.name) tokens.push(...subtokens(t));
          }
          const features = [...new Set([...tokens, ...tokens.slice(1).map((t, i) => `${tokens[i]}_${t}`)])];
          (k % 5 === 4 ? held : train).push({ features, name: m.name });
        }
      });
    const labels = [...new Set(train.map((s) => s.name))];
    const w = new Map<string, number>();
    const predict = (features: string[]) => {
      let best = labels[0]!;
      let bestScore = -Infinity;
      for (const y of labels) {
        let s = 0;
        for (const f of features) s += w.get(`${y}|${f}`) ?? 0;
        if (s > bestScore) {
          bestScore = s;
          best = y;
        }
      }
      return best;
    };
    for (let epoch = 0; epoch < 6; epoch++) {
      for (const s of train) {
        const p = predict(s.features);
        if (p === s.name) continue;
        for (const f of s.features) {
          w.set(`${s.name}|${f}`, (w.get(`${s.name}|${f}`) ?? 0) + 1);
          w.set(`${p}|${f}`, (w.get(`${p}|${f}`) ?? 0) - 1);
        }
      }
    }
    const accuracy = (set: typeof train) => set.filter((s) => predict(s.features) === s.name).length / set.length;
    const trainAcc = accuracy(train);
    const heldAcc = accuracy(held);
    assert.ok(held.length > 100, `${language}: ${held.length} held-out methods`);
    assert.ok(trainAcc >= 0.95, `${language}: train accuracy ${trainAcc.toFixed(3)}`);
    assert.ok(heldAcc >= 0.85, `${language}: held-out accuracy ${heldAcc.toFixed(3)} over ${labels.length} names`);
  }
});
