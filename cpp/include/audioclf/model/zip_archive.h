// Reads the zip archive that TFLite's metadata writer appends to a model to
// carry its associated files (labels, calibration parameters).
//
// The archive may be preceded by other bytes (the flatbuffer), so offsets are
// resolved from the end-of-central-directory record. Stored and deflate
// entries are supported; sizes and CRC-32 are checked.
#ifndef AUDIOCLF_MODEL_ZIP_ARCHIVE_H_
#define AUDIOCLF_MODEL_ZIP_ARCHIVE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace audioclf {

class ZipArchive {
 public:
  // True when `data` ends with (or contains near its end) an
  // end-of-central-directory record.
  static bool HasArchive(const uint8_t* data, size_t size);

  // Parses the central directory. The bytes must outlive the archive.
  // Throws Error(kInvalidArgument) naming `source` when malformed.
  static ZipArchive Parse(const uint8_t* data, size_t size,
                          const std::string& source);

  // Entry names in central-directory order.
  std::vector<std::string> names() const;
  bool Contains(const std::string& name) const;
  // The entry's uncompressed contents. Throws kInvalidArgument if absent or
  // corrupt.
  std::string Read(const std::string& name) const;

  struct Entry {
    std::string name;
    uint16_t method = 0;  // 0 stored, 8 deflate
    uint32_t crc32 = 0;
    uint64_t compressed_size = 0;
    uint64_t uncompressed_size = 0;
    uint64_t local_header_offset = 0;  // already adjusted to `data`
  };

  // Every entry, in central-directory order.
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  ZipArchive() = default;
  // The entry called `name`; throws kInvalidArgument if there is none.
  const Entry& Find(const std::string& name) const;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string source_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;  // name -> entries_ index
};

}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_ZIP_ARCHIVE_H_
