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
    {
      std::unique_lock<std::mutex> lock(wake_mutex_);
      wake_.wait_for(lock, kPollInterval, [&] {
        return data_ready_.load(std::memory_order_acquire) ||
               !running_.load(std::memory_order_acquire);
      });
    }
    data_ready_.store(false, std::memory_order_release);
    while (size_t frames = ring_.Read(block_.data(), ring_.capacity_frames())) {
      std::lock_guard<std::mutex> lock(window_mutex_);
      // Samples are not checked on the capture thread; a bad block is
      // dropped here instead of stopping the stream.
      try {
        window_.Load(block_.data(), frames);
        if (stream_ != nullptr) {
          stream_->Feed(AudioView::Interleaved(block_.data(), SampleFormat::kFloat32, frames,
                                               format_.channels));
        }
      } catch (const std::exception&) {
        // A stopped or failed stream reports its error to its own reader.
      }
    }
  }
}

size_t CaptureBuffer::ReadLatest(float* dst, size_t frames) {
  std::lock_guard<std::mutex> lock(window_mutex_);
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
  std::lock_guard<std::mutex> lock(window_mutex_);
  stream_ = stream;
}

}  // namespace audioclf
