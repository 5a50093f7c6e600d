/**
 * The WebGPU provider for real: device outputs, and reading them back. Runs where WebGPU passes
 * the device precheck; under `npm test` that is SwiftShader (scripts/run-tests.js sets
 * MEMAUDIT_VULKAN_DRIVER when Chromium's driver is installed). Skips otherwise, or fails when
 * MEMAUDIT_REQUIRE_E2E=1 (CI).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Graph, emitModel, ops as o } from '../../../server/src/onnx';
import { Tensor, createSession, currentEnvironment, precheck } from '../../../server/src/runtime';

const unavailable = precheck('webgpu', currentEnvironment());
const skip = unavailable && process.env.MEMAUDIT_REQUIRE_E2E !== '1' ? unavailable : false;

test('device outputs of every rank stay on the device, feed back, and download', { skip }, async () => {
  assert.equal(unavailable, undefined, `MEMAUDIT_REQUIRE_E2E=1 and webgpu is unavailable: ${unavailable}`);
  const g = new Graph('step');
  const x = g.input('x', 'float32', [2, 3]);
  const n = g.input('n', 'int32', []);
  g.output(o.mul(x, 2), 'x_next');
  g.output(o.add(n, 1), 'n_next');
  g.output(o.reduceSum(x, undefined, false), 'total');
  const s = await createSession(emitModel(g), { device: 'webgpu', deviceOutputs: ['x_next', 'n_next'], log: () => {} });
  assert.equal(s.device.used, 'webgpu');
  let feeds: Record<string, Tensor> = { x: Tensor.from('float32', [2, 3], [1, 2, 3, 4, 5, 6]), n: Tensor.from('int32', [], [0]) };
  for (let k = 0; k < 3; k++) {
    const r = await s.run(feeds);
    assert.equal(r.x_next!.location, 'device');
    assert.equal(r.n_next!.location, 'device', 'a scalar too');
    assert.equal(r.total!.location, 'cpu');
    feeds = { x: r.x_next!, n: r.n_next! };
  }
  assert.deepEqual(Array.from((await feeds.x!.download()).data as Float32Array), [8, 16, 24, 32, 40, 48]);
  assert.equal((await feeds.n!.download()).data[0], 3);
  feeds.x!.dispose();
  feeds.n!.dispose();
  await s.dispose();
});

test('known onnxruntime-node bug: getData() of a gpu-buffer tensor aborts the process (why device-copy.ts exists)', { skip }, () => {
  // The minimal reproduction: one Mul, its output bound to 'gpu-buffer', then getData(). The
  // binding's download callback is NAPI_THROW("not implemented"): a C++ `const char*` exception
  // that nothing catches, so std::terminate. If this starts passing data back, the workaround in
  // server/src/runtime/device-copy.ts can go.
  const script = `
    const ort = require(${JSON.stringify(require.resolve('onnxruntime-node'))});
    const { Graph, emitModel, ops } = require(${JSON.stringify(require.resolve('../../../server/src/onnx'))});
    const g = new Graph('one');
    g.output(ops.mul(g.input('x', 'float32', [3]), 2), 'y');
    (async () => {
      const s = await ort.InferenceSession.create(emitModel(g), { executionProviders: ['webgpu'], preferredOutputLocation: { y: 'gpu-buffer' } });
      const { y } = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3]), [3]) });
      console.log('location ' + y.location);
      console.log('data ' + Array.from(await y.getData()));
    })();`;
  const driver = process.env.MEMAUDIT_VULKAN_DRIVER;
  const env = driver ? { ...process.env, VK_DRIVER_FILES: driver, VK_ICD_FILENAMES: driver } : process.env;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000 });
  assert.match(r.stdout, /location gpu-buffer/, r.stderr);
  assert.ok(
    r.signal === 'SIGABRT' && /terminate called after throwing an instance of 'char const\*'/.test(r.stderr),
    `getData() no longer aborts (status ${r.status}, signal ${r.signal}, stdout ${r.stdout.trim()}): check whether device-copy.ts is still needed`,
  );
});
