#include "audioclf/audio/wav_reader.h"

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "audioclf/regular_file.h"

namespace audioclf {
namespace {

// 64-bit file offsets everywhere, so WAV files past 2 GiB (up to the 4 GiB
// RIFF limit plus streamed data) work on every platform.
#if defined(_WIN32)
using FileOffset = long long;
int SeekTo(std::FILE* f, FileOffset offset, int whence) {
  return _fseeki64(f, offset, whence);
}
FileOffset Tell(std::FILE* f) { return _ftelli64(f); }
#else
using FileOffset = off_t;
static_assert(sizeof(off_t) >= 8, "build with _FILE_OFFSET_BITS=64");
int SeekTo(std::FILE* f, FileOffset offset, int whence) {
  return fseeko(f, offset, whence);
}
FileOffset Tell(std::FILE* f) { return ftello(f); }
#endif

constexpr uint16_t kFormatPcm = 1;
constexpr uint16_t kFormatIeeeFloat = 3;
constexpr uint16_t kFormatExtensible = 0xFFFE;

// Bytes 2..15 of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT
// ({0000xxxx-0000-0010-8000-00aa00389b71}); bytes 0..1 hold the format tag.
constexpr unsigned char kSubformatGuidTail[14] = {
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
    0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

// Reading is done through a bounded scratch buffer so that a request for a
// million frames does not allocate its full byte size on top of `dst`.
constexpr size_t kScratchBytes = 64 * 1024;

uint16_t U16(const unsigned char* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t U32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

// A chunk id as text for messages; non-printable bytes become \xNN so a
// binary file does not put control characters into an exception message.
std::string FourCC(const unsigned char* p) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7F) {
      out += static_cast<char>(p[i]);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", p[i]);
      out += buf;
    }
  }
  return out;
}

std::string Hex(uint32_t value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%0*X", width, value);
  return buf;
}

const char* FormatTagName(uint16_t tag) {
  switch (tag) {
    case 0x0002: return "MS ADPCM";
    case 0x0006: return "A-law";
    case 0x0007: return "mu-law";
    case 0x0011: return "IMA ADPCM";
    case 0x0031: return "GSM 6.10";
    case 0x0050: return "MPEG";
    case 0x0055: return "MPEG Layer 3";
    default: return "unknown";
  }
}

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  ThrowInvalidArgument("WAV file '" + path + "': " + what);
}

[[noreturn]] void FailIo(const std::string& path, const std::string& what,
                         int err) {
  std::string message = "WAV file '" + path + "': " + what;
  if (err != 0) message += std::string(": ") + std::strerror(err);
  ThrowRuntimeError(message);
}

// Reads exactly `size` bytes at `offset`; the caller has already checked
// that they lie inside the file, so a short read is an I/O failure.
void ReadAt(std::FILE* f, const std::string& path, uint64_t offset,
            void* dst, size_t size) {
  errno = 0;
  if (SeekTo(f, static_cast<FileOffset>(offset), SEEK_SET) != 0) {
    FailIo(path, "seek to offset " + std::to_string(offset) + " failed",
           errno);
  }
  if (std::fread(dst, 1, size, f) != size) {
    FailIo(path,
           "read of " + std::to_string(size) + " bytes at offset " +
               std::to_string(offset) + " failed",
           std::ferror(f) ? errno : 0);
  }
}

// Owns a FILE* until Open() hands it to the reader, so every validation
// error on the way closes the file.
struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Validates a fmt chunk body and fills the format fields of `info`.
void ParseFmt(const std::string& path, const unsigned char* body,
              uint32_t size, WavInfo* info) {
  if (size < 16) {
    Fail(path, "fmt chunk too short (" + std::to_string(size) +
                   " bytes, expected at least 16)");
  }
  uint16_t tag = U16(body);
  const uint16_t channels = U16(body + 2);
  const uint32_t sample_rate = U32(body + 4);
  // body + 8 is the byte rate: redundant and often wrong, so ignored.
  const uint16_t block_align = U16(body + 12);
  const uint16_t bits = U16(body + 14);

  if (tag == kFormatExtensible) {
    if (size < 40) {
      Fail(path, "WAVE_FORMAT_EXTENSIBLE fmt chunk too short (" +
                     std::to_string(size) + " bytes, expected at least 40)");
    }
    // wValidBitsPerSample (body + 18) is ignored on purpose: fewer valid bits
    // are left-justified in the container, so scaling by the container size
    // still gives the right range.
    const unsigned char* guid = body + 24;
    const uint16_t subformat = U16(guid);
    if (std::memcmp(guid + 2, kSubformatGuidTail, sizeof(kSubformatGuidTail)) !=
            0 ||
        (subformat != kFormatPcm && subformat != kFormatIeeeFloat)) {
      char text[40];
      std::snprintf(text, sizeof(text),
                    "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
                    U32(guid), U16(guid + 4), U16(guid + 6), guid[8], guid[9],
                    guid[10], guid[11], guid[12], guid[13], guid[14],
                    guid[15]);
      Fail(path, std::string("unsupported WAVE_FORMAT_EXTENSIBLE subformat {") +
                     text + "}, expected PCM or IEEE float");
    }
    tag = subformat;
  }

  SampleFormat format;
  if (tag == kFormatPcm) {
    switch (bits) {
      case 8: format = SampleFormat::kUInt8; break;  // 8-bit WAV is unsigned
      case 16: format = SampleFormat::kInt16; break;
      case 24: format = SampleFormat::kInt24; break;
      case 32: format = SampleFormat::kInt32; break;
      default:
        Fail(path, "unsupported bits_per_sample " + std::to_string(bits) +
                       " for PCM, expected 8, 16, 24 or 32");
    }
  } else if (tag == kFormatIeeeFloat) {
    switch (bits) {
      case 32: format = SampleFormat::kFloat32; break;
      case 64: format = SampleFormat::kFloat64; break;
      default:
        Fail(path, "unsupported bits_per_sample " + std::to_string(bits) +
                       " for IEEE float, expected 32 or 64");
    }
  } else {
    Fail(path, "unsupported format tag " + Hex(tag, 4) + " (" +
                   FormatTagName(tag) +
                   "), expected PCM (1), IEEE float (3) or "
                   "WAVE_FORMAT_EXTENSIBLE (0xFFFE)");
  }

  if (channels == 0) Fail(path, "fmt chunk has channels 0, expected >= 1");
  if (channels > limits::kMaxChannels) {
    Fail(path, "fmt chunk has " + std::to_string(channels) + " channels, more than the limit of " +
                   std::to_string(limits::kMaxChannels));
  }
  if (sample_rate < limits::kMinSampleRate || sample_rate > limits::kMaxSampleRate) {
    Fail(path, "fmt chunk has sample rate " + std::to_string(sample_rate) + " Hz, expected " +
                   std::to_string(limits::kMinSampleRate) + ".." +
                   std::to_string(limits::kMaxSampleRate) + " Hz");
  }
  const uint32_t expected_align =
      channels * static_cast<uint32_t>(BytesPerSample(format));
  if (block_align != expected_align) {
    Fail(path, "block_align " + std::to_string(block_align) +
                   " does not match channels * bytes_per_sample = " +
                   std::to_string(channels) + " * " +
                   std::to_string(BytesPerSample(format)) + " = " +
                   std::to_string(expected_align));
  }

  info->sample_rate = sample_rate;
  info->channels = channels;
  info->format = format;
  info->format_tag = tag;
  info->bits_per_sample = bits;
}

}  // namespace

WavReader WavReader::Open(const std::string& path, bool strict) {
  // Only regular files: a FIFO would block fopen() forever.
  const OpenedFile opened = OpenRegularFile(path, "WAV file");
  FilePtr file(fdopen(opened.fd, "rb"));
  if (!file) {
    const int err = errno;
    ::close(opened.fd);
    FailIo(path, "fdopen failed", err);
  }
  std::FILE* f = file.get();

  // The real length bounds every size the header declares.
  errno = 0;
  if (SeekTo(f, 0, SEEK_END) != 0) {
    Fail(path, std::string("cannot seek (not a regular file?): ") +
                   std::strerror(errno));
  }
  const FileOffset end = Tell(f);
  if (end < 0) FailIo(path, "cannot determine file size", errno);
  const uint64_t file_size = static_cast<uint64_t>(end);

  if (file_size == 0) {
    Fail(path, "file is empty (0 bytes), expected a RIFF/WAVE header");
  }
  if (file_size < 12) {
    Fail(path, "truncated header: file has " + std::to_string(file_size) +
                   " bytes, a RIFF/WAVE header needs 12");
  }
  unsigned char header[12];
  ReadAt(f, path, 0, header, sizeof(header));
  if (std::memcmp(header, "RIFX", 4) == 0) {
    Fail(path, "big-endian RIFX files are unsupported, expected little-endian "
               "RIFF");
  }
  if (std::memcmp(header, "RF64", 4) == 0 ||
      std::memcmp(header, "BW64", 4) == 0) {
    Fail(path, FourCC(header) +
                   " (64-bit WAV) files are unsupported, expected RIFF");
  }
  if (std::memcmp(header, "RIFF", 4) != 0) {
    Fail(path, "not a RIFF/WAVE file (starts with '" + FourCC(header) +
                   "', expected 'RIFF')");
  }
  if (std::memcmp(header + 8, "WAVE", 4) != 0) {
    Fail(path, "RIFF form type is '" + FourCC(header + 8) +
                   "', expected 'WAVE'");
  }

  // The RIFF size field is ignored: streaming writers leave it 0 or
  // 0xFFFFFFFF, so chunks are walked up to the real end of the file instead.
  WavInfo info;
  bool have_fmt = false;
  bool have_data = false;
  uint64_t pos = 12;
  while (pos + 8 <= file_size) {
    unsigned char chunk[8];
    ReadAt(f, path, pos, chunk, sizeof(chunk));
    const uint32_t size = U32(chunk + 4);
    const uint64_t body = pos + 8;
    const uint64_t available = file_size - body;

    if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_fmt) {
        Fail(path, "data chunk before fmt chunk at offset " +
                       std::to_string(pos) + ", expected fmt first");
      }
      uint64_t data_bytes = size;
      if (size == 0 || size == 0xFFFFFFFFu) {
        // Written by a streaming encoder that never patched the size.
        data_bytes = available;
      } else if (size > available) {
        // A recording cut short (a battery died): read what is there.
        if (strict) {
          Fail(path, "data chunk size " + std::to_string(size) +
                         " exceeds file: only " + std::to_string(available) +
                         " bytes available after offset " +
                         std::to_string(body));
        }
        data_bytes = available;
        info.truncated = true;
      }
      // block_align was validated by ParseFmt, so it is non-zero; a trailing
      // partial frame is dropped.
      const uint32_t block_align =
          info.channels * static_cast<uint32_t>(BytesPerSample(info.format));
      info.frame_count = data_bytes / block_align;
      info.declared_frame_count = info.truncated ? size / block_align : info.frame_count;
      info.data_offset = body;
      have_data = true;
      break;  // chunks after the audio are of no interest
    }

    if (size > available) {
      Fail(path, "chunk '" + FourCC(chunk) + "' at offset " +
                     std::to_string(pos) + " has size " +
                     std::to_string(size) + ", which exceeds file (" +
                     std::to_string(available) + " bytes available)");
    }
    if (std::memcmp(chunk, "fmt ", 4) == 0 && !have_fmt) {
      // Only the 40 bytes of WAVE_FORMAT_EXTENSIBLE matter; cbSize extras of
      // other formats are skipped.
      unsigned char fmt[40] = {};
      ReadAt(f, path, body, fmt, std::min<uint32_t>(size, sizeof(fmt)));
      ParseFmt(path, fmt, size, &info);
      have_fmt = true;
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    pos = body + size + (size & 1u);
  }

  if (!have_data) {
    std::string what = have_fmt ? "no data chunk" : "no fmt chunk";
    if (pos < file_size) {
      what += " (truncated chunk header at offset " + std::to_string(pos) +
              ": " + std::to_string(file_size - pos) + " bytes left)";
    }
    Fail(path, what);
  }

  WavReader reader;
  reader.path_ = path;
  reader.info_ = info;
  reader.file_ = file.release();
  return reader;
}

WavReader::WavReader(WavReader&& other) noexcept
    : path_(std::move(other.path_)),
      info_(other.info_),
      file_(std::exchange(other.file_, nullptr)),
      scratch_(std::move(other.scratch_)) {}

WavReader& WavReader::operator=(WavReader&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    path_ = std::move(other.path_);
    info_ = other.info_;
    file_ = std::exchange(other.file_, nullptr);
    scratch_ = std::move(other.scratch_);
  }
  return *this;
}

WavReader::~WavReader() {
  if (file_ != nullptr) std::fclose(file_);
}

size_t WavReader::ReadFrames(uint64_t first_frame, size_t frame_count,
                             float* dst) {
  if (file_ == nullptr) {
    ThrowRuntimeError("WavReader::ReadFrames on a moved-from reader");
  }
  if (first_frame >= info_.frame_count || frame_count == 0) return 0;
  const uint64_t wanted =
      std::min<uint64_t>(frame_count, info_.frame_count - first_frame);
  const size_t block_align = info_.channels * BytesPerSample(info_.format);
  const size_t frames_per_pass =
      std::max<size_t>(1, kScratchBytes / block_align);
  scratch_.resize(std::min<uint64_t>(wanted, frames_per_pass) * block_align);

  errno = 0;
  const uint64_t offset = info_.data_offset + first_frame * block_align;
  if (SeekTo(file_, static_cast<FileOffset>(offset), SEEK_SET) != 0) {
    FailIo(path_, "seek to offset " + std::to_string(offset) + " failed",
           errno);
  }
  size_t done = 0;
  while (done < wanted) {
    const size_t pass =
        static_cast<size_t>(std::min<uint64_t>(wanted - done, frames_per_pass));
    const size_t got =
        std::fread(scratch_.data(), 1, pass * block_align, file_) / block_align;
    ConvertToFloat(scratch_.data(), info_.format, got * info_.channels,
                   dst + done * info_.channels);
    done += got;
    if (got < pass) {
      if (std::ferror(file_)) {
        FailIo(path_, "read failed at offset " + std::to_string(offset),
               errno);
      }
      break;  // the file shrank after Open(); return what is there
    }
  }
  return done;
}

std::vector<float> ReadWavFile(const std::string& path, WavInfo* info, bool strict) {
  WavReader reader = WavReader::Open(path, strict);
  const WavInfo& header = reader.info();
  const uint64_t total = header.frame_count * header.channels;
  if (total > std::numeric_limits<size_t>::max() / sizeof(float)) {
    Fail(path, "too many samples (" + std::to_string(total) +
                   ") to hold in memory");
  }
  std::vector<float> samples(static_cast<size_t>(total));
  const size_t frames = reader.ReadFrames(
      0, static_cast<size_t>(header.frame_count), samples.data());
  samples.resize(frames * header.channels);
  if (info != nullptr) {
    *info = header;
    info->frame_count = frames;
  }
  return samples;
}

}  // namespace audioclf
