/**
 * Training on a noise result. Replacement samples hold ids of the extractor's string tables,
 * like the columns; they are mapped through the dataset's (clean) vocabulary here, once, and ids
 * the vocabulary never saw (a new name such as `v0`, the `<MASK>` token, a new path) become
 * `<UNK>`. Labels come separately: `trainDataFromDataset(dataset, result.trainLabels)`.
 *
 * Two equivalent forms: `noisySource` serves replacements under the original sample indices (the
 * training index list stays `dataset.train`); `noiseOverlay` serves them under new indices
 * `offset + k` and rewrites the training index list to point there, for a caller whose sample
 * source must keep serving the clean inputs of the same indices (e.g. to evaluate them).
 */
import type { Dataset } from '../dataset/build';
import type { Vocabulary } from '../dataset/vocab';
import type { SampleSource } from '../dataset/source';
import type { NoiseResult, NoisedSample } from './apply';

function toVocab(v: Vocabulary, ids: ArrayLike<number>, out: Int32Array, at: number, stride: number): void {
  for (let k = at; k < ids.length; k += stride) {
    const t = ids[k]!;
    out[k] = t >= 0 && t < v.fromTable.length ? v.fromTable[t]! : v.unk;
  }
}

/** A replacement's body tokens and context triples in vocabulary ids (new ids become `<UNK>`). */
export function vocabInputs(r: Pick<NoisedSample, 'sample'>, vocab: Dataset['vocab']): { body: Int32Array; contexts: Int32Array } {
  const body = new Int32Array(r.sample.bodyTokens.length);
  toVocab(vocab.tokens, r.sample.bodyTokens, body, 0, 1);
  const c = r.sample.contexts;
  const contexts = new Int32Array(c.length);
  toVocab(vocab.tokens, c, contexts, 0, 3);
  toVocab(vocab.paths, c, contexts, 1, 3);
  toVocab(vocab.tokens, c, contexts, 2, 3);
  return { body, contexts };
}

/** `base` (e.g. `datasetSource(columns, dataset)`) with the result's replacement inputs under their sample indices. */
export function noisySource(base: SampleSource, result: Pick<NoiseResult, 'replacements'>, vocab: Dataset['vocab']): SampleSource {
  const inputs = new Map<number, { body: Int32Array; contexts: Int32Array }>();
  for (const [index, r] of result.replacements) inputs.set(index, vocabInputs(r, vocab));
  return {
    sizes: base.sizes,
    bodyTokens: (i) => inputs.get(i)?.body ?? base.bodyTokens(i),
    contexts: (i) => inputs.get(i)?.contexts ?? base.contexts(i),
  };
}

/** Replacement inputs served under indices `offset + k`, k < `length`. */
export interface NoiseOverlay {
  /** Sample index per training position: `train[p]`, or `offset + k` for the k-th replaced position. */
  trainIndices: Int32Array;
  replacements: {
    length: number;
    offset: number;
    /** Body tokens of replacement k, in vocabulary ids. */
    bodyTokens(k: number): Int32Array;
    /** Context triples of replacement k, in vocabulary ids. */
    contexts(k: number): Int32Array;
  };
}

/**
 * The result's replacements as an overlay: replaced training positions, in position order, are
 * numbered k = 0, 1, … and point at index `offset + k` (`offset` ≥ the number of samples, so the
 * new indices never meet real ones).
 */
export function noiseOverlay(result: Pick<NoiseResult, 'replacements'>, train: Int32Array, vocab: Dataset['vocab'], offset: number): NoiseOverlay {
  const replaced = [...result.replacements.values()].sort((a, b) => a.position - b.position);
  const inputs = replaced.map((r) => vocabInputs(r, vocab));
  const trainIndices = Int32Array.from(train);
  replaced.forEach((r, k) => (trainIndices[r.position] = offset + k));
  return {
    trainIndices,
    replacements: {
      length: inputs.length,
      offset,
      bodyTokens: (k) => inputs[k]!.body,
      contexts: (k) => inputs[k]!.contexts,
    },
  };
}
