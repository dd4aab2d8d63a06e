// The in-place model rewrites (model/model_rewriter.h) on untrusted bytes:
// each either refuses with audioclf::Error or leaves a model that parses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "audioclf/model/model_rewriter.h"
#include "audioclf/model/tflite_model.h"
#include "fuzz_common.h"

namespace {

void RewriteAndParse(const uint8_t* data, size_t size) {
  const std::string model(reinterpret_cast<const char*>(data), size);
  for (const char* name : {"t", "embedding", "head0/logits"}) {
    std::string bytes = model;
    try {
      audioclf::RedirectOutput(bytes, name, "<fuzz model>", "output_tensor_name");
    } catch (const audioclf::Error&) {
      continue;
    }
    audioclf::ParseTfliteModel(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                               "<fuzz rewritten>");
  }
  std::string bytes = model;
  audioclf::MakeBatchStatic(bytes, "<fuzz model>");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  AUDIOCLF_FUZZ_GUARD(RewriteAndParse(data, size));
}
