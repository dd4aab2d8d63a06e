// Tests for OpenRegularFile / ReadRegularFile (only regular files, bounded
// sizes) and for the text helpers that keep messages valid UTF-8.
#include "audioclf/regular_file.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "audioclf/text.h"
#include "test_harness.h"

using audioclf::ErrorKind;
using audioclf::FindInvalidUtf8;
using audioclf::OpenRegularFile;
using audioclf::Printable;
using audioclf::ReadRegularFile;

namespace {

std::string TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "audioclf_file_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw audioclf_test::CheckFailure{"mkdtemp failed"};
  return pattern;
}

}  // namespace

TEST_CASE(reads_regular_files_within_the_limit) {
  const std::string dir = TempDir();
  const std::string path = dir + "/labels.txt";
  std::ofstream(path) << "a\nb\n";
  CHECK_EQ(ReadRegularFile(path, "label file", 4), std::string("a\nb\n"));
  CHECK_THROWS(ReadRegularFile(path, "label file", 3), ErrorKind::kInvalidArgument,
               "label file '" + path + "' has 4 bytes, more than the limit of 3");
  const audioclf::OpenedFile opened = OpenRegularFile(path, "x");
  CHECK_EQ(opened.size, 4u);
  CHECK(opened.fd >= 0);
  close(opened.fd);
  std::filesystem::remove_all(dir);
}

TEST_CASE(refuses_what_is_not_a_regular_file) {
  const std::string dir = TempDir();
  const std::string fifo = dir + "/pipe";
  CHECK(mkfifo(fifo.c_str(), 0600) == 0);
  // Would block forever in open() if it were opened.
  CHECK_THROWS(ReadRegularFile(fifo, "model file", 100), ErrorKind::kInvalidArgument,
               "model file '" + fifo + "' is a FIFO (named pipe), not a regular file");
  CHECK_THROWS(ReadRegularFile("/dev/zero", "label file", 100), ErrorKind::kInvalidArgument,
               "label file '/dev/zero' is a character device, not a regular file");
  CHECK_THROWS(ReadRegularFile(dir, "model file", 100), ErrorKind::kInvalidArgument,
               "is a directory, not a regular file");
  CHECK_THROWS(ReadRegularFile(dir + "/absent", "model file", 100), ErrorKind::kInvalidArgument,
               "model file '" + dir + "/absent' cannot be opened: No such file or directory");
  CHECK_THROWS(ReadRegularFile(std::string("a\0b", 3), "model file", 100),
               ErrorKind::kInvalidArgument, "model file path contains a NUL byte");
  std::filesystem::remove_all(dir);
}

TEST_CASE(utf8_validation_and_escaping) {
  CHECK_EQ(FindInvalidUtf8("plain"), 5u);
  CHECK_EQ(FindInvalidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xa6"), 9u);  // é € 🐦
  CHECK_EQ(FindInvalidUtf8("ab\xe9"), 2u);                            // Latin-1 é
  CHECK_EQ(FindInvalidUtf8("\xc0\xaf"), 0u);                          // overlong
  CHECK_EQ(FindInvalidUtf8("\xed\xa0\x80"), 0u);                      // surrogate
  CHECK_EQ(FindInvalidUtf8("\xf4\x90\x80\x80"), 0u);                  // > U+10FFFF
  CHECK_EQ(FindInvalidUtf8("x\xe2\x82"), 1u);                         // cut short
  CHECK_EQ(Printable("caf\xc3\xa9"), std::string("caf\xc3\xa9"));
  CHECK_EQ(Printable("caf\xe9\n\x7f"), std::string("caf\\xE9\\x0A\\x7F"));
}
