#include "audioclf/processor/classification_postprocessor.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "audioclf/error.h"
#include "audioclf/text.h"
#include "processor/output_quantization.h"

namespace audioclf {
namespace {

const AssociatedFile* FindFile(const TensorMetadata& metadata,
                               AssociatedFileType type,
                               const std::string* locale) {
  for (const AssociatedFile& file : metadata.associated_files) {
    if (file.type == type && (locale == nullptr || file.locale == *locale)) {
      return &file;
    }
  }
  return nullptr;
}

std::string ReadAssociatedFile(const ZipArchive* files,
                               const AssociatedFile& file,
                               const std::string& source) {
  if (files == nullptr) {
    ThrowInvalidArgument(source + ": metadata names associated file '" +
                         Printable(file.name) +
                         "' but the model has no zip archive of associated "
                         "files appended");
  }
  if (!files->Contains(file.name)) {
    ThrowInvalidArgument(source + ": associated file '" + Printable(file.name) +
                         "' named in the metadata is missing from the "
                         "model's zip archive");
  }
  return files->Read(file.name);
}

}  // namespace

Activation ParseActivation(const std::string& name) {
  if (name == "none" || name.empty()) return Activation::kNone;
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "softmax") return Activation::kSoftmax;
  ThrowInvalidArgument("activation: expected 'none', 'sigmoid' or 'softmax', got '" + name + "'");
}

void ClassificationOptions::Validate() const {
  if (score_threshold && !std::isfinite(*score_threshold)) {
    ThrowInvalidArgument("score_threshold: must be finite, got " +
                         std::to_string(*score_threshold));
  }
  if (display_names_locale.find('\0') != std::string::npos) {
    ThrowInvalidArgument("display_names_locale: contains a NUL byte");
  }
  if (max_results == 0) {
    ThrowInvalidArgument("max_results: value must be != 0 (-1 keeps all)");
  }
  if (!category_name_allowlist.empty() && !category_name_denylist.empty()) {
    ThrowInvalidArgument(
        "category_name_allowlist and category_name_denylist are mutually "
        "exclusive options: set at most one");
  }
}

std::vector<std::string> ParseLabelFile(const std::string& contents,
                                        const std::string& source, size_t max_lines) {
  if (contents.empty()) ThrowInvalidArgument(source + ": label file is empty");
  // Counted before any line is stored, so a file of a million newlines
  // costs nothing.
  const size_t line_count = static_cast<size_t>(
      std::count(contents.begin(), contents.end(), '\n') + (contents.back() != '\n'));
  if (line_count > max_lines) {
    ThrowInvalidArgument(source + ": label file has " + std::to_string(line_count) +
                         " lines, more than the " + std::to_string(max_lines) +
                         " labels it can have (one per class)");
  }
  std::vector<std::string> lines;
  lines.reserve(line_count);
  size_t start = 0;
  while (start < contents.size()) {
    size_t end = contents.find('\n', start);
    if (end == std::string::npos) end = contents.size();
    std::string line = contents.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t bad = FindInvalidUtf8(line);
    if (bad != line.size()) {
      ThrowInvalidArgument(source + ": line " + std::to_string(lines.size() + 1) +
                           " is not valid UTF-8 (at byte " + std::to_string(bad + 1) +
                           "): '" + Printable(line) + "'");
    }
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

ClassificationHead BuildClassificationHead(const TensorMetadata* metadata,
                                           const ZipArchive* files,
                                           const std::string& locale,
                                           const std::string& source,
                                           size_t max_labels) {
  ClassificationHead head;
  if (metadata == nullptr) return head;
  // Kept as UTF-8 text: Python reads it as a str.
  head.name = FindInvalidUtf8(metadata->name) == metadata->name.size()
                  ? metadata->name
                  : Printable(metadata->name);
  const AssociatedFile* labels_file =
      FindFile(*metadata, AssociatedFileType::kTensorAxisLabels, nullptr);
  if (labels_file != nullptr) {
    std::string label_source = source + ": " + Printable(labels_file->name);
    head.labels = ParseLabelFile(
        ReadAssociatedFile(files, *labels_file, source), label_source, max_labels);
    const AssociatedFile* names_file =
        FindFile(*metadata, AssociatedFileType::kTensorAxisLabels, &locale);
    if (names_file != nullptr) {
      head.display_names = ParseLabelFile(
          ReadAssociatedFile(files, *names_file, source),
          source + ": " + Printable(names_file->name), max_labels);
      if (head.display_names.size() != head.labels.size()) {
        ThrowInvalidArgument(source + ": display names file '" +
                             Printable(names_file->name) + "' has " +
                             std::to_string(head.display_names.size()) +
                             " lines but labels file '" + Printable(labels_file->name) +
                             "' has " + std::to_string(head.labels.size()));
      }
    }
  }
  if (metadata->score_threshold) {
    if (!std::isfinite(*metadata->score_threshold)) {
      ThrowInvalidArgument(source + ": output '" + Printable(metadata->name) +
                           "': ScoreThresholdingOptions.global_score_threshold is " +
                           std::to_string(*metadata->score_threshold) + ", expected a finite value");
    }
    head.score_threshold = *metadata->score_threshold;
  }
  if (metadata->score_calibration) {
    if (labels_file == nullptr) {
      ThrowInvalidArgument(source + ": output '" + Printable(metadata->name) +
                           "' has ScoreCalibrationOptions but no "
                           "TENSOR_AXIS_LABELS file");
    }
    const AssociatedFile* calibration_file = FindFile(
        *metadata, AssociatedFileType::kTensorAxisScoreCalibration, nullptr);
    if (calibration_file == nullptr) {
      ThrowInvalidArgument(source + ": output '" + Printable(metadata->name) +
                           "' has ScoreCalibrationOptions but no "
                           "TENSOR_AXIS_SCORE_CALIBRATION file");
    }
    head.calibration = std::make_shared<ScoreCalibration>(
        *metadata->score_calibration,
        ReadAssociatedFile(files, *calibration_file, source), head.labels,
        source + ": " + Printable(calibration_file->name));
  }
  return head;
}

ClassificationPostprocessor::ClassificationPostprocessor(
    int head_index, const TensorInfo& output, ClassificationHead head,
    const ClassificationOptions& options, const std::string& source)
    : head_index_(head_index), type_(output.type), head_(std::move(head)) {
  options.Validate();
  where_ = source + ": output tensor " + std::to_string(head_index) +
           (head_.name.empty() ? "" : " ('" + head_.name + "')");
  const std::string where =
      source + ": output tensor " + std::to_string(head_index);
  const auto& shape = output.shape;
  bool shape_ok = (shape.size() == 2 && shape[0] == 1) ||
                  (shape.size() == 4 && shape[0] == 1 && shape[1] == 1 &&
                   shape[2] == 1);
  if (!shape_ok || shape.back() <= 0) {
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) {
      dims += (i ? "," : "") + std::to_string(shape[i]);
    }
    ThrowInvalidArgument(where + " has shape [" + dims +
                         "], expected [1,N] or [1,1,1,N]");
  }
  num_classes_ = shape.back();
  quantization_ = CheckedOutputQuantization(output, where);
  if (!head_.labels.empty() &&
      head_.labels.size() != static_cast<size_t>(num_classes_)) {
    ThrowInvalidArgument(where + " has " + std::to_string(num_classes_) +
                         " classes but its label file has " +
                         std::to_string(head_.labels.size()) + " labels");
  }
  if (!options.category_name_allowlist.empty() ||
      !options.category_name_denylist.empty()) {
    if (head_.labels.empty()) {
      ThrowInvalidArgument(
          where + (head_.name.empty() ? "" : " ('" + head_.name + "')") +
          ": category_name_allowlist/denylist need labels, and this head "
          "has none");
    }
    is_allowlist_ = !options.category_name_allowlist.empty();
    const auto& names = is_allowlist_ ? options.category_name_allowlist
                                      : options.category_name_denylist;
    std::unordered_set<std::string> known(head_.labels.begin(),
                                          head_.labels.end());
    // Unknown names are ignored, but not all of them.
    for (const std::string& name : names) {
      if (known.count(name) != 0) name_filter_.insert(name);
    }
    if (name_filter_.empty()) {
      ThrowInvalidArgument(
          std::string(is_allowlist_ ? "category_name_allowlist"
                                    : "category_name_denylist") +
          ": none of the given names is a label of " + where);
    }
    has_name_filter_ = true;
  }
  num_results_ = options.max_results >= 0
                     ? std::min(num_classes_, options.max_results)
                     : num_classes_;
  score_threshold_ = options.score_threshold ? *options.score_threshold
                                             : head_.score_threshold;
}

Classifications ClassificationPostprocessor::Postprocess(
    const void* output_data) const {
  std::vector<std::pair<int, float>> scores;
  scores.reserve(num_classes_);
  if (type_ == ElementType::kFloat32) {
    const float* values = static_cast<const float*>(output_data);
    for (int j = 0; j < num_classes_; ++j) scores.emplace_back(j, values[j]);
  } else {
    // Same expression as the Task Library: float scale times an int.
    const int zero_point = static_cast<int>(quantization_.zero_point);
    for (int j = 0; j < num_classes_; ++j) {
      int q = type_ == ElementType::kUInt8
                  ? static_cast<const uint8_t*>(output_data)[j]
                  : static_cast<const int8_t*>(output_data)[j];
      scores.emplace_back(j, quantization_.scale * (q - zero_point));
    }
  }

  if (head_.activation == Activation::kSigmoid) {
    for (auto& entry : scores) {
      entry.second = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(entry.second))));
    }
  } else if (head_.activation == Activation::kSoftmax) {
    // Shifted by the maximum so exp() cannot overflow.
    float max_logit = scores.empty() ? 0.0f : scores[0].second;
    for (const auto& entry : scores) max_logit = std::max(max_logit, entry.second);
    double total = 0.0;
    for (auto& entry : scores) {
      entry.second = static_cast<float>(std::exp(static_cast<double>(entry.second - max_logit)));
      total += entry.second;
    }
    for (auto& entry : scores) entry.second = static_cast<float>(entry.second / total);
  }

  if (head_.calibration) {
    static const std::string kNoLabel;
    for (auto& entry : scores) {
      const std::string& label =
          head_.labels.empty() ? kNoLabel : head_.labels[entry.first];
      entry.second = head_.calibration->Calibrate(label, entry.second);
      if (entry.second > 1.0f) {
        ThrowRuntimeError(where_ + ": calibrated score " + std::to_string(entry.second) +
                          " for class " + std::to_string(entry.first) +
                          " is above 1; check the calibration parameters");
      }
    }
  }

  // NaN would break the sort's ordering and reach the caller as a score.
  for (const auto& entry : scores) {
    if (!std::isfinite(entry.second)) {
      ThrowRuntimeError(where_ + ": class " + std::to_string(entry.first) + " has score " +
                        std::to_string(entry.second) +
                        "; the model produced a non-finite value (check the input's range)");
    }
  }

  auto by_score = [](const std::pair<int, float>& a,
                     const std::pair<int, float>& b) {
    return a.second > b.second;
  };
  Classifications out;
  out.head_index = head_index_;
  out.head_name = head_.name;
  out.categories.reserve(num_results_);
  auto add = [&](int index, float score) {
    Category category;
    category.index = index;
    category.score = score;
    if (!head_.labels.empty()) category.category_name = head_.labels[index];
    if (!head_.display_names.empty()) {
      category.display_name = head_.display_names[index];
    }
    out.categories.push_back(std::move(category));
  };
  if (!has_name_filter_) {
    std::partial_sort(scores.begin(), scores.begin() + num_results_,
                      scores.end(), by_score);
    for (int j = 0; j < num_results_; ++j) {
      if (scores[j].second < score_threshold_) break;
      add(scores[j].first, scores[j].second);
    }
  } else {
    std::sort(scores.begin(), scores.end(), by_score);
    for (const auto& entry : scores) {
      if (entry.second < score_threshold_ ||
          static_cast<int>(out.categories.size()) >= num_results_) {
        break;
      }
      bool listed = name_filter_.count(head_.labels[entry.first]) != 0;
      if (listed != is_allowlist_) continue;
      add(entry.first, entry.second);
    }
  }
  return out;
}

}  // namespace audioclf
