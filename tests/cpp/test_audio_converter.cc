#include "audioclf/audio/audio_converter.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity

TEST_CASE(interleaved_int16_to_float_passthrough) {
  AudioConverter converter(16000, 1, AudioFormat{1, 16000});
  CHECK(!converter.resamples());
  const int16_t pcm[] = {-32768, 0, 16384, 32767};
  std::vector<float> out;
  converter.Process(AudioView::Interleaved(pcm, SampleFormat::kInt16, 4, 1), &out);
  CHECK(out == std::vector<float>({-1.0f, 0.0f, 0.5f, 32767.0f / 32768.0f}));
}

TEST_CASE(downmix_select_and_duplicate) {
  const float stereo[] = {1.0f, 0.0f, 0.5f, -0.5f, 0.25f, 0.75f};
  std::vector<float> out;
  AudioConverter average(8000, 2, AudioFormat{1, 8000});
  average.Process(AudioView::Interleaved(stereo, SampleFormat::kFloat32, 3, 2), &out);
  CHECK(out == std::vector<float>({0.5f, 0.0f, 0.5f}));
  out.clear();
  ConversionOptions pick;
  pick.channel_mode = ChannelMode::kSelect;
  pick.channel = 1;
  AudioConverter right(8000, 2, AudioFormat{1, 8000}, pick);
  right.Process(AudioView::Interleaved(stereo, SampleFormat::kFloat32, 3, 2), &out);
  CHECK(out == std::vector<float>({0.0f, -0.5f, 0.75f}));
  out.clear();
  const float mono[] = {0.1f, 0.2f};
  AudioConverter dual(8000, 1, AudioFormat{2, 8000});
  dual.Process(AudioView::Interleaved(mono, SampleFormat::kFloat32, 2, 1), &out);
  CHECK(out == std::vector<float>({0.1f, 0.1f, 0.2f, 0.2f}));
}

TEST_CASE(planar_and_strided_layouts) {
  // Two channels stored one after the other (Fortran order).
  const int16_t planar[] = {100, 200, 300, -100, -200, -300};
  AudioView view;
  view.data = planar;
  view.format = SampleFormat::kInt16;
  view.frames = 3;
  view.channels = 2;
  view.frame_stride = 2;
  view.channel_stride = 6;
  CHECK(!view.is_interleaved());
  ConversionOptions pick;
  pick.channel_mode = ChannelMode::kSelect;
  pick.channel = 1;
  AudioConverter converter(16000, 2, AudioFormat{1, 16000}, pick);
  std::vector<float> out;
  converter.Process(view, &out);
  CHECK(out == std::vector<float>({-100 / 32768.0f, -200 / 32768.0f, -300 / 32768.0f}));
  // Every other frame of a mono float array.
  const float sparse[] = {1, 9, 2, 9, 3, 9};
  AudioView every_other = AudioView::Interleaved(sparse, SampleFormat::kFloat32, 3, 1);
  every_other.frame_stride = 2 * sizeof(float);
  AudioConverter plain(16000, 1, AudioFormat{1, 16000});
  out.clear();
  plain.Process(every_other, &out);
  CHECK(out == std::vector<float>({1, 2, 3}));
}

TEST_CASE(resampling_is_streaming_and_sized) {
  std::vector<float> signal(4801);
  for (size_t i = 0; i < signal.size(); ++i) signal[i] = std::sin(0.01 * i) * 0.5f;
  AudioConverter once(48000, 1, AudioFormat{1, 16000});
  CHECK(once.resamples());
  std::vector<float> whole;
  once.Process(AudioView::Interleaved(signal.data(), SampleFormat::kFloat32, signal.size(), 1),
               &whole);
  once.Flush(&whole);
  CHECK_EQ(whole.size(), 1601u);  // ceil(4801 / 3)
  CHECK_EQ(once.OutputFrames(4801), 1601u);
  AudioConverter blocks(48000, 1, AudioFormat{1, 16000});
  std::vector<float> pieces;
  for (size_t start = 0; start < signal.size(); start += 333) {
    size_t n = std::min<size_t>(333, signal.size() - start);
    blocks.Process(AudioView::Interleaved(signal.data() + start, SampleFormat::kFloat32, n, 1),
                   &pieces);
  }
  blocks.Flush(&pieces);
  CHECK(pieces == whole);
}

TEST_CASE(errors) {
  CHECK_THROWS(AudioConverter(0, 1, AudioFormat{1, 16000}), ErrorKind::kInvalidArgument,
               "sample_rate");
  CHECK_THROWS(AudioConverter(16000, 3, AudioFormat{2, 16000}), ErrorKind::kInvalidArgument,
               "audio has 3 channels and the model 2");
  ConversionOptions no_resampling;
  no_resampling.allow_resampling = false;
  CHECK_THROWS(AudioConverter(44100, 1, AudioFormat{1, 16000}, no_resampling),
               ErrorKind::kInvalidArgument, "resampling is disabled");
  ConversionOptions pick;
  pick.channel_mode = ChannelMode::kSelect;
  pick.channel = 2;
  CHECK_THROWS(AudioConverter(16000, 2, AudioFormat{1, 16000}, pick),
               ErrorKind::kInvalidArgument, "channel: 2 selected");
  AudioConverter converter(16000, 1, AudioFormat{1, 16000});
  std::vector<float> out;
  const float bad[] = {0.0f, std::numeric_limits<float>::quiet_NaN()};
  CHECK_THROWS(
      converter.Process(AudioView::Interleaved(bad, SampleFormat::kFloat32, 2, 1), &out),
      ErrorKind::kInvalidArgument, "sample 1");
  const float stereo[] = {0, 0};
  CHECK_THROWS(
      converter.Process(AudioView::Interleaved(stereo, SampleFormat::kFloat32, 1, 2), &out),
      ErrorKind::kInvalidArgument, "2 channel(s), expected 1");
}
