/**
 * The adversarial measurement of one trained run (docs/metrics.md § "Adversarial robustness"):
 * FGSM, PGD and the rename attack on a fixed subset of the training split (samples the model was
 * trained on: what it memorized or learned) and of the test split (unseen samples), as flip rates.
 * The subsets are the same positions in every run of an audit, so the rates of two noise levels
 * compare the same samples.
 */
import { performance } from 'node:perf_hooks';
import type { ExtractedSample } from '../parse/sample';
import type { SourceEditor } from '../noise';
import type { AdversarialReport, AdversarialSplit } from '../protocol/report';
import type { TrainableModel } from '../train/types';
import { mixSeed } from '../train/probes';
import { fnv1a, Rng } from '../util/rng';
import { checkCancelled, embeddingAttack, rateOf, supportsEmbeddingAttack } from './embedding';
import { renameAttack, type RenameEvaluator } from './rename';

/** Settings of the measurement; `ADVERSARIAL_DEFAULTS` gives the audit's. */
export interface AdversarialSettings {
  epsilons: number[];
  steps: number;
  /** PGD step α / ε. */
  stepFactor: number;
  /** Samples per split attacked in embedding space. */
  samples: number;
  /** Samples per split given to the rename attack (each costs a few parses and model calls per local). */
  renameSamples: number;
  renameCandidates: number;
  renameBudget: number;
}

/**
 * Defaults. ε from 0.01 to 0.1 of the embedding RMS spans "few flips" to "most flips" on bag
 * trained on a generated corpus (3,000 methods, 10 epochs: PGD flipped 6 %, 10 %, 25 % and 59 % of
 * the clean run's test predictions). 5 PGD iterates with α = ε/2 reach the box's corners in 2 steps
 * and leave 3 to move along them (Madry et al. use α = 2.5ε/k). The sizes keep the cost to a few
 * seconds per run (bench audit: `adversarialMs`); 128 samples give a flip rate's standard error
 * of at most 0.044.
 */
export const ADVERSARIAL_DEFAULTS: AdversarialSettings = {
  epsilons: [0.01, 0.02, 0.05, 0.1],
  steps: 5,
  stepFactor: 0.5,
  samples: 128,
  renameSamples: 32,
  renameCandidates: 4,
  renameBudget: 4,
};

/** One split's samples: dataset indices (into the model's sample source) and their labels. */
export interface AttackSet {
  indices: Int32Array;
  labels: Int32Array;
  /** Per sample: 1 when the run's ledger lists it as corrupted (train only). */
  corrupted?: Uint8Array;
  /** Per sample: the clean sample and its unit text, for the rename attack (undefined: not renamable). */
  source?: (k: number) => { sample: ExtractedSample; unit: string | undefined } | undefined;
}

/** What the rename attack needs besides the sets. */
export interface RenameContext {
  editor: SourceEditor;
  /** Candidate names (vocabulary words, `namePool`). */
  pool: readonly string[];
  /** Scores edited samples with the trained model. */
  evaluate: RenameEvaluator;
}

export interface AdversarialInputs {
  model: TrainableModel;
  train: AttackSet;
  test: AttackSet;
  rename?: RenameContext;
  settings: AdversarialSettings;
  /** Seeds the rename attack's name draws (with each sample's position). */
  seed: number;
  batchSize: number;
  signal?: AbortSignal;
  /** A progress line now and then. */
  log?: (message: string) => void;
  /** Methods attacked so far, at the start, after each split's FGSM/PGD and after each rename attack. */
  onProgress?: (p: AttackProgress) => void;
}

/**
 * Progress of one run's attacks, in methods: each split's FGSM/PGD samples plus its rename
 * budget (`renameSamples`, fewer when the split is smaller; a split whose rename attack ends with
 * fewer applicable methods counts the rest as done at its end).
 */
export interface AttackProgress {
  done: number;
  total: number;
}

/** The rename attack's share of a split's progress: the samples it may attack. */
function renameShare(a: AdversarialInputs, set: AttackSet): number {
  return a.rename && set.source ? Math.min(a.settings.renameSamples, set.indices.length) : 0;
}

/** Reports the start (0 of the total) and returns the function that counts methods attacked. */
function attackCounter(a: AdversarialInputs): (n: number) => void {
  const total = [a.train, a.test].reduce((acc, set) => acc + set.indices.length + renameShare(a, set), 0);
  let done = 0;
  a.onProgress?.({ done, total });
  return (n) => {
    done += n;
    a.onProgress?.({ done, total });
  };
}

/** Positions [0, n) in a fixed shuffled order (seeded), the first `k` of them, ascending. */
export function fixedSubset(n: number, k: number, seed: number): Int32Array {
  const all = new Rng(seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  return all.slice(0, Math.min(k, n)).sort();
}

function pick(set: AttackSet, rows: Int32Array): Pick<AttackSet, 'indices' | 'labels'> {
  return { indices: rows.map((r) => set.indices[r]!), labels: rows.map((r) => set.labels[r]!) };
}

/** The rename attack on the first `renameSamples` samples of a set that have a source. */
async function renameSplit(a: AdversarialInputs, set: AttackSet, clean: Int32Array, what: string, tick: (n: number) => void): Promise<AdversarialSplit['rename']> {
  if (!a.rename || !set.source) return null;
  const { editor, pool, evaluate } = a.rename;
  let applicable = 0;
  let flipped = 0;
  let renames = 0;
  for (let k = 0; k < set.indices.length && applicable < a.settings.renameSamples; k++) {
    checkCancelled(a.signal);
    const src = set.source(k);
    if (!src) continue;
    const target = clean[k]!;
    const p = (await evaluate([src.sample], target)).p[0]!;
    const rng = new Rng(mixSeed(a.seed, fnv1a(`${what}:${k}`)));
    const r = await renameAttack(editor, src.sample, src.unit, { target, p }, pool, evaluate, { candidates: a.settings.renameCandidates, budget: a.settings.renameBudget }, rng);
    if (!r.applicable) continue;
    applicable++;
    tick(1);
    if (r.flipped) {
      flipped++;
      renames += r.renames;
    }
  }
  tick(renameShare(a, set) - applicable);
  return applicable === 0 ? null : { applicable, flipped, rate: flipped / applicable, meanRenames: flipped > 0 ? renames / flipped : null };
}

/** FGSM/PGD flip rates of `rows` (positions in the attacked arrays) per ε. */
function rates(flags: Uint8Array[], rows?: Uint8Array): number[] {
  return flags.map((f) => rateOf(rows ? f.filter((_, i) => rows[i]) : f));
}

async function measureSplit(a: AdversarialInputs, set: AttackSet, what: 'train' | 'test', tick: (n: number) => void): Promise<{ split: AdversarialSplit; corrupted?: AdversarialSplit }> {
  const s = a.settings;
  const rows = pick(set, Int32Array.from(set.indices.keys()));
  const t0 = performance.now();
  const r = await embeddingAttack(a.model, rows.indices, rows.labels, { epsilons: s.epsilons, steps: s.steps, stepFactor: s.stepFactor, batchSize: a.batchSize }, { ...(a.signal ? { signal: a.signal } : {}) });
  const t1 = performance.now();
  tick(rows.indices.length);
  const rename = await renameSplit(a, set, r.clean, what, tick);
  a.log?.(`adversarial, ${what}: FGSM/PGD on ${rows.indices.length} methods in ${((t1 - t0) / 1000).toFixed(1)} s, rename attack on ${rename?.applicable ?? 0} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const split: AdversarialSplit = { evaluated: rows.indices.length, fgsm: rates(r.fgsm), pgd: rates(r.pgd), rename };
  const bad = set.corrupted;
  if (!bad || !bad.some((x) => x === 1)) return { split };
  const n = bad.reduce((x, y) => x + y, 0);
  return { split, corrupted: { evaluated: n, fgsm: rates(r.fgsm, bad), pgd: rates(r.pgd, bad), rename: null } };
}

/**
 * Attacks the run's model on both sets. Undefined when the model has no input-embedding graphs
 * (a bring-your-own model); throws E_CANCELLED when `signal` is aborted.
 */
export async function measureAdversarial(a: AdversarialInputs): Promise<AdversarialReport | undefined> {
  if (!supportsEmbeddingAttack(a.model)) return undefined;
  const s = a.settings;
  const tick = attackCounter(a);
  const train = await measureSplit(a, a.train, 'train', tick);
  const test = await measureSplit(a, a.test, 'test', tick);
  return {
    epsilons: [...s.epsilons],
    steps: s.steps,
    stepFactor: s.stepFactor,
    renameCandidates: s.renameCandidates,
    renameBudget: s.renameBudget,
    train: train.split,
    ...(train.corrupted ? { trainCorrupted: train.corrupted } : {}),
    test: test.split,
  };
}
