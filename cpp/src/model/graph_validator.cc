#include "audioclf/model/graph_validator.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "audioclf/model/flatbuffer_reader.h"
#include "model/tflite_schema.h"

namespace audioclf {
namespace {

using flatbuffer::Reader;
using flatbuffer::Table;
using flatbuffer::Vector;

using namespace tflite_schema;  // NOLINT: the schema's field ids

// BuiltinOperator codes whose kernels take optional inputs, or call other
// subgraphs.
enum BuiltinCode : int32_t {
  kConv2d = 3,
  kDepthwiseConv2d = 4,
  kFullyConnected = 9,
  kLshProjection = 15,
  kLstm = 16,
  kSvdf = 27,
  kCustom = 32,
  kUnidirectionalSequenceLstm = 44,
  kBidirectionalSequenceRnn = 46,
  kDelegate = 51,
  kBidirectionalSequenceLstm = 52,
  kTransposeConv = 67,
  kIf = 118,
  kWhile = 119,
  kCallOnce = 129,
  kConv3d = 132,
  kConv3dTranspose = 141,
};

// Builtin options union tags (schema.fbs BuiltinOptions) of the ops that
// name subgraphs; their subgraph indices are the options' int fields.
constexpr uint8_t kIfOptions = 92;
constexpr uint8_t kWhileOptions = 93;
constexpr uint8_t kCallOnceOptions = 103;

// Whether input `position` of an operator with this code may be -1.
bool InputMayBeOmitted(int32_t code, size_t position) {
  switch (code) {
    case kConv2d:
    case kDepthwiseConv2d:
    case kFullyConnected:
    case kConv3d:
      return position == 2;  // bias
    case kLshProjection:
      return position == 2;  // weights
    case kSvdf:
      return position == 3;  // bias
    case kTransposeConv:
    case kConv3dTranspose:
      return position == 3;  // bias
    case kLstm:
    case kUnidirectionalSequenceLstm:
    case kBidirectionalSequenceLstm:
    case kBidirectionalSequenceRnn:
      // Gate weights, peepholes, projections, layer norms, aux inputs: all
      // but the sequence itself may be absent.
      return position != 0;
    case kCustom:
    case kDelegate:
      return true;  // their own conventions; LiteRT resolves or refuses them
    default:
      return false;
  }
}

// How many inputs the kernel of a builtin reads without checking (an absent
// optional input still takes its place as -1); 1 where the kernel checks
// its own count or takes one input. Codes past the table: no minimum.
constexpr uint8_t kMinInputs[] = {
    2, 1, 1, 2, 2, 1, 1, 2, 1, 2,  //   0 ADD .. 9 FULLY_CONNECTED
    3, 1, 1, 1, 1, 2, 1, 1, 2, 1,  //  10 HASHTABLE_LOOKUP .. 19 RELU
    1, 1, 1, 2, 5, 1, 1, 4, 1, 1,  //  20 RELU_N1_TO_1 .. 29 CONCAT_EMBEDDINGS
    1, 1, 0, 1, 2, 5, 2, 3, 3, 2,  //  30 SKIP_GRAM .. 39 TRANSPOSE
    2, 2, 2, 1, 1, 4, 1, 1, 2, 2,  //  40 MEAN .. 49 SPLIT
    1, 0, 1, 1, 2, 2, 2, 2, 2, 1,  //  50 LOG_SOFTMAX .. 59 NEG
    3, 2, 2, 2, 3, 3, 1, 3, 4, 2,  //  60 PADV2 .. 69 TILE
    2, 2, 2, 1, 2, 1, 1, 1, 2, 2,  //  70 EXPAND_DIMS .. 79 ARG_MIN
    1, 2, 2, 1, 2, 4, 2, 1, 1, 2,  //  80 FAKE_QUANT .. 89 REDUCE_MIN
    2, 2, 1, 1, 2, 2, 3, 2, 1, 2,  //  90 FLOOR_DIV .. 99 SQUARED_DIFFERENCE
    2, 1, 3, 1, 1, 2, 1, 2, 1, 1,  // 100 MIRROR_PAD .. 109 WHERE
    1, 1, 2, 1, 1, 2, 1, 1, 1, 1,  // 110 RANK .. 119 WHILE
    1, 1, 3, 3, 1, 2, 2, 0, 2, 0,  // 120 NMS_V4 .. 129 CALL_ONCE
    2, 2, 2, 1, 1, 1, 0, 3, 3, 1,  // 130 BROADCAST_TO .. 139 HASHTABLE_SIZE
    2, 3, 0, 1, 2, 2, 1, 1, 1, 2,  // 140 REDUCE_ALL .. 149 MULTINOMIAL
    1, 3, 1, 3, 3, 3, 2, 3, 1, 1,  // 150 GELU .. 159 BITCAST
    2, 2,                          // 160 BITWISE_XOR, 161 RIGHT_SHIFT
};

// Operators that write nothing (their effect is on a resource or subgraph).
bool MayHaveNoOutputs(int32_t code) {
  return code == kCustom || code == kDelegate || code == kCallOnce ||
         code == 138 /* HASHTABLE_IMPORT */ || code == 144 /* ASSIGN_VARIABLE */;
}

// SPLIT and SPLIT_V divide their input into `num_splits` outputs.
constexpr int32_t kSplit = 49;
constexpr int32_t kSplitV = 102;
constexpr uint8_t kSplitOptions = 35;
constexpr uint8_t kSplitVOptions = 79;

// Bytes per element of a TFLite TensorType; 0 where the byte size does not
// follow from the shape (strings, resources, variants, packed int4) or the
// type is unknown.
uint64_t TfliteElementBytes(int8_t type) {
  switch (type) {
    case 0: return 4;   // FLOAT32
    case 1: return 2;   // FLOAT16
    case 2: return 4;   // INT32
    case 3: return 1;   // UINT8
    case 4: return 8;   // INT64
    case 6: return 1;   // BOOL
    case 7: return 2;   // INT16
    case 8: return 8;   // COMPLEX64
    case 9: return 1;   // INT8
    case 10: return 8;  // FLOAT64
    case 11: return 16; // COMPLEX128
    case 12: return 8;  // UINT64
    case 15: return 4;  // UINT32
    case 16: return 2;  // UINT16
    case 18: return 2;  // BFLOAT16
    default: return 0;
  }
}

constexpr float kMinScale = 1e-30f;
constexpr float kMaxScale = 1e30f;

// The values an integer TensorType holds, for zero points; false for other
// types.
bool IntegerRange(int8_t type, int64_t* lowest, int64_t* highest) {
  switch (type) {
    case 3: *lowest = 0, *highest = 255; return true;            // UINT8
    case 9: *lowest = -128, *highest = 127; return true;         // INT8
    case 7: *lowest = -32768, *highest = 32767; return true;     // INT16
    case 16: *lowest = 0, *highest = 65535; return true;         // UINT16
    case 17: *lowest = -8, *highest = 7; return true;            // INT4
    case 2: *lowest = INT32_MIN, *highest = INT32_MAX; return true;  // INT32
    default: return false;
  }
}

std::string Plural(size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

struct TensorState {
  bool available = false;  // readable by the next operator
  int8_t type = 0;         // TFLite TensorType
  bool quantized = false;  // has at least one scale
};

// Which inputs of an operator carry the data whose element type the outputs
// share. LiteRT's kernels pick their code path from one tensor's type and
// read the others as the same type, so a mismatch reads or writes past a
// buffer.
enum class TypeRule : uint8_t {
  kNone,          // types may differ (casts, comparisons, indices, ...)
  kFirst,         // input 0 and every output
  kFirstTwo,      // inputs 0 and 1 and every output
  kAll,           // every input and every output
  kSecond,        // input 1 and every output (SPLIT)
  kThird,         // input 2 and every output (TRANSPOSE_CONV)
  kSecondThird,   // inputs 1 and 2 and every output (SELECT)
};

TypeRule TypeRuleFor(int32_t code) {
  switch (code) {
    case 0: case 18: case 41: case 42: case 54: case 55: case 57: case 78:
    case 90: case 95: case 99:  // ADD MUL SUB DIV PRELU MAX MIN POW FLOORDIV
      return TypeRule::kFirstTwo;  // FLOORMOD SQUARED_DIFFERENCE
    case 2: case 83: case 106:  // CONCATENATION PACK ADD_N
      return TypeRule::kAll;
    case 49:  // SPLIT (axis, input)
      return TypeRule::kSecond;
    case 67:  // TRANSPOSE_CONV (output_shape, weights, input)
      return TypeRule::kThird;
    case 64: case 123:  // SELECT SELECT_V2 (condition, x, y)
      return TypeRule::kSecondThird;
    case 1: case 3: case 4: case 5: case 8: case 9: case 11: case 12:
    case 13: case 14: case 17: case 19: case 20: case 21: case 22: case 23:
    case 25: case 26: case 28: case 34: case 36: case 37: case 38: case 39:
    case 40: case 43: case 45: case 47: case 50: case 59: case 60: case 65:
    case 66: case 69: case 70: case 73: case 74: case 75: case 76: case 81:
    case 82: case 88: case 89: case 92: case 93: case 97: case 98: case 100:
    case 101: case 102: case 104: case 105: case 107: case 108: case 111:
    case 116: case 117: case 126: case 128: case 130: case 132: case 150:
    case 152: case 158:
      return TypeRule::kFirst;
    default:
      return TypeRule::kNone;
  }
}

// Kernels that compute in the quantized domain for 8- and 16-bit integer
// tensors, and so need a scale on their input and output.
bool NeedsQuantization(int32_t code) {
  switch (code) {
    case 0: case 1: case 3: case 4: case 9: case 14: case 18: case 25:
    case 28: case 40: case 41: case 50: case 67: case 126: case 132:
      return true;  // ADD AVG_POOL CONV DW FC LOGISTIC MUL SOFTMAX TANH MEAN
    default:        // SUB LOG_SOFTMAX TRANSPOSE_CONV BATCH_MATMUL CONV_3D
      return false;
  }
}

bool IsQuantizedIntType(int8_t type) {
  return type == 3 || type == 7 || type == 9;  // UINT8 INT16 INT8
}

// SOFTMAX, LOGISTIC and TANH may widen int8 input to an int16 output.
bool AllowedWidening(int32_t code, int8_t input, int8_t output) {
  return (code == 25 || code == 14 || code == 28) && input == 9 && output == 7;
}

class GraphValidator {
 public:
  GraphValidator(const Reader& reader, const Table& model)
      : reader_(reader), model_(model) {}

  void Run() {
    ReadBuffers();
    ReadOperatorCodes();
    std::optional<Vector> subgraphs =
        model_.VectorField(model_field::kSubgraphs, "subgraphs", 4);
    subgraph_count_ = subgraphs ? subgraphs->size() : 0;
    if (subgraph_count_ == 0) model_.Fail("subgraphs", "model has no subgraphs");
    if (subgraph_count_ > limits::kMaxSubgraphs) {
      model_.Fail("subgraphs", Plural(subgraph_count_, "subgraph") +
                                   " is more than the limit of " +
                                   std::to_string(limits::kMaxSubgraphs));
    }
    tensor_counts_.resize(subgraph_count_);
    calls_.resize(subgraph_count_);
    for (size_t i = 0; i < subgraph_count_; ++i) {
      ValidateSubgraph(subgraphs->TableAt(i), i);
    }
    RejectRecursiveCalls();
    ValidateSignatures();
  }

 private:
  void ReadBuffers() {
    std::optional<Vector> buffers =
        model_.VectorField(model_field::kBuffers, "buffers", 4);
    const size_t count = buffers ? buffers->size() : 0;
    buffer_bytes_.assign(count, 0);
    for (size_t i = 0; i < count; ++i) {
      const Table buffer = buffers->TableAt(i);
      if (std::optional<Vector> data =
              buffer.VectorField(buffer_field::kData, "data", 1)) {
        buffer_bytes_[i] = data->size();
      }
      if (buffer_bytes_[i] == 0) {
        // Models over 2 GB keep weights after the flatbuffer; the extent
        // itself is checked by the model parser.
        const uint64_t offset =
            buffer.Scalar<uint64_t>(buffer_field::kOffset, "offset", 0);
        if (offset > 1) {
          buffer_bytes_[i] =
              buffer.Scalar<uint64_t>(buffer_field::kSize, "size", 0);
        }
      }
    }
  }

  void ReadOperatorCodes() {
    std::optional<Vector> codes =
        model_.VectorField(model_field::kOperatorCodes, "operator_codes", 4);
    const size_t count = codes ? codes->size() : 0;
    for (size_t i = 0; i < count; ++i) {
      const Table code = codes->TableAt(i);
      // New writers fill builtin_code; old ones only the int8 field, capped
      // at 127 (PLACEHOLDER_FOR_GREATER_OP_CODES). The larger is the code.
      const int32_t deprecated = code.Scalar<int8_t>(
          opcode_field::kDeprecatedBuiltinCode, "deprecated_builtin_code", 0);
      const int32_t builtin =
          code.Scalar<int32_t>(opcode_field::kBuiltinCode, "builtin_code", 0);
      if (deprecated < 0 || builtin < 0) {
        code.Fail("builtin_code", "negative operator code " +
                                      std::to_string(builtin < 0 ? builtin
                                                                 : deprecated));
      }
      opcodes_.push_back(builtin > deprecated ? builtin : deprecated);
    }
  }

  void ValidateSubgraph(const Table& subgraph, size_t subgraph_index) {
    std::optional<Vector> tensors =
        subgraph.VectorField(subgraph_field::kTensors, "tensors", 4);
    const size_t tensor_count = tensors ? tensors->size() : 0;
    if (tensor_count > limits::kMaxGraphTensors) {
      subgraph.Fail("tensors", Plural(tensor_count, "tensor") +
                                   " is more than the limit of " +
                                   std::to_string(limits::kMaxGraphTensors));
    }
    tensor_counts_[subgraph_index] = tensor_count;
    std::vector<TensorState> state(tensor_count);
    for (size_t t = 0; t < tensor_count; ++t) {
      const Table tensor = tensors->TableAt(t);
      state[t].available = ValidateTensor(tensor);
      state[t].type = tensor.Scalar<int8_t>(tensor_field::kType, "type", 0);
      if (std::optional<Table> q =
              tensor.SubTable(tensor_field::kQuantization, "quantization")) {
        std::optional<Vector> scale =
            q->VectorField(quantization_field::kScale, "scale", 4);
        state[t].quantized = scale && !scale->empty();
      }
    }

    auto check_index = [&](const Table& owner, const char* field,
                           size_t position, int32_t index) {
      if (index < 0 || static_cast<size_t>(index) >= tensor_count) {
        owner.Fail((std::string(field) + "[" + std::to_string(position) + "]")
                       .c_str(),
                   "tensor index " + std::to_string(index) +
                       " out of range (subgraph has " +
                       Plural(tensor_count, "tensor") + ")");
      }
    };
    const std::vector<int32_t> inputs =
        subgraph.ScalarVector<int32_t>(subgraph_field::kInputs, "inputs");
    for (size_t i = 0; i < inputs.size(); ++i) {
      check_index(subgraph, "inputs", i, inputs[i]);
      state[static_cast<size_t>(inputs[i])].available = true;
    }
    const std::vector<int32_t> outputs =
        subgraph.ScalarVector<int32_t>(subgraph_field::kOutputs, "outputs");
    for (size_t i = 0; i < outputs.size(); ++i) {
      check_index(subgraph, "outputs", i, outputs[i]);
    }

    std::optional<Vector> operators =
        subgraph.VectorField(subgraph_field::kOperators, "operators", 4);
    const size_t operator_count = operators ? operators->size() : 0;
    if (operator_count > limits::kMaxGraphOperators) {
      subgraph.Fail("operators", Plural(operator_count, "operator") +
                                     " is more than the limit of " +
                                     std::to_string(limits::kMaxGraphOperators));
    }
    for (size_t o = 0; o < operator_count; ++o) {
      const Table op = operators->TableAt(o);
      const uint32_t opcode_index =
          op.Scalar<uint32_t>(operator_field::kOpcodeIndex, "opcode_index", 0);
      if (opcode_index >= opcodes_.size()) {
        op.Fail("opcode_index",
                "operator code index " + std::to_string(opcode_index) +
                    " out of range (model has " +
                    Plural(opcodes_.size(), "operator code") + ")");
      }
      const int32_t code = opcodes_[opcode_index];
      const std::vector<int32_t> op_inputs =
          op.ScalarVector<int32_t>(operator_field::kInputs, "inputs");
      for (size_t i = 0; i < op_inputs.size(); ++i) {
        if (op_inputs[i] == -1) {
          if (!InputMayBeOmitted(code, i)) {
            op.Fail(("inputs[" + std::to_string(i) + "]").c_str(),
                    "input " + std::to_string(i) + " of operator code " +
                        std::to_string(code) +
                        " is required but given as -1 (absent)");
          }
          continue;
        }
        check_index(op, "inputs", i, op_inputs[i]);
        if (!state[static_cast<size_t>(op_inputs[i])].available) {
          op.Fail(("inputs[" + std::to_string(i) + "]").c_str(),
                  "tensor " + std::to_string(op_inputs[i]) +
                      " is read before any operator writes it (it is not a "
                      "subgraph input, a variable or a constant)");
        }
      }
      if (code >= 0 && static_cast<size_t>(code) < sizeof(kMinInputs) &&
          op_inputs.size() < kMinInputs[code]) {
        op.Fail("inputs", "operator code " + std::to_string(code) + " takes " +
                              std::to_string(kMinInputs[code]) +
                              " inputs, found " +
                              std::to_string(op_inputs.size()));
      }
      const std::vector<int32_t> op_outputs =
          op.ScalarVector<int32_t>(operator_field::kOutputs, "outputs");
      if (op_outputs.empty() && !MayHaveNoOutputs(code)) {
        op.Fail("outputs", "operator code " + std::to_string(code) +
                               " has no outputs");
      }
      if (code == kSplit || code == kSplitV) {
        ValidateSplit(op, code, op_outputs.size());
      }
      for (size_t i = 0; i < op_outputs.size(); ++i) {
        check_index(op, "outputs", i, op_outputs[i]);
        state[static_cast<size_t>(op_outputs[i])].available = true;
      }
      ValidateTypes(op, code, op_inputs, op_outputs, state);
      const std::vector<int32_t> intermediates = op.ScalarVector<int32_t>(
          operator_field::kIntermediates, "intermediates");
      for (size_t i = 0; i < intermediates.size(); ++i) {
        check_index(op, "intermediates", i, intermediates[i]);
      }
      ValidateCustomOptionsExtent(op);
      ValidateCalledSubgraphs(op, code, subgraph_index);
    }

    for (size_t i = 0; i < outputs.size(); ++i) {
      if (!state[static_cast<size_t>(outputs[i])].available) {
        subgraph.Fail(("outputs[" + std::to_string(i) + "]").c_str(),
                      "output tensor " + std::to_string(outputs[i]) +
                          " is never written by an operator");
      }
    }
  }

  // Returns whether the tensor holds a value before any operator runs (a
  // constant, a variable, or nothing at all).
  bool ValidateTensor(const Table& tensor) {
    const std::vector<int32_t> shape =
        tensor.ScalarVector<int32_t>(tensor_field::kShape, "shape");
    uint64_t elements = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] < 0) {
        tensor.Fail("shape", "dimension " + std::to_string(d) + " is " +
                                 std::to_string(shape[d]) +
                                 " (expected >= 0)");
      }
      elements *= static_cast<uint64_t>(shape[d]);
      if (elements > limits::kMaxTensorBytes) break;  // reported below; no overflow
    }
    const int8_t type = tensor.Scalar<int8_t>(tensor_field::kType, "type", 0);
    const uint64_t element_bytes = TfliteElementBytes(type);
    const uint64_t bytes = elements * (element_bytes ? element_bytes : 1);
    if (elements > limits::kMaxTensorBytes || bytes > limits::kMaxTensorBytes) {
      tensor.Fail("shape", "the shape's size exceeds the limit of " +
                               std::to_string(limits::kMaxTensorBytes) + " bytes");
    }

    const uint32_t buffer =
        tensor.Scalar<uint32_t>(tensor_field::kBuffer, "buffer", 0);
    if (buffer >= buffer_bytes_.size()) {
      tensor.Fail("buffer", "buffer index " + std::to_string(buffer) +
                                " out of range (model has " +
                                Plural(buffer_bytes_.size(), "buffer") + ")");
    }
    const uint64_t data_bytes = buffer_bytes_[buffer];
    const bool sparse = tensor.Has(tensor_field::kSparsity);
    if (data_bytes > 0 && element_bytes > 0 && !sparse &&
        data_bytes != bytes) {
      tensor.Fail("buffer", "constant holds " + std::to_string(data_bytes) +
                                " bytes but its shape needs " +
                                std::to_string(bytes));
    }

    if (std::optional<Table> q =
            tensor.SubTable(tensor_field::kQuantization, "quantization")) {
      const std::vector<float> scale =
          q->ScalarVector<float>(quantization_field::kScale, "scale");
      for (size_t i = 0; i < scale.size(); ++i) {
        // Kernels divide by scales and by their ratios: a scale of 0, a
        // denormal one or an enormous one overflows those.
        if (!(scale[i] >= kMinScale && scale[i] <= kMaxScale)) {
          char text[32];
          std::snprintf(text, sizeof(text), "%g", static_cast<double>(scale[i]));
          q->Fail("scale", "scale[" + std::to_string(i) + "] is " + text +
                               " (expected a finite value > 0, in 1e-30..1e30)");
        }
      }
      std::optional<Vector> zero_point = q->VectorField(
          quantization_field::kZeroPoint, "zero_point", sizeof(int64_t));
      const size_t zero_points = zero_point ? zero_point->size() : 0;
      // No zero points at all means zero, as the model parser reads it.
      if (zero_points != 0 && zero_points != scale.size()) {
        q->Fail("zero_point", Plural(zero_points, "zero point") + " for " +
                                  Plural(scale.size(), "scale"));
      }
      // A zero point outside its type's range makes LiteRT's kernels index
      // their lookup tables out of bounds.
      int64_t lowest = 0, highest = 0;
      if (IntegerRange(type, &lowest, &highest)) {
        for (size_t i = 0; i < zero_points; ++i) {
          const int64_t zp = zero_point->ScalarAt<int64_t>(i);
          if (zp < lowest || zp > highest) {
            q->Fail("zero_point", "zero_point[" + std::to_string(i) + "] is " +
                                      std::to_string(zp) + ", outside " +
                                      std::to_string(lowest) + ".." +
                                      std::to_string(highest) +
                                      " for the tensor's type");
          }
        }
      }
      if (scale.size() > 1) {
        const int32_t axis = q->Scalar<int32_t>(
            quantization_field::kQuantizedDimension, "quantized_dimension", 0);
        if (axis < 0 || static_cast<size_t>(axis) >= shape.size() ||
            static_cast<size_t>(shape[static_cast<size_t>(axis)]) !=
                scale.size()) {
          q->Fail("quantized_dimension",
                  "per-axis quantization along dimension " +
                      std::to_string(axis) + " does not match the shape (" +
                      Plural(scale.size(), "scale") + ")");
        }
      }
    }
    if (data_bytes == 0) {
      activation_bytes_ += bytes;
      if (activation_bytes_ > limits::kMaxActivationBytes) {
        tensor.Fail("shape", "the model's tensors that are not constants come to more "
                             "than the limit of " +
                                 std::to_string(limits::kMaxActivationBytes) + " bytes");
      }
    }
    // An empty tensor (a shape of [0], as converters write for RESHAPE to a
    // scalar) has nothing to read.
    return data_bytes > 0 || elements == 0 ||
           tensor.Scalar<bool>(tensor_field::kIsVariable, "is_variable", false);
  }

  void ValidateTypes(const Table& op, int32_t code,
                     const std::vector<int32_t>& inputs,
                     const std::vector<int32_t>& outputs,
                     const std::vector<TensorState>& state) const {
    const TypeRule rule = TypeRuleFor(code);
    if (rule == TypeRule::kNone || outputs.empty()) return;
    std::vector<size_t> positions;
    switch (rule) {
      case TypeRule::kFirst: positions = {0}; break;
      case TypeRule::kFirstTwo: positions = {0, 1}; break;
      case TypeRule::kSecond: positions = {1}; break;
      case TypeRule::kThird: positions = {2}; break;
      case TypeRule::kSecondThird: positions = {1, 2}; break;
      case TypeRule::kAll:
        for (size_t i = 0; i < inputs.size(); ++i) positions.push_back(i);
        break;
      case TypeRule::kNone: break;
    }
    const TensorState& out = state[static_cast<size_t>(outputs[0])];
    for (size_t i = 1; i < outputs.size(); ++i) {
      if (state[static_cast<size_t>(outputs[i])].type != out.type) {
        op.Fail("outputs", "operator code " + std::to_string(code) +
                               " writes outputs of different element types");
      }
    }
    for (size_t position : positions) {
      if (position >= inputs.size() || inputs[position] < 0) continue;
      const TensorState& in = state[static_cast<size_t>(inputs[position])];
      if (in.type != out.type && !AllowedWidening(code, in.type, out.type)) {
        op.Fail(("inputs[" + std::to_string(position) + "]").c_str(),
                "operator code " + std::to_string(code) + " reads element type " +
                    std::to_string(in.type) + " but writes element type " +
                    std::to_string(out.type) + " (they must match)");
      }
    }
    if (!NeedsQuantization(code) || positions.empty()) return;
    const size_t first = positions[0];
    if (first < inputs.size() && inputs[first] >= 0) {
      const TensorState& in = state[static_cast<size_t>(inputs[first])];
      if (IsQuantizedIntType(in.type) && !in.quantized) {
        op.Fail(("inputs[" + std::to_string(first) + "]").c_str(),
                "integer input of operator code " + std::to_string(code) +
                    " has no quantization scale");
      }
    }
    if (IsQuantizedIntType(out.type) && !out.quantized) {
      op.Fail("outputs[0]", "integer output of operator code " +
                                std::to_string(code) +
                                " has no quantization scale");
    }
  }

  void ValidateSplit(const Table& op, int32_t code, size_t outputs) const {
    const Table::Union options =
        op.UnionField(operator_field::kBuiltinOptionsType, "builtin_options");
    const uint8_t expected = code == kSplit ? kSplitOptions : kSplitVOptions;
    const int32_t splits =
        options.type == expected && options.value
            ? options.value->Scalar<int32_t>(0, "num_splits", 0)
            : 0;
    if (splits <= 0 || static_cast<size_t>(splits) != outputs) {
      op.Fail("builtin_options",
              "operator code " + std::to_string(code) + " splits into " +
                  std::to_string(splits) + " parts but has " +
                  Plural(outputs, "output"));
    }
  }

  void ValidateCustomOptionsExtent(const Table& op) {
    const uint64_t offset = op.Scalar<uint64_t>(
        operator_field::kLargeCustomOptionsOffset,
        "large_custom_options_offset", 0);
    const uint64_t size = op.Scalar<uint64_t>(
        operator_field::kLargeCustomOptionsSize, "large_custom_options_size",
        0);
    if (offset > 1 && (offset > reader_.size() ||
                       size > reader_.size() - offset)) {
      op.Fail("large_custom_options_offset",
              "custom options extend past the end of the file (offset " +
                  std::to_string(offset) + ", size " + std::to_string(size) +
                  ")");
    }
  }

  void ValidateCalledSubgraphs(const Table& op, int32_t code,
                               size_t subgraph_index) {
    int fields = 0;
    uint8_t expected_options = 0;
    if (code == kIf) {
      fields = 2, expected_options = kIfOptions;
    } else if (code == kWhile) {
      fields = 2, expected_options = kWhileOptions;
    } else if (code == kCallOnce) {
      fields = 1, expected_options = kCallOnceOptions;
    } else {
      return;
    }
    const Table::Union options =
        op.UnionField(operator_field::kBuiltinOptionsType, "builtin_options");
    if (options.type != expected_options || !options.value) {
      op.Fail("builtin_options",
              "operator code " + std::to_string(code) +
                  " needs its subgraph options (options type " +
                  std::to_string(expected_options) + ", found " +
                  std::to_string(options.type) + ")");
    }
    for (int f = 0; f < fields; ++f) {
      const int32_t called =
          options.value->Scalar<int32_t>(f, "subgraph_index", 0);
      if (called <= 0 || static_cast<size_t>(called) >= subgraph_count_) {
        options.value->Fail("subgraph_index",
                            "calls subgraph " + std::to_string(called) +
                                " (expected 1.." +
                                std::to_string(subgraph_count_ - 1) + ")");
      }
      calls_[subgraph_index].push_back(static_cast<size_t>(called));
    }
  }

  // LiteRT prepares called subgraphs recursively: a cycle of IF / WHILE /
  // CALL_ONCE would never end.
  void RejectRecursiveCalls() const {
    enum Mark : uint8_t { kNew, kOnPath, kDone };
    std::vector<Mark> mark(subgraph_count_, kNew);
    std::vector<std::pair<size_t, size_t>> stack;  // (subgraph, next call)
    for (size_t root = 0; root < subgraph_count_; ++root) {
      if (mark[root] != kNew) continue;
      stack.push_back({root, 0});
      mark[root] = kOnPath;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next == calls_[node].size()) {
          mark[node] = kDone;
          stack.pop_back();
          continue;
        }
        const size_t callee = calls_[node][next++];
        if (mark[callee] == kOnPath) {
          model_.Fail("subgraphs",
                      "subgraph " + std::to_string(node) + " calls subgraph " +
                          std::to_string(callee) +
                          ", which is already being called (recursion)");
        }
        if (mark[callee] == kNew) {
          mark[callee] = kOnPath;
          stack.push_back({callee, 0});
        }
      }
    }
  }

  void ValidateSignatures() {
    std::optional<Vector> signatures =
        model_.VectorField(model_field::kSignatureDefs, "signature_defs", 4);
    if (!signatures) return;
    for (size_t s = 0; s < signatures->size(); ++s) {
      const Table signature = signatures->TableAt(s);
      const uint32_t subgraph = signature.Scalar<uint32_t>(
          signature_field::kSubgraphIndex, "subgraph_index", 0);
      if (subgraph >= subgraph_count_) {
        signature.Fail("subgraph_index",
                       "subgraph " + std::to_string(subgraph) +
                           " out of range (model has " +
                           Plural(subgraph_count_, "subgraph") + ")");
      }
      for (int field : {signature_field::kInputs, signature_field::kOutputs}) {
        const char* name =
            field == signature_field::kInputs ? "inputs" : "outputs";
        for (const Table& map : signature.TableVector(field, name)) {
          const uint32_t index = map.Scalar<uint32_t>(
              tensor_map_field::kTensorIndex, "tensor_index", 0);
          if (index >= tensor_counts_[subgraph]) {
            map.Fail("tensor_index",
                     "tensor " + std::to_string(index) +
                         " out of range (subgraph " + std::to_string(subgraph) +
                         " has " + Plural(tensor_counts_[subgraph], "tensor") +
                         ")");
          }
        }
      }
    }
  }

  const Reader& reader_;
  const Table& model_;
  std::vector<uint64_t> buffer_bytes_;
  std::vector<int32_t> opcodes_;
  size_t subgraph_count_ = 0;
  std::vector<size_t> tensor_counts_;
  std::vector<std::vector<size_t>> calls_;  // subgraphs each one calls
  uint64_t activation_bytes_ = 0;  // declared bytes of non-constant tensors
};

}  // namespace

void ValidateTfliteGraph(const uint8_t* data, size_t size,
                         const std::string& source) {
  Reader reader(data, size, source);
  reader.RequireFileIdentifier("TFL3", "TFLite model");
  const Table model = reader.Root();
  GraphValidator(reader, model).Run();
}

}  // namespace audioclf
