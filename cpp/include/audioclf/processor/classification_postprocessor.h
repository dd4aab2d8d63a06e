// Turns one output tensor into Classifications: dequantize, calibrate,
// threshold, allow/deny by label, sort, truncate, and name the categories.
//
// The order of operations, the sort (a partial heap sort without an
// allow/deny list, a full sort with one) and the float arithmetic follow the
// TFLite Task Library, so that results are identical, ties included.
#ifndef AUDIOCLF_PROCESSOR_CLASSIFICATION_POSTPROCESSOR_H_
#define AUDIOCLF_PROCESSOR_CLASSIFICATION_POSTPROCESSOR_H_

#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "audioclf/limits.h"
#include "audioclf/model/model_metadata.h"
#include "audioclf/model/tflite_model.h"
#include "audioclf/model/zip_archive.h"
#include "audioclf/processor/classification_result.h"
#include "audioclf/processor/score_calibration.h"

namespace audioclf {

struct ClassificationOptions {
  // Locale of the label file used for display names.
  std::string display_names_locale = "en";
  // Most categories kept per head; -1 keeps all. 0 is an error.
  int max_results = -1;
  // Overrides the metadata's ScoreThresholdingOptions when set.
  std::optional<float> score_threshold;
  // At most one of the two may be non-empty.
  std::vector<std::string> category_name_allowlist;
  std::vector<std::string> category_name_denylist;

  // Throws Error(kInvalidArgument) naming the offending option.
  void Validate() const;
};

// An activation applied to raw outputs, for models that emit logits (e.g.
// BirdNET); the metadata-described models need none.
enum class Activation { kNone, kSigmoid, kSoftmax };

// Parses "none", "sigmoid" or "softmax"; throws naming the argument.
Activation ParseActivation(const std::string& name);

// What the metadata says about one output head.
struct ClassificationHead {
  std::string name;
  std::vector<std::string> labels;         // empty when the model has none
  std::vector<std::string> display_names;  // empty or one per label
  float score_threshold = 0.0f;            // from metadata, else 0
  std::shared_ptr<const ScoreCalibration> calibration;
  Activation activation = Activation::kNone;  // from the options
};

// Splits a label file into lines ('\n', a '\r' before it dropped; a final
// empty line ignored). Throws naming `source` when empty, when it has more
// than `max_lines` lines (counted before any is stored), or when a line is
// not valid UTF-8.
std::vector<std::string> ParseLabelFile(const std::string& contents,
                                        const std::string& source,
                                        size_t max_lines = limits::kMaxLabelLines);

// Builds the head of an output tensor from its metadata and the model's
// associated files. `metadata` may be null (no metadata: no labels).
ClassificationHead BuildClassificationHead(const TensorMetadata* metadata,
                                           const ZipArchive* files,
                                           const std::string& locale,
                                           const std::string& source,
                                           size_t max_labels = limits::kMaxLabelLines);

class ClassificationPostprocessor {
 public:
  // Validates the output tensor (float32/uint8/int8, shape [1,N] or
  // [1,1,1,N]) against the head. Throws Error(kInvalidArgument).
  ClassificationPostprocessor(int head_index, const TensorInfo& output,
                              ClassificationHead head,
                              const ClassificationOptions& options,
                              const std::string& source);

  // `output_data` holds the tensor's raw values. Thread-safe. Throws
  // Error(kRuntime) naming the head when a score is NaN or infinite.
  Classifications Postprocess(const void* output_data) const;

  int head_index() const { return head_index_; }
  int num_classes() const { return num_classes_; }
  const ClassificationHead& head() const { return head_; }

 private:
  int head_index_;
  std::string where_;  // "<model>: output tensor i ('name')", for errors
  ElementType type_;
  TensorQuantization quantization_;
  int num_classes_;
  ClassificationHead head_;
  int num_results_;
  float score_threshold_;
  bool has_name_filter_ = false;
  bool is_allowlist_ = false;
  std::unordered_set<std::string> name_filter_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_PROCESSOR_CLASSIFICATION_POSTPROCESSOR_H_
