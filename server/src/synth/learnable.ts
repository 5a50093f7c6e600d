/**
 * Token-level synthetic tasks for training tests that need no files: sequences of token ids whose
 * label is a known function of their content, and random labels for the randomization test.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { SynthRng } from '../util/rng';

/** Options of `generateLearnableTask`. */
export interface LearnableTaskOptions {
  seed: number;
  /** Number of samples (≥ 1). */
  samples: number;
  /** Number of classes (≥ 2). */
  labels: number;
  /** Length of every token sequence (≥ 1). */
  tokensPerSample: number;
  /** Token ids are drawn from [reserved, vocab). */
  vocab: number;
  /** Key tokens owned by each label (default 2). */
  keysPerLabel?: number;
  /** Key tokens placed in each sample: at least 1, at most this many (default 3, capped by the length). */
  maxKeysPerSample?: number;
  /** Ids below this are never used, e.g. 0 = padding and 1 = unknown (default 0). */
  reserved?: number;
}

/** A learnable task: `labels[i]` is the class of `tokens[i]`. */
export interface LearnableTask {
  tokens: number[][];
  labels: number[];
  /** `keys[c]`: the key token ids of class c (disjoint across classes). */
  keys: number[][];
}

function configError(message: string): EngineError {
  return new EngineError(ERROR_CODES.CONFIG, message);
}

function requireInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw configError(`${name} must be an integer ≥ ${min} (got ${v})`);
}

/**
 * Generates a classification task that a model can learn, not only memorize.
 *
 * What makes it learnable: every class owns `keysPerLabel` key tokens, no two classes share one,
 * and noise tokens are drawn only from ids that are nobody's key. Each sample holds between one
 * and `maxKeysPerSample` keys of its own class at random positions, and noise everywhere else.
 * So the label is a deterministic function of the content — the class whose key occurs in the
 * sequence — that does not depend on position or on the noise, and a bag-of-tokens model can
 * reach 100% accuracy on held-out samples once it has seen each key a few times. Classes are
 * balanced (sizes differ by at most one), so chance accuracy is 1 / labels.
 */
export function generateLearnableTask(o: LearnableTaskOptions): LearnableTask {
  if (!Number.isSafeInteger(o.seed)) throw configError(`seed must be an integer (got ${o.seed})`);
  requireInt('samples', o.samples, 1);
  requireInt('labels', o.labels, 2);
  requireInt('tokensPerSample', o.tokensPerSample, 1);
  const keysPerLabel = o.keysPerLabel ?? 2;
  requireInt('keysPerLabel', keysPerLabel, 1);
  const maxKeys = Math.min(o.maxKeysPerSample ?? 3, o.tokensPerSample);
  requireInt('maxKeysPerSample', maxKeys, 1);
  const reserved = o.reserved ?? 0;
  requireInt('reserved', reserved, 0);
  const usable = o.vocab - reserved;
  const needed = o.labels * keysPerLabel + 1;
  if (!Number.isInteger(o.vocab) || usable < needed) {
    throw configError(`vocab must leave at least labels × keysPerLabel + 1 = ${needed} ids above reserved = ${reserved} (got vocab ${o.vocab})`);
  }
  const rng = new SynthRng(o.seed).fork('learnable-task');
  const ids = rng.shuffle(Array.from({ length: usable }, (_, k) => reserved + k));
  const keys = Array.from({ length: o.labels }, (_, c) => ids.slice(c * keysPerLabel, (c + 1) * keysPerLabel));
  const noise = ids.slice(o.labels * keysPerLabel);
  const labels = rng.shuffle(Array.from({ length: o.samples }, (_, i) => i % o.labels));
  const tokens = labels.map((y) => {
    const seq = Array.from({ length: o.tokensPerSample }, () => rng.pick(noise));
    const positions = rng.shuffle(Array.from({ length: o.tokensPerSample }, (_, k) => k)).slice(0, rng.range(1, maxKeys));
    for (const p of positions) seq[p] = rng.pick(keys[y]!);
    return seq;
  });
  return { tokens, labels, keys };
}

/**
 * `n` labels drawn uniformly and independently from [0, k): the fully corrupted labels of the
 * randomization test (Zhang et al. 2017), which a network can only memorize.
 */
export function randomLabels(n: number, k: number, seed: number): number[] {
  requireInt('n', n, 0);
  requireInt('k', k, 1);
  if (!Number.isSafeInteger(seed)) throw configError(`seed must be an integer (got ${seed})`);
  const rng = new SynthRng(seed).fork('random-labels');
  return Array.from({ length: n }, () => rng.int(k));
}
