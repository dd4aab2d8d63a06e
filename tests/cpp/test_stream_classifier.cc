// StreamClassifier and clip classification on the tiny fixture model.
// Needs libLiteRt.so ($AUDIOCLF_LITERT_LIBRARY); exits 77 (skipped) without.
#include "audioclf/stream_classifier.h"

#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audioclf/clip_classifier.h"
#include "audioclf/error.h"
#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity

namespace {

std::string Data(const std::string& file) {
  const char* dir = std::getenv("AUDIOCLF_TEST_DATA");
  return std::string(dir ? dir : "") + "/" + file;
}

std::unique_ptr<AudioClassifier> Tiny() {
  AudioClassifierOptions options;
  options.base_options.file_name = Data("tiny_uint8.tflite");  // 800-frame window
  return AudioClassifier::CreateFromOptions(options);
}

std::vector<float> Noise(size_t n) {
  std::vector<float> out(n);
  uint32_t state = 99;
  for (float& x : out) {
    state = state * 1664525u + 1013904223u;
    x = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.5f;
  }
  return out;
}

bool SameScores(const ClassificationResult& a, const ClassificationResult& b) {
  const auto& x = a.classifications[0].categories;
  const auto& y = b.classifications[0].categories;
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].index != y[i].index || x[i].score != y[i].score) return false;
  }
  return true;
}

}  // namespace

TEST_CASE(blocks_of_any_size_give_ordered_exact_windows) {
  auto classifier = Tiny();
  std::vector<float> audio = Noise(800 * 7 + 123);
  for (int workers : {1, 2, 3}) {
    StreamOptions options;
    options.workers = workers;
    options.hop_frames = 400;
    StreamClassifier stream(*classifier, options);
    for (size_t start = 0, block = 1; start < audio.size(); start += block, block = block * 3 % 977 + 1) {
      size_t n = std::min(block, audio.size() - start);
      stream.Feed(AudioView::Interleaved(audio.data() + start, SampleFormat::kFloat32, n, 1));
    }
    stream.Finish();
    std::vector<WindowResult> results;
    while (auto r = stream.PopResult()) results.push_back(std::move(*r));
    // Full windows at 0, 400, ..., 4800 (13), then the padded tail at 5200.
    CHECK_EQ(results.size(), 14u);
    for (size_t i = 0; i < results.size(); ++i) {
      CHECK_EQ(results[i].index, i);
      CHECK_EQ(results[i].start_frame, 400 * i);
      CHECK_NEAR(results[i].start_seconds, 400.0 * i / 16000, 1e-12);
    }
    CHECK_NEAR(results.back().end_seconds, audio.size() / 16000.0, 1e-12);
    ClassificationResult direct = classifier->Classify(audio.data() + 2000, 800);
    CHECK(SameScores(results[5].result, direct));
    std::vector<float> tail(800, 0.0f);
    std::copy(audio.begin() + 5200, audio.end(), tail.begin());
    CHECK(SameScores(results.back().result, classifier->Classify(tail.data(), 800)));
    CHECK_EQ(stream.windows_classified(), 14u);
  }
}

TEST_CASE(callback_and_clip_helpers) {
  auto classifier = Tiny();
  std::vector<float> audio = Noise(2000);
  std::vector<uint64_t> seen;
  {
    StreamOptions options;
    options.workers = 2;
    StreamClassifier stream(*classifier, options,
                            [&](WindowResult&& r) { seen.push_back(r.index); });
    stream.Feed(AudioView::Interleaved(audio.data(), SampleFormat::kFloat32, audio.size(), 1));
    stream.Finish();
  }
  CHECK(seen == std::vector<uint64_t>({0, 1, 2}));
  StreamOptions options;
  options.pad_last = false;
  auto windows = ClassifyClip(*classifier,
                              AudioView::Interleaved(audio.data(), SampleFormat::kFloat32,
                                                     audio.size(), 1),
                              options);
  CHECK_EQ(windows.size(), 2u);
}

TEST_CASE(latest_policy_skips_and_stop_is_prompt) {
  auto classifier = Tiny();
  std::vector<float> audio = Noise(800 * 200);
  StreamOptions options;
  options.backpressure = Backpressure::kLatest;
  std::atomic<int> calls{0};
  std::atomic<bool> stopped{false};
  std::atomic<bool> late_call{false};
  StreamClassifier stream(*classifier, options, [&](WindowResult&&) {
    if (stopped.load()) late_call = true;
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  });
  stream.Feed(AudioView::Interleaved(audio.data(), SampleFormat::kFloat32, audio.size(), 1));
  auto begin = std::chrono::steady_clock::now();
  stream.Stop();
  stopped = true;
  auto took = std::chrono::steady_clock::now() - begin;
  CHECK(took < std::chrono::milliseconds(500));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(!late_call.load());
  CHECK(stream.windows_skipped() > 0);  // 200 windows at once: most were stale
  CHECK(calls.load() < 200);
  CHECK_THROWS(stream.Feed(AudioView::Interleaved(audio.data(), SampleFormat::kFloat32, 10, 1)),
               ErrorKind::kRuntime, "stopped");
}

TEST_CASE(stop_delivers_every_window_already_classified) {
  auto classifier = Tiny();
  std::vector<float> audio = Noise(800 * 300);
  for (bool use_callback : {true, false}) {
    StreamOptions options;
    options.workers = 3;
    std::vector<uint64_t> seen;  // callback: one thread at a time
    StreamClassifier::Callback callback = nullptr;
    if (use_callback) callback = [&](WindowResult&& r) { seen.push_back(r.index); };
    StreamClassifier stream(*classifier, options, callback);
    std::thread producer([&] {
      try {
        stream.Feed(AudioView::Interleaved(audio.data(), SampleFormat::kFloat32, audio.size(), 1));
      } catch (const Error&) {
        // Feed after Stop() throws "stopped"; the windows fed before count.
      }
    });
    // Stop once inference is under way (slow under the sanitizers).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (stream.windows_classified() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    stream.Stop();
    producer.join();
    if (!use_callback) {
      while (auto r = stream.PopResult(0)) seen.push_back(r->index);
    }
    CHECK(stream.windows_classified() > 0);
    CHECK_EQ(seen.size(), static_cast<size_t>(stream.windows_classified()));
    for (size_t i = 0; i < seen.size(); ++i) CHECK_EQ(seen[i], static_cast<uint64_t>(i));
  }
}

#ifdef AUDIOCLF_TEST_MAIN
namespace {
struct RequireRuntime {
  RequireRuntime() {
    const char* path = std::getenv("AUDIOCLF_LITERT_LIBRARY");
    if (path == nullptr || *path == '\0') {
      std::printf("skipped: AUDIOCLF_LITERT_LIBRARY is not set\n");
      std::exit(77);
    }
  }
} require_runtime;
}  // namespace
#endif

namespace {

std::vector<WindowResult> Sequential(const AudioClassifier& classifier, const std::vector<float>& audio,
                                     uint32_t channels, StreamOptions options) {
  options.input_channels = channels;
  options.workers = 1;
  StreamClassifier stream(classifier, options);
  stream.Feed(AudioView::Interleaved(audio.data(), SampleFormat::kFloat32,
                                     audio.size() / channels, channels));
  stream.Finish();
  std::vector<WindowResult> results;
  while (auto r = stream.PopResult()) results.push_back(std::move(*r));
  return results;
}

}  // namespace

// Split into segments on several workers, a clip gives exactly the windows,
// timestamps and scores of one sequential stream, resampled or not.
TEST_CASE(segmented_clip_equals_sequential_stream) {
  AudioClassifierOptions model;
  model.base_options.file_name = Data("tiny_softmax.tflite");  // 400-frame window, 16 kHz
  auto classifier = AudioClassifier::CreateFromOptions(model);
  struct Case {
    uint32_t rate, channels;
    uint64_t hop;
    ResamplerProfile profile;
  };
  const Case cases[] = {{16000, 1, 0, ResamplerProfile::kHighQuality},
                        {44100, 2, 0, ResamplerProfile::kKaiser},
                        {44100, 2, 0, ResamplerProfile::kHighQuality},
                        {48000, 1, 150, ResamplerProfile::kMediaPipe},
                        {22050, 1, 1000, ResamplerProfile::kKaiser},
                        {22050, 1, 1000, ResamplerProfile::kHighQuality},
                        {8000, 2, 400, ResamplerProfile::kHighQuality}};
  for (const Case& c : cases) {
    // 41 s: with 8 s minimum segments, several segments per worker.
    std::vector<float> audio = Noise(static_cast<size_t>(c.rate) * 41 * c.channels + 7 * c.channels);
    StreamOptions options;
    options.input_rate = c.rate;
    options.hop_frames = c.hop;
    options.conversion.resampler = c.profile;
    std::vector<WindowResult> expected = Sequential(*classifier, audio, c.channels, options);
    std::printf("  %u Hz x%u: %zu windows\n", c.rate, c.channels, expected.size());
    CHECK(expected.size() > 600);
    for (int workers : {1, 2, 3}) {
      options.workers = workers;
      std::vector<WindowResult> got = ClassifyClip(
          *classifier,
          AudioView::Interleaved(audio.data(), SampleFormat::kFloat32, audio.size() / c.channels,
                                 c.channels),
          options);
      CHECK_EQ(got.size(), expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        CHECK_EQ(got[i].index, expected[i].index);
        CHECK_EQ(got[i].start_frame, expected[i].start_frame);
        CHECK_EQ(got[i].end_seconds, expected[i].end_seconds);
        CHECK(SameScores(got[i].result, expected[i].result));
      }
    }
  }
}

// A progress callback that throws stops the run; the error reaches the caller
// and the classifier works on (its engines were given back).
TEST_CASE(segmented_progress_error_stops_the_workers) {
  auto classifier = Tiny();
  std::vector<float> audio = Noise(16000 * 60);
  const std::string path = "/tmp/audioclf_segment_progress.wav";
  {
    // A float WAV so the file path is exercised too.
    std::FILE* f = std::fopen(path.c_str(), "wb");
    CHECK(f != nullptr);
    auto u32 = [&](uint32_t v) { std::fwrite(&v, 4, 1, f); };
    auto u16 = [&](uint16_t v) { std::fwrite(&v, 2, 1, f); };
    const uint32_t bytes = static_cast<uint32_t>(audio.size() * 4);
    std::fwrite("RIFF", 1, 4, f); u32(36 + bytes); std::fwrite("WAVEfmt ", 1, 8, f);
    u32(16); u16(3); u16(1); u32(16000); u32(64000); u16(4); u16(32);
    std::fwrite("data", 1, 4, f); u32(bytes);
    std::fwrite(audio.data(), 4, audio.size(), f);
    std::fclose(f);
  }
  for (int workers : {1, 2}) {
    StreamOptions options;
    options.workers = workers;
    uint64_t calls = 0;
    bool threw = false;
    try {
      ClassifyWavFile(*classifier, path, options, 4096, [&](uint64_t done, uint64_t total) {
        CHECK(done <= total);
        if (++calls == 1) throw std::runtime_error("stop here");
      });
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()) == "stop here";
      if (!threw) std::printf("  caught: %s\n", e.what());
    }
    CHECK(threw);
    StreamOptions plain;
    plain.workers = workers;
    std::vector<WindowResult> all = ClassifyWavFile(*classifier, path, plain);
    CHECK_EQ(all.size(), audio.size() / 800);
    ClassificationResult direct = classifier->Classify(audio.data() + 800 * 1000, 800);
    CHECK(SameScores(all[1000].result, direct));
  }
  std::remove(path.c_str());
}

namespace {

// Audio read through its own readers, as a decoder would give it: planar
// int16 views (so they must be copied to be kept), and on request a reader
// that throws or ends early at frame `fail_at`, whose read starting there
// (only that one) drops a channel, or whose read spanning it returns a frame
// more than asked.
class DecodedAudio : public SeekableAudio {
 public:
  enum class Failure { kNone, kThrow, kShort, kChannels, kLong };
  DecodedAudio(const std::vector<float>& interleaved, uint32_t rate, uint32_t channels,
               Failure failure = Failure::kNone, uint64_t fail_at = 0)
      : rate_(rate), channels_(channels), failure_(failure), fail_at_(fail_at) {
    const size_t frames = interleaved.size() / channels;
    planar_.resize(interleaved.size());
    for (size_t f = 0; f < frames; ++f) {
      for (uint32_t c = 0; c < channels; ++c) {
        planar_[c * frames + f] = static_cast<int16_t>(std::lround(interleaved[f * channels + c] * 32767.0f));
      }
    }
  }
  uint32_t sample_rate() const override { return rate_; }
  uint32_t channels() const override { return channels_; }
  uint64_t frames() const override { return planar_.size() / channels_; }
  std::unique_ptr<Reader> OpenReader() const override {
    opened_.fetch_add(1);
    return std::make_unique<PlanarReader>(*this);
  }
  int readers_opened() const { return opened_.load(); }
  // What a sequential reader of the same samples gives, interleaved float.
  std::vector<float> AsFloat() const {
    const size_t n = static_cast<size_t>(frames());
    std::vector<float> out(planar_.size());
    for (size_t f = 0; f < n; ++f) {
      for (uint32_t c = 0; c < channels_; ++c) out[f * channels_ + c] = planar_[c * n + f] / 32768.0f;
    }
    return out;
  }

 private:
  class PlanarReader : public Reader {
   public:
    explicit PlanarReader(const DecodedAudio& audio) : audio_(audio) {}
    AudioView Read(uint64_t start, size_t frames) override {
      const uint64_t total = audio_.frames();
      uint32_t channels = audio_.channels_;
      if (audio_.failure_ == Failure::kChannels) {
        if (start == audio_.fail_at_) channels -= 1;
      } else if (audio_.failure_ == Failure::kLong) {
        if (start <= audio_.fail_at_ && audio_.fail_at_ < start + frames) frames += 1;
      } else if (audio_.failure_ != Failure::kNone && start + frames > audio_.fail_at_) {
        if (audio_.failure_ == Failure::kThrow) throw std::runtime_error("bad block in the test file");
        frames = start < audio_.fail_at_ ? static_cast<size_t>(audio_.fail_at_ - start) : 0;
      }
      frames = static_cast<size_t>(std::min<uint64_t>(frames, total - std::min(start, total)));
      AudioView view;
      view.data = audio_.planar_.data() + start;
      view.format = SampleFormat::kInt16;
      view.frames = frames;
      view.channels = channels;
      view.frame_stride = sizeof(int16_t);
      view.channel_stride = static_cast<ptrdiff_t>(total * sizeof(int16_t));
      return view;
    }

   private:
    const DecodedAudio& audio_;
  };

  std::vector<int16_t> planar_;
  uint32_t rate_, channels_;
  Failure failure_;
  uint64_t fail_at_;
  mutable std::atomic<int> opened_{0};
};

}  // namespace

// Audio that must be decoded is read ahead on several threads, in chunks, and
// still converted in one pass: the windows equal one sequential stream's for
// any block size and worker count, and decode errors reach the caller.
TEST_CASE(decoded_audio_read_ahead_equals_sequential_stream) {
  auto classifier = Tiny();
  for (uint32_t rate : {44100u, 16000u}) {
    std::vector<float> noise = Noise(static_cast<size_t>(rate) * 30 * 2 + 2 * 333);
    DecodedAudio audio(noise, rate, 2);
    StreamOptions options;
    options.input_rate = rate;
    const std::vector<WindowResult> expected = Sequential(*classifier, audio.AsFloat(), 2, options);
    CHECK(expected.size() > 500);
    for (size_t block : {size_t{777}, size_t{65536}}) {
      for (int workers : {2, 3}) {
        options.workers = workers;
        uint64_t last = 0;
        bool ordered = true;
        std::vector<WindowResult> got =
            ClassifySeekable(*classifier, audio, options, block, [&](uint64_t done, uint64_t total) {
              ordered = ordered && done >= last && done <= total;
              last = done;
            });
        CHECK(ordered);
        CHECK_EQ(last, audio.frames());
        CHECK_EQ(got.size(), expected.size());
        for (size_t i = 0; i < got.size() && i < expected.size(); ++i) {
          CHECK_EQ(got[i].start_frame, expected[i].start_frame);
          CHECK(SameScores(got[i].result, expected[i].result));
        }
      }
    }
  }
  for (auto failure : {DecodedAudio::Failure::kThrow, DecodedAudio::Failure::kShort,
                       DecodedAudio::Failure::kChannels, DecodedAudio::Failure::kLong}) {
    std::vector<float> noise = Noise(44100 * 20 * 2);
    // kChannels: the second 4096-frame read of a 16384-frame chunk.
    const uint64_t at = failure == DecodedAudio::Failure::kChannels ? 16384 * 35 + 4096
                                                                    : 44100 * 13 + 5;
    DecodedAudio audio(noise, 44100, 2, failure, at);
    StreamOptions options;
    options.input_rate = 44100;
    options.workers = 2;
    std::string message;
    try {
      ClassifySeekable(*classifier, audio, options, 4096);
    } catch (const std::exception& e) {
      message = e.what();
    }
    std::printf("  %s\n", message.c_str());
    // A read longer than asked would overrun the chunk it is copied into.
    if (failure == DecodedAudio::Failure::kLong) {
      CHECK(message.rfind("reader returned ", 0) == 0 &&
            message.find(" frames for a read of ") != std::string::npos);
      continue;
    }
    // A block that drops a channel mid-chunk is refused, not appended under
    // the layout of the chunk's first block.
    CHECK(message == (failure == DecodedAudio::Failure::kThrow   ? "bad block in the test file"
                      : failure == DecodedAudio::Failure::kShort ? "audio ended at frame 573305 of the 882000 it declares"
                                                                 : "audio block has 1 channel(s), expected 2"));
  }
  // The queue depth is bounded like every size an option sets.
  StreamOptions deep;
  deep.queued_windows = 1025;
  std::string deep_error;
  try {
    StreamClassifier stream(*classifier, deep);
  } catch (const Error& e) {
    deep_error = e.what();
    CHECK(e.kind() == ErrorKind::kInvalidArgument);
  }
  CHECK_EQ(deep_error, std::string("queued_windows: at most 1024, got 1025"));
  // The classifier is still whole after the failures.
  std::vector<float> window = Noise(800);
  CHECK_EQ(classifier->Classify(window.data(), 800).classifications.size(), size_t{1});
}
