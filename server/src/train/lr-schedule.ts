/**
 * Learning-rate schedules of the trainer, as pure functions of the global step. The learning rate
 * is fed to the model per step (`TrainableModel.trainSteps(batches, lr, rng)`), so a schedule is
 * nothing but the map step → rate; nothing of it lives in the graph or in the checkpoint.
 */
import { EngineError, ERROR_CODES } from '../errors';

/**
 * - `constant`: lr at every step.
 * - `linear-warmup`: lr · min(1, (s + 1) / w) — a linear ramp over the first w steps, then flat.
 * - `cosine`: the same ramp over the first w steps (w may be 0), then a half cosine from lr down
 *   to `minLr` over the remaining steps: minLr + (lr − minLr) · (1 + cos(π · t)) / 2 with
 *   t = (s − w) / (T − w), T the total number of steps of the run.
 *
 * The ramp uses s + 1 rather than s so that the first step already moves the weights (a zero
 * rate would waste it).
 */
export type LrSchedule =
  | { kind: 'constant'; lr: number }
  | { kind: 'linear-warmup'; lr: number; warmupSteps: number }
  | { kind: 'cosine'; lr: number; warmupSteps?: number; minLr?: number };

/** Throws `E_CONFIG` naming the first invalid field of a schedule. */
export function validateLrSchedule(s: LrSchedule): void {
  const bad = (field: string, why: string): never => {
    throw new EngineError(ERROR_CODES.CONFIG, `training schedule: ${field} ${why}`, { field });
  };
  if (s === null || typeof s !== 'object') bad('schedule', 'must be an object');
  if (s.kind !== 'constant' && s.kind !== 'linear-warmup' && s.kind !== 'cosine') bad('schedule.kind', `must be constant, linear-warmup or cosine (got ${String((s as { kind: unknown }).kind)})`);
  if (!(Number.isFinite(s.lr) && s.lr > 0)) bad('schedule.lr', `must be a positive number (got ${s.lr})`);
  if (s.kind === 'linear-warmup' && !(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 1)) bad('schedule.warmupSteps', `must be an integer ≥ 1 (got ${s.warmupSteps})`);
  if (s.kind === 'cosine') {
    if (s.warmupSteps !== undefined && !(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0)) bad('schedule.warmupSteps', `must be an integer ≥ 0 (got ${s.warmupSteps})`);
    if (s.minLr !== undefined && !(Number.isFinite(s.minLr) && s.minLr >= 0 && s.minLr <= s.lr)) bad('schedule.minLr', `must be in [0, lr] (got ${s.minLr})`);
  }
}

/** Learning rate of global step `step` (0-based) in a run of `totalSteps` steps. */
export function learningRate(s: LrSchedule, step: number, totalSteps: number): number {
  switch (s.kind) {
    case 'constant':
      return s.lr;
    case 'linear-warmup':
      return s.lr * Math.min(1, (step + 1) / s.warmupSteps);
    case 'cosine': {
      const w = s.warmupSteps ?? 0;
      if (step < w) return s.lr * ((step + 1) / w);
      const minLr = s.minLr ?? 0;
      const t = Math.min(1, (step - w) / Math.max(1, totalSteps - w));
      return minLr + (s.lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
  }
}
