// The model-loading path up to the runtime, on untrusted .tflite bytes:
// flatbuffer reader and TFLite model parser, then (as AudioClassifier does)
// the metadata, the appended zip, each head's labels and calibration, and
// the post-processor on a zeroed output tensor.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "audioclf/model/model_metadata.h"
#include "audioclf/model/tflite_model.h"
#include "audioclf/model/zip_archive.h"
#include "audioclf/processor/classification_postprocessor.h"
#include "fuzz_common.h"

namespace {
// Largest output tensor the harness allocates for Postprocess.
constexpr int64_t kMaxOutputElements = 1 << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace audioclf;
  AUDIOCLF_FUZZ_GUARD({
    TfliteModelInfo info = ParseTfliteModel(data, size, "<fuzz model>");
    AUDIOCLF_FUZZ_CHECK(!info.has_metadata ||
                            (info.metadata_offset <= size &&
                             info.metadata_size <= size - info.metadata_offset),
                        "metadata range lies inside the model");
    for (const TensorInfo& t : info.inputs) (void)t.ElementCount();
    ModelMetadata metadata;
    std::unique_ptr<ZipArchive> files;
    if (info.has_metadata) {
      metadata = ParseModelMetadata(data + info.metadata_offset,
                                    info.metadata_size, "<fuzz metadata>");
      if (ZipArchive::HasArchive(data, size)) {
        files = std::make_unique<ZipArchive>(
            ZipArchive::Parse(data, size, "<fuzz model>"));
      }
    }
    for (size_t i = 0; i < info.outputs.size(); ++i) {
      const TensorMetadata* tm =
          i < metadata.output_tensors.size() ? &metadata.output_tensors[i] : nullptr;
      ClassificationHead head =
          BuildClassificationHead(tm, files.get(), "en", "<fuzz model>");
      const int64_t n = info.outputs[i].ElementCount();
      ClassificationPostprocessor post(static_cast<int>(i), info.outputs[i],
                                       std::move(head), ClassificationOptions(),
                                       "<fuzz model>");
      if (n <= 0 || n > kMaxOutputElements) continue;
      std::vector<uint8_t> zeros(
          static_cast<size_t>(n) * ElementSize(info.outputs[i].type));
      Classifications result = post.Postprocess(zeros.data());
      AUDIOCLF_FUZZ_CHECK(result.categories.size() <= static_cast<size_t>(n),
                          "no more categories than classes");
    }
  });
}
