// Opening the files audioclf reads (models, label files, WAV audio) safely:
// only regular files are accepted, so a FIFO cannot block open() forever and
// a device such as /dev/zero cannot be read without end.
#ifndef AUDIOCLF_REGULAR_FILE_H_
#define AUDIOCLF_REGULAR_FILE_H_

#include <cstdint>
#include <string>

namespace audioclf {

struct OpenedFile {
  int fd = -1;        // read-only; the caller closes it
  uint64_t size = 0;  // bytes, from fstat
};

// Opens `path` for reading if it is a regular file: stat() first, then open
// with O_NONBLOCK (a FIFO swapped in meanwhile cannot block) and fstat the
// descriptor. Throws Error(kInvalidArgument) "<what> '<path>' ..." saying
// what the path is instead (a FIFO, a device, a directory) or why it cannot
// be opened. A path with a NUL byte is rejected too.
OpenedFile OpenRegularFile(const std::string& path, const char* what);

// The whole of a regular file, refused when larger than `max_bytes`.
std::string ReadRegularFile(const std::string& path, const char* what, uint64_t max_bytes);

}  // namespace audioclf

#endif  // AUDIOCLF_REGULAR_FILE_H_
