// RingBuffer: a lock-free single-producer single-consumer queue of
// interleaved float32 audio frames, between a capture thread (e.g. a
// PortAudio callback) and a classifier thread.
//
// Neither side ever blocks, locks or allocates after construction. The
// producer never overwrites unread frames: a block that does not fit in the
// free space is dropped whole and counted in overrun_frames(), so the two
// threads never touch the same samples at the same time (no data race, clean
// under ThreadSanitizer). The consumer reads either FIFO (every frame, in
// order) or the newest N frames (CopyLatest, a model's input window); both
// copy with at most two memcpy.
//
// Positions are 64-bit frame counters that never wrap (at 192 kHz that takes
// three million years), so frames_written()/frames_read() are also exact
// stream timestamps.
//
// Thread roles: Write is for the one producer thread; available_frames, Read,
// Peek, CopyLatest, Discard and DiscardAllBut are for the one consumer
// thread; the counters may be read from any thread; Reset only while neither
// thread is using the buffer.
#ifndef AUDIOCLF_AUDIO_RING_BUFFER_H_
#define AUDIOCLF_AUDIO_RING_BUFFER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "audioclf/audio/pcm_convert.h"

namespace audioclf {

class RingBuffer {
 public:
  // Capacity is `min_capacity_frames` rounded up to a power of two (so a slot
  // is a mask, not a division). Throws Error(kInvalidArgument) for zero
  // channels or frames, or a size that does not fit in memory.
  RingBuffer(size_t min_capacity_frames, uint32_t channels);

  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  size_t capacity_frames() const { return capacity_; }
  uint32_t channels() const { return channels_; }

  // ---- producer thread ----
  // Writes all `frames` interleaved frames, or none if they do not fit in the
  // free space (they are then counted in overrun_frames()). Returns the
  // frames written: `frames` or 0. Samples are stored as given (no NaN
  // check: that would make the real-time side throw).
  size_t Write(const float* interleaved, size_t frames);
  // The same from PCM in any SampleFormat, converted straight into the ring.
  size_t Write(const void* interleaved, SampleFormat format, size_t frames);

  // ---- consumer thread ----
  // Frames readable now (more may arrive at any time).
  size_t available_frames() const;
  // Copies and consumes up to `frames` of the oldest frames into `dst`
  // (frames * channels() floats). Returns the frames copied.
  size_t Read(float* dst, size_t frames);
  // Like Read but consumes nothing.
  size_t Peek(float* dst, size_t frames) const;
  // Copies the newest `frames` frames, oldest first, into `dst` without
  // consuming them; returns false (and copies nothing) if fewer are
  // available. If `first_frame` is given it receives the stream index of the
  // first frame copied (the newest frame is *first_frame + frames - 1), which
  // a separate frames_written() call could not give exactly.
  bool CopyLatest(float* dst, size_t frames,
                  uint64_t* first_frame = nullptr) const;
  // Consumes up to `frames` of the oldest frames without copying; returns the
  // frames consumed.
  size_t Discard(size_t frames);
  // Consumes all but the newest `keep_frames` frames, making room for the
  // producer when only the latest window matters; returns the frames
  // consumed.
  size_t DiscardAllBut(size_t keep_frames);

  // ---- any thread ----
  // Frames accepted by Write since construction (or Reset).
  uint64_t frames_written() const {
    return write_pos_.load(std::memory_order_acquire);
  }
  // Frames consumed (Read, Discard, DiscardAllBut) since construction.
  uint64_t frames_read() const {
    return read_pos_.load(std::memory_order_acquire);
  }
  // Frames dropped by Write because their block did not fit.
  uint64_t overrun_frames() const {
    return overrun_frames_.load(std::memory_order_relaxed);
  }

  // Empties the buffer and zeroes the counters. Only while neither thread is
  // using the buffer (it is not synchronized with Write or Read).
  void Reset();

 private:
  // Reserves room for `frames` frames; returns false (and counts an overrun)
  // if they do not fit.
  bool ReserveForWrite(size_t frames, uint64_t* write_pos);
  // Copies `frames` frames starting at stream position `pos` into `dst`.
  void CopyOut(uint64_t pos, size_t frames, float* dst) const;

  // A cache line on common x86-64 and ARM cores. A literal rather than
  // std::hardware_destructive_interference_size, whose value GCC warns may
  // change between compiler versions (an ABI hazard in a header).
  static constexpr size_t kCacheLine = 64;

  // Written once in the constructor, read by both threads.
  const size_t capacity_;  // frames, a power of two
  const uint32_t channels_;
  const uint64_t mask_;  // capacity_ - 1: position -> slot
  std::vector<float> samples_;  // capacity_ * channels_, interleaved

  // Producer's cache line: its position, its stale copy of the consumer's
  // position (re-read only when the block does not seem to fit, so the
  // producer rarely pulls the consumer's line) and the overrun counter.
  alignas(kCacheLine) std::atomic<uint64_t> write_pos_{0};
  uint64_t cached_read_pos_ = 0;  // producer-only
  std::atomic<uint64_t> overrun_frames_{0};

  // Consumer's cache line. The consumer re-reads write_pos_ on every call: it
  // wants the newest data, and it calls once per hop, not per sample.
  // The alignas also makes sizeof(RingBuffer) a multiple of the line, so
  // nothing outside the object shares this line.
  alignas(kCacheLine) std::atomic<uint64_t> read_pos_{0};

  static_assert(std::atomic<uint64_t>::is_always_lock_free,
                "RingBuffer needs lock-free 64-bit atomics to be real-time safe");
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_RING_BUFFER_H_
