/** Shared helpers of the training tests: synthetic sources with body tokens and path-contexts. */
import { generateLearnableTask } from '../../../server/src/synth';
import type { SampleSource } from '../../../server/src/dataset/source';
import { arraySource } from '../../../server/src/dataset/source';

/** A learnable task as a sample source: ids from 2 (0 = PAD, 1 = UNK); contexts link neighbours. */
export function learnableSource(o: { seed: number; samples: number; labels: number; tokens: number; vocab: number; paths?: number }): { source: SampleSource; labels: Int32Array } {
  const task = generateLearnableTask({ seed: o.seed, samples: o.samples, labels: o.labels, tokensPerSample: o.tokens, vocab: o.vocab, reserved: 2 });
  const paths = o.paths ?? 8;
  // Context k joins token k and token k + 1 through a path id that depends only on k, so the
  // label stays a function of the start/end tokens.
  const contexts = task.tokens.map((t) => {
    const c: number[] = [];
    for (let k = 0; k + 1 < t.length; k++) c.push(t[k]!, 2 + (k % (paths - 2)), t[k + 1]!);
    return c;
  });
  return { source: arraySource({ tokens: o.vocab, paths, labels: o.labels }, task.tokens, contexts), labels: Int32Array.from(task.labels) };
}

/** Indices [from, to). */
export function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: to - from }, (_, i) => from + i);
}
