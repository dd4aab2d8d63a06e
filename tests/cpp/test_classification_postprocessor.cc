#include "audioclf/processor/classification_postprocessor.h"

#include <cstdint>
#include <vector>

#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity

namespace {

TensorInfo Output(ElementType type, std::vector<int32_t> shape) {
  TensorInfo t;
  t.name = "out";
  t.type = type;
  t.shape = std::move(shape);
  if (type != ElementType::kFloat32) t.quantization = TensorQuantization{0.5f, 2};
  return t;
}

ClassificationHead Head(std::vector<std::string> labels) {
  ClassificationHead h;
  h.name = "head";
  h.labels = std::move(labels);
  return h;
}

std::vector<int> Indices(const Classifications& c) {
  std::vector<int> out;
  for (const auto& category : c.categories) out.push_back(category.index);
  return out;
}

}  // namespace

TEST_CASE(sorts_thresholds_and_truncates) {
  ClassificationOptions options;
  options.max_results = 3;
  options.score_threshold = 0.1f;
  ClassificationPostprocessor p(0, Output(ElementType::kFloat32, {1, 5}),
                                Head({"a", "b", "c", "d", "e"}), options, "m");
  const float scores[] = {0.05f, 0.4f, 0.2f, 0.3f, 0.05f};
  Classifications c = p.Postprocess(scores);
  CHECK(Indices(c) == std::vector<int>({1, 3, 2}));
  CHECK_EQ(c.categories[0].category_name, std::string("b"));
  CHECK_EQ(c.head_name, std::string("head"));
  options.max_results = -1;
  options.score_threshold = 0.25f;
  ClassificationPostprocessor q(0, Output(ElementType::kFloat32, {1, 1, 1, 5}),
                                Head({"a", "b", "c", "d", "e"}), options, "m");
  CHECK(Indices(q.Postprocess(scores)) == std::vector<int>({1, 3}));
}

TEST_CASE(dequantizes_uint8_and_int8) {
  ClassificationOptions options;
  ClassificationPostprocessor u(0, Output(ElementType::kUInt8, {1, 3}), Head({}), options, "m");
  const uint8_t raw[] = {2, 10, 4};
  Classifications c = u.Postprocess(raw);
  CHECK(Indices(c) == std::vector<int>({1, 2, 0}));
  CHECK_NEAR(c.categories[0].score, 4.0, 0);  // 0.5 * (10 - 2)
  CHECK_NEAR(c.categories[1].score, 1.0, 0);
  CHECK_NEAR(c.categories[2].score, 0.0, 0);
  ClassificationPostprocessor s(0, Output(ElementType::kInt8, {1, 3}), Head({}), options, "m");
  const int8_t signed_raw[] = {-6, 2, 3};
  Classifications d = s.Postprocess(signed_raw);
  CHECK(Indices(d) == std::vector<int>({2, 1}));  // -4 is below the 0 threshold
  CHECK_NEAR(d.categories[0].score, 0.5, 0);
}

TEST_CASE(allowlist_and_denylist) {
  const float scores[] = {0.1f, 0.4f, 0.2f, 0.3f};
  ClassificationOptions allow;
  allow.category_name_allowlist = {"a", "c", "zzz"};
  ClassificationPostprocessor p(0, Output(ElementType::kFloat32, {1, 4}),
                                Head({"a", "b", "c", "d"}), allow, "m");
  CHECK(Indices(p.Postprocess(scores)) == std::vector<int>({2, 0}));
  ClassificationOptions deny;
  deny.category_name_denylist = {"b"};
  deny.max_results = 2;
  ClassificationPostprocessor q(0, Output(ElementType::kFloat32, {1, 4}),
                                Head({"a", "b", "c", "d"}), deny, "m");
  CHECK(Indices(q.Postprocess(scores)) == std::vector<int>({3, 2}));
}

TEST_CASE(bad_options_and_shapes) {
  ClassificationOptions both;
  both.category_name_allowlist = {"a"};
  both.category_name_denylist = {"b"};
  CHECK_THROWS(both.Validate(), ErrorKind::kInvalidArgument, "mutually exclusive");
  ClassificationOptions zero;
  zero.max_results = 0;
  CHECK_THROWS(zero.Validate(), ErrorKind::kInvalidArgument, "max_results");
  ClassificationOptions options;
  CHECK_THROWS(ClassificationPostprocessor(0, Output(ElementType::kFloat32, {2, 5}), Head({}),
                                           options, "m.tflite"),
               ErrorKind::kInvalidArgument, "m.tflite: output tensor 0 has shape [2,5]");
  CHECK_THROWS(ClassificationPostprocessor(1, Output(ElementType::kInt32, {1, 5}), Head({}),
                                           options, "m"),
               ErrorKind::kInvalidArgument, "expected float32, uint8 or int8");
  CHECK_THROWS(ClassificationPostprocessor(0, Output(ElementType::kFloat32, {1, 5}),
                                           Head({"a", "b", "c"}), options, "m"),
               ErrorKind::kInvalidArgument, "5 classes but its label file has 3 labels");
  ClassificationOptions allow;
  allow.category_name_allowlist = {"x"};
  CHECK_THROWS(ClassificationPostprocessor(0, Output(ElementType::kFloat32, {1, 2}), Head({}),
                                           allow, "m"),
               ErrorKind::kInvalidArgument, "need labels");
}

TEST_CASE(quantization_parameters_are_checked) {
  ClassificationOptions options;
  TensorInfo u8 = Output(ElementType::kUInt8, {1, 5});
  u8.quantization->zero_point = -2147483648LL;  // q - zero_point overflowed int
  CHECK_THROWS(ClassificationPostprocessor(0, u8, Head({}), options, "m"),
               ErrorKind::kInvalidArgument,
               "m: output tensor 0 has zero point -2147483648, outside 0..255");
  TensorInfo i8 = Output(ElementType::kInt8, {1, 5});
  i8.quantization->zero_point = 128;
  CHECK_THROWS(ClassificationPostprocessor(0, i8, Head({}), options, "m"),
               ErrorKind::kInvalidArgument, "zero point 128, outside -128..127");
  i8.quantization->zero_point = -128;
  i8.quantization->scale = 0.0f;
  CHECK_THROWS(ClassificationPostprocessor(0, i8, Head({}), options, "m"),
               ErrorKind::kInvalidArgument, "expected a finite value > 0");
  i8.quantization->scale = 0.5f;
  ClassificationPostprocessor ok(0, i8, Head({}), options, "m");
  CHECK_EQ(ok.num_classes(), 5);
}

TEST_CASE(label_files) {
  CHECK(ParseLabelFile("a\nb\r\nc\n", "f") == std::vector<std::string>({"a", "b", "c"}));
  CHECK(ParseLabelFile("a\n\nc", "f") == std::vector<std::string>({"a", "", "c"}));
  CHECK_THROWS(ParseLabelFile("", "labels.txt"), ErrorKind::kInvalidArgument,
               "labels.txt: label file is empty");
}

TEST_CASE(label_files_are_bounded_and_utf8) {
  // Lines are counted before any is stored: 100000 newlines for 4 classes.
  CHECK_THROWS(ParseLabelFile(std::string(100000, '\n'), "m: labels.txt", 4),
               ErrorKind::kInvalidArgument,
               "m: labels.txt: label file has 100000 lines, more than the 4 labels");
  CHECK(ParseLabelFile("a\nb\n", "f", 2) == std::vector<std::string>({"a", "b"}));
  CHECK(ParseLabelFile("\xc3\xa9t\xc3\xa9\n", "f", 1) == std::vector<std::string>({"\xc3\xa9t\xc3\xa9"}));
  CHECK_THROWS(ParseLabelFile("a\nb\ncaf\xe9\n", "labels.txt"), ErrorKind::kInvalidArgument,
               "labels.txt: line 3 is not valid UTF-8 (at byte 4): 'caf\\xE9'");
  CHECK_THROWS(ParseLabelFile("\xed\xa0\x80\n", "f"), ErrorKind::kInvalidArgument,
               "line 1 is not valid UTF-8");  // a surrogate
}

TEST_CASE(non_finite_scores_are_an_error_naming_the_head) {
  ClassificationOptions options;
  ClassificationPostprocessor p(2, Output(ElementType::kFloat32, {1, 3}), Head({"a", "b", "c"}),
                                options, "m.tflite");
  const float nan_scores[] = {0.1f, std::nanf(""), 0.3f};
  CHECK_THROWS(p.Postprocess(nan_scores), ErrorKind::kRuntime,
               "m.tflite: output tensor 2 ('head'): class 1 has score nan");
  const float inf_scores[] = {INFINITY, 0.2f, 0.3f};
  CHECK_THROWS(p.Postprocess(inf_scores), ErrorKind::kRuntime, "class 0 has score inf");
  // With a denylist too (the full-sort path).
  ClassificationOptions deny;
  deny.category_name_denylist = {"a"};
  ClassificationPostprocessor q(0, Output(ElementType::kFloat32, {1, 3}), Head({"a", "b", "c"}),
                                deny, "m");
  CHECK_THROWS(q.Postprocess(nan_scores), ErrorKind::kRuntime, "non-finite");
  // Softmax of an infinite logit is NaN: caught as well.
  ClassificationHead softmax = Head({"a", "b", "c"});
  softmax.activation = Activation::kSoftmax;
  ClassificationPostprocessor r(0, Output(ElementType::kFloat32, {1, 3}), softmax, options, "m");
  CHECK_THROWS(r.Postprocess(inf_scores), ErrorKind::kRuntime, "non-finite");
}

TEST_CASE(thresholds_and_locale_are_checked) {
  ClassificationOptions options;
  options.score_threshold = std::nanf("");
  CHECK_THROWS(options.Validate(), ErrorKind::kInvalidArgument, "score_threshold: must be finite");
  options.score_threshold = INFINITY;
  CHECK_THROWS(options.Validate(), ErrorKind::kInvalidArgument, "score_threshold: must be finite");
  ClassificationOptions locale;
  locale.display_names_locale = std::string("en\0fr", 5);
  CHECK_THROWS(locale.Validate(), ErrorKind::kInvalidArgument,
               "display_names_locale: contains a NUL byte");
  TensorMetadata metadata;
  metadata.name = "h";
  metadata.score_threshold = std::nanf("");
  CHECK_THROWS(BuildClassificationHead(&metadata, nullptr, "en", "m"), ErrorKind::kInvalidArgument,
               "m: output 'h': ScoreThresholdingOptions.global_score_threshold is nan");
}
