#include "audioclf/audio_embedder.h"

#include <cstring>

#include "audio_model_loader.h"
#include "audioclf/error.h"
#include "audioclf/model/model_rewriter.h"

namespace audioclf {

std::unique_ptr<AudioEmbedder> AudioEmbedder::CreateFromOptions(
    const AudioEmbedderOptions& options) {
  ModelBytes model_bytes = ReadModelBytes(options.base_options);
  if (!options.output_tensor_name.empty()) {
    // A private copy: file_content may be shared with other tasks.
    model_bytes.bytes = std::make_shared<std::string>(*model_bytes.bytes);
    RedirectOutput(*model_bytes.bytes, options.output_tensor_name, model_bytes.source,
                   "output_tensor_name");
  }
  LoadedAudioModel loaded = LoadAudioModel(std::move(model_bytes), options.base_options.num_threads,
                                           options.sample_rate, options.channels);
  std::unique_ptr<AudioEmbedder> embedder(new AudioEmbedder());
  embedder->options_ = options;
  embedder->format_ = loaded.format;
  embedder->window_frames_ = loaded.window_frames;
  for (size_t i = 0; i < loaded.info.outputs.size(); ++i) {
    embedder->postprocessors_.emplace_back(static_cast<int>(i), loaded.info.outputs[i],
                                           options.embedding_options, loaded.source);
  }
  // Only now start the runtime: every input error above is cheap to report.
  auto runtime = LiteRtRuntime::Open(options.base_options.litert_library);
  embedder->handle_ = std::make_shared<LiteRtModelHandle>(
      runtime, loaded.bytes, loaded.source,
      WeightCacheOptions{options.base_options.weight_cache, options.base_options.weight_cache_dir});
  embedder->model_ =
      std::make_unique<CompiledModel>(embedder->handle_, options.base_options.num_threads);
  embedder->output_order_ = MatchOutputs(loaded, *embedder->model_);
  return embedder;
}

int AudioEmbedder::embedding_dimension(int output_index) const {
  if (output_index < 0 || static_cast<size_t>(output_index) >= postprocessors_.size()) return -1;
  return postprocessors_[static_cast<size_t>(output_index)].dimension();
}

AudioBuffer AudioEmbedder::CreateInputAudioBuffer() const {
  return AudioBuffer(format_, window_frames_);
}

EmbeddingResult AudioEmbedder::Embed(const AudioBuffer& buffer) {
  if (buffer.format() != format_) {
    ThrowInvalidArgument(
        "audio buffer format is " + std::to_string(buffer.format().channels) +
        " channel(s) at " + std::to_string(buffer.format().sample_rate) +
        " Hz; the model expects " + std::to_string(format_.channels) + " channel(s) at " +
        std::to_string(format_.sample_rate) + " Hz");
  }
  if (buffer.buffer_frames() != window_frames_) {
    ThrowInvalidArgument("audio buffer holds " + std::to_string(buffer.buffer_frames()) +
                         " frames; the model's window is " + std::to_string(window_frames_) +
                         " frames");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  buffer.CopyTo(static_cast<float*>(model_->input(0).data));
  return RunAndPostprocess();
}

EmbeddingResult AudioEmbedder::Embed(const float* interleaved, size_t frames) {
  if (frames != window_frames_) {
    ThrowInvalidArgument("audio holds " + std::to_string(frames) +
                         " frames; the model's window is " + std::to_string(window_frames_) +
                         " frames (" + std::to_string(required_input_buffer_size()) +
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
  return RunAndPostprocess();
}

EmbeddingResult AudioEmbedder::RunAndPostprocess() {
  model_->Run();
  EmbeddingResult result;
  result.embeddings.reserve(postprocessors_.size());
  for (size_t i = 0; i < postprocessors_.size(); ++i) {
    result.embeddings.push_back(
        postprocessors_[i].Postprocess(model_->output(output_order_[i]).data));
  }
  return result;
}

}  // namespace audioclf
