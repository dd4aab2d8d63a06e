// AudioClassifier: a TFLite audio classification model run on LiteRT.
//
//   audioclf::AudioClassifierOptions options;
//   options.base_options.file_name = "yamnet.tflite";
//   options.base_options.litert_library = "/path/to/libLiteRt.so";
//   auto classifier = audioclf::AudioClassifier::CreateFromOptions(options);
//   audioclf::AudioBuffer buffer = classifier->CreateInputAudioBuffer();
//   buffer.Load(samples, frames);
//   audioclf::ClassificationResult result = classifier->Classify(buffer);
//
// Results equal the TFLite Task Library's AudioClassifier on the same model
// and samples. Classify may be called from any thread: concurrent calls
// each get an engine of their own from the classifier's pool.
#ifndef AUDIOCLF_AUDIO_CLASSIFIER_H_
#define AUDIOCLF_AUDIO_CLASSIFIER_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "audioclf/audio/audio_buffer.h"
#include "audioclf/audio/audio_format.h"
#include "audioclf/base_options.h"
#include "audioclf/model/model_metadata.h"
#include "audioclf/model/tflite_model.h"
#include "audioclf/processor/classification_postprocessor.h"
#include "audioclf/processor/classification_result.h"
#include "audioclf/runtime/compiled_model.h"

namespace audioclf {

struct AudioClassifierOptions {
  BaseOptions base_options;
  ClassificationOptions classification_options;
  // For models without audio metadata; when set, must agree with metadata.
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
  // A label file (one label per line) for a single-head model without
  // labels in its metadata.
  std::string label_file;
  // Applied to every head's raw outputs, for models that emit logits.
  Activation activation = Activation::kNone;
};

// What a model is, as the CLI's `info` and Python's introspection show it.
struct ModelDescription {
  std::string source;
  AudioFormat audio_format;
  size_t input_samples = 0;  // frames * channels
  bool has_metadata = false;
  std::string name;
  std::string version;
  std::vector<TensorInfo> outputs;
  std::vector<ClassificationHead> heads;
  std::vector<std::string> locales;  // of all label files, sorted
};

class AudioClassifier {
 public:
  // Throws Error(kInvalidArgument) for a bad model, metadata or option and
  // Error(kRuntime) when the runtime cannot be loaded or fails.
  static std::unique_ptr<AudioClassifier> CreateFromOptions(
      const AudioClassifierOptions& options);

  // Classifies the buffer's window. Its format and size must be the model's.
  ClassificationResult Classify(const AudioBuffer& buffer);
  // Classifies exactly one window of interleaved float32 frames.
  ClassificationResult Classify(const float* interleaved, size_t frames);

  const AudioFormat& required_audio_format() const { return format_; }
  // Samples (frames * channels) the model consumes per window, as the Task
  // Library reports it.
  size_t required_input_buffer_size() const { return window_frames_ * format_.channels; }
  size_t window_frames() const { return window_frames_; }
  AudioBuffer CreateInputAudioBuffer() const;
  const ModelDescription& description() const { return description_; }
  const AudioClassifierOptions& options() const { return options_; }

  // For parallel inference: another compiled instance of the same parsed
  // model, and classification of one window on it. Engines are not shared
  // between threads; ClassifyOn is otherwise thread-safe.
  std::unique_ptr<CompiledModel> CreateEngine(int num_threads) const;
  ClassificationResult ClassifyOn(CompiledModel& engine, const float* window) const;
  // Engines kept for reuse: compiling a model costs far more than classifying
  // a window, so streams over many short files borrow them instead.
  std::vector<std::unique_ptr<CompiledModel>> TakeEngines(size_t count, int num_threads) const;
  void ReturnEngines(std::vector<std::unique_ptr<CompiledModel>> engines, int num_threads) const;

 private:
  class EngineLoan;
  AudioClassifier() = default;
  ClassificationResult RunAndPostprocess(CompiledModel& engine) const;

  AudioClassifierOptions options_;
  AudioFormat format_;
  size_t window_frames_ = 0;
  ModelDescription description_;
  std::shared_ptr<LiteRtModelHandle> handle_;
  std::vector<ClassificationPostprocessor> postprocessors_;
  // LiteRT lists outputs in signature order; heads follow the subgraph's.
  std::vector<size_t> output_order_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::pair<int, std::unique_ptr<CompiledModel>>> pool_;
  // Bounded, so a burst of wide streams does not pin memory forever. Set
  // once: hardware_concurrency() opens a sysfs file on every call.
  size_t pool_limit_ = 2;
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_CLASSIFIER_H_
