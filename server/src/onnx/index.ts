/**
 * Public API of the ONNX graph builder: build graphs with typed ops, differentiate them, emit
 * ModelProto bytes for the runtime, and dump them as text. See README.md in this folder.
 */
export * from './dtype';
export * from './shape';
export { Graph, OPSET_VERSION } from './graph';
export type { GraphOptions } from './graph';
export { Node, Value } from './values';
export type { ApplyOptions, AttrType, AttrValue, Attrs, GraphLike, ValueSource } from './values';
export { OP_TABLE } from './op-table';
export type { GatherGradient, GradArgs, GradRule, GradStrategy, InferContext, OpEntry, ValueType } from './op-table';
export * as ops from './ops';
export type { Operand, LoopBodyResult, LoopBodyScope, LoopSpec } from './ops';
export * as nn from './nn';
export { gradients } from './autodiff';
export type { GradientOptions } from './autodiff';
export { emitModel, toModelProto, tensorProto, IR_VERSION } from './emit';
export type { EmitOptions } from './emit';
export { decodeModelProto, encodeModelProto } from './proto';
export type { ModelProto } from './proto';
export { dumpGraph } from './dump';
export type { DumpOptions } from './dump';
