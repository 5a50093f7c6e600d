/**
 * Copies device tensors (WebGPU 'gpu-buffer' outputs) to host memory.
 *
 * onnxruntime-node 1.30 cannot read a 'gpu-buffer' tensor itself: the `download` callback its
 * binding gives such tensors is `NAPI_THROW("not implemented")`, which throws a C++ `const char*`
 * that node-addon-api does not turn into a JavaScript error, so `tensor.getData()` aborts the
 * process (`terminate called after throwing an instance of 'char const*'`, SIGABRT). The smallest
 * reproduction is one Mul whose output is bound to 'gpu-buffer', then `await y.getData()`; it
 * aborts on any Vulkan driver (test/unit/runtime/device-copy.test.ts runs it in a child process).
 *
 * What the binding does support is feeding a 'gpu-buffer' tensor back as an input, and returning
 * outputs in host memory. So a copy is one run of an Identity graph on the same provider, whose
 * output stays in its default location, the CPU: onnxruntime copies the buffer back itself.
 */
import { DType } from '../onnx/dtype';
import { Graph } from '../onnx/graph';
import { emitModel } from '../onnx/emit';
import { identity } from '../onnx/ops';
import { OrtSession, OrtTensor, ort } from './ort';

/** One Identity session per dtype and rank; they live as long as the process. */
const copiers = new Map<string, Promise<OrtSession>>();

function copier(dtype: DType, rank: number): Promise<OrtSession> {
  const key = `${dtype}/${rank}`;
  let s = copiers.get(key);
  if (!s) {
    const g = new Graph(`copy_${dtype}_${rank}`);
    const x = g.input('x', dtype, Array.from({ length: rank }, (_, i) => `d${i}`));
    g.output(identity(x), 'y');
    // The only provider whose outputs can live on the device (DEVICE_TABLE.deviceOutputLocation).
    s = ort().InferenceSession.create(emitModel(g), { executionProviders: ['webgpu'] });
    s.catch(() => copiers.delete(key));
    copiers.set(key, s);
  }
  return s;
}

/** Host copy of a 'gpu-buffer' tensor's data. */
export async function copyToHost(t: OrtTensor): Promise<OrtTensor['data']> {
  const session = await copier(t.type as DType, t.dims.length);
  const out = (await session.run({ x: t })) as Record<string, OrtTensor>;
  return out.y!.data;
}
