/**
 * Mixup mixes rows of the logits in place of the code vectors (train/mixup.ts), which is exact
 * only when every model's head is affine in its code vector: f(λa + (1 − λ)b) = λf(a) + (1 − λ)f(b).
 * This pins it per model on the real inference graph. The code vector h is found, not named: the
 * earliest [batch, D] value through which every path from the sample's features to the logits
 * passes (the pooled vector of bag and the transformer, code2vec's v). h is then cut off from its
 * producer and fed as an input, and the logits of a, b and λa + (1 − λ)b are compared. A head that
 * is not affine (a fake model with tanh(h)·W) fails the same check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArchitecture, MODEL_NAMES } from '../../../models/registry';
import { Graph, TensorData, Value, decodeModelProto, emitModel, encodeModelProto, ops as o } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import type { Architecture } from '../../../server/src/train/architecture';
import { buildInferenceGraph, NAMES } from '../../../server/src/train/compile';
import { Rng } from '../../../server/src/util/rng';

const SIZES = { tokens: 10, paths: 10, labels: 3, labelSubtokens: [[2, 3], [4], [5, 6, 2]] };
const ROWS = 3;

/** Values reachable from `sources` in `g`, skipping `cut` (treated as a constant). */
function reachable(g: Graph, sources: readonly Value[], cut?: Value): Set<Value> {
  const seen = new Set<Value>(sources);
  for (const n of g.nodes) {
    if (!n.inputs.some((v) => v && seen.has(v))) continue;
    for (const v of n.outputs) if (v !== cut) seen.add(v);
  }
  return seen;
}

/** The earliest [batch, D] value that every path from the features to `logits` passes through. */
function codeVector(g: Graph, logits: Value): Value {
  const features = g.inputs;
  const candidates = g.nodes.flatMap((n) => n.outputs).filter((v) => v !== logits && v.rank === 2 && v.shape[0] === 'batch' && typeof v.shape[1] === 'number');
  const found = candidates.find((v) => reachable(g, features).has(v) && !reachable(g, features, v).has(logits));
  if (!found) throw new Error(`${g.name}: no code vector found`);
  return found;
}

function randomWeights(arch: Architecture, rng: Rng): Record<string, TensorData> {
  return Object.fromEntries(arch.params.map((p) => [p.name, { dtype: 'float32', dims: [...p.shape], data: Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => 0.5 * rng.normal()) } as TensorData]));
}

/**
 * The largest |f(λa + (1 − λ)b) − (λf(a) + (1 − λ)f(b))| over the classes, relative to the logits'
 * scale, with f the inference graph's logits as a function of the code vector.
 */
async function affinityError(arch: Architecture, seed: number): Promise<number> {
  const rng = new Rng(seed);
  const g = buildInferenceGraph(arch, randomWeights(arch, rng));
  // The output is named through an Identity; its input is the head's value.
  const out = g.find(NAMES.logits)!;
  const h = codeVector(g, out.producer?.op === 'Identity' ? out.producer.inputs[0]! : out);
  const D = h.shape[1] as number;
  // Feed h instead of computing it: its consumers read the new input.
  const proto = decodeModelProto(emitModel(g));
  for (const n of proto.graph.node) n.input = n.input.map((x) => (x === h.name ? 'code_in' : x));
  proto.graph.input.push({ name: 'code_in', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'batch' }, { dim_value: D }] } } } });
  const session = await createSession(encodeModelProto(proto), { device: 'cpu', intraOpThreads: 1, name: 'affine' });
  try {
    const lambda = 0.3;
    const a = Array.from({ length: D }, () => rng.normal());
    const b = Array.from({ length: D }, () => rng.normal());
    const code = Float32Array.from([...a, ...b, ...a.map((x, i) => lambda * x + (1 - lambda) * b[i]!)]);
    const feeds: Record<string, TensorData> = { code_in: { dtype: 'float32', dims: [ROWS, D], data: code } };
    for (const f of arch.features) {
      const n = ROWS * f.shape.reduce((p, q) => p * q, 1);
      feeds[NAMES.feature(f.name)] = { dtype: 'int32', dims: [ROWS, ...f.shape], data: Int32Array.from({ length: n }, () => 1 + rng.int(SIZES.tokens - 1)) } as TensorData;
    }
    const z = (await session.run(feeds, [NAMES.logits]))[NAMES.logits]!.data<'float32'>().data;
    const C = arch.classes;
    let err = 0;
    let scale = 0;
    // The mixed vector was rounded to float32: compare with the mix of f(a) and f(b) at that precision.
    for (let k = 0; k < C; k++) {
      err = Math.max(err, Math.abs(z[2 * C + k]! - (lambda * z[k]! + (1 - lambda) * z[C + k]!)));
      scale = Math.max(scale, Math.abs(z[k]!), Math.abs(z[C + k]!));
    }
    return err / Math.max(scale, 1);
  } finally {
    await session.dispose();
  }
}

const CASES: { name: (typeof MODEL_NAMES)[number]; hyper: Record<string, number> }[] = [...MODEL_NAMES.map((name) => ({ name, hyper: {} })), { name: 'bag', hyper: { nameHead: 1 } }];

for (const { name, hyper } of CASES) {
  test(`${name}${hyper.nameHead ? ' with the name head' : ''}: the logits are affine in the code vector (mixing logits = mixing code vectors)`, async () => {
    const arch = buildArchitecture(name, SIZES, 'tiny', hyper);
    for (const seed of [1, 2]) {
      const e = await affinityError(arch, seed);
      assert.ok(e < 1e-5, `${name}: relative deviation from affinity ${e}`);
    }
  });
}

test('a head that is not affine in the code vector (tanh(h)·W) fails the check', async () => {
  const d = 4;
  const fake: Architecture = {
    name: 'tanh_head',
    classes: 3,
    params: [
      { name: 'emb', shape: [SIZES.tokens, d], init: { kind: 'normal', std: 1 }, decay: true },
      { name: 'W', shape: [d, 3], init: { kind: 'glorot' }, decay: true },
    ],
    features: [{ name: 'tokens', dtype: 'int32', shape: [5] }],
    dropouts: [],
    forward: ({ params, features, embed }) => o.matmul(o.tanh(o.reduceMean(embed('tokens', 'emb', features.tokens!), [1], false)), params.W!),
    fill: () => undefined,
    forwardFlops: 0,
  };
  assert.ok((await affinityError(fake, 1)) > 1e-3);
});
