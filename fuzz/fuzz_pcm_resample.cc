// PCM conversion and resampling with fuzzed parameters: sample format,
// channels (1..8), rates (1 Hz..384 kHz), profile ("hq": libsoxr when built
// with it; "kaiser": the in-house filter; "mediapipe") and block sizes.
// Checks what the headers promise: integer PCM converts into [-1, 1], the
// output of bounded input is finite, and a stream yields
// ceil(frames * output_rate / input_rate) frames.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "audioclf/audio/pcm_convert.h"
#include "audioclf/audio/resampler.h"
#include "fuzz_common.h"

namespace {
constexpr uint32_t kMaxRate = 384000;
constexpr uint32_t kMaxChannels = 8;
constexpr size_t kMaxInputBytes = 1 << 16;
constexpr size_t kMaxCached = 64;
constexpr uint64_t kMaxOutputSamples = uint64_t{1} << 16;

// Building a filter costs far more than running it, so filters are kept and
// reused (Flush resets the stream): executions stay fast, and a reused
// Resampler must give what a fresh one gives.
using Key = std::tuple<uint32_t, uint32_t, uint32_t, audioclf::ResamplerProfile>;
audioclf::Resampler& CachedResampler(const Key& key) {
  static std::map<Key, std::unique_ptr<audioclf::Resampler>> cache;
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  if (cache.size() >= kMaxCached) cache.clear();
  auto made = std::make_unique<audioclf::Resampler>(std::get<0>(key), std::get<1>(key),
                                                    std::get<2>(key), std::get<3>(key));
  return *cache.emplace(key, std::move(made)).first->second;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace audioclf;
  FuzzedDataProvider in(data, size);
  const auto format = static_cast<SampleFormat>(
      in.ConsumeIntegralInRange<int>(0, static_cast<int>(SampleFormat::kFloat64)));
  const uint32_t channels = in.ConsumeIntegralInRange<uint32_t>(1, kMaxChannels);
  // Mostly common rates, sometimes any rate (large coprime ratios).
  static const uint32_t kCommon[] = {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000};
  auto rate = [&in]() {
    return in.ConsumeIntegralInRange<int>(0, 7) != 0
               ? kCommon[in.ConsumeIntegralInRange<size_t>(0, 7)]
               : in.ConsumeIntegralInRange<uint32_t>(0, kMaxRate);
  };
  const uint32_t input_rate = rate();
  const uint32_t output_rate = rate();
  static const ResamplerProfile kProfiles[] = {
      ResamplerProfile::kHighQuality, ResamplerProfile::kKaiser, ResamplerProfile::kMediaPipe};
  const ResamplerProfile profile = kProfiles[in.ConsumeIntegralInRange<size_t>(0, 2)];
  const size_t block = in.ConsumeIntegralInRange<size_t>(1, 4096);
  std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(kMaxInputBytes);

  const size_t frame_bytes = BytesPerSample(format) * channels;
  const size_t frames = bytes.size() / frame_bytes;
  // A large upsampling ratio of a full input is legitimate work (the library
  // bounds the ratio, not the output of one call) that takes a minute under
  // ASan; keep each execution to a bounded output so the fuzzer explores.
  if (input_rate > 0 &&
      static_cast<uint64_t>(frames) * channels * output_rate / input_rate > kMaxOutputSamples) {
    return 0;
  }
  std::vector<float> samples(frames * channels);
  ConvertToFloat(bytes.data(), format, samples.size(), samples.data());
  // Huge floats may overflow the filter's sums; audio-range input may not.
  bool bounded = true;
  for (float s : samples) {
    if (format != SampleFormat::kFloat32 && format != SampleFormat::kFloat64) {
      // 1 - 2^-31 rounds to 1.0f, so 32-bit input reaches 1.0.
      AUDIOCLF_FUZZ_CHECK(s >= -1.0f && s <= 1.0f, "integer PCM converts into [-1, 1]");
    }
    bounded = bounded && std::fabs(s) <= 1e6f;
  }

  AUDIOCLF_FUZZ_GUARD({
    Resampler& resampler = CachedResampler(Key(input_rate, output_rate, channels, profile));
    resampler.Reset();
    std::vector<float> out;
    for (size_t at = 0; at < frames; at += block) {
      const size_t n = frames - at < block ? frames - at : block;
      resampler.Process(samples.data() + at * channels, n, &out);
    }
    resampler.Flush(&out);
    AUDIOCLF_FUZZ_CHECK(out.size() % channels == 0, "whole output frames");
    const uint64_t expected =
        (static_cast<uint64_t>(frames) * output_rate + input_rate - 1) / input_rate;
    AUDIOCLF_FUZZ_CHECK(out.size() / channels == expected,
                        "ceil(frames * output_rate / input_rate) output frames");
    if (bounded) {
      for (float s : out) AUDIOCLF_FUZZ_CHECK(std::isfinite(s), "bounded in, finite out");
    }
  });
}
