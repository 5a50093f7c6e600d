/**
 * Learning-rate schedules, computed in JS and fed to the train graph as one learning rate per
 * step (the graph's `lr` input), so a schedule change never recompiles a graph. A schedule maps
 * the 0-based global step number to the learning rate of that step.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** A learning-rate schedule: global step (0-based) → learning rate. */
export type Schedule = (step: number) => number;

/** Settings of {@link makeSchedule}. */
export interface ScheduleConfig {
  kind: 'constant' | 'warmup' | 'cosine';
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up steps from lr/warmupSteps to lr (default 0 = none). */
  warmupSteps?: number;
  /** Total steps of the run (cosine only): the rate reaches `minLr` at this step. */
  totalSteps?: number;
  /** Floor of the cosine decay (default 0). */
  minLr?: number;
}

function bad(field: string, message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, `schedule.${field} ${message}`, { field: `schedule.${field}` });
}

/** The constant rate `lr`. */
export function constant(lr: number): Schedule {
  return () => lr;
}

/**
 * Linear warm-up: step t < W gets lr·(t + 1)/W (so the first step is not wasted at rate 0),
 * then `after(t)` (default: constant lr).
 */
export function linearWarmup(lr: number, warmupSteps: number, after: Schedule = constant(lr)): Schedule {
  return (t) => (t < warmupSteps ? (lr * (t + 1)) / warmupSteps : after(t));
}

/**
 * Cosine decay after an optional warm-up: for W ≤ t ≤ T,
 * lr_t = minLr + (lr − minLr)·(1 + cos(π·(t − W)/(T − W)))/2, and minLr after T.
 */
export function cosine(lr: number, totalSteps: number, warmupSteps = 0, minLr = 0): Schedule {
  const span = Math.max(1, totalSteps - warmupSteps);
  const decay: Schedule = (t) => {
    const x = Math.min(1, Math.max(0, (t - warmupSteps) / span));
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * x))) / 2;
  };
  return warmupSteps > 0 ? linearWarmup(lr, warmupSteps, decay) : decay;
}

/** Builds a schedule from settings, validating them (E_CONFIG names the field). */
export function makeSchedule(c: ScheduleConfig): Schedule {
  if (!(Number.isFinite(c.lr) && c.lr > 0)) throw bad('lr', `must be a positive number (got ${c.lr})`);
  const warmup = c.warmupSteps ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw bad('warmupSteps', `must be a non-negative integer (got ${warmup})`);
  switch (c.kind) {
    case 'constant':
      return constant(c.lr);
    case 'warmup':
      return linearWarmup(c.lr, warmup);
    case 'cosine': {
      const total = c.totalSteps;
      if (total === undefined || !Number.isInteger(total) || total <= warmup) throw bad('totalSteps', `must be an integer greater than warmupSteps = ${warmup} (got ${total})`);
      const minLr = c.minLr ?? 0;
      if (!(minLr >= 0 && minLr <= c.lr)) throw bad('minLr', `must be in [0, lr] (got ${minLr})`);
      return cosine(c.lr, total, warmup, minLr);
    }
    default:
      throw bad('kind', `must be constant, warmup or cosine (got ${String((c as { kind: unknown }).kind)})`);
  }
}
