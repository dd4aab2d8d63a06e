// The function table resolved from libLiteRt.so (private to the runtime).
#ifndef AUDIOCLF_SRC_RUNTIME_LITERT_API_H_
#define AUDIOCLF_SRC_RUNTIME_LITERT_API_H_

#include "litert/litert_c_api.h"

namespace audioclf {

struct LiteRtApi {
  LiteRtCreateEnvironmentFn LiteRtCreateEnvironment = nullptr;
  LiteRtDestroyEnvironmentFn LiteRtDestroyEnvironment = nullptr;
  LiteRtCreateModelFromBufferFn LiteRtCreateModelFromBuffer = nullptr;
  LiteRtDestroyModelFn LiteRtDestroyModel = nullptr;
  LiteRtGetModelSignatureFn LiteRtGetModelSignature = nullptr;
  LiteRtGetNumSignatureTensorsFn LiteRtGetNumSignatureInputs = nullptr;
  LiteRtGetNumSignatureTensorsFn LiteRtGetNumSignatureOutputs = nullptr;
  LiteRtGetSignatureTensorByIndexFn LiteRtGetSignatureInputTensorByIndex =
      nullptr;
  LiteRtGetSignatureTensorByIndexFn LiteRtGetSignatureOutputTensorByIndex =
      nullptr;
  LiteRtGetRankedTensorTypeFn LiteRtGetRankedTensorType = nullptr;
  // Optional (may be null): names let signature outputs be matched to the
  // subgraph's outputs, whose order the metadata follows.
  LiteRtGetTensorNameFn LiteRtGetTensorName = nullptr;
  LiteRtCreateOptionsFn LiteRtCreateOptions = nullptr;
  LiteRtDestroyOptionsFn LiteRtDestroyOptions = nullptr;
  LiteRtSetOptionsHardwareAcceleratorsFn LiteRtSetOptionsHardwareAccelerators =
      nullptr;
  LiteRtCreateOpaqueOptionsFn LiteRtCreateOpaqueOptions = nullptr;
  LiteRtAddOpaqueOptionsFn LiteRtAddOpaqueOptions = nullptr;
  LiteRtCreateCompiledModelFn LiteRtCreateCompiledModel = nullptr;
  LiteRtDestroyCompiledModelFn LiteRtDestroyCompiledModel = nullptr;
  LiteRtCreateTensorBufferFromHostMemoryFn
      LiteRtCreateTensorBufferFromHostMemory = nullptr;
  LiteRtDestroyTensorBufferFn LiteRtDestroyTensorBuffer = nullptr;
  LiteRtRunCompiledModelFn LiteRtRunCompiledModel = nullptr;
};

}  // namespace audioclf

#endif  // AUDIOCLF_SRC_RUNTIME_LITERT_API_H_
