// Tests for the bounds-checked flatbuffer reader, on buffers assembled here.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/flatbuffer_reader.h"
#include "flatbuffer_test_builder.h"
#include "test_harness.h"

namespace {

using audioclf::ErrorKind;
using audioclf::flatbuffer::Reader;
using audioclf::flatbuffer::Table;
using audioclf::flatbuffer::Vector;

// A test schema covering every kind of field:
//   table Item { label:string; weights:[float]; }
//   table Child { delta:short; ratio:double; }
//   table Rate { hz:uint; }
//   union Payload { Other, Rate }   (Rate = 2)
//   table Root {
//     version:uint;          // 0
//     name:string;           // 1
//     child:Child;           // 2
//     values:[int];          // 3
//     items:[Item];          // 4
//     tags:[string];         // 5
//     payload:Payload;       // 6 (type), 7 (value)
//     flag:bool;             // 8
//     big:long;              // 9
//     gain:float;            // 10
//     unused:int (deprecated); // 11
//     small:byte;            // 12
//   }
std::vector<uint8_t> BuildSample() {
  fbtest::Table item0;
  item0.String(0, "first").Scalars<float>(1, {0.5f, -1.0f});
  fbtest::Table item1;
  item1.String(0, "second").Scalars<float>(1, {1234.5f, 42.25f});
  fbtest::Table child;
  child.Scalar<int16_t>(0, -5).Scalar<double>(1, 2.5);
  fbtest::Table rate;
  rate.Scalar<uint32_t>(0, 16000);
  fbtest::Table root;
  root.Scalar<uint32_t>(0, 3)
      .String(1, "sample")
      .Sub(2, child)
      .Scalars<int32_t>(3, {7, -8, 0x7eadbeef})
      .Tables(4, {item0, item1})
      .Strings(5, {"alpha", "", "gamma"})
      .Union(6, 2, rate)
      .Scalar<uint8_t>(8, 1)
      .Scalar<int64_t>(9, -1234567890123LL)
      .Scalar<float>(10, 0.75f)
      .Scalar<int8_t>(12, -3);
  return fbtest::Finish(root, "TST1");
}

// Reads every field of the sample schema; what truncation and fuzzing use.
void ReadAll(const Reader& reader) {
  const Table root = reader.Root();
  (void)root.Scalar<uint32_t>(0, "version");
  (void)root.String(1, "name");
  if (auto child = root.SubTable(2, "child")) {
    (void)child->Scalar<int16_t>(0, "delta");
    (void)child->Scalar<double>(1, "ratio");
  }
  (void)root.ScalarVector<int32_t>(3, "values");
  for (const Table& item : root.TableVector(4, "items")) {
    (void)item.String(0, "label");
    (void)item.ScalarVector<float>(1, "weights");
  }
  (void)root.StringVector(5, "tags");
  const Table::Union payload = root.UnionField(6, "payload");
  if (payload.value) (void)payload.value->Scalar<uint32_t>(0, "hz");
  (void)root.Scalar<bool>(8, "flag");
  (void)root.Scalar<int64_t>(9, "big");
  (void)root.Scalar<float>(10, "gain");
  (void)root.Scalar<int8_t>(12, "small");
}

void PutU32(std::vector<uint8_t>& bytes, size_t at, uint32_t value) {
  std::memcpy(bytes.data() + at, &value, 4);
}

std::vector<uint8_t> FloatBytes(float value) {
  return fbtest::LittleEndianBytes(value);
}

}  // namespace

TEST_CASE(reads_every_field_kind) {
  const std::vector<uint8_t> bytes = BuildSample();
  Reader reader(bytes.data(), bytes.size(), "sample.bin");
  CHECK_EQ(reader.FileIdentifier(), std::string("TST1"));
  reader.RequireFileIdentifier("TST1", "test buffer");
  const Table root = reader.Root();
  CHECK_EQ(root.path(), std::string(""));
  CHECK_EQ(root.Scalar<uint32_t>(0, "version"), 3u);
  const std::optional<std::string> name = root.String(1, "name");
  CHECK(name.has_value());
  CHECK_EQ(*name, std::string("sample"));

  const std::optional<Table> child = root.SubTable(2, "child");
  CHECK(child.has_value());
  CHECK_EQ(child->path(), std::string("child"));
  CHECK_EQ(child->Scalar<int16_t>(0, "delta"), -5);
  CHECK_EQ(child->Scalar<double>(1, "ratio"), 2.5);

  const std::vector<int32_t> values = root.ScalarVector<int32_t>(3, "values");
  CHECK_EQ(values.size(), 3u);
  CHECK_EQ(values[0], 7);
  CHECK_EQ(values[1], -8);
  CHECK_EQ(values[2], 0x7eadbeef);

  const std::vector<Table> items = root.TableVector(4, "items");
  CHECK_EQ(items.size(), 2u);
  CHECK_EQ(items[1].path(), std::string("items[1]"));
  CHECK_EQ(items[0].StringOr(0, "label"), std::string("first"));
  CHECK_EQ(items[1].StringOr(0, "label"), std::string("second"));
  const std::vector<float> weights = items[1].ScalarVector<float>(1, "weights");
  CHECK_EQ(weights.size(), 2u);
  CHECK_EQ(weights[0], 1234.5f);
  CHECK_EQ(weights[1], 42.25f);

  const std::vector<std::string> tags = root.StringVector(5, "tags");
  CHECK_EQ(tags.size(), 3u);
  CHECK_EQ(tags[0], std::string("alpha"));
  CHECK_EQ(tags[1], std::string(""));
  CHECK_EQ(tags[2], std::string("gamma"));

  const Table::Union payload = root.UnionField(6, "payload");
  CHECK_EQ(static_cast<int>(payload.type), 2);
  CHECK(payload.value.has_value());
  CHECK_EQ(payload.value->Scalar<uint32_t>(0, "hz"), 16000u);

  CHECK_EQ(root.Scalar<bool>(8, "flag"), true);
  CHECK_EQ(root.Scalar<int64_t>(9, "big"), -1234567890123LL);
  CHECK_EQ(root.Scalar<float>(10, "gain"), 0.75f);
  CHECK_EQ(static_cast<int>(root.Scalar<int8_t>(12, "small")), -3);

  // The lazy vector view agrees with the eager forms.
  const std::optional<Vector> v = root.VectorField(3, "values", 4);
  CHECK(v.has_value());
  CHECK_EQ(v->size(), 3u);
  CHECK_EQ(v->ScalarAt<int32_t>(1), -8);
  CHECK_EQ(v->path(), std::string("values"));
  int32_t first = 0;
  std::memcpy(&first, v->data(), 4);
  CHECK_EQ(first, 7);
}

TEST_CASE(absent_fields_read_as_defaults) {
  const std::vector<uint8_t> bytes = BuildSample();
  Reader reader(bytes.data(), bytes.size(), "sample.bin");
  const Table root = reader.Root();
  // Id 11 is inside the vtable but not stored; ids 13+ are past its end.
  CHECK(!root.Has(11));
  CHECK(root.Has(12));
  CHECK(!root.Has(40));
  CHECK(!root.Has(-1));
  CHECK_EQ(root.Scalar<int32_t>(11, "unused", 99), 99);
  CHECK_EQ(root.Scalar<uint64_t>(13, "future", 17u), 17u);
  CHECK(!root.String(13, "future_string").has_value());
  CHECK_EQ(root.StringOr(13, "future_string", "fallback"),
           std::string("fallback"));
  CHECK(!root.SubTable(13, "future_table").has_value());
  CHECK(!root.VectorField(13, "future_vector", 4).has_value());
  CHECK(root.ScalarVector<float>(13, "future_vector").empty());
  CHECK(root.TableVector(13, "future_tables").empty());
  const Table::Union none = root.UnionField(13, "future_union");
  CHECK_EQ(static_cast<int>(none.type), 0);
  CHECK(!none.value.has_value());
}

TEST_CASE(reads_unaligned_buffers) {
  // The same bytes at an odd address: loads must not assume alignment.
  const std::vector<uint8_t> bytes = BuildSample();
  std::vector<uint8_t> shifted(bytes.size() + 3);
  std::memcpy(shifted.data() + 3, bytes.data(), bytes.size());
  Reader reader(shifted.data() + 3, bytes.size(), "shifted.bin");
  const Table root = reader.Root();
  CHECK_EQ(root.Scalar<int64_t>(9, "big"), -1234567890123LL);
  CHECK_EQ(root.SubTable(2, "child")->Scalar<double>(1, "ratio"), 2.5);
  const std::vector<float> weights =
      root.TableVector(4, "items")[1].ScalarVector<float>(1, "weights");
  CHECK_EQ(weights.size(), 2u);
  CHECK_EQ(weights[0], 1234.5f);
  ReadAll(reader);
}

TEST_CASE(file_identifier_errors) {
  const std::vector<uint8_t> bytes = BuildSample();
  Reader reader(bytes.data(), bytes.size(), "sample.bin");
  CHECK_THROWS(reader.RequireFileIdentifier("TFL3", "TFLite model"),
               ErrorKind::kInvalidArgument,
               "sample.bin: not a TFLite model (file identifier is 'TST1', "
               "expected 'TFL3')");
  const uint8_t weird[8] = {0, 0, 0, 0, 'a', 0x01, '\'', 0xff};
  Reader weird_reader(weird, sizeof(weird), "weird.bin");
  CHECK_THROWS(weird_reader.RequireFileIdentifier("TFL3", "TFLite model"),
               ErrorKind::kInvalidArgument,
               "file identifier is 'a\\x01\\x27\\xff'");
  Reader tiny(bytes.data(), 3, "tiny.bin");
  CHECK_EQ(tiny.FileIdentifier(), std::string(""));
  CHECK_THROWS(tiny.RequireFileIdentifier("TFL3", "TFLite model"),
               ErrorKind::kInvalidArgument, "3 bytes is too small");
}

TEST_CASE(empty_and_tiny_buffers_throw) {
  Reader empty(nullptr, 0, "empty.bin");
  CHECK_THROWS(
      empty.Root(), ErrorKind::kInvalidArgument,
      "empty.bin: root offset extends past end of buffer (offset 0, size 0)");
  const uint8_t three[3] = {1, 2, 3};
  Reader small(three, sizeof(three), "three.bin");
  CHECK_THROWS(small.Root(), ErrorKind::kInvalidArgument, "root offset");
  // A root offset past the end.
  const uint8_t past[8] = {0x00, 0x01, 0x00, 0x00, 'T', 'S', 'T', '1'};
  Reader past_reader(past, sizeof(past), "past.bin");
  CHECK_THROWS(past_reader.Root(), ErrorKind::kInvalidArgument,
               "table extends past end of buffer (offset 256, size 8)");
}

TEST_CASE(bad_vtables_throw) {
  std::vector<uint8_t> bytes = BuildSample();
  uint32_t root = 0;
  std::memcpy(&root, bytes.data(), 4);
  {
    // soffset pointing before the buffer start.
    std::vector<uint8_t> b = bytes;
    PutU32(b, root, static_cast<uint32_t>(root + 100));
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(r.Root(), ErrorKind::kInvalidArgument,
                 "vtable offset out of range");
  }
  {
    // soffset pointing after the buffer end.
    std::vector<uint8_t> b = bytes;
    PutU32(b, root, static_cast<uint32_t>(-static_cast<int32_t>(b.size())));
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(r.Root(), ErrorKind::kInvalidArgument, "vtable");
  }
  int32_t soffset = 0;
  std::memcpy(&soffset, bytes.data() + root, 4);
  const size_t vtable = root - soffset;
  {
    std::vector<uint8_t> b = bytes;
    b[vtable] = 3;  // odd vtable size
    b[vtable + 1] = 0;
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(r.Root(), ErrorKind::kInvalidArgument,
                 "invalid vtable size 3");
  }
  {
    std::vector<uint8_t> b = bytes;
    b[vtable] = 0xfe;  // vtable larger than the buffer
    b[vtable + 1] = 0xff;
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(r.Root(), ErrorKind::kInvalidArgument,
                 "vtable extends past end");
  }
  {
    std::vector<uint8_t> b = bytes;
    b[vtable + 2] = 0xf0;  // inline table size past the buffer
    b[vtable + 3] = 0xff;
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(r.Root(), ErrorKind::kInvalidArgument,
                 "table extends past end");
  }
  {
    // A field entry pointing outside the table's inline bytes.
    std::vector<uint8_t> b = bytes;
    b[vtable + 4] = 0xf0;  // field 0 (version)
    b[vtable + 5] = 0x00;
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(
        r.Root().Scalar<uint32_t>(0, "version"), ErrorKind::kInvalidArgument,
        "b.bin: version: field lies outside its table (field offset 240");
  }
  {
    // A field entry overlapping the soffset.
    std::vector<uint8_t> b = bytes;
    b[vtable + 4] = 2;
    b[vtable + 5] = 0;
    Reader r(b.data(), b.size(), "b.bin");
    CHECK_THROWS(r.Root().Scalar<uint32_t>(0, "version"),
                 ErrorKind::kInvalidArgument, "field lies outside its table");
  }
}

TEST_CASE(bad_strings_and_vectors_name_their_path) {
  const std::vector<uint8_t> bytes = BuildSample();
  {
    // items[1].weights: a length far beyond the buffer.
    std::vector<uint8_t> b = bytes;
    const size_t at = fbtest::FindBytes(b, FloatBytes(1234.5f));
    CHECK(at != std::string::npos);
    PutU32(b, at - 4, 0x40000000u);
    Reader r(b.data(), b.size(), "model.bin");
    const Table item = r.Root().TableVector(4, "items")[1];
    CHECK_THROWS(item.ScalarVector<float>(1, "weights"),
                 ErrorKind::kInvalidArgument,
                 "model.bin: items[1].weights: vector of 1073741824 x 4-byte "
                 "elements extends past end of buffer (offset " +
                     std::to_string(at - 4) + ", size " +
                     std::to_string(b.size()) + ")");
  }
  {
    // A count whose byte size overflows 32 bits must not wrap around.
    std::vector<uint8_t> b = bytes;
    const size_t at = fbtest::FindBytes(b, FloatBytes(1234.5f));
    PutU32(b, at - 4, 0xffffffffu);
    Reader r(b.data(), b.size(), "model.bin");
    CHECK_THROWS(
        r.Root().TableVector(4, "items")[1].ScalarVector<float>(1, "weights"),
        ErrorKind::kInvalidArgument, "vector of 4294967295");
  }
  {
    std::vector<uint8_t> b = bytes;
    const size_t at = fbtest::FindString(b, "gamma");
    PutU32(b, at - 4, 5000);
    Reader r(b.data(), b.size(), "model.bin");
    CHECK_THROWS(r.Root().StringVector(5, "tags"), ErrorKind::kInvalidArgument,
                 "model.bin: tags[2]: string of 5000 bytes extends past end");
  }
  {
    std::vector<uint8_t> b = bytes;
    const size_t at = fbtest::FindString(b, "sample");
    b[at + 6] = 'X';  // overwrite the terminator
    Reader r(b.data(), b.size(), "model.bin");
    CHECK_THROWS(r.Root().String(1, "name"), ErrorKind::kInvalidArgument,
                 "model.bin: name: string is not null-terminated");
  }
  {
    // The uoffset to `child` pointing past the end.
    std::vector<uint8_t> b = bytes;
    Reader clean(b.data(), b.size(), "model.bin");
    const size_t root = clean.Root().offset();
    uint32_t soffset = 0;
    std::memcpy(&soffset, b.data() + root, 4);
    const size_t vtable = root - static_cast<int32_t>(soffset);
    uint16_t field = 0;
    std::memcpy(&field, b.data() + vtable + 4 + 2 * 2, 2);
    PutU32(b, root + field, 0x10000000u);
    Reader r(b.data(), b.size(), "model.bin");
    CHECK_THROWS(r.Root().SubTable(2, "child"), ErrorKind::kInvalidArgument,
                 "model.bin: child: offset points past end of buffer");
  }
  {
    Reader r(bytes.data(), bytes.size(), "model.bin");
    const std::optional<Vector> v = r.Root().VectorField(3, "values", 4);
    CHECK_THROWS(
        v->ScalarAt<int32_t>(3), ErrorKind::kInvalidArgument,
        "model.bin: values: index 3 out of range (vector has 3 elements)");
    CHECK_THROWS(v->ScalarAt<int64_t>(0), ErrorKind::kInvalidArgument,
                 "element of 4 bytes read as 8 bytes");
  }
}

TEST_CASE(every_truncation_throws) {
  // The builder ends the buffer with the last object ReadAll reads, so every
  // cut removes bytes the reader needs.
  const std::vector<uint8_t> bytes = BuildSample();
  {
    Reader whole(bytes.data(), bytes.size(), "whole");
    ReadAll(whole);
  }
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Reader reader(bytes.data(), cut, "cut");
    bool threw = false;
    try {
      ReadAll(reader);
    } catch (const audioclf::Error& e) {
      threw = e.kind() == ErrorKind::kInvalidArgument;
    }
    if (!threw) std::printf("cut at %zu did not throw\n", cut);
    CHECK(threw);
  }
}

TEST_CASE(random_damage_throws_or_parses) {
  // Damaged buffers must fail cleanly (sanitizer builds check the "never
  // crash" half); a flipped byte may also leave a valid buffer.
  const std::vector<uint8_t> bytes = BuildSample();
  std::mt19937 rng(1234);
  int threw = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      b[rng() % b.size()] = static_cast<uint8_t>(rng());
    }
    Reader reader(b.data(), b.size(), "fuzz");
    try {
      ReadAll(reader);
    } catch (const audioclf::Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidArgument);
      ++threw;
    }
  }
  CHECK(threw > 1000);  // the damage is mostly detected
}

TEST_CASE(random_bytes_throw_or_parse) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 20000; ++trial) {
    std::vector<uint8_t> b(rng() % 300);
    for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
    // Small root offsets make the walk go further than random ones.
    if (b.size() >= 4 && trial % 2 == 0) {
      PutU32(b, 0, static_cast<uint32_t>(rng() % b.size()));
    }
    Reader reader(b.data(), b.size(), "random");
    try {
      ReadAll(reader);
    } catch (const audioclf::Error& e) {
      CHECK(e.kind() == ErrorKind::kInvalidArgument);
    }
  }
}
