import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph, decodeModelProto, emitModel, ops as o, tensor } from '../../../server/src/onnx';
import type { GraphProto } from '../../../server/src/onnx/proto';
import { createSession } from '../../../server/src/runtime';
import { lowerFor } from '../../../server/src/runtime/lowering';

/** LogSoftmax at the top level (axis 0) and inside a Loop body (axis −1, the training step's). */
function model(): Uint8Array {
  const g = new Graph('lsm');
  const x = g.input('x', 'float32', [2, 4]);
  g.output(o.logSoftmax(x, 0), 'top');
  const { carried } = o.loop(g, { trips: 2, carried: [x], body: ({ carried: [c] }) => ({ carried: [o.logSoftmax(c!, -1)] }) });
  g.output(carried[0]!, 'looped');
  return emitModel(g);
}

function ops(g: GraphProto): string[] {
  return g.node.flatMap((n) => [n.op_type, ...n.attribute.flatMap((a) => (a.g ? ops(a.g) : []))]);
}

test('for WebGPU, LogSoftmax is rewritten everywhere (Loop bodies too); other providers get the bytes as they are', () => {
  const bytes = model();
  assert.equal(lowerFor('cpu', bytes), bytes);
  const lowered = ops(decodeModelProto(lowerFor('webgpu', bytes)).graph);
  assert.ok(ops(decodeModelProto(bytes).graph).filter((op) => op === 'LogSoftmax').length === 2);
  assert.ok(!lowered.includes('LogSoftmax'), lowered.join(' '));
  assert.equal(lowered.filter((op) => op === 'ReduceMax').length, 2);
});

test('the rewritten LogSoftmax computes the same values (run on the CPU)', async () => {
  // Large logits, where an unshifted exp would overflow.
  const feeds = { x: tensor('float32', [2, 4], [1, 2, 3, 4, 500, -500, 0, 499]) };
  const run = async (bytes: Uint8Array) => {
    const s = await createSession(bytes, { device: 'cpu', intraOpThreads: 1 });
    const r = await s.run(feeds);
    await s.dispose();
    return [...Array.from(r.top!.data().data as Float32Array), ...Array.from(r.looped!.data().data as Float32Array)];
  };
  const [want, got] = [await run(model()), await run(lowerFor('webgpu', model()))];
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `value ${i}: ${v} vs ${want[i]}`));
});
