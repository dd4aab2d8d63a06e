#include "audioclf/processor/score_calibration.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "audioclf/error.h"
#include "audioclf/text.h"

namespace audioclf {
namespace {

// Keeps log() away from <= 0 while preserving order below the threshold.
constexpr float kLogScoreMinimum = 1e-16f;

float ClampedLog(float x, float threshold) {
  if (x < threshold) {
    return 2.0 * std::log(static_cast<double>(threshold)) -
           std::log(2.0 * threshold - x);
  }
  return std::log(static_cast<double>(x));
}

float Transform(float score, ScoreTransformation transformation) {
  switch (transformation) {
    case ScoreTransformation::kLog:
      return ClampedLog(score, kLogScoreMinimum);
    case ScoreTransformation::kInverseLogistic:
      return ClampedLog(score, kLogScoreMinimum) -
             ClampedLog(1.0 - score, kLogScoreMinimum);
    case ScoreTransformation::kIdentity:
    default:
      return score;
  }
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

float ParseFloat(const std::string& text, const std::string& where) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  float value = std::strtof(begin, &end);
  // Surrounding spaces are tolerated, anything else is not.
  while (end != nullptr && (*end == ' ' || *end == '\t' || *end == '\r')) ++end;
  if (text.empty() || end == begin || *end != '\0' || errno == ERANGE) {
    ThrowInvalidArgument(where + ": could not parse '" + Printable(text) + "' as a float");
  }
  return value;
}

}  // namespace

ScoreCalibration::ScoreCalibration(const ScoreCalibrationOptions& options,
                                   const std::string& file_contents,
                                   const std::vector<std::string>& labels,
                                   const std::string& source)
    : options_(options) {
  if (!std::isfinite(options.default_score) || options.default_score < 0.0f ||
      options.default_score > 1.0f) {
    ThrowInvalidArgument(source + ": ScoreCalibrationOptions.default_score is " +
                         std::to_string(options.default_score) + ", expected a score in [0, 1]");
  }
  if (file_contents.empty()) {
    ThrowInvalidArgument(source + ": score calibration file is empty");
  }
  // Unlike label files, a trailing newline is not forgiven: the Task Library
  // counts the empty last line, and so must we to agree on which files work.
  std::vector<std::string> lines = SplitLines(file_contents);
  if (lines.size() != labels.size()) {
    ThrowInvalidArgument(source + ": score calibration file has " +
                         std::to_string(lines.size()) + " lines, expected " +
                         std::to_string(labels.size()) +
                         " (one per label)");
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t comma = lines[i].find(',', start);
      fields.push_back(lines[i].substr(start, comma == std::string::npos
                                                  ? std::string::npos
                                                  : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    std::string where = source + ": score calibration line " +
                        std::to_string(i + 1);
    if (fields.size() != 3 && fields.size() != 4) {
      ThrowInvalidArgument(where + ": expected 3 or 4 comma-separated values "
                           "(scale,slope,offset[,min_score]), got " +
                           std::to_string(fields.size()));
    }
    Sigmoid sigmoid;
    sigmoid.scale = ParseFloat(fields[0], where);
    sigmoid.slope = ParseFloat(fields[1], where);
    sigmoid.offset = ParseFloat(fields[2], where);
    if (fields.size() == 4) {
      sigmoid.min_uncalibrated_score = ParseFloat(fields[3], where);
    }
    // Non-finite parameters would give NaN scores, a negative scale
    // negative ones.
    if (!std::isfinite(sigmoid.scale) || sigmoid.scale < 0.0f) {
      ThrowInvalidArgument(where + ": scale is " + Printable(fields[0]) + ", expected a finite value >= 0");
    }
    if (!std::isfinite(sigmoid.slope) || !std::isfinite(sigmoid.offset) ||
        (sigmoid.min_uncalibrated_score && !std::isfinite(*sigmoid.min_uncalibrated_score))) {
      ThrowInvalidArgument(where + ": slope, offset and min_score must be finite, got '" +
                           Printable(lines[i]) + "'");
    }
    sigmoids_[labels[i]] = sigmoid;  // a repeated label keeps the last line
  }
}

float ScoreCalibration::Calibrate(const std::string& label, float score) const {
  auto it = sigmoids_.find(label);
  if (it == sigmoids_.end()) return options_.default_score;
  const Sigmoid& sigmoid = it->second;
  if (sigmoid.min_uncalibrated_score && score < *sigmoid.min_uncalibrated_score) {
    return options_.default_score;
  }
  float transformed = Transform(score, options_.transformation);
  float shifted = transformed * sigmoid.slope + sigmoid.offset;
  // Two forms of the logistic keep exp() from overflowing.
  if (shifted >= 0.0) {
    return sigmoid.scale / (1.0 + std::exp(static_cast<double>(-shifted)));
  }
  float e = std::exp(static_cast<double>(shifted));
  return sigmoid.scale * e / (1.0 + e);
}

}  // namespace audioclf
