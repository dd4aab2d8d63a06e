#include "audioclf/audio_classifier.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <thread>

#include "audio_model_loader.h"
#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "audioclf/regular_file.h"
#include "audioclf/model/zip_archive.h"

namespace audioclf {

std::unique_ptr<AudioClassifier> AudioClassifier::CreateFromOptions(
    const AudioClassifierOptions& options) {
  options.classification_options.Validate();
  LoadedAudioModel loaded =
      LoadAudioModel(options.base_options, options.sample_rate, options.channels);
  const BaseOptions& base = options.base_options;
  const std::string& source = loaded.source;
  const TfliteModelInfo& info = loaded.info;
  const ModelMetadata& metadata = loaded.metadata;
  const ZipArchive* files = loaded.files.get();

  std::unique_ptr<AudioClassifier> classifier(new AudioClassifier());
  classifier->options_ = options;
  classifier->pool_limit_ = 2 * std::max(1u, std::thread::hardware_concurrency());
  ModelDescription& description = classifier->description_;
  description.source = source;
  description.has_metadata = loaded.has_metadata;
  description.name = metadata.name;
  description.version = metadata.version;
  classifier->format_ = loaded.format;
  classifier->window_frames_ = loaded.window_frames;
  description.audio_format = loaded.format;
  description.input_samples = loaded.input_samples;
  description.outputs = info.outputs;

  // Heads and their post-processing.
  std::set<std::string> locales;
  for (size_t i = 0; i < info.outputs.size(); ++i) {
    const TensorMetadata* output_metadata =
        i < metadata.output_tensors.size() ? &metadata.output_tensors[i] : nullptr;
    // The class count bounds the labels kept, before any line is stored.
    const int32_t classes = info.outputs[i].shape.empty() ? 0 : info.outputs[i].shape.back();
    const size_t max_labels = static_cast<size_t>(std::max<int32_t>(classes, 1));
    ClassificationHead head = BuildClassificationHead(
        output_metadata, files,
        options.classification_options.display_names_locale, source, max_labels);
    if (output_metadata != nullptr) {
      for (const AssociatedFile& file : output_metadata->associated_files) {
        if (file.type == AssociatedFileType::kTensorAxisLabels && !file.locale.empty()) {
          locales.insert(file.locale);
        }
      }
    }
    if (!options.label_file.empty() && head.labels.empty()) {
      if (info.outputs.size() != 1) {
        ThrowInvalidArgument("label_file: the model has " +
                             std::to_string(info.outputs.size()) +
                             " outputs; a label file applies to one");
      }
      head.labels = ParseLabelFile(
          ReadRegularFile(options.label_file, "label file", limits::kMaxLabelFileBytes),
          "label file '" + options.label_file + "'", max_labels);
    }
    head.activation = options.activation;
    description.heads.push_back(head);
    classifier->postprocessors_.emplace_back(static_cast<int>(i), info.outputs[i],
                                             std::move(head),
                                             options.classification_options, source);
  }
  description.locales.assign(locales.begin(), locales.end());

  // Only now start the runtime: every input error above is cheap to report.
  auto runtime = LiteRtRuntime::Open(base.litert_library);
  classifier->handle_ = std::make_shared<LiteRtModelHandle>(
      runtime, loaded.bytes, source,
      WeightCacheOptions{base.weight_cache, base.weight_cache_dir});
  auto engine = std::make_unique<CompiledModel>(classifier->handle_, base.num_threads);
  classifier->output_order_ = MatchOutputs(loaded, *engine);
  // The first engine waits in the pool: the first Classify() or the first
  // worker of a file takes it, so a one-worker run compiles nothing more.
  std::vector<std::unique_ptr<CompiledModel>> first;
  first.push_back(std::move(engine));
  classifier->ReturnEngines(std::move(first), base.num_threads);
  return classifier;
}

// An engine from the pool for one call (a new one when another thread has
// it), given back however the call ends.
class AudioClassifier::EngineLoan {
 public:
  explicit EngineLoan(const AudioClassifier& owner)
      : owner_(owner), engines_(owner.TakeEngines(1, owner.options_.base_options.num_threads)) {}
  ~EngineLoan() {
    owner_.ReturnEngines(std::move(engines_), owner_.options_.base_options.num_threads);
  }
  CompiledModel* operator->() { return engines_[0].get(); }
  CompiledModel& operator*() { return *engines_[0]; }

 private:
  const AudioClassifier& owner_;
  std::vector<std::unique_ptr<CompiledModel>> engines_;
};

AudioBuffer AudioClassifier::CreateInputAudioBuffer() const {
  return AudioBuffer(format_, window_frames_);
}

ClassificationResult AudioClassifier::Classify(const AudioBuffer& buffer) {
  if (buffer.format() != format_) {
    ThrowInvalidArgument(
        "audio buffer format is " + std::to_string(buffer.format().channels) +
        " channel(s) at " + std::to_string(buffer.format().sample_rate) +
        " Hz; the model expects " + std::to_string(format_.channels) +
        " channel(s) at " + std::to_string(format_.sample_rate) + " Hz");
  }
  if (buffer.buffer_frames() != window_frames_) {
    ThrowInvalidArgument("audio buffer holds " +
                         std::to_string(buffer.buffer_frames()) +
                         " frames; the model's window is " +
                         std::to_string(window_frames_) + " frames");
  }
  EngineLoan engine(*this);
  buffer.CopyTo(static_cast<float*>(engine->input(0).data));
  return RunAndPostprocess(*engine);
}

ClassificationResult AudioClassifier::Classify(const float* interleaved,
                                               size_t frames) {
  if (frames != window_frames_) {
    ThrowInvalidArgument("audio holds " + std::to_string(frames) +
                         " frames; the model's window is " +
                         std::to_string(window_frames_) + " frames (" +
                         std::to_string(required_input_buffer_size()) +
                         " samples)");
  }
  const size_t count = frames * format_.channels;
  size_t bad = FindNonFinite(interleaved, count);
  if (bad != count) {
    ThrowInvalidArgument("audio sample " + std::to_string(bad / format_.channels) +
                         " is NaN or infinite; samples must be finite");
  }
  EngineLoan engine(*this);
  std::memcpy(engine->input(0).data, interleaved, count * sizeof(float));
  return RunAndPostprocess(*engine);
}

std::unique_ptr<CompiledModel> AudioClassifier::CreateEngine(int num_threads) const {
  return std::make_unique<CompiledModel>(handle_, num_threads);
}

namespace {
// LiteRT's default (num_threads <= 0) is one thread: the same engine as 1.
int PoolKey(int num_threads) { return num_threads <= 0 ? 1 : num_threads; }
}  // namespace

std::vector<std::unique_ptr<CompiledModel>> AudioClassifier::TakeEngines(size_t count,
                                                                         int num_threads) const {
  std::vector<std::unique_ptr<CompiledModel>> engines;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    for (auto it = pool_.begin(); it != pool_.end() && engines.size() < count;) {
      if (it->first == PoolKey(num_threads)) {
        engines.push_back(std::move(it->second));
        it = pool_.erase(it);
      } else {
        ++it;
      }
    }
  }
  while (engines.size() < count) engines.push_back(CreateEngine(num_threads));
  return engines;
}

void AudioClassifier::ReturnEngines(std::vector<std::unique_ptr<CompiledModel>> engines,
                                    int num_threads) const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  for (auto& engine : engines) {
    if (engine && pool_.size() < pool_limit_) pool_.emplace_back(PoolKey(num_threads), std::move(engine));
  }
}

ClassificationResult AudioClassifier::ClassifyOn(CompiledModel& engine,
                                                 const float* window) const {
  std::memcpy(engine.input(0).data, window, engine.input(0).byte_size);
  return RunAndPostprocess(engine);
}

ClassificationResult AudioClassifier::RunAndPostprocess(CompiledModel& engine) const {
  engine.Run();
  ClassificationResult result;
  result.classifications.reserve(postprocessors_.size());
  for (size_t i = 0; i < postprocessors_.size(); ++i) {
    result.classifications.push_back(
        postprocessors_[i].Postprocess(engine.output(output_order_[i]).data));
  }
  return result;
}

}  // namespace audioclf
