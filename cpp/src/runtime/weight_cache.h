// A private XNNPACK weight cache shared by the compiled models (workers) of
// one model (private to the runtime).
//
// XNNPACK repacks a model's weights into its own layout when a model is
// compiled; every compiled model holds its own copy unless LiteRT is given a
// weight cache, which XNNPACK fills on the first compile and mmaps on every
// later one (the CPU options' TOML key `weight_cache_file_descriptor`).
//
// The cache file header holds only a format version and XNNPACK's build
// identifier: nothing ties it to a model, so a cache from any other place
// would be used as is. This one is therefore never named or reused: it is an
// anonymous memory file (memfd) or an unnamed O_TMPFILE in a directory,
// created for one model's bytes, filled once, then sealed and handed out
// read-only, and gone when its last user closes it.
#ifndef AUDIOCLF_SRC_RUNTIME_WEIGHT_CACHE_H_
#define AUDIOCLF_SRC_RUNTIME_WEIGHT_CACHE_H_

#include <cstddef>
#include <memory>
#include <string>

namespace audioclf {

class XnnpackWeightCache {
 public:
  // An empty cache: anonymous memory when `dir` is empty, else an unnamed
  // file in `dir` (which must have room for twice `model_bytes`). Returns
  // null with the reason in *why when it cannot be made.
  static std::unique_ptr<XnnpackWeightCache> Create(const std::string& dir,
                                                    size_t model_bytes,
                                                    std::string* why);
  ~XnnpackWeightCache();
  XnnpackWeightCache(const XnnpackWeightCache&) = delete;
  XnnpackWeightCache& operator=(const XnnpackWeightCache&) = delete;

  // A new descriptor (>= 3, close-on-exec) for LiteRT, which takes ownership
  // of it: read-write before Freeze() (for the one build), read-only after.
  // -1 on failure.
  int Duplicate() const;

  // After the build: checks that XNNPACK wrote something, then makes the
  // contents immutable (memfd seals) and keeps only a read-only descriptor,
  // so no later compile can truncate or rewrite pages that running models
  // have mapped. False (reason in *why) when the cache cannot be used.
  bool Freeze(std::string* why);

  bool frozen() const { return frozen_; }
  size_t size() const;  // bytes written by XNNPACK so far
  bool in_memory() const { return in_memory_; }

 private:
  XnnpackWeightCache(int fd, bool in_memory) : fd_(fd), in_memory_(in_memory) {}
  int fd_ = -1;
  bool in_memory_ = true;
  bool frozen_ = false;
};

}  // namespace audioclf

#endif  // AUDIOCLF_SRC_RUNTIME_WEIGHT_CACHE_H_
