/**
 * Devices and execution providers.
 *
 * The user picks a device (`auto | cpu | webgpu | cuda | dml | coreml`); the frozen table below
 * maps each to an onnxruntime execution provider and what we know about it. `auto` tries, in a
 * per-platform order, every device whose prerequisites are present, and falls back to the CPU;
 * an explicitly requested device that is unavailable is an error (the user asked for it).
 *
 * Prerequisite checks are cheap file-system probes. The decisive check is creating the session
 * with the provider (session.ts): onnxruntime reports a missing GPU adapter or provider library
 * as an ordinary error there, which is caught and turned into a fallback or an EngineError.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, ERROR_CODES } from '../errors';
import type { GatherGradient } from '../onnx/op-table';
import { bindingDir, supportedBackends } from './ort';

/** Devices a user can ask for. */
export const DEVICE_NAMES = Object.freeze(['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const);

/** A device request. */
export type DeviceName = (typeof DEVICE_NAMES)[number];

/** A concrete device (what `auto` resolves to). */
export type ConcreteDevice = Exclude<DeviceName, 'auto'>;

/** What the engine knows about one device's execution provider. */
export interface ProviderSpec {
  /** onnxruntime-node's execution provider name. */
  readonly ep: string;
  /** Platforms whose onnxruntime-node binary contains (or can load) the provider. */
  readonly platforms: readonly NodeJS.Platform[];
  /**
   * Location for outputs kept on the device between runs (`preferredOutputLocation`), or
   * undefined when the Node binding can only return CPU tensors for this provider.
   */
  readonly deviceOutputLocation: 'gpu-buffer' | undefined;
  /** Whether float64 kernels exist (GPU providers are float32-only for our ops). */
  readonly float64: boolean;
  /**
   * How to build embedding (Gather) gradients for this provider: 'sorted' needs float64 kernels
   * and is race-free on the CPU; 'scatter-add' relies on a ScatterND kernel that accumulates
   * atomically (WebGPU's does, with compare-exchange loops). See onnx GatherGradient.
   */
  readonly gatherGradient: GatherGradient;
  /** One line for error messages. */
  readonly note: string;
}

const spec = (s: ProviderSpec): ProviderSpec => Object.freeze({ ...s, platforms: Object.freeze([...s.platforms]) });

/** Device → execution provider table. */
export const DEVICE_TABLE: Readonly<Record<ConcreteDevice, ProviderSpec>> = Object.freeze({
  cpu: spec({ ep: 'cpu', platforms: ['linux', 'darwin', 'win32'], deviceOutputLocation: undefined, float64: true, gatherGradient: 'sorted', note: 'always available' }),
  // Placement measured by the GPU vs CPU agreement test (onnxruntime profiles, SwiftShader): every
  // MatMul, Gather, Softmax, ScatterND and element-wise node of the three models runs on WebGPU.
  // On the CPU EP, by onnxruntime's choice: the training step Loop node (control flow always is;
  // its body runs on WebGPU), small int64 shape computations (Slice, Squeeze, Unsqueeze, Cast,
  // Equal, Reshape), and Sum, for which 1.30's WebGPU EP has no kernel (only the clipping norm's
  // scalars: autodiff accumulates gradients with Adds for this reason). LogSoftmax, also without a
  // kernel, is rewritten for WebGPU into ops it has (lowering.ts).
  // Device outputs are read back through device-copy.ts, never onnxruntime's getData().
  webgpu: spec({
    ep: 'webgpu',
    platforms: ['linux', 'darwin', 'win32'],
    deviceOutputLocation: 'gpu-buffer',
    float64: false,
    gatherGradient: 'scatter-add',
    note: 'bundled; Vulkan on Linux (needs libvulkan.so.1 and a GPU driver, or MEMAUDIT_VULKAN_DRIVER for a software one), D3D12 on Windows, Metal on macOS',
  }),
  cuda: spec({
    ep: 'cuda',
    platforms: ['linux', 'win32'],
    deviceOutputLocation: undefined,
    float64: true,
    gatherGradient: 'sorted',
    note: 'needs the CUDA provider libraries next to the onnxruntime-node binding (not downloaded by our install) and CUDA 12 / cuDNN 9',
  }),
  dml: spec({ ep: 'dml', platforms: ['win32'], deviceOutputLocation: undefined, float64: false, gatherGradient: 'sorted', note: 'DirectML, Windows only' }),
  coreml: spec({ ep: 'coreml', platforms: ['darwin'], deviceOutputLocation: undefined, float64: false, gatherGradient: 'sorted', note: 'CoreML, macOS only' }),
});

/**
 * The order `auto` tries devices in. WebGPU first: it is the one GPU path that keeps parameters
 * on the device between steps in the Node binding (GPU.md measured it 1.6× faster than 16 CPU
 * threads); CUDA outputs always come back to host memory. CoreML is never chosen automatically:
 * it partitions training graphs poorly and has no float64.
 */
export const AUTO_ORDER: Readonly<Partial<Record<NodeJS.Platform, readonly ConcreteDevice[]>>> = Object.freeze({
  linux: Object.freeze(['webgpu', 'cuda', 'cpu'] as const),
  win32: Object.freeze(['webgpu', 'cuda', 'dml', 'cpu'] as const),
  darwin: Object.freeze(['webgpu', 'cpu'] as const),
});

/** Facts about the machine the prerequisite checks use; injectable for tests. */
export interface DeviceEnvironment {
  readonly platform: NodeJS.Platform;
  /** Execution providers known to the onnxruntime-node build. */
  readonly backends: readonly string[];
  /** Whether a file exists. */
  readonly exists: (file: string) => boolean;
  /** Lists a directory (empty when missing). */
  readonly list: (dir: string) => readonly string[];
  /** Directory of the native binding. */
  readonly bindingDir: string;
  /** Value of LD_LIBRARY_PATH. */
  readonly libraryPath: string | undefined;
  /** Whether the dynamic loader's cache (/etc/ld.so.cache on Linux) lists a library. */
  readonly loaderCacheHas: (file: string) => boolean;
  /**
   * Value of MEMAUDIT_VULKAN_DRIVER: a Vulkan driver manifest (ICD JSON file) that WebGPU uses
   * without a GPU device node, e.g. SwiftShader's. Undefined (or empty) when not set.
   */
  readonly vulkanDriver?: string | undefined;
}

/** The environment variable naming a Vulkan driver to use without a GPU device node. */
export const VULKAN_DRIVER_VARIABLE = 'MEMAUDIT_VULKAN_DRIVER';

/** The real machine. */
export function currentEnvironment(): DeviceEnvironment {
  return {
    platform: process.platform,
    backends: supportedBackends().map((b) => b.name),
    exists: (f) => fs.existsSync(f),
    list: (d) => {
      try {
        return fs.readdirSync(d);
      } catch {
        return [];
      }
    },
    bindingDir: bindingDir(),
    libraryPath: process.env.LD_LIBRARY_PATH,
    vulkanDriver: process.env[VULKAN_DRIVER_VARIABLE] || undefined,
    // The cache file stores library names as plain strings.
    loaderCacheHas: (file) => {
      try {
        return fs.readFileSync('/etc/ld.so.cache').includes(file);
      } catch {
        return false;
      }
    },
  };
}

/** Validates a device string; unknown names are an error listing the valid ones. */
export function parseDevice(name: string): DeviceName {
  if ((DEVICE_NAMES as readonly string[]).includes(name)) return name as DeviceName;
  throw new EngineError(ERROR_CODES.DEVICE_UNAVAILABLE, `unknown device '${name}': valid devices are ${DEVICE_NAMES.join(', ')}`, {
    field: 'device',
    requested: name,
    valid: [...DEVICE_NAMES],
  });
}

const LINUX_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];

function findLinuxLibrary(env: DeviceEnvironment, file: string): boolean {
  const dirs = [...(env.libraryPath ?? '').split(':').filter(Boolean), ...LINUX_LIB_DIRS];
  // The dynamic loader also finds libraries listed in its cache (ldconfig).
  return dirs.some((d) => env.exists(path.join(d, file))) || env.loaderCacheHas(file);
}

function linuxGpuNode(env: DeviceEnvironment): boolean {
  return env.list('/dev/dri').some((f) => f.startsWith('renderD')) || env.list('/dev').some((f) => /^nvidia\d+$/.test(f)) || env.exists('/dev/dxg');
}

/**
 * Whether WebGPU would run on the Vulkan driver named by MEMAUDIT_VULKAN_DRIVER (Linux): a driver
 * chosen on purpose, usually a software one (SwiftShader), whose speed says nothing about a GPU's.
 */
export function softwareVulkan(device: ConcreteDevice, env: DeviceEnvironment): boolean {
  return device === 'webgpu' && env.platform === 'linux' && !!env.vulkanDriver;
}

function linuxWebgpuPrecheck(env: DeviceEnvironment, requested: DeviceName): string | undefined {
  if (!findLinuxLibrary(env, 'libvulkan.so.1')) {
    return 'libvulkan.so.1 (the Vulkan loader, Debian package libvulkan1; Chromium ships one in /usr/lib/chromium, add it to LD_LIBRARY_PATH) was not found';
  }
  const driver = env.vulkanDriver;
  if (!driver) return linuxGpuNode(env) ? undefined : `no GPU device node (/dev/dri/renderD*, /dev/nvidia*) was found (${VULKAN_DRIVER_VARIABLE} names a Vulkan driver to use without one)`;
  if (!env.exists(driver)) return `${VULKAN_DRIVER_VARIABLE} names ${driver}, which does not exist`;
  // A driver picked by hand (software Vulkan) is used only when asked for by name.
  if (requested === 'auto') return `${VULKAN_DRIVER_VARIABLE} is set (${driver}): --device auto never picks that driver, ask for --device webgpu`;
  return undefined;
}

/**
 * Cheap prerequisite check. Returns undefined when the device may work (session creation has the
 * final word), or the reason it cannot. `requested` is what the user asked for: 'auto' never
 * takes a Vulkan driver named by MEMAUDIT_VULKAN_DRIVER.
 */
export function precheck(device: ConcreteDevice, env: DeviceEnvironment, requested: DeviceName = device): string | undefined {
  const spec = DEVICE_TABLE[device];
  if (!spec.platforms.includes(env.platform)) return `${device} is not available on ${env.platform} (${spec.note})`;
  if (device === 'cpu') return undefined;
  if (!env.backends.includes(spec.ep)) return `this onnxruntime-node build has no ${spec.ep} execution provider`;
  if (device === 'webgpu' && env.platform === 'linux') return linuxWebgpuPrecheck(env, requested);
  if (device === 'cuda') {
    const lib = env.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (!env.exists(path.join(env.bindingDir, lib))) return `the CUDA provider library ${lib} is not installed in ${env.bindingDir}`;
  }
  return undefined;
}

/** Devices to try for a request, in order. */
export function candidates(request: DeviceName, platform: NodeJS.Platform): readonly ConcreteDevice[] {
  if (request !== 'auto') return [request];
  return AUTO_ORDER[platform] ?? ['cpu'];
}
