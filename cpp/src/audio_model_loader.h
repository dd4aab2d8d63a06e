// Reads and checks an audio model's bytes, input tensor and audio format:
// the part every audio task (classifier, embedder) does before its outputs.
#ifndef AUDIOCLF_SRC_AUDIO_MODEL_LOADER_H_
#define AUDIOCLF_SRC_AUDIO_MODEL_LOADER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audioclf/audio/audio_format.h"
#include "audioclf/base_options.h"
#include "audioclf/model/model_metadata.h"
#include "audioclf/model/tflite_model.h"
#include "audioclf/model/zip_archive.h"
#include "audioclf/runtime/compiled_model.h"

namespace audioclf {

struct LoadedAudioModel {
  std::string source;  // the path, or "<model bytes>"
  std::shared_ptr<std::string> bytes;
  TfliteModelInfo info;
  bool has_metadata = false;
  ModelMetadata metadata;
  std::unique_ptr<ZipArchive> files;  // associated files, when packed
  AudioFormat format{0, 0};
  size_t window_frames = 0;
  size_t input_samples = 0;  // frames * channels
};

// Throws Error(kInvalidArgument) naming the file or option at fault.
// `sample_rate`/`channels` (0: unset) fill in for missing audio metadata
// and must agree with it when present.
LoadedAudioModel LoadAudioModel(const BaseOptions& base, uint32_t sample_rate,
                                uint32_t channels);

// The model's bytes (file_content, else the file_name's contents) and how
// errors name them; throws Error(kInvalidArgument) when neither is set.
struct ModelBytes {
  std::string source;
  std::shared_ptr<std::string> bytes;
};
ModelBytes ReadModelBytes(const BaseOptions& base);
// LoadAudioModel on bytes already read (and possibly rewritten).
LoadedAudioModel LoadAudioModel(ModelBytes model_bytes, int num_threads, uint32_t sample_rate,
                                uint32_t channels);

// Checks what LiteRT compiled against the parsed model and returns, for
// each model output, the index of the runtime's output that holds it
// (LiteRT lists outputs in signature order). Throws Error(kRuntime).
std::vector<size_t> MatchOutputs(const LoadedAudioModel& loaded, const CompiledModel& model);

std::string ShapeString(const std::vector<int32_t>& shape);

}  // namespace audioclf

#endif  // AUDIOCLF_SRC_AUDIO_MODEL_LOADER_H_
