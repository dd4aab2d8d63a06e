#include "audioclf/audio/audio_buffer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "test_harness.h"

using audioclf::AudioBuffer;
using audioclf::AudioFormat;
using audioclf::ErrorKind;

namespace {
std::vector<float> Window(const AudioBuffer& buffer) {
  std::vector<float> out(buffer.buffer_samples());
  buffer.CopyTo(out.data());
  return out;
}
}  // namespace

TEST_CASE(starts_zeroed_and_keeps_latest_frames) {
  AudioBuffer buffer(AudioFormat{1, 16000}, 4);
  CHECK(Window(buffer) == std::vector<float>({0, 0, 0, 0}));
  const float a[] = {1, 2, 3};
  buffer.Load(a, 3);
  CHECK(Window(buffer) == std::vector<float>({0, 1, 2, 3}));
  const float b[] = {4, 5};
  buffer.Load(b, 2);
  CHECK(Window(buffer) == std::vector<float>({2, 3, 4, 5}));
  const float c[] = {6, 7, 8, 9, 10, 11};
  buffer.Load(c, 6);  // more than the window: only the last 4 stay
  CHECK(Window(buffer) == std::vector<float>({8, 9, 10, 11}));
  buffer.Clear();
  CHECK(Window(buffer) == std::vector<float>({0, 0, 0, 0}));
}

TEST_CASE(wraps_many_times_with_interleaved_channels) {
  AudioBuffer buffer(AudioFormat{2, 44100}, 5);
  std::vector<float> all;
  for (int block = 0; block < 50; ++block) {
    std::vector<float> frames;
    for (int f = 0; f < (block % 7) + 1; ++f) {
      float t = static_cast<float>(all.size() / 2);
      frames.push_back(t);
      frames.push_back(-t);
      all.push_back(t);
      all.push_back(-t);
    }
    buffer.Load(frames.data(), frames.size() / 2);
    std::vector<float> want(10, 0.0f);  // zeros until 5 frames have arrived
    size_t kept = all.size() < 10 ? all.size() : 10;
    std::copy(all.end() - kept, all.end(), want.end() - kept);
    CHECK(Window(buffer) == want);
  }
}

TEST_CASE(rejects_non_finite_samples_and_keeps_contents) {
  AudioBuffer buffer(AudioFormat{1, 16000}, 300);
  std::vector<float> good(300, 0.5f);
  buffer.Load(good.data(), good.size());
  std::vector<float> bad(300, 0.25f);
  bad[257] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS(buffer.Load(bad.data(), bad.size()), ErrorKind::kInvalidArgument,
               "sample 257");
  bad[257] = -std::numeric_limits<float>::infinity();
  CHECK_THROWS(buffer.Load(bad.data(), bad.size()), ErrorKind::kInvalidArgument,
               "NaN or infinite");
  CHECK(Window(buffer) == good);
}

TEST_CASE(find_non_finite) {
  std::vector<float> v(1000, 1.0f);
  CHECK_EQ(audioclf::FindNonFinite(v.data(), v.size()), v.size());
  v[999] = std::numeric_limits<float>::infinity();
  CHECK_EQ(audioclf::FindNonFinite(v.data(), v.size()), 999u);
  v[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_EQ(audioclf::FindNonFinite(v.data(), v.size()), 3u);
  v[3] = std::numeric_limits<float>::max();  // large but finite
  CHECK_EQ(audioclf::FindNonFinite(v.data(), v.size()), 999u);
}

TEST_CASE(rejects_empty_formats) {
  CHECK_THROWS(AudioBuffer(AudioFormat{0, 16000}, 10), ErrorKind::kInvalidArgument,
               "channels");
  CHECK_THROWS(AudioBuffer(AudioFormat{1, 0}, 10), ErrorKind::kInvalidArgument,
               "sample_rate");
  CHECK_THROWS(AudioBuffer(AudioFormat{1, 16000}, 0), ErrorKind::kInvalidArgument,
               "buffer_size");
}
