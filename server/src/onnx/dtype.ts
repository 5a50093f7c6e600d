/**
 * Element types and host tensors of the graph builder.
 *
 * Only the element types the engine needs are supported: float32 (training on every device),
 * float64 (gradient checks on the CPU execution provider), int64 (indices, shapes), int32 and
 * bool (masks, comparisons).
 */
import { EngineError, ERROR_CODES } from '../errors';

/** Element type of a tensor. */
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';

/** All supported element types, in a stable order. */
export const DTYPES: readonly DType[] = Object.freeze(['float32', 'float64', 'int64', 'int32', 'bool']);

/** The typed array that stores the elements of each dtype (bool: one byte per element, 0 or 1). */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any typed array used as tensor storage. */
export type TensorStorage = TypedArrayOf[DType];

/** `TensorProto.DataType` codes of the ONNX protobuf schema. */
export const ONNX_DTYPE_CODE: Readonly<Record<DType, number>> = Object.freeze({
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
});

/** Inverse of {@link ONNX_DTYPE_CODE}. */
export function dtypeFromOnnxCode(code: number): DType {
  for (const d of DTYPES) if (ONNX_DTYPE_CODE[d] === code) return d;
  throw new EngineError(ERROR_CODES.GRAPH, `ONNX element type code ${code} is not supported (supported: ${DTYPES.join(', ')}).`);
}

/** Bytes per element. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = Object.freeze({ float32: 4, float64: 8, int64: 8, int32: 4, bool: 1 });

/** True for float32 and float64, the only dtypes gradients flow through. */
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/**
 * A tensor held in host memory: the unit the builder uses for constants and initializers, and the
 * plain-data form the runtime accepts as a feed. Row-major, `data.length` = product of `dims`.
 */
export interface TensorData<D extends DType = DType> {
  readonly dtype: D;
  readonly dims: readonly number[];
  readonly data: TypedArrayOf[D];
}

/** Number of elements of a static shape (1 for a scalar). */
export function numelOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocates zero-filled storage for `n` elements of `dtype`. */
export function allocStorage<D extends DType>(dtype: D, n: number): TypedArrayOf[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as TypedArrayOf[D];
    case 'float64':
      return new Float64Array(n) as TypedArrayOf[D];
    case 'int64':
      return new BigInt64Array(n) as TypedArrayOf[D];
    case 'int32':
      return new Int32Array(n) as TypedArrayOf[D];
    case 'bool':
      return new Uint8Array(n) as TypedArrayOf[D];
    default:
      throw new EngineError(ERROR_CODES.INTERNAL, `unknown dtype ${String(dtype)}`);
  }
}

/**
 * Builds a host tensor, copying `values` into fresh storage of the right type. Numbers are
 * converted to bigint for int64 (they must be integers), and to 0/1 for bool.
 */
export function tensor<D extends DType>(dtype: D, dims: readonly number[], values: ArrayLike<number | bigint | boolean>): TensorData<D> {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new EngineError(ERROR_CODES.GRAPH, `tensor dims must be non-negative integers, got [${dims.join(', ')}]`);
  }
  const n = numelOf(dims);
  if (values.length !== n) {
    throw new EngineError(ERROR_CODES.GRAPH, `tensor of shape [${dims.join(', ')}] needs ${n} values, got ${values.length}`);
  }
  const data = allocStorage(dtype, n);
  if (dtype === 'int64') {
    const out = data as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      out[i] = typeof v === 'bigint' ? v : BigInt(typeof v === 'boolean' ? Number(v) : v);
    }
  } else {
    const out = data as Float32Array | Float64Array | Int32Array | Uint8Array;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      out[i] = dtype === 'bool' ? (v ? 1 : 0) : Number(v);
    }
  }
  return { dtype, dims: Object.freeze([...dims]), data };
}

/** A rank-0 host tensor. */
export function scalarTensor<D extends DType>(dtype: D, value: number | bigint | boolean): TensorData<D> {
  return tensor(dtype, [], [value]);
}

/** Reads element `i` of a host tensor as a JS number (int64 values beyond 2^53 lose precision). */
export function elementAsNumber(t: TensorData, i: number): number {
  const v = t.data[i]!;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Little-endian bytes of a tensor's elements, as ONNX `raw_data` requires. */
export function storageBytes(data: TensorStorage): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

