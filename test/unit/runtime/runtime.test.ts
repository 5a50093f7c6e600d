import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { isEngineError } from '../../../server/src/errors';
import { Graph, emitModel, gradients, ops as o, tensor } from '../../../server/src/onnx';
import {
  AUTO_ORDER,
  DEVICE_NAMES,
  DEVICE_TABLE,
  DeviceEnvironment,
  Tensor,
  createSession,
  currentEnvironment,
  nodePlacement,
  parseDevice,
  placementSummary,
  precheck,
  profileFiles,
  softwareVulkan,
} from '../../../server/src/runtime';

function code(c: string, pattern?: RegExp): (e: unknown) => boolean {
  return (e) => isEngineError(e) && e.code === c && (!pattern || pattern.test(e.message));
}

/** A Linux machine with the given libraries / device nodes, and onnxruntime's real binding dir. */
function fakeLinux(opts: { vulkan?: boolean; gpu?: boolean; cudaLib?: boolean; driver?: string }): DeviceEnvironment {
  return {
    platform: 'linux',
    backends: ['cpu', 'webgpu', 'cuda'],
    exists: (f) =>
      (opts.vulkan === true && f.endsWith('/libvulkan.so.1') && f.startsWith('/usr/lib/')) ||
      (opts.cudaLib === true && f.endsWith('libonnxruntime_providers_cuda.so')) ||
      f === '/opt/sw/icd.json',
    list: (d) => (opts.gpu && d === '/dev/dri' ? ['card0', 'renderD128'] : []),
    bindingDir: '/opt/ort/bin',
    libraryPath: undefined,
    loaderCacheHas: () => false,
    vulkanDriver: opts.driver,
  };
}

function doubler(): Uint8Array {
  const g = new Graph('doubler');
  const x = g.input('x', 'float32', [3]);
  g.output(o.mul(x, 2), 'y');
  g.output(o.reduceSum(x, undefined, false), 'total');
  return emitModel(g);
}

test('unknown devices are rejected with the list of valid ones', () => {
  assert.throws(() => parseDevice('tpu'), code('E_DEVICE_UNAVAILABLE', /unknown device 'tpu': valid devices are auto, cpu, webgpu, cuda, dml, coreml/));
  assert.equal(parseDevice('webgpu'), 'webgpu');
});

test('the device table is frozen and every auto order ends on the CPU', () => {
  assert.ok(Object.isFrozen(DEVICE_TABLE) && Object.isFrozen(DEVICE_TABLE.webgpu));
  assert.deepEqual([...DEVICE_NAMES], ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
  for (const order of Object.values(AUTO_ORDER)) assert.equal(order![order!.length - 1], 'cpu');
  assert.equal(DEVICE_TABLE.webgpu.deviceOutputLocation, 'gpu-buffer');
  assert.equal(DEVICE_TABLE.cpu.deviceOutputLocation, undefined);
});

test('prechecks name the missing prerequisite', () => {
  assert.match(precheck('webgpu', fakeLinux({})) ?? '', /libvulkan\.so\.1/);
  assert.match(precheck('webgpu', fakeLinux({ vulkan: true })) ?? '', /no GPU device node/);
  assert.equal(precheck('webgpu', fakeLinux({ vulkan: true, gpu: true })), undefined);
  assert.match(precheck('cuda', fakeLinux({})) ?? '', /libonnxruntime_providers_cuda\.so is not installed/);
  assert.equal(precheck('cuda', fakeLinux({ cudaLib: true })), undefined);
  assert.match(precheck('dml', fakeLinux({})) ?? '', /not available on linux/);
  assert.match(precheck('coreml', fakeLinux({})) ?? '', /not available on linux/);
  assert.equal(precheck('cpu', fakeLinux({})), undefined);
});

test('auto falls back to the CPU, logging why each GPU provider was skipped', async () => {
  const lines: string[] = [];
  const s = await createSession(doubler(), { device: 'auto', intraOpThreads: 1, environment: fakeLinux({}), log: (l) => lines.push(l), name: 'doubler' });
  assert.equal(s.device.used, 'cpu');
  assert.deepEqual(s.device.skipped.map((k) => k.device), ['webgpu', 'cuda']);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /session 'doubler': device auto → cpu \(webgpu: libvulkan\.so\.1 .*; cuda: .*libonnxruntime_providers_cuda\.so/);
  await s.dispose();
});

test('auto on this machine reports the device it used', async () => {
  const lines: string[] = [];
  const s = await createSession(doubler(), { intraOpThreads: 1, log: (l) => lines.push(l) });
  assert.equal(s.device.requested, 'auto');
  assert.ok(AUTO_ORDER[process.platform]!.includes(s.device.used));
  assert.equal(lines.length, s.device.skipped.length ? 1 : 0);
  await s.dispose();
});

test('MEMAUDIT_VULKAN_DRIVER lets an explicit webgpu request run without a device node, never auto', async () => {
  const sw = fakeLinux({ vulkan: true, driver: '/opt/sw/icd.json' });
  assert.equal(precheck('webgpu', sw), undefined);
  assert.ok(softwareVulkan('webgpu', sw) && !softwareVulkan('cpu', sw) && !softwareVulkan('webgpu', fakeLinux({ vulkan: true, gpu: true })));
  assert.match(precheck('webgpu', sw, 'auto') ?? '', /MEMAUDIT_VULKAN_DRIVER is set \(\/opt\/sw\/icd\.json\): --device auto never picks that driver/);
  assert.match(precheck('webgpu', fakeLinux({ vulkan: true, gpu: true, driver: '/opt/sw/icd.json' }), 'auto') ?? '', /auto never picks/, 'the variable wins over a device node');
  assert.match(precheck('webgpu', fakeLinux({ vulkan: true, driver: '/nope.json' })) ?? '', /names \/nope\.json, which does not exist/);
  assert.match(precheck('webgpu', fakeLinux({ driver: '/opt/sw/icd.json' })) ?? '', /libvulkan\.so\.1.*LD_LIBRARY_PATH/);
  const lines: string[] = [];
  const s = await createSession(doubler(), { device: 'auto', intraOpThreads: 1, environment: sw, log: (l) => lines.push(l) });
  assert.equal(s.device.used, 'cpu');
  assert.equal(s.device.software, false);
  assert.match(lines[0]!, /webgpu: MEMAUDIT_VULKAN_DRIVER is set/);
  await s.dispose();
});

test('node placement is read from onnxruntime profiles, one entry per node', async () => {
  const events = [
    { cat: 'Session', name: 'model_run', args: {} },
    { cat: 'Node', name: 'mm_kernel_time', args: { op_name: 'MatMul', provider: 'WebGpuExecutionProvider' } },
    { cat: 'Node', name: 'mm_fence_before', args: { op_name: 'MatMul' } },
    { cat: 'Node', name: 'mm_kernel_time', args: { op_name: 'MatMul', provider: 'WebGpuExecutionProvider' } },
    { cat: 'Node', name: 'Memcpy_x_kernel_time', args: { op_name: 'MemcpyToHost', provider: 'WebGpuExecutionProvider' } },
    { cat: 'Node', name: 'ls_kernel_time', args: { op_name: 'LogSoftmax', provider: 'CPUExecutionProvider' } },
  ];
  const nodes = nodePlacement(JSON.stringify(events));
  assert.deepEqual(nodes, [
    { node: 'mm', op: 'MatMul', provider: 'webgpu' },
    { node: 'Memcpy_x', op: 'MemcpyToHost', provider: 'webgpu' },
    { node: 'ls', op: 'LogSoftmax', provider: 'cpu' },
  ]);
  assert.deepEqual(placementSummary(nodes), { MatMul: { webgpu: 1 }, MemcpyToHost: { webgpu: 1 }, LogSoftmax: { cpu: 1 } });

  // A real session writes <prefix>-<session>-<device>_<date>.json when released.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memaudit-profile-'));
  const before = process.env.MEMAUDIT_ORT_PROFILE;
  process.env.MEMAUDIT_ORT_PROFILE = path.join(dir, 'x');
  try {
    const s = await createSession(doubler(), { device: 'cpu', intraOpThreads: 1, name: 'doubler' });
    await s.run({ x: tensor('float32', [3], [1, 2, 3]) });
    await s.dispose();
    const files = profileFiles(path.join(dir, 'x'), 'cpu');
    assert.equal(files.length, 1);
    assert.match(path.basename(files[0]!), /^x-doubler-cpu_/);
    assert.deepEqual(profileFiles(path.join(dir, 'x'), 'webgpu'), []);
    const ops = placementSummary(nodePlacement(fs.readFileSync(files[0]!, 'utf8')));
    assert.deepEqual(ops.Mul, { cpu: 1 });
  } finally {
    if (before === undefined) delete process.env.MEMAUDIT_ORT_PROFILE;
    else process.env.MEMAUDIT_ORT_PROFILE = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an explicitly requested device that is unavailable is an error, not a fallback', async () => {
  await assert.rejects(
    createSession(doubler(), { device: 'webgpu', environment: fakeLinux({}) }),
    code('E_DEVICE_UNAVAILABLE', /device 'webgpu' is not available: libvulkan\.so\.1.*Use --device cpu/),
  );
  await assert.rejects(createSession(doubler(), { device: 'dml', environment: fakeLinux({}) }), code('E_DEVICE_UNAVAILABLE', /not available on linux/));
});

test('a provider that passes the precheck but fails in onnxruntime falls back with onnxruntime\'s reason', { skip: precheck('webgpu', currentEnvironment()) === undefined ? 'this machine may have a WebGPU adapter' : false }, async () => {
  // The fake environment claims Vulkan and a GPU, so onnxruntime really tries WebGPU and fails to
  // find an adapter on this machine.
  const lines: string[] = [];
  const env = { ...fakeLinux({ vulkan: true, gpu: true }), backends: currentEnvironment().backends, bindingDir: currentEnvironment().bindingDir };
  const s = await createSession(doubler(), { device: 'auto', intraOpThreads: 1, environment: env, log: (l) => lines.push(l) });
  assert.equal(s.device.used, 'cpu');
  assert.match(s.device.skipped[0]!.reason, /^onnxruntime: /);
  assert.match(lines[0]!, /webgpu: onnxruntime: .*adapter/i);
  await s.dispose();
});

test('sessions validate options and feeds, and wrap onnxruntime errors', async () => {
  await assert.rejects(createSession(doubler(), { device: 'cpu', intraOpThreads: -1 }), code('E_RUNTIME', /intraOpThreads/));
  await assert.rejects(createSession(new Uint8Array([1, 2, 3, 4]), { device: 'cpu' }), code('E_RUNTIME', /could not load the model/));
  const s = await createSession(doubler(), { device: 'cpu', intraOpThreads: 1, deviceOutputs: ['y'] });
  assert.deepEqual(s.deviceOutputs, [], 'the CPU provider has no device outputs');
  assert.deepEqual([...s.inputNames], ['x']);
  await assert.rejects(s.run({}), code('E_RUNTIME', /missing feeds x/));
  await assert.rejects(s.run({ x: tensor('float32', [3], [1, 2, 3]), z: tensor('float32', [1], [0]) }), code('E_RUNTIME', /unknown feeds z/));
  await assert.rejects(s.run({ x: tensor('float32', [4], [1, 2, 3, 4]) }), code('E_RUNTIME', /failed to run/));
  const only = await s.run({ x: tensor('float32', [3], [1, 2, 3]) }, ['total']);
  assert.deepEqual(Object.keys(only), ['total']);
  assert.equal(only.total!.item(), 6);
  await s.dispose();
  await s.dispose();
  await assert.rejects(s.run({ x: tensor('float32', [3], [1, 2, 3]) }), code('E_RUNTIME', /used after dispose/));
});

test('tensors share host memory, feed back as inputs, and refuse use after dispose', async () => {
  const data = tensor('float32', [3], [1, 2, 3]);
  const t = Tensor.fromData(data);
  assert.equal(t.data().data, data.data, 'no copy');
  assert.equal(t.location, 'cpu');
  assert.deepEqual((await t.download()).data, data.data);
  const s = await createSession(doubler(), { device: 'cpu', intraOpThreads: 1 });
  let x: Tensor = t;
  for (let i = 0; i < 3; i++) {
    const r = await s.run({ x }, ['y']);
    x = r.y!;
  }
  assert.deepEqual(Array.from(x.data().data as Float32Array), [8, 16, 24]);
  x.dispose();
  x.dispose();
  assert.throws(() => x.data(), code('E_RUNTIME', /after dispose/));
  await assert.rejects(s.run({ x }), code('E_RUNTIME', /fed after dispose/));
  assert.equal(Tensor.from('int64', [2], [5, 7]).data().data[1], 7n);
  await s.dispose();
});

test('embedding gradient: repeated indices accumulate exactly with two intra-op threads', async () => {
  // Many repeats of few rows, at a size where onnxruntime splits a ScatterND over two threads.
  // There ScatterND(reduction='add') can lose updates (seen in most standalone runs; timing
  // dependent, so not asserted); the default 'sorted' strategy must be exact every time.
  // 'scatter-add' is checked in its supported configuration, one thread.
  const V = 7;
  const D = 64;
  const N = 16384;
  const idv = Array.from({ length: N }, (_, i) => (i * 7919) % V);
  const dyv = Array.from({ length: N * D }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const expected = new Float64Array(V * D);
  idv.forEach((r, i) => {
    for (let d = 0; d < D; d++) expected[r * D + d]! += dyv[i * D + d]!;
  });
  const feeds = { e: tensor('float32', [V, D], new Array(V * D).fill(0)), ids: tensor('int64', [N], idv), dy: tensor('float32', [N, D], dyv) };
  for (const [strategy, threads] of [['sorted', 2], ['scatter-add', 1]] as const) {
    const g = new Graph('embgrad');
    const e = g.input('e', 'float32', [V, D]);
    const ids = g.input('ids', 'int64', [N]);
    const dy = g.input('dy', 'float32', [N, D]);
    const [de] = gradients(o.reduceSum(o.mul(o.gather(e, ids, 0), dy), undefined, false), [e], { gatherGradient: strategy });
    g.output(de!, 'de');
    const s = await createSession(emitModel(g), { device: 'cpu', intraOpThreads: threads });
    for (let run = 0; run < 3; run++) {
      const got = (await s.run(feeds)).de!.data().data as Float32Array;
      let worst = 0;
      got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))));
      assert.ok(worst < 1e-3, `${strategy}: max abs error ${worst}`);
    }
    await s.dispose();
  }
});
