// Tests for the in-place model rewrites (model/model_rewriter.h) on a
// hand-assembled FULLY_CONNECTED -> SOFTMAX model, whole and damaged.
#include <cstdint>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/flatbuffer_reader.h"
#include "audioclf/model/model_rewriter.h"
#include "audioclf/model/tflite_model.h"
#include "flatbuffer_test_builder.h"
#include "test_harness.h"

namespace {

using audioclf::ErrorKind;

struct Spec {
  int signatures = 0;             // signature defs (each of `signature_subgraph`)
  uint32_t signature_subgraph = 0;
  bool dynamic_batch = false;     // shape_signature [-1, n] on audio and scores
  bool orphan = false;            // a tensor no operator writes
};

fbtest::Table Tensor(const std::string& name, std::vector<int32_t> shape, uint32_t buffer,
                     bool dynamic) {
  fbtest::Table t;
  t.Scalars<int32_t>(0, shape).Scalar<int8_t>(1, 0).Scalar<uint32_t>(2, buffer).String(3, name);
  if (dynamic) {
    shape[0] = -1;
    t.Scalars<int32_t>(7, shape);
  }
  return t;
}

// audio [1,4] -> FC(weights [3,4], bias [3]) -> logits [1,3] -> SOFTMAX -> scores.
std::string Model(const Spec& spec) {
  std::vector<fbtest::Table> codes;
  for (int32_t code : {9, 25}) {
    fbtest::Table c;
    c.Scalar<int8_t>(0, static_cast<int8_t>(code)).Scalar<int32_t>(2, 1).Scalar<int32_t>(3, code);
    codes.push_back(c);
  }
  fbtest::Table empty, weights, bias;
  weights.Scalars<uint8_t>(0, std::vector<uint8_t>(3 * 4 * 4, 0));
  bias.Scalars<uint8_t>(0, std::vector<uint8_t>(3 * 4, 0));
  std::vector<fbtest::Table> tensors = {
      Tensor("audio", {1, 4}, 0, spec.dynamic_batch), Tensor("weights", {3, 4}, 1, false),
      Tensor("bias", {3}, 2, false), Tensor("logits", {1, 3}, 0, false),
      Tensor("scores", {1, 3}, 0, spec.dynamic_batch)};
  if (spec.orphan) tensors.push_back(Tensor("orphan", {1, 3}, 0, false));
  fbtest::Table fc, softmax, subgraph;
  fc.Scalar<uint32_t>(0, 0).Scalars<int32_t>(1, {0, 1, 2}).Scalars<int32_t>(2, {3});
  softmax.Scalar<uint32_t>(0, 1).Scalars<int32_t>(1, {3}).Scalars<int32_t>(2, {4});
  subgraph.Tables(0, tensors)
      .Scalars<int32_t>(1, {0})
      .Scalars<int32_t>(2, {4})
      .Tables(3, {fc, softmax});
  fbtest::Table model;
  model.Scalar<uint32_t>(0, 3).Tables(1, codes).Tables(2, {subgraph}).Tables(4, {empty, weights,
                                                                                  bias});
  if (spec.signatures > 0) {
    std::vector<fbtest::Table> signatures;
    for (int i = 0; i < spec.signatures; ++i) {
      fbtest::Table map, signature;
      map.String(0, "scores").Scalar<uint32_t>(1, 4);
      signature.Tables(1, {map}).String(2, "serving_default");
      if (spec.signature_subgraph != 0) signature.Scalar<uint32_t>(4, spec.signature_subgraph);
      signatures.push_back(signature);
    }
    model.Tables(7, signatures);
  }
  const std::vector<uint8_t> bytes = fbtest::Finish(model, "TFL3");
  return std::string(bytes.begin(), bytes.end());
}

audioclf::TfliteModelInfo Parse(const std::string& bytes) {
  return audioclf::ParseTfliteModel(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                    "m.tflite");
}

// By value: CHECK_EQ binds a reference, which must not outlive a temporary.
std::string OutputName(const std::string& bytes) { return Parse(bytes).outputs.at(0).name; }

size_t SignatureCount(const std::string& bytes) {
  audioclf::flatbuffer::Reader reader(reinterpret_cast<const uint8_t*>(bytes.data()),
                                      bytes.size(), "m.tflite");
  return reader.Root().TableVector(7, "signature_defs").size();
}

void Redirect(std::string& bytes, const std::string& name) {
  audioclf::RedirectOutput(bytes, name, "m.tflite", "output_tensor_name");
}

}  // namespace

TEST_CASE(an_intermediate_tensor_becomes_the_only_output) {
  std::string bytes = Model({});
  const size_t size = bytes.size();
  CHECK_EQ(OutputName(bytes), std::string("scores"));
  Redirect(bytes, "logits");
  CHECK_EQ(bytes.size(), size);
  const audioclf::TfliteModelInfo info = Parse(bytes);
  CHECK_EQ(info.outputs.size(), size_t{1});
  CHECK_EQ(info.outputs[0].name, std::string("logits"));
  CHECK_EQ(info.inputs[0].name, std::string("audio"));
  Redirect(bytes, "scores");  // and back
  CHECK_EQ(OutputName(bytes), std::string("scores"));
}

TEST_CASE(the_one_signature_of_subgraph_0_is_dropped) {
  std::string bytes = Model({1});
  CHECK_EQ(SignatureCount(bytes), size_t{1});
  Redirect(bytes, "logits");
  CHECK_EQ(SignatureCount(bytes), size_t{0});
  CHECK_EQ(OutputName(bytes), std::string("logits"));
}

TEST_CASE(refusals_name_the_option_and_leave_the_bytes) {
  const std::string original = Model({});
  std::string bytes = original;
  CHECK_THROWS(Redirect(bytes, "nope"), ErrorKind::kInvalidArgument,
               "m.tflite: output_tensor_name 'nope': no tensor of subgraph 0 has that name");
  CHECK(bytes == original);
  CHECK_THROWS(Redirect(bytes, ""), ErrorKind::kInvalidArgument,
               "output_tensor_name: empty tensor name");
  std::string two = Model({2});
  CHECK_THROWS(Redirect(two, "logits"), ErrorKind::kInvalidArgument,
               "the model has 2 signatures; only a model with at most one can be rewritten");
  Spec other;
  other.signatures = 1;
  other.signature_subgraph = 1;
  std::string elsewhere = Model(other);
  CHECK_THROWS(Redirect(elsewhere, "logits"), ErrorKind::kInvalidArgument,
               "the model's signature runs subgraph 1");
  Spec orphan;
  orphan.orphan = true;
  std::string unwritten = Model(orphan);
  CHECK_THROWS(Redirect(unwritten, "orphan"), ErrorKind::kInvalidArgument,
               "output tensor 5 is never written by an operator");
  std::string text = "not a model at all, just text";
  CHECK_THROWS(Redirect(text, "logits"), ErrorKind::kInvalidArgument, "not a TFLite model");
}

TEST_CASE(dynamic_batch_dimensions_become_1) {
  Spec spec;
  spec.dynamic_batch = true;
  std::string bytes = Model(spec);
  const std::string before = bytes;
  CHECK_EQ(audioclf::MakeBatchStatic(bytes, "m.tflite"), size_t{2});
  size_t changed = 0;
  for (size_t i = 0; i < bytes.size(); ++i) changed += bytes[i] != before[i];
  CHECK_EQ(changed, size_t{8});  // two int32 -1 (ff ff ff ff) to 1 (01 00 00 00)
  CHECK_EQ(audioclf::MakeBatchStatic(bytes, "m.tflite"), size_t{0});
  std::string plain = Model({});
  CHECK_EQ(audioclf::MakeBatchStatic(plain, "m.tflite"), size_t{0});
  CHECK(plain == Model({}));
}

// Every cut and every flipped byte is refused or rewritten cleanly: no crash,
// no read or write outside the buffer (ASan), only kInvalidArgument.
TEST_CASE(every_truncation_and_byte_flip_is_clean) {
  Spec spec;
  spec.signatures = 1;
  spec.dynamic_batch = true;
  const std::string valid = Model(spec);
  auto attempt = [](std::string bytes) {
    std::string copy = bytes;
    try {
      Redirect(bytes, "logits");
    } catch (const audioclf::Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidArgument);
    }
    try {
      audioclf::MakeBatchStatic(copy, "m.tflite");
    } catch (const audioclf::Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidArgument);
    }
  };
  for (size_t n = 0; n < valid.size(); ++n) attempt(valid.substr(0, n));
  for (size_t i = 0; i < valid.size(); ++i) {
    for (unsigned char value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string bytes = valid;
      bytes[i] = static_cast<char>(value);
      attempt(bytes);
    }
  }
}
