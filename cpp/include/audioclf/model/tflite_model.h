// Reads what audioclf needs from a TFLite flatbuffer: the input and output
// tensors of the first subgraph (name, element type, shape, per-tensor
// quantization) and where the TFLITE_METADATA buffer lies.
//
// Every offset is bounds-checked; malformed bytes raise
// Error(kInvalidArgument) naming the source and the field that is wrong.
#ifndef AUDIOCLF_MODEL_TFLITE_MODEL_H_
#define AUDIOCLF_MODEL_TFLITE_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace audioclf {

// Element types, independent of both the TFLite schema's numbering and the
// LiteRT C API's numbering (which differ).
enum class ElementType {
  kUnknown = 0,
  kFloat32,
  kFloat16,
  kFloat64,
  kInt8,
  kUInt8,
  kInt16,
  kInt32,
  kInt64,
  kBool,
  kString,
};

const char* ElementTypeName(ElementType type);
// Bytes per element; 0 for kUnknown and kString.
size_t ElementSize(ElementType type);

struct TensorQuantization {
  float scale = 0.0f;
  int64_t zero_point = 0;
};

struct TensorInfo {
  std::string name;
  ElementType type = ElementType::kUnknown;
  std::vector<int32_t> shape;
  // Set when the tensor has exactly one scale and zero point.
  std::optional<TensorQuantization> quantization;

  // Product of the dimensions (1 for a scalar); -1 if any is negative.
  int64_t ElementCount() const;
};

struct TfliteModelInfo {
  uint32_t schema_version = 0;
  std::vector<TensorInfo> inputs;   // subgraph 0, in signature/input order
  std::vector<TensorInfo> outputs;  // subgraph 0, in output order
  // The "TFLITE_METADATA" buffer as a byte range of the model data.
  bool has_metadata = false;
  size_t metadata_offset = 0;
  size_t metadata_size = 0;
};

// Parses `size` bytes of a .tflite model. `source` names the model in error
// messages (a path, or "<model bytes>").
TfliteModelInfo ParseTfliteModel(const uint8_t* data, size_t size,
                                 const std::string& source);

}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_TFLITE_MODEL_H_
