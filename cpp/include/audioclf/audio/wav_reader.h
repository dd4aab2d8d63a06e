// A WAV (RIFF/WAVE) reader for real-world files: PCM, IEEE float and
// WAVE_FORMAT_EXTENSIBLE; 8/16/24/32-bit integer and 32/64-bit float; any
// channel count; unknown chunks skipped. Reads frame ranges on demand, so an
// hour-long file is never loaded whole.
#ifndef AUDIOCLF_AUDIO_WAV_READER_H_
#define AUDIOCLF_AUDIO_WAV_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "audioclf/audio/pcm_convert.h"

namespace audioclf {

struct WavInfo {
  uint32_t sample_rate = 0;
  uint32_t channels = 0;
  SampleFormat format = SampleFormat::kInt16;
  uint16_t format_tag = 0;       // 1 PCM, 3 IEEE float (resolved from EXTENSIBLE)
  uint32_t bits_per_sample = 0;
  uint64_t frame_count = 0;      // whole frames present in the file
  uint64_t data_offset = 0;      // byte offset of the first frame in the file
  // A data chunk claiming more bytes than the file holds (a recording cut
  // short): frame_count is what is there, declared_frame_count the claim.
  bool truncated = false;
  uint64_t declared_frame_count = 0;
};

class WavReader {
 public:
  // Opens and validates the header. Throws Error(kInvalidArgument) naming the
  // path and what is wrong (not a regular file, not RIFF/WAVE, no fmt or data
  // chunk, data before fmt, channels or sample rate out of limits.h's range,
  // block_align mismatch, chunk sizes past the end of file...). A data chunk
  // running past the end is read as far as whole frames go (info().truncated)
  // unless `strict`, where it is an error too.
  static WavReader Open(const std::string& path, bool strict = false);

  WavReader(WavReader&&) noexcept;
  WavReader& operator=(WavReader&&) noexcept;
  ~WavReader();

  const WavInfo& info() const { return info_; }
  const std::string& path() const { return path_; }

  // Reads up to `frame_count` frames starting at `first_frame` as interleaved
  // float32 into `dst` (room for frame_count * channels floats). Returns the
  // number of frames read (fewer at the end of the file, 0 past it).
  size_t ReadFrames(uint64_t first_frame, size_t frame_count, float* dst);

 private:
  WavReader() = default;
  std::string path_;
  WavInfo info_;
  std::FILE* file_ = nullptr;
  std::vector<unsigned char> scratch_;
};

// Reads a whole file as interleaved float32.
std::vector<float> ReadWavFile(const std::string& path, WavInfo* info, bool strict = false);

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_WAV_READER_H_
