// The MP3 header check on untrusted bytes: ParseMp3Frames on the buffer
// itself, and ReadMp3Header (tags, frame, trailing tags) on the same bytes
// in a memfd opened through /proc/self/fd.
#include <cstddef>
#include <cstdint>
#include <string>

#include "audioclf/audio/mp3_header.h"
#include "fuzz_common.h"

namespace {

void CheckHeader(const audioclf::Mp3Header& header, uint64_t size) {
  if (!header.found) return;
  AUDIOCLF_FUZZ_CHECK(header.first_frame + 4 <= size, "the first frame is inside the file");
  AUDIOCLF_FUZZ_CHECK(header.samples_per_frame == 1152 || header.samples_per_frame == 576,
                      "Layer III frames hold 1152 or 576 samples");
  AUDIOCLF_FUZZ_CHECK(header.sample_rate >= 8000 && header.sample_rate <= 48000,
                      "MPEG rates are 8-48 kHz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace audioclf;
  const Mp3Header parsed = ParseMp3Frames(data, size, 0);
  CheckHeader(parsed, size);
  (void)DescribeMp3LengthMismatch(parsed, "fuzz.mp3");
  const std::string path = audioclf_fuzz::WriteInput(data, size);
  AUDIOCLF_FUZZ_GUARD({
    const Mp3Header header = ReadMp3Header(path);
    CheckHeader(header, size);
    if (header.found) {
      AUDIOCLF_FUZZ_CHECK(header.stream_bytes <= size - header.first_frame,
                          "the stream fits in the file");
    }
    const std::string message = DescribeMp3LengthMismatch(header, path);
    AUDIOCLF_FUZZ_CHECK(message.empty() || message.find(path) != std::string::npos,
                        "a mismatch names the file");
  });
}
