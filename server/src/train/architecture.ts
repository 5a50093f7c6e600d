/**
 * What a built-in model architecture declares so that `compile.ts` can turn it into train, eval,
 * probe and inference graphs: its parameters (shapes, initializers, weight-decay flag), the
 * per-sample feature arrays it consumes, its dropout sites, its forward pass written with the
 * graph builder, and how to fill its feature arrays from a dataset sample.
 */
import type { SampleSource } from '../dataset/source';
import type { TensorData, Value } from '../onnx';

/** How a parameter is initialized (drawn from the model's seeded Rng, in declaration order). */
export type ParamInit =
  /** Glorot/Xavier uniform: U(−√(6/(fanIn + fanOut)), +…), fans from the first and last dims. */
  | { readonly kind: 'glorot' }
  /** N(0, std²). */
  | { readonly kind: 'normal'; readonly std: number }
  /** Every element equal to `value` (biases 0, LayerNorm gains 1). */
  | { readonly kind: 'const'; readonly value: number };

/** One trainable parameter. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
  /** Whether weight decay applies (matrices and embeddings; not biases, gains, attention vectors). */
  readonly decay: boolean;
}

/** One per-sample input array (the batch adds a leading dim). Integer features are token ids; 0 = padding. */
export interface FeatureSpec {
  readonly name: string;
  readonly dtype: 'int32' | 'float32';
  /** Per-sample shape, static. */
  readonly shape: readonly number[];
}

/** A dropout site: a keep-mask of this per-sample shape is drawn per step from the trainer's Rng. */
export interface DropoutSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** Nominal drop probability. */
  readonly rate: number;
}

/** What a forward pass may do besides plain ops. */
export interface ForwardContext {
  /** Parameters by name (graph inputs, loop-carried values, or initializers). */
  readonly params: Readonly<Record<string, Value>>;
  /** Feature values by name, with a leading batch dim. */
  readonly features: Readonly<Record<string, Value>>;
  /** Keep-masks by dropout name during training; undefined at evaluation (dropout is then identity). */
  readonly dropout?: Readonly<Record<string, { readonly mask: Value; readonly rate: number }>>;
  /**
   * Embedding lookup `table[ids]`. Every use of an embedding table must go through here: the
   * compiler differentiates with respect to the looked-up rows and accumulates them into the
   * table with the device's exact strategy, and the probe graph returns these rows' gradients.
   * The at-embeddings graphs (critical-sample ratio) feed the rows as an input instead, so the
   * model must not read the table elsewhere. `name` identifies the lookup (once per forward).
   *
   * `real`, optional: a bool mask shaped like `ids`, true at real (non-padding) positions. It is
   * never used in training; the embeddings graph returns it, so that the typical magnitude of a
   * batch's input embeddings can be measured without the padding rows.
   */
  embed(name: string, table: string, ids: Value, real?: Value): Value;
  /**
   * Lookup `table[ids]` for ids fixed in the model rather than given per sample (e.g. the
   * subtokens of every label, [classes, L] int32). Its rows are differentiated into the table with
   * the same exact strategy as `embed`'s, but it is not an input: the probe, embeddings and
   * at-embeddings graphs, which measure a sample's input embeddings, always gather these rows
   * from the table and neither return nor take them. `name` identifies the lookup.
   */
  embedFixed(name: string, table: string, ids: TensorData): Value;
}

/** A model architecture at fixed sizes. */
export interface Architecture {
  readonly name: string;
  readonly classes: number;
  readonly params: readonly ParamSpec[];
  readonly features: readonly FeatureSpec[];
  readonly dropouts: readonly DropoutSpec[];
  /** Builds the logits [batch, classes]. */
  forward(ctx: ForwardContext): Value;
  /** Writes sample `index`'s features into row `row` of `arrays` (pre-zeroed, one per feature). */
  fill(source: SampleSource, index: number, row: number, arrays: Readonly<Record<string, Int32Array | Float32Array>>): void;
  /** Forward-pass FLOPs per sample (a multiply-add counts 2), for throughput reports. */
  readonly forwardFlops: number;
}
