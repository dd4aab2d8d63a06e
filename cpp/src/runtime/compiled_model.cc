#include "audioclf/runtime/compiled_model.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "runtime/litert_api.h"
#include "runtime/weight_cache.h"

namespace audioclf {
namespace {

constexpr size_t kTensorAlignment = 64;

ElementType FromLiteRtType(int type) {
  switch (type) {
    case kLiteRtElementTypeFloat32: return ElementType::kFloat32;
    case kLiteRtElementTypeInt32: return ElementType::kInt32;
    case kLiteRtElementTypeUInt8: return ElementType::kUInt8;
    case kLiteRtElementTypeInt64: return ElementType::kInt64;
    case kLiteRtElementTypeBool: return ElementType::kBool;
    case kLiteRtElementTypeInt16: return ElementType::kInt16;
    case kLiteRtElementTypeInt8: return ElementType::kInt8;
    case kLiteRtElementTypeFloat16: return ElementType::kFloat16;
    default: return ElementType::kUnknown;
  }
}

void Check(LiteRtStatus status, const std::string& what,
           const std::string& source) {
  if (status != kLiteRtStatusOk) {
    ThrowRuntimeError(source + ": " + what + " failed with LiteRT status " +
                      std::to_string(status));
  }
}

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

void FreeString(void* payload) { std::free(payload); }

}  // namespace

namespace {

// Compiles `lite_model` for the CPU. XNNPACK reads its options from a TOML
// payload: the thread count, and the weight cache's descriptor (which the
// delegate takes ownership of). Returns null with *status set when LiteRT
// refuses; throws Error for an exception from inside LiteRT.
LiteRtCompiledModel Compile(const LiteRtApi& api, LiteRtEnvironment env,
                            LiteRtModel lite_model, int num_threads,
                            int cache_fd, const std::string& source,
                            LiteRtStatus* status) {
  LiteRtOptions options = nullptr;
  Check(api.LiteRtCreateOptions(&options), "LiteRtCreateOptions", source);
  LiteRtCompiledModel compiled = nullptr;
  try {
    Check(api.LiteRtSetOptionsHardwareAccelerators(options,
                                                   kLiteRtHwAcceleratorCpu),
          "LiteRtSetOptionsHardwareAccelerators", source);
    std::string toml;
    if (num_threads > 0) {
      toml += "num_threads = " + std::to_string(num_threads) + "\n";
    }
    if (cache_fd >= 0) {
      toml += "weight_cache_file_descriptor = " + std::to_string(cache_fd) + "\n";
    }
    if (!toml.empty()) {
      // The options own the payload once added and free it with FreeString.
      char* payload = static_cast<char*>(std::malloc(toml.size() + 1));
      if (payload == nullptr) ThrowRuntimeError("out of memory");
      std::memcpy(payload, toml.c_str(), toml.size() + 1);
      LiteRtOpaqueOptions xnnpack = nullptr;
      LiteRtStatus created = api.LiteRtCreateOpaqueOptions(
          "xnnpack", payload, &FreeString, &xnnpack);
      if (created != kLiteRtStatusOk) std::free(payload);
      Check(created, "LiteRtCreateOpaqueOptions(xnnpack)", source);
      Check(api.LiteRtAddOpaqueOptions(options, xnnpack),
            "LiteRtAddOpaqueOptions", source);
    }
    *status = Guarded(
        ErrorKind::kInvalidArgument, "compiling the model", source, [&] {
          return api.LiteRtCreateCompiledModel(env, lite_model, options,
                                               &compiled);
        });
  } catch (...) {
    api.LiteRtDestroyOptions(options);
    throw;
  }
  api.LiteRtDestroyOptions(options);
  if (*status != kLiteRtStatusOk) return nullptr;
  return compiled;
}

// Fills the model's weight cache with a compile whose engine is dropped at
// once: the builder's scratch memory (as large as the largest packed tensor)
// goes with it, and every engine, the first one included, then maps the same
// finished cache. Turns the cache off when that fails; the caller's compile
// without it then reports any error in the model itself.
void BuildWeightCache(const LiteRtApi& api, LiteRtEnvironment env,
                      LiteRtModel lite_model, int num_threads,
                      LiteRtModelHandle& handle) {
  XnnpackWeightCache* cache = handle.weight_cache();
  const int fd = cache->Duplicate();
  if (fd < 0) {
    handle.DisableWeightCache("cannot duplicate its descriptor: " +
                              std::string(std::strerror(errno)));
    return;
  }
  LiteRtStatus status = kLiteRtStatusOk;
  LiteRtCompiledModel builder = nullptr;
  try {
    builder = Compile(api, env, lite_model, num_threads, fd, handle.source(),
                      &status);
  } catch (const std::exception&) {
    builder = nullptr;
  }
  if (builder == nullptr) {
    handle.DisableWeightCache("the compile that fills it failed (status " +
                              std::to_string(status) + ")");
    return;
  }
  api.LiteRtDestroyCompiledModel(builder);
  std::string why;
  if (!cache->Freeze(&why)) handle.DisableWeightCache(why);
}

}  // namespace

CompiledModel::CompiledModel(std::shared_ptr<LiteRtModelHandle> model,
                             int num_threads)
    : model_(std::move(model)) {
  const LiteRtApi& api = model_->runtime()->api();
  const std::string& source = model_->source();
  auto* env = static_cast<LiteRtEnvironment>(model_->runtime()->environment());
  auto* lite_model = static_cast<LiteRtModel>(model_->model());

  {
    // One compile at a time per model: the cache is filled by the first and
    // only read by the others.
    std::lock_guard<std::mutex> lock(model_->compile_mutex());
    if (model_->weight_cache() != nullptr && !model_->weight_cache()->frozen()) {
      BuildWeightCache(api, env, lite_model, num_threads, *model_);
    }
    LiteRtStatus status = kLiteRtStatusOk;
    LiteRtCompiledModel compiled = nullptr;
    if (XnnpackWeightCache* cache = model_->weight_cache()) {
      const int fd = cache->Duplicate();
      if (fd >= 0) {
        try {
          compiled = Compile(api, env, lite_model, num_threads, fd, source, &status);
        } catch (const std::exception&) {
          compiled = nullptr;  // compiled again below, without the cache
        }
      }
      if (compiled == nullptr) {
        model_->DisableWeightCache("a compile that maps it failed (status " +
                                   std::to_string(status) + ")");
      }
    }
    if (compiled == nullptr) {
      compiled = Compile(api, env, lite_model, num_threads, -1, source, &status);
    }
    if (compiled == nullptr) {
      ThrowInvalidArgument(source + ": LiteRT could not compile the model for "
                           "the CPU (status " + std::to_string(status) + ")");
    }
    compiled_ = compiled;
  }

  LiteRtSignature signature = nullptr;
  LiteRtParamIndex num_inputs = 0, num_outputs = 0;
  auto bind = [&](bool is_input, LiteRtParamIndex index) {
    LiteRtTensor tensor = nullptr;
    const char* kind = is_input ? "input" : "output";
    Check(is_input ? api.LiteRtGetSignatureInputTensorByIndex(signature, index,
                                                              &tensor)
                   : api.LiteRtGetSignatureOutputTensorByIndex(signature, index,
                                                               &tensor),
          std::string("getting ") + kind + " tensor " + std::to_string(index),
          source);
    LiteRtRankedTensorType ranked;
    std::memset(&ranked, 0, sizeof(ranked));
    Check(api.LiteRtGetRankedTensorType(tensor, &ranked),
          std::string("reading the type of ") + kind + " tensor " +
              std::to_string(index),
          source);
    Tensor info;
    const char* name = nullptr;
    if (api.LiteRtGetTensorName != nullptr &&
        api.LiteRtGetTensorName(tensor, &name) == kLiteRtStatusOk &&
        name != nullptr) {
      info.name = name;
    }
    info.type = FromLiteRtType(ranked.element_type);
    size_t element_size = ElementSize(info.type);
    if (element_size == 0) {
      ThrowInvalidArgument(source + ": " + kind + " tensor " +
                           std::to_string(index) +
                           " has unsupported element type " +
                           std::to_string(ranked.element_type));
    }
    size_t count = 1;
    for (unsigned d = 0; d < ranked.layout.rank && d < 8; ++d) {
      int32_t dim = ranked.layout.dimensions[d];
      if (dim <= 0) {
        ThrowInvalidArgument(source + ": " + kind + " tensor " +
                             std::to_string(index) +
                             " has a dynamic or empty dimension (" +
                             std::to_string(dim) + ")");
      }
      info.shape.push_back(dim);
      count *= static_cast<size_t>(dim);
    }
    info.byte_size = count * element_size;
    size_t padded = (info.byte_size + kTensorAlignment - 1) / kTensorAlignment *
                    kTensorAlignment;
    info.data = std::aligned_alloc(kTensorAlignment, padded);
    if (info.data == nullptr) ThrowRuntimeError("out of memory for tensors");
    std::memset(info.data, 0, padded);
    (is_input ? inputs_ : outputs_).push_back(info);
    LiteRtTensorBuffer buffer = nullptr;
    Check(api.LiteRtCreateTensorBufferFromHostMemory(
              &ranked, info.data, info.byte_size, nullptr, &buffer),
          std::string("binding ") + kind + " tensor " + std::to_string(index),
          source);
    (is_input ? input_buffers_ : output_buffers_).push_back(buffer);
  };
  try {
    Check(api.LiteRtGetModelSignature(lite_model, 0, &signature),
          "LiteRtGetModelSignature", source);
    Check(api.LiteRtGetNumSignatureInputs(signature, &num_inputs),
          "LiteRtGetNumSignatureInputs", source);
    Check(api.LiteRtGetNumSignatureOutputs(signature, &num_outputs),
          "LiteRtGetNumSignatureOutputs", source);
    for (LiteRtParamIndex i = 0; i < num_inputs; ++i) bind(true, i);
    for (LiteRtParamIndex i = 0; i < num_outputs; ++i) bind(false, i);
    CheckComputedOutputShapes(api, source);
  } catch (...) {
    Release();
    throw;
  }
}

CompiledModel::~CompiledModel() { Release(); }

void CompiledModel::CheckComputedOutputShapes(const LiteRtApi& api,
                                              const std::string& source) {
  // The kernels may compute an output shape other than the declared one (an
  // edited graph); LiteRT would then write past buffers sized from the
  // declaration, so the two must agree before the first run.
  std::vector<LiteRtLayout> layouts(outputs_.size());
  std::memset(layouts.data(), 0, layouts.size() * sizeof(LiteRtLayout));
  const LiteRtStatus status =
      Guarded(ErrorKind::kInvalidArgument, "planning the model's tensors",
              source, [&] {
        return api.LiteRtGetCompiledModelOutputTensorLayouts(
            static_cast<LiteRtCompiledModel>(compiled_), 0, layouts.size(),
            layouts.data(), true);
      });
  if (status != kLiteRtStatusOk) {
    ThrowInvalidArgument(source + ": LiteRT could not plan the model's "
                         "tensors (status " + std::to_string(status) + ")");
  }
  for (size_t i = 0; i < outputs_.size(); ++i) {
    const Tensor& declared = outputs_[i];
    std::vector<int32_t> computed(
        layouts[i].dimensions,
        layouts[i].dimensions + std::min<unsigned>(layouts[i].rank, 8));
    if (computed != declared.shape) {
      ThrowInvalidArgument(
          source + ": output tensor " + std::to_string(i) +
          (declared.name.empty() ? "" : " ('" + declared.name + "')") +
          " is declared with shape " + ShapeString(declared.shape) +
          " but the model's operators compute shape " +
          ShapeString(computed));
    }
  }
}

void CompiledModel::Release() {
  const LiteRtApi& api = model_->runtime()->api();
  for (void* b : input_buffers_) {
    api.LiteRtDestroyTensorBuffer(static_cast<LiteRtTensorBuffer>(b));
  }
  for (void* b : output_buffers_) {
    api.LiteRtDestroyTensorBuffer(static_cast<LiteRtTensorBuffer>(b));
  }
  input_buffers_.clear();
  output_buffers_.clear();
  for (Tensor& t : inputs_) std::free(t.data);
  for (Tensor& t : outputs_) std::free(t.data);
  inputs_.clear();
  outputs_.clear();
  if (compiled_ != nullptr) {
    api.LiteRtDestroyCompiledModel(static_cast<LiteRtCompiledModel>(compiled_));
    compiled_ = nullptr;
  }
}

void CompiledModel::Run() {
  const LiteRtApi& api = model_->runtime()->api();
  LiteRtStatus status = Guarded(
      ErrorKind::kRuntime, "running the model", model_->source(), [&] {
    return api.LiteRtRunCompiledModel(
        static_cast<LiteRtCompiledModel>(compiled_), 0, input_buffers_.size(),
        reinterpret_cast<LiteRtTensorBuffer*>(input_buffers_.data()),
        output_buffers_.size(),
        reinterpret_cast<LiteRtTensorBuffer*>(output_buffers_.data()));
  });
  Check(status, "running the model", model_->source());
}

}  // namespace audioclf
