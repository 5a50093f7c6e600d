/**
 * Run-level scores of the randomization test: generalization gap, noise fit rate, memorization
 * score M, generalization score G, noise sensitivity (docs/metrics.md, the sections of those
 * names); and the per-epoch accuracy of a subset of a split's dynamics they rest on.
 *
 * Noise levels p are fractions in [0, 1] (25% = 0.25); a level outside that range throws
 * `E_CONFIG` (a percentage passed by mistake would otherwise scale the slope by 100). Several
 * runs at one level (seeds) are averaged within the level first, so every level weighs the same
 * in M; the noise-sensitivity regression uses every run as a point.
 */
import { configError, maskOfLength, type Mask } from './check';
import { checkSource, type DynamicsSource } from './dynamics-source';

/**
 * Accuracy per recorded epoch (row) of the samples selected by `mask` (all when absent), against
 * the labels of `d`: mean over selected p of 1[top1 = label]. NaN for a row when nothing is
 * selected. O(rows · n).
 */
export function accuracyPerEpoch(d: DynamicsSource, mask?: Mask): Float64Array {
  checkSource('accuracyPerEpoch', d, 0);
  if (mask) maskOfLength('accuracyPerEpoch', 'mask', mask, d.n);
  const { n, labels } = d;
  let selected = n;
  if (mask) {
    selected = 0;
    for (let p = 0; p < n; p++) if (mask[p]) selected++;
  }
  const out = new Float64Array(d.rows);
  for (let r = 0; r < d.rows; r++) {
    const top1 = d.row(r).top1;
    let c = 0;
    if (mask) {
      for (let p = 0; p < n; p++) if (mask[p] && top1[p] === labels[p]) c++;
    } else {
      for (let p = 0; p < n; p++) if (top1[p] === labels[p]) c++;
    }
    out[r] = selected === 0 ? NaN : c / selected;
  }
  return out;
}

/**
 * Noise fit rate per epoch (docs/metrics.md § "Noise fit rate"): accuracy of the corrupted training
 * samples against their corrupted labels, i.e. the labels `d` was trained on. `corrupted` is the
 * noise ledger as a 0/1 mask over training positions (`maskFromPositions`). NaN per row when no
 * sample is corrupted (the rate is undefined, not 0). Chance level is about 1 / |label vocabulary|.
 */
export function noiseFitRate(d: DynamicsSource, corrupted: Mask): Float64Array {
  return accuracyPerEpoch(d, corrupted);
}

/**
 * Index of the best value of a curve (first one on ties), skipping null and NaN entries
 * (epochs not evaluated); −1 when there is none. Use it for the best-validation epoch.
 */
export function bestEpoch(values: ArrayLike<number | null>, mode: 'max' | 'min'): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) continue;
    if (best < 0 || (mode === 'max' ? v > values[best]! : v < values[best]!)) best = i;
  }
  return best;
}

/**
 * Generalization gap = train F1 − test F1 at epoch index `at` (default: the last; pass
 * `bestEpoch(valF1, 'max')` for the best-validation epoch). Throws `E_CONFIG` when the curves
 * differ in length, `at` is out of range, or a value there is missing or not finite (test not
 * evaluated at that epoch).
 */
export function generalizationGap(trainF1: ArrayLike<number | null>, testF1: ArrayLike<number | null>, at = trainF1.length - 1): number {
  const fn = 'generalizationGap';
  if (trainF1.length !== testF1.length) throw configError(fn, 'trainF1', `has ${trainF1.length} epochs but testF1 has ${testF1.length}`);
  if (!Number.isInteger(at) || at < 0 || at >= trainF1.length) throw configError(fn, 'at', `is ${String(at)}, not an epoch index of the ${trainF1.length}-epoch curves`);
  const tr = trainF1[at];
  const te = testF1[at];
  if (typeof tr !== 'number' || !Number.isFinite(tr)) throw configError(fn, 'trainF1', `is ${String(tr)} at epoch index ${at}; a finite value is required`);
  if (typeof te !== 'number' || !Number.isFinite(te)) throw configError(fn, 'testF1', `is ${String(te)} at epoch index ${at} (not evaluated there?); a finite value is required`);
  return tr - te;
}

/** One run's final result at a label-noise level (fraction p in [0, 1]). */
export interface LevelResult {
  level: number;
  value: number;
}

function checkLevels(fn: string, runs: readonly LevelResult[], what: string): void {
  runs.forEach((r, i) => {
    if (typeof r.level !== 'number' || !(r.level >= 0 && r.level <= 1)) throw configError(fn, `runs[${i}].level`, `is ${String(r.level)}; noise levels are fractions in [0, 1]`, { index: i });
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw configError(fn, `runs[${i}].value`, `(${what}) is ${String(r.value)}; a finite value is required`, { index: i });
  });
}

/** Mean value per distinct level, levels ascending. */
function levelMeans(runs: readonly LevelResult[]): { level: number; mean: number }[] {
  const acc = new Map<number, { sum: number; count: number }>();
  for (const r of runs) {
    const a = acc.get(r.level) ?? { sum: 0, count: 0 };
    a.sum += r.value;
    a.count++;
    acc.set(r.level, a);
  }
  return [...acc.entries()].sort((x, y) => x[0] - y[0]).map(([level, a]) => ({ level, mean: a.sum / a.count }));
}

/**
 * Memorization score M (docs/metrics.md § "Memorization M", 0..1) = mean over label-noise
 * levels p > 0 of the final noise fit rate (`value`); seeds of one level are averaged first. NaN
 * when there is no run with p > 0. Throws `E_CONFIG` for a level outside [0, 1] or a non-finite
 * fit rate (a p > 0 run without corrupted samples has no fit rate and must not be passed).
 */
export function memorizationScore(runs: readonly LevelResult[]): number {
  checkLevels('memorizationScore', runs, 'final noise fit rate');
  const noisy = levelMeans(runs.filter((r) => r.level > 0));
  if (noisy.length === 0) return NaN;
  let s = 0;
  for (const l of noisy) s += l.mean;
  return s / noisy.length;
}

/**
 * Generalization score G (docs/metrics.md § "Generalization G", 0..1) = test F1 (`value`) of the
 * clean run (p = 0), averaged over its seeds. NaN when there is no p = 0 run.
 */
export function generalizationScore(runs: readonly LevelResult[]): number {
  checkLevels('generalizationScore', runs, 'test F1');
  const clean = levelMeans(runs.filter((r) => r.level === 0));
  return clean.length === 0 ? NaN : clean[0]!.mean;
}

/**
 * Noise sensitivity (docs/metrics.md § "Noise sensitivity") = least-squares slope of test F1
 * (`value`) against p in [0, 1], every run one point: β = Σ (p − p̄)(y − ȳ) / Σ (p − p̄)².
 * Typically negative (test F1 falls with noise); −0.8 means test F1 drops 0.08 per 10 points of
 * noise. NaN with fewer than two distinct levels (no slope is defined).
 */
export function noiseSensitivity(runs: readonly LevelResult[]): number {
  checkLevels('noiseSensitivity', runs, 'test F1');
  const n = runs.length;
  if (n === 0) return NaN;
  let mp = 0;
  let my = 0;
  for (const r of runs) {
    mp += r.level;
    my += r.value;
  }
  mp /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (const r of runs) {
    sxy += (r.level - mp) * (r.value - my);
    sxx += (r.level - mp) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}
