/**
 * The memorization score of a training sample, cross-fitted (docs/metrics.md § "Memorization
 * score (cross-fitted)"; Feldman & Zhang 2020, "What neural networks memorize and why"):
 *
 *     mem(i) = P(right on i | i in the training data) − P(right on i | i held out)
 *
 * estimated with K fold runs, each trained on all training samples but one fold (every sample is
 * held out by exactly one of them), and the full clean run:
 *   - P_in(i)  = mean over the models that trained on i (the clean run and the K − 1 fold runs
 *                whose training set holds i), each at its final epoch, of [top-1 = label];
 *   - P_out(i) = [top-1 = label] of the fold run that held i out;
 *   - mem(i)     = P_in(i) − P_out(i) ∈ [−1, 1];
 *   - memProb(i) = mean_in p(label) − p_out(label), the same with the label's probability (a
 *                  finer tie-break for the K + 1 possible values of mem).
 * A sample the model fits when trained on but does not predict when held out was memorized; one
 * it does not fit even when trained on (P_in < ½) was not learned (a possible label problem or
 * unusual code), whatever the held-out model says.
 */
import { configError } from './check';
import { assignFolds } from './crossfit';

/** Seed of the memorization folds: not the detection folds' seed, so the two splits are independent. */
export const MEM_FOLD_SEED = 0x3e3f_01d5;

/** A sample counts as fitted when trained on when P_in is at least this. */
export const FITTED_THRESHOLD = 0.5;

/**
 * The memorization fold (0 … k−1) of each training sample, from its id alone (as `assignFolds`:
 * the same fold in every audit and whatever the order of the samples).
 */
export function memorizationFolds(ids: readonly string[], k: number): Uint8Array {
  return assignFolds(ids, MEM_FOLD_SEED, k);
}

/** One model's predictions on some training positions: [top-1 = label] and p(label). */
export interface PositionPredictions {
  /** Training positions (0 … n−1) the predictions are of. */
  positions: ArrayLike<number>;
  correct: ArrayLike<number>;
  pLabel: ArrayLike<number>;
}

/** What one fold run predicted: on the positions it trained on (final epoch) and on its held-out fold. */
export interface FoldPredictions {
  fitted: PositionPredictions;
  heldOut: PositionPredictions;
}

/** Per training position; NaN where a side has no model (e.g. a fold run is missing). */
export interface MemorizationScores {
  /** P_in: share of the models trained on the sample that got it right. */
  fittedRate: Float64Array;
  /** P_out: whether the model that held it out got it right (0 or 1). */
  heldOutRate: Float64Array;
  /** P_in − P_out. */
  mem: Float64Array;
  /** mean_in p(label) − p_out(label). */
  memProb: Float64Array;
  /** Models trained on the sample, and models that held it out. */
  inModels: Int32Array;
  outModels: Int32Array;
}

/**
 * The scores of n training positions from the full run's final-epoch predictions (`full`, one
 * per position) and the fold runs' (`folds`).
 */
export function memorizationScores(n: number, full: { correct: ArrayLike<number>; pLabel: ArrayLike<number> } | null, folds: readonly FoldPredictions[]): MemorizationScores {
  if (full && (full.correct.length !== n || full.pLabel.length !== n)) throw configError('memorizationScores', 'full', `must have ${n} predictions (got ${full.correct.length})`);
  const inRight = new Float64Array(n);
  const inProb = new Float64Array(n);
  const inModels = new Int32Array(n);
  const outRight = new Float64Array(n);
  const outProb = new Float64Array(n);
  const outModels = new Int32Array(n);
  const add = (p: PositionPredictions, right: Float64Array, prob: Float64Array, models: Int32Array) => {
    for (let j = 0; j < p.positions.length; j++) {
      const i = p.positions[j]!;
      if (!(i >= 0 && i < n)) throw configError('memorizationScores', 'positions', `must be in [0, ${n}) (got ${i})`);
      right[i]! += p.correct[j] ? 1 : 0;
      prob[i]! += p.pLabel[j]!;
      models[i]!++;
    }
  };
  if (full) add({ positions: Int32Array.from({ length: n }, (_, i) => i), correct: full.correct, pLabel: full.pLabel }, inRight, inProb, inModels);
  for (const f of folds) {
    add(f.fitted, inRight, inProb, inModels);
    add(f.heldOut, outRight, outProb, outModels);
  }
  const s: MemorizationScores = {
    fittedRate: new Float64Array(n),
    heldOutRate: new Float64Array(n),
    mem: new Float64Array(n),
    memProb: new Float64Array(n),
    inModels,
    outModels,
  };
  for (let i = 0; i < n; i++) {
    const pin = inModels[i]! > 0 ? inRight[i]! / inModels[i]! : NaN;
    const pout = outModels[i]! > 0 ? outRight[i]! / outModels[i]! : NaN;
    s.fittedRate[i] = pin;
    s.heldOutRate[i] = pout;
    s.mem[i] = pin - pout;
    s.memProb[i] = (inModels[i]! > 0 ? inProb[i]! / inModels[i]! : NaN) - (outModels[i]! > 0 ? outProb[i]! / outModels[i]! : NaN);
  }
  return s;
}

/**
 * The memorized samples, most memorized first: P_in ≥ ½ and mem > 0, by mem, then memProb, then
 * `suspicion` (the detection score, higher = more suspicious; NaN last), then position.
 */
export function memorizedOrder(s: MemorizationScores, suspicion: ArrayLike<number> | null, limit = Infinity): number[] {
  const keep: number[] = [];
  for (let i = 0; i < s.mem.length; i++) if (s.fittedRate[i]! >= FITTED_THRESHOLD && s.mem[i]! > 0) keep.push(i);
  const sus = (i: number) => {
    const v = suspicion ? Number(suspicion[i]) : NaN;
    return Number.isNaN(v) ? -Infinity : v;
  };
  keep.sort((a, b) => s.mem[b]! - s.mem[a]! || desc(s.memProb[a]!, s.memProb[b]!) || desc(sus(a), sus(b)) || a - b);
  return keep.slice(0, limit);
}

/**
 * The samples not learned: P_in < ½ (not fitted even when trained on), lowest P_in first, then
 * the highest `meanLoss` (the full run's mean training loss; NaN last), then position.
 */
export function notLearnedOrder(s: MemorizationScores, meanLoss: ArrayLike<number> | null, limit = Infinity): number[] {
  const keep: number[] = [];
  for (let i = 0; i < s.fittedRate.length; i++) if (s.fittedRate[i]! < FITTED_THRESHOLD) keep.push(i);
  const loss = (i: number) => {
    const v = meanLoss ? Number(meanLoss[i]) : NaN;
    return Number.isNaN(v) ? -Infinity : v;
  };
  keep.sort((a, b) => s.fittedRate[a]! - s.fittedRate[b]! || desc(loss(a), loss(b)) || a - b);
  return keep.slice(0, limit);
}

/** Descending comparison of two numbers, NaN after every number. */
function desc(a: number, b: number): number {
  const x = Number.isNaN(a) ? -Infinity : a;
  const y = Number.isNaN(b) ? -Infinity : b;
  return x === y ? 0 : y > x ? 1 : -1;
}
