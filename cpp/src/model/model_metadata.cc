#include "audioclf/model/model_metadata.h"

#include <optional>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/flatbuffer_reader.h"

namespace audioclf {

namespace {

using flatbuffer::Reader;
using flatbuffer::Table;
using flatbuffer::Vector;

// Field ids and union tags from tflite-support's metadata_schema.fbs
// (schema 1.5.0; fields are only ever appended, so older files read the
// same way).
namespace model_metadata_field {
constexpr int kName = 0;
constexpr int kDescription = 1;
constexpr int kVersion = 2;
constexpr int kSubgraphMetadata = 3;
constexpr int kAssociatedFiles = 6;
constexpr int kMinParserVersion = 7;
}  // namespace model_metadata_field
namespace subgraph_metadata_field {
constexpr int kInputTensorMetadata = 2;
constexpr int kOutputTensorMetadata = 3;
}  // namespace subgraph_metadata_field
namespace tensor_metadata_field {
constexpr int kName = 0;
constexpr int kDescription = 1;
constexpr int kContent = 3;
constexpr int kProcessUnits = 4;
constexpr int kAssociatedFiles = 6;
}  // namespace tensor_metadata_field
namespace associated_file_field {
constexpr int kName = 0;
constexpr int kDescription = 1;
constexpr int kType = 2;
constexpr int kLocale = 3;
constexpr int kVersion = 4;
}  // namespace associated_file_field
namespace content_field {
constexpr int kContentPropertiesType = 0;  // the union's value is at 1
}  // namespace content_field
namespace audio_properties_field {
constexpr int kSampleRate = 0;
constexpr int kChannels = 1;
}  // namespace audio_properties_field
namespace process_unit_field {
constexpr int kOptionsType = 0;  // the union's value is at 1
}  // namespace process_unit_field
namespace score_calibration_field {
constexpr int kScoreTransformation = 0;
constexpr int kDefaultScore = 1;
}  // namespace score_calibration_field
namespace score_thresholding_field {
constexpr int kGlobalScoreThreshold = 0;
}  // namespace score_thresholding_field

// union ContentProperties { FeatureProperties, ImageProperties,
//                           BoundingBoxProperties, AudioProperties }
constexpr uint8_t kContentAudioProperties = 4;
// union ProcessUnitOptions { NormalizationOptions, ScoreCalibrationOptions,
//                            ScoreThresholdingOptions, ... }
constexpr uint8_t kOptionsScoreCalibration = 2;
constexpr uint8_t kOptionsScoreThresholding = 3;

AssociatedFileType ToFileType(int8_t type) {
  // Types from a newer schema are not something audioclf can use.
  if (type < 0 ||
      type > static_cast<int8_t>(AssociatedFileType::kScannIndexFile)) {
    return AssociatedFileType::kUnknown;
  }
  return static_cast<AssociatedFileType>(type);
}

std::vector<AssociatedFile> ReadAssociatedFiles(const Table& parent,
                                                int field_id) {
  std::vector<AssociatedFile> files;
  std::optional<Vector> v = parent.VectorField(field_id, "associated_files", 4);
  if (!v) return files;
  files.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Table t = v->TableAt(i);
    AssociatedFile file;
    file.name = t.StringOr(associated_file_field::kName, "name");
    file.description =
        t.StringOr(associated_file_field::kDescription, "description");
    file.type =
        ToFileType(t.Scalar<int8_t>(associated_file_field::kType, "type", 0));
    file.locale = t.StringOr(associated_file_field::kLocale, "locale");
    file.version = t.StringOr(associated_file_field::kVersion, "version");
    files.push_back(std::move(file));
  }
  return files;
}

void ReadProcessUnits(const Table& tensor, TensorMetadata& out) {
  std::optional<Vector> units = tensor.VectorField(
      tensor_metadata_field::kProcessUnits, "process_units", 4);
  if (!units) return;
  for (size_t i = 0; i < units->size(); ++i) {
    const Table unit = units->TableAt(i);
    const Table::Union options =
        unit.UnionField(process_unit_field::kOptionsType, "options");
    if (!options.value) continue;
    const Table& o = *options.value;
    // The first unit of each kind applies, as there is one calibration and
    // one threshold per tensor.
    if (options.type == kOptionsScoreCalibration && !out.score_calibration) {
      const int8_t transformation =
          o.Scalar<int8_t>(score_calibration_field::kScoreTransformation,
                           "score_transformation", 0);
      if (transformation < 0 ||
          transformation >
              static_cast<int8_t>(ScoreTransformation::kInverseLogistic)) {
        // Silently using identity instead would give wrong scores.
        o.Fail("score_transformation",
               "unsupported score transformation " +
                   std::to_string(static_cast<int>(transformation)));
      }
      ScoreCalibrationOptions calibration;
      calibration.transformation =
          static_cast<ScoreTransformation>(transformation);
      calibration.default_score = o.Scalar<float>(
          score_calibration_field::kDefaultScore, "default_score", 0.0f);
      out.score_calibration = calibration;
    } else if (options.type == kOptionsScoreThresholding &&
               !out.score_threshold) {
      out.score_threshold =
          o.Scalar<float>(score_thresholding_field::kGlobalScoreThreshold,
                          "global_score_threshold", 0.0f);
    }
  }
}

std::vector<TensorMetadata> ReadTensorMetadata(const Table& subgraph,
                                               int field_id, const char* name) {
  std::vector<TensorMetadata> tensors;
  std::optional<Vector> v = subgraph.VectorField(field_id, name, 4);
  if (!v) return tensors;
  tensors.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Table t = v->TableAt(i);
    TensorMetadata tensor;
    tensor.name = t.StringOr(tensor_metadata_field::kName, "name");
    tensor.description =
        t.StringOr(tensor_metadata_field::kDescription, "description");
    tensor.associated_files =
        ReadAssociatedFiles(t, tensor_metadata_field::kAssociatedFiles);
    if (std::optional<Table> content =
            t.SubTable(tensor_metadata_field::kContent, "content")) {
      const Table::Union properties = content->UnionField(
          content_field::kContentPropertiesType, "content_properties");
      if (properties.type == kContentAudioProperties && properties.value) {
        AudioProperties audio;
        audio.sample_rate = properties.value->Scalar<uint32_t>(
            audio_properties_field::kSampleRate, "sample_rate", 0);
        audio.channels = properties.value->Scalar<uint32_t>(
            audio_properties_field::kChannels, "channels", 0);
        tensor.audio_properties = audio;
      }
    }
    ReadProcessUnits(t, tensor);
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

}  // namespace

ModelMetadata ParseModelMetadata(const uint8_t* data, size_t size,
                                 const std::string& source) {
  Reader reader(data, size, source);
  reader.RequireFileIdentifier("M001", "TFLite metadata flatbuffer");
  const Table root = reader.Root();

  ModelMetadata metadata;
  metadata.name = root.StringOr(model_metadata_field::kName, "name");
  metadata.description =
      root.StringOr(model_metadata_field::kDescription, "description");
  metadata.version = root.StringOr(model_metadata_field::kVersion, "version");
  metadata.min_parser_version = root.StringOr(
      model_metadata_field::kMinParserVersion, "min_parser_version");
  metadata.associated_files =
      ReadAssociatedFiles(root, model_metadata_field::kAssociatedFiles);

  std::optional<Vector> subgraphs = root.VectorField(
      model_metadata_field::kSubgraphMetadata, "subgraph_metadata", 4);
  if (subgraphs && !subgraphs->empty()) {
    const Table subgraph = subgraphs->TableAt(0);
    metadata.input_tensors = ReadTensorMetadata(
        subgraph, subgraph_metadata_field::kInputTensorMetadata,
        "input_tensor_metadata");
    metadata.output_tensors = ReadTensorMetadata(
        subgraph, subgraph_metadata_field::kOutputTensorMetadata,
        "output_tensor_metadata");
  }
  return metadata;
}

}  // namespace audioclf
