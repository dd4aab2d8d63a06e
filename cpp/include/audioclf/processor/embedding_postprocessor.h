// Turns an embedding model's output tensor into a feature vector: dequantize,
// optionally L2-normalize, optionally quantize to int8. Also the cosine
// similarity between two feature vectors. The arithmetic follows the TFLite
// Task Library's embedder so that values match.
#ifndef AUDIOCLF_PROCESSOR_EMBEDDING_POSTPROCESSOR_H_
#define AUDIOCLF_PROCESSOR_EMBEDDING_POSTPROCESSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "audioclf/model/tflite_model.h"

namespace audioclf {

struct EmbeddingOptions {
  bool l2_normalize = false;  // scale each vector to unit L2 norm
  bool quantize = false;      // store int8 values (round(x * 128), clamped)
};

// One of the two fields is set: value_float, or (quantized) value_int8.
struct FeatureVector {
  std::vector<float> value_float;
  std::vector<int8_t> value_int8;
  bool quantized() const { return !value_int8.empty(); }
  size_t size() const { return quantized() ? value_int8.size() : value_float.size(); }
};

struct Embedding {
  FeatureVector feature_vector;
  int output_index = 0;  // the model output it comes from
};

struct EmbeddingResult {
  std::vector<Embedding> embeddings;  // one per model output, in order
};

class EmbeddingPostprocessor {
 public:
  // Validates the output tensor: float32, or uint8/int8 with per-tensor
  // quantization; every dimension 1 except the last (the dimension).
  // Throws Error(kInvalidArgument) naming `source` and the output.
  EmbeddingPostprocessor(int output_index, const TensorInfo& output,
                         const EmbeddingOptions& options, const std::string& source);

  // `output_data` holds the tensor's raw values. Thread-safe.
  Embedding Postprocess(const void* output_data) const;

  int output_index() const { return output_index_; }
  int dimension() const { return dimension_; }

 private:
  int output_index_;
  ElementType type_;
  TensorQuantization quantization_;
  int dimension_;
  EmbeddingOptions options_;
};

// Scales `values` to unit L2 norm; an all-zero vector is left as is.
void L2Normalize(std::vector<float>& values);
// round(x * 128) clamped to [-128, 127], for values in [-1, 1].
std::vector<int8_t> QuantizeToInt8(const std::vector<float>& values);

// Cosine similarity of two vectors of the same kind (both float or both
// quantized) and size. Throws Error(kInvalidArgument) when they differ or
// either has zero norm.
double CosineSimilarity(const FeatureVector& u, const FeatureVector& v);

}  // namespace audioclf

#endif  // AUDIOCLF_PROCESSOR_EMBEDDING_POSTPROCESSOR_H_
