// AudioEmbedder: a TFLite audio model whose outputs are feature vectors.
//
//   audioclf::AudioEmbedderOptions options;
//   options.base_options.file_name = "embedder.tflite";
//   options.embedding_options.l2_normalize = true;
//   auto embedder = audioclf::AudioEmbedder::CreateFromOptions(options);
//   audioclf::AudioBuffer buffer = embedder->CreateInputAudioBuffer();
//   buffer.Load(samples, frames);
//   audioclf::EmbeddingResult result = embedder->Embed(buffer);
//
// Every output tensor is one embedding. Embed may be called from any
// thread; calls on one embedder are serialized.
#ifndef AUDIOCLF_AUDIO_EMBEDDER_H_
#define AUDIOCLF_AUDIO_EMBEDDER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audioclf/audio/audio_buffer.h"
#include "audioclf/audio/audio_format.h"
#include "audioclf/base_options.h"
#include "audioclf/processor/embedding_postprocessor.h"
#include "audioclf/runtime/compiled_model.h"

namespace audioclf {

struct AudioEmbedderOptions {
  BaseOptions base_options;
  EmbeddingOptions embedding_options;
  // For models without audio metadata; when set, must agree with metadata.
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
  // Embeds this tensor of subgraph 0 instead of the model's output: an
  // intermediate layer such as a classifier's penultimate one (BirdNET's
  // "model/GLOBAL_AVG_POOL/Mean"), or one output of several. The model is
  // rewritten to output only that tensor (model/model_rewriter.h).
  std::string output_tensor_name;
};

class AudioEmbedder {
 public:
  // Throws Error(kInvalidArgument) for a bad model or option and
  // Error(kRuntime) when the runtime cannot be loaded or fails.
  static std::unique_ptr<AudioEmbedder> CreateFromOptions(const AudioEmbedderOptions& options);

  // Embeds the buffer's window. Its format and size must be the model's.
  EmbeddingResult Embed(const AudioBuffer& buffer);
  // Embeds exactly one window of interleaved float32 frames.
  EmbeddingResult Embed(const float* interleaved, size_t frames);

  const AudioFormat& required_audio_format() const { return format_; }
  // Samples (frames * channels) per window, as the Task Library reports it.
  size_t required_input_buffer_size() const { return window_frames_ * format_.channels; }
  size_t window_frames() const { return window_frames_; }
  size_t number_of_output_layers() const { return postprocessors_.size(); }
  // The output's dimension, or -1 when `output_index` is out of range.
  int embedding_dimension(int output_index) const;
  AudioBuffer CreateInputAudioBuffer() const;
  const AudioEmbedderOptions& options() const { return options_; }

 private:
  AudioEmbedder() = default;
  EmbeddingResult RunAndPostprocess();

  AudioEmbedderOptions options_;
  AudioFormat format_;
  size_t window_frames_ = 0;
  std::shared_ptr<LiteRtModelHandle> handle_;
  std::unique_ptr<CompiledModel> model_;
  std::vector<EmbeddingPostprocessor> postprocessors_;
  std::vector<size_t> output_order_;
  std::mutex mutex_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_EMBEDDER_H_
