// Tests for ParseMp3Frames / ReadMp3Header / DescribeMp3LengthMismatch on
// frames written byte by byte here: every MPEG version and channel layout,
// a CRC, tags before and after the stream, headers cut short, and files
// that hold more or less than their Xing/Info header declares.
#include "audioclf/audio/mp3_header.h"

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_harness.h"

using audioclf::DescribeMp3LengthMismatch;
using audioclf::ErrorKind;
using audioclf::Mp3Header;
using audioclf::ParseMp3Frames;
using audioclf::ReadMp3Header;

namespace {

using Bytes = std::vector<unsigned char>;

void PutBE32(Bytes* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<unsigned char>(value >> shift));
}

struct Layout {
  unsigned char b1;  // sync, version, layer III, protection bit
  bool mono;
  size_t side;       // side information before the tag
};
// MPEG 1 (0xFB), 2 (0xF3) and 2.5 (0xE3), no CRC; 0xFA: MPEG 1 with a CRC.
constexpr Layout kMpeg1Mono{0xFB, true, 17};
constexpr Layout kMpeg1Stereo{0xFB, false, 32};
constexpr Layout kMpeg2Mono{0xF3, true, 9};
constexpr Layout kMpeg25Stereo{0xE3, false, 17};

// A first frame carrying a Xing/Info tag: 128 kbps at the version's first rate.
Bytes InfoFrame(const Layout& layout, const char* tag, uint32_t flags, uint32_t frames,
                uint32_t bytes) {
  Bytes out = {0xFF, layout.b1, 0x90, static_cast<unsigned char>(layout.mono ? 0xC4 : 0x04)};
  if ((layout.b1 & 1) == 0) out.insert(out.end(), {0x12, 0x34});  // the CRC
  out.insert(out.end(), layout.side, 0);
  out.insert(out.end(), tag, tag + 4);
  PutBE32(&out, flags);
  if (flags & 1) PutBE32(&out, frames);
  if (flags & 2) PutBE32(&out, bytes);
  return out;
}

std::string TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "audioclf_mp3_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw audioclf_test::CheckFailure{"mkdtemp failed"};
  return pattern;
}

std::string Write(const std::string& dir, const std::string& name, const Bytes& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// An ID3v2 tag with a `body`-byte body (syncsafe size), optionally a footer.
Bytes Id3v2(uint32_t body, bool footer) {
  Bytes out = {'I', 'D', '3', 4, 0, static_cast<unsigned char>(footer ? 0x10 : 0)};
  for (int shift = 21; shift >= 0; shift -= 7) out.push_back((body >> shift) & 0x7F);
  out.insert(out.end(), body + (footer ? 10 : 0), 0);
  return out;
}

}  // namespace

TEST_CASE(parses_every_version_and_layout) {
  struct Case {
    Layout layout;
    uint32_t rate;
    uint32_t samples_per_frame;
  };
  for (const Case& c : {Case{kMpeg1Mono, 44100, 1152}, Case{kMpeg1Stereo, 44100, 1152},
                        Case{kMpeg2Mono, 22050, 576}, Case{kMpeg25Stereo, 11025, 576},
                        Case{Layout{0xFA, true, 17}, 44100, 1152}}) {
    const Bytes frame = InfoFrame(c.layout, "Xing", 3, 1000, 500000);
    const Mp3Header header = ParseMp3Frames(frame.data(), frame.size(), 7);
    CHECK(header.found);
    CHECK_EQ(header.sample_rate, c.rate);
    CHECK_EQ(header.samples_per_frame, c.samples_per_frame);
    CHECK_EQ(header.declared_frames, 1000u);
    CHECK_EQ(header.declared_bytes, 500000u);
    CHECK_EQ(header.first_frame, 7u);
  }
}

TEST_CASE(finds_the_frame_after_junk_and_reads_only_given_fields) {
  Bytes bytes(100, 0x55);
  const Bytes frame = InfoFrame(kMpeg1Mono, "Info", 2, 0, 123456);  // bytes only
  bytes.insert(bytes.end(), frame.begin(), frame.end());
  const Mp3Header header = ParseMp3Frames(bytes.data(), bytes.size(), 10);
  CHECK(header.found);
  CHECK_EQ(header.first_frame, 110u);
  CHECK_EQ(header.declared_frames, 0u);
  CHECK_EQ(header.declared_bytes, 123456u);
}

TEST_CASE(headers_cut_short_or_missing_are_not_found) {
  const Bytes frame = InfoFrame(kMpeg1Stereo, "Xing", 3, 1000, 500000);
  // Every prefix: never a read past the end (ASan checks), fields only when whole.
  for (size_t size = 0; size <= frame.size(); ++size) {
    const Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(size));
    const Mp3Header header = ParseMp3Frames(prefix.data(), prefix.size(), 0);
    CHECK_EQ(header.found, size >= 4 + 32 + 8);
    CHECK_EQ(header.declared_frames, size >= 4 + 32 + 12 ? 1000u : 0u);
    CHECK_EQ(header.declared_bytes, size == frame.size() ? 500000u : 0u);
  }
  // A plain first frame (no tag), a reserved version, and Layer II.
  for (const Bytes& bytes : {InfoFrame(kMpeg1Mono, "LAME", 3, 1, 2),
                             Bytes{0xFF, 0xEB, 0x90, 0xC4, 0, 0, 0, 0},
                             Bytes{0xFF, 0xFD, 0x90, 0xC4, 0, 0, 0, 0}}) {
    CHECK(!ParseMp3Frames(bytes.data(), bytes.size(), 0).found);
  }
}

TEST_CASE(measures_the_stream_between_the_tags) {
  const std::string dir = TempDir();
  Bytes stream = InfoFrame(kMpeg1Mono, "Info", 3, 100, 20000);
  stream.resize(20000, 0xAA);
  Bytes file = Id3v2(300, true);
  const Bytes second = Id3v2(40, false);
  file.insert(file.end(), second.begin(), second.end());
  const size_t first_frame = file.size();
  file.insert(file.end(), stream.begin(), stream.end());
  Bytes ape(50, 0);  // items, then a 32-byte footer whose size counts them
  const char* preamble = "APETAGEX";
  ape.insert(ape.end(), preamble, preamble + 8);
  for (uint32_t word : {2000u, 50u + 32u, 0u, 0u}) {
    for (int i = 0; i < 4; ++i) ape.push_back(static_cast<unsigned char>(word >> (8 * i)));
  }
  ape.insert(ape.end(), 8, 0);
  file.insert(file.end(), ape.begin(), ape.end());
  Bytes id3v1 = {'T', 'A', 'G'};
  id3v1.resize(128, 0);
  file.insert(file.end(), id3v1.begin(), id3v1.end());
  const std::string path = Write(dir, "tagged.mp3", file);
  const Mp3Header header = ReadMp3Header(path);
  CHECK(header.found);
  CHECK_EQ(header.first_frame, first_frame);
  CHECK_EQ(header.stream_bytes, 20000u);
  CHECK_EQ(DescribeMp3LengthMismatch(header, path), std::string());
  std::filesystem::remove_all(dir);
}

TEST_CASE(describes_joined_and_truncated_files) {
  const std::string dir = TempDir();
  Bytes one = InfoFrame(kMpeg1Mono, "Info", 3, 1000, 200000);  // 1000 * 1152 / 44100 = 26.1 s
  one.resize(200000, 0xAA);
  Bytes joined = one;
  joined.insert(joined.end(), one.begin(), one.end());
  const std::string joined_path = Write(dir, "joined.mp3", joined);
  CHECK_EQ(DescribeMp3LengthMismatch(ReadMp3Header(joined_path), joined_path),
           "MP3 file '" + joined_path +
               "' holds 400000 bytes of audio, but its Xing/Info header declares 200000 "
               "bytes (26.1 s): decoders that trust the header (libsndfile's among them) "
               "read only that much. Were several MP3 files joined end to end? Split them, "
               "or re-encode the file so that its header covers all of it");
  const Bytes cut(one.begin(), one.begin() + 100000);
  const std::string cut_path = Write(dir, "cut.mp3", cut);
  CHECK_EQ(DescribeMp3LengthMismatch(ReadMp3Header(cut_path), cut_path),
           "MP3 file '" + cut_path +
               "' is truncated: its Xing/Info header declares 200000 bytes (26.1 s), the "
               "file holds 100000");
  // Within the slack (64 KiB here): a header that rounds, tags not measured.
  Bytes near = one;
  near.resize(200000 + 60000, 0xAA);
  const std::string near_path = Write(dir, "near.mp3", near);
  CHECK_EQ(DescribeMp3LengthMismatch(ReadMp3Header(near_path), near_path), std::string());
  // No byte count declared: nothing to judge.
  Bytes frames_only = InfoFrame(kMpeg1Mono, "Xing", 1, 1000, 0);
  frames_only.resize(900000, 0xAA);
  const std::string frames_path = Write(dir, "frames.mp3", frames_only);
  CHECK_EQ(DescribeMp3LengthMismatch(ReadMp3Header(frames_path), frames_path), std::string());
  std::filesystem::remove_all(dir);
}

TEST_CASE(hostile_tags_and_paths) {
  const std::string dir = TempDir();
  // An ID3v2 size past the end of the file: the tag is not skipped, and the
  // frame search from byte 0 finds the frame after its 10-byte header.
  Bytes huge = Id3v2(0, false);
  huge[6] = huge[7] = huge[8] = huge[9] = 0x7F;
  const Bytes frame = InfoFrame(kMpeg1Mono, "Info", 3, 10, 1000);
  huge.insert(huge.end(), frame.begin(), frame.end());
  const std::string huge_path = Write(dir, "huge_tag.mp3", huge);
  const Mp3Header after_tag = ReadMp3Header(huge_path);
  CHECK(after_tag.found);
  CHECK_EQ(after_tag.first_frame, 10u);
  // An APE footer claiming more than the stream holds is not subtracted.
  Bytes ape = frame;
  const char* preamble = "APETAGEX";
  ape.insert(ape.end(), preamble, preamble + 8);
  for (uint32_t word : {2000u, 0xFFFFFFF0u, 0u, 0x80000000u}) {
    for (int i = 0; i < 4; ++i) ape.push_back(static_cast<unsigned char>(word >> (8 * i)));
  }
  ape.insert(ape.end(), 8, 0);
  const std::string ape_path = Write(dir, "ape.mp3", ape);
  CHECK_EQ(ReadMp3Header(ape_path).stream_bytes, ape.size());
  const std::string empty_path = Write(dir, "empty.mp3", Bytes());
  CHECK(!ReadMp3Header(empty_path).found);
  CHECK_THROWS(ReadMp3Header(dir), ErrorKind::kInvalidArgument,
               "MP3 file '" + dir + "' is a directory");
  CHECK_THROWS(ReadMp3Header(dir + "/absent.mp3"), ErrorKind::kInvalidArgument,
               "MP3 file '" + dir + "/absent.mp3' cannot be opened");
  std::filesystem::remove_all(dir);
}
