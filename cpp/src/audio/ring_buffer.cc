#include "audioclf/audio/ring_buffer.h"

#include <cstring>
#include <limits>
#include <string>

#include "audioclf/error.h"

// Memory ordering, in one place. Each side owns one position: only the
// producer stores write_pos_, only the consumer stores read_pos_.
//  - Producer: acquire read_pos_ (the consumer has finished copying the
//    slots it freed before we overwrite them), write samples, release
//    write_pos_ (publishes the samples).
//  - Consumer: acquire write_pos_ (the samples are visible), copy, release
//    read_pos_ (hands the slots back).
// A side loads its own position relaxed: nobody else stores it.

namespace audioclf {
namespace {

size_t RoundUpToPowerOfTwo(size_t min_frames, uint32_t channels) {
  if (channels == 0) ThrowInvalidArgument("ring buffer: channels must be > 0");
  if (min_frames == 0) {
    ThrowInvalidArgument("ring buffer: capacity must be > 0 frames");
  }
  // Largest capacity whose samples are addressable in bytes.
  const size_t max_frames =
      std::numeric_limits<size_t>::max() / sizeof(float) / channels;
  size_t capacity = 1;
  while (capacity < min_frames && capacity <= max_frames / 2) capacity *= 2;
  if (capacity < min_frames) {
    ThrowInvalidArgument("ring buffer: capacity of " +
                         std::to_string(min_frames) + " frames x " +
                         std::to_string(channels) + " channels is too large");
  }
  return capacity;
}

}  // namespace

RingBuffer::RingBuffer(size_t min_capacity_frames, uint32_t channels)
    : capacity_(RoundUpToPowerOfTwo(min_capacity_frames, channels)),
      channels_(channels),
      mask_(static_cast<uint64_t>(capacity_) - 1),
      samples_(capacity_ * channels) {}

bool RingBuffer::ReserveForWrite(size_t frames, uint64_t* write_pos) {
  const uint64_t w = write_pos_.load(std::memory_order_relaxed);
  // The cached read position only lags the real one, so it can only
  // underestimate the free space: re-read when the block seems not to fit.
  // (Written as `frames > free` so a huge `frames` cannot overflow.)
  if (frames > capacity_ - static_cast<size_t>(w - cached_read_pos_)) {
    cached_read_pos_ = read_pos_.load(std::memory_order_acquire);
    if (frames > capacity_ - static_cast<size_t>(w - cached_read_pos_)) {
      // Only this thread stores the counter, so no read-modify-write needed.
      overrun_frames_.store(
          overrun_frames_.load(std::memory_order_relaxed) + frames,
          std::memory_order_relaxed);
      return false;
    }
  }
  *write_pos = w;
  return true;
}

size_t RingBuffer::Write(const float* interleaved, size_t frames) {
  uint64_t w;
  if (frames == 0 || !ReserveForWrite(frames, &w)) return 0;
  const size_t slot = static_cast<size_t>(w & mask_);
  const size_t first = frames < capacity_ - slot ? frames : capacity_ - slot;
  float* ring = samples_.data();
  std::memcpy(ring + slot * channels_, interleaved,
              first * channels_ * sizeof(float));
  if (first < frames) {
    std::memcpy(ring, interleaved + first * channels_,
                (frames - first) * channels_ * sizeof(float));
  }
  write_pos_.store(w + frames, std::memory_order_release);
  return frames;
}

size_t RingBuffer::Write(const void* interleaved, SampleFormat format,
                         size_t frames) {
  uint64_t w;
  if (frames == 0 || !ReserveForWrite(frames, &w)) return 0;
  const size_t slot = static_cast<size_t>(w & mask_);
  const size_t first = frames < capacity_ - slot ? frames : capacity_ - slot;
  float* ring = samples_.data();
  ConvertToFloat(interleaved, format, first * channels_, ring + slot * channels_);
  if (first < frames) {
    const auto* rest = static_cast<const unsigned char*>(interleaved) +
                       first * channels_ * BytesPerSample(format);
    ConvertToFloat(rest, format, (frames - first) * channels_, ring);
  }
  write_pos_.store(w + frames, std::memory_order_release);
  return frames;
}

size_t RingBuffer::available_frames() const {
  // Read position first: it never passes the write position, so loading the
  // write position afterwards cannot give a negative difference, whichever
  // thread calls this.
  const uint64_t r = read_pos_.load(std::memory_order_acquire);
  const uint64_t w = write_pos_.load(std::memory_order_acquire);
  return static_cast<size_t>(w - r);
}

void RingBuffer::CopyOut(uint64_t pos, size_t frames, float* dst) const {
  const size_t slot = static_cast<size_t>(pos & mask_);
  const size_t first = frames < capacity_ - slot ? frames : capacity_ - slot;
  const float* ring = samples_.data();
  std::memcpy(dst, ring + slot * channels_, first * channels_ * sizeof(float));
  if (first < frames) {
    std::memcpy(dst + first * channels_, ring,
                (frames - first) * channels_ * sizeof(float));
  }
}

size_t RingBuffer::Peek(float* dst, size_t frames) const {
  const uint64_t r = read_pos_.load(std::memory_order_relaxed);
  const uint64_t w = write_pos_.load(std::memory_order_acquire);
  const size_t n = w - r < frames ? static_cast<size_t>(w - r) : frames;
  if (n > 0) CopyOut(r, n, dst);
  return n;
}

size_t RingBuffer::Read(float* dst, size_t frames) {
  const size_t n = Peek(dst, frames);
  if (n > 0) {
    read_pos_.store(read_pos_.load(std::memory_order_relaxed) + n,
                    std::memory_order_release);
  }
  return n;
}

bool RingBuffer::CopyLatest(float* dst, size_t frames,
                            uint64_t* first_frame) const {
  const uint64_t r = read_pos_.load(std::memory_order_relaxed);
  const uint64_t w = write_pos_.load(std::memory_order_acquire);
  // Frames in [r, w) are unread, so the producer will not touch them until
  // this thread advances read_pos_.
  if (w - r < frames) return false;
  if (frames > 0) CopyOut(w - frames, frames, dst);
  if (first_frame != nullptr) *first_frame = w - frames;
  return true;
}

size_t RingBuffer::Discard(size_t frames) {
  const uint64_t r = read_pos_.load(std::memory_order_relaxed);
  const uint64_t w = write_pos_.load(std::memory_order_acquire);
  const size_t n = w - r < frames ? static_cast<size_t>(w - r) : frames;
  if (n > 0) read_pos_.store(r + n, std::memory_order_release);
  return n;
}

size_t RingBuffer::DiscardAllBut(size_t keep_frames) {
  const uint64_t r = read_pos_.load(std::memory_order_relaxed);
  const uint64_t w = write_pos_.load(std::memory_order_acquire);
  if (w - r <= keep_frames) return 0;
  read_pos_.store(w - keep_frames, std::memory_order_release);
  return static_cast<size_t>(w - keep_frames - r);
}

void RingBuffer::Reset() {
  write_pos_.store(0, std::memory_order_relaxed);
  read_pos_.store(0, std::memory_order_relaxed);
  overrun_frames_.store(0, std::memory_order_relaxed);
  cached_read_pos_ = 0;
}

}  // namespace audioclf
