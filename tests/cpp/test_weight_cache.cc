// The XNNPACK weight cache that the compiled models of one model share: the
// same outputs as without it, one private read-only mapping source, gone with
// its last user, and no cache (but working models) when it cannot be made.
// Needs libLiteRt.so ($AUDIOCLF_LITERT_LIBRARY) and YAMNet from ../shared;
// exits 77 (skipped) without them.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audioclf/runtime/compiled_model.h"
#include "audioclf/runtime/litert_runtime.h"
#include "test_harness.h"

using namespace audioclf;  // NOLINT: test brevity
using State = LiteRtModelHandle::WeightCacheState;

namespace {

constexpr const char* kMemfdName = "memfd:audioclf-xnnpack-weights";

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// YAMNet from ../shared: convolutions whose weights XNNPACK packs.
std::shared_ptr<const std::string> ModelBytes() {
  const std::string path =
      audioclf_test::SharedModel("yamnet_audio_classifier_with_metadata.tflite");
  std::vector<uint8_t> bytes = audioclf_test::ReadFile(path);
  return std::make_shared<const std::string>(bytes.begin(), bytes.end());
}

std::shared_ptr<LiteRtModelHandle> Handle(const WeightCacheOptions& cache) {
  static auto bytes = ModelBytes();
  return std::make_shared<LiteRtModelHandle>(LiteRtRuntime::Open(""), bytes, "model", cache);
}

WeightCacheOptions Off() {
  WeightCacheOptions o;
  o.enabled = false;
  return o;
}

WeightCacheOptions InDir(const std::string& dir) {
  WeightCacheOptions o;
  o.dir = dir;
  return o;
}

std::vector<uint8_t> RunOnNoise(CompiledModel& engine) {
  const CompiledModel::Tensor& in = engine.input(0);
  uint32_t state = 12345;
  float* x = static_cast<float*>(in.data);
  for (size_t i = 0; i < in.byte_size / sizeof(float); ++i) {
    state = state * 1664525u + 1013904223u;
    x[i] = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.6f;
  }
  engine.Run();
  std::vector<uint8_t> out;
  for (size_t i = 0; i < engine.num_outputs(); ++i) {
    const auto* p = static_cast<const uint8_t*>(engine.output(i).data);
    out.insert(out.end(), p, p + engine.output(i).byte_size);
  }
  return out;
}

// Lines of /proc/self/maps naming `what`; each also gets its permissions.
std::vector<std::string> Mappings(const std::string& what, std::vector<std::string>* perms) {
  std::ifstream maps("/proc/self/maps");
  std::vector<std::string> found;
  for (std::string line; std::getline(maps, line);) {
    if (line.find(what) == std::string::npos) continue;
    found.push_back(line);
    if (perms) perms->push_back(line.substr(line.find(' ') + 1, 4));
  }
  return found;
}

size_t DirEntries(const std::string& dir) {
  size_t n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
    }
    closedir(d);
  }
  return n;
}

std::vector<uint8_t> Reference() {
  CompiledModel plain(Handle(Off()), 1);
  return RunOnNoise(plain);
}

}  // namespace

TEST_CASE(engines_share_one_cache_and_score_exactly_as_without) {
  const std::vector<uint8_t> reference = Reference();
  auto handle = Handle({});
  CHECK(handle->weight_cache_state() == State::kPending);
  {
    CompiledModel a(handle, 1);
    CHECK(handle->weight_cache_state() == State::kShared);
    CompiledModel b(handle, 2);
    CHECK(RunOnNoise(a) == reference);
    CHECK(RunOnNoise(b) == reference);
    std::vector<std::string> perms;
    // Each engine maps the cache; none of the mappings can write to it.
    CHECK(Mappings(kMemfdName, &perms).size() >= 2u);
    for (const std::string& p : perms) CHECK_EQ(p, std::string("r--s"));
  }
  handle.reset();
  // With its last engine and the handle gone, so is the cache.
  CHECK(Mappings(kMemfdName, nullptr).empty());
}

TEST_CASE(engines_on_the_shared_cache_run_concurrently) {
  const std::vector<uint8_t> reference = Reference();
  auto handle = Handle({});
  std::vector<std::unique_ptr<CompiledModel>> engines;
  for (int i = 0; i < 3; ++i) engines.push_back(std::make_unique<CompiledModel>(handle, 1));
  std::vector<int> mismatches(engines.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < engines.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int r = 0; r < 10; ++r) mismatches[i] += RunOnNoise(*engines[i]) != reference;
    });
  }
  for (auto& t : threads) t.join();
  for (int m : mismatches) CHECK_EQ(m, 0);
}

TEST_CASE(disabled_cache_is_off) {
  auto handle = Handle(Off());
  CompiledModel engine(handle, 1);
  CHECK(handle->weight_cache_state() == State::kOff);
  CHECK_EQ(handle->weight_cache_note(), std::string("disabled by the options"));
  CHECK(Mappings(kMemfdName, nullptr).empty());
}

TEST_CASE(a_cache_dir_that_cannot_be_used_means_no_cache) {
  const std::vector<uint8_t> reference = Reference();
  char file_template[] = "/tmp/audioclf-wcache-file-XXXXXX";
  int fd = mkstemp(file_template);
  CHECK(fd >= 0);
  close(fd);
  // Absent, a regular file, and a directory where no file can be made (this
  // holds for root too, unlike a chmod).
  for (const std::string& dir : {std::string("/nonexistent/audioclf"), std::string(file_template),
                                std::string("/proc")}) {
    auto handle = Handle(InDir(dir));
    CHECK(handle->weight_cache_state() == State::kOff);
    CHECK(handle->weight_cache_note().find("not made") != std::string::npos);
    CompiledModel engine(handle, 1);
    CHECK(RunOnNoise(engine) == reference);
  }
  unlink(file_template);
}

TEST_CASE(a_cache_dir_gets_an_unnamed_file_only) {
  const std::vector<uint8_t> reference = Reference();
  char dir_template[] = "/tmp/audioclf-wcache-dir-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  {
    auto handle = Handle(InDir(dir));
    CHECK(handle->weight_cache_state() == State::kPending);
    CompiledModel a(handle, 1);
    CompiledModel b(handle, 1);
    CHECK(handle->weight_cache_state() == State::kShared);
    CHECK(RunOnNoise(a) == reference);
    CHECK(RunOnNoise(b) == reference);
    // O_TMPFILE: mapped as "<dir>/#<inode> (deleted)", never listed in dir.
    CHECK_EQ(DirEntries(dir), size_t{0});
    CHECK(Mappings(dir + "/#", nullptr).size() >= 2u);
  }
  CHECK(Mappings(dir + "/#", nullptr).empty());
  rmdir(dir.c_str());
}

#ifdef AUDIOCLF_TEST_MAIN
namespace {
struct RequireRuntime {
  RequireRuntime() {
    if (Env("AUDIOCLF_LITERT_LIBRARY").empty()) {
      std::printf("skipped: AUDIOCLF_LITERT_LIBRARY is not set\n");
      std::exit(77);
    }
    if (audioclf_test::SharedModel("yamnet_audio_classifier_with_metadata.tflite").empty()) {
      std::printf("skipped: ../shared/models has no YAMNet\n");
      std::exit(77);
    }
  }
} require_runtime;
}  // namespace
#endif
