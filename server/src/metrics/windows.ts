/**
 * Windows of training dynamics a signal can be computed over (docs/metrics.md § "Detection choice
 * (signal × orientation × window, cross-fitted)"): all recorded epochs, the first ⌈E/4⌉, ⌈E/2⌉ and
 * ⌈3E/4⌉, and the epochs up to the best validation epoch. A signal over the first k epochs is the
 * same signal code applied to the dynamics restricted to rows [0, k) ({@link windowedDynamics}),
 * so no signal is written twice.
 */
import { configError, intAtLeast } from './check';
import { checkSource, type DynamicsSource } from './dynamics-source';
import { perSampleSignals, SIGNAL_NAMES, type PerSampleSignals, type SignalName } from './signals';

/** How a window is defined; its epoch count follows from the run (`epochs`). */
export type WindowKind = 'all' | 'first' | 'best-val';

/** A window of the first `epochs` recorded epochs. `id` is the same in every run of an audit. */
export interface DynamicsWindow {
  /** 'all', 'first-<k>' or 'best-val'. */
  id: string;
  kind: WindowKind;
  /** Recorded epochs in the window (rows [0, epochs)). */
  epochs: number;
}

/**
 * Recorded epochs a signal needs to say anything: AUM skips the first epoch; variability (a
 * standard deviation) and forgetting (a transition) need two epochs to differ between samples.
 */
export const SIGNAL_MIN_EPOCHS: Readonly<Record<SignalName, number>> = Object.freeze({
  aum: 2,
  confidence: 1,
  variability: 2,
  correctness: 1,
  forgetting: 2,
  firstLearned: 1,
  finalLoss: 1,
  meanLoss: 1,
  finalExcessLoss: 1,
  meanExcessLoss: 1,
});

/** The first `k` rows of `d`, as a view (no copy). Throws `E_CONFIG` for k outside [1, d.rows]. */
export function windowedDynamics(d: DynamicsSource, k: number): DynamicsSource {
  intAtLeast('windowedDynamics', 'k', k, 1);
  if (k > d.rows) throw configError('windowedDynamics', 'k', `is ${k}, more than the ${d.rows} recorded epochs`);
  if (k === d.rows) return d;
  return { n: d.n, rows: k, labels: d.labels, row: (r) => d.row(r) };
}

/**
 * The candidate windows of a run with `rows` recorded epochs: 'all', then the first ⌈E/4⌉, ⌈E/2⌉,
 * ⌈3E/4⌉ epochs (each kept once, and only when shorter than all), then 'best-val' (the epochs up
 * to and including the best validation epoch, 1-based `bestValEpoch`) when the run has one. The
 * fraction windows depend only on E, so their ids mean the same epochs in every run of an audit;
 * 'best-val' is kept even when it equals another window, since its length varies by run.
 */
export function detectionWindows(rows: number, bestValEpoch: number | null = null): DynamicsWindow[] {
  intAtLeast('detectionWindows', 'rows', rows, 1);
  const out: DynamicsWindow[] = [{ id: 'all', kind: 'all', epochs: rows }];
  for (const q of [1, 2, 3]) {
    const k = Math.ceil((q * rows) / 4);
    if (k < rows && !out.some((w) => w.epochs === k)) out.push({ id: `first-${k}`, kind: 'first', epochs: k });
  }
  if (bestValEpoch !== null && Number.isInteger(bestValEpoch) && bestValEpoch >= 1) {
    out.push({ id: 'best-val', kind: 'best-val', epochs: Math.min(bestValEpoch, rows) });
  }
  return out;
}

/**
 * Every signal over window `w` of `d`; a signal that needs more epochs than the window has
 * (`SIGNAL_MIN_EPOCHS`) is left out.
 */
export function windowSignals(d: DynamicsSource, w: Pick<DynamicsWindow, 'epochs'>): Partial<PerSampleSignals> {
  checkSource('windowSignals', d, 1);
  const all = perSampleSignals(windowedDynamics(d, w.epochs));
  const out: Partial<PerSampleSignals> = {};
  for (const name of SIGNAL_NAMES) if (SIGNAL_MIN_EPOCHS[name] <= w.epochs) (out as Record<string, unknown>)[name] = all[name];
  return out;
}
