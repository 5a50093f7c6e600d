/**
 * Compiles an {@link Architecture} into ONNX graphs:
 *   - train: a Loop of S optimizer steps (forward + loss + backward + update) per session run;
 *     per-step batches, learning rates, bias corrections and dropout masks are stacked [S, …];
 *     parameters and optimizer state are loop-carried and returned for the next run; the scan
 *     outputs are each step's per-sample statistics of its own forward pass (before its update);
 *   - eval: per-sample statistics and the top-k classes, never the full logits;
 *   - probe: per-sample gradients of the loss with respect to the looked-up input embeddings;
 *   - embeddings / at-embeddings: the looked-up input embeddings of a batch, and the forward pass
 *     (argmax, and optionally the gradient of the loss against given target classes) from input
 *     embeddings fed in place of the lookups (critical-sample ratios, `train/probes.ts`);
 *   - inference: the forward pass with trained weights as initializers (a plain ONNX model).
 */
import { EngineError, ERROR_CODES } from '../errors';
import { DType, GatherGradient, Graph, TensorData, Value, decodeModelProto, emitModel, encodeModelProto, gradients, nn, ops as o } from '../onnx';
import type { GraphProto } from '../onnx/proto';
import type { Architecture, ForwardContext } from './architecture';
import { distillLoss, softTargetTerm, type DistillOptions } from './distill';
import { MIXUP_NAMES, mixupLoss } from './mixup';
import { ResolvedOptimizer, optimizerStep, stateSlots } from './optim';

/**
 * How embedding-table gradients accumulate the rows of repeated ids: the graph builder's Gather
 * gradient strategies ('sorted': exact with any thread count, needs float64 kernels;
 * 'scatter-add': one ScatterND(add), exact only where the kernel does not race — GPU providers,
 * or the CPU with one intra-op thread). ScatterElements(add) was measured too: exact on the CPU
 * (its kernel is sequential) but 5× slower than 'sorted' at the reference sizes, so not offered.
 */
export type EmbeddingGradient = GatherGradient;

/** Names of graph inputs and outputs, shared by the compiler and the model. */
export const NAMES = {
  param: (p: string): string => `p_${p}`,
  state: (slot: string, p: string): string => `${slot}_${p}`,
  next: (input: string): string => `${input}_next`,
  feature: (f: string): string => `x_${f}`,
  mask: (d: string): string => `mask_${d}`,
  probe: (lookup: string): string => `grad_${lookup}`,
  /** Input embeddings of a lookup: an output of the embeddings graph, an input of the at-embeddings graphs. */
  embedding: (lookup: string): string => `emb_${lookup}`,
  /** Real (non-padding) positions of a lookup, int32 0/1 shaped like its ids. */
  real: (lookup: string): string => `real_${lookup}`,
  top1: 'top1',
  labels: 'labels',
  weight: 'weight',
  lr: 'lr',
  bc1: 'bc1',
  bc2: 'bc2',
  steps: 'steps',
  stats: ['loss', 'margin', 'p_label', 'correct', 'top1'] as const,
  topkIds: 'topk_ids',
  topkScores: 'topk_scores',
  logits: 'logits',
  probabilities: 'probabilities',
  /** Distillation's soft labels (train/distill.ts): class ids int32 and probabilities [S, B, k]. */
  softIds: 'soft_ids',
  softP: 'soft_p',
  /** Distillation's weight per step [S] (0 for a step without soft labels). */
  softW: 'soft_w',
} as const;

/** Dropout rates are realized with random fields of at most 8 bits (init.ts): the effective rate is a multiple of 1/256. */
export function effectiveDropoutRate(rate: number): number {
  return Math.round(rate * 256) / 256;
}

interface Lookup {
  readonly name: string;
  readonly table: string;
  readonly ids: Value;
  readonly rows: Value;
  /** The architecture's real-position mask of the ids (bool, shaped like them), when it gives one. */
  readonly real?: Value;
  /** False for `embedFixed` lookups (ids fixed in the model, not a sample's input). */
  readonly perSample: boolean;
}

/**
 * Supplies the rows of a lookup instead of gathering them from the table (the at-embeddings
 * graphs feed them as inputs). Gets the lookup's name, its ids and the table.
 */
export type LookupOverride = (name: string, ids: Value, table: Value) => Value;

/**
 * Runs the architecture's forward pass, recording its embedding lookups. With `override`, every
 * per-sample lookup's rows come from it instead of a Gather from the table (fixed lookups always
 * gather).
 */
export function forward(
  arch: Architecture,
  params: Record<string, Value>,
  features: Record<string, Value>,
  dropout?: ForwardContext['dropout'],
  override?: LookupOverride,
): { logits: Value; lookups: Lookup[] } {
  const lookups: Lookup[] = [];
  const tableOf = (name: string, table: string): Value => {
    const t = params[table];
    if (!t) throw new EngineError(ERROR_CODES.INTERNAL, `${arch.name}: embedding table '${table}' is not a parameter`);
    if (lookups.some((l) => l.name === name)) throw new EngineError(ERROR_CODES.INTERNAL, `${arch.name}: embedding lookup '${name}' is used twice`);
    return t;
  };
  const ctx: ForwardContext = {
    params,
    features,
    dropout,
    embed(name, table, ids, real) {
      const t = tableOf(name, table);
      const rows = override ? override(name, ids, t) : o.gather(t, ids, 0);
      lookups.push({ name, table, ids, rows, perSample: true, ...(real ? { real } : {}) });
      return rows;
    },
    embedFixed(name, table, data) {
      const t = tableOf(name, table);
      const ids = o.constant(t.graph, data);
      const rows = o.gather(t, ids, 0);
      lookups.push({ name, table, ids, rows, perSample: false });
      return rows;
    },
  };
  const logits = arch.forward(ctx);
  return { logits, lookups };
}

/**
 * The argmax class per row of logits [B, C] (int64), computed exactly as {@link sampleStats}'
 * `top1` (TopK(2), first index), so that every graph agrees on ties.
 */
function argmaxOf(logits: Value): Value {
  return o.squeeze(o.slice(o.topK(logits, 2, -1).indices, [0], [1], [1]), [1]);
}

/**
 * Per-sample statistics from logits [B, C], their log-softmax and labels [B]:
 * loss −log p_y, margin z_y − max_{k≠y} z_k, p_y, correct, top-1 (one TopK(2) gives both the
 * prediction and the best other logit).
 */
export function sampleStats(logits: Value, logProbs: Value, labels: Value): Record<(typeof NAMES.stats)[number], Value> {
  const y = o.unsqueeze(o.cast(labels, 'int64'), [1]);
  const loss = o.neg(o.squeeze(o.gatherElements(logProbs, y, 1), [1]));
  const zy = o.squeeze(o.gatherElements(logits, y, 1), [1]);
  const top2 = o.topK(logits, 2, -1);
  const first = o.squeeze(o.slice(top2.values, [0], [1], [1]), [1]);
  const second = o.squeeze(o.slice(top2.values, [1], [2], [1]), [1]);
  const top1 = o.squeeze(o.slice(top2.indices, [0], [1], [1]), [1]);
  const isTop = o.equal(top1, o.cast(labels, 'int64'));
  return {
    loss,
    margin: o.sub(zy, o.where(isTop, second, first)),
    p_label: o.exp(o.neg(loss)),
    correct: o.cast(isTop, 'float32'),
    top1: o.cast(top1, 'int32'),
  };
}

/**
 * dL/dtable for the lookups of one table, from the gradients of their rows. Several lookups of a
 * table are concatenated first, so the rows are accumulated in one pass.
 */
function tableGradient(table: Value, lookups: readonly Lookup[], rowGrads: readonly Value[], strategy: EmbeddingGradient): Value {
  const d = table.shape.slice(1);
  const flatIds = lookups.map((l) => o.reshape(o.cast(l.ids, 'int64'), [-1]));
  const flatRows = rowGrads.map((g) => o.reshape(g, [-1, ...d]));
  const ids = flatIds.length === 1 ? flatIds[0]! : o.concat(flatIds, 0);
  const rows = flatRows.length === 1 ? flatRows[0]! : o.concat(flatRows, 0);
  // The vector-Jacobian product of a fresh Gather with seed = the row gradients is exactly the
  // builder's Gather gradient with the chosen strategy (the Gather itself is pruned, unused).
  return gradients(o.gather(table, ids, 0), [table], { seed: rows, gatherGradient: strategy })[0]!;
}

/** Options of {@link buildTrainGraph}. */
export interface TrainGraphOptions {
  readonly optimizer: ResolvedOptimizer;
  /** Rows per step (static; shorter batches are padded with weight-0 rows). */
  readonly batchSize: number;
  readonly labelSmoothing: number;
  readonly embeddingGradient: EmbeddingGradient;
  /** Distillation from soft labels (train/distill.ts); absent = off, and the graph is as without the option. */
  readonly distill?: DistillOptions;
  /** Mixup on the code vectors (train/mixup.ts): adds the inputs `mix_perm`, `mix_lambda`; absent/false = no mixup nodes. */
  readonly mixup?: boolean;
}

/**
 * The train-step graph. Inputs: parameters `p_*`, optimizer state `<slot>_*`, `steps` (int64
 * scalar S), per-step `lr`, `bc1`, `bc2` [S], features `x_*` [S, B, …], `labels` int32 [S, B],
 * row weights `weight` [S, B] (1 = real sample, 0 = padding), keep-masks `mask_*` bool [S, B, …].
 * Outputs: `<input>_next` for every parameter and state input, and per-step per-sample
 * statistics `loss margin p_label correct top1` [S, B].
 *
 * The loss of a step is the weighted mean Σ wᵢℓᵢ / max(Σ wᵢ, 1) of the (label-smoothed)
 * cross-entropies, so padding rows contribute nothing. With `mixup`, also partners `mix_perm`
 * int32 [S, B] and weights `mix_lambda` [S, B], and the hard-label loss is the mixup loss
 * (train/mixup.ts). With `distill`, also the soft labels `soft_ids` int32 and `soft_p` [S, B, k]
 * and their weight per step `soft_w` [S], and ℓᵢ is the distillation loss of the hard-label loss
 * (train/distill.ts). The statistics stay those of the unmixed logits against the own label.
 */
export function buildTrainGraph(arch: Architecture, opt: TrainGraphOptions): Graph {
  const g = new Graph(`${arch.name}_train`);
  const B = opt.batchSize;
  const slots = stateSlots(opt.optimizer);
  const params = arch.params.map((p) => g.input(NAMES.param(p.name), 'float32', [...p.shape]));
  const states = slots.flatMap((s) => arch.params.map((p) => g.input(NAMES.state(s, p.name), 'float32', [...p.shape])));
  const steps = g.input(NAMES.steps, 'int64', []);
  const lrAll = g.input(NAMES.lr, 'float32', ['steps']);
  const bc1All = g.input(NAMES.bc1, 'float32', ['steps']);
  const bc2All = g.input(NAMES.bc2, 'float32', ['steps']);
  const featAll = arch.features.map((f) => g.input(NAMES.feature(f.name), f.dtype, ['steps', B, ...f.shape]));
  const labelsAll = g.input(NAMES.labels, 'int32', ['steps', B]);
  const weightAll = g.input(NAMES.weight, 'float32', ['steps', B]);
  const masksAll = arch.dropouts.map((d) => g.input(NAMES.mask(d.name), 'bool', ['steps', B, ...d.shape]));
  const distill = opt.distill;
  const softAll = distill ? { ids: g.input(NAMES.softIds, 'int32', ['steps', B, distill.k]), p: g.input(NAMES.softP, 'float32', ['steps', B, distill.k]), w: g.input(NAMES.softW, 'float32', ['steps']) } : undefined;
  const mixAll = opt.mixup ? { perm: g.input(MIXUP_NAMES.perm, 'int32', ['steps', B]), lambda: g.input(MIXUP_NAMES.lambda, 'float32', ['steps', B]) } : undefined;
  const tables = new Set<string>();

  const { carried, scans } = o.loop(g, {
    trips: steps,
    tripDim: 'steps',
    name: `${arch.name}_step`,
    carried: [...params, ...states],
    body: ({ iteration, carried: cur }) => {
      const at = (v: Value): Value => o.gather(v, iteration, 0);
      const p: Record<string, Value> = {};
      arch.params.forEach((s, i) => (p[s.name] = cur[i]!));
      const feats: Record<string, Value> = {};
      arch.features.forEach((f, i) => (feats[f.name] = at(featAll[i]!)));
      const dropout: Record<string, { mask: Value; rate: number }> = {};
      arch.dropouts.forEach((d, i) => (dropout[d.name] = { mask: at(masksAll[i]!), rate: effectiveDropoutRate(d.rate) }));
      const labels = at(labelsAll);
      const weight = at(weightAll);
      const { logits, lookups } = forward(arch, p, feats, dropout);
      const { loss: ownLoss, logProbs } = nn.softmaxCrossEntropy(logits, labels, { labelSmoothing: opt.labelSmoothing });
      // Mixup (train/mixup.ts) replaces the hard-label loss by the mixed one; the stats below keep the unmixed logits.
      const hard = mixAll ? mixupLoss(logits, labels, at(mixAll.perm), at(mixAll.lambda), opt.labelSmoothing) : ownLoss;
      // Distillation (train/distill.ts): (1 − w)·hard + w·T²·H(q, softmax(z/T)), q the step's soft
      // labels of each sample's own (unmixed) input.
      const perSample = distill && softAll ? distillLoss(hard, softTargetTerm(logits, at(softAll.ids), at(softAll.p), distill.temperature), at(softAll.w), distill.temperature) : hard;
      const total = o.div(o.reduceSum(o.mul(perSample, weight), undefined, false), o.max(o.reduceSum(weight, undefined, false), 1));
      // With label smoothing the training loss differs from −log p_y; the stats always report −log p_y.
      const stats = sampleStats(logits, logProbs, labels);

      for (const l of lookups) tables.add(l.table);
      const dense = arch.params.filter((s) => !tables.has(s.name));
      // Mixup's partner Gather has unique indices: the device's strategy sums them exactly.
      const gradOptions = { unreached: 'error', ...(mixAll ? { gatherGradient: opt.embeddingGradient } : {}) } as const;
      const grads = gradients(total, [...dense.map((s) => p[s.name]!), ...lookups.map((l) => l.rows)], gradOptions);
      const gradOf: Record<string, Value> = {};
      dense.forEach((s, i) => (gradOf[s.name] = grads[i]!));
      for (const t of tables) {
        const ls = lookups.filter((l) => l.table === t);
        gradOf[t] = tableGradient(p[t]!, ls, ls.map((l) => grads[dense.length + lookups.indexOf(l)]!), opt.embeddingGradient);
      }
      const updated = optimizerStep(
        opt.optimizer,
        arch.params.map((s, i) => ({
          value: p[s.name]!,
          grad: gradOf[s.name]!,
          state: slots.map((_, k) => cur[arch.params.length * (k + 1) + i]!),
          decay: s.decay,
        })),
        { lr: at(lrAll), bc1: at(bc1All), bc2: at(bc2All) },
      );
      const next = [...updated.map((u) => u.value), ...slots.flatMap((_, k) => updated.map((u) => u.state[k]!))];
      return { carried: next, scans: NAMES.stats.map((n) => stats[n]) };
    },
  });
  [...params, ...states].forEach((v, i) => g.output(carried[i]!, NAMES.next(v.name)));
  NAMES.stats.forEach((n, i) => g.output(scans[i]!, n));
  return g;
}

function paramInputs(g: Graph, arch: Architecture, dtype: DType = 'float32'): Record<string, Value> {
  return Object.fromEntries(arch.params.map((p) => [p.name, g.input(NAMES.param(p.name), dtype, [...p.shape])]));
}

function featureInputs(g: Graph, arch: Architecture): Record<string, Value> {
  return Object.fromEntries(arch.features.map((f) => [f.name, g.input(NAMES.feature(f.name), f.dtype, ['batch', ...f.shape])]));
}

/**
 * The eval graph: inputs `p_*`, `x_*` [batch, …], `labels` [batch]; outputs the per-sample
 * statistics and `topk_ids` (int32) / `topk_scores` (softmax probabilities) [batch, k].
 */
export function buildEvalGraph(arch: Architecture, k: number): Graph {
  if (!Number.isInteger(k) || k < 1 || k > arch.classes) throw new EngineError(ERROR_CODES.CONFIG, `top-k must be an integer in [1, ${arch.classes}] (got ${k})`);
  const g = new Graph(`${arch.name}_eval`);
  const p = paramInputs(g, arch);
  const x = featureInputs(g, arch);
  const labels = g.input(NAMES.labels, 'int32', ['batch']);
  const { logits } = forward(arch, p, x);
  const logProbs = o.logSoftmax(logits, -1);
  const stats = sampleStats(logits, logProbs, labels);
  for (const n of NAMES.stats) g.output(stats[n], n);
  const top = o.topK(logProbs, k, -1);
  g.output(o.cast(top.indices, 'int32'), NAMES.topkIds);
  g.output(o.exp(top.values), NAMES.topkScores);
  return g;
}

/**
 * The probe graph: dℓᵢ/d(rows) for every embedding lookup, where ℓᵢ is sample i's own
 * cross-entropy (the gradient of Σᵢ ℓᵢ, since samples do not interact in these models). Outputs
 * `grad_<lookup>` [batch, …, d] and `loss` [batch].
 */
export function buildProbeGraph(arch: Architecture): { graph: Graph; lookups: string[] } {
  const g = new Graph(`${arch.name}_probe`);
  const p = paramInputs(g, arch);
  const x = featureInputs(g, arch);
  const labels = g.input(NAMES.labels, 'int32', ['batch']);
  const { logits, lookups: all } = forward(arch, p, x);
  const lookups = all.filter((l) => l.perSample);
  const { loss } = nn.softmaxCrossEntropy(logits, labels);
  const grads = gradients(o.reduceSum(loss, undefined, false), lookups.map((l) => l.rows));
  lookups.forEach((l, i) => g.output(grads[i]!, NAMES.probe(l.name)));
  g.output(loss, 'loss');
  return { graph: g, lookups: lookups.map((l) => l.name) };
}

/** Shape of one lookup's rows per sample (without the batch dim), e.g. [T, d] or [N, 3, d]. */
export interface LookupShape {
  readonly name: string;
  readonly shape: readonly number[];
}

function lookupShape(arch: Architecture, name: string, ids: Value, table: Value): LookupShape {
  const shape = [...ids.shape.slice(1), table.shape[1]!];
  if (!shape.every((d) => typeof d === 'number')) throw new EngineError(ERROR_CODES.INTERNAL, `${arch.name}: lookup '${name}' has a symbolic per-sample shape [${shape.join(', ')}]`);
  return { name, shape: shape as number[] };
}

/**
 * The embeddings graph: inputs `p_*`, `x_*` [batch, …]; outputs, per lookup, `emb_<lookup>` (the
 * looked-up rows, [batch, …, d]) and, when the architecture marks its real positions,
 * `real_<lookup>` (int32 0/1 shaped like the ids), and `top1` (int32 argmax of the forward pass).
 */
export function buildEmbeddingsGraph(arch: Architecture): { graph: Graph; lookups: LookupShape[]; real: string[] } {
  const g = new Graph(`${arch.name}_embeddings`);
  const p = paramInputs(g, arch);
  const x = featureInputs(g, arch);
  const { logits, lookups: all } = forward(arch, p, x);
  const lookups = all.filter((l) => l.perSample);
  for (const l of lookups) {
    g.output(l.rows, NAMES.embedding(l.name));
    if (l.real) g.output(o.cast(l.real, 'int32'), NAMES.real(l.name));
  }
  g.output(o.cast(argmaxOf(logits), 'int32'), NAMES.top1);
  return { graph: g, lookups: lookups.map((l) => lookupShape(arch, l.name, l.ids, p[l.table]!)), real: lookups.filter((l) => l.real).map((l) => l.name) };
}

/**
 * The forward pass from input embeddings: inputs `p_*`, `x_*` [batch, …] (the ids still give the
 * padding masks and anything else the architecture reads from them) and `emb_<lookup>`
 * [batch, …, d], fed in place of every lookup's rows. Outputs `top1` (int32 argmax, as the eval
 * graph's). With `gradient`, also the input `labels` [batch] (target classes) and the outputs
 * `loss` (cross-entropy against them) and `grad_<lookup>` = dℓᵢ/d emb_<lookup> (samples do not
 * interact in these models, so this is the gradient of Σᵢ ℓᵢ). No dropout.
 */
export function buildAtEmbeddingsGraph(arch: Architecture, gradient: boolean): { graph: Graph; lookups: LookupShape[] } {
  const g = new Graph(`${arch.name}_at_embeddings${gradient ? '_grad' : ''}`);
  const p = paramInputs(g, arch);
  const x = featureInputs(g, arch);
  const shapes: LookupShape[] = [];
  const { logits, lookups: all } = forward(arch, p, x, undefined, (name, ids, table) => {
    const s = lookupShape(arch, name, ids, table);
    shapes.push(s);
    return g.input(NAMES.embedding(name), 'float32', ['batch', ...s.shape]);
  });
  const lookups = all.filter((l) => l.perSample);
  if (!gradient) {
    g.output(o.cast(argmaxOf(logits), 'int32'), NAMES.top1);
    return { graph: g, lookups: shapes };
  }
  const labels = g.input(NAMES.labels, 'int32', ['batch']);
  const { loss, logProbs } = nn.softmaxCrossEntropy(logits, labels);
  const stats = sampleStats(logits, logProbs, labels);
  const grads = gradients(o.reduceSum(loss, undefined, false), lookups.map((l) => l.rows));
  lookups.forEach((l, i) => g.output(grads[i]!, NAMES.probe(l.name)));
  g.output(loss, 'loss');
  g.output(stats.top1, NAMES.top1);
  return { graph: g, lookups: shapes };
}

/**
 * The inference graph: inputs `x_*` [batch, …], outputs `logits` and `probabilities`
 * [batch, classes]; the weights are initializers named like the parameters.
 */
export function buildInferenceGraph(arch: Architecture, weights: Readonly<Record<string, TensorData>>): Graph {
  const g = new Graph(`${arch.name}_inference`);
  const p: Record<string, Value> = {};
  for (const s of arch.params) {
    const w = weights[s.name];
    if (!w) throw new EngineError(ERROR_CODES.INTERNAL, `${arch.name}: no weights for parameter '${s.name}'`);
    p[s.name] = g.initializer(s.name, w);
  }
  const x = featureInputs(g, arch);
  const { logits } = forward(arch, p, x);
  g.output(logits, NAMES.logits);
  g.output(o.softmax(logits, -1), NAMES.probabilities);
  return g;
}

/**
 * Renames, in `g` and (recursively) its subgraphs, the producer of every graph output that is a
 * pure `Identity` rename (`out = Identity(x)`, x computed by a node of the same graph and not an
 * output itself) to the output's name, and drops the Identity. The builder names outputs through
 * Identity nodes, and onnxruntime copies each one: in a train Loop that is a copy of every
 * parameter and optimizer-state tensor per step (and once more per run at the top level).
 */
function stripOutputIdentities(g: GraphProto): void {
  for (const n of g.node) for (const a of n.attribute) if (a.g) stripOutputIdentities(a.g);
  const produced = new Set(g.node.flatMap((n) => n.output));
  const outputs = new Set(g.output.map((v) => v.name));
  const rename = new Map<string, string>();
  g.node = g.node.filter((n) => {
    const src = n.input[0];
    const dst = n.output[0];
    if (n.op_type !== 'Identity' || n.input.length !== 1 || !src || !dst) return true;
    if (!outputs.has(dst) || !produced.has(src) || outputs.has(src) || rename.has(src)) return true;
    rename.set(src, dst);
    return false;
  });
  if (rename.size) renameValues(g, rename);
}

function renameValues(g: GraphProto, rename: ReadonlyMap<string, string>): void {
  const r = (name: string): string => rename.get(name) ?? name;
  for (const n of g.node) {
    n.input = n.input.map(r);
    n.output = n.output.map(r);
    // Subgraphs may read the renamed values from the enclosing scope.
    for (const a of n.attribute) if (a.g) renameValues(a.g, rename);
  }
  for (const v of g.value_info) v.name = r(v.name);
}

/** ModelProto bytes of a train graph, with the output-renaming copies removed (see above). */
export function emitTrainModel(graph: Graph): Uint8Array {
  const proto = decodeModelProto(emitModel(graph));
  stripOutputIdentities(proto.graph);
  return encodeModelProto(proto);
}
