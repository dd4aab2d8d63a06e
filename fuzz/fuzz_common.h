// Shared by the libFuzzer targets: audioclf::Error is the library's
// documented failure for bad input, so it is swallowed; anything else (another
// exception, a crash, a sanitizer report) is a finding.
#ifndef AUDIOCLF_FUZZ_FUZZ_COMMON_H_
#define AUDIOCLF_FUZZ_FUZZ_COMMON_H_

#include <cstdio>
#include <cstdlib>

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

#endif  // AUDIOCLF_FUZZ_FUZZ_COMMON_H_
