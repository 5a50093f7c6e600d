import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNoise, chosenCount, ledgerDigest, type NoiseResult } from '../../../server/src/noise';
import type { TestCorpus } from './helpers';
import { corpus, corpusOf, LANGUAGES, unitsOf } from './helpers';

/** Checks what every label-kind result must satisfy: level, exact ledger, no <UNK>, inputs untouched. */
function checkLabelResult(c: TestCorpus, r: NoiseResult, level: number): void {
  const { dataset, columns } = c;
  const n = dataset.train.length;
  const unk = dataset.vocab.labels.unk;
  const l = r.ledger;
  assert.equal(l.trainSize, n);
  assert.equal(l.chosen, chosenCount(n, level));
  assert.equal(l.entries.length + l.skipped.length, l.chosen);
  assert.equal(r.replacements.size, 0, 'label kinds leave inputs alone');
  const listed = new Map(l.entries.map((e) => [e.position, e]));
  for (let p = 0; p < n; p++) {
    const clean = dataset.labelClass[dataset.train[p]!]!;
    const e = listed.get(p);
    if (e === undefined) {
      assert.equal(r.trainLabels[p], clean, `position ${p} is not in the ledger, so its label is clean`);
      continue;
    }
    assert.equal(e.index, dataset.train[p]);
    assert.equal(e.id, columns.ids[e.index]);
    assert.equal(e.fromClass, clean);
    assert.equal(e.toClass, r.trainLabels[p]);
    assert.notEqual(e.toClass, clean, 'every listed sample really changes label');
    assert.notEqual(e.toClass, unk, 'never <UNK>');
    assert.equal(e.from, dataset.vocab.labels.strings[clean]);
    assert.equal(e.to, dataset.vocab.labels.strings[e.toClass!]);
    assert.equal(e.kind, l.kind);
    assert.equal(e.level, level);
    assert.equal(e.seed, l.seed);
  }
  const positions = [...l.entries.map((e) => e.position), ...l.skipped.map((s) => s.position)];
  assert.equal(new Set(positions).size, positions.length, 'a chosen sample is listed once');
}

for (const language of LANGUAGES) {
  test(`y-shuffle on ${language}: level, derangement, exact ledger, same labels, reproducible`, async () => {
    const c = await corpus(language);
    for (const level of [0.25, 0.5, 1]) {
      const r = await applyNoise(c.ctx, { kind: 'y-shuffle', level, seed: 3 });
      checkLabelResult(c, r, level);
      // The method names of the training set are only moved around, never replaced.
      const before = r.ledger.entries.map((e) => e.fromClass!).sort((a, b) => a - b);
      const after = r.ledger.entries.map((e) => e.toClass!).sort((a, b) => a - b);
      assert.deepEqual(after, before);
      // No label holds half the chosen samples here, so the permutation is a full derangement.
      assert.deepEqual(r.ledger.skipped, []);
      const again = await applyNoise(c.ctx, { kind: 'y-shuffle', level, seed: 3 });
      assert.equal(ledgerDigest(again.ledger), ledgerDigest(r.ledger));
      assert.deepEqual(again.trainLabels, r.trainLabels);
      const other = await applyNoise(c.ctx, { kind: 'y-shuffle', level, seed: 4 });
      assert.notEqual(ledgerDigest(other.ledger), ledgerDigest(r.ledger));
      assert.notDeepEqual(other.trainLabels, r.trainLabels);
    }
  });

  test(`y-random on ${language}: level, exact ledger, never <UNK> or the true label, reproducible, nested levels`, async () => {
    const c = await corpus(language);
    const results = new Map<number, NoiseResult>();
    for (const level of [0.25, 0.5, 1]) {
      const r = await applyNoise(c.ctx, { kind: 'y-random', level, seed: 5 });
      checkLabelResult(c, r, level);
      assert.deepEqual(r.ledger.skipped, []);
      results.set(level, r);
    }
    const all = results.get(1)!;
    // Every label of the vocabulary but <UNK> is reachable: with ~140 draws over ~80 labels many occur.
    assert.ok(new Set(all.ledger.entries.map((e) => e.toClass)).size > c.dataset.vocab.labels.strings.length / 3);
    // A sample corrupted at a lower level is corrupted the same way at a higher one.
    const byPosition = new Map(all.ledger.entries.map((e) => [e.position, e.toClass]));
    for (const e of results.get(0.25)!.ledger.entries) assert.equal(byPosition.get(e.position), e.toClass);
    const again = await applyNoise(c.ctx, { kind: 'y-random', level: 0.5, seed: 5 });
    assert.equal(ledgerDigest(again.ledger), ledgerDigest(results.get(0.5)!.ledger));
    const other = await applyNoise(c.ctx, { kind: 'y-random', level: 0.5, seed: 6 });
    assert.notEqual(ledgerDigest(other.ledger), ledgerDigest(results.get(0.5)!.ledger));
  });
}

test('level 0 corrupts nothing and level 1 chooses every training sample', async () => {
  const c = await corpus('java');
  const none = await applyNoise(c.ctx, { kind: 'y-shuffle', level: 0, seed: 1 });
  assert.equal(none.ledger.chosen, 0);
  assert.deepEqual(none.ledger.entries, []);
  assert.deepEqual(none.trainLabels, Int32Array.from(c.dataset.train, (i) => c.dataset.labelClass[i]!));
  const all = await applyNoise(c.ctx, { kind: 'y-random', level: 1, seed: 1 });
  assert.equal(all.ledger.chosen, c.dataset.train.length);
});

test('y-shuffle: when one label holds more than half of the chosen samples, exactly 2m − n keep it and are recorded as skipped', async () => {
  // Ten one-method files, seven of them `getValue`. Bodies differ (`return k`), so deduplication keeps every method.
  const java = (name: string, k: number) => `class C${k} {\n    int ${name}() { return ${k}; }\n}\n`;
  const names = ['getValue', 'getValue', 'getValue', 'getValue', 'getValue', 'getValue', 'getValue', 'size', 'count', 'total'];
  const units = names.map((n, k) => ({ file: `F${k}.java`, language: 'java' as const, text: java(n, k) }));
  const c = await corpusOf(units);
  const n = c.dataset.train.length;
  assert.equal(n, 10);
  const r = await applyNoise(c.ctx, { kind: 'y-shuffle', level: 1, seed: 2 });
  checkLabelResult(c, r, 1);
  const m = 7;
  assert.equal(r.ledger.skipped.length, 2 * m - n);
  for (const s of r.ledger.skipped) {
    assert.equal(s.reason, 'label-cannot-change');
    assert.equal(c.columns.labelOf(s.index), 'get|value');
  }
  // All share one label: nothing can change.
  const same = await corpusOf(['getValue', 'getValue', 'getValue'].map((nm, k) => ({ file: `S${k}.java`, language: 'java' as const, text: java(nm, k) })));
  const r2 = await applyNoise(same.ctx, { kind: 'y-shuffle', level: 1, seed: 2 });
  assert.equal(r2.ledger.entries.length, 0);
  assert.equal(r2.ledger.skipped.length, 3);
});

test('y-shuffle skips samples labelled <UNK> (their <UNK> would pass to another); y-random gives them a real label', async () => {
  // A label vocabulary of the 20 most frequent names leaves the rarer ones <UNK>.
  const c = await corpusOf(unitsOf('python', 120), { dataset: { vocab: { labels: { topK: 20 } } } });
  const unk = c.dataset.vocab.labels.unk;
  const unkPositions = new Set([...c.dataset.train].flatMap((i, p) => (c.dataset.labelClass[i] === unk ? [p] : [])));
  assert.ok(unkPositions.size > 0);
  const r = await applyNoise(c.ctx, { kind: 'y-shuffle', level: 1, seed: 9 });
  checkLabelResult(c, r, 1);
  assert.deepEqual(new Set(r.ledger.skipped.map((s) => s.position)), unkPositions);
  for (const s of r.ledger.skipped) assert.equal(s.reason, 'unk-label');
  const rnd = await applyNoise(c.ctx, { kind: 'y-random', level: 1, seed: 9 });
  checkLabelResult(c, rnd, 1);
  assert.equal(rnd.ledger.entries.length, c.dataset.train.length);
});

test('y-shuffle spreads each name over the others as a random permutation does: no name passes en bloc to another', async () => {
  // Four names held by 25 methods each and 100 names held by one. A random permutation hands a
  // 25-method name's samples ~3 labels of each other big name (hypergeometric, 25 · 25/200); the
  // rotation of label-sorted groups that y-shuffle used gave all 25 one other name — a mapping
  // ("bodies of kind A are called B") the model can learn instead of memorizing, which hides the
  // noise from the loss-based signals (bench/crosscheck, docs/metrics.md § "Noise kinds and levels").
  const big = ['alpha', 'beta', 'gamma', 'delta'];
  const names = [...big.flatMap((b) => Array.from({ length: 25 }, () => b)), ...Array.from({ length: 100 }, (_, k) => `single${String.fromCharCode(97 + (k % 26))}${String.fromCharCode(97 + Math.floor(k / 26))}`)];
  const units = names.map((n, k) => ({ file: `F${k}.java`, language: 'java' as const, text: `class C${k} {\n    int ${n}() { return ${k}; }\n}\n` }));
  const c = await corpusOf(units);
  assert.equal(c.dataset.train.length, 200);
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = await applyNoise(c.ctx, { kind: 'y-shuffle', level: 1, seed });
    checkLabelResult(c, r, 1);
    assert.deepEqual(r.ledger.skipped, []);
    const pairs = new Map<string, number>();
    for (const e of r.ledger.entries) pairs.set(`${e.from}>${e.to}`, (pairs.get(`${e.from}>${e.to}`) ?? 0) + 1);
    const [worst, count] = [...pairs].reduce((a, b) => (b[1] > a[1] ? b : a));
    assert.ok(count <= 10, `seed ${seed}: ${count} samples of one name took one other name (${worst})`);
  }
});
