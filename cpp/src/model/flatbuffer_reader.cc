#include "audioclf/model/flatbuffer_reader.h"

#include <cstdio>
#include <string>
#include <utility>

#include "audioclf/error.h"

namespace audioclf {
namespace flatbuffer {

namespace detail {

std::string JoinPath(const std::string& parent, const std::string& child) {
  if (parent.empty()) return child;
  return parent + "." + child;
}

std::string IndexPath(const std::string& vector_path, size_t index) {
  return vector_path + "[" + std::to_string(index) + "]";
}

}  // namespace detail

namespace {

// Printable form of an identifier that may hold arbitrary bytes.
std::string Printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

std::string Where(size_t offset, size_t size) {
  return " (offset " + std::to_string(offset) + ", size " +
         std::to_string(size) + ")";
}

}  // namespace

// ---- Reader ---------------------------------------------------------------

Reader::Reader(const uint8_t* data, size_t size, std::string source)
    : data_(size == 0 ? nullptr : data),
      size_(data == nullptr ? 0 : size),
      source_(std::move(source)) {}

std::string Reader::FileIdentifier() const {
  if (size_ < 8) return std::string();
  return std::string(reinterpret_cast<const char*>(data_ + 4), 4);
}

void Reader::RequireFileIdentifier(const char* expected,
                                   const char* what) const {
  if (size_ < 8) {
    Fail("", std::string("not a ") + what + " (" + std::to_string(size_) +
                 " bytes is too small to hold a flatbuffer header)");
  }
  const std::string id = FileIdentifier();
  if (id != expected) {
    Fail("", std::string("not a ") + what + " (file identifier is '" +
                 Printable(id) + "', expected '" + expected + "')");
  }
}

Table Reader::Root() const {
  const uint32_t root = ReadAt<uint32_t>(0, "", "root offset");
  return Table(this, root, "");
}

void Reader::RequireRange(size_t offset, size_t length, const std::string& path,
                          const char* what) const {
  // Written so that neither side can overflow.
  if (offset > size_ || length > size_ - offset) {
    Fail(path, std::string(what) + " extends past end of buffer" +
                   Where(offset, size_));
  }
}

void Reader::Fail(const std::string& path, const std::string& message) const {
  std::string full = source_ + ": ";
  if (!path.empty()) full += path + ": ";
  full += message;
  ThrowInvalidArgument(full);
}

std::string ReadStringAt(const Reader& reader, size_t offset,
                         const std::string& path) {
  const uint32_t length = reader.ReadAt<uint32_t>(offset, path, "string");
  // Length, bytes and the NUL terminator must all be inside the buffer.
  const size_t start = offset + 4;
  if (length >= reader.size() - start) {
    reader.Fail(path, "string of " + std::to_string(length) +
                          " bytes extends past end of buffer" +
                          Where(offset, reader.size()));
  }
  if (reader.data()[start + length] != 0) {
    reader.Fail(path,
                "string is not null-terminated" + Where(offset, reader.size()));
  }
  return std::string(reinterpret_cast<const char*>(reader.data() + start),
                     length);
}

// ---- Table ----------------------------------------------------------------

Table::Table(const Reader* reader, size_t offset, std::string path)
    : reader_(reader),
      offset_(offset),
      vtable_offset_(0),
      vtable_size_(0),
      table_size_(0),
      path_(std::move(path)) {
  const std::string& where = path_.empty() ? std::string("root table") : path_;
  const int32_t soffset = reader_->ReadAt<int32_t>(offset_, where, "table");
  // The vtable lies at table - soffset; it may be before or after the table.
  const int64_t vtable = static_cast<int64_t>(offset_) - soffset;
  if (vtable < 0 || static_cast<uint64_t>(vtable) > reader_->size()) {
    reader_->Fail(where, "vtable offset out of range (table at " +
                             std::to_string(offset_) + ", vtable at " +
                             std::to_string(vtable) + ", size " +
                             std::to_string(reader_->size()) + ")");
  }
  vtable_offset_ = static_cast<size_t>(vtable);
  vtable_size_ = reader_->ReadAt<uint16_t>(vtable_offset_, where, "vtable");
  if (vtable_size_ < 4 || vtable_size_ % 2 != 0) {
    reader_->Fail(where, "invalid vtable size " + std::to_string(vtable_size_) +
                             Where(vtable_offset_, reader_->size()));
  }
  reader_->RequireRange(vtable_offset_, vtable_size_, where, "vtable");
  table_size_ =
      detail::LoadLittleEndian<uint16_t>(reader_->data() + vtable_offset_ + 2);
  if (table_size_ < 4) {
    reader_->Fail(where, "invalid table size " + std::to_string(table_size_) +
                             Where(offset_, reader_->size()));
  }
  reader_->RequireRange(offset_, table_size_, where, "table");
}

bool Table::Has(int field_id) const {
  if (field_id < 0) return false;
  const size_t slot = 4 + 2 * static_cast<size_t>(field_id);
  if (slot + 2 > vtable_size_) return false;
  return detail::LoadLittleEndian<uint16_t>(reader_->data() + vtable_offset_ +
                                            slot) != 0;
}

size_t Table::FieldOffset(int field_id, const char* name, size_t size) const {
  if (field_id < 0) return kAbsent;
  const size_t slot = 4 + 2 * static_cast<size_t>(field_id);
  // Fields newer than the writer's schema are absent from shorter vtables.
  if (slot + 2 > vtable_size_) return kAbsent;
  const uint16_t field = detail::LoadLittleEndian<uint16_t>(
      reader_->data() + vtable_offset_ + slot);
  if (field == 0) return kAbsent;
  // Offsets 0..3 would overlap the table's own soffset.
  if (field < 4 || size > table_size_ || field > table_size_ - size) {
    Fail(name, "field lies outside its table (field offset " +
                   std::to_string(field) + ", table size " +
                   std::to_string(table_size_) + ")");
  }
  return offset_ + field;
}

size_t Table::FieldTarget(int field_id, const char* name) const {
  const size_t at = FieldOffset(field_id, name, 4);
  if (at == kAbsent) return kAbsent;
  const uint32_t relative =
      detail::LoadLittleEndian<uint32_t>(reader_->data() + at);
  const size_t target = at + relative;  // size_t is at least 64-bit here
  if (target >= reader_->size()) {
    Fail(name, "offset points past end of buffer (offset " +
                   std::to_string(at) + " + " + std::to_string(relative) +
                   ", size " + std::to_string(reader_->size()) + ")");
  }
  return target;
}

std::optional<std::string> Table::String(int field_id, const char* name) const {
  const size_t target = FieldTarget(field_id, name);
  if (target == kAbsent) return std::nullopt;
  return ReadStringAt(*reader_, target, detail::JoinPath(path_, name));
}

std::string Table::StringOr(int field_id, const char* name,
                            const std::string& fallback) const {
  std::optional<std::string> value = String(field_id, name);
  return value ? *value : fallback;
}

std::optional<Table> Table::SubTable(int field_id, const char* name) const {
  const size_t target = FieldTarget(field_id, name);
  if (target == kAbsent) return std::nullopt;
  return Table(reader_, target, detail::JoinPath(path_, name));
}

std::optional<Vector> Table::VectorField(int field_id, const char* name,
                                         size_t element_size) const {
  const size_t target = FieldTarget(field_id, name);
  if (target == kAbsent) return std::nullopt;
  const std::string path = detail::JoinPath(path_, name);
  const uint32_t length = reader_->ReadAt<uint32_t>(target, path, "vector");
  const size_t start = target + 4;
  const size_t room = reader_->size() - start;  // >= 0 after ReadAt
  // Division, not multiplication: a forged length cannot overflow.
  if (element_size == 0 || length > room / element_size) {
    reader_->Fail(path, "vector of " + std::to_string(length) + " x " +
                            std::to_string(element_size) +
                            "-byte elements extends past end of buffer" +
                            Where(target, reader_->size()));
  }
  return Vector(reader_, start, length, element_size, path);
}

std::vector<Table> Table::TableVector(int field_id, const char* name) const {
  std::vector<Table> out;
  std::optional<Vector> v = VectorField(field_id, name, 4);
  if (!v) return out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) out.push_back(v->TableAt(i));
  return out;
}

std::vector<std::string> Table::StringVector(int field_id,
                                             const char* name) const {
  std::vector<std::string> out;
  std::optional<Vector> v = VectorField(field_id, name, 4);
  if (!v) return out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) out.push_back(v->StringAt(i));
  return out;
}

Table::Union Table::UnionField(int type_field_id, const char* name) const {
  Union result;
  const std::string type_name = std::string(name) + "_type";
  result.type = Scalar<uint8_t>(type_field_id, type_name.c_str(), 0);
  // A NONE union carries no value; ignore a stray one.
  if (result.type != 0) result.value = SubTable(type_field_id + 1, name);
  return result;
}

void Table::Fail(const char* name, const std::string& message) const {
  reader_->Fail(detail::JoinPath(path_, name), message);
}

// ---- Vector ---------------------------------------------------------------

void Vector::CheckElement(size_t index, size_t size) const {
  if (index >= size_) {
    reader_->Fail(path_, "index " + std::to_string(index) +
                             " out of range (vector has " +
                             std::to_string(size_) + " elements)");
  }
  if (size > element_size_) {
    reader_->Fail(path_, "element of " + std::to_string(element_size_) +
                             " bytes read as " + std::to_string(size) +
                             " bytes");
  }
}

size_t Vector::ElementTarget(size_t index) const {
  CheckElement(index, 4);
  const size_t at = data_offset_ + index * element_size_;
  const uint32_t relative =
      detail::LoadLittleEndian<uint32_t>(reader_->data() + at);
  const size_t target = at + relative;
  if (target >= reader_->size()) {
    reader_->Fail(detail::IndexPath(path_, index),
                  "offset points past end of buffer (offset " +
                      std::to_string(at) + " + " + std::to_string(relative) +
                      ", size " + std::to_string(reader_->size()) + ")");
  }
  return target;
}

Table Vector::TableAt(size_t index) const {
  const size_t target = ElementTarget(index);
  return Table(reader_, target, detail::IndexPath(path_, index));
}

std::string Vector::StringAt(size_t index) const {
  const size_t target = ElementTarget(index);
  return ReadStringAt(*reader_, target, detail::IndexPath(path_, index));
}

}  // namespace flatbuffer
}  // namespace audioclf
