/**
 * The attack's loss as a graph of the builder's ops: the architecture's forward pass with a
 * perturbation δ added to every per-sample embedding lookup (ê = table[ids] + δ), and the
 * cross-entropy against given classes. The compiled model's at-embeddings graph computes the same
 * function with ê fed directly (`gradientAtEmbeddings`), which is what the attack runs; this form
 * exists so that ∂ℓ/∂δ can be checked by finite differences in float64 and compared with it.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { nn, ops as o, type Value } from '../onnx';
import type { Architecture } from '../train/architecture';
import { forward } from '../train/compile';

/** Per-sample cross-entropy [batch] of f(e + δ) against `targets`, δ by lookup name. */
export function perturbedLoss(arch: Architecture, params: Record<string, Value>, features: Record<string, Value>, deltas: Readonly<Record<string, Value>>, targets: Value): Value {
  const { logits } = forward(arch, params, features, undefined, (name, ids, table) => {
    const delta = deltas[name];
    if (!delta) throw new EngineError(ERROR_CODES.INTERNAL, `${arch.name}: no perturbation for lookup '${name}'`);
    return o.add(o.gather(table, ids, 0), delta);
  });
  return nn.softmaxCrossEntropy(logits, targets).loss;
}
