// The LiteRT runtime, loaded at run time with dlopen.
//
// LiteRtRuntime owns the resolved C API and one LiteRT environment. Opening
// the same library path twice in a process returns the same runtime, so a
// process has one environment per library however many classifiers it makes.
// LiteRtModelHandle is a parsed model that several compiled models (one per
// worker) can share, with one copy of XNNPACK's packed weights among them.
#ifndef AUDIOCLF_RUNTIME_LITERT_RUNTIME_H_
#define AUDIOCLF_RUNTIME_LITERT_RUNTIME_H_

#include <memory>
#include <mutex>
#include <string>

namespace audioclf {

struct LiteRtApi;  // the resolved function table (litert_runtime.cc)
class XnnpackWeightCache;  // runtime/weight_cache.h

// Whether the compiled models of one model share XNNPACK's packed weights
// (see BaseOptions::weight_cache).
struct WeightCacheOptions {
  bool enabled = true;
  std::string dir;  // empty: anonymous memory; else a directory for it
};

class LiteRtRuntime {
 public:
  // Name of the environment variable consulted when no path is given.
  static constexpr const char* kLibraryEnvVar = "AUDIOCLF_LITERT_LIBRARY";

  // Loads libLiteRt.so from `library_path`, or from $AUDIOCLF_LITERT_LIBRARY
  // when the path is empty. Throws Error(kRuntime) naming the path when the
  // library cannot be loaded or a symbol is missing.
  static std::shared_ptr<LiteRtRuntime> Open(const std::string& library_path);

  // The path the library was loaded from.
  const std::string& library_path() const { return library_path_; }
  const LiteRtApi& api() const { return *api_; }
  void* environment() const { return environment_; }

  ~LiteRtRuntime();
  LiteRtRuntime(const LiteRtRuntime&) = delete;
  LiteRtRuntime& operator=(const LiteRtRuntime&) = delete;

 private:
  LiteRtRuntime() = default;
  std::string library_path_;
  void* dl_handle_ = nullptr;
  std::unique_ptr<LiteRtApi> api_;
  void* environment_ = nullptr;  // LiteRtEnvironment
};

// A model parsed by LiteRT from bytes that it keeps alive, and the weight
// cache its compiled models share.
class LiteRtModelHandle {
 public:
  // `bytes` must hold the whole .tflite file; `source` names it in errors.
  // A weight cache that cannot be made leaves the models without one.
  LiteRtModelHandle(std::shared_ptr<LiteRtRuntime> runtime,
                    std::shared_ptr<const std::string> bytes,
                    const std::string& source,
                    const WeightCacheOptions& weight_cache = {});
  ~LiteRtModelHandle();
  LiteRtModelHandle(const LiteRtModelHandle&) = delete;
  LiteRtModelHandle& operator=(const LiteRtModelHandle&) = delete;

  const std::shared_ptr<LiteRtRuntime>& runtime() const { return runtime_; }
  void* model() const { return model_; }  // LiteRtModel
  const std::string& source() const { return source_; }

  // Whether compiled models share packed weights: kOff (disabled, or it
  // could not be made or used: weight_cache_note() says why), kPending (made,
  // filled by the next compile) or kShared.
  enum class WeightCacheState { kOff, kPending, kShared };
  WeightCacheState weight_cache_state() const;
  std::string weight_cache_note() const;

  // For CompiledModel: held while compiling; the cache (null when off) and
  // turning it off are only touched under it.
  std::mutex& compile_mutex() const { return compile_mutex_; }
  XnnpackWeightCache* weight_cache() const { return weight_cache_.get(); }
  void DisableWeightCache(const std::string& why);

 private:
  std::shared_ptr<LiteRtRuntime> runtime_;
  std::shared_ptr<const std::string> bytes_;  // LiteRT reads it in place
  std::string source_;
  void* model_ = nullptr;
  mutable std::mutex compile_mutex_;
  std::unique_ptr<XnnpackWeightCache> weight_cache_;
  std::string weight_cache_note_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_RUNTIME_LITERT_RUNTIME_H_
