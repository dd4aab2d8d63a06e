// Sigmoid score calibration, as TFLite metadata defines it: for each class a
// line "scale,slope,offset[,min_uncalibrated_score]" (an empty line means the
// class has no sigmoid and always gets the default score), and
//   calibrated = scale * sigmoid(slope * T(score) + offset)
// where T is IDENTITY, LOG or INVERSE_LOGISTIC. The arithmetic follows the
// TFLite Task Library step by step (float/double mix included) so scores
// match it bit for bit.
#ifndef AUDIOCLF_PROCESSOR_SCORE_CALIBRATION_H_
#define AUDIOCLF_PROCESSOR_SCORE_CALIBRATION_H_

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "audioclf/model/model_metadata.h"

namespace audioclf {

struct Sigmoid {
  float scale = 1.0f;
  float slope = 1.0f;
  float offset = 0.0f;
  std::optional<float> min_uncalibrated_score;
};

class ScoreCalibration {
 public:
  // Parses the calibration file against the head's labels. Throws
  // Error(kInvalidArgument) naming `source` when the line count differs from
  // the label count or a line is malformed.
  ScoreCalibration(const ScoreCalibrationOptions& options,
                   const std::string& file_contents,
                   const std::vector<std::string>& labels,
                   const std::string& source);

  // Sigmoids are looked up by label name, as the Task Library does.
  float Calibrate(const std::string& label, float score) const;

  float default_score() const { return options_.default_score; }

 private:
  ScoreCalibrationOptions options_;
  std::unordered_map<std::string, Sigmoid> sigmoids_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_PROCESSOR_SCORE_CALIBRATION_H_
