#include "audioclf/processor/score_calibration.h"

#include <cmath>

#include "test_harness.h"

using audioclf::ErrorKind;
using audioclf::ScoreCalibration;
using audioclf::ScoreCalibrationOptions;
using audioclf::ScoreTransformation;

namespace {
ScoreCalibrationOptions Options(ScoreTransformation t, float default_score) {
  ScoreCalibrationOptions o;
  o.transformation = t;
  o.default_score = default_score;
  return o;
}
}  // namespace

TEST_CASE(identity_log_and_inverse_logistic) {
  std::vector<std::string> labels = {"a", "b", "c"};
  ScoreCalibration identity(Options(ScoreTransformation::kIdentity, 0.2f),
                            "0.9,2.0,-0.4\n\n1.2,1.5,0.1,0.05", labels, "cal");
  CHECK_NEAR(identity.Calibrate("a", 0.5f), 0.9 / (1 + std::exp(-(2.0 * 0.5 - 0.4))), 1e-6);
  CHECK_NEAR(identity.Calibrate("b", 0.5f), 0.2, 1e-7);   // empty line
  CHECK_NEAR(identity.Calibrate("c", 0.01f), 0.2, 1e-7);  // below min score
  CHECK_NEAR(identity.Calibrate("c", 0.5f), 1.2 / (1 + std::exp(-(1.5 * 0.5 + 0.1))), 1e-6);
  CHECK_NEAR(identity.Calibrate("unknown", 0.5f), 0.2, 1e-7);

  ScoreCalibration log(Options(ScoreTransformation::kLog, 0.0f), "1,1,0\n1,1,0\n1,1,0",
                       labels, "cal");
  // sigmoid(log(x)) = x / (1 + x)
  CHECK_NEAR(log.Calibrate("a", 0.25f), 0.25 / 1.25, 1e-6);

  ScoreCalibration logit(Options(ScoreTransformation::kInverseLogistic, 0.0f),
                         "1,1,0\n1,1,0\n1,1,0", labels, "cal");
  // sigmoid(logit(x)) = x
  CHECK_NEAR(logit.Calibrate("b", 0.3f), 0.3, 1e-6);
  // Scores at 0 and 1 stay finite thanks to the clamped log.
  CHECK(std::isfinite(logit.Calibrate("b", 0.0f)));
  CHECK(std::isfinite(logit.Calibrate("b", 1.0f)));
  // Negative shifted scores take the exp(x)/(1+exp(x)) branch.
  ScoreCalibration negative(Options(ScoreTransformation::kIdentity, 0.0f),
                            "1,1,-10\n1,1,0\n1,1,0", labels, "cal");
  CHECK_NEAR(negative.Calibrate("a", 0.5f), 1.0 / (1 + std::exp(9.5)), 1e-9);
}

TEST_CASE(line_count_must_match_labels) {
  std::vector<std::string> labels = {"a", "b"};
  auto o = Options(ScoreTransformation::kIdentity, 0.1f);
  // A trailing newline is one line too many, as in the Task Library.
  CHECK_THROWS(ScoreCalibration(o, "1,1,0\n1,1,0\n", labels, "m: cal.txt"),
               ErrorKind::kInvalidArgument, "m: cal.txt: score calibration file has 3 lines, expected 2");
  CHECK_THROWS(ScoreCalibration(o, "", labels, "cal"), ErrorKind::kInvalidArgument, "empty");
}

TEST_CASE(malformed_lines) {
  std::vector<std::string> labels = {"a"};
  auto o = Options(ScoreTransformation::kIdentity, 0.1f);
  CHECK_THROWS(ScoreCalibration(o, "1,2", labels, "cal"), ErrorKind::kInvalidArgument,
               "line 1: expected 3 or 4");
  CHECK_THROWS(ScoreCalibration(o, "1,2,3,4,5", labels, "cal"),
               ErrorKind::kInvalidArgument, "got 5");
  CHECK_THROWS(ScoreCalibration(o, "1,x,3", labels, "cal"), ErrorKind::kInvalidArgument,
               "could not parse 'x'");
  CHECK_THROWS(ScoreCalibration(o, "1,,3", labels, "cal"), ErrorKind::kInvalidArgument,
               "could not parse ''");
}

TEST_CASE(non_finite_and_negative_parameters_are_refused) {
  std::vector<std::string> labels = {"a", "b"};
  auto o = Options(ScoreTransformation::kIdentity, 0.1f);
  CHECK_THROWS(ScoreCalibration(o, "nan,1,0\n1,1,0", labels, "m: cal.txt"),
               ErrorKind::kInvalidArgument,
               "m: cal.txt: score calibration line 1: scale is nan, expected a finite value >= 0");
  CHECK_THROWS(ScoreCalibration(o, "1,1,0\n-0.5,1,0", labels, "cal"),
               ErrorKind::kInvalidArgument, "line 2: scale is -0.5");
  CHECK_THROWS(ScoreCalibration(o, "1,inf,0\n1,1,0", labels, "cal"),
               ErrorKind::kInvalidArgument, "slope, offset and min_score must be finite, got '1,inf,0'");
  CHECK_THROWS(ScoreCalibration(o, "1,1,nan\n1,1,0", labels, "cal"),
               ErrorKind::kInvalidArgument, "must be finite");
  CHECK_THROWS(ScoreCalibration(o, "1,1,0,-inf\n1,1,0", labels, "cal"),
               ErrorKind::kInvalidArgument, "must be finite");
  // Bytes that are not UTF-8 are escaped in the message.
  CHECK_THROWS(ScoreCalibration(o, "1,\xff,0\n1,1,0", labels, "cal"),
               ErrorKind::kInvalidArgument, "could not parse '\\xFF'");
  for (float bad : {std::nanf(""), INFINITY, -0.1f, 1.5f}) {
    CHECK_THROWS(ScoreCalibration(Options(ScoreTransformation::kLog, bad), "1,1,0\n1,1,0",
                                  labels, "m: cal.txt"),
                 ErrorKind::kInvalidArgument,
                 "m: cal.txt: ScoreCalibrationOptions.default_score is ");
  }
  ScoreCalibration ok(Options(ScoreTransformation::kLog, 1.0f), "0,1,0\n1,1,0", labels, "cal");
  CHECK_EQ(ok.Calibrate("a", 0.5f), 0.0f);  // scale 0 is allowed
}
