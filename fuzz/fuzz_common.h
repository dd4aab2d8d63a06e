// Shared by the libFuzzer targets: audioclf::Error is the library's
// documented failure for bad input, so it is swallowed; anything else (another
// exception, a crash, a sanitizer report) is a finding.
#ifndef AUDIOCLF_FUZZ_FUZZ_COMMON_H_
#define AUDIOCLF_FUZZ_FUZZ_COMMON_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "audioclf/error.h"

// Runs `body`; returns 0 whether it succeeds or throws audioclf::Error.
#define AUDIOCLF_FUZZ_GUARD(body)    \
  do {                               \
    try {                            \
      body;                          \
    } catch (const audioclf::Error&) { \
    }                                \
    return 0;                        \
  } while (0)

// A property the library promises; abort() so libFuzzer saves the input.
#define AUDIOCLF_FUZZ_CHECK(cond, what)                                    \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "audioclf fuzz check failed: %s (%s:%d)\n", what, \
                   __FILE__, __LINE__);                                    \
      std::abort();                                                        \
    }                                                                      \
  } while (0)

namespace audioclf_fuzz {

// The input as a file, for readers that take a path: one memfd per process,
// rewritten for each input (no disk I/O), opened through /proc/self/fd.
inline std::string WriteInput(const uint8_t* data, size_t size) {
  static int fd = memfd_create("audioclf_fuzz_input", 0);
  if (fd < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    std::perror("memfd write");
    std::abort();
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace audioclf_fuzz

#endif  // AUDIOCLF_FUZZ_FUZZ_COMMON_H_
