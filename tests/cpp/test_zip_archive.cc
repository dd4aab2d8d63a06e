// Tests for ZipArchive: archives written here by hand (stored entries, raw
// deflate through zlib, ZIP64 records, prepended bytes) and the archives
// appended to the models in ../shared (skipped when absent).
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/zip_archive.h"
#include "test_harness.h"

using audioclf_test::ReadFile;
using audioclf_test::SharedModel;

namespace {

using audioclf::ErrorKind;
using audioclf::ZipArchive;

// ---- a small zip writer -----------------------------------------------------

struct EntrySpec {
  std::string name;
  std::string data;
  uint16_t method = 0;  // 0 stored, 8 deflate
  bool bad_crc = false;
  uint16_t flags = 0;
  std::string local_extra;  // extra bytes in the local header only
};

EntrySpec Spec(const std::string& name, const std::string& data,
               uint16_t method = 0) {
  EntrySpec e;
  e.name = name;
  e.data = data;
  e.method = method;
  return e;
}

struct ZipOptions {
  std::vector<uint8_t> prefix;  // bytes before the archive (the model)
  // Offsets relative to the archive's own start, as Python's zipfile writes
  // when appending; otherwise relative to the start of the file.
  bool zip_relative_offsets = true;
  std::string comment;
  bool zip64 = false;
};

void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void Put32(std::vector<uint8_t>& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v));
  Put16(out, static_cast<uint16_t>(v >> 16));
}
void Put64(std::vector<uint8_t>& out, uint64_t v) {
  Put32(out, static_cast<uint32_t>(v));
  Put32(out, static_cast<uint32_t>(v >> 32));
}
void PutBytes(std::vector<uint8_t>& out, const std::string& s) {
  out.insert(out.end(), s.begin(), s.end());
}
void Patch32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
void Patch16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}

uint32_t Crc(const std::string& data) {
  return static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uInt>(data.size())));
}

// Raw deflate (windowBits -15), as zip entries store it.
std::string RawDeflate(const std::string& data) {
  z_stream s{};
  if (deflateInit2(&s, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::abort();
  }
  std::string out(deflateBound(&s, static_cast<uLong>(data.size())), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(&out[0]);
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

struct BuiltZip {
  std::vector<uint8_t> bytes;
  std::vector<size_t> local_headers;    // absolute positions
  std::vector<size_t> central_headers;  // absolute positions
  size_t eocd = 0;
};

BuiltZip BuildZip(const std::vector<EntrySpec>& entries,
                  const ZipOptions& options = ZipOptions()) {
  BuiltZip zip;
  std::vector<uint8_t>& out = zip.bytes;
  out = options.prefix;
  const uint64_t base =
      options.zip_relative_offsets ? options.prefix.size() : 0;
  std::vector<std::string> stored;
  for (const EntrySpec& e : entries) {
    const std::string body = e.method == 8 ? RawDeflate(e.data) : e.data;
    stored.push_back(body);
    zip.local_headers.push_back(out.size());
    Put32(out, 0x04034b50);
    Put16(out, 20);
    Put16(out, e.flags);
    Put16(out, e.method);
    Put32(out, 0);  // time, date
    Put32(out, Crc(e.data) ^ (e.bad_crc ? 1u : 0u));
    Put32(out, static_cast<uint32_t>(body.size()));
    Put32(out, static_cast<uint32_t>(e.data.size()));
    Put16(out, static_cast<uint16_t>(e.name.size()));
    Put16(out, static_cast<uint16_t>(e.local_extra.size()));
    PutBytes(out, e.name);
    PutBytes(out, e.local_extra);
    PutBytes(out, body);
  }
  const size_t cd_start = out.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    const EntrySpec& e = entries[i];
    zip.central_headers.push_back(out.size());
    const uint64_t offset = zip.local_headers[i] - base;
    Put32(out, 0x02014b50);
    Put16(out, options.zip64 ? 45 : 20);
    Put16(out, options.zip64 ? 45 : 20);
    Put16(out, e.flags);
    Put16(out, e.method);
    Put32(out, 0);
    Put32(out, Crc(e.data) ^ (e.bad_crc ? 1u : 0u));
    const uint32_t marker = 0xffffffff;
    Put32(out,
          options.zip64 ? marker : static_cast<uint32_t>(stored[i].size()));
    Put32(out, options.zip64 ? marker : static_cast<uint32_t>(e.data.size()));
    Put16(out, static_cast<uint16_t>(e.name.size()));
    Put16(out, options.zip64 ? 28 : 0);
    Put16(out, 0);  // comment
    Put16(out, 0);  // disk
    Put16(out, 0);  // internal attributes
    Put32(out, 0);  // external attributes
    Put32(out, options.zip64 ? marker : static_cast<uint32_t>(offset));
    PutBytes(out, e.name);
    if (options.zip64) {
      // ZIP64 extended information: uncompressed, compressed, offset.
      Put16(out, 0x0001);
      Put16(out, 24);
      Put64(out, e.data.size());
      Put64(out, stored[i].size());
      Put64(out, offset);
    }
  }
  const uint64_t cd_size = out.size() - cd_start;
  const uint64_t cd_offset = cd_start - base;
  if (options.zip64) {
    const size_t record = out.size();
    Put32(out, 0x06064b50);
    Put64(out, 44);
    Put16(out, 45);
    Put16(out, 45);
    Put32(out, 0);
    Put32(out, 0);
    Put64(out, entries.size());
    Put64(out, entries.size());
    Put64(out, cd_size);
    Put64(out, cd_offset);
    Put32(out, 0x07064b50);  // locator
    Put32(out, 0);
    Put64(out, record - base);
    Put32(out, 1);
  }
  zip.eocd = out.size();
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, options.zip64 ? 0xffff : static_cast<uint16_t>(entries.size()));
  Put16(out, options.zip64 ? 0xffff : static_cast<uint16_t>(entries.size()));
  Put32(out, options.zip64 ? 0xffffffff : static_cast<uint32_t>(cd_size));
  Put32(out, options.zip64 ? 0xffffffff : static_cast<uint32_t>(cd_offset));
  Put16(out, static_cast<uint16_t>(options.comment.size()));
  PutBytes(out, options.comment);
  return zip;
}

ZipArchive Parse(const std::vector<uint8_t>& bytes) {
  return ZipArchive::Parse(bytes.data(), bytes.size(), "model.tflite");
}

std::vector<EntrySpec> SampleEntries() {
  std::string big;
  for (int i = 0; i < 3000; ++i)
    big += "label number " + std::to_string(i % 17) + "\n";
  return {Spec("labels.txt", "dog\ncat\nbird\n"), Spec("big.txt", big, 8),
          Spec("empty.txt", ""), Spec("empty_deflated.txt", "", 8),
          Spec("fr/étiquettes.txt", "chien\nchat\noiseau\n", 8)};
}

// Parses and reads every entry; true when that throws kInvalidArgument.
bool ParseOrReadThrows(const uint8_t* data, size_t size) {
  try {
    const ZipArchive zip = ZipArchive::Parse(data, size, "fuzz.zip");
    for (const std::string& name : zip.names()) (void)zip.Read(name);
  } catch (const audioclf::Error& e) {
    if (e.kind() != ErrorKind::kInvalidArgument) throw;
    return true;
  }
  return false;
}



size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

}  // namespace

TEST_CASE(reads_stored_and_deflated_entries) {
  const std::vector<EntrySpec> specs = SampleEntries();
  const BuiltZip built = BuildZip(specs);
  CHECK(ZipArchive::HasArchive(built.bytes.data(), built.bytes.size()));
  const ZipArchive zip = Parse(built.bytes);
  const std::vector<std::string> names = zip.names();
  CHECK_EQ(names.size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    CHECK_EQ(names[i], specs[i].name);
    CHECK(zip.Contains(specs[i].name));
    CHECK_EQ(zip.Read(specs[i].name), specs[i].data);
  }
  CHECK(!zip.Contains("missing.txt"));
  CHECK(!zip.Contains("labels"));
  const ZipArchive::Entry& big = zip.entries()[1];
  CHECK_EQ(big.method, 8);
  CHECK_EQ(big.uncompressed_size, specs[1].data.size());
  CHECK(big.compressed_size < big.uncompressed_size / 4);
  CHECK_EQ(big.crc32, Crc(specs[1].data));
  CHECK_EQ(zip.entries()[0].method, 0);
  CHECK_EQ(zip.entries()[0].local_header_offset, 0u);
  CHECK_THROWS(zip.Read("missing.txt"), ErrorKind::kInvalidArgument,
               "model.tflite: zip archive has no entry 'missing.txt'");
}

TEST_CASE(archive_after_other_bytes) {
  // The TFLite metadata writer appends the zip to the model: offsets may be
  // relative to the zip's start (Python's zipfile) or to the file's start.
  ZipOptions options;
  options.prefix.assign(1000, 'x');
  std::memcpy(options.prefix.data() + 4, "TFL3", 4);
  for (bool zip_relative : {true, false}) {
    options.zip_relative_offsets = zip_relative;
    const BuiltZip built = BuildZip(SampleEntries(), options);
    const ZipArchive zip = Parse(built.bytes);
    CHECK_EQ(zip.entries().size(), 5u);
    CHECK_EQ(zip.entries()[0].local_header_offset, 1000u);
    CHECK_EQ(zip.entries()[1].local_header_offset,
             static_cast<uint64_t>(built.local_headers[1]));
    CHECK_EQ(zip.Read("labels.txt"), std::string("dog\ncat\nbird\n"));
    CHECK_EQ(zip.Read("fr/étiquettes.txt"),
             std::string("chien\nchat\noiseau\n"));
  }
}

TEST_CASE(archive_comments) {
  ZipOptions options;
  options.prefix.assign(70000, 'p');
  options.comment = "written by a test";
  BuiltZip built = BuildZip(SampleEntries(), options);
  CHECK(ZipArchive::HasArchive(built.bytes.data(), built.bytes.size()));
  CHECK_EQ(Parse(built.bytes).Read("labels.txt"),
           std::string("dog\ncat\nbird\n"));
  // The longest comment the format allows.
  options.comment.assign(65535, 'c');
  built = BuildZip(SampleEntries(), options);
  CHECK(ZipArchive::HasArchive(built.bytes.data(), built.bytes.size()));
  CHECK_EQ(Parse(built.bytes).Read("big.txt").size(),
           SampleEntries()[1].data.size());
  // One byte more of trailing data puts the record out of reach.
  built.bytes.push_back('!');
  CHECK(!ZipArchive::HasArchive(built.bytes.data(), built.bytes.size()));
  CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
               "no end of central directory record found");
}

TEST_CASE(zip64_records) {
  ZipOptions options;
  options.zip64 = true;
  options.prefix.assign(333, 'z');
  for (bool zip_relative : {true, false}) {
    options.zip_relative_offsets = zip_relative;
    const BuiltZip built = BuildZip(SampleEntries(), options);
    const ZipArchive zip = Parse(built.bytes);
    CHECK_EQ(zip.entries().size(), 5u);
    CHECK_EQ(zip.entries()[1].uncompressed_size,
             SampleEntries()[1].data.size());
    CHECK_EQ(zip.entries()[2].local_header_offset,
             static_cast<uint64_t>(built.local_headers[2]));
    const std::string big = SampleEntries()[1].data;
    CHECK_EQ(zip.Read("big.txt"), big);
    CHECK_EQ(zip.Read("empty.txt"), std::string(""));
  }
  // A ZIP64 extra field too short for the values it must carry.
  options.zip_relative_offsets = true;
  BuiltZip built = BuildZip({Spec("a.txt", "aaa")}, options);
  Patch16(built.bytes, built.central_headers[0] + 46 + 5 + 2, 8);
  CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
               "zip entry 'a.txt': ZIP64 extra field too short");
  // A locator without its record.
  built = BuildZip({Spec("a.txt", "aaa")}, options);
  const size_t record = built.eocd - 20 - 56;
  Patch32(built.bytes, record, 0x12345678);
  CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
               "ZIP64 end of central directory record not found");
}

TEST_CASE(has_archive) {
  CHECK(!ZipArchive::HasArchive(nullptr, 0));
  const std::vector<uint8_t> small(21, 0);
  CHECK(!ZipArchive::HasArchive(small.data(), small.size()));
  std::vector<uint8_t> model(5000, 0x11);
  CHECK(!ZipArchive::HasArchive(model.data(), model.size()));
  CHECK_THROWS(Parse(model), ErrorKind::kInvalidArgument,
               "model.tflite: zip archive: no end of central directory record "
               "found (5000 bytes)");
  // An empty archive is still an archive.
  const BuiltZip empty = BuildZip({});
  CHECK(ZipArchive::HasArchive(empty.bytes.data(), empty.bytes.size()));
  CHECK(Parse(empty.bytes).names().empty());
}

TEST_CASE(rejects_corrupt_entries) {
  {
    std::vector<EntrySpec> specs = SampleEntries();
    specs[0].bad_crc = true;
    const BuiltZip built = BuildZip(specs);  // must outlive the archive
    const ZipArchive zip = Parse(built.bytes);
    CHECK_THROWS(zip.Read("labels.txt"), ErrorKind::kInvalidArgument,
                 "model.tflite: zip entry 'labels.txt': CRC-32 mismatch "
                 "(expected 0x");
    CHECK_EQ(zip.Read("big.txt"), specs[1].data);  // the others still read
    specs[0].bad_crc = false;
    specs[1].bad_crc = true;
    CHECK_THROWS(Parse(BuildZip(specs).bytes).Read("big.txt"),
                 ErrorKind::kInvalidArgument, "CRC-32 mismatch");
  }
  {
    // Compressed size past the end of the data (central directory).
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.central_headers[4] + 20, 0x7fffffff);
    CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
                 "zip entry 'fr/étiquettes.txt': local header offset");
    built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.central_headers[2] + 42, 0x01000000);
    CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
                 "extend past the central directory");
  }
  {
    // Local name/extra lengths pushing the data past the end.
    BuiltZip built = BuildZip(SampleEntries());
    Patch16(built.bytes, built.local_headers[4] + 28, 0xffff);
    CHECK_THROWS(Parse(built.bytes).Read("fr/étiquettes.txt"),
                 ErrorKind::kInvalidArgument, "extend past end of data");
  }
  {
    // Local extra data differs from the central directory's: allowed.
    std::vector<EntrySpec> specs = SampleEntries();
    specs[0].local_extra = std::string(
        "\x99\x99\x04\x00"
        "abcd",
        8);
    CHECK_EQ(Parse(BuildZip(specs).bytes).Read("labels.txt"), specs[0].data);
  }
  {
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.local_headers[1], 0x04034b51);
    CHECK_THROWS(Parse(built.bytes).Read("big.txt"),
                 ErrorKind::kInvalidArgument,
                 "zip entry 'big.txt': bad local header signature 0x04034b51");
  }
  {
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.central_headers[3], 0xdeadbeef);
    CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
                 "bad central directory entry signature 0xdeadbeef");
  }
  {
    BuiltZip built = BuildZip(SampleEntries());
    Patch16(built.bytes, built.central_headers[0] + 10, 12);  // bzip2
    const ZipArchive zip = Parse(built.bytes);
    CHECK_EQ(zip.entries()[0].method, 12);
    CHECK_THROWS(zip.Read("labels.txt"), ErrorKind::kInvalidArgument,
                 "zip entry 'labels.txt': unsupported compression method 12");
  }
  {
    // A stored entry whose two sizes disagree.
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.central_headers[0] + 24, 5);
    CHECK_THROWS(Parse(built.bytes).Read("labels.txt"),
                 ErrorKind::kInvalidArgument,
                 "stored entry has compressed size 13 but uncompressed size 5");
  }
  {
    // Deflate data that lies about its size, either way.
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.central_headers[1] + 24, 100);
    CHECK_THROWS(Parse(built.bytes).Read("big.txt"),
                 ErrorKind::kInvalidArgument,
                 "inflates to more than its declared size of 100 bytes");
    built = BuildZip(SampleEntries());
    const uint32_t real = static_cast<uint32_t>(SampleEntries()[1].data.size());
    Patch32(built.bytes, built.central_headers[1] + 24, real + 10);
    CHECK_THROWS(Parse(built.bytes).Read("big.txt"),
                 ErrorKind::kInvalidArgument,
                 "size mismatch (got " + std::to_string(real) + " bytes");
  }
  {
    // Deflate data cut short (compressed size reduced).
    BuiltZip built = BuildZip(SampleEntries());
    const ZipArchive original = Parse(built.bytes);
    const uint32_t csize =
        static_cast<uint32_t>(original.entries()[1].compressed_size);
    Patch32(built.bytes, built.central_headers[1] + 20, csize / 2);
    CHECK_THROWS(Parse(built.bytes).Read("big.txt"),
                 ErrorKind::kInvalidArgument,
                 "zip entry 'big.txt': truncated deflate data");
  }
  {
    // Garbage in the deflate stream.
    BuiltZip built = BuildZip(SampleEntries());
    const size_t data = built.local_headers[1] + 30 + 7;
    built.bytes[data] = 0xff;  // block type 3 is invalid
    CHECK_THROWS(Parse(built.bytes).Read("big.txt"),
                 ErrorKind::kInvalidArgument,
                 "zip entry 'big.txt': corrupt deflate data");
  }
  {
    std::vector<EntrySpec> specs = {Spec("same.txt", "1"),
                                    Spec("same.txt", "2")};
    CHECK_THROWS(Parse(BuildZip(specs).bytes), ErrorKind::kInvalidArgument,
                 "zip entry 'same.txt': duplicate entry name");
  }
  {
    std::vector<EntrySpec> specs = SampleEntries();
    specs[2].flags = 1;
    CHECK_THROWS(Parse(BuildZip(specs).bytes), ErrorKind::kInvalidArgument,
                 "zip entry 'empty.txt': encrypted entries are not supported");
  }
}

TEST_CASE(rejects_corrupt_directories) {
  {
    // More entries than the central directory can hold.
    BuiltZip built = BuildZip(SampleEntries());
    Patch16(built.bytes, built.eocd + 8, 60000);
    Patch16(built.bytes, built.eocd + 10, 60000);
    CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
                 "cannot hold 60000 entries");
  }
  {
    // A recorded offset beyond where the directory actually is.
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.eocd + 16,
            static_cast<uint32_t>(built.central_headers[0] + 1));
    CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
                 "is past its actual position");
  }
  {
    // A central directory entry whose name runs past the directory.
    BuiltZip built = BuildZip(SampleEntries());
    Patch16(built.bytes, built.central_headers[4] + 28, 0x4000);
    CHECK_THROWS(
        Parse(built.bytes), ErrorKind::kInvalidArgument,
        "central directory entry 4 extends past the central directory");
  }
  {
    // An EOCD claiming a directory larger than the file before it is not a
    // plausible record at all.
    BuiltZip built = BuildZip(SampleEntries());
    Patch32(built.bytes, built.eocd + 12, 0x7fffffff);
    CHECK(!ZipArchive::HasArchive(built.bytes.data(), built.bytes.size()));
    CHECK_THROWS(Parse(built.bytes), ErrorKind::kInvalidArgument,
                 "no end of central directory record found");
  }
}

TEST_CASE(every_truncation_throws) {
  ZipOptions options;
  options.prefix.assign(64, 'm');
  const BuiltZip built = BuildZip(SampleEntries(), options);
  CHECK(!ParseOrReadThrows(built.bytes.data(), built.bytes.size()));
  for (size_t cut = 0; cut < built.bytes.size(); ++cut) {
    const bool threw = ParseOrReadThrows(built.bytes.data(), cut);
    if (!threw) std::printf("cut at %zu parsed\n", cut);
    CHECK(threw);
  }
}

TEST_CASE(random_bytes_and_damage_never_crash) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b(rng() % 400);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    // Plant an end record signature so parsing gets past the search.
    if (b.size() >= 22 && trial % 2 == 0) {
      const size_t at =
          b.size() - 22 - rng() % std::min<size_t>(b.size() - 21, 40);
      Patch32(b, at, 0x06054b50);
      Patch16(b, at + 4, 0);
      Patch16(b, at + 6, 0);
      Patch16(b, at + 20, static_cast<uint16_t>(b.size() - at - 22));
    }
    (void)ZipArchive::HasArchive(b.data(), b.size());
    ParseOrReadThrows(b.data(), b.size());
  }
  const std::vector<EntrySpec> specs = SampleEntries();
  const BuiltZip good = BuildZip(specs);
  int threw = 0;
  for (int trial = 0; trial < 5000; ++trial) {
    std::vector<uint8_t> b = good.bytes;
    // Damage the headers and directory, where the structure is.
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      const size_t at = rng() % 2
                            ? good.central_headers[0] +
                                  rng() % (b.size() - good.central_headers[0])
                            : rng() % b.size();
      b[at] = static_cast<uint8_t>(rng());
    }
    if (ParseOrReadThrows(b.data(), b.size())) ++threw;
  }
  CHECK(threw > 500);
}

TEST_CASE(shared_yamnet_labels) {
  const std::string path =
      SharedModel("yamnet_audio_classifier_with_metadata.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared yamnet model not found\n");
    return;
  }
  const std::vector<uint8_t> bytes = ReadFile(path);
  CHECK(ZipArchive::HasArchive(bytes.data(), bytes.size()));
  const ZipArchive zip = ZipArchive::Parse(bytes.data(), bytes.size(), path);
  const std::vector<std::string> names = zip.names();
  CHECK_EQ(names.size(), 1u);
  CHECK_EQ(names[0], std::string("yamnet_label_list.txt"));
  CHECK_EQ(zip.entries()[0].method, 0);
  CHECK_EQ(zip.entries()[0].local_header_offset, 4120440u);
  const std::string labels = zip.Read("yamnet_label_list.txt");
  CHECK_EQ(labels.size(), 6230u);
  CHECK_EQ(CountLines(labels), 521u);
  CHECK_EQ(labels.substr(0, 7), std::string("Speech\n"));
  const char* dir = std::getenv("AUDIOCLF_SHARED_DIR");
  const std::vector<uint8_t> reference =
      ReadFile(std::string(dir) + "/models/yamnet_521_labels.txt");
  CHECK_EQ(labels, std::string(reference.begin(), reference.end()));

  // Cuts inside the archive: the end record is gone or the data is short.
  for (size_t cut = 4120440; cut < bytes.size(); cut += 97) {
    CHECK(ParseOrReadThrows(bytes.data(), cut));
  }
}

TEST_CASE(shared_two_heads_labels) {
  const std::string path = SharedModel("two_heads.tflite");
  if (path.empty()) {
    std::printf("skipped: ../shared two_heads model not found\n");
    return;
  }
  const std::vector<uint8_t> bytes = ReadFile(path);
  const ZipArchive zip = ZipArchive::Parse(bytes.data(), bytes.size(), path);
  const std::vector<std::string> names = zip.names();
  const std::vector<std::string> expected = {
      "loudness_en.txt", "loudness_fr.txt", "loudness_calibration.txt",
      "sound_type_en.txt", "sound_type_fr.txt"};
  CHECK_EQ(names.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) CHECK_EQ(names[i], expected[i]);
  CHECK_EQ(zip.Read("loudness_fr.txt"), std::string("calme\nmodéré\nfort\n"));
  CHECK_EQ(CountLines(zip.Read("sound_type_en.txt")), 4u);
}

TEST_CASE(bombs_are_refused_before_inflating) {
  {
    // Over the entry cap: refused from the declared size alone.
    const BuiltZip built = BuildZip({Spec("big.txt", std::string((16u << 20) + 1, 'a'), 8)});
    CHECK_THROWS(Parse(built.bytes).Read("big.txt"), ErrorKind::kInvalidArgument,
                 "model.tflite: zip entry 'big.txt': uncompressed size 16777217 bytes is more "
                 "than the limit of 16777216");
  }
  {
    // 2 MiB of newlines deflate about 1000:1.
    const BuiltZip built = BuildZip({Spec("labels.txt", std::string(2u << 20, '\n'), 8)});
    CHECK(built.bytes.size() < 20000);
    CHECK_THROWS(Parse(built.bytes).Read("labels.txt"), ErrorKind::kInvalidArgument,
                 "zip entry 'labels.txt': ");
    CHECK_THROWS(Parse(built.bytes).Read("labels.txt"), ErrorKind::kInvalidArgument,
                 "a ratio above the limit of 100:1");
  }
  {
    // A lying (small) declared size still stops the inflation there.
    BuiltZip built = BuildZip({Spec("x.txt", std::string(1u << 20, 'x'), 8)});
    Patch32(built.bytes, built.central_headers[0] + 24, 1000);
    CHECK_THROWS(Parse(built.bytes).Read("x.txt"), ErrorKind::kInvalidArgument,
                 "inflates to more than its declared size of 1000 bytes");
  }
  // Below the ratio floor a highly compressible entry is fine.
  const BuiltZip small = BuildZip({Spec("s.txt", std::string(100000, '\n'), 8)});
  CHECK_EQ(Parse(small.bytes).Read("s.txt").size(), 100000u);
}

TEST_CASE(entry_names_that_are_not_utf8_are_escaped_in_messages) {
  std::vector<EntrySpec> specs = {Spec("caf\xe9\n.txt", "data")};
  specs[0].bad_crc = true;
  const BuiltZip built = BuildZip(specs);
  CHECK_THROWS(Parse(built.bytes).Read("caf\xe9\n.txt"), ErrorKind::kInvalidArgument,
               "zip entry 'caf\\xE9\\x0A.txt': CRC-32 mismatch");
  CHECK_THROWS(Parse(built.bytes).Read("n\xff"), ErrorKind::kInvalidArgument,
               "zip archive has no entry 'n\\xFF'");
}
