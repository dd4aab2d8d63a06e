#include "audioclf/stream_classifier.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "audioclf/error.h"
#include "audioclf/limits.h"

namespace audioclf {

size_t ResolveWorkers(const StreamOptions& options) {
  if (options.workers < 0) {
    ThrowInvalidArgument("workers: must be >= 0 (0: one per core), got " +
                         std::to_string(options.workers));
  }
  if (options.threads_per_worker == 0 || options.threads_per_worker < -1) {
    ThrowInvalidArgument("threads_per_worker: must be > 0, got " +
                         std::to_string(options.threads_per_worker));
  }
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned max_workers = limits::kMaxWorkersPerCore * cores;
  if (static_cast<unsigned>(options.workers) > max_workers) {
    ThrowInvalidArgument("workers: at most " + std::to_string(max_workers) + " (" +
                         std::to_string(limits::kMaxWorkersPerCore) + " per core), got " +
                         std::to_string(options.workers));
  }
  return options.workers != 0 ? static_cast<size_t>(options.workers) : cores;
}

StreamClassifier::StreamClassifier(const AudioClassifier& classifier,
                                   const StreamOptions& options, Callback callback)
    : classifier_(classifier),
      options_(options),
      callback_(std::move(callback)),
      model_format_(classifier.required_audio_format()),
      window_frames_(classifier.window_frames()),
      hop_frames_(options.hop_frames != 0 ? options.hop_frames : classifier.window_frames()),
      converter_(options.input_rate != 0 ? options.input_rate : model_format_.sample_rate,
                 options.input_channels != 0 ? options.input_channels : model_format_.channels,
                 model_format_, options.conversion) {
  const size_t workers = ResolveWorkers(options);
  // kQueue keeps a few windows ready per worker; kLatest at most one waiting.
  if (options.queued_windows > limits::kMaxQueuedWindows) {
    ThrowInvalidArgument("queued_windows: at most " + std::to_string(limits::kMaxQueuedWindows) +
                         ", got " + std::to_string(options.queued_windows));
  }
  const size_t queue = options.queued_windows != 0 ? options.queued_windows : 2 * workers;
  max_queue_ = options.backpressure == Backpressure::kQueue ? queue : 1;
  const size_t samples = window_frames_ * model_format_.channels;
  for (size_t i = 0; i < max_queue_ + workers + 1; ++i) {
    free_buffers_.emplace_back(samples, 0.0f);
  }
  engines_ = classifier.TakeEngines(workers, options.threads_per_worker);
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back(&StreamClassifier::Worker, this, i);
}

StreamClassifier::~StreamClassifier() {
  Stop();
  classifier_.ReturnEngines(std::move(engines_), options_.threads_per_worker);
}

void StreamClassifier::RethrowIfFailed() {
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

void StreamClassifier::Feed(const AudioView& block) {
  RethrowIfFailed();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) ThrowRuntimeError("stream classifier is stopped");
  }
  if (finished_) ThrowRuntimeError("stream classifier is finished; no more audio can be fed");
  // Converted in pieces, so a huge block (even a zero-stride view of a
  // billion frames) never needs its float32 copy all at once.
  const size_t piece = std::max<size_t>(
      1, limits::kMaxReadBlockBytes / (std::max<size_t>(block.channels, 1) * sizeof(float)));
  const auto* base = static_cast<const unsigned char*>(block.data);
  size_t start = 0;
  do {
    AudioView slice = block;
    slice.data = base + static_cast<ptrdiff_t>(start) * block.frame_stride;
    slice.frames = std::min(piece, block.frames - start);
    converter_.Process(slice, &pending_);
    input_frames_ += slice.frames;
    TakeWindows();
    start += slice.frames;
  } while (start < block.frames);
}

void StreamClassifier::TakeWindows() {
  const size_t channels = model_format_.channels;
  converted_frames_ = pending_start_ + pending_.size() / channels;
  while (next_window_start_ + window_frames_ <= converted_frames_) {
    Enqueue(next_window_start_, window_frames_);
    next_window_start_ += hop_frames_;
  }
  // Frames before the next window are no longer needed.
  uint64_t keep_from = std::min(next_window_start_, converted_frames_);
  if (keep_from > pending_start_) {
    size_t drop = static_cast<size_t>(keep_from - pending_start_) * channels;
    pending_.erase(pending_.begin(), pending_.begin() + drop);
    pending_start_ = keep_from;
  }
}

void StreamClassifier::Enqueue(uint64_t start_frame, uint64_t valid_frames) {
  const size_t channels = model_format_.channels;
  std::vector<uint64_t> skipped;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (options_.backpressure == Backpressure::kQueue) {
      space_ready_.wait(lock, [&] { return stopping_ || queue_.size() < max_queue_; });
    } else {
      // Live audio: a window nobody has started is stale once a newer one is
      // ready.
      while (!queue_.empty()) {
        skipped.push_back(queue_.front().index);
        free_buffers_.push_back(std::move(queue_.front().samples));
        queue_.pop_front();
        ++skipped_;
      }
    }
    if (stopping_) return;
    Job job;
    job.index = next_index_++;
    job.start_frame = start_frame;
    job.valid_frames = valid_frames;
    job.samples = std::move(free_buffers_.back());
    free_buffers_.pop_back();
    const size_t offset = static_cast<size_t>(start_frame - pending_start_) * channels;
    const size_t valid = static_cast<size_t>(valid_frames) * channels;
    std::memcpy(job.samples.data(), pending_.data() + offset, valid * sizeof(float));
    std::fill(job.samples.begin() + valid, job.samples.end(), 0.0f);
    queue_.push_back(std::move(job));
  }
  work_ready_.notify_one();
  for (uint64_t index : skipped) Deliver(index, std::nullopt);
}

void StreamClassifier::Worker(size_t id) {
  CompiledModel& engine = *engines_[id];
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || input_closed_ || !queue_.empty(); });
      if (stopping_ || queue_.empty()) return;  // stopped, or closed and drained
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    space_ready_.notify_one();
    std::optional<WindowResult> out;
    try {
      WindowResult window;
      window.index = job.index;
      window.start_frame = job.start_frame;
      const double rate = model_format_.sample_rate;
      window.start_seconds = static_cast<double>(job.start_frame) / rate;
      window.end_seconds = static_cast<double>(job.start_frame + job.valid_frames) / rate;
      window.result = classifier_.ClassifyOn(engine, job.samples.data());
      window.ready_monotonic = std::chrono::duration<double>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count();
      out = std::move(window);
    } catch (...) {
      Fail(std::current_exception());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_buffers_.push_back(std::move(job.samples));
      if (out) ++classified_;
    }
    space_ready_.notify_one();
    if (out) Deliver(job.index, std::move(out));
  }
}

void StreamClassifier::Deliver(uint64_t index, std::optional<WindowResult> result) {
  std::lock_guard<std::mutex> deliver_lock(deliver_mutex_);
  reorder_.emplace(index, std::move(result));
  // Hand out every result that is next in time order; the delivery mutex
  // keeps the callback single-threaded and in order.
  for (auto it = reorder_.find(next_deliver_); it != reorder_.end();
       it = reorder_.find(next_deliver_)) {
    std::optional<WindowResult> ready = std::move(it->second);
    reorder_.erase(it);
    ++next_deliver_;
    // Delivered even when stopping: a computed result is never dropped.
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (ready && !callback_) results_.push_back(std::move(*ready));
    }
    if (ready && callback_) {
      try {
        callback_(std::move(*ready));
      } catch (...) {
        Fail(std::current_exception());
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++delivered_;
    }
    result_ready_.notify_all();
  }
}

void StreamClassifier::Fail(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = error;
    stopping_ = true;
    queue_.clear();
  }
  work_ready_.notify_all();
  space_ready_.notify_all();
  result_ready_.notify_all();
}

void StreamClassifier::Finish() {
  RethrowIfFailed();
  if (finished_) return;
  finished_ = true;
  converter_.Flush(&pending_);
  TakeWindows();
  // The tail not covered by a full window, zero-padded to one.
  uint64_t covered = next_index_ == 0 ? 0 : next_window_start_ - hop_frames_ + window_frames_;
  if (options_.pad_last && converted_frames_ > covered &&
      next_window_start_ < converted_frames_) {
    Enqueue(next_window_start_, converted_frames_ - next_window_start_);
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    input_closed_ = true;
    work_ready_.notify_all();
    result_ready_.wait(lock, [&] { return stopping_ || delivered_ == next_index_; });
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  RethrowIfFailed();
}

void StreamClassifier::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  work_ready_.notify_all();
  space_ready_.notify_all();
  result_ready_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
}

std::optional<WindowResult> StreamClassifier::PopResult(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto ready = [&] {
    return !results_.empty() || stopping_ || (input_closed_ && delivered_ == next_index_);
  };
  if (timeout_ms < 0) {
    result_ready_.wait(lock, ready);
  } else {
    result_ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
  }
  if (!results_.empty()) {
    WindowResult out = std::move(results_.front());
    results_.pop_front();
    return out;
  }
  if (error_) std::rethrow_exception(error_);
  return std::nullopt;
}

bool StreamClassifier::done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return results_.empty() && (stopping_ || (input_closed_ && delivered_ == next_index_));
}

uint64_t StreamClassifier::windows_classified() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return classified_;
}

uint64_t StreamClassifier::windows_skipped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return skipped_;
}

uint64_t StreamClassifier::input_frames() const { return input_frames_; }

}  // namespace audioclf
