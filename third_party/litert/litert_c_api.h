// Our declarations of the part of the LiteRT C API that audioclf uses.
//
// libLiteRt.so (from the ai-edge-litert wheel) ships no headers, so the
// handles, structs and function signatures below are written from the ABI
// facts in the project's notes and checked by calling the library. Every
// function is resolved at run time with dlsym; these are pointer types only.
#ifndef AUDIOCLF_THIRD_PARTY_LITERT_C_API_H_
#define AUDIOCLF_THIRD_PARTY_LITERT_C_API_H_

#include <cstddef>
#include <cstdint>

extern "C" {

typedef struct LiteRtEnvironmentT* LiteRtEnvironment;
typedef struct LiteRtModelT* LiteRtModel;
typedef struct LiteRtOptionsT* LiteRtOptions;
typedef struct LiteRtOpaqueOptionsT* LiteRtOpaqueOptions;
typedef struct LiteRtCompiledModelT* LiteRtCompiledModel;
typedef struct LiteRtSignatureT* LiteRtSignature;
typedef struct LiteRtTensorT* LiteRtTensor;
typedef struct LiteRtTensorBufferT* LiteRtTensorBuffer;

typedef int LiteRtStatus;  // 0 = ok
typedef size_t LiteRtParamIndex;

enum { kLiteRtStatusOk = 0 };
enum { kLiteRtHwAcceleratorCpu = 1 };

// TFLite element type numbering, as the C API reports it.
enum {
  kLiteRtElementTypeFloat32 = 1,
  kLiteRtElementTypeInt32 = 2,
  kLiteRtElementTypeUInt8 = 3,
  kLiteRtElementTypeInt64 = 4,
  kLiteRtElementTypeBool = 6,
  kLiteRtElementTypeInt16 = 7,
  kLiteRtElementTypeInt8 = 9,
  kLiteRtElementTypeFloat16 = 10,
};

struct LiteRtLayout {
  unsigned int rank : 7;
  unsigned int has_strides : 1;
  int32_t dimensions[8];
  uint32_t strides[8];
};

struct LiteRtRankedTensorType {
  int element_type;
  LiteRtLayout layout;
};

struct LiteRtQuantizationPerTensor {
  float scale;
  int64_t zero_point;
};

typedef LiteRtStatus (*LiteRtCreateEnvironmentFn)(int, const void*,
                                                  LiteRtEnvironment*);
typedef void (*LiteRtDestroyEnvironmentFn)(LiteRtEnvironment);
typedef LiteRtStatus (*LiteRtCreateModelFromBufferFn)(LiteRtEnvironment,
                                                      const void*, size_t,
                                                      LiteRtModel*);
typedef void (*LiteRtDestroyModelFn)(LiteRtModel);
typedef LiteRtStatus (*LiteRtGetModelSignatureFn)(LiteRtModel,
                                                  LiteRtParamIndex,
                                                  LiteRtSignature*);
typedef LiteRtStatus (*LiteRtGetNumSignatureTensorsFn)(LiteRtSignature,
                                                       LiteRtParamIndex*);
typedef LiteRtStatus (*LiteRtGetSignatureTensorByIndexFn)(LiteRtSignature,
                                                          LiteRtParamIndex,
                                                          LiteRtTensor*);
typedef LiteRtStatus (*LiteRtGetTensorNameFn)(LiteRtTensor, const char**);
typedef LiteRtStatus (*LiteRtGetRankedTensorTypeFn)(LiteRtTensor,
                                                    LiteRtRankedTensorType*);
typedef LiteRtStatus (*LiteRtCreateOptionsFn)(LiteRtOptions*);
typedef void (*LiteRtDestroyOptionsFn)(LiteRtOptions);
typedef LiteRtStatus (*LiteRtSetOptionsHardwareAcceleratorsFn)(LiteRtOptions,
                                                               int);
typedef LiteRtStatus (*LiteRtCreateOpaqueOptionsFn)(const char*, void*,
                                                    void (*)(void*),
                                                    LiteRtOpaqueOptions*);
typedef LiteRtStatus (*LiteRtAddOpaqueOptionsFn)(LiteRtOptions,
                                                 LiteRtOpaqueOptions);
typedef LiteRtStatus (*LiteRtCreateCompiledModelFn)(LiteRtEnvironment,
                                                    LiteRtModel, LiteRtOptions,
                                                    LiteRtCompiledModel*);
typedef void (*LiteRtDestroyCompiledModelFn)(LiteRtCompiledModel);
typedef LiteRtStatus (*LiteRtCreateTensorBufferFromHostMemoryFn)(
    const LiteRtRankedTensorType*, void*, size_t, void (*)(void*),
    LiteRtTensorBuffer*);
typedef void (*LiteRtDestroyTensorBufferFn)(LiteRtTensorBuffer);
typedef LiteRtStatus (*LiteRtRunCompiledModelFn)(LiteRtCompiledModel,
                                                 LiteRtParamIndex, size_t,
                                                 LiteRtTensorBuffer*, size_t,
                                                 LiteRtTensorBuffer*);

// The shapes a compiled model's kernels compute for a signature's outputs
// (update_allocation = true plans the tensors first), which an edited graph
// can make differ from the declared ones.
typedef LiteRtStatus (*LiteRtGetCompiledModelOutputTensorLayoutsFn)(
    LiteRtCompiledModel, LiteRtParamIndex signature_index, size_t num_layouts,
    LiteRtLayout* layouts, bool update_allocation);

}  // extern "C"

static_assert(sizeof(LiteRtLayout) == 68, "LiteRtLayout ABI");
static_assert(sizeof(LiteRtRankedTensorType) == 72, "LiteRtRankedTensorType ABI");

#endif  // AUDIOCLF_THIRD_PARTY_LITERT_C_API_H_
