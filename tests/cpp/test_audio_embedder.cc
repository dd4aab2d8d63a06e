// Runs the embedder on the tiny fixture in tests/data (its two softmax heads
// stand in for two embedding outputs). Needs libLiteRt.so
// ($AUDIOCLF_LITERT_LIBRARY); exits 77 (skipped) without it.
#include "audioclf/audio_embedder.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "audioclf/audio_classifier.h"
#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string Fixture() { return Env("AUDIOCLF_TEST_DATA") + "/tiny_two_heads.tflite"; }

std::vector<float> Ramp(size_t n) {
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = std::sin(0.01f * static_cast<float>(i)) * 0.5f;
  return out;
}

}  // namespace

TEST_CASE(embeds_every_output_like_the_classifier_scores) {
  AudioEmbedderOptions options;
  options.base_options.file_name = Fixture();
  auto embedder = AudioEmbedder::CreateFromOptions(options);
  CHECK_EQ(embedder->number_of_output_layers(), 2u);
  CHECK_EQ(embedder->required_input_buffer_size(), 1600u);
  CHECK_EQ(embedder->embedding_dimension(2), -1);
  CHECK_EQ(embedder->embedding_dimension(-1), -1);

  AudioClassifierOptions classifier_options;
  classifier_options.base_options.file_name = Fixture();
  auto classifier = AudioClassifier::CreateFromOptions(classifier_options);
  std::vector<float> samples = Ramp(1600);
  EmbeddingResult result = embedder->Embed(samples.data(), 1600);
  ClassificationResult scores = classifier->Classify(samples.data(), 1600);
  CHECK_EQ(result.embeddings.size(), 2u);
  for (size_t head = 0; head < 2; ++head) {
    const Embedding& e = result.embeddings[head];
    CHECK_EQ(e.output_index, static_cast<int>(head));
    CHECK_EQ(static_cast<int>(e.feature_vector.size()), embedder->embedding_dimension(head));
    // Scores without calibration are the raw outputs: compare the top one.
    const Category& top = scores.classifications[head].categories[0];
    if (head == 1) CHECK_NEAR(e.feature_vector.value_float[top.index], top.score, 1e-6);
  }

  AudioBuffer buffer = embedder->CreateInputAudioBuffer();
  buffer.Load(samples.data(), 1600);
  EmbeddingResult again = embedder->Embed(buffer);
  CHECK(again.embeddings[1].feature_vector.value_float ==
        result.embeddings[1].feature_vector.value_float);
  CHECK_THROWS(embedder->Embed(samples.data(), 100), ErrorKind::kInvalidArgument,
               "audio holds 100 frames; the model's window is 1600 frames");
}

TEST_CASE(normalizes_and_quantizes) {
  AudioEmbedderOptions options;
  options.base_options.file_name = Fixture();
  options.embedding_options.l2_normalize = true;
  auto normalized = AudioEmbedder::CreateFromOptions(options);
  options.embedding_options.quantize = true;
  auto quantized = AudioEmbedder::CreateFromOptions(options);
  std::vector<float> samples = Ramp(1600);
  const FeatureVector f = normalized->Embed(samples.data(), 1600).embeddings[1].feature_vector;
  double norm = 0;
  for (float x : f.value_float) norm += x * x;
  CHECK_NEAR(norm, 1.0, 1e-6);
  const FeatureVector q = quantized->Embed(samples.data(), 1600).embeddings[1].feature_vector;
  CHECK(q.value_int8 == QuantizeToInt8(f.value_float));
}

TEST_CASE(reports_a_missing_model) {
  AudioEmbedderOptions options;
  CHECK_THROWS(AudioEmbedder::CreateFromOptions(options), ErrorKind::kInvalidArgument,
               "set file_name or file_content");
  options.base_options.file_name = "/nonexistent.tflite";
  CHECK_THROWS(AudioEmbedder::CreateFromOptions(options), ErrorKind::kInvalidArgument,
               "model file '/nonexistent.tflite' cannot be opened");
}

#ifdef AUDIOCLF_TEST_MAIN
namespace {
// Without a runtime the whole file is skipped (ctest SKIP_RETURN_CODE 77).
struct RequireRuntime {
  RequireRuntime() {
    if (Env("AUDIOCLF_LITERT_LIBRARY").empty()) {
      std::printf("skipped: AUDIOCLF_LITERT_LIBRARY is not set\n");
      std::exit(77);
    }
  }
} require_runtime;
}  // namespace
#endif
