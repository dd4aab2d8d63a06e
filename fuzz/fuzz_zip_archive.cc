// The zip reader (the model's appended associated files): parse the central
// directory, then read every entry (stored and deflate, sizes and CRC checked).
#include <cstddef>
#include <cstdint>
#include <string>

#include "audioclf/model/zip_archive.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using audioclf::ZipArchive;
  if (!ZipArchive::HasArchive(data, size)) return 0;
  AUDIOCLF_FUZZ_GUARD({
    ZipArchive zip = ZipArchive::Parse(data, size, "<fuzz zip>");
    for (const ZipArchive::Entry& entry : zip.entries()) {
      AUDIOCLF_FUZZ_CHECK(zip.Contains(entry.name), "entries are indexed");
      try {
        std::string contents = zip.Read(entry.name);
        AUDIOCLF_FUZZ_CHECK(contents.size() == entry.uncompressed_size,
                            "Read returns the declared size");
      } catch (const audioclf::Error&) {
        // One corrupt entry must not hide the others.
      }
    }
  });
}
