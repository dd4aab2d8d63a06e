// StreamClassifier classifies audio that arrives in blocks: a file read
// piece by piece, a live microphone, a socket. Blocks of any size, format,
// rate and channel count go in (converted by AudioConverter); every `hop`
// the latest window goes to a pool of worker threads, each with its own
// compiled copy of the model; results come out in time order with exact
// timestamps derived from sample counts.
//
//   StreamClassifier stream(classifier, options);
//   while (reading) stream.Feed(AudioView::Interleaved(block, ...));
//   stream.Finish();                          // pads and classifies the tail
//   while (auto r = stream.PopResult()) ...   // or a callback
//
// Two back-pressure policies when inference is slower than the audio: kQueue
// (offline: Feed waits, nothing is lost, memory stays bounded) and kLatest
// (live: a window still waiting when a newer one is ready is skipped and
// counted).
#ifndef AUDIOCLF_STREAM_CLASSIFIER_H_
#define AUDIOCLF_STREAM_CLASSIFIER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "audioclf/audio/audio_converter.h"
#include "audioclf/audio_classifier.h"

namespace audioclf {

enum class Backpressure { kQueue, kLatest };

struct StreamOptions {
  uint32_t input_rate = 0;      // 0: the model's rate
  uint32_t input_channels = 0;  // 0: the model's channel count
  ConversionOptions conversion;
  uint64_t hop_frames = 0;      // at the model's rate; 0: one window
  bool pad_last = true;         // Finish(): classify the zero-padded tail
  int workers = 1;              // 0: one per core
  int threads_per_worker = 1;   // XNNPACK threads of each worker's model
  Backpressure backpressure = Backpressure::kQueue;
  // kQueue: windows that may wait for a worker; 0: two per worker. Deeper
  // queues let a reader that shares the cores run ahead (at most 1024).
  size_t queued_windows = 0;
};

struct WindowResult {
  uint64_t index = 0;        // window number, from 0
  uint64_t start_frame = 0;  // at the model's rate
  double start_seconds = 0;
  double end_seconds = 0;    // start + window, or the end of the audio
  // When inference finished, in seconds of the monotonic clock (std::
  // steady_clock; Python's time.monotonic()), for latency measurements.
  double ready_monotonic = 0;
  ClassificationResult result;
};

// The worker count options.workers asks for (0: one per core), after
// checking it and threads_per_worker; throws Error(kInvalidArgument).
size_t ResolveWorkers(const StreamOptions& options);

class StreamClassifier {
 public:
  using Callback = std::function<void(WindowResult&&)>;

  // `classifier` must outlive the stream. With a callback, results are
  // delivered to it (in order, from a worker thread, one at a time) instead
  // of PopResult. Throws Error(kInvalidArgument) for bad options.
  StreamClassifier(const AudioClassifier& classifier, const StreamOptions& options,
                   Callback callback = nullptr);
  ~StreamClassifier();  // Stop()s
  StreamClassifier(const StreamClassifier&) = delete;
  StreamClassifier& operator=(const StreamClassifier&) = delete;

  // Producer side (one thread at a time).
  void Feed(const AudioView& block);
  // End of input: flushes the resampler, classifies the padded tail, and
  // waits until every result has been delivered. Rethrows a worker's error.
  void Finish();
  // Stops now: windows not yet started are dropped; windows being classified
  // finish and are delivered (callback, or PopResult until it returns empty),
  // workers are joined, and no callback runs after it returns. Safe to call
  // more than once.
  void Stop();

  // Consumer side: the next result in time order; waits up to `timeout_ms`
  // (negative: until one arrives or the stream ends). Empty when finished
  // or stopped, or on time-out (check done()). Rethrows a worker's error.
  std::optional<WindowResult> PopResult(int timeout_ms = -1);
  bool done() const;

  uint64_t windows_classified() const;
  uint64_t windows_skipped() const;  // kLatest only
  uint64_t input_frames() const;     // at the input rate
  size_t window_frames() const { return window_frames_; }
  uint64_t hop_frames() const { return hop_frames_; }
  const AudioFormat& model_format() const { return model_format_; }

 private:
  struct Job {
    uint64_t index;
    uint64_t start_frame;
    uint64_t valid_frames;  // frames of real audio in the window
    std::vector<float> samples;
  };

  void Enqueue(uint64_t start_frame, uint64_t valid_frames);
  void TakeWindows();
  void Worker(size_t id);
  void Deliver(uint64_t index, std::optional<WindowResult> result);
  void Fail(std::exception_ptr error);
  void RethrowIfFailed();

  const AudioClassifier& classifier_;
  StreamOptions options_;
  Callback callback_;
  AudioFormat model_format_;
  size_t window_frames_;
  uint64_t hop_frames_;
  AudioConverter converter_;

  // Producer state.
  std::vector<float> pending_;       // converted frames from pending_start_
  uint64_t pending_start_ = 0;       // model frame index of pending_[0]
  uint64_t next_window_start_ = 0;
  uint64_t converted_frames_ = 0;    // model frames produced so far
  uint64_t next_index_ = 0;
  uint64_t input_frames_ = 0;
  bool finished_ = false;

  // Shared state.
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;   // workers wait
  std::condition_variable space_ready_;  // Feed waits (kQueue)
  std::condition_variable result_ready_; // PopResult / Finish wait
  std::deque<Job> queue_;
  std::vector<std::vector<float>> free_buffers_;
  size_t max_queue_;
  bool stopping_ = false;
  bool input_closed_ = false;
  std::exception_ptr error_;
  uint64_t classified_ = 0;
  uint64_t skipped_ = 0;

  // Ordered delivery.
  std::mutex deliver_mutex_;
  std::map<uint64_t, std::optional<WindowResult>> reorder_;
  uint64_t next_deliver_ = 0;
  std::deque<WindowResult> results_;  // for PopResult
  uint64_t delivered_ = 0;           // windows accounted for (results or skips)

  std::vector<std::unique_ptr<CompiledModel>> engines_;
  std::vector<std::thread> threads_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_STREAM_CLASSIFIER_H_
