// Tests for ParseModelMetadata: hand-assembled metadata (always run) and the
// metadata of the models in ../shared (skipped when absent).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/model_metadata.h"
#include "audioclf/model/tflite_model.h"
#include "audioclf/model/zip_archive.h"
#include "flatbuffer_test_builder.h"
#include "test_harness.h"

using audioclf_test::ReadFile;
using audioclf_test::SharedModel;

namespace {

using audioclf::AssociatedFileType;
using audioclf::ErrorKind;
using audioclf::ModelMetadata;
using audioclf::ParseModelMetadata;
using audioclf::ScoreTransformation;

// ---- hand-assembled metadata (metadata_schema.fbs field ids) --------------

fbtest::Table File(const std::string& name, int8_t type,
                   const std::string& locale = "",
                   const std::string& version = "") {
  fbtest::Table f;
  f.String(0, name).String(1, "about " + name).Scalar<int8_t>(2, type);
  if (!locale.empty()) f.String(3, locale);
  if (!version.empty()) f.String(4, version);
  return f;
}

// ProcessUnit { options_type (0), options (1) }
fbtest::Table Calibration(int8_t transformation, float default_score) {
  fbtest::Table options;
  options.Scalar<int8_t>(0, transformation).Scalar<float>(1, default_score);
  fbtest::Table unit;
  unit.Union(0, 2, options);
  return unit;
}

fbtest::Table Threshold(float threshold) {
  fbtest::Table options;
  options.Scalar<float>(0, threshold);
  fbtest::Table unit;
  unit.Union(0, 3, options);
  return unit;
}

fbtest::Table Normalization() {
  fbtest::Table options;
  options.Scalars<float>(0, {127.5f}).Scalars<float>(1, {127.5f});
  fbtest::Table unit;
  unit.Union(0, 1, options);
  return unit;
}

// Content { content_properties_type (0), content_properties (1), range (2) }
fbtest::Table AudioContent(uint32_t sample_rate, uint32_t channels) {
  fbtest::Table audio;
  audio.Scalar<uint32_t>(0, sample_rate).Scalar<uint32_t>(1, channels);
  fbtest::Table content;
  content.Union(0, 4, audio);
  return content;
}

fbtest::Table FeatureContent() {
  fbtest::Table content;
  content.Union(0, 1, fbtest::Table());
  return content;
}

fbtest::Table SampleRoot(int8_t transformation = 2) {
  fbtest::Table input;
  input.String(0, "audio_clip")
      .String(1, "44.1 kHz stereo")
      .Sub(3, AudioContent(44100, 2));
  fbtest::Table loudness;
  loudness.String(0, "loudness")
      .String(1, "multi-label")
      .Sub(3, FeatureContent())
      .Tables(4, {Calibration(transformation, 0.2f), Threshold(0.3f),
                  Calibration(1, 0.9f)})
      .Tables(6, {File("loudness_en.txt", 2, "en"),
                  File("loudness_fr.txt", 2, "fr", "v2"),
                  File("calibration.txt", 4)});
  fbtest::Table kind;
  kind.String(0, "sound_type")
      .Tables(4, {Normalization()})
      .Tables(6,
              {File("odd.bin", 9), File("index.ldb", 6), File("neg.bin", -1)});
  fbtest::Table subgraph;
  subgraph.String(0, "main").Tables(2, {input}).Tables(3, {loudness, kind});
  fbtest::Table root;
  root.String(0, "sample")
      .String(1, "a test model")
      .String(2, "v7")
      .Tables(3, {subgraph})
      .String(4, "someone")
      .Tables(6, {File("readme.txt", 1)})
      .String(7, "1.3.0");
  return root;
}

std::vector<uint8_t> BuildMetadata(const fbtest::Table& root,
                                   const std::string& identifier = "M001") {
  return fbtest::Finish(root, identifier);
}

ModelMetadata Parse(const std::vector<uint8_t>& bytes) {
  return ParseModelMetadata(bytes.data(), bytes.size(), "meta.bin");
}

bool ThrowsInvalidArgument(const uint8_t* data, size_t size) {
  try {
    ParseModelMetadata(data, size, "fuzz");
  } catch (const audioclf::Error& e) {
    if (e.kind() != ErrorKind::kInvalidArgument) throw;
    return true;
  }
  return false;
}

// ---- ../shared ------------------------------------------------------------



// The model bytes and its parsed metadata.
struct SharedMetadata {
  std::vector<uint8_t> model;
  ModelMetadata metadata;
};

SharedMetadata LoadShared(const std::string& path) {
  SharedMetadata out;
  out.model = ReadFile(path);
  const audioclf::TfliteModelInfo info =
      audioclf::ParseTfliteModel(out.model.data(), out.model.size(), path);
  CHECK(info.has_metadata);
  out.metadata = ParseModelMetadata(out.model.data() + info.metadata_offset,
                                    info.metadata_size, path);
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE(parses_hand_built_metadata) {
  const ModelMetadata m = Parse(BuildMetadata(SampleRoot()));
  CHECK_EQ(m.name, std::string("sample"));
  CHECK_EQ(m.description, std::string("a test model"));
  CHECK_EQ(m.version, std::string("v7"));
  CHECK_EQ(m.min_parser_version, std::string("1.3.0"));
  CHECK_EQ(m.associated_files.size(), 1u);
  CHECK_EQ(m.associated_files[0].name, std::string("readme.txt"));
  CHECK(m.associated_files[0].type == AssociatedFileType::kDescriptions);

  CHECK_EQ(m.input_tensors.size(), 1u);
  CHECK_EQ(m.input_tensors[0].name, std::string("audio_clip"));
  CHECK_EQ(m.input_tensors[0].description, std::string("44.1 kHz stereo"));
  CHECK(m.input_tensors[0].audio_properties.has_value());
  CHECK_EQ(m.input_tensors[0].audio_properties->sample_rate, 44100u);
  CHECK_EQ(m.input_tensors[0].audio_properties->channels, 2u);
  CHECK(!m.input_tensors[0].score_calibration.has_value());

  CHECK_EQ(m.output_tensors.size(), 2u);
  const audioclf::TensorMetadata& loudness = m.output_tensors[0];
  CHECK_EQ(loudness.name, std::string("loudness"));
  CHECK(!loudness.audio_properties.has_value());  // FeatureProperties
  CHECK(loudness.score_calibration.has_value());
  CHECK(loudness.score_calibration->transformation ==
        ScoreTransformation::kInverseLogistic);
  CHECK_EQ(loudness.score_calibration->default_score, 0.2f);  // first unit
  CHECK(loudness.score_threshold.has_value());
  CHECK_EQ(*loudness.score_threshold, 0.3f);
  CHECK_EQ(loudness.associated_files.size(), 3u);
  CHECK_EQ(loudness.associated_files[0].name, std::string("loudness_en.txt"));
  CHECK_EQ(loudness.associated_files[0].description,
           std::string("about loudness_en.txt"));
  CHECK(loudness.associated_files[0].type ==
        AssociatedFileType::kTensorAxisLabels);
  CHECK_EQ(loudness.associated_files[0].locale, std::string("en"));
  CHECK_EQ(loudness.associated_files[0].version, std::string(""));
  CHECK_EQ(loudness.associated_files[1].locale, std::string("fr"));
  CHECK_EQ(loudness.associated_files[1].version, std::string("v2"));
  CHECK(loudness.associated_files[2].type ==
        AssociatedFileType::kTensorAxisScoreCalibration);
  CHECK_EQ(loudness.associated_files[2].locale, std::string(""));

  const audioclf::TensorMetadata& kind = m.output_tensors[1];
  CHECK_EQ(kind.name, std::string("sound_type"));
  CHECK_EQ(kind.description, std::string(""));
  CHECK(!kind.score_calibration.has_value());  // normalization is ignored
  CHECK(!kind.score_threshold.has_value());
  CHECK_EQ(kind.associated_files.size(), 3u);
  CHECK(kind.associated_files[0].type == AssociatedFileType::kUnknown);
  CHECK(kind.associated_files[1].type == AssociatedFileType::kScannIndexFile);
  CHECK(kind.associated_files[2].type == AssociatedFileType::kUnknown);
}

TEST_CASE(minimal_metadata) {
  // No subgraph metadata at all, and an empty subgraph list.
  fbtest::Table bare;
  bare.String(0, "bare");
  ModelMetadata m = Parse(BuildMetadata(bare));
  CHECK_EQ(m.name, std::string("bare"));
  CHECK(m.input_tensors.empty());
  CHECK(m.output_tensors.empty());
  CHECK(m.associated_files.empty());
  CHECK_EQ(m.min_parser_version, std::string(""));
  fbtest::Table empty_list;
  empty_list.Tables(3, {});
  m = Parse(BuildMetadata(empty_list));
  CHECK(m.output_tensors.empty());
}

TEST_CASE(score_transformations) {
  ModelMetadata m = Parse(BuildMetadata(SampleRoot(0)));
  CHECK(m.output_tensors[0].score_calibration->transformation ==
        ScoreTransformation::kIdentity);
  m = Parse(BuildMetadata(SampleRoot(1)));
  CHECK(m.output_tensors[0].score_calibration->transformation ==
        ScoreTransformation::kLog);
  // A transformation from a newer schema cannot be applied faithfully.
  CHECK_THROWS(Parse(BuildMetadata(SampleRoot(5))), ErrorKind::kInvalidArgument,
               "meta.bin: subgraph_metadata[0].output_tensor_metadata[0]."
               "process_units[0].options.score_transformation: unsupported "
               "score transformation 5");
}

TEST_CASE(rejects_bad_bytes) {
  CHECK_THROWS(
      ParseModelMetadata(nullptr, 0, "meta.bin"), ErrorKind::kInvalidArgument,
      "meta.bin: not a TFLite metadata flatbuffer (0 bytes is too small");
  const uint8_t three[3] = {1, 2, 3};
  CHECK_THROWS(ParseModelMetadata(three, 3, "meta.bin"),
               ErrorKind::kInvalidArgument, "3 bytes is too small");
  CHECK_THROWS(Parse(BuildMetadata(SampleRoot(), "TFL3")),
               ErrorKind::kInvalidArgument,
               "meta.bin: not a TFLite metadata flatbuffer (file identifier is "
               "'TFL3', expected 'M001')");
  {
    // An offset (to the loudness label file's name) past the end.
    std::vector<uint8_t> b = BuildMetadata(SampleRoot());
    const size_t at = fbtest::FindString(b, "loudness_fr.txt");
    const uint32_t huge = 0x00ffffff;
    std::memcpy(b.data() + at - 4, &huge, 4);
    CHECK_THROWS(Parse(b), ErrorKind::kInvalidArgument,
                 "meta.bin: subgraph_metadata[0].output_tensor_metadata[0]."
                 "associated_files[1].name: string of 16777215 bytes extends "
                 "past end of buffer");
  }
  {
    // The process_units vector's length forged.
    fbtest::Table tensor;
    tensor.String(0, "t").Tables(4, {Threshold(0.5f)});
    fbtest::Table subgraph;
    subgraph.Tables(3, {tensor});
    fbtest::Table root;
    root.Tables(3, {subgraph});
    std::vector<uint8_t> b = BuildMetadata(root);
    const ModelMetadata intact = Parse(b);
    CHECK_EQ(intact.output_tensors[0].score_threshold.value_or(0.0f), 0.5f);
    // Vectors of tables hold one offset each; find the one-element vector
    // right after tensor "t"'s name.
    const size_t name = fbtest::FindBytes(b, {1, 0, 0, 0, 't', 0});
    CHECK(name != std::string::npos);
    size_t length_at = name + 6;
    while (length_at % 4) ++length_at;
    CHECK_EQ(b[length_at], 1);
    const uint32_t huge = 0x7fffffff;
    std::memcpy(b.data() + length_at, &huge, 4);
    CHECK_THROWS(
        Parse(b), ErrorKind::kInvalidArgument,
        "output_tensor_metadata[0].process_units: vector of 2147483647 "
        "x 4-byte elements extends past end of buffer");
  }
}

TEST_CASE(every_truncation_throws) {
  const std::vector<uint8_t> bytes = BuildMetadata(SampleRoot());
  Parse(bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    const bool threw = ThrowsInvalidArgument(bytes.data(), cut);
    if (!threw) std::printf("cut at %zu of %zu parsed\n", cut, bytes.size());
    CHECK(threw);
  }
}

TEST_CASE(random_bytes_and_damage_never_crash) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b(rng() % 400);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    if (b.size() >= 8 && trial % 2 == 0) {
      std::memcpy(b.data() + 4, "M001", 4);
      const uint32_t root = static_cast<uint32_t>(rng() % b.size());
      std::memcpy(b.data(), &root, 4);
    }
    ThrowsInvalidArgument(b.data(), b.size());
  }
  const std::vector<uint8_t> good = BuildMetadata(SampleRoot());
  int threw = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      b[8 + rng() % (b.size() - 8)] = static_cast<uint8_t>(rng());
    }
    if (ThrowsInvalidArgument(b.data(), b.size())) ++threw;
  }
  CHECK(threw > 1000);
}

TEST_CASE(shared_yamnet_metadata) {
  const std::string path =
      SharedModel("yamnet_audio_classifier_with_metadata.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared yamnet model not found\n");
    return;
  }
  const SharedMetadata shared = LoadShared(path);
  const ModelMetadata& m = shared.metadata;
  CHECK_EQ(m.name, std::string("yamnet/classification"));
  CHECK_EQ(m.version, std::string("v1"));
  CHECK_EQ(m.min_parser_version, std::string("1.3.0"));
  CHECK_EQ(m.input_tensors.size(), 1u);
  CHECK_EQ(m.input_tensors[0].name, std::string("audio_clip"));
  CHECK(m.input_tensors[0].audio_properties.has_value());
  CHECK_EQ(m.input_tensors[0].audio_properties->sample_rate, 16000u);
  CHECK_EQ(m.input_tensors[0].audio_properties->channels, 1u);
  CHECK_EQ(m.output_tensors.size(), 1u);
  const audioclf::TensorMetadata& scores = m.output_tensors[0];
  CHECK_EQ(scores.name, std::string("scores"));
  CHECK(!scores.score_calibration.has_value());
  CHECK(!scores.score_threshold.has_value());
  CHECK_EQ(scores.associated_files.size(), 1u);
  const audioclf::AssociatedFile& labels = scores.associated_files[0];
  CHECK_EQ(labels.name, std::string("yamnet_label_list.txt"));
  CHECK(labels.type == AssociatedFileType::kTensorAxisLabels);
  CHECK_EQ(labels.locale, std::string(""));

  const audioclf::ZipArchive zip = audioclf::ZipArchive::Parse(
      shared.model.data(), shared.model.size(), path);
  CHECK(zip.Contains(labels.name));
  const std::vector<std::string> lines = Lines(zip.Read(labels.name));
  CHECK_EQ(lines.size(), 521u);
  CHECK_EQ(lines[0], std::string("Speech"));
  CHECK_EQ(lines[1], std::string("Child speech, kid speaking"));

  // The metadata range cut short must fail, not read past it.
  const audioclf::TfliteModelInfo info = audioclf::ParseTfliteModel(
      shared.model.data(), shared.model.size(), path);
  for (size_t cut = 0; cut < info.metadata_size; cut += 7) {
    CHECK(
        ThrowsInvalidArgument(shared.model.data() + info.metadata_offset, cut));
  }
}

TEST_CASE(shared_two_heads_metadata) {
  const std::string path = SharedModel("two_heads.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared two_heads model not found\n");
    return;
  }
  const SharedMetadata shared = LoadShared(path);
  const ModelMetadata& m = shared.metadata;
  CHECK_EQ(m.name, std::string("two_heads"));
  CHECK_EQ(m.input_tensors.size(), 1u);
  CHECK_EQ(m.input_tensors[0].audio_properties->sample_rate, 16000u);
  CHECK_EQ(m.input_tensors[0].audio_properties->channels, 1u);
  CHECK_EQ(m.output_tensors.size(), 2u);

  const audioclf::TensorMetadata& loudness = m.output_tensors[0];
  CHECK_EQ(loudness.name, std::string("loudness"));
  CHECK(loudness.score_calibration.has_value());
  CHECK(loudness.score_calibration->transformation ==
        ScoreTransformation::kInverseLogistic);
  CHECK_NEAR(loudness.score_calibration->default_score, 0.2, 1e-7);
  CHECK(!loudness.score_threshold.has_value());
  CHECK_EQ(loudness.associated_files.size(), 3u);
  CHECK_EQ(loudness.associated_files[0].name, std::string("loudness_en.txt"));
  CHECK(loudness.associated_files[0].type ==
        AssociatedFileType::kTensorAxisLabels);
  CHECK_EQ(loudness.associated_files[0].locale, std::string("en"));
  CHECK_EQ(loudness.associated_files[1].name, std::string("loudness_fr.txt"));
  CHECK_EQ(loudness.associated_files[1].locale, std::string("fr"));
  CHECK_EQ(loudness.associated_files[2].name,
           std::string("loudness_calibration.txt"));
  CHECK(loudness.associated_files[2].type ==
        AssociatedFileType::kTensorAxisScoreCalibration);

  const audioclf::TensorMetadata& sound_type = m.output_tensors[1];
  CHECK_EQ(sound_type.name, std::string("sound_type"));
  CHECK(!sound_type.score_calibration.has_value());
  CHECK_EQ(sound_type.associated_files.size(), 2u);
  CHECK_EQ(sound_type.associated_files[0].name,
           std::string("sound_type_en.txt"));
  CHECK_EQ(sound_type.associated_files[0].locale, std::string("en"));
  CHECK_EQ(sound_type.associated_files[1].name,
           std::string("sound_type_fr.txt"));
  CHECK_EQ(sound_type.associated_files[1].locale, std::string("fr"));

  // Every file the metadata names is in the zip.
  const audioclf::ZipArchive zip = audioclf::ZipArchive::Parse(
      shared.model.data(), shared.model.size(), path);
  for (const auto& tensor : m.output_tensors) {
    for (const auto& file : tensor.associated_files) {
      CHECK(zip.Contains(file.name));
    }
  }
  CHECK_EQ(Lines(zip.Read("loudness_en.txt")).size(), 3u);
  CHECK_EQ(Lines(zip.Read("sound_type_fr.txt")).size(), 4u);
  // Class 1 has no calibration parameters: its line is empty.
  const std::vector<std::string> calibration =
      Lines(zip.Read("loudness_calibration.txt"));
  CHECK_EQ(calibration.size(), 3u);
  CHECK_EQ(calibration[0], std::string("0.9,2.0,-0.4"));
  CHECK_EQ(calibration[1], std::string(""));
}

TEST_CASE(shared_stereo_and_uint8_metadata) {
  const std::string stereo = SharedModel("stereo_44k.tflite");
  const std::string uint8_model = SharedModel("uint8_output.tflite");
  if (stereo.empty() || uint8_model.empty()) {
    std::printf("skipped: ../shared models not found\n");
    return;
  }
  {
    const ModelMetadata m = LoadShared(stereo).metadata;
    CHECK_EQ(m.input_tensors[0].audio_properties->sample_rate, 44100u);
    CHECK_EQ(m.input_tensors[0].audio_properties->channels, 2u);
    CHECK_EQ(m.output_tensors.size(), 1u);
    CHECK_EQ(m.output_tensors[0].name, std::string("probability"));
    CHECK_EQ(m.output_tensors[0].associated_files.size(), 2u);
    CHECK_EQ(m.output_tensors[0].associated_files[0].locale, std::string("en"));
    CHECK_EQ(m.output_tensors[0].associated_files[1].name,
             std::string("stereo_es.txt"));
    CHECK_EQ(m.output_tensors[0].associated_files[1].locale, std::string("es"));
  }
  {
    const ModelMetadata m = LoadShared(uint8_model).metadata;
    CHECK_EQ(m.input_tensors[0].audio_properties->sample_rate, 16000u);
    CHECK_EQ(m.output_tensors[0].associated_files.size(), 1u);
    CHECK_EQ(m.output_tensors[0].associated_files[0].name,
             std::string("uint8_en.txt"));
    CHECK_EQ(m.output_tensors[0].associated_files[0].locale, std::string(""));
  }
}
