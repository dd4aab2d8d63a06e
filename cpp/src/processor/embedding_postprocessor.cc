#include "audioclf/processor/embedding_postprocessor.h"

#include <algorithm>
#include <cmath>

#include "audioclf/error.h"
#include "processor/output_quantization.h"

namespace audioclf {
namespace {

template <typename T>
double Cosine(const T* u, const T* v, size_t n) {
  double dot = 0.0, norm_u = 0.0, norm_v = 0.0;
  for (size_t i = 0; i < n; ++i) {
    dot += static_cast<double>(u[i]) * v[i];
    norm_u += static_cast<double>(u[i]) * u[i];
    norm_v += static_cast<double>(v[i]) * v[i];
  }
  if (norm_u <= 0.0 || norm_v <= 0.0) {
    ThrowInvalidArgument("cannot compute cosine similarity: a feature vector has zero norm");
  }
  return dot / std::sqrt(norm_u * norm_v);
}

}  // namespace

EmbeddingPostprocessor::EmbeddingPostprocessor(int output_index, const TensorInfo& output,
                                               const EmbeddingOptions& options,
                                               const std::string& source)
    : output_index_(output_index), type_(output.type), options_(options) {
  const std::string where = source + ": output tensor " + std::to_string(output_index);
  const auto& shape = output.shape;
  bool shape_ok = !shape.empty() && shape.back() > 0;
  for (size_t i = 0; shape_ok && i + 1 < shape.size(); ++i) shape_ok = shape[i] == 1;
  if (!shape_ok) {
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) dims += (i ? "," : "") + std::to_string(shape[i]);
    ThrowInvalidArgument(where + " has shape [" + dims +
                         "], expected [N], [1,N] or [1,...,1,N] for an embedding");
  }
  dimension_ = shape.back();
  quantization_ = CheckedOutputQuantization(output, where);
}

Embedding EmbeddingPostprocessor::Postprocess(const void* output_data) const {
  Embedding embedding;
  embedding.output_index = output_index_;
  std::vector<float> values(static_cast<size_t>(dimension_));
  if (type_ == ElementType::kFloat32) {
    const float* data = static_cast<const float*>(output_data);
    std::copy(data, data + dimension_, values.begin());
  } else {
    const int zero_point = static_cast<int>(quantization_.zero_point);
    for (int j = 0; j < dimension_; ++j) {
      int q = type_ == ElementType::kUInt8 ? static_cast<const uint8_t*>(output_data)[j]
                                           : static_cast<const int8_t*>(output_data)[j];
      values[j] = quantization_.scale * (q - zero_point);
    }
  }
  if (options_.l2_normalize) L2Normalize(values);
  if (options_.quantize) {
    embedding.feature_vector.value_int8 = QuantizeToInt8(values);
  } else {
    embedding.feature_vector.value_float = std::move(values);
  }
  return embedding;
}

void L2Normalize(std::vector<float>& values) {
  float squared = 0.0f;
  for (float x : values) squared += x * x;
  if (squared == 0.0f) return;
  const float inverse = 1.0f / std::sqrt(squared);
  for (float& x : values) x *= inverse;
}

std::vector<int8_t> QuantizeToInt8(const std::vector<float>& values) {
  std::vector<int8_t> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    // NaN would make the cast undefined; it maps to 0.
    float scaled = std::isnan(values[i]) ? 0.0f : std::round(values[i] * 128.0f);
    out[i] = static_cast<int8_t>(std::clamp(scaled, -128.0f, 127.0f));
  }
  return out;
}

double CosineSimilarity(const FeatureVector& u, const FeatureVector& v) {
  if (u.quantized() != v.quantized()) {
    ThrowInvalidArgument(
        "cannot compute cosine similarity between a quantized and a float feature vector");
  }
  if (u.size() != v.size()) {
    ThrowInvalidArgument("cannot compute cosine similarity between feature vectors of "
                         "different sizes (" + std::to_string(u.size()) + " vs " +
                         std::to_string(v.size()) + ")");
  }
  if (u.size() == 0) {
    ThrowInvalidArgument("cannot compute cosine similarity of empty feature vectors");
  }
  return u.quantized() ? Cosine(u.value_int8.data(), v.value_int8.data(), u.size())
                       : Cosine(u.value_float.data(), v.value_float.data(), u.size());
}

}  // namespace audioclf
