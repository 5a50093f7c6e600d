/**
 * Detection quality, the self-calibration (docs/metrics.md § "Self-calibration (detection AUROC /
 * AP)"): how well each per-sample signal ranks the noise ledger's corrupted training samples above
 * the clean ones, as AUROC and average precision (ranking.ts: Mann–Whitney with midranks; AP with
 * tied scores as one threshold, so neither depends on the order of ties) of the suspicion score
 * orientation × value (signals.ts). The best signal then ranks the real samples of the clean run
 * ("likely memorized").
 *
 * A signal with any NaN value (e.g. AUM of a one-epoch run) gets NaN quality and a count of its
 * undefined samples, and is never the best; without corrupted (or without clean) samples every
 * AUROC is NaN and no signal is best.
 */
import { configError, maskOfLength, type Mask, type Numbers } from './check';
import { orderByScore, rankingQuality } from './ranking';
import { SIGNAL_ORIENTATION, suspicion } from './signals';

/** Quality of one signal at detecting the corrupted samples. */
export interface SignalQuality {
  signal: string;
  /** The orientation used: suspicion = orientation × value. */
  orientation: 1 | -1;
  auroc: number;
  averagePrecision: number;
  /** Corrupted samples (positives) and clean ones (negatives). */
  positives: number;
  negatives: number;
  /** Samples whose value is NaN (quality is NaN when > 0). */
  undefinedSamples: number;
}

/**
 * Detection quality of every signal in `signals` (in its key order) against the `corrupted`
 * mask. Orientations come from `orientation` (default `SIGNAL_ORIENTATION`); a signal without one
 * throws `E_CONFIG`, as does a signal whose length differs from the mask.
 */
export function detectionQuality<K extends string>(
  signals: Readonly<Record<K, Numbers>>,
  corrupted: Mask,
  orientation: Readonly<Record<string, 1 | -1>> = SIGNAL_ORIENTATION,
): SignalQuality[] {
  const out: SignalQuality[] = [];
  for (const [name, values] of Object.entries<Numbers>(signals)) {
    const o = orientation[name];
    if (o !== 1 && o !== -1) throw configError('detectionQuality', `orientation of signal '${name}'`, `is missing; give 1 (high = suspicious) or -1 (low = suspicious)`);
    maskOfLength('detectionQuality', `corrupted (for signal '${name}')`, corrupted, values.length);
    let nan = 0;
    let positives = 0;
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) nan++;
      if (corrupted[i]) positives++;
    }
    const negatives = values.length - positives;
    if (nan > 0) {
      out.push({ signal: name, orientation: o, auroc: NaN, averagePrecision: NaN, positives, negatives, undefinedSamples: nan });
      continue;
    }
    const q = rankingQuality(suspicion(values, o), corrupted);
    out.push({ signal: name, orientation: o, auroc: q.auroc, averagePrecision: q.averagePrecision, positives, negatives, undefinedSamples: 0 });
  }
  return out;
}

/**
 * The signal that detects best: highest `by` (default AUROC), ties broken by the other measure,
 * then by the order of `qualities`. Signals with NaN `by` are skipped; null when none is left.
 */
export function bestSignal(qualities: readonly SignalQuality[], by: 'auroc' | 'averagePrecision' = 'auroc'): SignalQuality | null {
  const other = by === 'auroc' ? 'averagePrecision' : 'auroc';
  let best: SignalQuality | null = null;
  for (const q of qualities) {
    if (Number.isNaN(q[by])) continue;
    if (best === null || q[by] > best[by] || (q[by] === best[by] && (q[other] > best[other] || (Number.isNaN(best[other]) && !Number.isNaN(q[other]))))) best = q;
  }
  return best;
}

/**
 * Positions ranked most suspicious first by orientation × value (ties in position order), samples
 * with a NaN value left out; at most `limit` of them (default all). The "likely memorized" list
 * of the clean run uses the best signal's values and orientation.
 */
export function rankBySuspicion(values: Numbers, orientation: 1 | -1, limit = Infinity): Uint32Array {
  if (!(limit >= 0)) throw configError('rankBySuspicion', 'limit', `must be ≥ 0 (got ${String(limit)})`);
  const keep: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) keep.push(i);
  const s = suspicion(
    keep.map((i) => values[i]!),
    orientation,
  );
  const order = orderByScore(s);
  const k = Math.min(order.length, Math.floor(Math.min(limit, order.length)));
  const out = new Uint32Array(k);
  for (let j = 0; j < k; j++) out[j] = keep[order[j]!]!;
  return out;
}
