// Tests for ValidateTfliteGraph on hand-assembled graphs: a valid
// FULLY_CONNECTED -> SOFTMAX classifier, then one defect at a time.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/graph_validator.h"
#include "flatbuffer_test_builder.h"
#include "test_harness.h"

using audioclf_test::ReadFile;
using audioclf_test::SharedModel;

namespace {

using audioclf::ErrorKind;

constexpr int8_t kFloat32 = 0;
constexpr int8_t kUInt8 = 3;
constexpr int32_t kFullyConnected = 9;
constexpr int32_t kSoftmax = 25;
constexpr int32_t kWhile = 119;
constexpr uint8_t kWhileOptions = 93;

struct TensorSpec {
  std::vector<int32_t> shape;
  int8_t type = kFloat32;
  uint32_t buffer = 0;
  std::vector<float> scales;  // quantization, when not empty
  std::vector<int64_t> zero_points;
  bool is_variable = false;
};

struct OpSpec {
  uint32_t opcode_index = 0;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  int32_t called_subgraph = -1;  // WHILE: cond and body
};

struct SubgraphSpec {
  std::vector<TensorSpec> tensors;
  std::vector<int32_t> inputs, outputs;
  std::vector<OpSpec> ops;
};

struct Graph {
  std::vector<int32_t> opcodes;
  std::vector<std::vector<uint8_t>> buffers;  // [0] is the empty sentinel
  std::vector<SubgraphSpec> subgraphs;
  int32_t signature_tensor = -1;  // a signature output, when >= 0
};

TensorSpec T(std::vector<int32_t> shape, uint32_t buffer = 0) {
  TensorSpec t;
  t.shape = std::move(shape);
  t.buffer = buffer;
  return t;
}

// audio [1,4] -> FC(weights [3,4], bias [3]) -> logits [1,3] -> SOFTMAX.
Graph Classifier() {
  Graph g;
  g.opcodes = {kFullyConnected, kSoftmax};
  g.buffers = {{}, std::vector<uint8_t>(3 * 4 * 4, 0),
               std::vector<uint8_t>(3 * 4, 0)};
  SubgraphSpec s;
  s.tensors = {T({1, 4}), T({3, 4}, 1), T({3}, 2), T({1, 3}), T({1, 3})};
  s.inputs = {0};
  s.outputs = {4};
  s.ops = {{0, {0, 1, 2}, {3}}, {1, {3}, {4}}};
  g.subgraphs = {s};
  return g;
}

std::vector<uint8_t> Build(const Graph& g) {
  std::vector<fbtest::Table> codes;
  for (int32_t code : g.opcodes) {
    fbtest::Table c;
    c.Scalar<int8_t>(0, static_cast<int8_t>(code < 127 ? code : 127))
        .Scalar<int32_t>(2, 1)
        .Scalar<int32_t>(3, code);
    codes.push_back(c);
  }
  std::vector<fbtest::Table> buffers;
  for (const auto& data : g.buffers) {
    fbtest::Table b;
    if (!data.empty()) b.Scalars<uint8_t>(0, data);
    buffers.push_back(b);
  }
  std::vector<fbtest::Table> subgraphs;
  for (const SubgraphSpec& s : g.subgraphs) {
    std::vector<fbtest::Table> tensors;
    for (const TensorSpec& t : s.tensors) {
      fbtest::Table table;
      table.Scalars<int32_t>(0, t.shape)
          .Scalar<int8_t>(1, t.type)
          .Scalar<uint32_t>(2, t.buffer)
          .String(3, "t");
      if (!t.scales.empty()) {
        fbtest::Table q;
        q.Scalars<float>(2, t.scales).Scalars<int64_t>(3, t.zero_points);
        table.Sub(4, q);
      }
      if (t.is_variable) table.Scalar<uint8_t>(5, 1);
      tensors.push_back(table);
    }
    std::vector<fbtest::Table> ops;
    for (const OpSpec& o : s.ops) {
      fbtest::Table op;
      op.Scalar<uint32_t>(0, o.opcode_index)
          .Scalars<int32_t>(1, o.inputs)
          .Scalars<int32_t>(2, o.outputs);
      if (o.called_subgraph >= 0) {
        fbtest::Table options;
        options.Scalar<int32_t>(0, o.called_subgraph)
            .Scalar<int32_t>(1, o.called_subgraph);
        op.Union(3, kWhileOptions, options);
      }
      ops.push_back(op);
    }
    fbtest::Table subgraph;
    subgraph.Tables(0, tensors)
        .Scalars<int32_t>(1, s.inputs)
        .Scalars<int32_t>(2, s.outputs)
        .Tables(3, ops);
    subgraphs.push_back(subgraph);
  }
  fbtest::Table model;
  model.Scalar<uint32_t>(0, 3)
      .Tables(1, codes)
      .Tables(2, subgraphs)
      .Tables(4, buffers);
  if (g.signature_tensor >= 0) {
    fbtest::Table map;
    map.String(0, "scores").Scalar<uint32_t>(1, g.signature_tensor);
    fbtest::Table signature;
    signature.Tables(1, {map}).String(2, "serving_default");
    model.Tables(7, {signature});
  }
  return fbtest::Finish(model, "TFL3");
}

void Validate(const Graph& g) {
  const std::vector<uint8_t> bytes = Build(g);
  audioclf::ValidateTfliteGraph(bytes.data(), bytes.size(), "m.tflite");
}

}  // namespace

TEST_CASE(valid_classifier_and_optional_bias) {
  Validate(Classifier());
  Graph g = Classifier();
  g.subgraphs[0].ops[0].inputs[2] = -1;  // FULLY_CONNECTED's bias is optional
  Validate(g);
  g.signature_tensor = 4;
  Validate(g);
}

TEST_CASE(required_input_given_as_minus_one) {
  Graph g = Classifier();
  g.subgraphs[0].ops[0].inputs[0] = -1;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "m.tflite: subgraphs[0].operators[0].inputs[0]: input 0 of "
               "operator code 9 is required");
  g = Classifier();
  g.subgraphs[0].ops[1].inputs[0] = -1;  // SOFTMAX has no optional input
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].inputs[0]");
}

TEST_CASE(indices_out_of_range) {
  Graph g = Classifier();
  g.subgraphs[0].ops[1].inputs[0] = 5;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].inputs[0]: tensor index 5 out of range "
               "(subgraph has 5 tensors)");
  g = Classifier();
  g.subgraphs[0].ops[1].outputs[0] = -1;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].outputs[0]: tensor index -1");
  g = Classifier();
  g.subgraphs[0].ops[1].opcode_index = 2;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].opcode_index: operator code index 2 out of range "
               "(model has 2 operator codes)");
  g = Classifier();
  g.subgraphs[0].tensors[1].buffer = 7;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensors[1].buffer: buffer index 7 out of range");
  g = Classifier();
  g.subgraphs[0].inputs = {9};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument, "inputs[0]");
  g = Classifier();
  g.signature_tensor = 5;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensor_index: tensor 5 out of range");
  g = Classifier();
  g.opcodes[1] = -3;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "negative operator code -3");
}

TEST_CASE(input_and_output_counts) {
  Graph g = Classifier();
  g.opcodes[1] = 65;  // SLICE reads 3 inputs unchecked; SOFTMAX gives 1
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].inputs: operator code 65 takes 3 inputs, found 1");
  g = Classifier();
  g.subgraphs[0].ops[1].outputs.clear();
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].outputs: operator code 25 has no outputs");
  g = Classifier();
  g.opcodes[0] = 49;  // SPLIT without SplitOptions
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operator code 49 splits into 0 parts but has 1 output");
}

TEST_CASE(element_types_an_operator_reads_and_writes) {
  Graph g = Classifier();
  g.subgraphs[0].tensors[4].type = kUInt8;  // SOFTMAX float32 -> uint8
  g.subgraphs[0].tensors[4].scales = {1.0f / 256};
  g.subgraphs[0].tensors[4].zero_points = {0};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].inputs[0]: operator code 25 reads element type 0 "
               "but writes element type 3 (they must match)");
  g = Classifier();
  for (size_t t : {0, 3, 4}) g.subgraphs[0].tensors[t].type = kUInt8;
  g.subgraphs[0].tensors[0].scales = {0.5f};
  g.subgraphs[0].tensors[0].zero_points = {0};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[0].outputs[0]: integer output of operator code 9 has "
               "no quantization scale");
  g.subgraphs[0].tensors[0].scales.clear();
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[0].inputs[0]: integer input of operator code 9 has no "
               "quantization scale");
}

TEST_CASE(dataflow) {
  Graph g = Classifier();
  // SOFTMAX reads its own output: nothing has written it yet.
  g.subgraphs[0].ops[1].inputs[0] = 4;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "operators[1].inputs[0]: tensor 4 is read before any operator "
               "writes it");
  g = Classifier();
  std::swap(g.subgraphs[0].ops[0], g.subgraphs[0].ops[1]);  // wrong order
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensor 3 is read before any operator writes it");
  g = Classifier();
  g.subgraphs[0].outputs = {3, 2, 4};  // a constant output is fine
  Validate(g);
  g.subgraphs[0].ops.pop_back();  // nothing writes output 4 now
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "outputs[2]: output tensor 4 is never written");
  g = Classifier();
  g.subgraphs[0].tensors[3].is_variable = true;  // state: readable at once
  g.subgraphs[0].ops[1].inputs[0] = 3;
  Validate(g);
}

TEST_CASE(constants_must_hold_their_shape) {
  Graph g = Classifier();
  g.subgraphs[0].tensors[1].shape = {3, 64};  // weights buffer holds [3, 4]
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensors[1].buffer: constant holds 48 bytes but its shape "
               "needs 768");
  g = Classifier();
  g.subgraphs[0].tensors[0].shape = {1, -4};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensors[0].shape: dimension 1 is -4 (expected >= 0)");
  g = Classifier();
  g.subgraphs[0].tensors[3].shape = {0x7fffffff, 0x7fffffff, 0x7fffffff};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensors[3].shape: the shape's size exceeds the limit");
  g = Classifier();
  g.subgraphs[0].tensors[3].shape = {1, 1 << 29};  // 2 GiB of float32
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument, "exceeds the limit");
  g = Classifier();
  g.subgraphs[0].tensors[3].shape = {1, 1 << 26};  // 256 MiB, with the rest more
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "tensors[3].shape: the model's tensors that are not constants come to "
               "more than the limit of 268435456 bytes");
  g.subgraphs[0].tensors[3].shape = {1, 1 << 24};  // 64 MiB is fine
  Validate(g);
}

TEST_CASE(quantization_scales) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (float bad : {0.0f, -1.0f, nan, inf, 1e-45f, 1e38f}) {
    Graph g = Classifier();
    g.subgraphs[0].tensors[4].type = kUInt8;
    g.subgraphs[0].tensors[4].scales = {bad};
    g.subgraphs[0].tensors[4].zero_points = {0};
    CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
                 "tensors[4].quantization.scale: scale[0] is");
  }
  Graph g = Classifier();
  g.subgraphs[0].tensors[4].scales = {1.0f / 256};
  g.subgraphs[0].tensors[4].zero_points = {0};
  Validate(g);
  g.subgraphs[0].tensors[4].zero_points = {0, 0};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "2 zero points for 1 scale");
  g.subgraphs[0].tensors[4].type = kUInt8;
  for (int64_t zp : {int64_t{-128}, int64_t{256}, int64_t{1} << 40}) {
    g.subgraphs[0].tensors[4].zero_points = {zp};
    CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
                 "quantization.zero_point: zero_point[0] is " + std::to_string(zp) +
                     ", outside 0..255");
  }
  g.subgraphs[0].tensors[4].zero_points = {255};
  g.subgraphs[0].tensors[3].type = kUInt8;  // FC writes what SOFTMAX reads
  g.subgraphs[0].tensors[3].scales = {0.5f};
  g.subgraphs[0].tensors[3].zero_points = {0};
  g.subgraphs[0].tensors[0].type = kUInt8;
  g.subgraphs[0].tensors[0].scales = {0.5f};
  g.subgraphs[0].tensors[0].zero_points = {0};
  Validate(g);
  g = Classifier();
  g.subgraphs[0].tensors[4].scales = {0.5f, 0.5f};  // axis 0 has size 1
  g.subgraphs[0].tensors[4].zero_points = {0, 0};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "quantized_dimension: per-axis quantization along dimension 0");
}

TEST_CASE(called_subgraphs) {
  Graph g = Classifier();
  g.opcodes.push_back(kWhile);
  SubgraphSpec loop;
  loop.tensors = {T({1, 3}), T({1, 3})};
  loop.inputs = {0};
  loop.outputs = {1};
  loop.ops = {{2, {0}, {1}, 1}};  // subgraph 1 calls itself
  g.subgraphs.push_back(loop);
  g.subgraphs[0].ops.push_back({2, {4}, {3}, 1});
  g.subgraphs[0].outputs = {3};
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "subgraph 1 calls subgraph 1, which is already being called");
  g.subgraphs[1].ops[0].called_subgraph = 5;
  CHECK_THROWS(Validate(g), ErrorKind::kInvalidArgument,
               "calls subgraph 5 (expected 1..1)");
  g.subgraphs[1].ops.clear();  // no call: no recursion
  g.subgraphs[1].outputs = {0};
  Validate(g);
}

TEST_CASE(every_truncation_and_byte_flip_is_clean) {
  const std::vector<uint8_t> valid = Build(Classifier());
  for (size_t n = 0; n < valid.size(); ++n) {
    try {
      audioclf::ValidateTfliteGraph(valid.data(), n, "cut.tflite");
    } catch (const audioclf::Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidArgument);
    }
  }
  for (size_t i = 0; i < valid.size(); ++i) {
    for (uint8_t value : {0x00, 0x7f, 0x80, 0xff}) {
      std::vector<uint8_t> bytes = valid;
      bytes[i] = value;
      try {
        audioclf::ValidateTfliteGraph(bytes.data(), bytes.size(), "f.tflite");
      } catch (const audioclf::Error& e) {
        CHECK(e.kind() == ErrorKind::kInvalidArgument);
      }
    }
  }
}

TEST_CASE(shared_models_are_valid) {
  for (const char* name :
       {"yamnet_audio_classifier_with_metadata.tflite", "two_heads.tflite",
        "stereo_44k.tflite", "uint8_output.tflite",
        "model_without_metadata.tflite"}) {
    const std::string path = SharedModel(name);
    if (path.empty()) continue;  // ../shared absent
    const std::vector<uint8_t> bytes = ReadFile(path);
    audioclf::ValidateTfliteGraph(bytes.data(), bytes.size(), path);
  }
}
