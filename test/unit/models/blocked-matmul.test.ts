/**
 * rowBlockedMatmul (models/common.ts) is x·w computed in blocks of rows: the same product and the
 * same gradients as one MatMul (float64, through onnxruntime), and one MatMul where blocks do not
 * pay (few rows, symbolic rows, no suitable divisor).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowBlockedMatmul } from '../../../models/common';
import { Graph, emitModel, gradients, ops as o, tensor } from '../../../server/src/onnx';
import { createSession } from '../../../server/src/runtime';
import { rng } from '../../helpers/rng';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('rowBlockedMatmul: same product and gradients as one MatMul (4,096 × 6 rows in 4 blocks)', async () => {
  const [R, K, N] = [4096, 6, 5];
  const g = new Graph('blocked');
  const x = g.input('x', 'float64', [R, K]);
  const w = g.input('w', 'float64', [K, N]);
  const seed = g.input('seed', 'float64', [R, N]);
  const blocked = rowBlockedMatmul(x, w);
  const plain = o.matmul(x, w);
  assert.ok(g.nodes.some((n) => n.op === 'Expand'), 'the product is computed in blocks');
  // A loss with a different weight per output element, so every gradient entry is exercised.
  const [dxB, dwB] = gradients(o.reduceSum(o.mul(blocked, seed), undefined, false), [x, w]);
  const [dxP, dwP] = gradients(o.reduceSum(o.mul(plain, seed), undefined, false), [x, w]);
  g.output(blocked, 'yB');
  g.output(plain, 'yP');
  g.output(dxB!, 'dxB');
  g.output(dxP!, 'dxP');
  g.output(dwB!, 'dwB');
  g.output(dwP!, 'dwP');
  const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: 1 });
  try {
    const r = rng(3);
    const fill = (n: number): number[] => Array.from({ length: n }, () => r() - 0.5);
    const out = await s.run({ x: tensor('float64', [R, K], fill(R * K)), w: tensor('float64', [K, N], fill(K * N)), seed: tensor('float64', [R, N], fill(R * N)) });
    const data = (name: string): Float64Array => out[name]!.data<'float64'>().data;
    assert.ok(maxAbsDiff(data('yB'), data('yP')) <= 1e-12);
    assert.ok(maxAbsDiff(data('dxB'), data('dxP')) <= 1e-12);
    assert.ok(maxAbsDiff(data('dwB'), data('dwP')) <= 1e-9);
  } finally {
    await s.dispose();
  }
});

test('rowBlockedMatmul: one MatMul for few, symbolic or prime row counts', () => {
  const g = new Graph('plain');
  const w = g.input('w', 'float32', [4, 3]);
  for (const rows of [2048, 'batch', 4099] as const) {
    const y = rowBlockedMatmul(g.input(`x${rows}`, 'float32', [rows, 4]), w);
    assert.equal(y.producer?.op, 'MatMul', `rows ${rows}`);
  }
});
