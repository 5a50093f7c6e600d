import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEngineError } from '../../../server/src/errors';
import {
  Graph,
  IR_VERSION,
  OPSET_VERSION,
  decodeModelProto,
  dimsEqual,
  dumpGraph,
  emitModel,
  gradients,
  mulDims,
  nn,
  ops as o,
  tensor,
  toModelProto,
} from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';

function graphError(pattern: RegExp): (e: unknown) => boolean {
  return (e) => isEngineError(e) && e.code === 'E_GRAPH' && pattern.test(e.message);
}

test('symbolic dims: products are canonical', () => {
  assert.ok(dimsEqual('seq*batch', 'batch*seq'));
  assert.equal(mulDims(4, 'b'), '4*b');
  assert.equal(mulDims('b', 1), 'b');
  assert.equal(mulDims(2, 3), 6);
  assert.throws(() => dimsEqual('b+1', 'b'), graphError(/invalid symbolic dim/));
});

test('shape rules reject mismatches with the op and shapes in the message', () => {
  const g = new Graph('g');
  const a = g.input('a', 'float32', ['batch', 3]);
  const b = g.input('b', 'float32', [4, 5]);
  assert.throws(() => o.matmul(a, b), graphError(/MatMul\(float32\[batch,3\], float32\[4,5\]\): inner dims differ \(3 vs 4\)/));
  assert.throws(() => o.add(a, b), graphError(/do not broadcast/));
  assert.throws(() => o.add(a, g.input('c', 'float64', [3])), graphError(/share one dtype/));
  assert.throws(() => o.reshape(b, [3, 7]), graphError(/element counts differ/));
  assert.throws(() => o.squeeze(b, [0]), graphError(/axis 0 has size 4, not 1/));
  assert.throws(() => o.softmax(a, 2), graphError(/out of range/));
});

test('the graph rejects unknown ops, attributes, duplicate names and out-of-scope values', () => {
  const g = new Graph('g');
  const x = g.input('x', 'float32', [2]);
  assert.throws(() => g.apply('Frobnicate', [x]), graphError(/unknown op 'Frobnicate'/));
  assert.throws(() => g.apply('Softmax', [x], { axes: 1 }), graphError(/unknown attribute 'axes'/));
  assert.throws(() => g.apply('Softmax', [x], { axis: 0.5 }), graphError(/attribute 'axis' must be of type int/));
  assert.throws(() => g.input('x', 'float32', [2]), graphError(/duplicate value name 'x'/));
  const body = g.subgraph('body');
  const inner = body.input('inner', 'float32', [2]);
  assert.throws(() => g.apply('Neg', [inner]), graphError(/not visible from graph 'g'/));
  // Outer values are visible inside the body.
  assert.equal(o.add(inner, x).graph, body);
});

test('small constants are shared; shapes carry through reshape with symbolic dims', () => {
  const g = new Graph('g');
  const x = g.input('x', 'float32', ['batch', 'seq', 4]);
  assert.equal(o.int64s(g, [1, 2]), o.int64s(g, [1, 2]));
  const flat = o.reshape(x, [-1, 4]);
  assert.deepEqual(flat.shape, ['batch*seq', 4]);
  const back = o.reshapeLike(flat, x);
  assert.deepEqual(back.shape, ['batch', 'seq', 4]);
  assert.deepEqual(o.reshape(x, ['batch', 'seq*4']).shape, ['batch', '4*seq']);
});

test('symbolic reshapes run in onnxruntime', async () => {
  const g = new Graph('g');
  const x = g.input('x', 'float32', ['b', 's', 2]);
  const flat = o.reshape(x, [-1, 2]);
  const merged = o.reshape(x, ['b', 's*2']);
  // 'b' and 's' cannot both be recovered from [b*s, 2]: reshape refuses, reshapeLike works.
  assert.throws(() => o.reshape(flat, ['b', 's', 2]), graphError(/use reshapeLike/));
  const split = o.reshapeLike(flat, x);
  g.output(flat, 'flat');
  g.output(merged, 'merged');
  g.output(split, 'split');
  const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1 });
  const data = tensor('float32', [3, 2, 2], Array.from({ length: 12 }, (_, i) => i));
  const r = await s.run({ x: data });
  assert.deepEqual(r.flat!.dims, [6, 2]);
  assert.deepEqual(r.merged!.dims, [3, 4]);
  assert.deepEqual(r.split!.dims, [3, 2, 2]);
  assert.deepEqual(Array.from(r.split!.data().data as Float32Array), Array.from(data.data));
  await s.dispose();
});

test('emission: opset, IR version, pruning, initializers as raw data', () => {
  const g = new Graph('g');
  const x = g.input('x', 'float32', ['batch', 2]);
  const w = g.initializer('w', tensor('float32', [2, 2], [1, 2, 3, 4]));
  o.exp(x);
  g.output(o.matmul(x, w), 'y');
  const m = decodeModelProto(emitModel(g, { metadata: { kind: 'test' } }));
  assert.equal(m.ir_version, IR_VERSION);
  assert.deepEqual(m.opset_import.map((s) => [s.domain ?? '', s.version]), [['', OPSET_VERSION]]);
  assert.deepEqual(m.graph.node.map((n) => n.op_type), ['MatMul', 'Identity']);
  assert.deepEqual(m.graph.input.map((i) => i.type?.tensor_type.shape?.dim.map((d) => d.dim_param ?? d.dim_value)), [['batch', 2]]);
  const init = m.graph.initializer[0]!;
  assert.equal(init.name, 'w');
  assert.deepEqual(Array.from(new Float32Array(new Uint8Array(init.raw_data!).buffer)), [1, 2, 3, 4]);
  assert.deepEqual(m.metadata_props, [{ key: 'kind', value: 'test' }]);
  assert.equal(toModelProto(g, { prune: false }).graph.node.length, 3);
});

test('text dump (golden)', () => {
  const g = new Graph('golden');
  const x = g.input('x', 'float32', ['batch', 3]);
  const w = g.initializer('w', tensor('float32', [3, 2], [1, 2, 3, 4, 5, 6]));
  const h = o.relu(o.add(o.matmul(x, w), 0.5));
  g.output(o.reduceSum(h, [1], false), 'y');
  assert.equal(
    dumpGraph(g),
    [
      'graph golden',
      '  input x: float32[batch,3]',
      '  init w: float32[3,2]',
      '  const const_1: float32[] = 0.5',
      '  const const_4: int64[1] = [1]',
      '  matmul_0 = MatMul(x, w) : float32[batch,2]',
      '  add_2 = Add(matmul_0, const_1) : float32[batch,2]',
      '  relu_3 = Relu(add_2) : float32[batch,2]',
      '  reducesum_5 = ReduceSum(relu_3, const_4) {keepdims=0} : float32[batch]',
      '  y = Identity(reducesum_5) : float32[batch]',
      '  output y: float32[batch]',
      '',
    ].join('\n'),
  );
});

test('autodiff: seed, unreached values, non-scalar loss, missing rules', () => {
  const g = new Graph('g');
  const x = g.input('x', 'float64', [3]);
  const unused = g.input('u', 'float64', [2]);
  const y = o.mul(x, x);
  assert.throws(() => gradients(y, [x]), graphError(/must be a scalar/));
  const [gx] = gradients(y, [x], { seed: g.input('seed', 'float64', [3]) });
  assert.deepEqual(gx!.shape, [3]);
  const l = o.reduceSum(y, undefined, false);
  assert.throws(() => gradients(l, [unused], { unreached: 'error' }), graphError(/does not depend on 'u'/));
  assert.equal(gradients(l, [unused])[0]!.producer?.op, 'ConstantOfShape');
  assert.throws(() => gradients(l, [g.input('i', 'int64', [3])]), graphError(/dtype int64/));
  const { carried } = o.loop(g, { trips: 2, carried: [x], body: ({ carried: [c] }) => ({ carried: [o.mul(c!, 2)] }) });
  assert.throws(() => gradients(o.reduceSum(carried[0]!, undefined, false), [x]), graphError(/no gradient rule for Loop/));
});

test('argmax, topk, equal stop gradients without error', () => {
  const g = new Graph('g');
  const x = g.input('x', 'float64', [2, 3]);
  const mask = o.cast(o.equal(o.argMax(x, 1, true), o.topK(x, 1, 1).indices), 'float64');
  const [gx] = gradients(o.reduceSum(o.mul(x, mask), undefined, false), [x]);
  assert.deepEqual(gx!.shape, [2, 3]);
});

test('gradients with respect to an intermediate value (a probe of the input embeddings)', async () => {
  const g = new Graph('probe');
  const e = g.input('e', 'float32', [5, 2]);
  const ids = g.input('ids', 'int64', [3]);
  const w = g.input('w', 'float32', [2]);
  const emb = o.gather(e, ids, 0);
  const [dEmb, dE] = gradients(o.reduceSum(o.mul(o.mul(emb, emb), w), undefined, false), [emb, e]);
  g.output(dEmb!, 'd_emb');
  g.output(dE!, 'd_e');
  const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1 });
  const ev = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const r = await s.run({ e: tensor('float32', [5, 2], ev), ids: tensor('int64', [3], [4, 0, 4]), w: tensor('float32', [2], [1, -1]) });
  // d/d emb of Σ emb²·w = 2·emb·w; rows 4, 0, 4 of e.
  assert.deepEqual(Array.from(r.d_emb!.data().data as Float32Array), [18, -20, 2, -4, 18, -20]);
  // Row 4 is used twice: its gradient is the sum of both uses.
  assert.deepEqual(Array.from(r.d_e!.data().data as Float32Array), [2, -4, 0, 0, 0, 0, 0, 0, 36, -40]);
  await s.dispose();
});

test('classification statistics computed in the graph', async () => {
  const g = new Graph('stats');
  const z = g.input('z', 'float64', ['n', 3]);
  const y = g.input('y', 'int64', ['n']);
  const st = nn.classificationStats(z, y, 2);
  for (const [k, v] of Object.entries(st)) g.output(v, k);
  const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1 });
  const zs = [
    [2, 1, 0],
    [0.5, 3, 1],
  ];
  const ys = [0, 2];
  const r = await s.run({ z: tensor('float64', [2, 3], zs.flat()), y: tensor('int64', [2], ys) });
  const num = (k: string): number[] => Array.from(r[k]!.data().data as Float64Array, Number);
  zs.forEach((row, i) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    const label = ys[i]!;
    const other = Math.max(...row.filter((_, k) => k !== label));
    assert.ok(Math.abs(num('loss')[i]! - (lse - row[label]!)) < 1e-12);
    assert.ok(Math.abs(num('pLabel')[i]! - Math.exp(row[label]! - lse)) < 1e-12);
    assert.equal(num('margin')[i], row[label]! - other);
  });
  assert.deepEqual(Array.from(r.predicted!.data().data as BigInt64Array), [0n, 1n]);
  assert.deepEqual(num('correct'), [1, 0]);
  assert.deepEqual(Array.from(r.topK!.data().data as BigInt64Array), [0n, 1n, 1n, 2n]);
  await s.dispose();
});
