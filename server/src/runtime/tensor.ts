/**
 * Tensors as the engine sees them: dtype, dims, and data that lives either in host memory or on
 * the device (a GPU buffer owned by onnxruntime). The rest of the engine uses this class and never
 * onnxruntime's own tensor type.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { DType, DTYPES, TensorData, TypedArrayOf, tensor as hostTensor } from '../onnx/dtype';
import { copyToHost } from './device-copy';
import { OrtTensor, ort } from './ort';

/** Where a tensor's data lives. */
export type TensorLocation = 'cpu' | 'device';

const handles = new WeakMap<Tensor, OrtTensor>();

/** A tensor owned by the runtime. Call {@link Tensor.dispose} when done with device tensors. */
export class Tensor {
  private released = false;

  private constructor(
    readonly dtype: DType,
    readonly dims: readonly number[],
    /** Where the data lives. */
    readonly location: TensorLocation,
    handle: OrtTensor,
  ) {
    handles.set(this, handle);
  }

  /** Wraps host data without copying it (the typed array is shared with onnxruntime). */
  static fromData(data: TensorData): Tensor {
    const t = new (ort().Tensor)(data.dtype, data.data, [...data.dims]);
    return new Tensor(data.dtype, Object.freeze([...data.dims]), 'cpu', t);
  }

  /** Builds a host tensor from plain values (copied into fresh storage). */
  static from(dtype: DType, dims: readonly number[], values: ArrayLike<number | bigint | boolean>): Tensor {
    return Tensor.fromData(hostTensor(dtype, dims, values));
  }

  /** @internal Wraps a tensor returned by onnxruntime. */
  static wrap(t: OrtTensor): Tensor {
    const dtype = t.type as DType;
    if (!DTYPES.includes(dtype)) {
      t.dispose();
      throw new EngineError(ERROR_CODES.RUNTIME, `onnxruntime returned a ${t.type} tensor; supported dtypes are ${DTYPES.join(', ')}`);
    }
    return new Tensor(dtype, Object.freeze([...t.dims]), t.location === 'gpu-buffer' ? 'device' : 'cpu', t);
  }

  /** True after {@link dispose}. */
  get disposed(): boolean {
    return this.released;
  }

  /** Number of elements. */
  get size(): number {
    return this.dims.reduce((p, d) => p * d, 1);
  }

  /**
   * Host data of a CPU tensor, without copying. Throws for device tensors: use
   * {@link download} for those (it copies).
   */
  data<D extends DType = DType>(): TensorData<D> {
    const t = this.handle();
    if (this.location !== 'cpu') {
      throw new EngineError(ERROR_CODES.RUNTIME, 'this tensor lives on the device: call download() to copy it to host memory');
    }
    return { dtype: this.dtype as D, dims: this.dims, data: t.data as TypedArrayOf[D] };
  }

  /**
   * Host data, copied from the device when needed: through a copy session, never onnxruntime's
   * `getData()`, which aborts the process for device tensors (device-copy.ts).
   */
  async download<D extends DType = DType>(): Promise<TensorData<D>> {
    const t = this.handle();
    if (this.location === 'cpu') return this.data<D>();
    try {
      const data = (await copyToHost(t)) as TypedArrayOf[D];
      return { dtype: this.dtype as D, dims: this.dims, data };
    } catch (e) {
      throw new EngineError(ERROR_CODES.RUNTIME, `copying a ${this.dtype}[${this.dims.join(',')}] tensor from the device failed: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  /** The single element of a one-element CPU tensor, as a number. */
  item(): number {
    const d = this.data();
    if (d.data.length !== 1) throw new EngineError(ERROR_CODES.RUNTIME, `item() needs a one-element tensor, got dims [${this.dims.join(',')}]`);
    return Number(d.data[0]);
  }

  /**
   * Releases the data. Device buffers go back to onnxruntime at once instead of waiting for
   * garbage collection. Idempotent.
   */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    const t = handles.get(this);
    handles.delete(this);
    if (t && t.location === 'gpu-buffer') t.dispose();
  }

  private handle(): OrtTensor {
    const t = handles.get(this);
    if (this.released || !t) throw new EngineError(ERROR_CODES.RUNTIME, `a ${this.dtype}[${this.dims.join(',')}] tensor was used after dispose()`);
    return t;
  }
}

/** @internal The onnxruntime tensor behind a Tensor (for session.ts only). */
export function ortTensorOf(t: Tensor): OrtTensor {
  const h = handles.get(t);
  if (!h || t.disposed) throw new EngineError(ERROR_CODES.RUNTIME, `a ${t.dtype}[${t.dims.join(',')}] tensor was fed after dispose()`);
  return h;
}
