#include "audioclf/runtime/litert_runtime.h"

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "audioclf/error.h"
#include "audioclf/model/graph_validator.h"
#include "runtime/litert_api.h"
#include "runtime/weight_cache.h"

namespace audioclf {
namespace {

template <typename Fn>
void Resolve(void* handle, const std::string& path, const char* name, Fn* out) {
  dlerror();
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    const char* why = dlerror();
    ThrowRuntimeError("LiteRT library '" + path + "' has no symbol '" + name +
                      "'" + (why ? std::string(" (") + why + ")" : "") +
                      "; is it a LiteRT build with the C API (ai-edge-litert "
                      ">= 2.0)?");
  }
  *out = reinterpret_cast<Fn>(symbol);
}

// One runtime per library path for the whole process: LiteRT wants one
// environment, and dlopen hands back the same library anyway.
std::mutex& RegistryMutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<std::string, std::weak_ptr<LiteRtRuntime>>& Registry() {
  static std::map<std::string, std::weak_ptr<LiteRtRuntime>> registry;
  return registry;
}

// The C API tells no version. What releases before the supported minimum
// (ai-edge-litert 2.1.6, checked from Python) do is recognisable: 2.1.5
// answers model loading with status 501.
constexpr int kOldRuntimeStatus = 501;
std::string OldRuntimeHint(int status) {
  return status == kOldRuntimeStatus
             ? "; releases before ai-edge-litert 2.1.6 fail every model this "
               "way (audioclf needs ai-edge-litert>=2.1.6,<3)"
             : "";
}

}  // namespace

std::shared_ptr<LiteRtRuntime> LiteRtRuntime::Open(
    const std::string& library_path) {
  std::string path = library_path;
  if (path.empty()) {
    const char* env = std::getenv(kLibraryEnvVar);
    if (env != nullptr) path = env;
  }
  if (path.empty()) {
    ThrowRuntimeError(
        std::string("no LiteRT library given: pass its path or set ") +
        kLibraryEnvVar +
        " to libLiteRt.so (shipped by the ai-edge-litert Python package)");
  }

  if (path.find('\0') != std::string::npos) {
    ThrowInvalidArgument("litert_library: the path contains a NUL byte");
  }
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto found = Registry().find(path);
  if (found != Registry().end()) {
    if (auto alive = found->second.lock()) return alive;
  }

  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    ThrowRuntimeError("cannot load LiteRT library '" + path + "': " +
                      (why ? why : "unknown dlopen error"));
  }
  // Never dlclose: LiteRT starts threads and registers process-wide state
  // that must not outlive its code.
  std::shared_ptr<LiteRtRuntime> runtime(new LiteRtRuntime());
  runtime->library_path_ = path;
  runtime->dl_handle_ = handle;
  runtime->api_ = std::make_unique<LiteRtApi>();
  LiteRtApi& api = *runtime->api_;
#define AUDIOCLF_RESOLVE(name) Resolve(handle, path, #name, &api.name)
  AUDIOCLF_RESOLVE(LiteRtCreateEnvironment);
  AUDIOCLF_RESOLVE(LiteRtDestroyEnvironment);
  AUDIOCLF_RESOLVE(LiteRtCreateModelFromBuffer);
  AUDIOCLF_RESOLVE(LiteRtDestroyModel);
  AUDIOCLF_RESOLVE(LiteRtGetModelSignature);
  AUDIOCLF_RESOLVE(LiteRtGetNumSignatureInputs);
  AUDIOCLF_RESOLVE(LiteRtGetNumSignatureOutputs);
  AUDIOCLF_RESOLVE(LiteRtGetSignatureInputTensorByIndex);
  AUDIOCLF_RESOLVE(LiteRtGetSignatureOutputTensorByIndex);
  AUDIOCLF_RESOLVE(LiteRtGetRankedTensorType);
  AUDIOCLF_RESOLVE(LiteRtCreateOptions);
  AUDIOCLF_RESOLVE(LiteRtDestroyOptions);
  AUDIOCLF_RESOLVE(LiteRtSetOptionsHardwareAccelerators);
  AUDIOCLF_RESOLVE(LiteRtCreateOpaqueOptions);
  AUDIOCLF_RESOLVE(LiteRtAddOpaqueOptions);
  AUDIOCLF_RESOLVE(LiteRtCreateCompiledModel);
  AUDIOCLF_RESOLVE(LiteRtDestroyCompiledModel);
  AUDIOCLF_RESOLVE(LiteRtCreateTensorBufferFromHostMemory);
  AUDIOCLF_RESOLVE(LiteRtDestroyTensorBuffer);
  AUDIOCLF_RESOLVE(LiteRtRunCompiledModel);
  AUDIOCLF_RESOLVE(LiteRtGetCompiledModelOutputTensorLayouts);
#undef AUDIOCLF_RESOLVE
  api.LiteRtGetTensorName = reinterpret_cast<LiteRtGetTensorNameFn>(
      dlsym(handle, "LiteRtGetTensorName"));

  LiteRtEnvironment environment = nullptr;
  LiteRtStatus status = api.LiteRtCreateEnvironment(0, nullptr, &environment);
  if (status != kLiteRtStatusOk || environment == nullptr) {
    ThrowRuntimeError("LiteRtCreateEnvironment failed with status " +
                      std::to_string(status) + " (library '" + path + "')" +
                      OldRuntimeHint(status));
  }
  runtime->environment_ = environment;
  Registry()[path] = runtime;
  return runtime;
}

LiteRtRuntime::~LiteRtRuntime() {
  if (environment_ != nullptr && api_) {
    api_->LiteRtDestroyEnvironment(
        static_cast<LiteRtEnvironment>(environment_));
  }
}

LiteRtModelHandle::LiteRtModelHandle(std::shared_ptr<LiteRtRuntime> runtime,
                                     std::shared_ptr<const std::string> bytes,
                                     const std::string& source,
                                     const WeightCacheOptions& weight_cache)
    : runtime_(std::move(runtime)), bytes_(std::move(bytes)), source_(source) {
  // LiteRT trusts the graph; a malformed one must fail here, not inside it.
  ValidateTfliteGraph(reinterpret_cast<const uint8_t*>(bytes_->data()),
                      bytes_->size(), source_);
  LiteRtModel model = nullptr;
  LiteRtStatus status = Guarded(
      ErrorKind::kInvalidArgument, "loading the model", source_, [&] {
    return runtime_->api().LiteRtCreateModelFromBuffer(
        static_cast<LiteRtEnvironment>(runtime_->environment()),
        bytes_->data(), bytes_->size(), &model);
  });
  if (status != kLiteRtStatusOk || model == nullptr) {
    ThrowInvalidArgument(source_ + ": LiteRT could not load the model (status " +
                         std::to_string(status) + ")" + OldRuntimeHint(status));
  }
  model_ = model;
  if (!weight_cache.enabled) {
    weight_cache_note_ = "disabled by the options";
  } else {
    std::string why;
    weight_cache_ = XnnpackWeightCache::Create(weight_cache.dir, bytes_->size(), &why);
    if (!weight_cache_) weight_cache_note_ = "not made: " + why;
  }
}

LiteRtModelHandle::WeightCacheState LiteRtModelHandle::weight_cache_state() const {
  std::lock_guard<std::mutex> lock(compile_mutex_);
  if (!weight_cache_) return WeightCacheState::kOff;
  return weight_cache_->frozen() ? WeightCacheState::kShared : WeightCacheState::kPending;
}

std::string LiteRtModelHandle::weight_cache_note() const {
  std::lock_guard<std::mutex> lock(compile_mutex_);
  return weight_cache_note_;
}

void LiteRtModelHandle::DisableWeightCache(const std::string& why) {
  // Models compiled with it keep their own descriptors and mappings.
  weight_cache_.reset();
  weight_cache_note_ = why;
}

LiteRtModelHandle::~LiteRtModelHandle() {
  if (model_ != nullptr) {
    runtime_->api().LiteRtDestroyModel(static_cast<LiteRtModel>(model_));
  }
}

}  // namespace audioclf
