// The TFLite metadata flatbuffer (schema identifier "M001"), reduced to what
// an audio classifier uses: audio properties of the input, and per output
// tensor its name, associated files, score calibration and threshold.
#ifndef AUDIOCLF_MODEL_MODEL_METADATA_H_
#define AUDIOCLF_MODEL_MODEL_METADATA_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace audioclf {

// Values as numbered in the metadata schema.
enum class AssociatedFileType {
  kUnknown = 0,
  kDescriptions = 1,
  kTensorAxisLabels = 2,
  kTensorValueLabels = 3,
  kTensorAxisScoreCalibration = 4,
  kVocabulary = 5,
  kScannIndexFile = 6,
};

struct AssociatedFile {
  std::string name;
  std::string description;
  AssociatedFileType type = AssociatedFileType::kUnknown;
  std::string locale;
  std::string version;
};

enum class ScoreTransformation {
  kIdentity = 0,
  kLog = 1,
  kInverseLogistic = 2,
};

struct ScoreCalibrationOptions {
  ScoreTransformation transformation = ScoreTransformation::kIdentity;
  float default_score = 0.0f;
};

struct AudioProperties {
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
};

struct TensorMetadata {
  std::string name;
  std::string description;
  std::vector<AssociatedFile> associated_files;
  // From content.content_properties when its type is AudioProperties.
  std::optional<AudioProperties> audio_properties;
  // From process_units.
  std::optional<ScoreCalibrationOptions> score_calibration;
  std::optional<float> score_threshold;  // ScoreThresholdingOptions
};

struct ModelMetadata {
  std::string name;
  std::string description;
  std::string version;
  std::string min_parser_version;
  std::vector<AssociatedFile> associated_files;   // model level
  std::vector<TensorMetadata> input_tensors;      // subgraph 0
  std::vector<TensorMetadata> output_tensors;     // subgraph 0
};

// Parses the metadata flatbuffer. Throws Error(kInvalidArgument) naming
// `source` and the field when the bytes are malformed.
ModelMetadata ParseModelMetadata(const uint8_t* data, size_t size,
                                 const std::string& source);

}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_MODEL_METADATA_H_
