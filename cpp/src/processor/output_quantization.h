// The one check both post-processors make of an output tensor's element
// type and dequantization parameters.
#ifndef AUDIOCLF_SRC_PROCESSOR_OUTPUT_QUANTIZATION_H_
#define AUDIOCLF_SRC_PROCESSOR_OUTPUT_QUANTIZATION_H_

#include <cmath>
#include <cstdint>
#include <string>

#include "audioclf/error.h"
#include "audioclf/model/tflite_model.h"

namespace audioclf {

// Throws Error(kInvalidArgument) naming `where` unless the output is float32,
// or uint8/int8 with one scale and a zero point dequantizing can use;
// returns its quantization (unused for float32).
inline TensorQuantization CheckedOutputQuantization(const TensorInfo& output,
                                                    const std::string& where) {
  const ElementType type = output.type;
  if (type != ElementType::kFloat32 && type != ElementType::kUInt8 &&
      type != ElementType::kInt8) {
    ThrowInvalidArgument(where + " has type " + ElementTypeName(type) +
                         ", expected float32, uint8 or int8");
  }
  if (type == ElementType::kFloat32) return TensorQuantization{};
  if (!output.quantization) {
    ThrowInvalidArgument(where + " is " + ElementTypeName(type) +
                         " but has no per-tensor quantization parameters");
  }
  const TensorQuantization q = *output.quantization;
  // Dequantizing computes q - zero_point in int: a zero point outside the
  // type's values (or a bad scale) could only come from a damaged model.
  const int64_t lowest = type == ElementType::kUInt8 ? 0 : -128;
  const int64_t highest = type == ElementType::kUInt8 ? 255 : 127;
  if (q.zero_point < lowest || q.zero_point > highest) {
    ThrowInvalidArgument(where + " has zero point " + std::to_string(q.zero_point) +
                         ", outside " + std::to_string(lowest) + ".." +
                         std::to_string(highest));
  }
  if (!(q.scale > 0.0f) || !std::isfinite(q.scale)) {
    ThrowInvalidArgument(where + " has quantization scale " + std::to_string(q.scale) +
                         "; expected a finite value > 0");
  }
  return q;
}

}  // namespace audioclf

#endif  // AUDIOCLF_SRC_PROCESSOR_OUTPUT_QUANTIZATION_H_
