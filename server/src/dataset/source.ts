/**
 * Sample sources: the interface through which the trainer, the noise overlays and the audit
 * serve samples to a model, and its two implementations.
 */
import type { Dataset } from './build';
import type { SampleColumns } from './columns';

/** Vocabulary sizes a model is built for. */
export interface VocabSizes {
  /** Token vocabulary, including PAD = 0 and UNK = 1. */
  readonly tokens: number;
  /** Path vocabulary (code2vec), including PAD = 0 and UNK = 1. */
  readonly paths: number;
  /** Label classes. */
  readonly labels: number;
}

/**
 * Samples as vocabulary ids: what `makeBatch` reads. `datasetSource` adapts a built dataset;
 * tests use arrays. Id 0 is padding in token and path vocabularies.
 */
export interface SampleSource {
  readonly sizes: VocabSizes;
  /** Body token ids of sample i (vocabulary ids). */
  bodyTokens(i: number): ArrayLike<number>;
  /** Path-context triples of sample i, flattened: start token, path, end token (vocabulary ids). */
  contexts(i: number): ArrayLike<number>;
}

/**
 * A built dataset as a sample source: body tokens and path-context triples are mapped from the
 * extractor's table ids to vocabulary ids (out-of-vocabulary → UNK) on each call.
 */
export function datasetSource(columns: SampleColumns, dataset: Dataset): SampleSource {
  const tokens = dataset.vocab.tokens.fromTable;
  const paths = dataset.vocab.paths.fromTable;
  const unkToken = dataset.vocab.tokens.unk;
  const unkPath = dataset.vocab.paths.unk;
  return {
    sizes: { tokens: dataset.vocab.tokens.strings.length, paths: dataset.vocab.paths.strings.length, labels: dataset.vocab.labels.strings.length },
    bodyTokens(i) {
      const body = columns.body(i);
      const out = new Int32Array(body.length);
      for (let k = 0; k < body.length; k++) out[k] = tokens[body[k]!] ?? unkToken;
      return out;
    },
    contexts(i) {
      const c = columns.contextsOf(i);
      const out = new Int32Array(c.length);
      for (let k = 0; k < c.length; k += 3) {
        out[k] = tokens[c[k]!] ?? unkToken;
        out[k + 1] = paths[c[k + 1]!] ?? unkPath;
        out[k + 2] = tokens[c[k + 2]!] ?? unkToken;
      }
      return out;
    },
  };
}

/** An in-memory source (tests, benches, synthetic tasks): token lists and optional context triples. */
export function arraySource(sizes: VocabSizes, bodies: readonly ArrayLike<number>[], contexts: readonly ArrayLike<number>[] = []): SampleSource {
  return {
    sizes,
    bodyTokens: (i) => bodies[i] ?? [],
    contexts: (i) => contexts[i] ?? [],
  };
}
