// The WAV reader on untrusted bytes. WavReader reads from a path, so the
// bytes go into a memfd opened through /proc/self/fd (no disk I/O).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "audioclf/audio/wav_reader.h"
#include "fuzz_common.h"

namespace {
// Frames per ReadFrames call, as a streaming caller would read.
constexpr size_t kBlockFrames = 256;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace audioclf;
  const std::string path = audioclf_fuzz::WriteInput(data, size);
  AUDIOCLF_FUZZ_GUARD({
    WavReader reader = WavReader::Open(path);
    const WavInfo info = reader.info();
    AUDIOCLF_FUZZ_CHECK(info.channels > 0 && info.sample_rate > 0,
                        "opened files have channels and a rate");
    AUDIOCLF_FUZZ_CHECK(info.data_offset <= size, "data starts inside the file");
    const uint64_t bytes_per_frame =
        static_cast<uint64_t>(info.channels) * BytesPerSample(info.format);
    AUDIOCLF_FUZZ_CHECK(info.frame_count <= (size - info.data_offset) / bytes_per_frame,
                        "frame_count fits in the file");
    std::vector<float> block(kBlockFrames * info.channels);
    uint64_t total = 0;
    for (;;) {
      const size_t got = reader.ReadFrames(total, kBlockFrames, block.data());
      AUDIOCLF_FUZZ_CHECK(got <= kBlockFrames, "ReadFrames stays in its block");
      if (got == 0) break;
      if (info.format != SampleFormat::kFloat32 && info.format != SampleFormat::kFloat64) {
        for (size_t i = 0; i < got * info.channels; ++i) {
          AUDIOCLF_FUZZ_CHECK(block[i] >= -1.0f && block[i] <= 1.0f,
                              "integer PCM converts into [-1, 1]");
        }
      }
      total += got;
    }
    AUDIOCLF_FUZZ_CHECK(total == info.frame_count, "every frame is readable");
    AUDIOCLF_FUZZ_CHECK(reader.ReadFrames(info.frame_count + 1, 1, block.data()) == 0,
                        "nothing past the end");
    WavInfo whole_info;
    std::vector<float> whole = ReadWavFile(path, &whole_info);
    AUDIOCLF_FUZZ_CHECK(whole.size() == whole_info.frame_count * whole_info.channels,
                        "ReadWavFile returns frame_count frames");
  });
}
