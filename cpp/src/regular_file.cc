#include "audioclf/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "audioclf/error.h"

namespace audioclf {
namespace {

const char* Kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string Name(const std::string& path, const char* what) {
  return std::string(what) + " '" + path + "'";
}

[[noreturn]] void FailNotRegular(const std::string& path, const char* what, mode_t mode) {
  ThrowInvalidArgument(Name(path, what) + " is " + Kind(mode) + ", not a regular file");
}

[[noreturn]] void FailOpen(const std::string& path, const char* what, int err) {
  ThrowInvalidArgument(Name(path, what) + " cannot be opened: " + std::strerror(err));
}

}  // namespace

OpenedFile OpenRegularFile(const std::string& path, const char* what) {
  if (path.find('\0') != std::string::npos) {
    ThrowInvalidArgument(std::string(what) + " path contains a NUL byte");
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) FailOpen(path, what, errno);
  if (!S_ISREG(st.st_mode)) FailNotRegular(path, what, st.st_mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) FailOpen(path, what, errno);
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    FailOpen(path, what, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    FailNotRegular(path, what, st.st_mode);
  }
  // Regular files ignore O_NONBLOCK; clear it anyway so reads are plain.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return OpenedFile{fd, static_cast<uint64_t>(st.st_size)};
}

std::string ReadRegularFile(const std::string& path, const char* what, uint64_t max_bytes) {
  const OpenedFile file = OpenRegularFile(path, what);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{file.fd};
  if (file.size > max_bytes) {
    ThrowInvalidArgument(Name(path, what) + " has " + std::to_string(file.size) +
                         " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::string contents(static_cast<size_t>(file.size), '\0');
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t got = ::read(file.fd, &contents[done], contents.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      ThrowRuntimeError("error reading " + Name(path, what) + ": " + std::strerror(errno));
    }
    if (got == 0) break;  // shrank since fstat: keep what is there
    done += static_cast<size_t>(got);
  }
  contents.resize(done);
  return contents;
}

}  // namespace audioclf
