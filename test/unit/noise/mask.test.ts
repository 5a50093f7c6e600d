import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNoise, chosenCount, ledgerDigest, MASK_TOKEN, noiseOverlay, noisySource } from '../../../server/src/noise';
import { datasetSource } from '../../../server/src/dataset/source';
import { corpus, LANGUAGES } from './helpers';

/** max(1, round(rate · n)) for a non-empty list. */
function expectedMasked(n: number, rate: number): number {
  return n === 0 ? 0 : Math.max(1, Math.round(rate * n));
}

for (const language of LANGUAGES) {
  test(`x-mask-tokens on ${language}: the share of body tokens and context terminals masked, nothing else changed, exact ledger`, async () => {
    const c = await corpus(language);
    for (const maskRate of [0.25, 0.6]) {
      const r = await applyNoise(c.ctx, { kind: 'x-mask-tokens', level: 1, seed: 2, maskRate });
      const l = r.ledger;
      assert.equal(l.chosen, c.dataset.train.length);
      assert.deepEqual(l.options, { maskRate });
      const mask = c.extractor.tables.tokens.id(MASK_TOKEN);
      for (const s of l.skipped) {
        assert.equal(s.reason, 'nothing-to-mask');
        assert.equal(c.columns.body(s.index).length + c.columns.contextsOf(s.index).length, 0);
      }
      assert.deepEqual([...r.replacements.keys()].sort((a, b) => a - b), l.entries.map((e) => e.index).sort((a, b) => a - b));
      for (const e of l.entries) {
        const before = c.columns.sample(e.index);
        const after = r.replacements.get(e.index)!.sample;
        assert.equal(after.id, before.id);
        assert.equal(after.bodyTokens.length, before.bodyTokens.length);
        let masked = 0;
        for (let k = 0; k < before.bodyTokens.length; k++) {
          if (after.bodyTokens[k] !== before.bodyTokens[k]) {
            assert.equal(after.bodyTokens[k], mask);
            masked++;
          }
        }
        assert.equal(masked, expectedMasked(before.bodyTokens.length, maskRate));
        let terminals = 0;
        for (let k = 0; k < before.contexts.length; k++) {
          if (after.contexts[k] === before.contexts[k]) continue;
          assert.notEqual(k % 3, 1, 'paths are never masked');
          assert.equal(after.contexts[k], mask);
          terminals++;
        }
        assert.equal(terminals, expectedMasked((2 * before.contexts.length) / 3, maskRate));
        assert.equal(e.edit, `masked ${masked} of ${before.bodyTokens.length} body tokens and ${terminals} of ${(2 * before.contexts.length) / 3} path-context terminals`);
        assert.match(e.from, /^sha1:[0-9a-f]{16}$/);
        assert.notEqual(e.from, e.to);
      }
      assert.deepEqual(r.trainLabels, Int32Array.from(c.dataset.train, (i) => c.dataset.labelClass[i]!));
    }
  });

  test(`x-mask-tokens on ${language}: level respected, reproducible, another seed differs`, async () => {
    const c = await corpus(language);
    const a = await applyNoise(c.ctx, { kind: 'x-mask-tokens', level: 0.5, seed: 8 });
    assert.equal(a.ledger.chosen, chosenCount(c.dataset.train.length, 0.5));
    const b = await applyNoise(c.ctx, { kind: 'x-mask-tokens', level: 0.5, seed: 8 });
    assert.equal(ledgerDigest(a.ledger), ledgerDigest(b.ledger));
    for (const [i, rep] of a.replacements) assert.deepEqual(b.replacements.get(i)!.sample.bodyTokens, rep.sample.bodyTokens);
    const other = await applyNoise(c.ctx, { kind: 'x-mask-tokens', level: 0.5, seed: 9 });
    assert.notEqual(ledgerDigest(other.ledger), ledgerDigest(a.ledger));
  });
}

test('noisySource serves replacement inputs in vocabulary ids (new tokens as <UNK>) and passes other samples through', async () => {
  const c = await corpus('java');
  const base = datasetSource(c.columns, c.dataset);
  for (const kind of ['x-mask-tokens', 'x-rename-locals'] as const) {
    const r = await applyNoise(c.ctx, { kind, level: 0.5, seed: 1 });
    const src = noisySource(base, r, c.dataset.vocab);
    const tokens = c.dataset.vocab.tokens;
    for (const i of c.dataset.train) {
      const rep = r.replacements.get(i);
      if (rep === undefined) {
        assert.deepEqual(src.bodyTokens(i), base.bodyTokens(i));
        assert.deepEqual(src.contexts(i), base.contexts(i));
        continue;
      }
      const body = Array.from(src.bodyTokens(i));
      assert.equal(body.length, rep.sample.bodyTokens.length);
      body.forEach((v, k) => {
        const id = rep.sample.bodyTokens[k]!;
        assert.equal(v, id < tokens.fromTable.length ? tokens.fromTable[id] : tokens.unk);
      });
      if (kind === 'x-mask-tokens') {
        const maskId = c.extractor.tables.tokens.id(MASK_TOKEN);
        rep.sample.bodyTokens.forEach((id, k) => {
          if (id === maskId) assert.equal(body[k], tokens.unk, '<MASK> is out of the clean vocabulary');
        });
      }
      assert.equal(src.contexts(i).length, rep.sample.contexts.length);
    }
  }
});

test('noiseOverlay serves the same inputs under new indices and points the replaced training positions at them', async () => {
  const c = await corpus('python');
  const base = datasetSource(c.columns, c.dataset);
  const r = await applyNoise(c.ctx, { kind: 'x-dead-code', level: 0.5, seed: 2 });
  const bySample = noisySource(base, r, c.dataset.vocab);
  const overlay = noiseOverlay(r, c.dataset.train, c.dataset.vocab, c.columns.count);
  assert.equal(overlay.replacements.length, r.replacements.size);
  assert.equal(overlay.replacements.offset, c.columns.count);
  c.dataset.train.forEach((index, p) => {
    const served = overlay.trainIndices[p]!;
    if (!r.replacements.has(index)) {
      assert.equal(served, index);
      return;
    }
    const k = served - overlay.replacements.offset;
    assert.ok(k >= 0 && k < overlay.replacements.length);
    assert.deepEqual(overlay.replacements.bodyTokens(k), bySample.bodyTokens(index));
    assert.deepEqual(overlay.replacements.contexts(k), bySample.contexts(index));
  });
  assert.equal(new Set(overlay.trainIndices).size, c.dataset.train.length);
});
