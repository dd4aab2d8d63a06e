// Tests for ConvertToFloat: exact values at the extremes of every format,
// unaligned buffers, and random data against a plain double-precision
// formula (the result must be that value correctly rounded to float).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "audioclf/audio/pcm_convert.h"
#include "test_harness.h"

using audioclf::BytesPerSample;
using audioclf::ConvertToFloat;
using audioclf::SampleFormat;
using audioclf::SampleFormatName;

namespace {

const SampleFormat kAllFormats[] = {
    SampleFormat::kUInt8,   SampleFormat::kInt8,    SampleFormat::kInt16,
    SampleFormat::kInt24,   SampleFormat::kInt32,   SampleFormat::kFloat32,
    SampleFormat::kFloat64,
};

// Little-endian encoders for the test inputs.
void PutLE(std::vector<unsigned char>* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<unsigned char>(value >> (8 * i)));
  }
}

std::vector<float> Convert(const std::vector<unsigned char>& bytes,
                           SampleFormat format) {
  const size_t n = bytes.size() / BytesPerSample(format);
  std::vector<float> out(n, 12345.0f);
  ConvertToFloat(bytes.data(), format, n, out.data());
  return out;
}

std::vector<float> ConvertInts(const std::vector<int64_t>& values,
                               SampleFormat format) {
  std::vector<unsigned char> bytes;
  const int width = static_cast<int>(BytesPerSample(format));
  for (int64_t v : values) PutLE(&bytes, static_cast<uint64_t>(v), width);
  return Convert(bytes, format);
}

// The reference: x / 2^(bits-1) in double, then one rounding to float.
float Reference(int64_t value, int bits) {
  return static_cast<float>(static_cast<double>(value) /
                            std::ldexp(1.0, bits - 1));
}

}  // namespace

TEST_CASE(bytes_per_sample_and_names) {
  CHECK_EQ(BytesPerSample(SampleFormat::kUInt8), 1u);
  CHECK_EQ(BytesPerSample(SampleFormat::kInt8), 1u);
  CHECK_EQ(BytesPerSample(SampleFormat::kInt16), 2u);
  CHECK_EQ(BytesPerSample(SampleFormat::kInt24), 3u);
  CHECK_EQ(BytesPerSample(SampleFormat::kInt32), 4u);
  CHECK_EQ(BytesPerSample(SampleFormat::kFloat32), 4u);
  CHECK_EQ(BytesPerSample(SampleFormat::kFloat64), 8u);
  CHECK_EQ(std::string(SampleFormatName(SampleFormat::kUInt8)), "uint8");
  CHECK_EQ(std::string(SampleFormatName(SampleFormat::kInt24)), "int24");
  CHECK_EQ(std::string(SampleFormatName(SampleFormat::kFloat64)), "float64");
}

TEST_CASE(uint8_extremes) {
  auto out = ConvertInts({0, 1, 127, 128, 129, 255}, SampleFormat::kUInt8);
  CHECK_EQ(out[0], -1.0f);
  CHECK_EQ(out[1], -127.0f / 128.0f);
  CHECK_EQ(out[2], -1.0f / 128.0f);
  CHECK_EQ(out[3], 0.0f);
  CHECK_EQ(out[4], 1.0f / 128.0f);
  CHECK_EQ(out[5], 127.0f / 128.0f);
}

TEST_CASE(int8_extremes) {
  auto out = ConvertInts({-128, -1, 0, 1, 127}, SampleFormat::kInt8);
  CHECK_EQ(out[0], -1.0f);
  CHECK_EQ(out[1], -1.0f / 128.0f);
  CHECK_EQ(out[2], 0.0f);
  CHECK_EQ(out[3], 1.0f / 128.0f);
  CHECK_EQ(out[4], 127.0f / 128.0f);
}

TEST_CASE(int16_extremes) {
  auto out = ConvertInts({-32768, -32767, -1, 0, 1, 32767}, SampleFormat::kInt16);
  CHECK_EQ(out[0], -1.0f);
  CHECK_EQ(out[1], -32767.0f / 32768.0f);
  CHECK_EQ(out[2], -1.0f / 32768.0f);
  CHECK_EQ(out[3], 0.0f);
  CHECK_EQ(out[4], 1.0f / 32768.0f);
  CHECK_EQ(out[5], 32767.0f / 32768.0f);
}

TEST_CASE(int24_extremes) {
  const int64_t kMin = -(int64_t{1} << 23), kMax = (int64_t{1} << 23) - 1;
  auto out = ConvertInts({kMin, kMin + 1, -1, 0, 1, kMax, 0x123456, -0x123456},
                         SampleFormat::kInt24);
  CHECK_EQ(out[0], -1.0f);
  CHECK_EQ(out[1], -8388607.0f / 8388608.0f);
  CHECK_EQ(out[2], -1.0f / 8388608.0f);
  CHECK_EQ(out[3], 0.0f);
  CHECK_EQ(out[4], 1.0f / 8388608.0f);
  CHECK_EQ(out[5], 8388607.0f / 8388608.0f);  // exact: 23 significant bits
  CHECK_EQ(out[6], static_cast<float>(0x123456) / 8388608.0f);
  CHECK_EQ(out[7], -static_cast<float>(0x123456) / 8388608.0f);
}

TEST_CASE(int32_extremes) {
  const int64_t kMin = std::numeric_limits<int32_t>::min();
  const int64_t kMax = std::numeric_limits<int32_t>::max();
  auto out = ConvertInts({kMin, kMin + 1, -1, 0, 1, kMax, 1 << 8, (1 << 24) + 1},
                         SampleFormat::kInt32);
  CHECK_EQ(out[0], -1.0f);  // -2^31 -> -1 exactly
  // +-(2^31 - 1) / 2^31 needs 31 significant bits; the nearest float is +-1.0
  // (correct rounding, not clipping).
  CHECK_EQ(out[1], -1.0f);
  CHECK_EQ(out[2], std::ldexp(-1.0f, -31));
  CHECK_EQ(out[3], 0.0f);
  CHECK_EQ(out[4], std::ldexp(1.0f, -31));
  CHECK_EQ(out[5], 1.0f);
  CHECK_EQ(out[6], std::ldexp(1.0f, -23));
  CHECK_EQ(out[7], Reference((1 << 24) + 1, 32));
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t in[] = {kMin, kMin + 1, -1, 0, 1, kMax, 1 << 8, (1 << 24) + 1};
    CHECK_EQ(out[i], Reference(in[i], 32));
  }
}

TEST_CASE(float32_is_copied_bit_exactly) {
  const float in[] = {0.0f, -0.0f, 1.0f, -1.0f, 2.5f, -3.75f, 1e-40f,
                      std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::max()};
  std::vector<unsigned char> bytes(sizeof(in));
  std::memcpy(bytes.data(), in, sizeof(in));
  auto out = Convert(bytes, SampleFormat::kFloat32);
  CHECK_EQ(out.size(), sizeof(in) / sizeof(float));
  CHECK(std::memcmp(out.data(), in, sizeof(in)) == 0);  // also keeps -0.0

  const float nan = std::numeric_limits<float>::quiet_NaN();
  float nan_out = 0.0f;
  ConvertToFloat(&nan, SampleFormat::kFloat32, 1, &nan_out);
  CHECK(std::isnan(nan_out));
}

TEST_CASE(float64_is_narrowed_without_clipping) {
  const double in[] = {0.0, 1.0, -1.0, 2.5, -3.0, 0.1, 1e-300, 1e30};
  std::vector<unsigned char> bytes(sizeof(in));
  std::memcpy(bytes.data(), in, sizeof(in));
  auto out = Convert(bytes, SampleFormat::kFloat64);
  CHECK_EQ(out.size(), 8u);
  for (size_t i = 0; i < out.size(); ++i) {
    CHECK_EQ(out[i], static_cast<float>(in[i]));
  }
  CHECK_EQ(out[3], 2.5f);
  CHECK_EQ(out[4], -3.0f);
}

TEST_CASE(zero_samples_touch_nothing) {
  for (SampleFormat format : kAllFormats) {
    ConvertToFloat(nullptr, format, 0, nullptr);
  }
}

// Every format, from source and destination pointers at every misalignment,
// with lengths that exercise vector bodies and scalar tails.
TEST_CASE(random_data_matches_double_formula_at_any_alignment) {
  std::mt19937_64 rng(20240607);
  const size_t kLengths[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 1000, 4099};
  for (SampleFormat format : kAllFormats) {
    const size_t width = BytesPerSample(format);
    for (size_t n : kLengths) {
      for (size_t src_shift = 0; src_shift < 4; ++src_shift) {
        std::vector<unsigned char> storage(n * width + 8);
        for (auto& b : storage) b = static_cast<unsigned char>(rng());
        if (format == SampleFormat::kFloat32 || format == SampleFormat::kFloat64) {
          // Random bits would include NaNs; use random finite values instead.
          for (size_t i = 0; i < n; ++i) {
            const double v =
                std::ldexp(static_cast<double>(static_cast<int32_t>(rng())), -31) *
                4.0;
            if (format == SampleFormat::kFloat32) {
              const float f = static_cast<float>(v);
              std::memcpy(&storage[src_shift + i * 4], &f, 4);
            } else {
              std::memcpy(&storage[src_shift + i * 8], &v, 8);
            }
          }
        }
        const unsigned char* src = storage.data() + src_shift;
        std::vector<float> dst_storage(n + 1, -7.0f);
        float* dst = dst_storage.data() + (src_shift & 1);
        ConvertToFloat(src, format, n, dst);

        for (size_t i = 0; i < n; ++i) {
          const unsigned char* p = src + i * width;
          float expected = 0.0f;
          switch (format) {
            case SampleFormat::kUInt8:
              expected = static_cast<float>((p[0] - 128.0) / 128.0);
              break;
            case SampleFormat::kInt8:
              expected = Reference(static_cast<int8_t>(p[0]), 8);
              break;
            case SampleFormat::kInt16:
              expected = Reference(static_cast<int16_t>(p[0] | (p[1] << 8)), 16);
              break;
            case SampleFormat::kInt24: {
              int64_t v = p[0] | (p[1] << 8) | (p[2] << 16);
              if (v >= (1 << 23)) v -= (1 << 24);
              expected = Reference(v, 24);
              break;
            }
            case SampleFormat::kInt32: {
              uint32_t u = 0;
              for (int k = 3; k >= 0; --k) u = (u << 8) | p[k];
              expected = Reference(static_cast<int32_t>(u), 32);
              break;
            }
            case SampleFormat::kFloat32:
              std::memcpy(&expected, p, 4);
              break;
            case SampleFormat::kFloat64: {
              double d;
              std::memcpy(&d, p, 8);
              expected = static_cast<float>(d);
              break;
            }
          }
          if (!(dst[i] == expected)) {
            std::printf("format %s n %zu shift %zu index %zu: %.9g vs %.9g\n",
                        SampleFormatName(format), n, src_shift, i, dst[i],
                        expected);
          }
          CHECK_EQ(dst[i], expected);
        }
        // Nothing written past the requested samples.
        if ((src_shift & 1) == 0) CHECK_EQ(dst_storage[n], -7.0f);
      }
    }
  }
}

// Every int16 and every uint8/int8 code, not just samples of them.
TEST_CASE(exhaustive_8_and_16_bit) {
  std::vector<unsigned char> bytes;
  for (int v = -32768; v <= 32767; ++v) PutLE(&bytes, static_cast<uint16_t>(v), 2);
  auto out = Convert(bytes, SampleFormat::kInt16);
  for (int v = -32768; v <= 32767; ++v) {
    CHECK_EQ(out[static_cast<size_t>(v + 32768)], static_cast<float>(v / 32768.0));
  }
  bytes.clear();
  for (int v = 0; v < 256; ++v) bytes.push_back(static_cast<unsigned char>(v));
  auto u8 = Convert(bytes, SampleFormat::kUInt8);
  auto s8 = Convert(bytes, SampleFormat::kInt8);
  for (int v = 0; v < 256; ++v) {
    CHECK_EQ(u8[static_cast<size_t>(v)], static_cast<float>((v - 128) / 128.0));
    CHECK_EQ(s8[static_cast<size_t>(v)],
             static_cast<float>(static_cast<int8_t>(v) / 128.0));
  }
}
