/**
 * Susceptibility ζ (Forouzesh, Sedghi, Thiran 2023; docs/metrics.md § "Susceptibility ζ"): the
 * aggregation of the per-epoch probe the trainer runs on a fixed random-label set S̃ (the probe
 * itself, one optimizer step on a batch of S̃ and a restore, is the training loop's job).
 *
 * With Φ_before(t), Φ_after(t) the mean cross-entropy on the probe batch before and after the
 * step at the start of epoch t:
 *
 *     Δ_t = Φ_before(t) − Φ_after(t),     ζ(t) = (1/t) Σ_{τ=1}^{t} Δ_τ     (t ≥ 1; epoch 0 skipped),
 *
 * a running mean of how much one step on random labels lowers their loss. High ζ = the model
 * memorizes easily. ζ(0) is undefined and reported as NaN.
 *
 * Model selection (the paper's rule): among candidate models, prefer those with train accuracy
 * ≥ the candidates' mean and ζ ≤ the candidates' mean (high fit, low memorization).
 */
import { allFinite, configError, sameLength, type Numbers } from './check';

/** Δ_t = Φ_before(t) − Φ_after(t) per epoch. Throws `E_CONFIG` on a length mismatch or a non-finite Φ. */
export function susceptibilityDeltas(phiBefore: Numbers, phiAfter: Numbers): Float64Array {
  sameLength('susceptibility', 'phiBefore', phiBefore, 'phiAfter', phiAfter);
  allFinite('susceptibility', 'phiBefore', phiBefore);
  allFinite('susceptibility', 'phiAfter', phiAfter);
  const out = new Float64Array(phiBefore.length);
  for (let t = 0; t < out.length; t++) out[t] = phiBefore[t]! - phiAfter[t]!;
  return out;
}

/**
 * ζ(t) for every epoch t of the inputs (index = epoch, 0-based): out[0] = NaN (skipped),
 * out[t] = mean of Δ_1 … Δ_t. Empty inputs give an empty array.
 */
export function susceptibility(phiBefore: Numbers, phiAfter: Numbers): Float64Array {
  const delta = susceptibilityDeltas(phiBefore, phiAfter);
  const out = new Float64Array(delta.length);
  let sum = 0;
  for (let t = 0; t < delta.length; t++) {
    if (t === 0) {
      out[t] = NaN;
      continue;
    }
    sum += delta[t]!;
    out[t] = sum / t;
  }
  return out;
}

/** A candidate model (e.g. a checkpoint or a hyper-parameter setting) for selection. */
export interface SusceptibilityCandidate {
  id: string;
  trainAccuracy: number;
  /** ζ of the candidate (e.g. at its final epoch). */
  susceptibility: number;
}

/** Outcome of {@link selectBySusceptibility}. */
export interface SusceptibilitySelection {
  /** Ids meeting the rule, lowest ζ first (ties: higher train accuracy, then input order). */
  preferred: string[];
  /** The first preferred id; null without candidates. */
  chosen: string | null;
  /**
   * True when no candidate met both conditions: `preferred` then holds the candidates with train
   * accuracy ≥ mean (a nonempty set), ordered the same way.
   */
  fallback: boolean;
  meanTrainAccuracy: number;
  meanSusceptibility: number;
}

/**
 * The paper's model-selection rule: preferred = candidates with trainAccuracy ≥ mean and
 * susceptibility ≤ mean (means over all candidates). Both sets can miss each other (high accuracy
 * only with high ζ); then the rule falls back to the high-accuracy half, ordered by ζ (flagged by
 * `fallback`). Throws `E_CONFIG` for a non-finite accuracy or ζ, or duplicate ids.
 */
export function selectBySusceptibility(candidates: readonly SusceptibilityCandidate[]): SusceptibilitySelection {
  const fn = 'selectBySusceptibility';
  const ids = new Set<string>();
  candidates.forEach((c, i) => {
    if (!Number.isFinite(c.trainAccuracy)) throw configError(fn, `candidates[${i}].trainAccuracy`, `is ${String(c.trainAccuracy)}; a finite value is required`, { index: i });
    if (!Number.isFinite(c.susceptibility)) throw configError(fn, `candidates[${i}].susceptibility`, `is ${String(c.susceptibility)}; a finite value is required`, { index: i });
    if (ids.has(c.id)) throw configError(fn, `candidates[${i}].id`, `'${c.id}' is used twice`, { index: i });
    ids.add(c.id);
  });
  const n = candidates.length;
  if (n === 0) return { preferred: [], chosen: null, fallback: false, meanTrainAccuracy: NaN, meanSusceptibility: NaN };
  let ma = 0;
  let mz = 0;
  for (const c of candidates) {
    ma += c.trainAccuracy;
    mz += c.susceptibility;
  }
  ma /= n;
  mz /= n;
  const order = (list: SusceptibilityCandidate[]): string[] =>
    list
      .map((c, k) => ({ c, k }))
      .sort((x, y) => x.c.susceptibility - y.c.susceptibility || y.c.trainAccuracy - x.c.trainAccuracy || x.k - y.k)
      .map((x) => x.c.id);
  // The means are compared with a relative slack of 1e-12 so that equal values are never excluded
  // by the rounding of their own mean (three times 0.1 averages to 0.10000000000000002).
  const slack = (m: number): number => 1e-12 * Math.max(1, Math.abs(m));
  const accurate = candidates.filter((c) => c.trainAccuracy >= ma - slack(ma));
  const both = accurate.filter((c) => c.susceptibility <= mz + slack(mz));
  const fallback = both.length === 0;
  const preferred = order(fallback ? accurate : both);
  return { preferred, chosen: preferred[0] ?? null, fallback, meanTrainAccuracy: ma, meanSusceptibility: mz };
}
