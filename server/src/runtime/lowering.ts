/**
 * Per-provider rewrites of a model before its session is created, for ops a provider has no
 * kernel for. onnxruntime would run such a node on the CPU EP and copy its inputs to host memory
 * and its outputs back every run; written with ops the provider has, it stays on the device. The
 * CPU never sees a rewritten model, so its results are unchanged bit for bit.
 *
 * WebGPU (onnxruntime 1.30) has no LogSoftmax kernel: the loss's log-probabilities, [batch,
 * classes], went to host memory and back each step (placement report of the agreement test).
 *   LogSoftmax(x) = (x − m) − log Σ exp(x − m),  m = max x  (along the axis; keepdims)
 * the op's definition, shifted by the max for stability as its kernels are. The backward pass is
 * unaffected: autodiff already wrote it as ordinary nodes from the LogSoftmax output.
 */
import { ATTRIBUTE_TYPE, AttributeProto, GraphProto, NodeProto, decodeModelProto, encodeModelProto } from '../onnx/proto';

/** Ops rewritten per execution provider (the keys of DEVICE_TABLE's `ep`). */
export const LOWERED_OPS: Readonly<Record<string, readonly string[]>> = Object.freeze({ webgpu: Object.freeze(['LogSoftmax']) });

const INT64 = 7;

function int64Constant(output: string, values: readonly number[]): NodeProto {
  const bytes = new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer);
  const value: AttributeProto = { name: 'value', type: ATTRIBUTE_TYPE.TENSOR, t: { dims: [values.length], data_type: INT64, raw_data: bytes } };
  return { input: [], output: [output], name: `${output}:node`, op_type: 'Constant', attribute: [value] };
}

function node(op: string, input: string[], output: string, attribute: AttributeProto[] = []): NodeProto {
  return { input, output: [output], name: `${output}:node`, op_type: op, attribute };
}

/** The nodes computing one LogSoftmax node's output from ReduceMax, Sub, Exp, ReduceSum, Log. */
function logSoftmaxNodes(n: NodeProto): NodeProto[] {
  // Absent attribute: the op's default, −1. Present without `i`: 0 (protobuf omits zero values).
  const attr = n.attribute.find((a) => a.name === 'axis');
  const axis = attr ? (attr.i ?? 0) : -1;
  const [x] = n.input;
  const [y] = n.output;
  const p = `${y}/lowered`;
  const keep: AttributeProto[] = [{ name: 'keepdims', type: ATTRIBUTE_TYPE.INT, i: 1 }];
  return [
    int64Constant(`${p}_axes`, [axis]),
    node('ReduceMax', [x!, `${p}_axes`], `${p}_max`, keep),
    node('Sub', [x!, `${p}_max`], `${p}_shifted`),
    node('Exp', [`${p}_shifted`], `${p}_exp`),
    node('ReduceSum', [`${p}_exp`, `${p}_axes`], `${p}_sum`, keep),
    node('Log', [`${p}_sum`], `${p}_logsum`),
    node('Sub', [`${p}_shifted`, `${p}_logsum`], y!),
  ];
}

const REWRITES: Readonly<Record<string, (n: NodeProto) => NodeProto[]>> = Object.freeze({ LogSoftmax: logSoftmaxNodes });

/** Rewrites a graph and its subgraphs (Loop bodies) in place; returns how many nodes it replaced. */
function lowerGraph(g: GraphProto, ops: readonly string[]): number {
  let count = 0;
  const out: NodeProto[] = [];
  for (const n of g.node) {
    for (const a of n.attribute) if (a.type === ATTRIBUTE_TYPE.GRAPH && a.g) count += lowerGraph(a.g, ops);
    const rewrite = ops.includes(n.op_type) && !n.domain ? REWRITES[n.op_type] : undefined;
    if (rewrite) {
      out.push(...rewrite(n));
      count++;
    } else out.push(n);
  }
  g.node = out;
  return count;
}

/** The model to give a provider: rewritten when it holds an op the provider lacks, else as is. */
export function lowerFor(ep: string, model: Uint8Array): Uint8Array {
  const ops = LOWERED_OPS[ep];
  if (!ops?.length) return model;
  const proto = decodeModelProto(model);
  return lowerGraph(proto.graph, ops) > 0 ? encodeModelProto(proto) : model;
}
