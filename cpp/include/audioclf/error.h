// Errors raised by the audioclf core.
//
// Every failure is an audioclf::Error carrying a kind, so the Python layer
// can map bad input to ValueError and everything else to RuntimeError
// without parsing messages.
#ifndef AUDIOCLF_ERROR_H_
#define AUDIOCLF_ERROR_H_

#include <stdexcept>
#include <string>

namespace audioclf {

enum class ErrorKind {
  kInvalidArgument,  // the caller's input (file, bytes, option, samples) is bad
  kRuntime,          // the input is fine but something failed underneath
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void ThrowInvalidArgument(const std::string& message) {
  throw Error(ErrorKind::kInvalidArgument, message);
}

[[noreturn]] inline void ThrowRuntimeError(const std::string& message) {
  throw Error(ErrorKind::kRuntime, message);
}

// Rethrows `error` with "<source>: " in front unless its message already
// names the source, so that errors from deep inside a file's processing
// still say which file.
[[noreturn]] inline void RethrowNaming(const Error& error,
                                       const std::string& source) {
  const std::string message = error.what();
  if (message.find(source) != std::string::npos) throw error;
  throw Error(error.kind(), source + ": " + message);
}

}  // namespace audioclf

#endif  // AUDIOCLF_ERROR_H_
