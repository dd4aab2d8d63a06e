#include "audioclf/clip_classifier.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "audioclf/audio/pcm_convert.h"
#include "audioclf/audio/wav_reader.h"
#include "audioclf/error.h"
#include "audioclf/limits.h"

namespace audioclf {
namespace {

// Workers take segments as they finish one, so the last segment taken sets
// the idle time at the end: segments aim at 1/16 of the audio per worker,
// within these bounds in seconds of model audio (each costs a seek and the
// resampler's pre-roll).
constexpr double kMinSegmentSeconds = 8.0;
constexpr double kMaxSegmentSeconds = 60.0;
constexpr unsigned kSegmentsPerWorker = 16;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Which windows the audio has, as one StreamClassifier would cut them.
struct WindowPlan {
  uint64_t model_frames = 0;  // converted length
  size_t window = 0;
  uint64_t hop = 0;
  uint64_t windows = 0;       // including a zero-padded tail window

  WindowPlan(uint64_t frames, size_t window_frames, uint64_t hop_frames, bool pad_last)
      : model_frames(frames), window(window_frames), hop(hop_frames) {
    const uint64_t full = frames >= window ? (frames - window) / hop + 1 : 0;
    const uint64_t covered = full == 0 ? 0 : (full - 1) * hop + window;
    windows = full;
    if (pad_last && frames > covered && full * hop < frames) ++windows;
  }
  uint64_t start(uint64_t i) const { return i * hop; }
  uint64_t valid(uint64_t i) const {
    return std::min<uint64_t>(window, model_frames - start(i));
  }
};

// One block of `want` frames (or fewer) from `reader` at frame `at`, held to
// the Reader contract: something was read, no more than asked (callers copy
// into room for `want` frames), in the audio's channel count.
AudioView ReadBlock(SeekableAudio::Reader& reader, const SeekableAudio& audio, uint64_t at,
                    size_t want) {
  const AudioView got = reader.Read(at, want);
  if (got.frames > want) {
    ThrowRuntimeError("reader returned " + std::to_string(got.frames) +
                      " frames for a read of " + std::to_string(want));
  }
  if (got.frames == 0) {
    ThrowRuntimeError("audio ended at frame " + std::to_string(at) + " of the " +
                      std::to_string(audio.frames()) + " it declares");
  }
  if (got.channels != audio.channels()) {
    ThrowInvalidArgument("audio block has " + std::to_string(got.channels) +
                         " channel(s), expected " + std::to_string(audio.channels()));
  }
  return got;
}

// What every worker shares: the plan, the work counter, the outcome.
struct SegmentRun {
  SegmentRun(const AudioClassifier& c, const SeekableAudio& a, const StreamOptions& o,
             const WindowPlan& p, uint64_t windows_per_segment, uint64_t count, size_t block)
      : classifier(c), audio(a), options(o), plan(p), segment_windows(windows_per_segment),
        segments(count), block_frames(block), results(count) {}

  const AudioClassifier& classifier;
  const SeekableAudio& audio;
  const StreamOptions& options;
  const WindowPlan& plan;
  uint64_t segment_windows;
  uint64_t segments;
  size_t block_frames;

  std::atomic<uint64_t> next_segment{0};
  std::atomic<uint64_t> frames_read{0};
  std::atomic<bool> stopping{false};
  std::vector<std::vector<WindowResult>> results;  // one per segment

  std::mutex mutex;
  std::condition_variable changed;
  size_t running = 0;
  std::exception_ptr error;
  uint64_t error_segment = UINT64_MAX;

  void Fail(uint64_t segment, std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    // The earliest segment's error, so a file's message does not depend on
    // thread timing.
    if (segment < error_segment) {
      error = e;
      error_segment = segment;
    }
    stopping = true;
  }
};

class SegmentWorker {
 public:
  SegmentWorker(SegmentRun& run, CompiledModel& engine)
      : run_(run),
        engine_(engine),
        converter_(run.audio.sample_rate(), run.audio.channels(),
                   run.classifier.required_audio_format(), run.options.conversion),
        channels_(run.classifier.required_audio_format().channels),
        window_(run.plan.window * channels_) {}

  // Takes segments until none is left; `on_block` runs after each read.
  void Run(const std::function<void()>& on_block) {
    std::unique_ptr<SeekableAudio::Reader> reader = run_.audio.OpenReader();
    while (!run_.stopping) {
      const uint64_t segment = run_.next_segment.fetch_add(1);
      if (segment >= run_.segments) return;
      try {
        Classify(*reader, segment, on_block);
      } catch (...) {
        run_.Fail(segment, std::current_exception());
        return;
      }
    }
  }

 private:
  void Classify(SeekableAudio::Reader& reader, uint64_t segment,
                const std::function<void()>& on_block) {
    const WindowPlan& plan = run_.plan;
    const uint64_t first = segment * run_.segment_windows;
    const uint64_t last = std::min(plan.windows, first + run_.segment_windows);
    const uint64_t frames_in = run_.audio.frames();
    const uint64_t end = plan.start(last - 1) + plan.valid(last - 1);
    const Resampler::SeekPoint seek = converter_.SeekFor(plan.start(first));
    const uint64_t stop = std::min(frames_in, converter_.InputFramesFor(end));
    std::vector<WindowResult>& out = run_.results[segment];
    converter_.Reset();
    pending_.clear();
    pending_start_ = seek.output_frame;
    next_ = first;
    last_ = last;
    for (uint64_t at = seek.input_frame; at < stop && !run_.stopping;) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(run_.block_frames, stop - at));
      const AudioView block = ReadBlock(reader, run_.audio, at, want);
      converter_.Process(block, &pending_);
      at += block.frames;
      run_.frames_read += block.frames;
      if (on_block) on_block();
      TakeWindows(&out);
    }
    if (run_.stopping) return;
    if (stop == frames_in) {
      converter_.Flush(&pending_);
      TakeWindows(&out);
    }
    if (next_ != last_) {
      ThrowRuntimeError("segment " + std::to_string(segment) + " produced " +
                        std::to_string(next_ - first) + " of its " +
                        std::to_string(last_ - first) + " windows");
    }
  }

  // Classifies every window of the segment that the converted frames cover.
  void TakeWindows(std::vector<WindowResult>* out) {
    const WindowPlan& plan = run_.plan;
    const uint64_t available = pending_start_ + pending_.size() / channels_;
    for (; next_ < last_; ++next_) {
      const uint64_t start = plan.start(next_);
      const uint64_t valid = plan.valid(next_);
      if (start + valid > available) break;
      const float* samples = pending_.data() + (start - pending_start_) * channels_;
      const size_t count = static_cast<size_t>(valid) * channels_;
      if (count < window_) {
        padded_.assign(window_, 0.0f);
        std::memcpy(padded_.data(), samples, count * sizeof(float));
        samples = padded_.data();
      }
      WindowResult window;
      window.index = next_;
      window.start_frame = start;
      const double rate = run_.classifier.required_audio_format().sample_rate;
      window.start_seconds = static_cast<double>(start) / rate;
      window.end_seconds = static_cast<double>(start + valid) / rate;
      window.result = run_.classifier.ClassifyOn(engine_, samples);
      window.ready_monotonic = Now();
      out->push_back(std::move(window));
    }
    // Frames before the next window are no longer needed.
    const uint64_t keep_from =
        std::min(next_ < last_ ? plan.start(next_) : available, available);
    if (keep_from > pending_start_) {
      pending_.erase(pending_.begin(),
                     pending_.begin() + static_cast<ptrdiff_t>((keep_from - pending_start_) *
                                                               channels_));
      pending_start_ = keep_from;
    }
  }

  SegmentRun& run_;
  CompiledModel& engine_;
  AudioConverter converter_;
  size_t channels_;
  size_t window_;
  std::vector<float> pending_;  // converted frames from pending_start_
  uint64_t pending_start_ = 0;
  uint64_t next_ = 0;           // next window to classify
  uint64_t last_ = 0;           // end of the segment's windows
  std::vector<float> padded_;
};

// Engines go back to the classifier's cache however the run ends.
class EngineLease {
 public:
  EngineLease(const AudioClassifier& classifier, size_t count, int threads)
      : classifier_(classifier), threads_(threads),
        engines_(classifier.TakeEngines(count, threads)) {}
  ~EngineLease() { classifier_.ReturnEngines(std::move(engines_), threads_); }
  CompiledModel& operator[](size_t i) { return *engines_[i]; }

 private:
  const AudioClassifier& classifier_;
  int threads_;
  std::vector<std::unique_ptr<CompiledModel>> engines_;
};

class ClipAudio : public SeekableAudio {
 public:
  ClipAudio(const AudioView& clip, uint32_t rate) : clip_(clip), rate_(rate) {}
  uint32_t sample_rate() const override { return rate_; }
  uint32_t channels() const override { return clip_.channels; }
  uint64_t frames() const override { return clip_.frames; }
  std::unique_ptr<Reader> OpenReader() const override {
    return std::make_unique<ClipReader>(clip_);
  }
  bool reads_are_views() const override { return true; }

 private:
  class ClipReader : public Reader {
   public:
    explicit ClipReader(const AudioView& clip) : clip_(clip) {}
    AudioView Read(uint64_t start, size_t frames) override {
      AudioView slice = clip_;
      start = std::min<uint64_t>(start, clip_.frames);
      slice.data = static_cast<const unsigned char*>(clip_.data) +
                   static_cast<ptrdiff_t>(start) * clip_.frame_stride;
      slice.frames = static_cast<size_t>(std::min<uint64_t>(frames, clip_.frames - start));
      return slice;
    }

   private:
    AudioView clip_;
  };

  AudioView clip_;
  uint32_t rate_;
};

class WavAudio : public SeekableAudio {
 public:
  explicit WavAudio(WavReader& first) : first_(first) {}
  uint32_t sample_rate() const override { return first_.info().sample_rate; }
  uint32_t channels() const override { return first_.info().channels; }
  uint64_t frames() const override { return first_.info().frame_count; }
  std::unique_ptr<Reader> OpenReader() const override {
    // The reader already open serves one worker; the others open the path.
    if (!first_taken_.exchange(true)) return std::make_unique<WavBlockReader>(first_, nullptr);
    auto own = std::make_unique<WavReader>(WavReader::Open(first_.path()));
    WavReader& reader = *own;
    return std::make_unique<WavBlockReader>(reader, std::move(own));
  }

 private:
  class WavBlockReader : public Reader {
   public:
    WavBlockReader(WavReader& reader, std::unique_ptr<WavReader> own)
        : reader_(reader), own_(std::move(own)) {}
    AudioView Read(uint64_t start, size_t frames) override {
      const uint32_t channels = reader_.info().channels;
      block_.resize(frames * channels);
      const size_t got = reader_.ReadFrames(start, frames, block_.data());
      return AudioView::Interleaved(block_.data(), SampleFormat::kFloat32, got, channels);
    }

   private:
    WavReader& reader_;
    std::unique_ptr<WavReader> own_;
    std::vector<float> block_;
  };

  WavReader& first_;
  mutable std::atomic<bool> first_taken_{false};
};

// Copies a view's samples, interleaved and in their own format, to `dst`
// (room for view.frames frames).
void CopyInterleaved(const AudioView& view, unsigned char* dst) {
  const size_t sample = BytesPerSample(view.format);
  const size_t frame = sample * view.channels;
  const auto* src = static_cast<const unsigned char*>(view.data);
  if (view.is_interleaved()) {
    if (view.frames > 0) std::memcpy(dst, src, view.frames * frame);
    return;
  }
  for (size_t f = 0; f < view.frames; ++f) {
    const unsigned char* from = src + static_cast<ptrdiff_t>(f) * view.frame_stride;
    for (uint32_t c = 0; c < view.channels; ++c, dst += sample) {
      std::memcpy(dst, from + static_cast<ptrdiff_t>(c) * view.channel_stride, sample);
    }
  }
}

// Decoding ahead on `decoders` threads, each with its own reader: chunk c is
// read by decoder c % decoders into its slot, and handed over in order.
// Only the resampler must see the audio in one pass; decoding need not.
class ReadAhead {
 public:
  ReadAhead(const SeekableAudio& audio, size_t decoders, uint64_t chunk_frames,
            size_t block_frames)
      : audio_(audio), total_(audio.frames()), chunk_(chunk_frames), block_(block_frames),
        chunks_((total_ + chunk_ - 1) / chunk_), slots_(decoders) {
    for (size_t d = 0; d < decoders; ++d) threads_.emplace_back(&ReadAhead::Decode, this, d);
  }
  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  uint64_t chunks() const { return chunks_; }

  // Chunk c (in order), valid until Release(c); rethrows the error of the
  // first chunk that failed once c is at or past it, so the error reported
  // is the first in the audio whichever decoder fails first.
  AudioView Take(uint64_t c) {
    Slot& slot = slots_[c % slots_.size()];
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return error_chunk_ <= c || slot.ready_chunk == c; });
    if (error_chunk_ <= c) std::rethrow_exception(error_);
    return slot.view;
  }
  void Release(uint64_t c) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      slots_[c % slots_.size()].ready_chunk = kNone;
    }
    changed_.notify_all();
  }

 private:
  static constexpr uint64_t kNone = UINT64_MAX;
  struct Slot {
    // Left uninitialized (every byte of a chunk is written before it is
    // handed over); reallocated only when a chunk needs more.
    std::unique_ptr<unsigned char[]> bytes;
    size_t capacity = 0;
    AudioView view;
    uint64_t ready_chunk = kNone;
  };

  void Decode(size_t d) {
    uint64_t c = d;  // the chunk being decoded, for an error
    try {
      std::unique_ptr<SeekableAudio::Reader> reader = audio_.OpenReader();
      Slot& slot = slots_[d];
      for (; c < chunks_; c += slots_.size()) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          changed_.wait(lock, [&] { return stopping_ || slot.ready_chunk == kNone; });
          if (stopping_) return;
        }
        const uint64_t begin = c * chunk_;
        const uint64_t end = std::min(total_, begin + chunk_);
        AudioView first;
        size_t frame_bytes = 0;
        for (uint64_t at = begin; at < end;) {
          const size_t want = static_cast<size_t>(std::min<uint64_t>(block_, end - at));
          const AudioView got = ReadBlock(*reader, audio_, at, want);
          if (at == begin) {
            first = got;
            frame_bytes = BytesPerSample(got.format) * got.channels;
            const size_t need = static_cast<size_t>(end - begin) * frame_bytes;
            if (need > slot.capacity) {
              slot.bytes.reset();  // the old chunk goes before the new one is allocated
              slot.bytes.reset(new unsigned char[need]);
              slot.capacity = need;
            }
          } else if (got.format != first.format) {  // one view spans the whole chunk
            ThrowInvalidArgument("audio block at frame " + std::to_string(at) +
                                 " changed its sample format within a read");
          }
          CopyInterleaved(got, slot.bytes.get() + static_cast<size_t>(at - begin) * frame_bytes);
          at += got.frames;
          {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) return;
          }
        }
        {
          std::lock_guard<std::mutex> lock(mutex_);
          slot.view = AudioView::Interleaved(slot.bytes.get(), first.format,
                                             static_cast<size_t>(end - begin), first.channels);
          slot.ready_chunk = c;
        }
        changed_.notify_all();
      }
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (c < error_chunk_) {
          error_ = std::current_exception();
          error_chunk_ = c;
        }
      }
      changed_.notify_all();
    }
  }

  const SeekableAudio& audio_;
  const uint64_t total_;
  const uint64_t chunk_;
  const size_t block_;
  const uint64_t chunks_;
  std::vector<Slot> slots_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::exception_ptr error_;
  uint64_t error_chunk_ = UINT64_MAX;  // the chunk error_ came from
  std::vector<std::thread> threads_;  // last: joined before the rest goes
};

// The calling thread converts and resamples in one pass and feeds a
// StreamClassifier whose `workers` threads classify. Decoding runs ahead on
// `workers` threads of its own when reads cost more than a view.
std::vector<WindowResult> ClassifyInOnePass(const AudioClassifier& classifier,
                                            const SeekableAudio& audio, StreamOptions options,
                                            size_t workers, size_t block_frames,
                                            const Progress& progress) {
  options.workers = static_cast<int>(workers);
  // About 4 MiB of windows, so the converter can run ahead of the workers.
  const size_t window_bytes = classifier.window_frames() *
                              classifier.required_audio_format().channels * sizeof(float);
  options.queued_windows = std::clamp<size_t>((size_t{4} << 20) / window_bytes, 2 * workers,
                                              16 * workers);
  StreamClassifier stream(classifier, options);
  const uint64_t total = audio.frames();
  auto feed = [&](const AudioView& view, uint64_t at) {
    // In blocks, so the workers get windows while the rest converts.
    for (size_t done = 0; done < view.frames;) {
      AudioView piece = view;
      piece.data = static_cast<const unsigned char*>(view.data) +
                   static_cast<ptrdiff_t>(done) * view.frame_stride;
      piece.frames = std::min(block_frames, view.frames - done);
      stream.Feed(piece);
      done += piece.frames;
      if (progress) progress(at + done, total);
    }
  };
  if (audio.reads_are_views()) {
    std::unique_ptr<SeekableAudio::Reader> reader = audio.OpenReader();
    const AudioView all = reader->Read(0, static_cast<size_t>(total));
    if (all.frames != total) {
      ThrowRuntimeError("audio ended at frame " + std::to_string(all.frames) + " of the " +
                        std::to_string(total) + " it declares");
    }
    feed(all, 0);
  } else {
    const size_t frame_bytes = std::max<size_t>(audio.channels(), 1) * sizeof(double);
    const uint64_t chunk = std::clamp<uint64_t>(uint64_t{4} * block_frames, 1,
                                                limits::kMaxReadBlockBytes / frame_bytes);
    ReadAhead ahead(audio, std::min<uint64_t>(workers, (total + chunk - 1) / chunk), chunk,
                    block_frames);
    for (uint64_t c = 0; c < ahead.chunks(); ++c) {
      feed(ahead.Take(c), c * chunk);
      ahead.Release(c);
    }
  }
  stream.Finish();
  std::vector<WindowResult> results;
  while (auto result = stream.PopResult()) results.push_back(std::move(*result));
  return results;
}

}  // namespace

std::vector<WindowResult> ClassifySeekable(const AudioClassifier& classifier,
                                           const SeekableAudio& audio, StreamOptions options,
                                           size_t block_frames, const Progress& progress) {
  options.input_rate = audio.sample_rate();
  options.input_channels = audio.channels();
  const size_t workers = ResolveWorkers(options);
  // Checks the conversion (rates, channel mapping) before any thread starts.
  AudioConverter probe(audio.sample_rate(), audio.channels(),
                       classifier.required_audio_format(), options.conversion);
  // Each read stays within limits::kMaxReadBlockBytes as float32.
  const size_t frame_bytes = std::max<size_t>(audio.channels(), 1) * sizeof(float);
  block_frames = std::clamp<size_t>(block_frames, 1, limits::kMaxReadBlockBytes / frame_bytes);
  const uint64_t hop = options.hop_frames != 0 ? options.hop_frames : classifier.window_frames();
  const WindowPlan plan(probe.OutputFrames(audio.frames()), classifier.window_frames(), hop,
                        options.pad_last);
  if (plan.windows == 0) return {};

  // Segments of whole windows, when every seek point is exact.
  const double rate = classifier.required_audio_format().sample_rate;
  const double seconds = static_cast<double>(plan.model_frames) / rate;
  const double target = std::clamp(seconds / static_cast<double>(kSegmentsPerWorker * workers),
                                    kMinSegmentSeconds, kMaxSegmentSeconds);
  uint64_t segment_windows = std::max<uint64_t>(
      1, static_cast<uint64_t>(target * rate / static_cast<double>(hop)));
  if (workers == 1) segment_windows = plan.windows;
  segment_windows = std::min(segment_windows, plan.windows);
  uint64_t segments = (plan.windows + segment_windows - 1) / segment_windows;
  for (uint64_t s = 1; s < segments; ++s) {
    if (!probe.SeekFor(plan.start(s * segment_windows)).exact) {
      // libsoxr restarts its internal blocks at a seek: rounding-level
      // changes that a quantized model can amplify into visible score
      // changes. Exact instead: this thread reads and converts in one pass,
      // the others classify.
      return ClassifyInOnePass(classifier, audio, options, workers, block_frames, progress);
    }
  }

  SegmentRun run(classifier, audio, options, plan, segment_windows, segments, block_frames);
  const size_t threads = static_cast<size_t>(std::min<uint64_t>(workers, segments));
  EngineLease engines(classifier, threads, options.threads_per_worker);

  const uint64_t total = audio.frames();
  auto report = [&] {
    if (progress) progress(std::min(run.frames_read.load(), total), total);
  };
  if (threads == 1) {
    SegmentWorker(run, engines[0]).Run(report);
  } else {
    std::vector<std::thread> pool;
    run.running = threads;
    auto body = [&run, &engines](size_t id) {
      try {
        SegmentWorker(run, engines[id]).Run(nullptr);
      } catch (...) {
        run.Fail(0, std::current_exception());  // e.g. a reader that would not open
      }
      {
        std::lock_guard<std::mutex> lock(run.mutex);
        --run.running;
      }
      run.changed.notify_all();
    };
    for (size_t i = 0; i < threads; ++i) pool.emplace_back(body, i);
    // This thread reports progress until the workers are done; whatever it
    // throws (a progress callback), the workers are stopped and joined first.
    std::exception_ptr progress_error;
    uint64_t reported = UINT64_MAX;
    while (true) {
      std::unique_lock<std::mutex> lock(run.mutex);
      if (run.changed.wait_for(lock, std::chrono::milliseconds(50),
                               [&] { return run.running == 0; })) {
        break;
      }
      lock.unlock();
      const uint64_t done = run.frames_read.load();
      if (progress && done != reported && !progress_error) {
        reported = done;
        try {
          report();
        } catch (...) {
          progress_error = std::current_exception();
          run.stopping = true;
        }
      }
    }
    for (std::thread& t : pool) t.join();
    if (progress_error) std::rethrow_exception(progress_error);
  }
  if (run.error) std::rethrow_exception(run.error);
  if (progress) progress(total, total);

  std::vector<WindowResult> results;
  results.reserve(static_cast<size_t>(plan.windows));
  for (std::vector<WindowResult>& part : run.results) {
    for (WindowResult& r : part) results.push_back(std::move(r));
  }
  return results;
}

std::vector<WindowResult> ClassifyClip(const AudioClassifier& classifier,
                                       const AudioView& clip, StreamOptions options) {
  const uint32_t rate = options.input_rate != 0 ? options.input_rate
                                                : classifier.required_audio_format().sample_rate;
  return ClassifySeekable(classifier, ClipAudio(clip, rate), options);
}

std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier,
                                          const std::string& path, StreamOptions options,
                                          size_t block_frames, const Progress& progress) {
  WavReader reader = WavReader::Open(path);
  return ClassifyWavFile(classifier, reader, std::move(options), block_frames, progress);
}

std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier, WavReader& reader,
                                          StreamOptions options, size_t block_frames,
                                          const Progress& progress) {
  try {
    return ClassifySeekable(classifier, WavAudio(reader), std::move(options), block_frames,
                            progress);
  } catch (const Error& error) {
    RethrowNaming(error, reader.path());
  }
}

}  // namespace audioclf
