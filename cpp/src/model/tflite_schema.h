// Field ids of the TFLite schema (tensorflow/compiler/mlir/lite/schema/
// schema.fbs) that the model parser and the graph validator read: the
// declaration order within each table, deprecated fields included.
#ifndef AUDIOCLF_SRC_MODEL_TFLITE_SCHEMA_H_
#define AUDIOCLF_SRC_MODEL_TFLITE_SCHEMA_H_

namespace audioclf {
namespace tflite_schema {

namespace model_field {
constexpr int kVersion = 0;
constexpr int kOperatorCodes = 1;
constexpr int kSubgraphs = 2;
constexpr int kBuffers = 4;
constexpr int kMetadata = 6;
constexpr int kSignatureDefs = 7;
}  // namespace model_field
namespace opcode_field {
constexpr int kDeprecatedBuiltinCode = 0;
constexpr int kBuiltinCode = 3;
}  // namespace opcode_field
namespace subgraph_field {
constexpr int kTensors = 0;
constexpr int kInputs = 1;
constexpr int kOutputs = 2;
constexpr int kOperators = 3;
}  // namespace subgraph_field
namespace tensor_field {
constexpr int kShape = 0;
constexpr int kType = 1;
constexpr int kBuffer = 2;
constexpr int kName = 3;
constexpr int kQuantization = 4;
constexpr int kIsVariable = 5;
constexpr int kSparsity = 6;
}  // namespace tensor_field
namespace quantization_field {
constexpr int kScale = 2;
constexpr int kZeroPoint = 3;
constexpr int kQuantizedDimension = 6;
}  // namespace quantization_field
namespace operator_field {
constexpr int kOpcodeIndex = 0;
constexpr int kInputs = 1;
constexpr int kOutputs = 2;
constexpr int kBuiltinOptionsType = 3;
constexpr int kIntermediates = 8;
constexpr int kLargeCustomOptionsOffset = 9;
constexpr int kLargeCustomOptionsSize = 10;
}  // namespace operator_field
namespace buffer_field {
constexpr int kData = 0;
constexpr int kOffset = 1;
constexpr int kSize = 2;
}  // namespace buffer_field
namespace metadata_field {
constexpr int kName = 0;
constexpr int kBuffer = 1;
}  // namespace metadata_field
namespace signature_field {
constexpr int kInputs = 0;
constexpr int kOutputs = 1;
constexpr int kSubgraphIndex = 4;
}  // namespace signature_field
namespace tensor_map_field {
constexpr int kTensorIndex = 1;
}  // namespace tensor_map_field

}  // namespace tflite_schema
}  // namespace audioclf

#endif  // AUDIOCLF_SRC_MODEL_TFLITE_SCHEMA_H_
