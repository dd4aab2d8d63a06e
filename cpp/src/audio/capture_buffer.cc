#include "audioclf/audio/capture_buffer.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "audioclf/audio/audio_converter.h"
#include "audioclf/stream_classifier.h"

namespace audioclf {
namespace {
// The pump also wakes on its own this often, so a missed notification
// (the capture thread never waits for the pump) costs at most this delay.
constexpr auto kPollInterval = std::chrono::milliseconds(2);
// The longest a reader waits for the pump to catch up with the writer.
constexpr auto kReadWait = std::chrono::milliseconds(200);
}  // namespace

CaptureBuffer::CaptureBuffer(AudioFormat format, size_t window_frames, size_t ring_frames)
    : format_(format),
      ring_(std::max(ring_frames, window_frames), format.channels),
      window_(format, window_frames) {
  block_.resize(ring_.capacity_frames() * format.channels);
}

CaptureBuffer::~CaptureBuffer() { Stop(); }

size_t CaptureBuffer::Write(const void* interleaved, SampleFormat format, size_t frames) {
  size_t written = ring_.Write(interleaved, format, frames);
  data_ready_.store(true, std::memory_order_release);
  wake_.notify_one();  // no lock taken: the capture thread must not wait
  return written;
}

void CaptureBuffer::Start() {
  if (running_.exchange(true)) return;
  pump_ = std::thread(&CaptureBuffer::Pump, this);
}

void CaptureBuffer::Stop() {
  if (!running_.exchange(false)) return;
  wake_.notify_all();
  if (pump_.joinable()) pump_.join();
}

void CaptureBuffer::Pump() {
  while (running_.load(std::memory_order_acquire)) {
    WaitForData();
    data_ready_.store(false, std::memory_order_release);
    while (size_t frames = ring_.Read(block_.data(), ring_.capacity_frames())) {
      const size_t count = frames * format_.channels;
      // The capture thread does not check samples; zero what a broken
      // device delivers instead of losing the block (timestamps count it).
      for (size_t start = 0; start < count;) {
        size_t bad = FindNonFinite(block_.data() + start, count - start);
        if (bad == count - start) break;
        block_[start + bad] = 0.0f;
        nonfinite_.fetch_add(1, std::memory_order_relaxed);
        start += bad + 1;
      }
      {
        std::lock_guard<std::mutex> lock(window_mutex_);
        window_.Load(block_.data(), frames);
        windowed_frames_ += frames;
      }
      windowed_.notify_all();
      std::lock_guard<std::mutex> lock(stream_mutex_);
      if (stream_ != nullptr) {
        try {
          stream_->Feed(AudioView::Interleaved(block_.data(), SampleFormat::kFloat32, frames,
                                               format_.channels));
        } catch (const std::exception&) {
          // A stopped or failed stream reports its error to its own reader.
        }
      }
    }
  }
}

void CaptureBuffer::WaitForData() {
  std::unique_lock<std::mutex> lock(wake_mutex_);
  wake_.wait_for(lock, kPollInterval, [&] {
    return data_ready_.load(std::memory_order_acquire) ||
           !running_.load(std::memory_order_acquire);
  });
}

size_t CaptureBuffer::ReadLatest(float* dst, size_t frames) {
  std::unique_lock<std::mutex> lock(window_mutex_);
  // Serve every frame written before this call: wait (briefly, bounded) for
  // the pump to move them into the window.
  const uint64_t written = ring_.frames_written();
  windowed_.wait_for(lock, kReadWait, [&] {
    return windowed_frames_ >= written || !running_.load(std::memory_order_acquire);
  });
  frames = std::min(frames, window_.buffer_frames());
  const size_t channels = format_.channels;
  std::vector<float> all(window_.buffer_samples());
  window_.CopyTo(all.data());
  std::memcpy(dst, all.data() + (window_.buffer_frames() - frames) * channels,
              frames * channels * sizeof(float));
  return frames;
}

void CaptureBuffer::CopyWindowTo(AudioBuffer* buffer, size_t frames) {
  std::vector<float> latest(std::min(frames, window_.buffer_frames()) * format_.channels);
  size_t got = ReadLatest(latest.data(), latest.size() / format_.channels);
  buffer->Load(latest.data(), got);
}

void CaptureBuffer::Attach(StreamClassifier* stream) {
  std::lock_guard<std::mutex> lock(stream_mutex_);
  stream_ = stream;
}

}  // namespace audioclf
