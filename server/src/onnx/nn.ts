/**
 * Derived ops: compositions of op-table primitives used by models, losses and evaluation. They
 * have no gradient rules of their own; autodiff differentiates through the primitives.
 */
import { EngineError, ERROR_CODES } from '../errors';
import * as o from './ops';
import { formatShape } from './shape';
import type { Value } from './values';

/** x·W (+ b): a dense layer on the last axis. */
export function linear(x: Value, w: Value, b?: Value): Value {
  const y = o.matmul(x, w);
  return b ? o.add(y, b) : y;
}

/**
 * Inverted dropout with an explicit mask: y = x · m / (1 − p), m ∈ {0, 1} fed from JS (float of
 * x's dtype, or bool), so that runs are reproducible and a sample's mask can be chosen on purpose
 * (turnover dropout). The mask broadcasts against x. dL/dx = dL/dy · m / (1 − p).
 */
export function dropout(x: Value, mask: Value, p: number): Value {
  if (!(p >= 0 && p < 1)) throw new EngineError(ERROR_CODES.GRAPH, `dropout rate must be in [0, 1), got ${p}`);
  const m = o.cast(mask, x.dtype);
  return o.mul(x, p === 0 ? m : o.mul(m, 1 / (1 - p)));
}

/** 0.5·x·(1 + erf(x/√2)), the exact GELU. */
export function gelu(x: Value): Value {
  return o.mul(o.mul(x, 0.5), o.add(o.erf(o.mul(x, Math.SQRT1_2)), 1));
}

/** Mean of x over `axis` counting only positions where mask = 1 (mask broadcasts against x). */
export function maskedMean(x: Value, mask: Value, axis: number): Value {
  const m = o.cast(mask, x.dtype);
  const total = o.reduceSum(o.mul(x, m), [axis], false);
  const count = o.reduceSum(o.expandLike(m, x), [axis], false);
  return o.div(total, o.max(count, 1));
}

/** Options of {@link softmaxCrossEntropy}. */
export interface CrossEntropyOptions {
  /**
   * Label smoothing ε: the target is (1 − ε)·onehot(y) + ε/C, so
   * loss_i = (1 − ε)·(−log p_iy) + ε·mean_c(−log p_ic). Default 0.
   */
  readonly labelSmoothing?: number;
}

/**
 * Softmax cross-entropy per sample from logits [..., C] and int labels [...]. Returns the
 * per-sample losses (shape of labels) and log-probabilities. Computed through LogSoftmax and
 * GatherElements, which is numerically stable and whose gradient is softmax − target.
 */
export function softmaxCrossEntropy(logits: Value, labels: Value, options: CrossEntropyOptions = {}): { loss: Value; logProbs: Value } {
  if (labels.rank !== logits.rank - 1) {
    throw new EngineError(ERROR_CODES.GRAPH, `cross-entropy labels ${formatShape(labels.shape)} must have the logits' shape ${formatShape(logits.shape)} without the class axis`);
  }
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new EngineError(ERROR_CODES.GRAPH, `label smoothing must be in [0, 1), got ${eps}`);
  const logProbs = o.logSoftmax(logits, -1);
  const idx = o.unsqueeze(o.cast(labels, 'int64'), [labels.rank]);
  const nll = o.neg(o.squeeze(o.gatherElements(logProbs, idx, -1), [labels.rank]));
  if (eps === 0) return { loss: nll, logProbs };
  const uniform = o.neg(o.reduceMean(logProbs, [-1], false));
  return { loss: o.add(o.mul(nll, 1 - eps), o.mul(uniform, eps)), logProbs };
}

/** Per-sample classification statistics computed inside a graph (only these are copied back). */
export interface ClassificationStats {
  /** Cross-entropy −log p_y. */
  readonly loss: Value;
  /** p_y, the softmax probability of the label. */
  readonly pLabel: Value;
  /** Logit margin z_y − max_{k≠y} z_k (negative when the label is not the argmax). */
  readonly margin: Value;
  /** argmax_k z_k (int64). */
  readonly predicted: Value;
  /** 1 when the prediction equals the label, else 0 (logits' dtype). */
  readonly correct: Value;
  /** Indices of the k highest logits, [..., k] (int64). */
  readonly topK: Value;
}

/**
 * Evaluation statistics from logits [..., C] and labels [...] (C ≥ 2). Uses ArgMax, TopK and Equal,
 * which are not differentiable; meant for eval graphs.
 */
export function classificationStats(logits: Value, labels: Value, k = 1): ClassificationStats {
  const y = o.unsqueeze(o.cast(labels, 'int64'), [labels.rank]);
  const axis = labels.rank;
  const { loss } = softmaxCrossEntropy(logits, labels);
  const pLabel = o.exp(o.neg(loss));
  const zy = o.squeeze(o.gatherElements(logits, y, -1), [axis]);
  // The best other logit: the top-1 unless it is the label, then the top-2.
  const top2 = o.topK(logits, 2, -1);
  const first = o.squeeze(o.slice(top2.values, [0], [1], [-1]), [axis]);
  const second = o.squeeze(o.slice(top2.values, [1], [2], [-1]), [axis]);
  const firstIdx = o.squeeze(o.slice(top2.indices, [0], [1], [-1]), [axis]);
  const labelIsTop = o.equal(firstIdx, o.cast(labels, 'int64'));
  const margin = o.sub(zy, o.where(labelIsTop, second, first));
  const predicted = o.argMax(logits, -1, false);
  const correct = o.cast(o.equal(predicted, o.cast(labels, 'int64')), logits.dtype);
  const topK = k === 2 ? top2.indices : o.topK(logits, k, -1).indices;
  return { loss, pLabel, margin, predicted, correct, topK };
}
