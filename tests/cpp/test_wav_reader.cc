// Tests for WavReader / ReadWavFile: files written by the test itself in
// every supported layout (exact values), a table of malformed files (each
// must fail with a clear kInvalidArgument naming the path), and — when
// AUDIOCLF_SHARED_DIR points at the shared data — the reference clips,
// checked against values computed once with Python's soundfile.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "audioclf/audio/wav_reader.h"
#include "audioclf/error.h"
#include "test_harness.h"

using audioclf::ErrorKind;
using audioclf::ReadWavFile;
using audioclf::SampleFormat;
using audioclf::WavInfo;
using audioclf::WavReader;

namespace {

using Bytes = std::vector<unsigned char>;

// ---- a small WAV writer ------------------------------------------------------

void PutLE(Bytes* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<unsigned char>(value >> (8 * i)));
  }
}

void PutId(Bytes* out, const char* id) { out->insert(out->end(), id, id + 4); }

void Append(Bytes* out, const Bytes& more) {
  out->insert(out->end(), more.begin(), more.end());
}

// One chunk; `declared` overrides the size field (to write lies). A pad byte
// follows an odd-sized body, as RIFF requires.
Bytes Chunk(const char* id, const Bytes& body, int64_t declared = -1) {
  Bytes out;
  PutId(&out, id);
  PutLE(&out, declared >= 0 ? static_cast<uint64_t>(declared) : body.size(), 4);
  Append(&out, body);
  if (body.size() % 2 == 1) out.push_back(0);
  return out;
}

// A 16-byte WAVEFORMAT body (block_align computed unless given), optionally
// with a cbSize field.
Bytes FmtBody(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits,
              int block_align = -1, bool with_cb_size = false) {
  const uint32_t align = block_align >= 0 ? static_cast<uint32_t>(block_align)
                                          : channels * ((bits + 7u) / 8u);
  Bytes out;
  PutLE(&out, tag, 2);
  PutLE(&out, channels, 2);
  PutLE(&out, rate, 4);
  PutLE(&out, rate * align, 4);
  PutLE(&out, align, 2);
  PutLE(&out, bits, 2);
  if (with_cb_size) PutLE(&out, 0, 2);
  return out;
}

// A 40-byte WAVEFORMATEXTENSIBLE body with a KSDATAFORMAT_SUBTYPE_* GUID.
Bytes ExtensibleFmtBody(uint16_t subformat, uint16_t channels, uint32_t rate,
                        uint16_t bits, uint16_t valid_bits,
                        bool break_guid = false) {
  Bytes out = FmtBody(0xFFFE, channels, rate, bits);
  PutLE(&out, 22, 2);          // cbSize
  PutLE(&out, valid_bits, 2);  // wValidBitsPerSample
  PutLE(&out, channels == 2 ? 3 : 4, 4);  // dwChannelMask
  PutLE(&out, subformat, 2);
  const unsigned char tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                  0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
  out.insert(out.end(), tail, tail + 14);
  if (break_guid) out.back() = 0x72;
  return out;
}

Bytes Riff(const std::vector<Bytes>& chunks, const char* riff_id = "RIFF",
           const char* form = "WAVE", int64_t declared = -1) {
  Bytes body;
  PutId(&body, form);
  for (const Bytes& c : chunks) Append(&body, c);
  Bytes out;
  PutId(&out, riff_id);
  PutLE(&out, declared >= 0 ? static_cast<uint64_t>(declared) : body.size(), 4);
  Append(&out, body);
  return out;
}

Bytes Ints(const std::vector<int64_t>& values, int bytes) {
  Bytes out;
  for (int64_t v : values) PutLE(&out, static_cast<uint64_t>(v), bytes);
  return out;
}

template <typename T>
Bytes Floats(const std::vector<T>& values) {
  Bytes out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "audioclf_wav_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw audioclf_test::CheckFailure{"mkdtemp failed for " + pattern};
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Write(const std::string& name, const Bytes& bytes) const {
    const std::string path = path_ + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw audioclf_test::CheckFailure{"cannot write " + path};
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

float I16(int v) { return static_cast<float>(v) / 32768.0f; }
float I24(int v) { return static_cast<float>(v) / 8388608.0f; }

}  // namespace

// ---- formats written by the test -------------------------------------------------

TEST_CASE(pcm16_mono_exact_values) {
  TempDir dir;
  const std::string path = dir.Write(
      "a.wav", Riff({Chunk("fmt ", FmtBody(1, 1, 16000, 16)),
                     Chunk("data", Ints({-32768, -1, 0, 1, 32767, 12345}, 2))}));
  WavReader reader = WavReader::Open(path);
  const WavInfo& info = reader.info();
  CHECK_EQ(reader.path(), path);
  CHECK_EQ(info.sample_rate, 16000u);
  CHECK_EQ(info.channels, 1u);
  CHECK(info.format == SampleFormat::kInt16);
  CHECK_EQ(info.format_tag, 1);
  CHECK_EQ(info.bits_per_sample, 16u);
  CHECK_EQ(info.frame_count, 6u);
  CHECK_EQ(info.data_offset, 44u);

  WavInfo whole;
  std::vector<float> samples = ReadWavFile(path, &whole);
  CHECK_EQ(whole.frame_count, 6u);
  CHECK_EQ(samples.size(), 6u);
  CHECK_EQ(samples[0], -1.0f);
  CHECK_EQ(samples[1], I16(-1));
  CHECK_EQ(samples[2], 0.0f);
  CHECK_EQ(samples[3], I16(1));
  CHECK_EQ(samples[4], 32767.0f / 32768.0f);
  CHECK_EQ(samples[5], I16(12345));
  CHECK_EQ(ReadWavFile(path, nullptr).size(), 6u);  // info is optional
}

TEST_CASE(uint8_odd_data_size_then_trailing_chunk) {
  TempDir dir;
  // 5 data bytes: a pad byte follows, then a LIST chunk the reader ignores.
  const std::string path = dir.Write(
      "u8.wav", Riff({Chunk("fmt ", FmtBody(1, 1, 8000, 8)),
                      Chunk("data", Bytes{0, 128, 255, 1, 200}),
                      Chunk("LIST", Bytes{'I', 'N', 'F', 'O'})}));
  WavInfo info;
  std::vector<float> s = ReadWavFile(path, &info);
  CHECK(info.format == SampleFormat::kUInt8);
  CHECK_EQ(info.bits_per_sample, 8u);
  CHECK_EQ(info.frame_count, 5u);
  CHECK_EQ(s.size(), 5u);
  CHECK_EQ(s[0], -1.0f);
  CHECK_EQ(s[1], 0.0f);
  CHECK_EQ(s[2], 127.0f / 128.0f);
  CHECK_EQ(s[3], -127.0f / 128.0f);
  CHECK_EQ(s[4], 72.0f / 128.0f);
}

TEST_CASE(int24_three_channels_with_odd_chunks_before_data) {
  TempDir dir;
  const int kMin = -(1 << 23), kMax = (1 << 23) - 1;
  const std::vector<int64_t> values = {kMin, 0,     kMax,  // frame 0
                                       1,    -1,    0x123456,
                                       -2,   2,     -0x654321,
                                       kMax, kMin,  7};
  // Odd-sized JUNK before fmt and LIST between fmt and data, each padded.
  const std::string path = dir.Write(
      "s24.wav",
      Riff({Chunk("JUNK", Bytes{1, 2, 3}), Chunk("fmt ", FmtBody(1, 3, 48000, 24)),
            Chunk("LIST", Bytes{'I', 'N', 'F', 'O', 'x'}),
            Chunk("data", Ints(values, 3))}));
  WavReader reader = WavReader::Open(path);
  CHECK_EQ(reader.info().channels, 3u);
  CHECK(reader.info().format == SampleFormat::kInt24);
  CHECK_EQ(reader.info().frame_count, 4u);
  // 12 + JUNK 8+3+1 + fmt 8+16 + LIST 8+5+1 + data header 8
  CHECK_EQ(reader.info().data_offset, 12u + 12u + 24u + 14u + 8u);
  std::vector<float> s(12, -9.0f);
  CHECK_EQ(reader.ReadFrames(0, 4, s.data()), 4u);
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK_EQ(s[i], I24(static_cast<int>(values[i])));
  }
  CHECK_EQ(s[0], -1.0f);
  CHECK_EQ(s[4], I24(-1));
  // Frame 2 alone lands in the right place.
  float frame[3];
  CHECK_EQ(reader.ReadFrames(2, 1, frame), 1u);
  CHECK_EQ(frame[0], I24(-2));
  CHECK_EQ(frame[1], I24(2));
  CHECK_EQ(frame[2], I24(-0x654321));
}

TEST_CASE(int32_stereo) {
  TempDir dir;
  const int64_t kMin = std::numeric_limits<int32_t>::min();
  const int64_t kMax = std::numeric_limits<int32_t>::max();
  const std::string path = dir.Write(
      "s32.wav", Riff({Chunk("fmt ", FmtBody(1, 2, 44100, 32)),
                       Chunk("data", Ints({kMin, kMax, 0, 1 << 16}, 4))}));
  WavInfo info;
  std::vector<float> s = ReadWavFile(path, &info);
  CHECK(info.format == SampleFormat::kInt32);
  CHECK_EQ(info.frame_count, 2u);
  CHECK_EQ(s.size(), 4u);
  CHECK_EQ(s[0], -1.0f);
  CHECK_EQ(s[1], 1.0f);  // (2^31-1)/2^31 rounds to 1.0f
  CHECK_EQ(s[2], 0.0f);
  CHECK_EQ(s[3], 1.0f / 32768.0f);
}

TEST_CASE(float32_with_cb_size_and_fact_chunk) {
  TempDir dir;
  const std::vector<float> values = {0.5f, -0.25f, 1.5f, -2.0f, 1e-3f};
  Bytes fact;
  PutLE(&fact, values.size(), 4);
  // 18-byte fmt (cbSize 0) and a fact chunk, as sox writes IEEE float.
  const std::string path = dir.Write(
      "f32.wav", Riff({Chunk("fmt ", FmtBody(3, 1, 16000, 32, -1, true)),
                       Chunk("fact", fact), Chunk("data", Floats(values))}));
  WavInfo info;
  std::vector<float> s = ReadWavFile(path, &info);
  CHECK(info.format == SampleFormat::kFloat32);
  CHECK_EQ(info.format_tag, 3);
  CHECK_EQ(info.data_offset, 12u + 26u + 12u + 8u);
  CHECK(s == values);  // copied, not clipped
}

TEST_CASE(float64_mono) {
  TempDir dir;
  const std::vector<double> values = {0.1, -1.0, 3.0, -1e-5};
  const std::string path = dir.Write(
      "f64.wav", Riff({Chunk("fmt ", FmtBody(3, 1, 22050, 64)),
                       Chunk("data", Floats(values))}));
  WavInfo info;
  std::vector<float> s = ReadWavFile(path, &info);
  CHECK(info.format == SampleFormat::kFloat64);
  CHECK_EQ(info.bits_per_sample, 64u);
  CHECK_EQ(s.size(), 4u);
  for (size_t i = 0; i < 4; ++i) CHECK_EQ(s[i], static_cast<float>(values[i]));
}

TEST_CASE(extensible_pcm_and_float) {
  TempDir dir;
  const std::string pcm = dir.Write(
      "ext16.wav", Riff({Chunk("fmt ", ExtensibleFmtBody(1, 2, 48000, 16, 16)),
                         Chunk("data", Ints({-32768, 32767, 100, -100}, 2))}));
  WavInfo info;
  std::vector<float> s = ReadWavFile(pcm, &info);
  CHECK_EQ(info.format_tag, 1);  // resolved from the subformat GUID
  CHECK(info.format == SampleFormat::kInt16);
  CHECK_EQ(info.channels, 2u);
  CHECK_EQ(info.data_offset, 12u + 48u + 8u);
  CHECK_EQ(s.size(), 4u);
  CHECK_EQ(s[0], -1.0f);
  CHECK_EQ(s[1], 32767.0f / 32768.0f);
  CHECK_EQ(s[2], I16(100));
  CHECK_EQ(s[3], I16(-100));

  const std::vector<float> values = {0.25f, -0.75f, 2.0f};
  const std::string flt = dir.Write(
      "extf.wav", Riff({Chunk("fmt ", ExtensibleFmtBody(3, 1, 16000, 32, 32)),
                        Chunk("data", Floats(values))}));
  s = ReadWavFile(flt, &info);
  CHECK_EQ(info.format_tag, 3);
  CHECK(info.format == SampleFormat::kFloat32);
  CHECK(s == values);

  // 20 valid bits in a 24-bit container are left-justified, so the container
  // scale still gives the right value.
  const std::string p20 = dir.Write(
      "ext20.wav", Riff({Chunk("fmt ", ExtensibleFmtBody(1, 1, 16000, 24, 20)),
                         Chunk("data", Ints({0x7FFFF0, -0x800000, 0x10}, 3))}));
  s = ReadWavFile(p20, &info);
  CHECK_EQ(info.bits_per_sample, 24u);
  CHECK_EQ(s[0], I24(0x7FFFF0));
  CHECK_EQ(s[1], -1.0f);
  CHECK_EQ(s[2], I24(0x10));
}

TEST_CASE(streamed_data_size_reads_to_end_of_file) {
  TempDir dir;
  // 4 stereo int16 frames plus 3 bytes of a partial frame, which is dropped.
  Bytes audio = Ints({1, 2, 3, 4, 5, 6, 7, 8}, 2);
  audio.insert(audio.end(), {9, 9, 9});
  for (uint32_t declared : {0xFFFFFFFFu, 0u}) {
    Bytes file;
    Bytes riff = Riff({Chunk("fmt ", FmtBody(1, 2, 16000, 16))}, "RIFF", "WAVE",
                      declared);
    Append(&file, riff);
    PutId(&file, "data");
    PutLE(&file, declared, 4);
    Append(&file, audio);
    const std::string path = dir.Write("streamed.wav", file);
    WavInfo info;
    std::vector<float> s = ReadWavFile(path, &info);
    CHECK_EQ(info.frame_count, 4u);
    CHECK_EQ(s.size(), 8u);
    for (int i = 0; i < 8; ++i) CHECK_EQ(s[static_cast<size_t>(i)], I16(i + 1));
  }
}

TEST_CASE(empty_data_chunk_has_zero_frames) {
  TempDir dir;
  const std::string path = dir.Write(
      "empty.wav", Riff({Chunk("fmt ", FmtBody(1, 1, 16000, 16)),
                         Chunk("data", Bytes{})}));
  WavReader reader = WavReader::Open(path);
  CHECK_EQ(reader.info().frame_count, 0u);
  float x = -3.0f;
  CHECK_EQ(reader.ReadFrames(0, 1, &x), 0u);
  CHECK_EQ(x, -3.0f);
  CHECK(ReadWavFile(path, nullptr).empty());
}

TEST_CASE(read_frames_ranges_match_whole_file) {
  TempDir dir;
  // 40000 stereo frames = 160000 bytes: larger than one scratch pass.
  const size_t kFrames = 40000;
  std::vector<int64_t> values(kFrames * 2);
  uint32_t state = 12345;
  for (auto& v : values) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<int16_t>(state >> 16);
  }
  const std::string path = dir.Write(
      "long.wav", Riff({Chunk("fmt ", FmtBody(1, 2, 16000, 16)),
                        Chunk("data", Ints(values, 2))}));
  const std::vector<float> whole = ReadWavFile(path, nullptr);
  CHECK_EQ(whole.size(), kFrames * 2);
  for (size_t i = 0; i < whole.size(); ++i) {
    if (whole[i] != I16(static_cast<int>(values[i]))) {
      CHECK_EQ(whole[i], I16(static_cast<int>(values[i])));
    }
  }

  WavReader reader = WavReader::Open(path);
  std::vector<float> buf(30000 * 2 + 1, -5.0f);
  CHECK_EQ(reader.ReadFrames(5001, 30000, buf.data()), 30000u);
  CHECK(std::equal(buf.begin(), buf.end() - 1, whole.begin() + 5001 * 2));
  CHECK_EQ(buf.back(), -5.0f);  // nothing written past the range

  // Short at the end, nothing past it.
  std::fill(buf.begin(), buf.end(), -5.0f);
  CHECK_EQ(reader.ReadFrames(kFrames - 10, 100, buf.data()), 10u);
  CHECK(std::equal(buf.begin(), buf.begin() + 20, whole.end() - 20));
  CHECK_EQ(buf[20], -5.0f);
  CHECK_EQ(reader.ReadFrames(kFrames, 5, buf.data()), 0u);
  CHECK_EQ(reader.ReadFrames(uint64_t{1} << 40, 5, buf.data()), 0u);
  CHECK_EQ(reader.ReadFrames(7, 0, buf.data()), 0u);

  // Out-of-order small reads.
  for (uint64_t start : {uint64_t{39999}, uint64_t{0}, uint64_t{20000}, uint64_t{1}}) {
    float frame[2];
    CHECK_EQ(reader.ReadFrames(start, 1, frame), 1u);
    CHECK_EQ(frame[0], whole[start * 2]);
    CHECK_EQ(frame[1], whole[start * 2 + 1]);
  }
}

TEST_CASE(move_only_reader) {
  TempDir dir;
  const std::string path = dir.Write(
      "m.wav", Riff({Chunk("fmt ", FmtBody(1, 1, 16000, 16)),
                     Chunk("data", Ints({100, 200}, 2))}));
  const std::string other_path = dir.Write(
      "n.wav", Riff({Chunk("fmt ", FmtBody(1, 1, 8000, 8)),
                     Chunk("data", Bytes{128})}));
  WavReader a = WavReader::Open(path);
  WavReader b(std::move(a));
  float x[2];
  CHECK_EQ(b.ReadFrames(0, 2, x), 2u);
  CHECK_EQ(x[1], I16(200));
  CHECK_THROWS(a.ReadFrames(0, 1, x), ErrorKind::kRuntime, "moved-from");

  WavReader c = WavReader::Open(other_path);
  c = std::move(b);  // closes c's file, takes b's
  CHECK_EQ(c.path(), path);
  CHECK_EQ(c.info().sample_rate, 16000u);
  CHECK_EQ(c.ReadFrames(1, 1, x), 1u);
  CHECK_EQ(x[0], I16(200));
  CHECK_THROWS(b.ReadFrames(0, 1, x), ErrorKind::kRuntime, "moved-from");
}

// ---- malformed files -----------------------------------------------------------

TEST_CASE(malformed_files_are_rejected_with_clear_messages) {
  const Bytes fmt16 = Chunk("fmt ", FmtBody(1, 1, 16000, 16));
  const Bytes data4 = Chunk("data", Ints({1, 2}, 2));
  Bytes riff_only = Riff({});  // "RIFF" size "WAVE"
  Bytes header_plus_5 = riff_only;
  header_plus_5.insert(header_plus_5.end(), {'f', 'm', 't', ' ', 16});
  Bytes fmt_cut = Riff({fmt16});
  fmt_cut.resize(fmt_cut.size() - 6);
  Bytes not_riff(64, 0);
  std::memcpy(not_riff.data(), "OggS", 4);

  struct Case {
    const char* name;
    Bytes bytes;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"zero_bytes", {}, "empty (0 bytes)"},
      {"truncated_header", Bytes(riff_only.begin(), riff_only.begin() + 10),
       "truncated header: file has 10 bytes"},
      {"not_riff", not_riff, "not a RIFF/WAVE file"},
      {"rifx", Riff({fmt16, data4}, "RIFX"), "RIFX files are unsupported"},
      {"rf64", Riff({fmt16, data4}, "RF64"), "RF64 (64-bit WAV) files are unsupported"},
      {"riff_avi", Riff({fmt16, data4}, "RIFF", "AVI "), "expected 'WAVE'"},
      {"only_riff_header", riff_only, "no fmt chunk"},
      {"truncated_chunk_header", header_plus_5, "truncated chunk header at offset 12"},
      {"fmt_past_eof", fmt_cut, "chunk 'fmt ' at offset 12 has size 16, which exceeds file"},
      {"data_before_fmt", Riff({data4, fmt16}), "data chunk before fmt chunk"},
      {"no_data", Riff({fmt16, Chunk("LIST", Bytes{1, 2})}), "no data chunk"},
      {"fmt_too_short", Riff({Chunk("fmt ", Bytes(14, 1)), data4}),
       "fmt chunk too short (14 bytes, expected at least 16)"},
      {"channels_0", Riff({Chunk("fmt ", FmtBody(1, 0, 16000, 16, 2)), data4}),
       "channels 0"},
      {"sample_rate_0", Riff({Chunk("fmt ", FmtBody(1, 1, 0, 16)), data4}),
       "sample rate 0"},
      {"block_align_mismatch",
       Riff({Chunk("fmt ", FmtBody(1, 2, 16000, 16, 2)), data4}),
       "block_align 2 does not match channels * bytes_per_sample = 2 * 2 = 4"},
      {"pcm_bits_12", Riff({Chunk("fmt ", FmtBody(1, 1, 16000, 12, 2)), data4}),
       "unsupported bits_per_sample 12 for PCM"},
      {"float_bits_16", Riff({Chunk("fmt ", FmtBody(3, 1, 16000, 16)), data4}),
       "unsupported bits_per_sample 16 for IEEE float"},
      {"unknown_format_tag", Riff({Chunk("fmt ", FmtBody(0x55, 1, 16000, 16)), data4}),
       "unsupported format tag 0x0055 (MPEG Layer 3)"},
      {"extensible_too_short",
       Riff({Chunk("fmt ", FmtBody(0xFFFE, 1, 16000, 16, -1, true)), data4}),
       "WAVE_FORMAT_EXTENSIBLE fmt chunk too short (18 bytes"},
      {"extensible_bad_guid",
       Riff({Chunk("fmt ", ExtensibleFmtBody(1, 1, 16000, 16, 16, true)), data4}),
       "unsupported WAVE_FORMAT_EXTENSIBLE subformat {00000001-0000-0010-8000-00AA00389B72}"},
      {"extensible_adpcm_subformat",
       Riff({Chunk("fmt ", ExtensibleFmtBody(2, 1, 16000, 16, 16)), data4}),
       "subformat {00000002-"},
      {"channels_257", Riff({Chunk("fmt ", FmtBody(1, 257, 16000, 8)), data4}),
       "fmt chunk has 257 channels, more than the limit of 256"},
      {"sample_rate_1", Riff({Chunk("fmt ", FmtBody(1, 1, 1, 16)), data4}),
       "fmt chunk has sample rate 1 Hz, expected 1000..768000 Hz"},
      {"sample_rate_768001", Riff({Chunk("fmt ", FmtBody(1, 1, 768001, 16)), data4}),
       "sample rate 768001 Hz"},
      {"list_past_eof", Riff({fmt16, Chunk("LIST", Bytes{1, 2}, 5000)}),
       "chunk 'LIST' at offset 36 has size 5000, which exceeds file (2 bytes available)"},
      {"binary_chunk_id", Riff({fmt16, Chunk("\x01\x02zz", Bytes{}, 77)}),
       "chunk '\\x01\\x02zz'"},
  };

  TempDir dir;
  for (const Case& c : cases) {
    const std::string path = dir.Write(std::string(c.name) + ".wav", c.bytes);
    try {
      CHECK_THROWS(WavReader::Open(path), ErrorKind::kInvalidArgument, c.expected);
      CHECK_THROWS(WavReader::Open(path), ErrorKind::kInvalidArgument, path);
      CHECK_THROWS(ReadWavFile(path, nullptr), ErrorKind::kInvalidArgument,
                   c.expected);
    } catch (audioclf_test::CheckFailure& f) {
      f.message = std::string(c.name) + ": " + f.message;
      throw;
    }
  }
}

TEST_CASE(unopenable_paths) {
  TempDir dir;
  const std::string missing = dir.path() + "/does_not_exist.wav";
  CHECK_THROWS(WavReader::Open(missing), ErrorKind::kInvalidArgument,
               "WAV file '" + missing + "' cannot be opened: No such file");
  CHECK_THROWS(ReadWavFile(missing, nullptr), ErrorKind::kInvalidArgument,
               missing);
  CHECK_THROWS(WavReader::Open(dir.path()), ErrorKind::kInvalidArgument,
               "WAV file '" + dir.path() + "' is a directory, not a regular file");
  // A FIFO would block open() until a writer came.
  const std::string fifo = dir.path() + "/pipe.wav";
  CHECK(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS(WavReader::Open(fifo), ErrorKind::kInvalidArgument,
               "WAV file '" + fifo + "' is a FIFO (named pipe), not a regular file");
  CHECK_THROWS(WavReader::Open("/dev/zero"), ErrorKind::kInvalidArgument,
               "is a character device");
}

TEST_CASE(truncated_data_chunk_reads_the_whole_frames_present) {
  TempDir dir;
  // Claims 1000 bytes; holds 3 stereo int16 frames and one stray byte.
  Bytes data = Ints({1, 2, 3, 4, 5, 6}, 2);
  data.push_back(9);
  const std::string path = dir.Write(
      "cut.wav", Riff({Chunk("fmt ", FmtBody(1, 2, 16000, 16)), Chunk("data", data, 1000)}));
  WavReader reader = WavReader::Open(path);
  CHECK(reader.info().truncated);
  CHECK_EQ(reader.info().frame_count, 3u);
  CHECK_EQ(reader.info().declared_frame_count, 250u);
  float x[8] = {};
  CHECK_EQ(reader.ReadFrames(0, 4, x), 3u);
  CHECK_EQ(x[5], I16(6));
  WavInfo info;
  CHECK_EQ(ReadWavFile(path, &info).size(), 6u);
  CHECK(info.truncated);
  CHECK_THROWS(WavReader::Open(path, /*strict=*/true), ErrorKind::kInvalidArgument,
               "WAV file '" + path + "': data chunk size 1000 exceeds file: only 14 bytes");
  CHECK_THROWS(ReadWavFile(path, nullptr, /*strict=*/true), ErrorKind::kInvalidArgument,
               "exceeds file");
  // A complete file is not truncated.
  const std::string whole = dir.Write(
      "whole.wav", Riff({Chunk("fmt ", FmtBody(1, 1, 16000, 16)), Chunk("data", Ints({1}, 2))}));
  const WavReader complete = WavReader::Open(whole, true);
  CHECK(!complete.info().truncated);
  CHECK_EQ(complete.info().declared_frame_count, 1u);
}

// ---- the shared reference clips --------------------------------------------------

namespace {

struct Probe {
  uint64_t frame;
  float values[2];  // per channel
};

struct SharedClip {
  const char* name;
  uint32_t sample_rate;
  uint32_t channels;
  uint64_t frames;
  uint16_t format_tag;
  uint32_t bits;
  SampleFormat format;
  uint64_t data_offset;
  double sum_first_16000;  // of the first 16000 interleaved floats
  std::vector<Probe> probes;
};

// Reference values from soundfile 0.13 / libsndfile (sf.read(path,
// dtype='float32')). libsndfile scales int16 by 1/32768, 24-bit by 1/2^23 and
// u8 as (x - 128) / 128, exactly as ConvertToFloat does: every sample of every
// clip matched bit for bit when this table was made.
std::vector<SharedClip> SharedClips() {
  const std::vector<Probe> speech = {{0, {0.0f}},
                                     {1000, {0.00079345703125f}},
                                     {12345, {0.234771728515625f}},
                                     {13487, {-0.847625732421875f}},  // peak
                                     {68359, {-0.001708984375f}}};
  return {
      {"speech.wav", 16000, 1, 68360, 1, 16, SampleFormat::kInt16, 44,
       2.150177001953125, speech},
      {"speech_44k_stereo.wav", 44100, 2, 188417, 1, 16, SampleFormat::kInt16, 44,
       -0.173858642578125,
       {{0, {0.0f, 0.0f}},
        {1000, {0.0f, 0.0f}},
        {5000, {0.000274658203125f, 0.00030517578125f}},
        {12345, {0.00543212890625f, 0.00543212890625f}},
        {112355, {0.862274169921875f, 0.0f}},  // channel 1 not probed
        {188416, {-0.000701904296875f, -0.000732421875f}}}},
      {"speech_48k.wav", 48000, 1, 205080, 1, 16, SampleFormat::kInt16, 44,
       -0.252166748046875,
       {{0, {0.0f}},
        {5000, {3.0517578125e-05f}},
        {12345, {-0.000732421875f}},
        {122291, {0.86376953125f}},
        {205079, {-0.000518798828125f}}}},
      {"speech_8k_u8.wav", 8000, 1, 34180, 1, 8, SampleFormat::kUInt8, 44,
       1.328125,
       {{0, {0.0f}},
        {1000, {0.0078125f}},
        {10848, {0.828125f}},
        {12345, {0.0f}},
        {34179, {-0.0078125f}}}},
      // IEEE float, 18-byte fmt + fact chunk (not EXTENSIBLE).
      {"speech_f32.wav", 16000, 1, 68360, 3, 32, SampleFormat::kFloat32, 58,
       2.150177001953125, speech},
      // WAVE_FORMAT_EXTENSIBLE (PCM subformat) + fact chunk.
      {"speech_pcm24.wav", 16000, 1, 68360, 1, 24, SampleFormat::kInt24, 80,
       2.150177001953125, speech},
      {"tone_noise.wav", 16000, 1, 40000, 1, 16, SampleFormat::kInt16, 44,
       0.008056640625,
       {{0, {0.008392333984375f}},
        {1000, {0.0f}},
        {4700, {0.500030517578125f}},
        {12345, {0.03924560546875f}},
        {39999, {0.0f}}}},
      {"two_heads.wav", 16000, 1, 15600, 1, 16, SampleFormat::kInt16, 44,
       -0.2786865234375,
       {{0, {-0.000152587890625f}},
        {1000, {0.004119873046875f}},
        {6149, {0.021820068359375f}},
        {12345, {-0.000518798828125f}},
        {15599, {0.001312255859375f}}}},
  };
}

// The shared audio folder, or "" (after printing why) when it is absent.
std::string SharedAudioDir() {
  const char* shared = std::getenv("AUDIOCLF_SHARED_DIR");
  if (shared == nullptr || *shared == '\0') {
    std::printf("skipped: AUDIOCLF_SHARED_DIR is not set\n");
    return "";
  }
  const std::string audio = std::string(shared) + "/audio";
  if (!std::filesystem::is_directory(audio)) {
    std::printf("skipped: %s is not a directory\n", audio.c_str());
    return "";
  }
  return audio;
}

}  // namespace

TEST_CASE(shared_clips_match_soundfile) {
  const std::string audio = SharedAudioDir();
  if (audio.empty()) return;
  for (const SharedClip& clip : SharedClips()) {
    const std::string path = audio + "/" + clip.name;
    if (!std::filesystem::exists(path)) {
      std::printf("skipped: %s is missing\n", path.c_str());
      continue;
    }
    try {
      WavInfo info;
      const std::vector<float> s = ReadWavFile(path, &info);
      CHECK_EQ(info.sample_rate, clip.sample_rate);
      CHECK_EQ(info.channels, clip.channels);
      CHECK_EQ(info.frame_count, clip.frames);
      CHECK_EQ(info.format_tag, clip.format_tag);
      CHECK_EQ(info.bits_per_sample, clip.bits);
      CHECK(info.format == clip.format);
      CHECK_EQ(info.data_offset, clip.data_offset);
      CHECK_EQ(s.size(), clip.frames * clip.channels);
      for (const Probe& p : clip.probes) {
        CHECK_EQ(s[p.frame * clip.channels], p.values[0]);
        if (clip.channels == 2 && p.frame != 112355) {
          CHECK_EQ(s[p.frame * 2 + 1], p.values[1]);
        }
      }
      double sum = 0.0;
      for (size_t i = 0; i < std::min<size_t>(16000, s.size()); ++i) sum += s[i];
      CHECK_NEAR(sum, clip.sum_first_16000, 1e-4);

      // A middle range read on its own equals the same slice of the whole.
      WavReader reader = WavReader::Open(path);
      const uint64_t first = clip.frames / 3;
      const size_t count = 5000;
      std::vector<float> part(count * clip.channels);
      CHECK_EQ(reader.ReadFrames(first, count, part.data()), count);
      CHECK(std::equal(part.begin(), part.end(),
                       s.begin() + static_cast<std::ptrdiff_t>(first * clip.channels)));
    } catch (audioclf_test::CheckFailure& f) {
      f.message = std::string(clip.name) + ": " + f.message;
      throw;
    }
  }
}

// The 24-bit and float clips are lossless conversions of speech.wav.
TEST_CASE(shared_lossless_conversions_equal_speech) {
  const std::string audio = SharedAudioDir();
  if (audio.empty()) return;
  if (!std::filesystem::exists(audio + "/speech.wav")) {
    std::printf("skipped: speech.wav is missing\n");
    return;
  }
  const std::vector<float> speech = ReadWavFile(audio + "/speech.wav", nullptr);
  for (const char* name : {"speech_pcm24.wav", "speech_f32.wav"}) {
    const std::string path = audio + "/" + name;
    if (!std::filesystem::exists(path)) continue;
    CHECK(ReadWavFile(path, nullptr) == speech);
  }
}

// Every .wav in the folder (including any added later) opens and reads whole,
// in pieces as well as at once.
TEST_CASE(shared_every_wav_reads) {
  const std::string audio = SharedAudioDir();
  if (audio.empty()) return;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(audio)) {
    if (entry.path().extension() != ".wav") continue;
    ++files;
    const std::string path = entry.path().string();
    WavInfo info;
    const std::vector<float> whole = ReadWavFile(path, &info);
    CHECK(info.frame_count > 0);
    CHECK_EQ(whole.size(), info.frame_count * info.channels);
    WavReader reader = WavReader::Open(path);
    std::vector<float> pieces(whole.size());
    uint64_t at = 0;
    while (at < info.frame_count) {
      const size_t got = reader.ReadFrames(at, 7919, pieces.data() + at * info.channels);
      CHECK(got > 0);
      at += got;
    }
    CHECK(pieces == whole);
    for (float v : whole) CHECK(std::isfinite(v) && std::fabs(v) <= 1.0f);
  }
  CHECK(files >= 1);
}
