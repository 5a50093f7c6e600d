/**
 * The one place that loads onnxruntime-node. Loading is lazy: the native binding (tens of MB) is
 * only mapped when a session or tensor is first needed, so commands that never train start fast.
 * Nothing outside server/src/runtime imports this file or onnxruntime-node's types.
 */
import { EngineError, ERROR_CODES } from '../errors';

/** The onnxruntime-node module type. */
export type Ort = typeof import('onnxruntime-node');
/** onnxruntime's tensor type. */
export type OrtTensor = import('onnxruntime-node').Tensor;
/** onnxruntime's inference session type. */
export type OrtSession = import('onnxruntime-node').InferenceSession;
/** onnxruntime's session options type. */
export type OrtSessionOptions = import('onnxruntime-node').InferenceSession.SessionOptions;

let loaded: Ort | undefined;

/** Loads onnxruntime-node once; a failure (no binary for this platform) is a DEVICE_UNAVAILABLE error. */
export function ort(): Ort {
  if (!loaded) {
    try {
      loaded = require('onnxruntime-node') as Ort;
    } catch (e) {
      throw new EngineError(
        ERROR_CODES.DEVICE_UNAVAILABLE,
        `onnxruntime-node could not be loaded on ${process.platform}-${process.arch}: ${(e as Error).message}. Reinstall dependencies (npm ci) on this machine.`,
        undefined,
        { cause: e },
      );
    }
  }
  return loaded;
}

/** Names of the execution providers this onnxruntime build knows, and whether each is bundled. */
export function supportedBackends(): { name: string; bundled: boolean }[] {
  return ort().listSupportedBackends();
}

/** Directory holding the native binding and any provider libraries installed next to it. */
export function bindingDir(): string {
  const path = require('node:path') as typeof import('node:path');
  const pkg = require.resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}
