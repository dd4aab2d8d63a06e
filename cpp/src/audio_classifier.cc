#include "audioclf/audio_classifier.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <thread>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "audioclf/regular_file.h"
#include "audioclf/model/zip_archive.h"

namespace audioclf {
namespace {

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? "," : "") + std::to_string(shape[i]);
  }
  return out + "]";
}

// LiteRT is C++ inside its C API, and a std::exception (a logic_error, a
// bad_alloc) escaping it would reach the caller without context.
template <typename F>
auto CallLiteRt(const std::string& source, const char* doing, F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    ThrowRuntimeError(source + ": LiteRT failed while " + doing + ": " + e.what());
  }
}

}  // namespace

std::unique_ptr<AudioClassifier> AudioClassifier::CreateFromOptions(
    const AudioClassifierOptions& options) {
  options.classification_options.Validate();
  const BaseOptions& base = options.base_options;
  std::string source;
  auto bytes = std::make_shared<std::string>();
  if (!base.file_content.empty()) {
    source = "<model bytes>";
    if (base.file_content.size() > limits::kMaxModelBytes) {
      ThrowInvalidArgument("base_options.file_content: " +
                           std::to_string(base.file_content.size()) +
                           " bytes, more than the limit of " +
                           std::to_string(limits::kMaxModelBytes));
    }
    *bytes = base.file_content;
  } else if (!base.file_name.empty()) {
    source = base.file_name;
    *bytes = ReadRegularFile(base.file_name, "model file", limits::kMaxModelBytes);
  } else {
    ThrowInvalidArgument("base_options: set file_name or file_content");
  }
  if (base.num_threads == 0 || base.num_threads < -1) {
    ThrowInvalidArgument("base_options.num_threads: must be > 0 or -1, got " +
                         std::to_string(base.num_threads));
  }

  std::unique_ptr<AudioClassifier> classifier(new AudioClassifier());
  classifier->options_ = options;
  ModelDescription& description = classifier->description_;
  description.source = source;

  // Parse everything ourselves first: bad bytes must be a clear error, and
  // LiteRT's own checks are not built for hostile input.
  const auto* data = reinterpret_cast<const uint8_t*>(bytes->data());
  TfliteModelInfo info = ParseTfliteModel(data, bytes->size(), source);
  if (info.inputs.size() != 1) {
    ThrowInvalidArgument(source + ": expected 1 input tensor, found " +
                         std::to_string(info.inputs.size()));
  }
  if (info.outputs.empty()) ThrowInvalidArgument(source + ": model has no outputs");
  const TensorInfo& input = info.inputs[0];
  if (input.type != ElementType::kFloat32) {
    ThrowInvalidArgument(source + ": input tensor 0 has type " +
                         ElementTypeName(input.type) + ", expected float32");
  }
  int64_t input_samples = input.ElementCount();
  bool batch_ok = input.shape.size() == 1 ||
                  (input.shape.size() == 2 && input.shape[0] == 1);
  if (!batch_ok || input_samples <= 0) {
    ThrowInvalidArgument(source + ": input tensor 0 has shape " +
                         ShapeString(input.shape) + ", expected [N] or [1,N]");
  }

  ModelMetadata metadata;
  std::unique_ptr<ZipArchive> files;
  if (info.has_metadata) {
    description.has_metadata = true;
    metadata = ParseModelMetadata(data + info.metadata_offset,
                                  info.metadata_size, source + " metadata");
    description.name = metadata.name;
    description.version = metadata.version;
    if (ZipArchive::HasArchive(data, bytes->size())) {
      files = std::make_unique<ZipArchive>(
          ZipArchive::Parse(data, bytes->size(), source));
    }
    if (!metadata.output_tensors.empty() &&
        metadata.output_tensors.size() != info.outputs.size()) {
      ThrowInvalidArgument(source + ": metadata describes " +
                           std::to_string(metadata.output_tensors.size()) +
                           " output tensors but the model has " +
                           std::to_string(info.outputs.size()));
    }
  }

  // Audio format: metadata first, options must agree or fill the gap.
  AudioFormat format{0, 0};
  const TensorMetadata* input_metadata =
      metadata.input_tensors.empty() ? nullptr : &metadata.input_tensors[0];
  if (input_metadata != nullptr && input_metadata->audio_properties) {
    format.sample_rate = input_metadata->audio_properties->sample_rate;
    format.channels = input_metadata->audio_properties->channels;
    if (options.sample_rate != 0 && options.sample_rate != format.sample_rate) {
      ThrowInvalidArgument("sample_rate: the model's metadata says " +
                           std::to_string(format.sample_rate) + " Hz, got " +
                           std::to_string(options.sample_rate));
    }
    if (options.channels != 0 && options.channels != format.channels) {
      ThrowInvalidArgument("channels: the model's metadata says " +
                           std::to_string(format.channels) + ", got " +
                           std::to_string(options.channels));
    }
  } else {
    if (options.sample_rate == 0) {
      ThrowInvalidArgument(
          source + ": input tensor 0 is missing TensorMetadata with "
          "AudioProperties, so its sample rate is unknown; give sample_rate "
          "(and channels, default 1) in the options");
    }
    format.sample_rate = options.sample_rate;
    format.channels = options.channels == 0 ? 1 : options.channels;
  }
  if (format.sample_rate == 0 || format.channels == 0) {
    ThrowInvalidArgument(source + ": AudioProperties in the metadata has "
                         "sample_rate " + std::to_string(format.sample_rate) +
                         " and channels " + std::to_string(format.channels) +
                         "; both must be > 0");
  }
  if (format.sample_rate < limits::kMinSampleRate || format.sample_rate > limits::kMaxSampleRate) {
    ThrowInvalidArgument(source + ": the model's sample rate " + std::to_string(format.sample_rate) +
                         " Hz is outside " + std::to_string(limits::kMinSampleRate) + ".." +
                         std::to_string(limits::kMaxSampleRate) + " Hz");
  }
  if (format.channels > limits::kMaxChannels) {
    ThrowInvalidArgument(source + ": the model's " + std::to_string(format.channels) +
                         " channels are more than the limit of " +
                         std::to_string(limits::kMaxChannels));
  }
  if (input_samples % format.channels != 0) {
    ThrowInvalidArgument(source + ": input tensor 0 holds " +
                         std::to_string(input_samples) +
                         " samples, not a whole number of " +
                         std::to_string(format.channels) + "-channel frames");
  }
  classifier->format_ = format;
  classifier->window_frames_ = static_cast<size_t>(input_samples) / format.channels;
  description.audio_format = format;
  description.input_samples = static_cast<size_t>(input_samples);
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
        output_metadata, files.get(),
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
  classifier->handle_ = CallLiteRt(source, "loading the model", [&] {
    return std::make_shared<LiteRtModelHandle>(runtime, bytes, source);
  });
  classifier->model_ = CallLiteRt(source, "compiling the model", [&] {
    return std::make_unique<CompiledModel>(classifier->handle_, base.num_threads);
  });
  CompiledModel& model = *classifier->model_;
  if (model.num_inputs() != 1 || model.num_outputs() != info.outputs.size()) {
    ThrowRuntimeError(source + ": LiteRT reports " +
                      std::to_string(model.num_inputs()) + " inputs and " +
                      std::to_string(model.num_outputs()) +
                      " outputs, the model file " +
                      std::to_string(info.outputs.size()) + " outputs");
  }
  if (model.input(0).byte_size != static_cast<size_t>(input_samples) * sizeof(float)) {
    ThrowRuntimeError(source + ": LiteRT's input tensor has " +
                      std::to_string(model.input(0).byte_size) +
                      " bytes, expected " +
                      std::to_string(input_samples * sizeof(float)));
  }
  for (size_t i = 0; i < info.outputs.size(); ++i) {
    // Match by tensor name where the runtime reports names; else by position.
    size_t match = i;
    for (size_t j = 0; j < model.num_outputs(); ++j) {
      if (!model.output(j).name.empty() &&
          model.output(j).name == info.outputs[i].name) {
        match = j;
        break;
      }
    }
    const CompiledModel::Tensor& tensor = model.output(match);
    if (tensor.type != info.outputs[i].type || tensor.shape != info.outputs[i].shape) {
      ThrowRuntimeError(source + ": LiteRT's output " + std::to_string(match) +
                        " is " + ElementTypeName(tensor.type) +
                        ShapeString(tensor.shape) + ", the model file's output " +
                        std::to_string(i) + " is " +
                        ElementTypeName(info.outputs[i].type) +
                        ShapeString(info.outputs[i].shape));
    }
    classifier->output_order_.push_back(match);
  }
  return classifier;
}

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
  std::lock_guard<std::mutex> lock(mutex_);
  buffer.CopyTo(static_cast<float*>(model_->input(0).data));
  return RunAndPostprocess(*model_);
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
  std::lock_guard<std::mutex> lock(mutex_);
  std::memcpy(model_->input(0).data, interleaved, count * sizeof(float));
  return RunAndPostprocess(*model_);
}

std::unique_ptr<CompiledModel> AudioClassifier::CreateEngine(int num_threads) const {
  return CallLiteRt(description_.source, "compiling the model",
                    [&] { return std::make_unique<CompiledModel>(handle_, num_threads); });
}

std::vector<std::unique_ptr<CompiledModel>> AudioClassifier::TakeEngines(size_t count,
                                                                         int num_threads) const {
  std::vector<std::unique_ptr<CompiledModel>> engines;
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    for (auto it = pool_.begin(); it != pool_.end() && engines.size() < count;) {
      if (it->first == num_threads) {
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
  // Bounded, so a burst of wide streams does not pin memory forever.
  const size_t limit = 2 * std::max(1u, std::thread::hardware_concurrency());
  std::lock_guard<std::mutex> lock(pool_mutex_);
  for (auto& engine : engines) {
    if (engine && pool_.size() < limit) pool_.emplace_back(num_threads, std::move(engine));
  }
}

ClassificationResult AudioClassifier::ClassifyOn(CompiledModel& engine,
                                                 const float* window) const {
  std::memcpy(engine.input(0).data, window, engine.input(0).byte_size);
  return RunAndPostprocess(engine);
}

ClassificationResult AudioClassifier::RunAndPostprocess(CompiledModel& engine) const {
  CallLiteRt(description_.source, "running the model", [&] { engine.Run(); });
  ClassificationResult result;
  result.classifications.reserve(postprocessors_.size());
  for (size_t i = 0; i < postprocessors_.size(); ++i) {
    result.classifications.push_back(
        postprocessors_[i].Postprocess(engine.output(output_order_[i]).data));
  }
  return result;
}

}  // namespace audioclf
