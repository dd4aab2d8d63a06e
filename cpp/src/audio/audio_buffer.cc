#include "audioclf/audio/audio_buffer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "audioclf/error.h"
#include "audioclf/limits.h"

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

namespace {

AudioFormat Checked(AudioFormat format, size_t buffer_frames) {
  if (format.channels == 0) ThrowInvalidArgument("audio format: channels must be > 0");
  if (format.sample_rate == 0) ThrowInvalidArgument("audio format: sample_rate must be > 0");
  if (buffer_frames == 0) ThrowInvalidArgument("buffer_size must be > 0 frames");
  if (buffer_frames > limits::kMaxAudioBufferSamples / format.channels) {
    ThrowInvalidArgument("buffer_size: " + std::to_string(buffer_frames) + " frames of " +
                         std::to_string(format.channels) + " channel(s) is more than the limit of " +
                         std::to_string(limits::kMaxAudioBufferSamples) + " samples");
  }
  return format;
}

}  // namespace

AudioBuffer::AudioBuffer(AudioFormat format, size_t buffer_frames)
    : format_(Checked(format, buffer_frames)),
      buffer_frames_(buffer_frames),
      ring_(buffer_frames, format.channels) {
  Clear();
}

void AudioBuffer::Clear() {
  ring_.Reset();
  // Start full of silence, so the window is always complete.
  scratch_.assign(buffer_samples(), 0.0f);
  ring_.Write(scratch_.data(), buffer_frames_);
}

void AudioBuffer::Load(const float* interleaved, size_t frames) {
  const size_t channels = format_.channels;
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
  ring_.DiscardAllBut(ring_.capacity_frames() - frames);
  ring_.Write(interleaved, frames);
}

void AudioBuffer::Load(const AudioView& audio) {
  if (audio.channels != format_.channels) {
    ThrowInvalidArgument("audio has " + std::to_string(audio.channels) +
                         " channel(s), the buffer holds " + std::to_string(format_.channels));
  }
  AudioView tail = audio;
  if (tail.frames > buffer_frames_) {
    tail.data = static_cast<const unsigned char*>(tail.data) +
                static_cast<ptrdiff_t>(tail.frames - buffer_frames_) * tail.frame_stride;
    tail.frames = buffer_frames_;
  }
  // One conversion pass into scratch, then the float path (same checks).
  AudioConverter converter(format_.sample_rate, format_.channels, format_);
  scratch_.clear();
  converter.Process(tail, &scratch_);
  Load(scratch_.data(), tail.frames);
}

void AudioBuffer::LoadLatest(const RingBuffer& ring, size_t frames) {
  if (ring.channels() != format_.channels) {
    ThrowInvalidArgument("ring buffer has " + std::to_string(ring.channels()) +
                         " channel(s), the audio buffer " + std::to_string(format_.channels));
  }
  frames = std::min({frames, buffer_frames_, ring.available_frames()});
  scratch_.resize(frames * format_.channels);
  if (frames == 0 || !ring.CopyLatest(scratch_.data(), frames)) return;
  Load(scratch_.data(), frames);
}

void AudioBuffer::CopyTo(float* dst) const { ring_.CopyLatest(dst, buffer_frames_); }

}  // namespace audioclf
