/**
 * The noise's randomness. Every stream is derived by hashing its purpose (kind, seed, and a
 * sample id or a stage name) with SHA-256 into the 128-bit state of the trainer's xoshiro128**,
 * so a stream does not depend on how much another one was used, on processing order, or on the
 * machine.
 *
 * Which samples are corrupted is nested across levels: one permutation of the training positions
 * per (kind, seed), of which a level takes the first round(level · n). A sample corrupted at 25%
 * is corrupted at 50% too, and per-sample edits are drawn from (kind, seed, sample id), so it is
 * corrupted the same way; runs at different levels then differ only by the added noise.
 */
import { createHash } from 'node:crypto';
import { Rng } from '../util/rng';
import type { NoiseKind } from './kinds';

/** A generator for one purpose of one (kind, seed). */
export function noiseRng(kind: NoiseKind, seed: number, purpose: string): Rng {
  const d = createHash('sha256').update(`memaudit-noise\u0000${kind}\u0000${seed}\u0000${purpose}`).digest();
  const state = [d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)];
  // xoshiro's all-zero state is a fixed point.
  if (!state.some((w) => w !== 0)) state[0] = 1;
  return new Rng(state);
}

/** round(level · n), the number of training samples a level chooses (half rounds up). */
export function chosenCount(n: number, level: number): number {
  return Math.min(n, Math.round(level * n));
}

/** The training positions a (kind, level, seed) chooses, ascending. */
export function choosePositions(n: number, kind: NoiseKind, level: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  noiseRng(kind, seed, 'choose').shuffle(order);
  return order.slice(0, chosenCount(n, level)).sort();
}
