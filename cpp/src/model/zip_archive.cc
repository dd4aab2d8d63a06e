#include "audioclf/model/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "audioclf/text.h"

namespace audioclf {

namespace {

// Record signatures and fixed sizes (APPNOTE.TXT, sections 4.3.x).
constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kEocdSignature = 0x06054b50;
constexpr uint32_t kZip64EocdSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEocdSize = 22;
constexpr size_t kZip64EocdSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kMaxCommentSize = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kZip64Marker32 = 0xffffffff;

uint16_t Load16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t Load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t Load64(const uint8_t* p) {
  return static_cast<uint64_t>(Load32(p)) |
         (static_cast<uint64_t>(Load32(p + 4)) << 32);
}

std::string Hex32(uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

// What the end records say about the central directory.
struct Directory {
  uint64_t entry_count = 0;
  uint64_t cd_size = 0;
  uint64_t cd_offset = 0;  // as recorded, before the prepended-bytes shift
  size_t record_pos = 0;   // the (ZIP64) EOCD record the CD ends at
};

// The last plausible EOCD record: its signature, a comment that fits in the
// buffer, a single-disk archive, and a central directory no larger than the
// bytes before it. Scanning stops 65535 bytes (the longest comment) back.
std::optional<size_t> FindEocd(const uint8_t* data, size_t size) {
  if (data == nullptr || size < kEocdSize) return std::nullopt;
  const size_t last = size - kEocdSize;
  const size_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  for (size_t pos = last + 1; pos-- > first;) {
    const uint8_t* p = data + pos;
    if (Load32(p) != kEocdSignature) continue;
    const uint16_t disk = Load16(p + 4);
    const uint16_t cd_disk = Load16(p + 6);
    const uint32_t cd_size = Load32(p + 12);
    const uint16_t comment = Load16(p + 20);
    if (comment > size - pos - kEocdSize) continue;
    // 0xffff / 0xffffffff mean "see the ZIP64 record".
    if ((disk != 0 && disk != 0xffff) || (cd_disk != 0 && cd_disk != 0xffff)) {
      continue;
    }
    if (cd_size != kZip64Marker32 && cd_size > pos) continue;
    return pos;
  }
  return std::nullopt;
}

class ZipError {
 public:
  explicit ZipError(const std::string& source) : source_(source) {}
  [[noreturn]] void Archive(const std::string& message) const {
    ThrowInvalidArgument(source_ + ": zip archive: " + message);
  }
  [[noreturn]] void Entry(const std::string& name,
                          const std::string& message) const {
    ThrowInvalidArgument(source_ + ": zip entry '" + Printable(name) + "': " + message);
  }

 private:
  const std::string& source_;
};

Directory ReadEndRecords(const uint8_t* data, size_t size,
                         const ZipError& error) {
  const std::optional<size_t> eocd = FindEocd(data, size);
  if (!eocd) {
    error.Archive("no end of central directory record found (" +
                  std::to_string(size) + " bytes)");
  }
  const uint8_t* p = data + *eocd;
  Directory dir;
  dir.entry_count = Load16(p + 10);
  dir.cd_size = Load32(p + 12);
  dir.cd_offset = Load32(p + 16);
  dir.record_pos = *eocd;

  // A ZIP64 locator right before the EOCD points to the 64-bit record.
  if (*eocd >= kZip64LocatorSize &&
      Load32(data + *eocd - kZip64LocatorSize) == kZip64LocatorSignature) {
    const size_t locator = *eocd - kZip64LocatorSize;
    // Like Python's zipfile, expect the record just before the locator (its
    // recorded offset is relative to wherever the zip started); fall back to
    // the recorded offset as an absolute position.
    std::optional<size_t> record;
    if (locator >= kZip64EocdSize &&
        Load32(data + locator - kZip64EocdSize) == kZip64EocdSignature) {
      record = locator - kZip64EocdSize;
    } else {
      const uint64_t recorded = Load64(data + locator + 8);
      if (recorded <= locator && locator - recorded >= kZip64EocdSize &&
          Load32(data + recorded) == kZip64EocdSignature) {
        record = static_cast<size_t>(recorded);
      }
    }
    if (!record) {
      error.Archive("ZIP64 end of central directory record not found");
    }
    const uint8_t* z = data + *record;
    if (Load32(z + 16) != 0 || Load32(z + 20) != 0) {
      error.Archive("multi-disk archives are not supported");
    }
    dir.entry_count = Load64(z + 32);
    dir.cd_size = Load64(z + 40);
    dir.cd_offset = Load64(z + 48);
    dir.record_pos = *record;
  }
  if (dir.cd_size > dir.record_pos) {
    error.Archive("central directory size " + std::to_string(dir.cd_size) +
                  " is larger than the " + std::to_string(dir.record_pos) +
                  " bytes before the end record");
  }
  return dir;
}

// Applies the ZIP64 extended-information extra field: each 64-bit value is
// present only when its 32-bit field holds 0xffffffff, in this order.
void ApplyZip64Extra(const uint8_t* extra, size_t extra_size, uint32_t size32,
                     uint32_t csize32, uint32_t offset32,
                     ZipArchive::Entry& entry, const ZipError& error) {
  size_t pos = 0;
  while (pos + 4 <= extra_size) {
    const uint16_t id = Load16(extra + pos);
    const uint16_t length = Load16(extra + pos + 2);
    pos += 4;
    if (length > extra_size - pos) {
      error.Entry(entry.name, "extra field extends past its header");
    }
    if (id == kZip64ExtraId) {
      const uint8_t* field = extra + pos;
      size_t used = 0;
      auto take = [&](uint64_t& out) {
        if (used + 8 > length) {
          error.Entry(entry.name, "ZIP64 extra field too short");
        }
        out = Load64(field + used);
        used += 8;
      };
      if (size32 == kZip64Marker32) take(entry.uncompressed_size);
      if (csize32 == kZip64Marker32) take(entry.compressed_size);
      if (offset32 == kZip64Marker32) take(entry.local_header_offset);
      return;
    }
    pos += length;
  }
}

// Raw-deflate (no zlib header) decompression in 64 KiB chunks, never
// producing more than `expected` bytes (already bounded by the entry cap) so
// that a lying size cannot exhaust memory.
std::string Inflate(const uint8_t* in, uint64_t in_size, uint64_t expected,
                    const std::string& name, const ZipError& error) {
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
    ThrowRuntimeError("zlib inflateInit2 failed");
  }
  struct End {
    z_stream* s;
    ~End() { inflateEnd(s); }
  } end{&stream};

  std::string out;
  // Reserve what a genuine entry needs, but not a forged multi-GB size.
  out.reserve(static_cast<size_t>(std::min<uint64_t>(expected, limits::kZipRatioFloorBytes)));
  uint64_t remaining = in_size;
  unsigned char chunk[1 << 16];
  for (;;) {
    if (stream.avail_in == 0 && remaining > 0) {
      const uInt feed = static_cast<uInt>(
          std::min<uint64_t>(remaining, std::numeric_limits<uInt>::max()));
      stream.next_in = const_cast<Bytef*>(in + (in_size - remaining));
      stream.avail_in = feed;
      remaining -= feed;
    }
    stream.next_out = chunk;
    stream.avail_out = sizeof(chunk);
    const int ret = inflate(&stream, Z_NO_FLUSH);
    const size_t produced = sizeof(chunk) - stream.avail_out;
    if (ret == Z_MEM_ERROR) ThrowRuntimeError("zlib inflate: out of memory");
    if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
      error.Entry(name, std::string("corrupt deflate data (") +
                            (stream.msg ? stream.msg : "zlib error") + ")");
    }
    if (produced > expected - out.size()) {
      error.Entry(name, "inflates to more than its declared size of " +
                            std::to_string(expected) + " bytes");
    }
    out.append(reinterpret_cast<const char*>(chunk), produced);
    if (ret == Z_STREAM_END) break;
    // With output space available, no progress means the input ran out.
    if (ret == Z_BUF_ERROR) {
      error.Entry(name, "truncated deflate data (" +
                            std::to_string(out.size()) + " of " +
                            std::to_string(expected) + " bytes)");
    }
  }
  return out;
}

uint32_t Crc32(const std::string& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(bytes.data());
  size_t left = bytes.size();
  while (left > 0) {
    const uInt n = static_cast<uInt>(
        std::min<size_t>(left, std::numeric_limits<uInt>::max()));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

bool ZipArchive::HasArchive(const uint8_t* data, size_t size) {
  return FindEocd(data, size).has_value();
}

ZipArchive ZipArchive::Parse(const uint8_t* data, size_t size,
                             const std::string& source) {
  const ZipError error(source);
  if (data == nullptr) size = 0;
  const Directory dir = ReadEndRecords(data, size, error);

  // The central directory really ends where the end record starts. If the
  // recorded offset is smaller, the archive was appended to other bytes (the
  // TFLite flatbuffer) with offsets relative to its own start; the difference
  // is added to every offset. File-relative offsets give a shift of 0.
  const uint64_t cd_start = dir.record_pos - dir.cd_size;
  if (dir.cd_offset > cd_start) {
    error.Archive("central directory offset " + std::to_string(dir.cd_offset) +
                  " is past its actual position " + std::to_string(cd_start));
  }
  const uint64_t shift = cd_start - dir.cd_offset;
  // A forged count cannot make us read (or allocate) past the directory.
  if (dir.entry_count > dir.cd_size / kCentralHeaderSize) {
    error.Archive("central directory of " + std::to_string(dir.cd_size) +
                  " bytes cannot hold " + std::to_string(dir.entry_count) +
                  " entries");
  }

  ZipArchive archive;
  archive.data_ = data;
  archive.size_ = size;
  archive.source_ = source;
  archive.entries_.reserve(static_cast<size_t>(dir.entry_count));

  const uint64_t cd_end = cd_start + dir.cd_size;
  uint64_t pos = cd_start;
  for (uint64_t i = 0; i < dir.entry_count; ++i) {
    if (kCentralHeaderSize > cd_end - pos) {
      error.Archive("central directory entry " + std::to_string(i) +
                    " extends past the central directory");
    }
    const uint8_t* p = data + pos;
    if (Load32(p) != kCentralHeaderSignature) {
      error.Archive("bad central directory entry signature " +
                    Hex32(Load32(p)) + " at offset " + std::to_string(pos));
    }
    const uint16_t flags = Load16(p + 8);
    const uint32_t size32 = Load32(p + 24);
    const uint32_t csize32 = Load32(p + 20);
    const uint32_t offset32 = Load32(p + 42);
    const uint16_t name_size = Load16(p + 28);
    const uint16_t extra_size = Load16(p + 30);
    const uint16_t comment_size = Load16(p + 32);
    const uint64_t record_size =
        kCentralHeaderSize + name_size + extra_size + comment_size;
    if (record_size > cd_end - pos) {
      error.Archive("central directory entry " + std::to_string(i) +
                    " extends past the central directory");
    }
    Entry entry;
    entry.name.assign(reinterpret_cast<const char*>(p + kCentralHeaderSize),
                      name_size);
    entry.method = Load16(p + 10);
    entry.crc32 = Load32(p + 16);
    entry.compressed_size = csize32;
    entry.uncompressed_size = size32;
    entry.local_header_offset = offset32;
    ApplyZip64Extra(p + kCentralHeaderSize + name_size, extra_size, size32,
                    csize32, offset32, entry, error);
    if (flags & 0x1)
      error.Entry(entry.name, "encrypted entries are not supported");

    // Local header and data must lie before the central directory.
    if (entry.local_header_offset > dir.cd_offset ||
        dir.cd_offset - entry.local_header_offset < kLocalHeaderSize ||
        entry.compressed_size >
            dir.cd_offset - entry.local_header_offset - kLocalHeaderSize) {
      error.Entry(entry.name,
                  "local header offset " +
                      std::to_string(entry.local_header_offset) + " and " +
                      std::to_string(entry.compressed_size) +
                      " compressed bytes extend past the central directory "
                      "(offset " +
                      std::to_string(dir.cd_offset) + ")");
    }
    entry.local_header_offset += shift;
    if (!archive.index_.emplace(entry.name, archive.entries_.size()).second) {
      error.Entry(entry.name, "duplicate entry name");
    }
    archive.entries_.push_back(std::move(entry));
    pos += record_size;
  }
  return archive;
}

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

bool ZipArchive::Contains(const std::string& name) const {
  return index_.count(name) != 0;
}

const ZipArchive::Entry& ZipArchive::Find(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) {
    ThrowInvalidArgument(source_ + ": zip archive has no entry '" + Printable(name) + "'");
  }
  return entries_[it->second];
}

std::string ZipArchive::Read(const std::string& name) const {
  const ZipError error(source_);
  const Entry& e = Find(name);
  const uint64_t header = e.local_header_offset;
  if (header > size_ || kLocalHeaderSize > size_ - header) {
    error.Entry(name, "local header at offset " + std::to_string(header) +
                          " extends past end of data (size " +
                          std::to_string(size_) + ")");
  }
  const uint8_t* p = data_ + header;
  if (Load32(p) != kLocalHeaderSignature) {
    error.Entry(name, "bad local header signature " + Hex32(Load32(p)) +
                          " at offset " + std::to_string(header));
  }
  // The local name/extra lengths may differ from the central directory's.
  const uint64_t start =
      header + kLocalHeaderSize + Load16(p + 26) + Load16(p + 28);
  if (start > size_ || e.compressed_size > size_ - start) {
    error.Entry(name, std::to_string(e.compressed_size) +
                          " bytes of data at offset " + std::to_string(start) +
                          " extend past end of data (size " +
                          std::to_string(size_) + ")");
  }
  // Bounded before inflating: a bomb is refused without being expanded.
  if (e.uncompressed_size > limits::kMaxZipEntryBytes) {
    error.Entry(name, "uncompressed size " + std::to_string(e.uncompressed_size) +
                          " bytes is more than the limit of " +
                          std::to_string(limits::kMaxZipEntryBytes));
  }
  if (e.uncompressed_size > limits::kZipRatioFloorBytes &&
      e.uncompressed_size / std::max<uint64_t>(e.compressed_size, 1) >
          limits::kMaxZipCompressionRatio) {
    error.Entry(name, std::to_string(e.compressed_size) + " compressed bytes inflate to " +
                          std::to_string(e.uncompressed_size) + ", a ratio above the limit of " +
                          std::to_string(limits::kMaxZipCompressionRatio) + ":1");
  }
  std::string contents;
  if (e.method == 0) {
    if (e.compressed_size != e.uncompressed_size) {
      error.Entry(name, "stored entry has compressed size " +
                            std::to_string(e.compressed_size) +
                            " but uncompressed size " +
                            std::to_string(e.uncompressed_size));
    }
    contents.assign(reinterpret_cast<const char*>(data_ + start),
                    static_cast<size_t>(e.compressed_size));
  } else if (e.method == 8) {
    contents = Inflate(data_ + start, e.compressed_size, e.uncompressed_size,
                       name, error);
  } else {
    error.Entry(name, "unsupported compression method " +
                          std::to_string(e.method) +
                          " (only 0 stored and 8 deflate)");
  }
  if (contents.size() != e.uncompressed_size) {
    error.Entry(name, "size mismatch (got " + std::to_string(contents.size()) +
                          " bytes, expected " +
                          std::to_string(e.uncompressed_size) + ")");
  }
  const uint32_t crc = Crc32(contents);
  if (crc != e.crc32) {
    error.Entry(name, "CRC-32 mismatch (expected " + Hex32(e.crc32) + ", got " +
                          Hex32(crc) + ")");
  }
  return contents;
}

}  // namespace audioclf
