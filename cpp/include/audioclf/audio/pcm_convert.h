// PCM sample formats and their conversion to float32.
//
// Integer formats are scaled by 1/2^(bits-1), so the most negative code maps
// to exactly -1.0 and the most positive to 1 - 2^-(bits-1) (for 16 bits:
// -32768 -> -1.0, 32767 -> 32767/32768). Unsigned 8-bit is offset by 128
// first. Float input is copied (float64 narrowed) without clipping.
#ifndef AUDIOCLF_AUDIO_PCM_CONVERT_H_
#define AUDIOCLF_AUDIO_PCM_CONVERT_H_

#include <cstddef>

namespace audioclf {

enum class SampleFormat {
  kUInt8,
  kInt8,
  kInt16,
  kInt24,  // packed, 3 bytes little-endian
  kInt32,
  kFloat32,
  kFloat64,
};

size_t BytesPerSample(SampleFormat format);
const char* SampleFormatName(SampleFormat format);

// Converts `sample_count` little-endian samples at `src` (any alignment) to
// float32 at `dst`.
void ConvertToFloat(const void* src, SampleFormat format, size_t sample_count,
                    float* dst);

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_PCM_CONVERT_H_
