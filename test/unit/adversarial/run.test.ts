/**
 * The per-run measurement (`measureAdversarial`) on a trained tiny model: the report's shape (rates
 * per ε, PGD ≥ FGSM, the corrupted members apart, no rename without sources), the fixed subsets,
 * its progress lines, and cancellation midway (E_CANCELLED).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel } from '../../../models/registry';
import { ADVERSARIAL_DEFAULTS, fixedSubset, measureAdversarial, type AttackProgress } from '../../../server/src/adversarial/run';
import { validateReport } from '../../../server/src/report/schema';
import { Rng } from '../../../server/src/util/rng';
import { makeFixtureReport } from '../report/fixture';
import { learnableSource, range } from '../train/helpers';

async function trained() {
  const { source, labels } = learnableSource({ seed: 2, samples: 40, labels: 4, tokens: 6, vocab: 24 });
  const m = await createModel('bag', { source, preset: 'tiny', hyper: { dim: 8, tokens: 6 }, batchSize: 20, optimizer: { kind: 'adam' }, device: 'cpu', threads: 1, seed: 1 });
  const batches = [0, 20].map((a) => m.makeBatch(range(a, a + 20), labels.subarray(a, a + 20)));
  const rng = new Rng(4);
  for (let e = 0; e < 10; e++) await m.trainSteps(batches, [0.05, 0.05], rng);
  return { m, labels };
}

test('fixedSubset: k distinct positions, ascending, the same for the same seed', () => {
  const a = fixedSubset(100, 10, 7);
  assert.equal(new Set(a).size, 10);
  assert.deepEqual(Array.from(a), Array.from(a).sort((x, y) => x - y));
  assert.deepEqual(Array.from(fixedSubset(100, 10, 7)), Array.from(a));
  assert.notDeepEqual(Array.from(fixedSubset(100, 10, 8)), Array.from(a));
  assert.equal(fixedSubset(5, 10, 1).length, 5);
});

test('measureAdversarial: rates per ε for train, its corrupted members and test; a valid report field', async () => {
  const { m, labels } = await trained();
  try {
    const lines: string[] = [];
    const progress: AttackProgress[] = [];
    const corrupted = Uint8Array.from({ length: 30 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const r = await measureAdversarial({
      model: m,
      train: { indices: range(0, 30), labels: labels.subarray(0, 30), corrupted },
      test: { indices: range(30, 40), labels: labels.subarray(30, 40) },
      settings: { ...ADVERSARIAL_DEFAULTS, epsilons: [0, 0.5, 1] },
      seed: 0,
      batchSize: 16,
      log: (l) => lines.push(l),
      onProgress: (p) => progress.push(p),
    });
    assert.ok(r);
    assert.deepEqual([r.train.evaluated, r.trainCorrupted!.evaluated, r.test.evaluated], [30, 6, 10]);
    for (const s of [r.train, r.trainCorrupted!, r.test]) {
      assert.equal(s.fgsm.length, 3);
      assert.equal(s.pgd[0], 0, 'ε = 0 flips nothing');
      s.pgd.forEach((p, k) => assert.ok(p >= s.fgsm[k]!));
      assert.equal(s.rename, null);
    }
    assert.equal(lines.length, 2);
    // Methods attacked: 0 at the start, then each split's FGSM/PGD (no sources: no rename share).
    assert.deepEqual(progress, [
      { done: 0, total: 40 },
      { done: 30, total: 40 },
      { done: 40, total: 40 },
    ]);
    assert.match(lines[0]!, /^adversarial, train: FGSM\/PGD on 30 methods in [\d.]+ s, rename attack on 0 in/);
    const report = makeFixtureReport({ extras: true });
    report.runs[0]!.adversarial = r;
    assert.deepEqual(validateReport(JSON.parse(JSON.stringify(report))).errors, []);
  } finally {
    await m.dispose();
  }
});

test('measureAdversarial stops with E_CANCELLED when its signal is aborted midway', async () => {
  const { m, labels } = await trained();
  try {
    const ac = new AbortController();
    await assert.rejects(
      measureAdversarial({
        model: m,
        train: { indices: range(0, 30), labels: labels.subarray(0, 30) },
        test: { indices: range(30, 40), labels: labels.subarray(30, 40) },
        settings: ADVERSARIAL_DEFAULTS,
        seed: 0,
        batchSize: 16,
        signal: ac.signal,
        // The first progress line comes after the training subset: the test subset is cancelled.
        log: () => ac.abort(),
      }),
      { code: 'E_CANCELLED' },
    );
  } finally {
    await m.dispose();
  }
});

test('measureAdversarial stops with E_CANCELLED when cancelled from its progress (the progress notification\'s Cancel)', async () => {
  const { m, labels } = await trained();
  try {
    const ac = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      measureAdversarial({
        model: m,
        train: { indices: range(0, 30), labels: labels.subarray(0, 30) },
        test: { indices: range(30, 40), labels: labels.subarray(30, 40) },
        settings: ADVERSARIAL_DEFAULTS,
        seed: 0,
        batchSize: 16,
        signal: ac.signal,
        onProgress: (p) => {
          seen.push(p.done);
          if (p.done > 0) ac.abort();
        },
      }),
      { code: 'E_CANCELLED' },
    );
    assert.equal(Math.max(...seen), 30, 'the test split was not attacked');
  } finally {
    await m.dispose();
  }
});
