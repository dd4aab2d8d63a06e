#include "audioclf/runtime/litert_runtime.h"

#include <cstdlib>
#include <string>

#include "test_harness.h"

using audioclf::ErrorKind;
using audioclf::LiteRtRuntime;

TEST_CASE(missing_library_is_named) {
  CHECK_THROWS(LiteRtRuntime::Open("/nonexistent/dir/libLiteRt.so"), ErrorKind::kRuntime,
               "cannot load LiteRT library '/nonexistent/dir/libLiteRt.so'");
}

TEST_CASE(library_without_the_c_api_names_the_symbol) {
  // libz is loaded by this very test; it has no LiteRT symbols.
  CHECK_THROWS(LiteRtRuntime::Open("libz.so.1"), ErrorKind::kRuntime,
               "has no symbol 'LiteRtCreateEnvironment'");
}

TEST_CASE(one_runtime_per_library_path) {
  const char* path = std::getenv("AUDIOCLF_LITERT_LIBRARY");
  if (path == nullptr || *path == '\0') {
    std::printf("skipped: AUDIOCLF_LITERT_LIBRARY is not set\n");
    return;
  }
  auto a = LiteRtRuntime::Open(path);
  auto b = LiteRtRuntime::Open("");  // falls back to the environment variable
  CHECK(a.get() == b.get());
  CHECK(a->environment() != nullptr);
  CHECK_EQ(a->library_path(), std::string(path));
}
