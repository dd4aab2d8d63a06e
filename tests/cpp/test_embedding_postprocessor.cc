#include "audioclf/processor/embedding_postprocessor.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity

namespace {

TensorInfo Output(ElementType type, std::vector<int32_t> shape) {
  TensorInfo t;
  t.name = "embedding";
  t.type = type;
  t.shape = std::move(shape);
  if (type != ElementType::kFloat32) t.quantization = TensorQuantization{0.25f, 4};
  return t;
}

FeatureVector Floats(std::vector<float> v) {
  FeatureVector f;
  f.value_float = std::move(v);
  return f;
}

}  // namespace

TEST_CASE(float_output_is_copied_or_normalized) {
  const float raw[] = {3.0f, 0.0f, -4.0f};
  EmbeddingPostprocessor plain(0, Output(ElementType::kFloat32, {1, 3}), {}, "m");
  CHECK_EQ(plain.dimension(), 3);
  Embedding e = plain.Postprocess(raw);
  CHECK(e.feature_vector.value_float == std::vector<float>({3.0f, 0.0f, -4.0f}));
  CHECK(!e.feature_vector.quantized());
  EmbeddingPostprocessor l2(2, Output(ElementType::kFloat32, {1, 1, 1, 3}), {true, false}, "m");
  Embedding n = l2.Postprocess(raw);
  CHECK_EQ(n.output_index, 2);
  CHECK_NEAR(n.feature_vector.value_float[0], 0.6, 1e-7);
  CHECK_NEAR(n.feature_vector.value_float[2], -0.8, 1e-7);
}

TEST_CASE(quantize_rounds_and_clamps) {
  CHECK(QuantizeToInt8({0.5f, -1.0f, 1.0f, 0.00390625f, -0.0117f}) ==
        std::vector<int8_t>({64, -128, 127, 1, -1}));
  const float raw[] = {3.0f, 0.0f, -4.0f};
  EmbeddingPostprocessor p(0, Output(ElementType::kFloat32, {3}), {true, true}, "m");
  Embedding e = p.Postprocess(raw);
  CHECK(e.feature_vector.value_int8 == std::vector<int8_t>({77, 0, -102}));  // 0.6*128, -0.8*128
}

TEST_CASE(dequantizes_uint8_and_int8) {
  const uint8_t u[] = {4, 8, 0};
  EmbeddingPostprocessor pu(0, Output(ElementType::kUInt8, {1, 3}), {}, "m");
  CHECK(pu.Postprocess(u).feature_vector.value_float == std::vector<float>({0.0f, 1.0f, -1.0f}));
  const int8_t s[] = {-4, 4, 12};
  EmbeddingPostprocessor ps(0, Output(ElementType::kInt8, {1, 3}), {}, "m");
  CHECK(ps.Postprocess(s).feature_vector.value_float == std::vector<float>({-2.0f, 0.0f, 2.0f}));
}

TEST_CASE(rejects_bad_outputs) {
  CHECK_THROWS(EmbeddingPostprocessor(0, Output(ElementType::kFloat32, {2, 3}), {}, "m.tflite"),
               ErrorKind::kInvalidArgument, "m.tflite: output tensor 0 has shape [2,3]");
  CHECK_THROWS(EmbeddingPostprocessor(1, Output(ElementType::kInt32, {1, 3}), {}, "m"),
               ErrorKind::kInvalidArgument, "output tensor 1 has type int32");
  TensorInfo unquantized = Output(ElementType::kUInt8, {1, 3});
  unquantized.quantization.reset();
  CHECK_THROWS(EmbeddingPostprocessor(0, unquantized, {}, "m"), ErrorKind::kInvalidArgument,
               "no per-tensor quantization");
}

TEST_CASE(cosine_similarity_matches_the_formula) {
  CHECK_NEAR(CosineSimilarity(Floats({1, 2, 3}), Floats({4, 5, 6})),
             32.0 / std::sqrt(14.0 * 77.0), 1e-12);
  FeatureVector a, b;
  a.value_int8 = {10, -20, 30};
  b.value_int8 = {-10, 20, -30};
  CHECK_NEAR(CosineSimilarity(a, b), -1.0, 1e-12);
  CHECK_THROWS(CosineSimilarity(a, Floats({1, 2, 3})), ErrorKind::kInvalidArgument,
               "quantized and a float");
  CHECK_THROWS(CosineSimilarity(Floats({1, 2}), Floats({1, 2, 3})), ErrorKind::kInvalidArgument,
               "different sizes (2 vs 3)");
  CHECK_THROWS(CosineSimilarity(Floats({0, 0}), Floats({1, 2})), ErrorKind::kInvalidArgument,
               "zero norm");
}

