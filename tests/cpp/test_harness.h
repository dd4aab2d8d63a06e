// A minimal test harness for the C++ unit tests: no dependencies, one
// executable per test file, a non-zero exit code on the first failed check
// of each test case.
#ifndef AUDIOCLF_TESTS_TEST_HARNESS_H_
#define AUDIOCLF_TESTS_TEST_HARNESS_H_

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "audioclf/error.h"

namespace audioclf_test {

struct TestCase {
  const char* name;
  std::function<void()> body;
};

inline std::vector<TestCase>& Registry() {
  static std::vector<TestCase> cases;
  return cases;
}

struct Registrar {
  Registrar(const char* name, std::function<void()> body) {
    Registry().push_back({name, std::move(body)});
  }
};

struct CheckFailure {
  std::string message;
};

// The path of ../shared/models/<name>, or "" when ../shared is absent.
inline std::string SharedModel(const std::string& name) {
  const char* dir = std::getenv("AUDIOCLF_SHARED_DIR");
  if (dir == nullptr || *dir == '\0') return std::string();
  const std::string path = std::string(dir) + "/models/" + name;
  std::ifstream probe(path, std::ios::binary);
  return probe ? path : std::string();
}

inline std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                              std::istreambuf_iterator<char>());
}

inline std::string Where(const char* file, int line) {
  std::ostringstream out;
  out << file << ":" << line << ": ";
  return out.str();
}

}  // namespace audioclf_test

#define AUDIOCLF_CONCAT_INNER(a, b) a##b
#define AUDIOCLF_CONCAT(a, b) AUDIOCLF_CONCAT_INNER(a, b)

#define TEST_CASE(name)                                                   \
  static void AUDIOCLF_CONCAT(test_body_, name)();                        \
  static ::audioclf_test::Registrar AUDIOCLF_CONCAT(test_registrar_, name)( \
      #name, &AUDIOCLF_CONCAT(test_body_, name));                         \
  static void AUDIOCLF_CONCAT(test_body_, name)()

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      throw ::audioclf_test::CheckFailure{                                  \
          ::audioclf_test::Where(__FILE__, __LINE__) + "CHECK(" #cond ")"}; \
    }                                                                       \
  } while (0)

#define CHECK_EQ(a, b)                                                        \
  do {                                                                        \
    const auto& check_a_ = (a);                                               \
    const auto& check_b_ = (b);                                               \
    if (!(check_a_ == check_b_)) {                                            \
      std::ostringstream check_out_;                                          \
      check_out_ << ::audioclf_test::Where(__FILE__, __LINE__)                \
                 << "CHECK_EQ(" #a ", " #b ") got " << check_a_ << " vs "     \
                 << check_b_;                                                 \
      throw ::audioclf_test::CheckFailure{check_out_.str()};                  \
    }                                                                         \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                 \
  do {                                                                        \
    const double check_a_ = (a);                                              \
    const double check_b_ = (b);                                              \
    if (!(std::fabs(check_a_ - check_b_) <= (tol))) {                         \
      std::ostringstream check_out_;                                          \
      check_out_ << ::audioclf_test::Where(__FILE__, __LINE__)                \
                 << "CHECK_NEAR(" #a ", " #b ") got " << check_a_ << " vs "   \
                 << check_b_;                                                 \
      throw ::audioclf_test::CheckFailure{check_out_.str()};                  \
    }                                                                         \
  } while (0)

// Checks that `expr` throws audioclf::Error of `error_kind` whose message
// contains `substring`.
#define CHECK_THROWS(expr, error_kind, substring)                             \
  do {                                                                        \
    bool check_threw_ = false;                                                \
    try {                                                                     \
      (void)(expr);                                                           \
    } catch (const ::audioclf::Error& e) {                                    \
      check_threw_ = true;                                                    \
      if (e.kind() != (error_kind) ||                                         \
          std::string(e.what()).find(substring) == std::string::npos) {       \
        throw ::audioclf_test::CheckFailure{                                  \
            ::audioclf_test::Where(__FILE__, __LINE__) +                      \
            "wrong error from " #expr ": " + e.what()};                       \
      }                                                                       \
    }                                                                         \
    if (!check_threw_) {                                                      \
      throw ::audioclf_test::CheckFailure{                                    \
          ::audioclf_test::Where(__FILE__, __LINE__) + #expr " did not throw"}; \
    }                                                                         \
  } while (0)

// Defined once per test executable by including this header with
// AUDIOCLF_TEST_MAIN defined; every test file does so.
#ifdef AUDIOCLF_TEST_MAIN
int main() {
  int failed = 0;
  for (const auto& test : ::audioclf_test::Registry()) {
    try {
      test.body();
      std::printf("[ ok ] %s\n", test.name);
    } catch (const ::audioclf_test::CheckFailure& f) {
      ++failed;
      std::printf("[FAIL] %s: %s\n", test.name, f.message.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("[FAIL] %s: unexpected exception: %s\n", test.name, e.what());
    }
  }
  std::printf("%zu tests, %d failed\n", ::audioclf_test::Registry().size(),
              failed);
  return failed == 0 ? 0 : 1;
}
#endif

#endif  // AUDIOCLF_TESTS_TEST_HARNESS_H_
