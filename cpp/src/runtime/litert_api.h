// The function table resolved from libLiteRt.so (private to the runtime).
#ifndef AUDIOCLF_SRC_RUNTIME_LITERT_API_H_
#define AUDIOCLF_SRC_RUNTIME_LITERT_API_H_

#include <exception>
#include <string>

#include "audioclf/error.h"
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
  LiteRtGetCompiledModelOutputTensorLayoutsFn
      LiteRtGetCompiledModelOutputTensorLayouts = nullptr;
};

// LiteRT is C++ behind its C API and lets some exceptions through (for
// example std::logic_error on a malformed graph); they become audioclf
// errors of `kind` that say which call failed.
template <typename Call>
LiteRtStatus Guarded(ErrorKind kind, const std::string& what,
                     const std::string& source, Call call) {
  try {
    return call();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(kind, source + ": LiteRT failed while " + what + " (" +
                          e.what() + ")");
  } catch (...) {
    throw Error(kind, source + ": LiteRT failed while " + what +
                          " (an unknown exception)");
  }
}

}  // namespace audioclf

#endif  // AUDIOCLF_SRC_RUNTIME_LITERT_API_H_
