// Runs real models: the fixtures in tests/data, and YAMNet from ../shared
// when present. Needs libLiteRt.so ($AUDIOCLF_LITERT_LIBRARY); exits 77
// (skipped) without it.
#include "audioclf/audio_classifier.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "audioclf/audio/wav_reader.h"
#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string Data(const std::string& file) { return Env("AUDIOCLF_TEST_DATA") + "/" + file; }

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

AudioClassifierOptions Options(const std::string& model) {
  AudioClassifierOptions options;
  options.base_options.file_name = model;
  return options;
}

std::vector<float> Noise(size_t n) {
  std::vector<float> out(n);
  uint32_t state = 12345;
  for (float& x : out) {
    state = state * 1664525u + 1013904223u;
    x = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.6f;
  }
  return out;
}

}  // namespace

TEST_CASE(two_heads_fixture_in_french) {
  AudioClassifierOptions options = Options(Data("tiny_two_heads.tflite"));
  options.classification_options.display_names_locale = "fr";
  auto classifier = AudioClassifier::CreateFromOptions(options);
  CHECK_EQ(classifier->required_audio_format().sample_rate, 16000u);
  CHECK_EQ(classifier->required_input_buffer_size(), 1600u);
  std::vector<float> samples = Noise(1600);
  ClassificationResult result = classifier->Classify(samples.data(), 1600);
  CHECK_EQ(result.classifications.size(), 2u);
  const Classifications& loudness = result.classifications[0];
  CHECK_EQ(loudness.head_name, std::string("loudness"));
  CHECK_EQ(loudness.categories.size(), 3u);
  bool saw_default = false;
  for (const Category& c : loudness.categories) {
    if (c.index == 1) {
      CHECK_NEAR(c.score, 0.2, 1e-7);  // empty calibration line: default score
      CHECK_EQ(c.display_name, std::string("modéré"));
      CHECK_EQ(c.category_name, std::string("moderate"));
      saw_default = true;
    }
  }
  CHECK(saw_default);
  const Classifications& kind = result.classifications[1];
  CHECK_EQ(kind.head_index, 1);
  CHECK_EQ(kind.head_name, std::string("sound_type"));
  double total = 0;
  for (size_t i = 0; i < kind.categories.size(); ++i) {
    CHECK(kind.categories[i].score >= 0.1f);  // metadata threshold
    if (i > 0) CHECK(kind.categories[i - 1].score >= kind.categories[i].score);
    total += kind.categories[i].score;
  }
  CHECK(total <= 1.0 + 1e-6);

  // The same window through an AudioBuffer gives the same result.
  AudioBuffer buffer = classifier->CreateInputAudioBuffer();
  buffer.Load(samples.data(), 700);
  buffer.Load(samples.data() + 700, 900);
  ClassificationResult again = classifier->Classify(buffer);
  for (size_t h = 0; h < 2; ++h) {
    CHECK_EQ(again.classifications[h].categories.size(),
             result.classifications[h].categories.size());
    for (size_t i = 0; i < again.classifications[h].categories.size(); ++i) {
      CHECK_EQ(again.classifications[h].categories[i].index,
               result.classifications[h].categories[i].index);
      CHECK_EQ(again.classifications[h].categories[i].score,
               result.classifications[h].categories[i].score);
    }
  }
}

TEST_CASE(uint8_fixture_scores_are_multiples_of_the_scale) {
  auto classifier = AudioClassifier::CreateFromOptions(Options(Data("tiny_uint8.tflite")));
  std::vector<float> samples = Noise(800);
  ClassificationResult result = classifier->Classify(samples.data(), 800);
  const auto& categories = result.classifications[0].categories;
  CHECK_EQ(categories.size(), 6u);
  double total = 0;
  for (const Category& c : categories) {
    double steps = c.score * 256.0;
    CHECK_NEAR(steps, static_cast<double>(static_cast<long>(steps + 0.5)), 1e-4);
    total += c.score;
  }
  CHECK_NEAR(total, 1.0, 6.0 / 256);
}

TEST_CASE(errors_name_what_is_wrong) {
  auto classifier = AudioClassifier::CreateFromOptions(Options(Data("tiny_uint8.tflite")));
  std::vector<float> samples(799, 0.0f);
  CHECK_THROWS(classifier->Classify(samples.data(), 799), ErrorKind::kInvalidArgument,
               "799 frames; the model's window is 800");
  AudioBuffer wrong(AudioFormat{1, 8000}, 800);
  CHECK_THROWS(classifier->Classify(wrong), ErrorKind::kInvalidArgument, "8000 Hz");
  CHECK_THROWS(AudioClassifier::CreateFromOptions(Options(Data("tiny_no_metadata.tflite"))),
               ErrorKind::kInvalidArgument, "missing TensorMetadata");
  CHECK_THROWS(AudioClassifier::CreateFromOptions(Options(Data("absent.tflite"))),
               ErrorKind::kInvalidArgument, "absent.tflite' cannot be opened");
  AudioClassifierOptions bad_lib = Options(Data("tiny_uint8.tflite"));
  bad_lib.base_options.litert_library = "/nonexistent/libLiteRt.so";
  CHECK_THROWS(AudioClassifier::CreateFromOptions(bad_lib), ErrorKind::kRuntime,
               "cannot load LiteRT library '/nonexistent/libLiteRt.so'");
}

TEST_CASE(yamnet_on_speech_matches_the_task_library) {
  std::string shared = Env("AUDIOCLF_SHARED_DIR");
  std::string model = shared + "/models/yamnet_audio_classifier_with_metadata.tflite";
  if (shared.empty() || !FileExists(model)) {
    std::printf("skipped: ../shared is absent\n");
    return;
  }
  AudioClassifierOptions options = Options(model);
  options.classification_options.max_results = 3;
  auto classifier = AudioClassifier::CreateFromOptions(options);
  WavReader wav = WavReader::Open(shared + "/audio/speech.wav");
  std::vector<float> window(15600);
  CHECK_EQ(wav.ReadFrames(0, 15600, window.data()), 15600u);
  ClassificationResult result = classifier->Classify(window.data(), 15600);
  const auto& c = result.classifications[0].categories;
  CHECK_EQ(result.classifications[0].head_name, std::string("scores"));
  CHECK_EQ(c.size(), 3u);
  CHECK_EQ(c[0].category_name, std::string("Speech"));
  CHECK_NEAR(c[0].score, 0.91796875, 1e-6);
  CHECK_EQ(c[1].index, 500);
  CHECK_NEAR(c[1].score, 0.08203125, 1e-6);
  CHECK_EQ(c[2].index, 494);
  CHECK_NEAR(c[2].score, 0.015625, 1e-6);
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
