/**
 * The runtime: the only module that talks to onnxruntime-node. See devices.ts for the device →
 * execution-provider table, session.ts for sessions, tensor.ts for the tensor abstraction.
 */
export { AUTO_ORDER, DEVICE_NAMES, DEVICE_TABLE, candidates, currentEnvironment, parseDevice, precheck } from './devices';
export type { ConcreteDevice, DeviceEnvironment, DeviceName, ProviderSpec } from './devices';
export { Session, createSession } from './session';
export type { DeviceReport, Feed, SessionOptions } from './session';
export { Tensor } from './tensor';
export type { TensorLocation } from './tensor';
