// AudioConverter turns whatever a file or device produces into the frames a
// model consumes: any PCM sample format and memory layout, any channel count
// (downmixed by averaging, one channel picked, or mono duplicated), any sample
// rate (resampled by the streaming band-limited Resampler). Streaming: blocks
// of any size in, the same output as converting the whole signal at once.
#ifndef AUDIOCLF_AUDIO_AUDIO_CONVERTER_H_
#define AUDIOCLF_AUDIO_AUDIO_CONVERTER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "audioclf/audio/audio_format.h"
#include "audioclf/audio/pcm_convert.h"
#include "audioclf/audio/resampler.h"

namespace audioclf {

// A block of input audio in memory: `frames` frames of `channels` samples of
// `format`, where sample (f, c) is at data + f * frame_stride +
// c * channel_stride bytes (interleaved, planar/Fortran order, or strided).
struct AudioView {
  const void* data = nullptr;
  SampleFormat format = SampleFormat::kFloat32;
  size_t frames = 0;
  uint32_t channels = 1;
  ptrdiff_t frame_stride = 0;
  ptrdiff_t channel_stride = 0;

  static AudioView Interleaved(const void* data, SampleFormat format,
                               size_t frames, uint32_t channels);
  bool is_interleaved() const;
};

enum class ChannelMode {
  kAverage,  // more channels than the model: average them (default)
  kSelect,   // take channel `channel` only
};

struct ConversionOptions {
  ChannelMode channel_mode = ChannelMode::kAverage;
  uint32_t channel = 0;           // for kSelect
  bool allow_resampling = true;   // false: a rate mismatch is an error
  // kHighQuality by default; kMediaPipe reproduces MediaPipe's filter.
  ResamplerProfile resampler = ResamplerProfile::kHighQuality;
};

class AudioConverter {
 public:
  // Throws Error(kInvalidArgument) when the channel mapping is impossible,
  // a rate is 0, or resampling is needed but not allowed.
  AudioConverter(uint32_t input_rate, uint32_t input_channels,
                 AudioFormat output, const ConversionOptions& options = {});
  ~AudioConverter();
  AudioConverter(AudioConverter&&) noexcept;
  AudioConverter& operator=(AudioConverter&&) noexcept;

  uint32_t input_rate() const { return input_rate_; }
  uint32_t input_channels() const { return input_channels_; }
  const AudioFormat& output_format() const { return output_; }
  bool resamples() const { return resampler_ != nullptr; }

  // Converts `input` (its channel count must be input_channels()) and
  // appends the output frames it completes, interleaved, to *out. Throws
  // Error(kInvalidArgument) on NaN or infinite samples.
  void Process(const AudioView& input, std::vector<float>* out);
  // End of input: appends what the resampler still holds.
  void Flush(std::vector<float>* out);
  void Reset();

  // Output frames for `input_frames` frames at the input rate (rounded up).
  uint64_t OutputFrames(uint64_t input_frames) const;

  // For converting one long signal in segments (on several threads, each
  // with its own converter): after Reset(), input fed from
  // SeekFor(k).input_frame on yields output frames from SeekFor(k).output_frame
  // on, equal to one whole conversion's from frame k on (bit for bit when
  // `exact`); InputFramesFor(end) input frames complete outputs before `end`.
  Resampler::SeekPoint SeekFor(uint64_t first_output) const;
  uint64_t InputFramesFor(uint64_t output_end) const;

 private:
  void ToFloatInterleaved(const AudioView& input);  // into float_
  void MapChannels(size_t frames, std::vector<float>* out);

  uint32_t input_rate_;
  uint32_t input_channels_;
  AudioFormat output_;
  ConversionOptions options_;
  std::vector<float> float_;   // input as float, interleaved
  std::vector<float> mapped_;  // after channel mapping, before resampling
  std::unique_ptr<Resampler> resampler_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_AUDIO_CONVERTER_H_
