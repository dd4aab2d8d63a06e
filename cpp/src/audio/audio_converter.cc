#include "audioclf/audio/audio_converter.h"

#include <cstring>
#include <string>

#include "audioclf/audio/audio_buffer.h"
#include "audioclf/audio/resampler.h"
#include "audioclf/error.h"
#include "audioclf/limits.h"

namespace audioclf {

AudioView AudioView::Interleaved(const void* data, SampleFormat format,
                                 size_t frames, uint32_t channels) {
  AudioView view;
  view.data = data;
  view.format = format;
  view.frames = frames;
  view.channels = channels;
  const auto bytes = static_cast<ptrdiff_t>(BytesPerSample(format));
  view.channel_stride = bytes;
  view.frame_stride = bytes * static_cast<ptrdiff_t>(channels);
  return view;
}

bool AudioView::is_interleaved() const {
  const auto bytes = static_cast<ptrdiff_t>(BytesPerSample(format));
  return channel_stride == bytes &&
         (frame_stride == bytes * static_cast<ptrdiff_t>(channels) || frames <= 1);
}

AudioConverter::AudioConverter(uint32_t input_rate, uint32_t input_channels,
                               AudioFormat output, const ConversionOptions& options)
    : input_rate_(input_rate),
      input_channels_(input_channels),
      output_(output),
      options_(options) {
  if (input_rate < limits::kMinSampleRate || input_rate > limits::kMaxSampleRate) {
    ThrowInvalidArgument("sample_rate: " + std::to_string(input_rate) + " Hz is outside " +
                         std::to_string(limits::kMinSampleRate) + ".." +
                         std::to_string(limits::kMaxSampleRate) + " Hz");
  }
  if (input_channels == 0) ThrowInvalidArgument("audio has 0 channels");
  if (input_channels > limits::kMaxChannels) {
    ThrowInvalidArgument("audio has " + std::to_string(input_channels) +
                         " channels, more than the limit of " +
                         std::to_string(limits::kMaxChannels));
  }
  if (output.sample_rate == 0 || output.channels == 0) {
    ThrowInvalidArgument("model audio format must have a rate and channels");
  }
  if (options.channel_mode == ChannelMode::kSelect) {
    if (options.channel >= input_channels) {
      ThrowInvalidArgument("channel: " + std::to_string(options.channel) +
                           " selected but the audio has " +
                           std::to_string(input_channels) + " channel(s)");
    }
    if (output.channels != 1) {
      ThrowInvalidArgument("channel: selecting one channel needs a mono model; this one has " +
                           std::to_string(output.channels) + " channels");
    }
  } else if (input_channels != output.channels && input_channels != 1 &&
             output.channels != 1) {
    ThrowInvalidArgument("audio has " + std::to_string(input_channels) +
                         " channels and the model " + std::to_string(output.channels) +
                         "; only mono, downmix to mono and equal counts are mapped");
  }
  if (input_rate != output.sample_rate) {
    if (!options.allow_resampling) {
      ThrowInvalidArgument("sample_rate: audio is " + std::to_string(input_rate) +
                           " Hz, the model expects " + std::to_string(output.sample_rate) +
                           " Hz, and resampling is disabled");
    }
    resampler_ = std::make_unique<Resampler>(input_rate, output.sample_rate, output.channels,
                                             options.resampler);
  }
}

AudioConverter::~AudioConverter() = default;
AudioConverter::AudioConverter(AudioConverter&&) noexcept = default;
AudioConverter& AudioConverter::operator=(AudioConverter&&) noexcept = default;

void AudioConverter::ToFloatInterleaved(const AudioView& input) {
  const size_t channels = input.channels;
  float_.resize(input.frames * channels);
  if (input.is_interleaved()) {
    ConvertToFloat(input.data, input.format, input.frames * channels, float_.data());
    return;
  }
  const auto* base = static_cast<const unsigned char*>(input.data);
  const size_t bytes = BytesPerSample(input.format);
  if (input.frame_stride == static_cast<ptrdiff_t>(bytes)) {
    // Planar (e.g. a Fortran-ordered array): convert each channel's run,
    // then interleave.
    mapped_.resize(input.frames);
    for (size_t c = 0; c < channels; ++c) {
      ConvertToFloat(base + c * input.channel_stride, input.format, input.frames,
                     mapped_.data());
      for (size_t f = 0; f < input.frames; ++f) float_[f * channels + c] = mapped_[f];
    }
    return;
  }
  // Any other stride: gather sample by sample.
  for (size_t f = 0; f < input.frames; ++f) {
    for (size_t c = 0; c < channels; ++c) {
      ConvertToFloat(base + f * input.frame_stride + c * input.channel_stride,
                     input.format, 1, &float_[f * channels + c]);
    }
  }
}

void AudioConverter::MapChannels(size_t frames, std::vector<float>* out) {
  const size_t in = input_channels_;
  const size_t model = output_.channels;
  const size_t start = out->size();
  out->resize(start + frames * model);
  float* dst = out->data() + start;
  if (in == model) {
    std::memcpy(dst, float_.data(), frames * in * sizeof(float));
  } else if (options_.channel_mode == ChannelMode::kSelect) {
    for (size_t f = 0; f < frames; ++f) dst[f] = float_[f * in + options_.channel];
  } else if (model == 1 && in == 2) {
    // Stereo, the common case, in a loop the compiler vectorizes.
    const float* src = float_.data();
    for (size_t f = 0; f < frames; ++f) dst[f] = (src[2 * f] + src[2 * f + 1]) * 0.5f;
  } else if (model == 1) {
    const float scale = 1.0f / static_cast<float>(in);
    for (size_t f = 0; f < frames; ++f) {
      float sum = 0.0f;
      for (size_t c = 0; c < in; ++c) sum += float_[f * in + c];
      dst[f] = sum * scale;
    }
  } else {  // mono to several channels: the same signal on each
    for (size_t f = 0; f < frames; ++f) {
      for (size_t c = 0; c < model; ++c) dst[f * model + c] = float_[f];
    }
  }
}

void AudioConverter::Process(const AudioView& input, std::vector<float>* out) {
  if (input.channels != input_channels_) {
    ThrowInvalidArgument("audio block has " + std::to_string(input.channels) +
                         " channel(s), expected " + std::to_string(input_channels_));
  }
  if (input.frames == 0) return;
  ToFloatInterleaved(input);
  size_t bad = FindNonFinite(float_.data(), float_.size());
  if (bad != float_.size()) {
    ThrowInvalidArgument("audio sample " + std::to_string(bad / input_channels_) +
                         " (channel " + std::to_string(bad % input_channels_) +
                         ") is NaN or infinite; samples must be finite");
  }
  if (!resampler_) {
    MapChannels(input.frames, out);
    return;
  }
  mapped_.clear();
  MapChannels(input.frames, &mapped_);
  resampler_->Process(mapped_.data(), input.frames, out);
}

void AudioConverter::Flush(std::vector<float>* out) {
  if (resampler_) resampler_->Flush(out);
}

void AudioConverter::Reset() {
  if (resampler_) resampler_->Reset();
}

uint64_t AudioConverter::OutputFrames(uint64_t input_frames) const {
  if (!resampler_) return input_frames;
  return (input_frames * output_.sample_rate + input_rate_ - 1) / input_rate_;
}

Resampler::SeekPoint AudioConverter::SeekFor(uint64_t first_output) const {
  if (resampler_) return resampler_->SeekFor(first_output);
  Resampler::SeekPoint seek;
  seek.input_frame = seek.output_frame = first_output;
  return seek;
}

uint64_t AudioConverter::InputFramesFor(uint64_t output_end) const {
  return resampler_ ? resampler_->InputFramesFor(output_end) : output_end;
}

}  // namespace audioclf
