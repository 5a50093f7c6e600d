/**
 * The runtime: the only module that talks to onnxruntime-node. See devices.ts for the device →
 * execution-provider table, session.ts for sessions, tensor.ts for the tensor abstraction.
 */
export { AUTO_ORDER, DEVICE_NAMES, DEVICE_TABLE, VULKAN_DRIVER_VARIABLE, candidates, currentEnvironment, parseDevice, precheck, softwareVulkan } from './devices';
export type { ConcreteDevice, DeviceEnvironment, DeviceName, ProviderSpec } from './devices';
export { Session, createSession } from './session';
export { nodePlacement, placementSummary, profileFiles } from './placement';
export type { NodePlacement } from './placement';
export type { DeviceReport, Feed, SessionOptions } from './session';
export { Tensor } from './tensor';
export type { TensorLocation } from './tensor';
