// The TFLite metadata ("M001") flatbuffer parser on untrusted bytes.
#include <cstddef>
#include <cstdint>

#include "audioclf/model/model_metadata.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  AUDIOCLF_FUZZ_GUARD({
    audioclf::ModelMetadata m =
        audioclf::ParseModelMetadata(data, size, "<fuzz metadata>");
    // Every parsed string and vector came out of these bytes.
    size_t files = m.associated_files.size();
    for (const auto& t : m.output_tensors) files += t.associated_files.size();
    AUDIOCLF_FUZZ_CHECK(files <= size, "associated files bounded by input size");
  });
}
