#include "runtime/weight_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace audioclf {
namespace {

// From <linux/memfd.h> and <linux/fcntl.h>, for C libraries that lack them.
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif

// XNNPACK refuses descriptor 0 and LiteRT's own streams sit at 0-2.
constexpr int kLowestDescriptor = 3;

// Room the directory must have beyond the packed weights (about the model's
// size): XNNPACK aborts the process if a write to its cache fails.
constexpr size_t kSpareDirBytes = size_t{16} << 20;

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

int MakeMemfd() {
#ifdef SYS_memfd_create
  return static_cast<int>(syscall(SYS_memfd_create, "audioclf-xnnpack-weights",
                                  MFD_CLOEXEC | MFD_ALLOW_SEALING));
#else
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace

std::unique_ptr<XnnpackWeightCache> XnnpackWeightCache::Create(
    const std::string& dir, size_t model_bytes, std::string* why) {
  if (dir.empty()) {
    int fd = MakeMemfd();
    if (fd < 0) {
      *why = Errno("memfd_create");
      return nullptr;
    }
    return std::unique_ptr<XnnpackWeightCache>(new XnnpackWeightCache(fd, true));
  }
  if (dir.find('\0') != std::string::npos) {
    *why = "the directory path contains a NUL byte";
    return nullptr;
  }
#ifdef O_TMPFILE
  // Unnamed from the start: nothing else can open it by a path, and nothing
  // is left behind if the process dies.
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    *why = Errno("cannot create an unnamed file in '" + dir + "'");
    return nullptr;
  }
  struct statvfs fs;
  if (fstatvfs(fd, &fs) != 0) {
    *why = Errno("fstatvfs");
    close(fd);
    return nullptr;
  }
  const unsigned long long free_bytes =
      static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize;
  const unsigned long long needed =
      2ull * static_cast<unsigned long long>(model_bytes) + kSpareDirBytes;
  if (free_bytes < needed) {
    *why = "'" + dir + "' has " + std::to_string(free_bytes >> 20) +
           " MiB free, the cache may need " + std::to_string(needed >> 20);
    close(fd);
    return nullptr;
  }
  return std::unique_ptr<XnnpackWeightCache>(new XnnpackWeightCache(fd, false));
#else
  (void)model_bytes;
  *why = "this system has no O_TMPFILE";
  return nullptr;
#endif
}

XnnpackWeightCache::~XnnpackWeightCache() {
  if (fd_ >= 0) close(fd_);
}

int XnnpackWeightCache::Duplicate() const {
  return fd_ < 0 ? -1 : fcntl(fd_, F_DUPFD_CLOEXEC, kLowestDescriptor);
}

size_t XnnpackWeightCache::size() const {
  struct stat st;
  if (fd_ < 0 || fstat(fd_, &st) != 0 || st.st_size < 0) return 0;
  return static_cast<size_t>(st.st_size);
}

bool XnnpackWeightCache::Freeze(std::string* why) {
  if (frozen_) return true;
  if (size() == 0) {
    *why = "LiteRT wrote nothing to it (this LiteRT build may not know the "
           "CPU option weight_cache_file_descriptor)";
    return false;
  }
  bool sealed = false;
  if (in_memory_) {
    sealed = fcntl(fd_, F_ADD_SEALS,
                   F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0;
  }
  // A read-only descriptor of the same file: XNNPACK maps the cache read-only,
  // and a compile that wanted to rebuild it (truncate, then write) fails and
  // runs without the cache instead of pulling pages from under the models.
  const std::string self = "/proc/self/fd/" + std::to_string(fd_);
  int read_only = open(self.c_str(), O_RDONLY | O_CLOEXEC);
  if (read_only >= 0 && read_only < kLowestDescriptor) {
    int moved = fcntl(read_only, F_DUPFD_CLOEXEC, kLowestDescriptor);
    close(read_only);
    read_only = moved;
  }
  if (read_only >= 0) {
    close(fd_);
    fd_ = read_only;
  } else if (!sealed) {
    *why = Errno("cannot reopen the cache read-only (" + self + ")");
    return false;
  }
  frozen_ = true;
  return true;
}

}  // namespace audioclf
