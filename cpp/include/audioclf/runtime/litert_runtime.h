// The LiteRT runtime, loaded at run time with dlopen.
//
// LiteRtRuntime owns the resolved C API and one LiteRT environment. Opening
// the same library path twice in a process returns the same runtime, so a
// process has one environment per library however many classifiers it makes.
// LiteRtModelHandle is a parsed model that several compiled models (one per
// worker) can share.
#ifndef AUDIOCLF_RUNTIME_LITERT_RUNTIME_H_
#define AUDIOCLF_RUNTIME_LITERT_RUNTIME_H_

#include <memory>
#include <string>

namespace audioclf {

struct LiteRtApi;  // the resolved function table (litert_runtime.cc)

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

// A model parsed by LiteRT from bytes that it keeps alive.
class LiteRtModelHandle {
 public:
  // `bytes` must hold the whole .tflite file; `source` names it in errors.
  LiteRtModelHandle(std::shared_ptr<LiteRtRuntime> runtime,
                    std::shared_ptr<const std::string> bytes,
                    const std::string& source);
  ~LiteRtModelHandle();
  LiteRtModelHandle(const LiteRtModelHandle&) = delete;
  LiteRtModelHandle& operator=(const LiteRtModelHandle&) = delete;

  const std::shared_ptr<LiteRtRuntime>& runtime() const { return runtime_; }
  void* model() const { return model_; }  // LiteRtModel
  const std::string& source() const { return source_; }

 private:
  std::shared_ptr<LiteRtRuntime> runtime_;
  std::shared_ptr<const std::string> bytes_;  // LiteRT reads it in place
  std::string source_;
  void* model_ = nullptr;
};

}  // namespace audioclf

#endif  // AUDIOCLF_RUNTIME_LITERT_RUNTIME_H_
