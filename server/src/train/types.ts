/**
 * The contract between the trainer (`train/trainer.ts`) and a trainable model (`models/*`,
 * compiled into ONNX graphs by `train/compile.ts`). The trainer owns epochs, batching, shuffling,
 * schedules, the RNG, dynamics recording, checkpoints and cancellation; the model owns its
 * graphs, its parameters and optimizer state (resident on the device between runs), and turns
 * dataset samples into input tensors.
 */
import type { Rng } from '../util/rng';

/** Host arrays of one batch, ready to feed. Row r is sample `indices[r]` of the dataset. */
export interface Batch {
  /** Dataset sample indices (into `SampleColumns`), one per row. */
  indices: Int32Array;
  /** Label class per row (the label the model is trained on, possibly corrupted by noise). */
  labels: Int32Array;
  /** Model-specific input arrays (e.g. token ids [B, T] and a mask), keyed by graph input name. */
  inputs: Record<string, Int32Array | Float32Array | BigInt64Array | Uint8Array>;
  /** Distillation's soft labels of the rows (train/distill.ts), [rows × k] each; only for a model trained with them. */
  soft?: { ids: Int32Array; p: Float32Array };
}

/**
 * Per-sample statistics of a forward pass, computed inside the graph (never full logits):
 * loss = cross-entropy against the given label; margin = label logit − best other logit;
 * pLabel = softmax probability of the label; correct = argmax == label; top1 = argmax.
 */
export interface SampleStats {
  loss: Float32Array;
  margin: Float32Array;
  pLabel: Float32Array;
  correct: Uint8Array;
  top1: Int32Array;
}

/** Eval statistics, plus the top-k predictions. */
export interface EvalStats extends SampleStats {
  /** [rows × k] class ids and softmax scores, best first. */
  topkIds: Int32Array;
  topkScores: Float32Array;
  k: number;
}

/** Optimizer settings. The learning rate is fed per step, so schedules live in the trainer. */
export interface OptimizerConfig {
  kind: 'sgd' | 'adam' | 'adamw';
  /** SGD momentum (0 = plain SGD). */
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW) or L2 added to the gradient (SGD, Adam). */
  weightDecay?: number;
  /** Global-norm gradient clipping; 0 or undefined = off. */
  clipNorm?: number;
}

/** Everything needed to restore a model exactly: parameters, optimizer state, step counter. */
export interface ModelState {
  step: number;
  tensors: Record<string, { dims: number[]; data: Float32Array }>;
}

/**
 * Gradients of each sample's own loss with respect to its looked-up input embeddings (the rows
 * the model read from its embedding tables), for critical-sample ratios and FGSM-style probes.
 */
export interface ProbeResult {
  /** Per-sample cross-entropy against the batch labels. */
  loss: Float32Array;
  /**
   * Per embedding lookup (bag, transformer: 'tokens' [rows, T, d]; code2vec: 'contexts'
   * [rows, N, 3, d], the start, path and end vectors of each context): dℓᵢ/d(looked-up rows),
   * shaped as the lookup's output (padding positions included).
   */
  grads: Record<string, { dims: number[]; data: Float32Array }>;
}

/** A float tensor on the host. */
export interface HostTensor {
  dims: number[];
  data: Float32Array;
}

/**
 * The input embeddings of a batch (what `probe` differentiates with respect to): per embedding
 * lookup, the rows the model read from its tables. Keys as in {@link ProbeResult.grads}: bag,
 * transformer 'tokens' [rows, T, d]; code2vec 'contexts' [rows, N, 3, d].
 */
export interface InputEmbeddings {
  /** Per lookup: the looked-up rows, shaped as the lookup's output (padding positions included). */
  embeddings: Record<string, HostTensor>;
  /**
   * Per lookup that marks them: 1 at real (non-padding) positions, shaped like the lookup's ids
   * (its dims without the last, d). A lookup without an entry counts every position as real.
   */
  real: Record<string, { dims: number[]; data: Uint8Array }>;
  /** Argmax class per row of the ordinary forward pass (as `evaluate`'s top1). */
  top1: Int32Array;
}

/** The forward pass and the loss gradient at given input embeddings ({@link TrainableModel.gradientAtEmbeddings}). */
export interface EmbeddingGradientResult {
  /** Argmax class per row at the given embeddings. */
  top1: Int32Array;
  /** Cross-entropy of each row against its target class. */
  loss: Float32Array;
  /** Per lookup: dℓᵢ/dê, shaped as the embeddings. */
  grads: Record<string, HostTensor>;
}

/** A model compiled for training on one device. */
export interface TrainableModel {
  readonly name: string;
  /** The device actually used (e.g. 'cpu', 'webgpu'). */
  readonly device: string;
  /** Most batches one `trainSteps` call takes (the Loop's S); the trainer groups by this. */
  readonly stepsPerRun: number;
  /** Builds the input arrays of the given dataset samples; `labels` are the labels to train on. */
  makeBatch(indices: Int32Array, labels: Int32Array): Batch;
  /**
   * Runs one optimizer step per batch (up to `stepsPerRun` batches in one session run) and
   * returns the per-sample statistics of each step's own forward pass (before its update).
   * `lr[i]` is the learning rate of step i; `rng` draws the dropout masks.
   */
  trainSteps(batches: Batch[], lr: number[], rng: Rng): Promise<SampleStats[]>;
  /** Forward pass without dropout or update. */
  evaluate(batch: Batch, k?: number): Promise<EvalStats>;
  /** Copies parameters and optimizer state to the host. */
  getState(): Promise<ModelState>;
  /** Replaces parameters and optimizer state. */
  setState(state: ModelState): Promise<void>;
  /**
   * Optional: per-sample gradients of the loss with respect to the input embeddings, at the
   * current parameters, without dropout and without updating anything.
   */
  probe?(batch: Batch): Promise<ProbeResult>;
  /**
   * Optional (the critical-sample ratio needs all three): the input embeddings of a batch at the
   * current parameters, with the real-position masks and the ordinary prediction.
   */
  inputEmbeddings?(batch: Batch): Promise<InputEmbeddings>;
  /**
   * Optional: the argmax class per row of the forward pass with the input embeddings replaced by
   * `embeddings` (per lookup, flat, shaped as `inputEmbeddings` returns them for these rows). The
   * batch still supplies the ids, which give the padding masks; its labels are not used. With
   * the unperturbed embeddings the prediction is `evaluate`'s top1. No dropout, no update.
   */
  predictAtEmbeddings?(batch: Batch, embeddings: Readonly<Record<string, Float32Array>>): Promise<Int32Array>;
  /**
   * Optional: at input embeddings `embeddings` (as for `predictAtEmbeddings`), the argmax per
   * row, and the cross-entropy against `targets` (one class per row, e.g. the prediction at the
   * unperturbed embeddings) with its gradient with respect to the embeddings:
   * ∇_ê CE(f(ê), target). No dropout, no update.
   */
  gradientAtEmbeddings?(batch: Batch, embeddings: Readonly<Record<string, Float32Array>>, targets: Int32Array): Promise<EmbeddingGradientResult>;
  /** A plain inference ONNX model with the trained weights as initializers. */
  exportInference(): Promise<Uint8Array>;
  dispose(): Promise<void>;
}
