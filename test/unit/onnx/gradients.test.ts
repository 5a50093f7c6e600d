/**
 * Finite-difference gradient check of every differentiable op of the op table (and of the derived
 * ops of nn.ts), run through onnxruntime's CPU execution provider. Float64 where the CPU EP has
 * double kernels (relative error ≤ 1e-6), float32 otherwise (≤ 1e-3); see FLOAT32_ONLY.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, OP_TABLE, emitModel, gradients, nn, ops as o } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import { GradCase, gradCheck } from './gradcheck';

const TOL = { float64: 1e-6, float32: 1e-3 } as const;

/**
 * Ops checked in float32 only, with the reason. onnxruntime's CPU EP registers Erf for float only,
 * so GELU (built on Erf) is float32 too. A test below fails if a float64 Erf kernel appears, so
 * the list is kept honest.
 */
const FLOAT32_ONLY: Readonly<Record<string, string>> = Object.freeze({
  Erf: 'onnxruntime CPU EP has no float64 Erf kernel',
});

const f64 = 'float64' as const;
const f32 = 'float32' as const;

const cases: GradCase[] = [
  { name: 'Add same shape', covers: ['Add'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }], build: ([a, b]) => o.add(a!, b!) },
  { name: 'Add broadcast [2,1,3]+[4,1]', covers: ['Add'], dtype: f64, inputs: [{ name: 'a', shape: [2, 1, 3] }, { name: 'b', shape: [4, 1] }], build: ([a, b]) => o.add(a!, b!) },
  { name: 'Sub broadcast [2,3]-[2,1]', covers: ['Sub'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 1] }], build: ([a, b]) => o.sub(a!, b!) },
  { name: 'Mul broadcast [2,1,3]*[1,4,1]', covers: ['Mul'], dtype: f64, inputs: [{ name: 'a', shape: [2, 1, 3] }, { name: 'b', shape: [1, 4, 1] }], build: ([a, b]) => o.mul(a!, b!) },
  { name: 'Mul by itself (accumulation)', covers: ['Mul'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }], build: ([a]) => o.mul(o.mul(a!, a!), a!) },
  { name: 'Div broadcast [2,3]/[3]', covers: ['Div'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3], init: 'positive' }], build: ([a, b]) => o.div(a!, b!) },
  { name: 'Pow [2,3]^[3]', covers: ['Pow'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3], init: 'positive' }, { name: 'b', shape: [3] }], build: ([a, b]) => o.pow(a!, b!) },
  { name: 'Pow constant exponent', covers: ['Pow'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }], build: ([a]) => o.pow(a!, 3) },
  { name: 'Sum of three with broadcasting', covers: ['Sum'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }, { name: 'c', shape: [2, 1] }], build: ([a, b, c]) => o.sum([a!, b!, c!]) },
  { name: 'Max broadcast', covers: ['Max'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], build: ([a, b]) => o.max(a!, b!) },
  { name: 'Min broadcast', covers: ['Min'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], build: ([a, b]) => o.min(a!, b!) },
  { name: 'Neg', covers: ['Neg'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.neg(x!) },
  { name: 'Abs', covers: ['Abs'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.abs(x!) },
  { name: 'Identity', covers: ['Identity'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.identity(x!) },
  { name: 'Exp', covers: ['Exp'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.exp(x!) },
  { name: 'Log', covers: ['Log'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3], init: 'positive' }], build: ([x]) => o.log(x!) },
  { name: 'Sqrt', covers: ['Sqrt'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3], init: 'positive' }], build: ([x]) => o.sqrt(x!) },
  { name: 'Reciprocal', covers: ['Reciprocal'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3], init: 'positive' }], build: ([x]) => o.reciprocal(x!) },
  { name: 'Tanh', covers: ['Tanh'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.tanh(x!) },
  { name: 'Relu', covers: ['Relu'], dtype: f64, inputs: [{ name: 'x', shape: [3, 4] }], build: ([x]) => o.relu(x!) },
  { name: 'Sigmoid', covers: ['Sigmoid'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.sigmoid(x!) },
  { name: 'Erf', covers: ['Erf'], dtype: f32, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.erf(x!) },
  { name: 'Where broadcast', covers: ['Where'], dtype: f64, inputs: [{ name: 'c', shape: [2, 3], dtype: 'bool', init: 'bool' }, { name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], build: ([c, a, b]) => o.where(c!, a!, b!) },
  // Cast is checked from float32 to float64: a float64 round trip through float32 would quantize
  // the perturbations, so a float64-tolerance check of Cast is not meaningful.
  { name: 'Cast float32 → float64', covers: ['Cast'], dtype: f32, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.mul(o.cast(x!, 'float64'), o.cast(x!, 'float64')) },
  { name: 'MatMul 2-D', covers: ['MatMul'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 4] }], build: ([a, b]) => o.matmul(a!, b!) },
  { name: 'MatMul batched, broadcast B', covers: ['MatMul'], dtype: f64, inputs: [{ name: 'a', shape: [2, 2, 3] }, { name: 'b', shape: [3, 4] }], build: ([a, b]) => o.matmul(a!, b!) },
  { name: 'MatMul batch broadcast both', covers: ['MatMul'], dtype: f64, inputs: [{ name: 'a', shape: [2, 1, 2, 3] }, { name: 'b', shape: [1, 3, 3, 2] }], build: ([a, b]) => o.matmul(a!, b!) },
  { name: 'MatMul 1-D left', covers: ['MatMul'], dtype: f64, inputs: [{ name: 'a', shape: [3] }, { name: 'b', shape: [2, 3, 4] }], build: ([a, b]) => o.matmul(a!, b!) },
  { name: 'MatMul 1-D right', covers: ['MatMul'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], build: ([a, b]) => o.matmul(a!, b!) },
  // x reaches the loss through two thin products (x as right and as left operand): the autodiff
  // sums its two contributions inside one MatMul of the concatenated operands (productSum).
  { name: 'MatMul thin products summed in one', covers: ['MatMul'], dtype: f64, inputs: [{ name: 'al', shape: [2, 1, 4] }, { name: 'x', shape: [2, 4, 3] }, { name: 'a', shape: [3, 1] }], build: ([al, x, a]) => o.add(o.matmul(al!, x!), o.matmul(x!, a!)) },
  { name: 'Gemm plain with C [4]', covers: ['Gemm'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 4] }, { name: 'c', shape: [4] }], build: ([a, b, c]) => o.gemm(a!, b!, c!, { alpha: 0.7, beta: 1.3 }) },
  { name: 'Gemm transA transB', covers: ['Gemm'], dtype: f64, inputs: [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [4, 3] }, { name: 'c', shape: [2, 1] }], build: ([a, b, c]) => o.gemm(a!, b!, c!, { alpha: 1.5, transA: true, transB: true }) },
  { name: 'Gemm transA', covers: ['Gemm'], dtype: f64, inputs: [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [3, 4] }], build: ([a, b]) => o.gemm(a!, b!, undefined, { transA: true }) },
  { name: 'Gemm transB', covers: ['Gemm'], dtype: f64, inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [4, 3] }], build: ([a, b]) => o.gemm(a!, b!, undefined, { transB: true }) },
  { name: 'Softmax last axis', covers: ['Softmax'], dtype: f64, inputs: [{ name: 'x', shape: [2, 4] }], build: ([x]) => o.softmax(x!, -1) },
  { name: 'Softmax axis 0', covers: ['Softmax'], dtype: f64, inputs: [{ name: 'x', shape: [3, 2, 2] }], build: ([x]) => o.softmax(x!, 0) },
  { name: 'LogSoftmax last axis', covers: ['LogSoftmax'], dtype: f64, inputs: [{ name: 'x', shape: [2, 4] }], build: ([x]) => o.logSoftmax(x!) },
  { name: 'LogSoftmax axis 1 of 3', covers: ['LogSoftmax'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }], build: ([x]) => o.logSoftmax(x!, 1) },
  { name: 'LayerNormalization last axis', covers: ['LayerNormalization'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 's', shape: [4] }, { name: 'b', shape: [4] }], build: ([x, s, b]) => o.layerNorm(x!, s!, b!) },
  { name: 'LayerNormalization axis 1, no bias', covers: ['LayerNormalization'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }, { name: 's', shape: [3, 2] }], build: ([x, s]) => o.layerNorm(x!, s!, undefined, { axis: 1, epsilon: 1e-3 }) },
  { name: 'ReduceSum axis 1 keepdims', covers: ['ReduceSum'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }], build: ([x]) => o.reduceSum(x!, [1], true) },
  { name: 'ReduceSum axes [0,2] no keepdims', covers: ['ReduceSum'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }], build: ([x]) => o.reduceSum(x!, [0, -1], false) },
  { name: 'ReduceMean all', covers: ['ReduceMean'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.reduceMean(x!, undefined, false) },
  { name: 'ReduceMean axis -1', covers: ['ReduceMean'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }], build: ([x]) => o.reduceMean(x!, [-1], false) },
  { name: 'ReduceMax axis 1', covers: ['ReduceMax'], dtype: f64, inputs: [{ name: 'x', shape: [2, 4] }], build: ([x]) => o.reduceMax(x!, [1], false) },
  { name: 'ReduceMin axis 0 keepdims', covers: ['ReduceMin'], dtype: f64, inputs: [{ name: 'x', shape: [3, 2] }], build: ([x]) => o.reduceMin(x!, [0], true) },
  { name: 'Reshape', covers: ['Reshape'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }], build: ([x]) => o.mul(o.reshape(x!, [6, 2]), o.reshape(x!, [-1, 2])) },
  { name: 'Transpose', covers: ['Transpose'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }], build: ([x]) => o.transpose(x!, [2, 0, 1]) },
  { name: 'Concat axis 1', covers: ['Concat'], dtype: f64, inputs: [{ name: 'a', shape: [2, 1] }, { name: 'b', shape: [2, 3] }, { name: 'c', shape: [2, 2] }], build: ([a, b, c]) => o.concat([a!, b!, c!], 1) },
  { name: 'Split, one piece unused', covers: ['Split'], dtype: f64, inputs: [{ name: 'x', shape: [2, 5] }], build: ([x]) => {
    const [p, , r] = o.split(x!, [2, 1, 2], 1);
    return o.mul(p!, r!);
  } },
  { name: 'Slice with negative start', covers: ['Slice'], dtype: f64, inputs: [{ name: 'x', shape: [3, 4] }], build: ([x]) => o.slice(x!, [1, -3], [3, 100], [0, 1]) },
  { name: 'Pad', covers: ['Pad'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.mul(o.pad(x!, [1, 0, 0, 2]), 2) },
  { name: 'Squeeze', covers: ['Squeeze'], dtype: f64, inputs: [{ name: 'x', shape: [2, 1, 3] }], build: ([x]) => o.squeeze(x!, [1]) },
  { name: 'Unsqueeze', covers: ['Unsqueeze'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => o.unsqueeze(x!, [0, 3]) },
  { name: 'Expand', covers: ['Expand'], dtype: f64, inputs: [{ name: 'x', shape: [3, 1] }], build: ([x]) => o.expand(x!, [2, 3, 4]) },
  { name: 'Gather axis 0, repeated indices (embedding)', covers: ['Gather'], dtype: f64, inputs: [{ name: 'e', shape: [3, 2] }, { name: 'i', shape: [2, 4], dtype: 'int64', init: { values: [0, 2, 0, 0, 1, 2, 2, 0] } }], build: ([e, i]) => o.gather(e!, i!, 0) },
  { name: 'Gather axis 1, int32 indices', covers: ['Gather'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }, { name: 'i', shape: [4], dtype: 'int32', init: { values: [2, 0, 2, 1] } }], build: ([x, i]) => o.gather(x!, i!, 1) },
  { name: 'Gather axis 0, scatter-add strategy', covers: ['Gather'], dtype: f64, gradOptions: { gatherGradient: 'scatter-add' }, inputs: [{ name: 'e', shape: [3, 2] }, { name: 'i', shape: [2, 4], dtype: 'int64', init: { values: [0, 2, 0, 0, 1, -1, 2, 0] } }], build: ([e, i]) => o.gather(e!, i!, 0) },
  { name: 'Gather negative indices, rank-3 data', covers: ['Gather'], dtype: f64, inputs: [{ name: 'e', shape: [3, 2, 2] }, { name: 'i', shape: [5], dtype: 'int64', init: { values: [-1, 2, 0, -3, 2] } }], build: ([e, i]) => o.gather(e!, i!, 0) },
  { name: 'CumSum', covers: ['CumSum'], dtype: f64, inputs: [{ name: 'x', shape: [2, 4] }], build: ([x]) => o.apply1('CumSum', [x!, o.int64s(x!.graph, [1])]) },
  { name: 'CumSum exclusive reverse', covers: ['CumSum'], dtype: f64, inputs: [{ name: 'x', shape: [3, 2] }], build: ([x]) => o.apply1('CumSum', [x!, o.int64s(x!.graph, [0])], { exclusive: 1, reverse: 1 }) },
  { name: 'GatherElements repeated indices', covers: ['GatherElements'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3] }, { name: 'i', shape: [2, 4], dtype: 'int64', init: { values: [0, 0, 2, 0, 1, 1, 1, 2] } }], build: ([x, i]) => o.gatherElements(x!, i!, 1) },
  { name: 'TopK values', covers: ['TopK'], dtype: f64, inputs: [{ name: 'x', shape: [2, 5] }], build: ([x]) => o.topK(x!, 3, -1).values },
  { name: 'symbolic batch: MatMul, ReduceMean over batch, Reshape', covers: ['MatMul', 'ReduceMean', 'Reshape'], dtype: f64, symbols: { batch: 3 },
    inputs: [{ name: 'x', shape: ['batch', 2, 3] }, { name: 'w', shape: [3, 2] }],
    build: ([x, w]) => {
      const y = o.reshape(o.matmul(x!, w!), ['batch', 4]);
      return o.sub(y, o.reduceMean(y, [0], true));
    } },
  { name: 'symbolic: embedding lookup with batch of ids', covers: ['Gather', 'ReduceMean'], dtype: f64, symbols: { batch: 2 },
    inputs: [{ name: 'e', shape: [4, 3] }, { name: 'ids', shape: ['batch', 5], dtype: 'int64', init: { ints: 4 } }],
    build: ([e, ids]) => o.reduceMean(o.gather(e!, ids!, 0), [1], false) },
  { name: 'derived: dropout with explicit mask', covers: ['nn.dropout'], dtype: f64, inputs: [{ name: 'x', shape: [2, 4] }, { name: 'm', shape: [2, 4], dtype: 'bool', init: 'bool' }], build: ([x, m]) => nn.dropout(x!, m!, 0.25) },
  { name: 'derived: softmax cross-entropy with label smoothing', covers: ['nn.softmaxCrossEntropy'], dtype: f64, inputs: [{ name: 'z', shape: [3, 4] }, { name: 'y', shape: [3], dtype: 'int64', init: { values: [1, 3, 1] } }], build: ([z, y]) => nn.softmaxCrossEntropy(z!, y!, { labelSmoothing: 0.1 }).loss },
  { name: 'derived: linear + masked mean', covers: ['nn.linear', 'nn.maskedMean'], dtype: f64, inputs: [{ name: 'x', shape: [2, 3, 2] }, { name: 'w', shape: [2, 2] }, { name: 'b', shape: [2] }, { name: 'm', shape: [2, 3, 1], dtype: 'bool', init: { values: [1, 1, 0, 1, 0, 0] } }], build: ([x, w, b, m]) => nn.maskedMean(nn.linear(x!, w!, b!), m!, 1) },
  { name: 'derived: gelu', covers: ['nn.gelu'], dtype: f32, inputs: [{ name: 'x', shape: [2, 3] }], build: ([x]) => nn.gelu(x!) },
];

for (const c of cases) {
  test(`gradient: ${c.name} (${c.dtype})`, async (t) => {
    const r = await gradCheck(c);
    t.diagnostic(`relative error ${r.error.toExponential(2)}`);
    assert.deepEqual(r.shapes.runtime, r.shapes.inferred, 'onnxruntime and the shape rule disagree on the output shape');
    assert.ok(r.error <= TOL[c.dtype], `relative error ${r.error} > ${TOL[c.dtype]} (${JSON.stringify(r.errors)})`);
  });
}

test('every differentiable op of the table has a gradient-check case', () => {
  const covered = new Set(cases.flatMap((c) => c.covers));
  const missing = Object.values(OP_TABLE)
    .filter((e) => typeof e.grad === 'function')
    .map((e) => e.type)
    .filter((t) => !covered.has(t));
  assert.deepEqual(missing, []);
});

test('ops checked in float32 only really lack a float64 CPU kernel', async () => {
  for (const op of Object.keys(FLOAT32_ONLY)) {
    const g = new Graph('probe');
    const x = g.input('x', 'float64', [2]);
    g.output(o.apply1(op, [x]), 'y');
    await assert.rejects(createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1 }), /implementation|NOT_IMPLEMENTED/i, `${op} now has a float64 kernel: check it in float64`);
  }
});

test('contributions that are thin products are summed inside one MatMul, not by a Sum node', () => {
  const g = new Graph('product_sum');
  const al = g.input('al', 'float32', [2, 1, 4]);
  const x = g.input('x', 'float32', [2, 4, 3]);
  const a = g.input('a', 'float32', [3, 1]);
  const before = g.nodes.length;
  gradients(o.reduceSum(o.add(o.matmul(al, x), o.matmul(x, a)), undefined, false), [x]);
  const ops = g.nodes.slice(before).map((n) => n.op);
  assert.ok(!ops.includes('Sum'), ops.join(' '));
  assert.ok(ops.includes('Concat'), ops.join(' '));
});
