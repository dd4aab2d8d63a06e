#include "audioclf/audio/mp3_header.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "audioclf/error.h"
#include "audioclf/regular_file.h"

namespace audioclf {
namespace {

// How far past the tags the first frame may start (encoder padding, junk).
constexpr size_t kSyncSearchBytes = 4096;
// The largest Xing/Info offset (32 bytes of side info, 2 of CRC) and fields.
constexpr size_t kFrameHeadBytes = 4 + 2 + 32 + 16;
// ID3v2 tags before the audio: a file may carry several (rarely more than 2).
constexpr int kMaxId3v2Tags = 16;
// A mismatch under this share of the declared bytes (or 64 KiB) is tolerated:
// headers round, and some tags at the end are not measured.
constexpr uint64_t kSlackDivisor = 50;
constexpr uint64_t kMinSlackBytes = 64 * 1024;

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint32_t LittleEndian32(const unsigned char* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

struct FrameInfo {
  bool mpeg1 = false;
  bool mono = false;
  bool crc = false;
  uint32_t sample_rate = 0;
};

// A Layer III frame header at p (4 bytes), or false.
bool ParseFrameHeader(const unsigned char* p, FrameInfo* frame) {
  if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0) return false;
  const int version = (p[1] >> 3) & 3;  // 0 MPEG 2.5, 1 reserved, 2 MPEG 2, 3 MPEG 1
  const int layer = (p[1] >> 1) & 3;    // 1 Layer III
  const int bitrate = p[2] >> 4;
  const int rate = (p[2] >> 2) & 3;
  if (version == 1 || layer != 1 || bitrate == 0 || bitrate == 15 || rate == 3) return false;
  static constexpr uint32_t kRates[3] = {44100, 48000, 32000};
  frame->mpeg1 = version == 3;
  frame->sample_rate = kRates[rate] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
  frame->mono = (p[3] >> 6) == 3;
  frame->crc = (p[1] & 1) == 0;
  return true;
}

// A Xing/Info tag and its flags word at data + at, inside [data, data + size).
bool IsInfoTag(const unsigned char* data, size_t size, size_t at) {
  return at + 8 <= size &&
         (std::memcmp(data + at, "Xing", 4) == 0 || std::memcmp(data + at, "Info", 4) == 0);
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", seconds);
  return text;
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() { close(fd_); }
  // Up to `size` bytes at `offset`; how many were read.
  size_t Read(unsigned char* out, size_t size, uint64_t offset) const {
    size_t done = 0;
    while (done < size) {
      const ssize_t got = pread(fd_, out + done, size - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  int fd_;
};

}  // namespace

Mp3Header ParseMp3Frames(const unsigned char* data, size_t size, uint64_t offset) {
  Mp3Header header;
  const size_t search = std::min(size, kSyncSearchBytes);
  for (size_t i = 0; i + 4 <= search; ++i) {
    FrameInfo frame;
    if (!ParseFrameHeader(data + i, &frame)) continue;
    const size_t side = frame.mpeg1 ? (frame.mono ? 17 : 32) : (frame.mono ? 9 : 17);
    // The tag sits after the side information; with a CRC, maybe 2 bytes later.
    size_t at = i + 4 + side;
    if (!IsInfoTag(data, size, at) && frame.crc) at += 2;
    if (!IsInfoTag(data, size, at)) return header;  // the first frame declares nothing
    const uint32_t flags = BigEndian32(data + at + 4);
    size_t field = at + 8;
    header.found = true;
    header.sample_rate = frame.sample_rate;
    header.samples_per_frame = frame.mpeg1 ? 1152 : 576;
    header.first_frame = offset + i;
    if ((flags & 1) != 0 && field + 4 <= size) {
      header.declared_frames = BigEndian32(data + field);
      field += 4;
    }
    if ((flags & 2) != 0 && field + 4 <= size) header.declared_bytes = BigEndian32(data + field);
    return header;
  }
  return header;
}

Mp3Header ReadMp3Header(const std::string& path) {
  const OpenedFile opened = OpenRegularFile(path, "MP3 file");
  const Descriptor file(opened.fd);
  const uint64_t size = opened.size;
  uint64_t start = 0;
  for (int tags = 0; tags < kMaxId3v2Tags; ++tags) {
    unsigned char id3[10];
    if (file.Read(id3, sizeof id3, start) != sizeof id3 || std::memcmp(id3, "ID3", 3) != 0) break;
    if (((id3[6] | id3[7] | id3[8] | id3[9]) & 0x80) != 0) break;  // not a syncsafe size
    const uint64_t body = (uint64_t{id3[6]} << 21) | (uint64_t{id3[7]} << 14) |
                          (uint64_t{id3[8]} << 7) | id3[9];
    const uint64_t next = start + 10 + body + ((id3[5] & 0x10) != 0 ? 10 : 0);
    if (next > size) break;
    start = next;
  }
  unsigned char head[kSyncSearchBytes + kFrameHeadBytes];
  const size_t got = file.Read(head, sizeof head, start);
  Mp3Header header = ParseMp3Frames(head, got, start);
  if (!header.found) return header;
  uint64_t end = size;
  unsigned char tail[128];
  if (end - header.first_frame >= 128 && file.Read(tail, 128, end - 128) == 128 &&
      std::memcmp(tail, "TAG", 3) == 0) {
    end -= 128;  // ID3v1
  }
  unsigned char ape[32];
  if (end - header.first_frame >= 32 && file.Read(ape, 32, end - 32) == 32 &&
      std::memcmp(ape, "APETAGEX", 8) == 0) {
    // The footer's size counts the items and the footer; a header may precede them.
    const uint64_t bytes = uint64_t{LittleEndian32(ape + 12)} +
                           ((LittleEndian32(ape + 20) & 0x80000000u) != 0 ? 32 : 0);
    if (bytes <= end - header.first_frame) end -= bytes;
  }
  header.stream_bytes = end - header.first_frame;
  return header;
}

std::string DescribeMp3LengthMismatch(const Mp3Header& header, const std::string& path) {
  if (!header.found || header.declared_bytes == 0) return "";
  const uint64_t declared = header.declared_bytes;
  const uint64_t held = header.stream_bytes;
  const uint64_t slack = std::max(declared / kSlackDivisor, kMinSlackBytes);
  std::string length;
  if (header.declared_frames > 0 && header.sample_rate > 0) {
    length = " (" +
             Seconds(static_cast<double>(header.declared_frames) * header.samples_per_frame /
                     header.sample_rate) +
             " s)";
  }
  const std::string file = "MP3 file '" + path + "'";
  if (held > declared + slack) {
    return file + " holds " + std::to_string(held) +
           " bytes of audio, but its Xing/Info header declares " + std::to_string(declared) +
           " bytes" + length +
           ": decoders that trust the header (libsndfile's among them) read only that "
           "much. Were several MP3 files joined end to end? Split them, or re-encode the "
           "file so that its header covers all of it";
  }
  if (held + slack < declared) {
    return file + " is truncated: its Xing/Info header declares " + std::to_string(declared) +
           " bytes" + length + ", the file holds " + std::to_string(held);
  }
  return "";
}

}  // namespace audioclf
