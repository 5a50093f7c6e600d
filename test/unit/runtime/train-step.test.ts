/**
 * End-to-end smoke test of the training engine's phase 1: a tiny bag-of-embeddings classifier
 * (embedding Gather → mean over tokens → MatMul + bias → softmax cross-entropy) whose train-step
 * graph is forward + autodiff backward + plain SGD, run through onnxruntime; the same step run
 * S times inside one ONNX Loop; and a finite-difference check of the whole model's gradient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DType, Graph, TensorData, Value, emitModel, gradients, nn, ops as o, tensor } from '../../../server/src/onnx';
import { Tensor, createSession } from '../../../server/src/runtime';
import { gradCheck, rng } from '../onnx/gradcheck';

const V = 12;
const D = 6;
const C = 3;
const B = 8;
const T = 5;

interface Params {
  readonly E: Value;
  readonly W: Value;
  readonly b: Value;
}

/** Mean cross-entropy of the model on one batch. */
function forward(p: Params, ids: Value, labels: Value, labelSmoothing = 0): Value {
  const h = o.reduceMean(o.gather(p.E, ids, 0), [1], false);
  const logits = nn.linear(h, p.W, p.b);
  return o.reduceMean(nn.softmaxCrossEntropy(logits, labels, { labelSmoothing }).loss, undefined, false);
}

/** p − lr·dL/dp for every parameter. */
function sgd(loss: Value, p: Params, lr: Value): Params {
  const [gE, gW, gb] = gradients(loss, [p.E, p.W, p.b], { unreached: 'error' });
  return { E: o.sub(p.E, o.mul(lr, gE!)), W: o.sub(p.W, o.mul(lr, gW!)), b: o.sub(p.b, o.mul(lr, gb!)) };
}

function paramInputs(g: Graph, dtype: DType): Params {
  return { E: g.input('E', dtype, [V, D]), W: g.input('W', dtype, [D, C]), b: g.input('b', dtype, [C]) };
}

/** A learnable synthetic batch: the tokens of class c are drawn from {4c, …, 4c + 3}. */
function batches(count: number, seed: number): { ids: number[]; labels: number[] }[] {
  const next = rng(seed);
  return Array.from({ length: count }, () => {
    const labels = Array.from({ length: B }, () => Math.floor(next() * C));
    const ids = labels.flatMap((c) => Array.from({ length: T }, () => 4 * c + Math.floor(next() * 4)));
    return { ids, labels };
  });
}

function initialParams(seed: number): Record<'E' | 'W' | 'b', TensorData> {
  const next = rng(seed);
  const normal = (n: number): number[] => Array.from({ length: n }, () => 0.3 * (next() - 0.5));
  return { E: tensor('float32', [V, D], normal(V * D)), W: tensor('float32', [D, C], normal(D * C)), b: tensor('float32', [C], [0, 0, 0]) };
}

test('SGD train steps through onnxruntime decrease the loss', async () => {
  const g = new Graph('train_step');
  const p = paramInputs(g, 'float32');
  const ids = g.input('ids', 'int64', ['batch', T]);
  const labels = g.input('labels', 'int64', ['batch']);
  const lr = g.input('lr', 'float32', []);
  const loss = forward(p, ids, labels);
  const next = sgd(loss, p, lr);
  g.output(next.E, 'E_next');
  g.output(next.W, 'W_next');
  g.output(next.b, 'b_next');
  g.output(loss, 'loss');
  const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1, deviceOutputs: ['E_next', 'W_next', 'b_next'] });
  const init = initialParams(3);
  let E: Tensor = Tensor.fromData(init.E);
  let W: Tensor = Tensor.fromData(init.W);
  let b: Tensor = Tensor.fromData(init.b);
  const data = batches(4, 5);
  const losses: number[] = [];
  for (let step = 0; step < 40; step++) {
    const batch = data[step % data.length]!;
    const r = await s.run({ E, W, b, ids: tensor('int64', [B, T], batch.ids), labels: tensor('int64', [B], batch.labels), lr: tensor('float32', [], [0.5]) });
    [E, W, b] = [r.E_next!, r.W_next!, r.b_next!];
    losses.push(r.loss!.item());
  }
  const first = losses.slice(0, 4).reduce((a, x) => a + x, 0) / 4;
  const last = losses.slice(-4).reduce((a, x) => a + x, 0) / 4;
  assert.ok(Math.abs(first - Math.log(C)) < 0.05, `initial loss ${first} should be near ln ${C}`);
  assert.ok(last < 0.5 * first, `loss went from ${first} to ${last}`);
  await s.dispose();
});

test('S steps in one ONNX Loop give the same parameters as S separate runs', async () => {
  const S = 4;
  // One step per run.
  const single = new Graph('step');
  {
    const p = paramInputs(single, 'float32');
    const next = sgd(forward(p, single.input('ids', 'int64', [B, T]), single.input('labels', 'int64', [B])), p, single.input('lr', 'float32', []));
    single.output(next.E, 'E_next');
    single.output(next.W, 'W_next');
    single.output(next.b, 'b_next');
  }
  // S steps per run: parameters are loop-carried, the batch of step i is gathered from the
  // stacked batches by the iteration number, per-step losses are scanned out.
  const multi = new Graph('steps');
  {
    const p = paramInputs(multi, 'float32');
    const idsAll = multi.input('ids', 'int64', ['steps', B, T]);
    const labelsAll = multi.input('labels', 'int64', ['steps', B]);
    const lr = multi.input('lr', 'float32', []);
    const trips = multi.input('trips', 'int64', []);
    const { carried, scans } = o.loop(multi, {
      trips,
      tripDim: 'steps',
      carried: [p.E, p.W, p.b],
      body: ({ iteration, carried: [E, W, b] }) => {
        const q = { E: E!, W: W!, b: b! };
        const loss = forward(q, o.gather(idsAll, iteration, 0), o.gather(labelsAll, iteration, 0));
        const next = sgd(loss, q, lr);
        return { carried: [next.E, next.W, next.b], scans: [loss] };
      },
    });
    multi.output(carried[0]!, 'E_next');
    multi.output(carried[1]!, 'W_next');
    multi.output(carried[2]!, 'b_next');
    multi.output(scans[0]!, 'losses');
  }
  const data = batches(S, 9);
  const init = initialParams(4);
  const lr = tensor('float32', [], [0.3]);

  const s1 = await createSession(emitModel(single), { device: 'cpu', intraOpThreads: 1 });
  let state: Record<string, TensorData> = { ...init };
  for (const batch of data) {
    const r = await s1.run({ ...state, ids: tensor('int64', [B, T], batch.ids), labels: tensor('int64', [B], batch.labels), lr });
    state = { E: r.E_next!.data(), W: r.W_next!.data(), b: r.b_next!.data() };
  }
  await s1.dispose();

  const sS = await createSession(emitModel(multi), { device: 'cpu', intraOpThreads: 1 });
  const r = await sS.run({
    ...init,
    ids: tensor('int64', [S, B, T], data.flatMap((d) => d.ids)),
    labels: tensor('int64', [S, B], data.flatMap((d) => d.labels)),
    lr,
    trips: tensor('int64', [], [S]),
  });
  assert.deepEqual(r.losses!.dims, [S]);
  for (const k of ['E', 'W', 'b'] as const) {
    assert.deepEqual(Array.from(r[`${k}_next`]!.data().data as Float32Array), Array.from(state[k]!.data as Float32Array), `${k} differs`);
  }
  await sS.dispose();
});

test('the whole model\'s gradient matches finite differences (float64)', async () => {
  const data = batches(1, 11)[0]!;
  const r = await gradCheck({
    name: 'bag_of_embeddings',
    covers: [],
    dtype: 'float64',
    inputs: [
      { name: 'E', shape: [V, D] },
      { name: 'W', shape: [D, C] },
      { name: 'b', shape: [C] },
      { name: 'ids', shape: [B, T], dtype: 'int64', init: { values: data.ids } },
      { name: 'labels', shape: [B], dtype: 'int64', init: { values: data.labels } },
    ],
    build: ([E, W, b, ids, labels]) => forward({ E: E!, W: W!, b: b! }, ids!, labels!, 0.1),
  });
  assert.ok(r.error <= 1e-6, `relative error ${r.error} (${JSON.stringify(r.errors)})`);
});
