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
  /**
   * Per label class, the token-vocabulary ids of its name's subtokens that are in the token
   * vocabulary (`get|user|name` → the ids of get, user, name). Lets a model give a label an output
   * vector built from the same embeddings as the body tokens (bag's `nameHead`); absent for
   * sources without label strings.
   */
  readonly labelSubtokens?: readonly (readonly number[])[];
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
  const sizes: VocabSizes = {
    tokens: dataset.vocab.tokens.strings.length,
    paths: dataset.vocab.paths.strings.length,
    labels: dataset.vocab.labels.strings.length,
    labelSubtokens: labelSubtokenIds(dataset.vocab.labels.strings, dataset.vocab.tokens.strings, dataset.vocab.labels.unk),
  };
  return {
    sizes,
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

/**
 * The token ids of each label's subtokens (labels are subtokens joined with '|',
 * `dataset/columns.ts`), leaving out subtokens the token vocabulary does not hold; none for the
 * `<UNK>` label.
 */
export function labelSubtokenIds(labels: readonly string[], tokens: readonly string[], unkLabel: number): number[][] {
  const id = new Map<string, number>();
  tokens.forEach((t, i) => id.set(t, i));
  return labels.map((label, c) => {
    if (c === unkLabel || label === '') return [];
    const ids: number[] = [];
    for (const s of label.split('|')) {
      const t = id.get(s);
      if (t !== undefined) ids.push(t);
    }
    return ids;
  });
}

/** An in-memory source (tests, benches, synthetic tasks): token lists and optional context triples. */
export function arraySource(sizes: VocabSizes, bodies: readonly ArrayLike<number>[], contexts: readonly ArrayLike<number>[] = []): SampleSource {
  return {
    sizes,
    bodyTokens: (i) => bodies[i] ?? [],
    contexts: (i) => contexts[i] ?? [],
  };
}
