// AudioBuffer keeps the most recent `buffer_frames` frames of interleaved
// float32 audio, the window a model consumes. It sits on a RingBuffer:
// loading appends and drops the oldest frames in O(frames loaded) (no
// shift), and the window is copied out oldest-first with at most two memcpy,
// straight into a model's input tensor. Single-threaded; for a capture
// thread feeding a classifier use RingBuffer directly.
#ifndef AUDIOCLF_AUDIO_AUDIO_BUFFER_H_
#define AUDIOCLF_AUDIO_AUDIO_BUFFER_H_

#include <cstddef>
#include <vector>

#include "audioclf/audio/audio_converter.h"
#include "audioclf/audio/audio_format.h"
#include "audioclf/audio/ring_buffer.h"

namespace audioclf {

class AudioBuffer {
 public:
  // Throws Error(kInvalidArgument) for zero channels, rate or frames.
  AudioBuffer(AudioFormat format, size_t buffer_frames);

  const AudioFormat& format() const { return format_; }
  size_t buffer_frames() const { return buffer_frames_; }
  size_t buffer_samples() const { return buffer_frames_ * format_.channels; }

  // Zeroes the buffer.
  void Clear();

  // Appends `frames` interleaved frames, keeping the latest buffer_frames().
  // Throws Error(kInvalidArgument) if a sample is NaN or infinite (the
  // buffer is then left unchanged).
  void Load(const float* interleaved, size_t frames);
  // The same from any sample format and memory layout; the channel count
  // must be the buffer's.
  void Load(const AudioView& audio);
  // Appends the newest `frames` frames held by `ring` (fewer if it holds
  // fewer), without consuming them.
  void LoadLatest(const RingBuffer& ring, size_t frames);

  // Copies the window, oldest frame first, into `dst` (buffer_samples()
  // floats).
  void CopyTo(float* dst) const;

 private:
  AudioFormat format_;
  size_t buffer_frames_;
  RingBuffer ring_;             // always holds at least buffer_frames_ frames
  std::vector<float> scratch_;  // conversions of non-float input
};

// Index of the first NaN or infinite value in `samples`, or `count` if all
// are finite. Branch-free so it vectorizes.
size_t FindNonFinite(const float* samples, size_t count);

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_AUDIO_BUFFER_H_
