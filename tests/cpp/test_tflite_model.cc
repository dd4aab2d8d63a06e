// Tests for ParseTfliteModel: hand-assembled models (always run) and the
// models in ../shared (skipped when absent).
#include <cmath>
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
#include "audioclf/model/tflite_model.h"
#include "flatbuffer_test_builder.h"
#include "test_harness.h"

using audioclf_test::ReadFile;
using audioclf_test::SharedModel;

namespace {

using audioclf::ElementType;
using audioclf::ErrorKind;
using audioclf::ParseTfliteModel;
using audioclf::TfliteModelInfo;

// ---- hand-assembled models (TFLite schema field ids) ----------------------

fbtest::Table Tensor(const std::string& name, int8_t type,
                     const std::vector<int32_t>& shape) {
  fbtest::Table t;
  t.Scalars<int32_t>(0, shape).Scalar<int8_t>(1, type).String(3, name);
  return t;
}

fbtest::Table Quantization(const std::vector<float>& scale,
                           const std::vector<int64_t>& zero_point) {
  fbtest::Table q;
  q.Scalars<float>(2, scale);
  if (!zero_point.empty()) q.Scalars<int64_t>(3, zero_point);
  return q;
}

fbtest::Table MetadataEntry(const std::string& name, uint32_t buffer) {
  fbtest::Table m;
  m.String(0, name).Scalar<uint32_t>(1, buffer);
  return m;
}

fbtest::Table DataBuffer(const std::vector<uint8_t>& data) {
  fbtest::Table b;
  if (!data.empty()) b.Scalars<uint8_t>(0, data);
  return b;
}

// Recognisable bytes standing in for the metadata flatbuffer.
const std::vector<uint8_t> kMetadataBytes = {'m',  'e', 't', 'a', 0xa5,
                                             0x5a, 'e', 'n', 'd'};

struct ModelParts {
  std::vector<fbtest::Table> tensors;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<fbtest::Table> buffers;
  std::vector<fbtest::Table> metadata;
  bool with_subgraph = true;
};

ModelParts SampleParts() {
  ModelParts p;
  fbtest::Table scores = Tensor("scores", 3, {1, 6});
  scores.Sub(4, Quantization({1.0f / 256}, {0}));
  fbtest::Table per_axis = Tensor("per_axis", 9, {2, 3});
  per_axis.Sub(4, Quantization({0.1f, 0.2f}, {0, 1}));
  fbtest::Table no_zero_point = Tensor("no_zero_point", 7, {3});
  no_zero_point.Sub(4, Quantization({0.5f}, {}));
  p.tensors = {Tensor("audio", 0, {1, 16000}), scores, per_axis, no_zero_point,
               Tensor("scalar", 2, {})};
  p.inputs = {0};
  p.outputs = {1, 2, 3, 4};
  p.buffers = {DataBuffer({}), DataBuffer({1, 2, 3, 4}),
               DataBuffer(kMetadataBytes)};
  p.metadata = {MetadataEntry("min_runtime_version", 1),
                MetadataEntry("TFLITE_METADATA", 2)};
  return p;
}

std::vector<uint8_t> BuildModel(const ModelParts& p,
                                const std::string& identifier = "TFL3") {
  fbtest::Table model;
  model.Scalar<uint32_t>(0, 3);
  if (p.with_subgraph) {
    fbtest::Table subgraph;
    subgraph.Tables(0, p.tensors)
        .Scalars<int32_t>(1, p.inputs)
        .Scalars<int32_t>(2, p.outputs);
    model.Tables(2, {subgraph});
  } else {
    model.Tables(2, {});
  }
  model.Tables(4, p.buffers).Tables(6, p.metadata);
  return fbtest::Finish(model, identifier);
}

TfliteModelInfo Parse(const std::vector<uint8_t>& bytes,
                      const std::string& source = "model.tflite") {
  return ParseTfliteModel(bytes.data(), bytes.size(), source);
}

// True when parsing throws kInvalidArgument; false when it succeeds. Any
// other exception fails the calling test through the harness.
bool ThrowsInvalidArgument(const uint8_t* data, size_t size) {
  try {
    ParseTfliteModel(data, size, "fuzz.tflite");
  } catch (const audioclf::Error& e) {
    if (e.kind() != ErrorKind::kInvalidArgument) throw;
    return true;
  }
  return false;
}

// ---- ../shared ------------------------------------------------------------



std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace

TEST_CASE(element_type_helpers) {
  CHECK_EQ(std::string(audioclf::ElementTypeName(ElementType::kFloat32)),
           std::string("float32"));
  CHECK_EQ(std::string(audioclf::ElementTypeName(ElementType::kUInt8)),
           std::string("uint8"));
  CHECK_EQ(std::string(audioclf::ElementTypeName(ElementType::kUnknown)),
           std::string("unknown"));
  CHECK_EQ(audioclf::ElementSize(ElementType::kFloat32), 4u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kFloat16), 2u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kFloat64), 8u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kInt8), 1u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kInt64), 8u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kBool), 1u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kString), 0u);
  CHECK_EQ(audioclf::ElementSize(ElementType::kUnknown), 0u);

  audioclf::TensorInfo t;
  CHECK_EQ(t.ElementCount(), 1);  // scalar
  t.shape = {1, 521};
  CHECK_EQ(t.ElementCount(), 521);
  t.shape = {-1, 521};
  CHECK_EQ(t.ElementCount(), -1);
  t.shape = {0, 7};
  CHECK_EQ(t.ElementCount(), 0);
  t.shape = {0x7fffffff, 0x7fffffff, 0x7fffffff};  // overflows int64
  CHECK_EQ(t.ElementCount(), -1);
}

TEST_CASE(parses_hand_built_model) {
  const std::vector<uint8_t> bytes = BuildModel(SampleParts());
  const TfliteModelInfo info = Parse(bytes);
  CHECK_EQ(info.schema_version, 3u);
  CHECK_EQ(info.inputs.size(), 1u);
  CHECK_EQ(info.inputs[0].name, std::string("audio"));
  CHECK(info.inputs[0].type == ElementType::kFloat32);
  CHECK_EQ(ShapeString(info.inputs[0].shape), std::string("[1,16000]"));
  CHECK(!info.inputs[0].quantization.has_value());

  CHECK_EQ(info.outputs.size(), 4u);
  CHECK_EQ(info.outputs[0].name, std::string("scores"));
  CHECK(info.outputs[0].type == ElementType::kUInt8);
  CHECK_EQ(ShapeString(info.outputs[0].shape), std::string("[1,6]"));
  CHECK(info.outputs[0].quantization.has_value());
  CHECK_EQ(info.outputs[0].quantization->scale, 1.0f / 256);
  CHECK_EQ(info.outputs[0].quantization->zero_point, 0);
  // Per-axis quantization is not reported as a single scale.
  CHECK(info.outputs[1].type == ElementType::kInt8);
  CHECK(!info.outputs[1].quantization.has_value());
  // A missing zero_point vector means zero.
  CHECK(info.outputs[2].type == ElementType::kInt16);
  CHECK(info.outputs[2].quantization.has_value());
  CHECK_EQ(info.outputs[2].quantization->scale, 0.5f);
  CHECK_EQ(info.outputs[2].quantization->zero_point, 0);
  CHECK(info.outputs[3].type == ElementType::kInt32);
  CHECK(info.outputs[3].shape.empty());

  CHECK(info.has_metadata);
  CHECK_EQ(info.metadata_size, kMetadataBytes.size());
  CHECK_EQ(info.metadata_offset, fbtest::FindBytes(bytes, kMetadataBytes));
}

TEST_CASE(maps_every_tflite_type) {
  // TFLite TensorType numbering -> ElementType.
  const ElementType expected[] = {
      ElementType::kFloat32, ElementType::kFloat16, ElementType::kInt32,
      ElementType::kUInt8,   ElementType::kInt64,   ElementType::kString,
      ElementType::kBool,    ElementType::kInt16,   ElementType::kUnknown,
      ElementType::kInt8,    ElementType::kFloat64, ElementType::kUnknown,
      ElementType::kUnknown, ElementType::kUnknown, ElementType::kUnknown,
      ElementType::kUnknown, ElementType::kUnknown, ElementType::kUnknown,
      ElementType::kUnknown, ElementType::kUnknown, ElementType::kUnknown,
      ElementType::kUnknown, ElementType::kUnknown};
  ModelParts p;
  for (int type = 0; type < 23; ++type) {
    p.tensors.push_back(
        Tensor("t" + std::to_string(type), static_cast<int8_t>(type), {1}));
    p.outputs.push_back(type);
  }
  p.tensors.push_back(Tensor("negative", -1, {1}));
  p.outputs.push_back(23);
  const TfliteModelInfo info = Parse(BuildModel(p));
  CHECK_EQ(info.outputs.size(), 24u);
  for (int type = 0; type < 23; ++type) {
    CHECK(info.outputs[type].type == expected[type]);
  }
  CHECK(info.outputs[23].type == ElementType::kUnknown);
  CHECK(!info.has_metadata);
}

TEST_CASE(rejects_bad_headers) {
  CHECK_THROWS(ParseTfliteModel(nullptr, 0, "empty.tflite"),
               ErrorKind::kInvalidArgument,
               "empty.tflite: not a TFLite model (0 bytes is too small");
  const uint8_t three[3] = {'T', 'F', 'L'};
  CHECK_THROWS(ParseTfliteModel(three, 3, "three.tflite"),
               ErrorKind::kInvalidArgument, "3 bytes is too small");
  const std::vector<uint8_t> wrong = BuildModel(SampleParts(), "TFL2");
  CHECK_THROWS(Parse(wrong), ErrorKind::kInvalidArgument,
               "model.tflite: not a TFLite model (file identifier is 'TFL2', "
               "expected 'TFL3')");
  const std::string text = "<html><body>not a model</body></html>";
  CHECK_THROWS(ParseTfliteModel(reinterpret_cast<const uint8_t*>(text.data()),
                                text.size(), "page.html"),
               ErrorKind::kInvalidArgument,
               "file identifier is 'l><b', expected 'TFL3'");
}

TEST_CASE(rejects_bad_structure) {
  {
    ModelParts p = SampleParts();
    p.with_subgraph = false;
    CHECK_THROWS(Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
                 "model.tflite: subgraphs: model has no subgraphs");
  }
  {
    ModelParts p = SampleParts();
    p.outputs = {1, 7};
    CHECK_THROWS(Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
                 "model.tflite: subgraphs[0].outputs[1]: tensor index 7 out of "
                 "range (subgraph has 5 tensors)");
  }
  {
    ModelParts p = SampleParts();
    p.inputs = {-1};
    CHECK_THROWS(Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
                 "subgraphs[0].inputs[0]: tensor index -1 out of range");
  }
  {
    ModelParts p = SampleParts();
    p.metadata = {MetadataEntry("TFLITE_METADATA", 9)};
    CHECK_THROWS(
        Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
        "model.tflite: metadata[0].buffer: buffer index 9 out of range "
        "(model has 3 buffers)");
  }
  {
    ModelParts p = SampleParts();
    p.metadata = {MetadataEntry("TFLITE_METADATA", 0)};
    CHECK_THROWS(Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
                 "TFLITE_METADATA buffer 0 is empty");
  }
  {
    // The shape vector's length forged past the end of the file.
    ModelParts p = SampleParts();
    p.tensors[4] = Tensor("scalar", 2, {0x51525354});
    std::vector<uint8_t> bytes = BuildModel(p);
    const size_t at =
        fbtest::FindBytes(bytes, fbtest::LittleEndianBytes(0x51525354));
    const uint32_t huge = 1000000;
    std::memcpy(bytes.data() + at - 4, &huge, 4);
    CHECK_THROWS(
        Parse(bytes), ErrorKind::kInvalidArgument,
        "model.tflite: subgraphs[0].tensors[4].shape: vector of 1000000 "
        "x 4-byte elements extends past end of buffer");
  }
}

TEST_CASE(external_buffers) {
  // Models over 2 GB keep buffers outside the flatbuffer: offset (> 1) from
  // the start of the file, and size.
  ModelParts p = SampleParts();
  // The offset field has a fixed width, so a first build gives the size the
  // flatbuffer will have; the buffer's bytes are appended right after it.
  fbtest::Table external;
  external.Scalar<uint64_t>(1, 2).Scalar<uint64_t>(2, 5);
  p.buffers[2] = external;
  const size_t flatbuffer_size = BuildModel(p).size();
  external.Scalar<uint64_t>(1, flatbuffer_size);
  p.buffers[2] = external;
  std::vector<uint8_t> bytes = BuildModel(p);
  CHECK_EQ(bytes.size(), flatbuffer_size);
  const std::vector<uint8_t> payload = {'M', 'E', 'T', 'A', '!'};
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  const TfliteModelInfo info = Parse(bytes);
  CHECK(info.has_metadata);
  CHECK_EQ(info.metadata_offset, flatbuffer_size);
  CHECK_EQ(info.metadata_size, 5u);

  // Cut the appended bytes: the range is now past the end.
  std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 1);
  CHECK_THROWS(Parse(cut), ErrorKind::kInvalidArgument,
               "model.tflite: buffers[2].offset: external buffer extends past "
               "end of file (offset " +
                   std::to_string(flatbuffer_size) + ", size 5, file size " +
                   std::to_string(cut.size()) + ")");
  // A huge size must not wrap around.
  fbtest::Table wrapping;
  wrapping.Scalar<uint64_t>(1, 16).Scalar<uint64_t>(2, ~uint64_t{0} - 8);
  p.buffers[2] = wrapping;
  CHECK_THROWS(Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
               "external buffer extends past end of file");
  // offset <= 1 means "no external data": an empty metadata buffer.
  fbtest::Table placeholder;
  placeholder.Scalar<uint64_t>(1, 1).Scalar<uint64_t>(2, 5);
  p.buffers[2] = placeholder;
  CHECK_THROWS(Parse(BuildModel(p)), ErrorKind::kInvalidArgument,
               "TFLITE_METADATA buffer 2 is empty");
}

TEST_CASE(every_truncation_of_hand_built_model_throws) {
  const std::vector<uint8_t> bytes = BuildModel(SampleParts());
  Parse(bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    const bool threw = ThrowsInvalidArgument(bytes.data(), cut);
    if (!threw) std::printf("cut at %zu of %zu parsed\n", cut, bytes.size());
    CHECK(threw);
  }
}

TEST_CASE(random_bytes_and_damage_never_crash) {
  std::mt19937 rng(7);
  // Random bytes, half of them with a valid identifier to get further in.
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b(rng() % 400);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    if (b.size() >= 8 && trial % 2 == 0) {
      std::memcpy(b.data() + 4, "TFL3", 4);
      const uint32_t root = static_cast<uint32_t>(rng() % b.size());
      std::memcpy(b.data(), &root, 4);
    }
    // Random bytes essentially never form a model with a subgraph.
    CHECK(ThrowsInvalidArgument(b.data(), b.size()));
  }
  // Random damage to a valid model: parse or throw kInvalidArgument.
  const std::vector<uint8_t> model = BuildModel(SampleParts());
  int threw = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b = model;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      b[8 + rng() % (b.size() - 8)] = static_cast<uint8_t>(rng());
    }
    if (ThrowsInvalidArgument(b.data(), b.size())) ++threw;
  }
  CHECK(threw > 1000);
}

TEST_CASE(shared_yamnet) {
  const std::string path =
      SharedModel("yamnet_audio_classifier_with_metadata.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared yamnet model not found\n");
    return;
  }
  const std::vector<uint8_t> bytes = ReadFile(path);
  const TfliteModelInfo info = Parse(bytes, path);
  CHECK_EQ(info.schema_version, 3u);
  CHECK_EQ(info.inputs.size(), 1u);
  CHECK(info.inputs[0].type == ElementType::kFloat32);
  CHECK_EQ(ShapeString(info.inputs[0].shape), std::string("[15600]"));
  CHECK_EQ(info.inputs[0].name, std::string("waveform_binary"));
  CHECK_EQ(info.outputs.size(), 1u);
  CHECK(info.outputs[0].type == ElementType::kFloat32);
  CHECK_EQ(ShapeString(info.outputs[0].shape), std::string("[1,521]"));
  CHECK_EQ(info.outputs[0].ElementCount(), 521);
  CHECK(!info.outputs[0].quantization.has_value());
  CHECK(info.has_metadata);
  CHECK_EQ(info.metadata_offset, 664u);
  CHECK_EQ(info.metadata_size, 840u);
  CHECK(info.metadata_offset + info.metadata_size <= bytes.size());
  CHECK_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) +
                           info.metadata_offset + 4,
                       4),
           std::string("M001"));
}

TEST_CASE(shared_yamnet_truncations) {
  const std::string path =
      SharedModel("yamnet_audio_classifier_with_metadata.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared yamnet model not found\n");
    return;
  }
  const std::vector<uint8_t> bytes = ReadFile(path);
  // Every buffer's extent is checked, so any cut before the end of the last
  // weight buffer (byte 3836152) must be caught. Past that lie tables the
  // parser does not need (operator codes), then the appended zip of label
  // files from byte 4120440, whose loss leaves the model itself intact.
  const size_t weights_end = 3836152;
  const size_t zip_start = 4120440;
  std::mt19937 rng(99);
  std::vector<size_t> cuts = {0,
                              1,
                              4,
                              7,
                              8,
                              12,
                              100,
                              664,
                              700,
                              1503,
                              4096,
                              weights_end - 1,
                              weights_end - 100};
  for (int i = 0; i < 300; ++i) cuts.push_back(rng() % weights_end);
  for (size_t cut : cuts) {
    const bool threw = ThrowsInvalidArgument(bytes.data(), cut);
    if (!threw) std::printf("cut at %zu parsed\n", cut);
    CHECK(threw);
  }
  CHECK(!ThrowsInvalidArgument(bytes.data(), zip_start));
}

TEST_CASE(shared_two_heads_and_uint8) {
  const std::string two_heads = SharedModel("two_heads.tflite");
  const std::string uint8_model = SharedModel("uint8_output.tflite");
  const std::string stereo = SharedModel("stereo_44k.tflite");
  if (two_heads.empty() || uint8_model.empty() || stereo.empty()) {
    std::printf("skipped: ../shared models not found\n");
    return;
  }
  {
    const TfliteModelInfo info = Parse(ReadFile(two_heads), two_heads);
    CHECK_EQ(info.inputs.size(), 1u);
    CHECK_EQ(ShapeString(info.inputs[0].shape), std::string("[1,15600]"));
    CHECK_EQ(info.outputs.size(), 2u);
    // Output order is the subgraph's, not the tensor index order.
    CHECK_EQ(info.outputs[0].name, std::string("StatefulPartitionedCall_1:1"));
    CHECK_EQ(ShapeString(info.outputs[0].shape), std::string("[1,3]"));
    CHECK_EQ(info.outputs[1].name, std::string("StatefulPartitionedCall_1:0"));
    CHECK_EQ(ShapeString(info.outputs[1].shape), std::string("[1,4]"));
    CHECK(info.has_metadata);
    CHECK_EQ(info.metadata_size, 1364u);
  }
  {
    const TfliteModelInfo info = Parse(ReadFile(uint8_model), uint8_model);
    CHECK_EQ(ShapeString(info.inputs[0].shape), std::string("[1,16000]"));
    CHECK(info.inputs[0].type == ElementType::kFloat32);
    CHECK_EQ(info.outputs.size(), 1u);
    CHECK(info.outputs[0].type == ElementType::kUInt8);
    CHECK_EQ(ShapeString(info.outputs[0].shape), std::string("[1,6]"));
    CHECK(info.outputs[0].quantization.has_value());
    CHECK_EQ(info.outputs[0].quantization->scale, 1.0f / 256);
    CHECK_EQ(info.outputs[0].quantization->zero_point, 0);
    CHECK(info.has_metadata);
  }
  {
    const TfliteModelInfo info = Parse(ReadFile(stereo), stereo);
    CHECK_EQ(ShapeString(info.inputs[0].shape), std::string("[1,44100]"));
    CHECK_EQ(ShapeString(info.outputs[0].shape), std::string("[1,5]"));
    CHECK(info.has_metadata);
  }
}

TEST_CASE(shared_model_without_metadata) {
  const std::string path = SharedModel("model_without_metadata.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared model_without_metadata not found\n");
    return;
  }
  const TfliteModelInfo info = Parse(ReadFile(path), path);
  CHECK(!info.has_metadata);
  CHECK_EQ(info.metadata_size, 0u);
  CHECK_EQ(info.inputs.size(), 1u);
  CHECK(info.inputs[0].type == ElementType::kFloat32);
  CHECK_EQ(ShapeString(info.inputs[0].shape), std::string("[5360]"));
  CHECK_EQ(info.outputs.size(), 1u);
  CHECK_EQ(ShapeString(info.outputs[0].shape), std::string("[1,527]"));
  CHECK_EQ(info.outputs[0].name, std::string("tower0/network/layer13/Sigmoid"));
}
