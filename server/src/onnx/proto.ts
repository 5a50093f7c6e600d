/**
 * The subset of the ONNX protobuf schema (onnx/onnx.proto, IR version 8) that the builder emits,
 * with the official field numbers, declared through protobufjs reflection so no code generation or
 * `.proto` asset is needed. Field names keep the schema's snake_case spelling.
 */
import * as protobuf from 'protobufjs';

/** `TensorShapeProto.Dimension`: exactly one of dim_value / dim_param. */
export interface DimensionProto {
  dim_value?: number;
  dim_param?: string;
}

/** `TensorShapeProto`. */
export interface TensorShapeProto {
  dim: DimensionProto[];
}

/** `TypeProto` restricted to tensor types. */
export interface TypeProto {
  tensor_type: { elem_type: number; shape?: TensorShapeProto };
}

/** `ValueInfoProto`. */
export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  doc_string?: string;
}

/** `TensorProto`, always written with `raw_data` (little-endian). */
export interface TensorProto {
  dims: number[];
  data_type: number;
  name?: string;
  raw_data?: Uint8Array;
  doc_string?: string;
}

/** `AttributeProto.AttributeType` codes. */
export const ATTRIBUTE_TYPE = Object.freeze({
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const);

/** `AttributeProto`: `type` says which value field is set. */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** `NodeProto`. */
export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute: AttributeProto[];
  doc_string?: string;
}

/** `GraphProto`. */
export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  doc_string?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  value_info: ValueInfoProto[];
}

/** `OperatorSetIdProto`. */
export interface OperatorSetIdProto {
  domain: string;
  version: number;
}

/** `StringStringEntryProto`. */
export interface StringStringEntryProto {
  key: string;
  value: string;
}

/** `ModelProto`. */
export interface ModelProto {
  ir_version: number;
  opset_import: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph: GraphProto;
  metadata_props?: StringStringEntryProto[];
}

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const single = (type: string, id: number) => ({ type, id });

/** Field numbers as in onnx.proto. */
const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: single('string', 1),
            f: single('float', 2),
            i: single('int64', 3),
            s: single('bytes', 4),
            t: single('TensorProto', 5),
            g: single('GraphProto', 6),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            doc_string: single('string', 13),
            type: single('int32', 20),
          },
        },
        ValueInfoProto: {
          fields: { name: single('string', 1), type: single('TypeProto', 2), doc_string: single('string', 3) },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: single('string', 3),
            op_type: single('string', 4),
            attribute: repeated('AttributeProto', 5),
            doc_string: single('string', 6),
            domain: single('string', 7),
          },
        },
        StringStringEntryProto: {
          fields: { key: single('string', 1), value: single('string', 2) },
        },
        ModelProto: {
          fields: {
            ir_version: single('int64', 1),
            producer_name: single('string', 2),
            producer_version: single('string', 3),
            domain: single('string', 4),
            model_version: single('int64', 5),
            doc_string: single('string', 6),
            graph: single('GraphProto', 7),
            opset_import: repeated('OperatorSetIdProto', 8),
            metadata_props: repeated('StringStringEntryProto', 14),
          },
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: single('string', 2),
            initializer: repeated('TensorProto', 5),
            doc_string: single('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            value_info: repeated('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            data_type: single('int32', 2),
            name: single('string', 8),
            raw_data: single('bytes', 9),
            doc_string: single('string', 12),
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: single('int64', 1), dim_param: single('string', 2), denotation: single('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: { tensor_type: single('Tensor', 1), denotation: single('string', 6) },
          nested: {
            Tensor: { fields: { elem_type: single('int32', 1), shape: single('TensorShapeProto', 2) } },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: single('string', 1), version: single('int64', 2) },
        },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;

function getModelType(): protobuf.Type {
  if (!modelType) modelType = protobuf.Root.fromJSON(SCHEMA).lookupType('onnx.ModelProto');
  return modelType;
}

/** Serializes a ModelProto to protobuf wire format. */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const t = getModelType();
  // Plain objects of the right structure encode directly; skipping fromObject avoids copying
  // large repeated fields.
  return t.encode(model as unknown as Record<string, unknown>).finish();
}

/** Parses protobuf bytes into a ModelProto (int64 fields as numbers, bytes as Uint8Array). */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const t = getModelType();
  const msg = t.decode(bytes);
  return t.toObject(msg, { longs: Number, bytes: Uint8Array, defaults: false, arrays: true, oneofs: false }) as unknown as ModelProto;
}
