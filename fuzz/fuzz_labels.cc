// Label files and score-calibration files (both come from the model's zip):
// ParseLabelFile, then ScoreCalibration against those labels and Calibrate.
// Input: [transformation byte][default score float][score float]
//        labels '\0' calibration file.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "audioclf/processor/classification_postprocessor.h"
#include "audioclf/processor/score_calibration.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace audioclf;
  FuzzedDataProvider in(data, size);
  ScoreCalibrationOptions options;
  options.transformation = static_cast<ScoreTransformation>(in.ConsumeIntegralInRange<int>(0, 2));
  options.default_score = in.ConsumeFloatingPointInRange<float>(0.0f, 1.0f);
  const float score = in.ConsumeProbability<float>();
  const std::string rest = in.ConsumeRemainingBytesAsString();
  const size_t split = rest.find('\0');
  const std::string labels_text = rest.substr(0, split);
  const std::string calibration_text =
      split == std::string::npos ? std::string() : rest.substr(split + 1);
  AUDIOCLF_FUZZ_GUARD({
    std::vector<std::string> labels = ParseLabelFile(labels_text, "<fuzz labels>");
    AUDIOCLF_FUZZ_CHECK(!labels.empty() && labels.size() <= labels_text.size() + 1,
                        "one label per line");
    for (const std::string& label : labels) {
      AUDIOCLF_FUZZ_CHECK(label.find('\n') == std::string::npos, "labels are single lines");
    }
    ScoreCalibration calibration(options, calibration_text, labels, "<fuzz calibration>");
    for (const std::string& label : labels) {
      const float calibrated = calibration.Calibrate(label, score);
      (void)std::isfinite(calibrated);
    }
  });
}
