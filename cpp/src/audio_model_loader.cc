#include "audio_model_loader.h"

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "audioclf/regular_file.h"

namespace audioclf {

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? "," : "") + std::to_string(shape[i]);
  }
  return out + "]";
}

ModelBytes ReadModelBytes(const BaseOptions& base) {
  ModelBytes out;
  out.bytes = std::make_shared<std::string>();
  if (!base.file_content.empty()) {
    out.source = "<model bytes>";
    if (base.file_content.size() > limits::kMaxModelBytes) {
      ThrowInvalidArgument("base_options.file_content: " +
                           std::to_string(base.file_content.size()) +
                           " bytes, more than the limit of " +
                           std::to_string(limits::kMaxModelBytes));
    }
    *out.bytes = base.file_content;
  } else if (!base.file_name.empty()) {
    out.source = base.file_name;
    *out.bytes = ReadRegularFile(base.file_name, "model file", limits::kMaxModelBytes);
  } else {
    ThrowInvalidArgument("base_options: set file_name or file_content");
  }
  return out;
}

LoadedAudioModel LoadAudioModel(const BaseOptions& base, uint32_t sample_rate,
                                uint32_t channels) {
  return LoadAudioModel(ReadModelBytes(base), base.num_threads, sample_rate, channels);
}

LoadedAudioModel LoadAudioModel(ModelBytes model_bytes, int num_threads, uint32_t sample_rate,
                                uint32_t channels) {
  LoadedAudioModel model;
  model.source = std::move(model_bytes.source);
  model.bytes = std::move(model_bytes.bytes);
  if (num_threads == 0 || num_threads < -1) {
    ThrowInvalidArgument("base_options.num_threads: must be > 0 or -1, got " +
                         std::to_string(num_threads));
  }
  const std::string& source = model.source;

  // Parse everything ourselves first: bad bytes must be a clear error, and
  // LiteRT's own checks are not built for hostile input.
  const auto* data = reinterpret_cast<const uint8_t*>(model.bytes->data());
  const size_t size = model.bytes->size();
  model.info = ParseTfliteModel(data, size, source);
  const TfliteModelInfo& info = model.info;
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

  if (info.has_metadata) {
    model.has_metadata = true;
    model.metadata = ParseModelMetadata(data + info.metadata_offset,
                                        info.metadata_size, source + " metadata");
    if (ZipArchive::HasArchive(data, size)) {
      model.files = std::make_unique<ZipArchive>(ZipArchive::Parse(data, size, source));
    }
    if (!model.metadata.output_tensors.empty() &&
        model.metadata.output_tensors.size() != info.outputs.size()) {
      ThrowInvalidArgument(source + ": metadata describes " +
                           std::to_string(model.metadata.output_tensors.size()) +
                           " output tensors but the model has " +
                           std::to_string(info.outputs.size()));
    }
  }

  // Audio format: metadata first, options must agree or fill the gap.
  AudioFormat& format = model.format;
  const TensorMetadata* input_metadata =
      model.metadata.input_tensors.empty() ? nullptr : &model.metadata.input_tensors[0];
  if (input_metadata != nullptr && input_metadata->audio_properties) {
    format.sample_rate = input_metadata->audio_properties->sample_rate;
    format.channels = input_metadata->audio_properties->channels;
    if (sample_rate != 0 && sample_rate != format.sample_rate) {
      ThrowInvalidArgument("sample_rate: the model's metadata says " +
                           std::to_string(format.sample_rate) + " Hz, got " +
                           std::to_string(sample_rate));
    }
    if (channels != 0 && channels != format.channels) {
      ThrowInvalidArgument("channels: the model's metadata says " +
                           std::to_string(format.channels) + ", got " +
                           std::to_string(channels));
    }
  } else {
    if (sample_rate == 0) {
      ThrowInvalidArgument(
          source + ": input tensor 0 is missing TensorMetadata with "
          "AudioProperties, so its sample rate is unknown; give sample_rate "
          "(and channels, default 1) in the options");
    }
    format.sample_rate = sample_rate;
    format.channels = channels == 0 ? 1 : channels;
  }
  if (format.sample_rate == 0 || format.channels == 0) {
    ThrowInvalidArgument(source + ": AudioProperties in the metadata has "
                         "sample_rate " + std::to_string(format.sample_rate) +
                         " and channels " + std::to_string(format.channels) +
                         "; both must be > 0");
  }
  if (format.sample_rate < limits::kMinSampleRate ||
      format.sample_rate > limits::kMaxSampleRate) {
    ThrowInvalidArgument(source + ": the model's sample rate " +
                         std::to_string(format.sample_rate) + " Hz is outside " +
                         std::to_string(limits::kMinSampleRate) + ".." +
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
  model.input_samples = static_cast<size_t>(input_samples);
  model.window_frames = model.input_samples / format.channels;
  return model;
}

std::vector<size_t> MatchOutputs(const LoadedAudioModel& loaded, const CompiledModel& model) {
  const std::string& source = loaded.source;
  const TfliteModelInfo& info = loaded.info;
  const size_t input_samples = loaded.input_samples;
  std::vector<size_t> order;
  if (model.num_inputs() != 1 || model.num_outputs() != info.outputs.size()) {
    ThrowRuntimeError(source + ": LiteRT reports " +
                      std::to_string(model.num_inputs()) + " inputs and " +
                      std::to_string(model.num_outputs()) +
                      " outputs, the model file " +
                      std::to_string(info.outputs.size()) + " outputs");
  }
  if (model.input(0).byte_size != input_samples * sizeof(float)) {
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
    order.push_back(match);
  }
  return order;
}

}  // namespace audioclf
