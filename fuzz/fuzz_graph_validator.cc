// The TFLite graph validator (operators, tensor indices, buffers) on
// untrusted bytes. Built only when model/graph_validator.h exists.
#include <cstddef>
#include <cstdint>

#include "audioclf/model/graph_validator.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  AUDIOCLF_FUZZ_GUARD(audioclf::ValidateTfliteGraph(data, size, "<fuzz model>"));
}
