// CaptureBuffer sits between a capture thread (a PortAudio callback) and
// everything that consumes live audio. The capture thread only writes into a
// lock-free RingBuffer (one copy, never blocks, never allocates) and pokes a
// pump thread; the pump drains the ring in order into (a) a window of the
// newest frames that Read/ReadLatest serve, and (b) an attached
// StreamClassifier, if any. So the ring has exactly one producer and one
// consumer, and the newest audio is always available however rarely it is
// read.
#ifndef AUDIOCLF_AUDIO_CAPTURE_BUFFER_H_
#define AUDIOCLF_AUDIO_CAPTURE_BUFFER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "audioclf/audio/audio_buffer.h"
#include "audioclf/audio/ring_buffer.h"

namespace audioclf {

class StreamClassifier;

class CaptureBuffer {
 public:
  // Keeps the newest `window_frames` frames readable; the ring holds
  // `ring_frames` (rounded up to a power of two) between the two threads.
  CaptureBuffer(AudioFormat format, size_t window_frames, size_t ring_frames);
  ~CaptureBuffer();  // Stop()s
  CaptureBuffer(const CaptureBuffer&) = delete;
  CaptureBuffer& operator=(const CaptureBuffer&) = delete;

  const AudioFormat& format() const { return format_; }

  // ---- capture thread ----
  // Copies a block of interleaved samples into the ring and wakes the pump.
  // Returns the frames accepted (0 when the ring was full: an overrun).
  size_t Write(const void* interleaved, SampleFormat format, size_t frames);

  // ---- any other thread ----
  void Start();  // starts the pump (idempotent)
  void Stop();   // stops and joins the pump; Write keeps working
  // The newest `frames` frames (at most the window), oldest first, into dst.
  // Returns the frames copied (zeros fill in before enough have arrived).
  // While the pump runs, frames written before the call are included (it
  // waits up to 200 ms for the pump to move them into the window).
  size_t ReadLatest(float* dst, size_t frames);
  void CopyWindowTo(AudioBuffer* buffer, size_t frames);
  // Routes every frame from now on into `stream` too (nullptr detaches).
  // After a detach returns, the pump no longer touches the old stream; the
  // caller keeps the stream alive until then.
  void Attach(StreamClassifier* stream);

  uint64_t frames_captured() const { return ring_.frames_written(); }
  uint64_t overrun_frames() const { return ring_.overrun_frames(); }
  // NaN or infinite samples the pump replaced by 0 (the capture thread
  // does not check; a broken device must not stall the stream).
  uint64_t nonfinite_samples() const { return nonfinite_.load(std::memory_order_relaxed); }
  size_t window_frames() const { return window_.buffer_frames(); }

 private:
  void Pump();
  void WaitForData();  // until the capture thread wrote, or a short poll interval

  AudioFormat format_;
  RingBuffer ring_;
  std::atomic<bool> data_ready_{false};
  std::mutex wake_mutex_;
  std::condition_variable wake_;

  std::mutex window_mutex_;  // guards window_ and windowed_frames_
  AudioBuffer window_;
  uint64_t windowed_frames_ = 0;  // frames the pump has loaded into window_
  std::condition_variable windowed_;
  std::mutex stream_mutex_;  // guards stream_; held while feeding it
  StreamClassifier* stream_ = nullptr;
  std::atomic<uint64_t> nonfinite_{0};

  std::atomic<bool> running_{false};
  std::thread pump_;
  std::vector<float> block_;  // pump-only scratch
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_CAPTURE_BUFFER_H_
