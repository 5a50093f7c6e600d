/**
 * FGSM and PGD in embedding space on a fixed trained tiny model: PGD, whose first iterate is
 * FGSM's step, never flips fewer predictions than FGSM at the same ε (and flips every sample FGSM
 * flips); ε = 0 flips nothing; cancellation stops the attack with E_CANCELLED.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import { embeddingAttack, rateOf } from '../../../server/src/adversarial/embedding';
import { Rng } from '../../../server/src/util/rng';
import { learnableSource, range } from '../train/helpers';

async function trainedBag() {
  const { source, labels } = learnableSource({ seed: 11, samples: 48, labels: 4, tokens: 6, vocab: 24 });
  const m = await createModel('bag', { source, preset: 'tiny', hyper: { dim: 8, tokens: 6 }, batchSize: 16, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, seed: 1 });
  const rng = new Rng(3);
  const batches = [0, 16, 32].map((a) => m.makeBatch(range(a, a + 16), labels.subarray(a, a + 16)));
  for (let epoch = 0; epoch < 15; epoch++) await m.trainSteps(batches, [0.05, 0.05, 0.05], rng);
  return { m, labels };
}

test('PGD flips every prediction FGSM flips at the same ε, so never fewer; ε = 0 flips none', async (t) => {
  const { m, labels } = await trainedBag();
  try {
    const epsilons = [0, 0.1, 0.3, 0.6, 1];
    const r = await embeddingAttack(m, range(0, 48), labels, { epsilons, steps: 8, batchSize: 20 });
    assert.equal(rateOf(r.fgsm[0]!), 0);
    assert.equal(rateOf(r.pgd[0]!), 0);
    let stronger = 0;
    epsilons.forEach((eps, k) => {
      r.fgsm[k]!.forEach((f, i) => assert.ok(!f || r.pgd[k]![i], `ε ${eps}: sample ${i} flipped by FGSM but not by PGD`));
      assert.ok(rateOf(r.pgd[k]!) >= rateOf(r.fgsm[k]!));
      if (rateOf(r.pgd[k]!) > rateOf(r.fgsm[k]!)) stronger++;
      t.diagnostic(`ε ${eps}: FGSM ${rateOf(r.fgsm[k]!).toFixed(3)}, PGD ${rateOf(r.pgd[k]!).toFixed(3)}`);
    });
    // The attack does something on this model: the largest radius flips some predictions.
    assert.ok(rateOf(r.pgd[epsilons.length - 1]!) > 0);
    t.diagnostic(`PGD strictly stronger at ${stronger} of ${epsilons.length} radii`);
    // Deterministic: the same call gives the same flips.
    const again = await embeddingAttack(m, range(0, 48), labels, { epsilons, steps: 8, batchSize: 20 });
    assert.deepEqual(again.pgd.map((a) => Array.from(a)), r.pgd.map((a) => Array.from(a)));
  } finally {
    await m.dispose();
  }
});

test('with a fixed step α, more PGD iterates extend the same path: they never flip fewer', async () => {
  const { m, labels } = await trainedBag();
  try {
    const epsilons = [0.3, 0.6];
    const flips: Uint8Array[][] = [];
    for (const steps of [1, 3, 8]) flips.push((await embeddingAttack(m, range(0, 48), labels, { epsilons, steps, stepFactor: 0.25, batchSize: 24 })).pgd);
    for (let s = 1; s < flips.length; s++) {
      epsilons.forEach((eps, k) => flips[s - 1]![k]!.forEach((f, i) => assert.ok(!f || flips[s]![k]![i], `ε ${eps}: sample ${i} flipped with fewer iterates only`)));
    }
  } finally {
    await m.dispose();
  }
});

test('an aborted signal stops the attack with E_CANCELLED', async () => {
  const { m, labels } = await trainedBag();
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(embeddingAttack(m, range(0, 8), labels, { epsilons: [0.1], steps: 2, batchSize: 4 }, { signal: ac.signal }), { code: 'E_CANCELLED' });
  } finally {
    await m.dispose();
  }
});
