/**
 * All per-sample signals of docs/metrics.md § "Per-sample signals" for one split, and the
 * orientation that turns each into a suspicion score (higher = more likely corrupted /
 * memorized) for § "Self-calibration (detection AUROC / AP)".
 *
 * | signal        | source            | suspicious when | orientation |
 * |---------------|-------------------|-----------------|-------------|
 * | aum           | aum.ts            | low             | −1          |
 * | confidence    | cartography.ts    | low             | −1          |
 * | variability   | cartography.ts    | high            | +1          |
 * | correctness   | cartography.ts    | low             | −1          |
 * | forgetting    | forgetting.ts     | high            | +1          |
 * | firstLearned  | forgetting.ts     | high (late)     | +1          |
 * | finalLoss     | loss-signals.ts   | high            | +1          |
 * | meanLoss      | loss-signals.ts   | high            | +1          |
 * | finalExcessLoss | loss-signals.ts | high            | +1          |
 * | meanExcessLoss  | loss-signals.ts | high            | +1          |
 *
 * Variability is the one signal whose direction is not settled by the literature (mislabeled
 * samples sit in the low-confidence, low-variability "hard" region, yet samples memorized late
 * swing widely); +1 follows the "learned late" reading, and the detection AUROC on the noise
 * ledger says, per run, whether it holds (an AUROC below 0.5 means the other direction ranks).
 * The detection choice tries both orientations of every signal (docs/metrics.md § "Detection
 * choice"); this table is the usual one, which wins ties there.
 */
import { aum, type AumOptions } from './aum';
import { cartography } from './cartography';
import { configError, type Numbers } from './check';
import type { DynamicsSource } from './dynamics-source';
import { forgetting } from './forgetting';
import { lossSignals } from './loss-signals';

/** Every per-sample signal, one typed array of n values each. */
export interface PerSampleSignals {
  aum: Float64Array;
  confidence: Float64Array;
  variability: Float64Array;
  correctness: Float64Array;
  forgetting: Int32Array;
  firstLearned: Int32Array;
  finalLoss: Float64Array;
  meanLoss: Float64Array;
  finalExcessLoss: Float64Array;
  meanExcessLoss: Float64Array;
}

/** Name of a per-sample signal. */
export type SignalName = keyof PerSampleSignals;

/** Orientation of each signal: suspicion = orientation × value (see the module table). */
export const SIGNAL_ORIENTATION: Readonly<Record<SignalName, 1 | -1>> = Object.freeze({
  aum: -1,
  confidence: -1,
  variability: 1,
  correctness: -1,
  forgetting: 1,
  firstLearned: 1,
  finalLoss: 1,
  meanLoss: 1,
  finalExcessLoss: 1,
  meanExcessLoss: 1,
});

/** Signal names in a fixed order (the tie-break order of `bestSignal`). */
export const SIGNAL_NAMES: readonly SignalName[] = Object.freeze(Object.keys(SIGNAL_ORIENTATION) as SignalName[]);

/**
 * Computes every per-sample signal of `d` (needs ≥ 1 recorded epoch). Four vectorised passes,
 * one per module (margin; pLabel + top1; top1; loss), O(rows · n) time, O(n) memory per output.
 */
export function perSampleSignals(d: DynamicsSource, options: AumOptions = {}): PerSampleSignals {
  const c = cartography(d);
  const f = forgetting(d);
  const l = lossSignals(d);
  return {
    aum: aum(d, options),
    confidence: c.confidence,
    variability: c.variability,
    correctness: c.correctness,
    forgetting: f.events,
    firstLearned: f.firstLearned,
    finalLoss: l.finalLoss,
    meanLoss: l.meanLoss,
    finalExcessLoss: l.finalExcessLoss,
    meanExcessLoss: l.meanExcessLoss,
  };
}

/**
 * Suspicion score of a signal: orientation × value (NaN stays NaN; −0 is written as 0).
 * Throws `E_CONFIG` for an orientation other than ±1.
 */
export function suspicion(values: Numbers, orientation: number): Float64Array {
  if (orientation !== 1 && orientation !== -1) throw configError('suspicion', 'orientation', `must be 1 or -1 (got ${String(orientation)})`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = orientation * values[i]! + 0;
  return out;
}
