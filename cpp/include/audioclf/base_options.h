// Where a task's model comes from and how it runs; shared by every task.
#ifndef AUDIOCLF_BASE_OPTIONS_H_
#define AUDIOCLF_BASE_OPTIONS_H_

#include <string>

namespace audioclf {

struct BaseOptions {
  std::string file_name;     // path of the .tflite model
  std::string file_content;  // or the model's bytes (used when non-empty)
  int num_threads = -1;      // -1: LiteRT's default (one thread)
  // libLiteRt.so to load; empty: $AUDIOCLF_LITERT_LIBRARY.
  std::string litert_library;
  // The model's workers (compiled models) share one copy of XNNPACK's packed
  // weights: a private cache filled by the first compile, mapped by all.
  // Anything that keeps it from working leaves each worker its own copy.
  bool weight_cache = true;
  // Where that cache lives: empty, anonymous memory (memfd); else an unnamed
  // file in this directory (on disk, so the kernel can page it out).
  std::string weight_cache_dir;
};

}  // namespace audioclf

#endif  // AUDIOCLF_BASE_OPTIONS_H_
