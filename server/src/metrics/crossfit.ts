/**
 * Cross-fitted choice of a detection score (docs/metrics.md § "Detection choice (signal ×
 * orientation × window, cross-fitted)").
 *
 * Picking the best of many candidate scores and reporting its AUROC on the samples it was picked
 * on is optimistic: with enough candidates one of them ranks a random subset well by chance. So
 * the training samples are split into K = 2 folds; for each fold f the candidate with the best mean
 * AUROC (over the calibration runs) on the other fold is measured on fold f, and the held-out
 * AUROC is the mean of those measurements. The candidate used afterwards is the best on all
 * samples; its held-out estimate is the cross-fitted number, its same-sample AUROC is kept only
 * for comparison ("in-sample, optimistic").
 */
import { configError, intAtLeast, maskOfLength, type Mask, type Numbers } from './check';
import { fnv1a, splitmix32 } from '../util/rng';

/** Folds of the cross-fit. */
export const DETECTION_FOLDS = 2;

/** Seed of the fold assignment: the same in every audit, so a sample's fold never depends on the run. */
export const FOLD_SEED = 0xf01d_5eed;

/**
 * The fold of each sample, from its id alone: fold = (splitmix32(FNV-1a(id) ⊕ seed)) mod K.
 * Keyed by sample, so a sample is in the same fold in every run of the audit whatever the run
 * corrupted; the corrupted and the clean samples of a run are then each split at random, i.e.
 * stratified in expectation (each stratum of m samples puts m/K ± √m/2 in a fold) rather than
 * exactly, since an exact per-run split would move samples between folds from run to run and leak
 * the choice into the evaluation through the samples' own difficulty.
 */
export function assignFolds(ids: readonly string[], seed = FOLD_SEED, folds = DETECTION_FOLDS): Uint8Array {
  intAtLeast('assignFolds', 'folds', folds, 2);
  if (folds > 255) throw configError('assignFolds', 'folds', `is ${folds}; at most 255`);
  return Uint8Array.from(ids, (id) => splitmix32((fnv1a(id) ^ seed) >>> 0) % folds);
}

/** Corrupted (positives) and clean (negatives) samples per fold. */
export function foldCounts(folds: ArrayLike<number>, corrupted: Mask, k = DETECTION_FOLDS): { positives: number[]; negatives: number[] } {
  maskOfLength('foldCounts', 'corrupted', corrupted, folds.length);
  const positives = new Array<number>(k).fill(0);
  const negatives = new Array<number>(k).fill(0);
  for (let i = 0; i < folds.length; i++) (corrupted[i] ? positives : negatives)[folds[i]!]!++;
  return { positives, negatives };
}

/**
 * AUROC of `scores` on each fold 0 … k−1 and on all samples, from one sort: walking the scores in
 * increasing order, a group of tied scores adds, per subset g, pos_g(group) · (neg_g(below) +
 * neg_g(group) / 2) to the Mann–Whitney U of g (docs/metrics.md § "Self-calibration": ties count
 * ½); AUROC_g = U_g / (n₊_g n₋_g), NaN without positives or negatives in g, and NaN everywhere when
 * a score is NaN.
 */
export function foldAurocs(scores: Numbers, corrupted: Mask, folds: ArrayLike<number>, k = DETECTION_FOLDS): number[] {
  const n = scores.length;
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) return new Array<number>(k + 1).fill(NaN);
  const s = Float64Array.from(scores);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (s[a]! < s[b]! ? -1 : s[a]! > s[b]! ? 1 : 0));
  const u = new Float64Array(k + 1);
  const below = new Float64Array(k + 1);
  const pos = new Float64Array(k + 1);
  const gp = new Float64Array(k + 1);
  const gn = new Float64Array(k + 1);
  for (let at = 0; at < n; ) {
    gp.fill(0);
    gn.fill(0);
    let end = at;
    for (; end < n && s[order[end]!] === s[order[at]!]; end++) {
      const i = order[end]!;
      const c = corrupted[i] ? gp : gn;
      c[folds[i]!]!++;
      c[k]!++;
    }
    for (let g = 0; g <= k; g++) {
      u[g]! += gp[g]! * (below[g]! + gn[g]! / 2);
      below[g]! += gn[g]!;
      pos[g]! += gp[g]!;
    }
    at = end;
  }
  return Array.from(u, (x, g) => (pos[g]! > 0 && below[g]! > 0 ? x / (pos[g]! * below[g]!) : NaN));
}

/**
 * Per candidate score (suspicion = the values as given, orientation +1): AUROC on fold 0, …,
 * fold K−1, then on all samples. NaN where the fold lacks a class or a value is NaN.
 */
export function candidateAurocs(scores: Iterable<readonly [string, Numbers]>, corrupted: Mask, folds: ArrayLike<number>, k = DETECTION_FOLDS): Map<string, number[]> {
  maskOfLength('candidateAurocs', 'corrupted', corrupted, folds.length);
  const out = new Map<string, number[]>();
  for (const [key, values] of scores) {
    if (values.length !== folds.length) throw configError('candidateAurocs', `scores '${key}'`, `has ${values.length} values, expected ${folds.length}`);
    out.set(key, foldAurocs(values, corrupted, folds, k));
  }
  return out;
}

/**
 * Both orientations of every candidate: `<key>:+` with the AUROCs as given and `<key>:-` with
 * 1 − AUROC (exact with midranks: negating a score mirrors every comparison). The orientation
 * `first(key)` says comes first, so that it wins ties.
 */
export function withOrientations(table: ReadonlyMap<string, readonly number[]>, first: (key: string) => 1 | -1 = () => 1): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [key, row] of table) {
    const plus: [string, number[]] = [`${key}:+`, [...row]];
    const minus: [string, number[]] = [`${key}:-`, row.map((a) => 1 - a)];
    for (const [k, v] of first(key) === 1 ? [plus, minus] : [minus, plus]) out.set(k, v);
  }
  return out;
}

/** The outcome of {@link crossFit}; candidate keys as in the runs' tables, null where none was defined. */
export interface CrossFit {
  /** The candidate with the best mean AUROC on all samples: the one used afterwards. */
  chosen: string | null;
  /** Its mean AUROC on all samples, the samples it was chosen on (optimistic). */
  inSample: number;
  /** Per fold f: the candidate chosen on the other folds. */
  foldChoices: (string | null)[];
  /** Per fold f: the mean AUROC of `foldChoices[f]` on fold f (NaN when none). */
  heldOutByFold: number[];
  /** Mean of `heldOutByFold` over the folds that have one: the cross-fitted AUROC. */
  heldOut: number;
  /** Candidates compared: those defined (finite mean AUROC on all samples) in every kept run. */
  candidates: number;
}

/**
 * Mean over the runs of each candidate's AUROC at columns `cols` of its row (mean of the columns
 * within a run first). A run where no candidate is defined at those columns (a fold without
 * corrupted samples) is left out; a candidate undefined in a run that is kept scores NaN.
 */
function meanScores(runs: readonly ReadonlyMap<string, readonly number[]>[], cols: readonly number[]): Map<string, number> {
  const at = (row: readonly number[] | undefined): number => (row ? cols.reduce((a, c) => a + row[c]!, 0) / cols.length : NaN);
  const kept = runs.filter((t) => [...t.values()].some((row) => Number.isFinite(at(row))));
  const out = new Map<string, number>();
  if (kept.length === 0) return out;
  for (const key of kept[0]!.keys()) out.set(key, kept.reduce((a, t) => a + at(t.get(key)), 0) / kept.length);
  return out;
}

/** The key with the highest finite score, ties to the first in table order; null when none is finite. */
function argmax(scores: ReadonlyMap<string, number>): string | null {
  let best: string | null = null;
  for (const [key, v] of scores) if (Number.isFinite(v) && (best === null || v > scores.get(best)!)) best = key;
  return best;
}

/**
 * Cross-fitted choice over the calibration runs' candidate tables (rows: AUROC on fold 0, …,
 * fold K−1, all samples, as {@link candidateAurocs} and {@link withOrientations} give them).
 * Fold f's choice is made on the mean AUROC over the other folds and measured on fold f, so no
 * sample both chooses and scores a candidate.
 */
export function crossFit(runs: readonly ReadonlyMap<string, readonly number[]>[], k = DETECTION_FOLDS): CrossFit {
  const all = meanScores(runs, [k]);
  const chosen = argmax(all);
  const foldChoices: (string | null)[] = [];
  const heldOutByFold: number[] = [];
  for (let f = 0; f < k; f++) {
    const others = Array.from({ length: k }, (_, g) => g).filter((g) => g !== f);
    const choice = argmax(meanScores(runs, others));
    foldChoices.push(choice);
    heldOutByFold.push(choice === null ? NaN : (meanScores(runs, [f]).get(choice) ?? NaN));
  }
  const finite = heldOutByFold.filter((x) => Number.isFinite(x));
  return {
    chosen,
    inSample: chosen === null ? NaN : all.get(chosen)!,
    foldChoices,
    heldOutByFold,
    heldOut: finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length,
    candidates: [...all.values()].filter((v) => Number.isFinite(v)).length,
  };
}
