#include "audioclf/audio/audio_buffer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "audioclf/error.h"

namespace audioclf {

size_t FindNonFinite(const float* samples, size_t count) {
  // Scan in blocks with an integer test on the exponent bits, which compilers
  // vectorize; only a flagged block is searched element by element.
  constexpr size_t kBlock = 256;
  for (size_t start = 0; start < count; start += kBlock) {
    size_t end = start + kBlock < count ? start + kBlock : count;
    uint32_t flagged = 0;
    for (size_t i = start; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, samples + i, sizeof(bits));
      flagged |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (flagged != 0) {
      for (size_t i = start; i < end; ++i) {
        uint32_t bits;
        std::memcpy(&bits, samples + i, sizeof(bits));
        if ((bits & 0x7f800000u) == 0x7f800000u) return i;
      }
    }
  }
  return count;
}

AudioBuffer::AudioBuffer(AudioFormat format, size_t buffer_frames)
    : format_(format), buffer_frames_(buffer_frames) {
  if (format.channels == 0) ThrowInvalidArgument("audio format: channels must be > 0");
  if (format.sample_rate == 0) {
    ThrowInvalidArgument("audio format: sample_rate must be > 0");
  }
  if (buffer_frames == 0) ThrowInvalidArgument("buffer_size must be > 0 frames");
  samples_.assign(buffer_samples(), 0.0f);
}

void AudioBuffer::Clear() {
  std::fill(samples_.begin(), samples_.end(), 0.0f);
  head_ = 0;
}

void AudioBuffer::Load(const float* interleaved, size_t frames) {
  const size_t channels = format_.channels;
  const size_t capacity = samples_.size();
  // Only the last buffer_frames frames can survive the load.
  if (frames > buffer_frames_) {
    interleaved += (frames - buffer_frames_) * channels;
    frames = buffer_frames_;
  }
  const size_t count = frames * channels;
  size_t bad = FindNonFinite(interleaved, count);
  if (bad != count) {
    ThrowInvalidArgument("audio sample " + std::to_string(bad / channels) +
                         " (channel " + std::to_string(bad % channels) +
                         ") is NaN or infinite; samples must be finite");
  }
  // head_ is both the oldest frame and where the next frame goes.
  size_t first = capacity - head_ < count ? capacity - head_ : count;
  std::memcpy(samples_.data() + head_, interleaved, first * sizeof(float));
  std::memcpy(samples_.data(), interleaved + first,
              (count - first) * sizeof(float));
  head_ = (head_ + count) % capacity;
}

void AudioBuffer::CopyTo(float* dst) const {
  const size_t capacity = samples_.size();
  std::memcpy(dst, samples_.data() + head_, (capacity - head_) * sizeof(float));
  std::memcpy(dst + (capacity - head_), samples_.data(), head_ * sizeof(float));
}

}  // namespace audioclf
