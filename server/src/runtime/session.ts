/**
 * Inference sessions over ONNX model bytes: device selection with fallback, thread settings,
 * device-resident outputs, and runs that take and return runtime {@link Tensor}s.
 *
 * Training graphs are ordinary inference graphs here (forward + backward + update). Their
 * parameter and optimizer-state outputs are fed back as inputs of the next run; on a GPU provider
 * those outputs stay on the device ('gpu-buffer') and go back in without a host round trip.
 */
import { EngineError, ERROR_CODES } from '../errors';
import { TensorData } from '../onnx/dtype';
import { ConcreteDevice, DEVICE_TABLE, DeviceEnvironment, DeviceName, candidates, currentEnvironment, parseDevice, precheck, softwareVulkan } from './devices';
import { lowerFor } from './lowering';
import { OrtSession, OrtSessionOptions, OrtTensor, ort } from './ort';
import { Tensor, ortTensorOf } from './tensor';

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Requested device (default 'auto'). */
  readonly device?: string;
  /** Threads inside one op (onnxruntime default: one per physical core). */
  readonly intraOpThreads?: number;
  /** Threads running independent ops in parallel (used only with parallel execution). */
  readonly interOpThreads?: number;
  /**
   * Let idle pool threads spin waiting for work (default false). Spinning lowers latency for a
   * lone session but burns cores that other live sessions, workers or the editor need.
   */
  readonly allowSpinning?: boolean;
  /**
   * Outputs to keep in device memory on GPU providers (parameters, optimizer state), to be fed
   * back next run without a copy. Ignored on providers without device outputs (CPU, CUDA in the
   * Node binding). Any rank may stay on the device (scalars included); what crashed onnxruntime
   * 1.30 was reading such an output with its own getData() (device-copy.ts).
   */
  readonly deviceOutputs?: readonly string[];
  /** onnxruntime graph optimization level (default 'all'). */
  readonly graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Name used in messages (default 'model'). */
  readonly name?: string;
  /** Receives one line per device fallback and other notices (default: stderr). */
  readonly log?: (line: string) => void;
  /** Machine facts for device prechecks (tests inject fakes). */
  readonly environment?: DeviceEnvironment;
}

/** Which device a session runs on and why. */
export interface DeviceReport {
  readonly requested: DeviceName;
  readonly used: ConcreteDevice;
  /** Devices tried before `used`, each with the reason it was skipped. */
  readonly skipped: readonly { readonly device: ConcreteDevice; readonly reason: string }[];
  /**
   * The device runs on a Vulkan driver named by MEMAUDIT_VULKAN_DRIVER (software, e.g.
   * SwiftShader): results are valid, its speed says nothing about a GPU's.
   */
  readonly software: boolean;
}

/** A feed: a runtime tensor (possibly device-resident) or host data. */
export type Feed = Tensor | TensorData;

function defaultLog(line: string): void {
  process.stderr.write(`memaudit: ${line}\n`);
}

/** An onnxruntime inference session. */
export class Session {
  private closed = false;

  private constructor(
    private readonly session: OrtSession,
    readonly name: string,
    /** The device actually used. */
    readonly device: DeviceReport,
    /** Outputs that stay in device memory. */
    readonly deviceOutputs: readonly string[],
  ) {}

  /** @internal */
  static create(session: OrtSession, name: string, device: DeviceReport, deviceOutputs: readonly string[]): Session {
    return new Session(session, name, device, deviceOutputs);
  }

  /** Graph input names. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Graph output names. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Runs the graph. Feeds may be outputs of an earlier run (device tensors included; they are
   * passed to onnxruntime as they are). Returns the requested outputs (default: all). The caller
   * owns the returned tensors and disposes device tensors it no longer needs.
   */
  async run(feeds: Readonly<Record<string, Feed>>, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.closed) throw new EngineError(ERROR_CODES.RUNTIME, `session '${this.name}' was used after dispose()`);
    const O = ort();
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [k, f] of Object.entries(feeds)) {
      ortFeeds[k] = f instanceof Tensor ? ortTensorOf(f) : new O.Tensor(f.dtype, f.data, [...f.dims]);
    }
    const missing = this.inputNames.filter((n) => !(n in ortFeeds));
    if (missing.length) throw new EngineError(ERROR_CODES.RUNTIME, `session '${this.name}': missing feeds ${missing.join(', ')}`);
    const unknown = Object.keys(ortFeeds).filter((n) => !this.inputNames.includes(n));
    if (unknown.length) throw new EngineError(ERROR_CODES.RUNTIME, `session '${this.name}': unknown feeds ${unknown.join(', ')} (inputs: ${this.inputNames.join(', ')})`);
    let result: Record<string, OrtTensor>;
    try {
      result = (await (outputs ? this.session.run(ortFeeds, [...outputs]) : this.session.run(ortFeeds))) as Record<string, OrtTensor>;
    } catch (e) {
      throw new EngineError(ERROR_CODES.RUNTIME, `session '${this.name}' (${this.device.used}) failed to run: ${(e as Error).message}`, undefined, { cause: e });
    }
    const out: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(result)) out[k] = Tensor.wrap(t);
    return out;
  }

  /** Releases the native session. Idempotent. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

function checkThreads(name: string, n: number | undefined): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
    throw new EngineError(ERROR_CODES.RUNTIME, `${name} must be a non-negative integer (0 = onnxruntime default), got ${n}`);
  }
}

/**
 * Points the Vulkan loader at one driver manifest. The loader reads these variables when Dawn
 * creates its Vulkan instance (the first WebGPU session of the process), so setting them here,
 * before that, is enough; VK_ICD_FILENAMES is the name loaders before 1.3.207 read.
 */
function useVulkanDriver(manifest: string): void {
  process.env.VK_DRIVER_FILES = manifest;
  process.env.VK_ICD_FILENAMES = manifest;
}

/**
 * Creates a session from ModelProto bytes on the requested device. With 'auto', devices are tried
 * in the platform's order and each skipped one is logged with its reason; an explicitly requested
 * device that cannot be used is a DEVICE_UNAVAILABLE error.
 */
export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<Session> {
  const name = options.name ?? 'model';
  const log = options.log ?? defaultLog;
  const requested = parseDevice(options.device ?? 'auto');
  checkThreads('intraOpThreads', options.intraOpThreads);
  checkThreads('interOpThreads', options.interOpThreads);
  const env = options.environment ?? currentEnvironment();
  const skipped: { device: ConcreteDevice; reason: string }[] = [];
  const list = candidates(requested, env.platform);

  for (const device of list) {
    const reason = precheck(device, env, requested);
    if (reason) {
      skipped.push({ device, reason });
      continue;
    }
    const spec = DEVICE_TABLE[device];
    const deviceOutputs = spec.deviceOutputLocation ? [...(options.deviceOutputs ?? [])] : [];
    const so: OrtSessionOptions = {
      executionProviders: [spec.ep],
      graphOptimizationLevel: options.graphOptimization ?? 'all',
      extra: {
        'session.intra_op.allow_spinning': options.allowSpinning ? '1' : '0',
        'session.inter_op.allow_spinning': options.allowSpinning ? '1' : '0',
      },
    };
    if (options.intraOpThreads !== undefined) so.intraOpNumThreads = options.intraOpThreads;
    // A developer's switch: onnxruntime's per-node timings and providers, written as JSON files
    // named <prefix>-<session>-<device>_<date>.json when the session is released (chrome://tracing
    // format; placement.ts reads which provider ran each node).
    const profile = process.env.MEMAUDIT_ORT_PROFILE;
    if (profile) {
      so.enableProfiling = true;
      so.profileFilePrefix = `${profile}-${name}-${device}`;
    }
    if (options.interOpThreads !== undefined) so.interOpNumThreads = options.interOpThreads;
    if (deviceOutputs.length && spec.deviceOutputLocation) {
      so.preferredOutputLocation = Object.fromEntries(deviceOutputs.map((o) => [o, spec.deviceOutputLocation!]));
    }
    const software = softwareVulkan(device, env);
    if (software) useVulkanDriver(env.vulkanDriver!);
    try {
      const s = await ort().InferenceSession.create(lowerFor(spec.ep, model), so);
      const missing = deviceOutputs.filter((o) => !s.outputNames.includes(o));
      if (missing.length) {
        await s.release();
        throw new EngineError(ERROR_CODES.RUNTIME, `session '${name}': deviceOutputs ${missing.join(', ')} are not outputs of the model (outputs: ${s.outputNames.join(', ')})`);
      }
      const report: DeviceReport = { requested, used: device, skipped, software };
      if (skipped.length) log(`session '${name}': device ${requested} → ${device} (${skipped.map((s) => `${s.device}: ${s.reason}`).join('; ')})`);
      return Session.create(s, name, report, deviceOutputs);
    } catch (e) {
      if (e instanceof EngineError) throw e;
      const message = (e as Error).message.split('\n')[0]!;
      if (device === 'cpu') {
        throw new EngineError(ERROR_CODES.RUNTIME, `session '${name}': onnxruntime could not load the model: ${message}`, undefined, { cause: e });
      }
      skipped.push({ device, reason: `onnxruntime: ${message}` });
    }
  }
  const last = skipped[skipped.length - 1];
  throw new EngineError(
    ERROR_CODES.DEVICE_UNAVAILABLE,
    `device '${requested}' is not available: ${last ? last.reason : 'no candidate'}. Use --device cpu (or auto to fall back automatically).`,
    { requested, skipped },
  );
}
