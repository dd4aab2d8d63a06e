// A small, schema-less, bounds-checked reader for flatbuffers.
//
// audioclf reads two flatbuffer formats (the TFLite model and the TFLite
// metadata) from files it does not control, so every offset, length and
// vtable entry is checked against the buffer before it is used, and every
// read goes through memcpy-style byte loads (no alignment assumptions).
// Malformed bytes raise Error(kInvalidArgument) whose message names the
// source and the path of the field being read, e.g.
//   "model.tflite: subgraphs[0].tensors[3].shape: vector extends past end of
//    buffer (offset 1234, size 1000)".
//
// Callers address fields by their id (declaration order in the .fbs table,
// deprecated fields included). A union field `u` occupies two ids: `u_type`
// (a ubyte) and `u` itself (an offset to the table), in that order.
//
// Loops are impossible by construction: uoffsets are unsigned, so they only
// point forward, and callers walk a fixed schema depth. Vector lengths are
// checked against the bytes that remain, so a forged count cannot make a
// caller allocate more than the buffer could describe.
//
// The Reader, the Tables and Vectors it hands out, all refer to the bytes
// without copying: the bytes and the Reader must outlive them.
#ifndef AUDIOCLF_MODEL_FLATBUFFER_READER_H_
#define AUDIOCLF_MODEL_FLATBUFFER_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace audioclf {
namespace flatbuffer {

namespace detail {

// Little-endian load of an arithmetic T from possibly unaligned bytes,
// independent of the host's byte order.
template <typename T>
T LoadLittleEndian(const uint8_t* p) {
  static_assert(std::is_arithmetic<T>::value, "scalars only");
  if constexpr (std::is_same<T, bool>::value) {
    return p[0] != 0;
  } else {
    using Bits = std::conditional_t<
        sizeof(T) == 1, uint8_t,
        std::conditional_t<
            sizeof(T) == 2, uint16_t,
            std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    static_assert(sizeof(Bits) == sizeof(T), "unsupported scalar size");
    Bits bits = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      bits |= static_cast<Bits>(static_cast<Bits>(p[i]) << (8 * i));
    }
    T value;
    std::memcpy(&value, &bits, sizeof(T));
    return value;
  }
}

// "a.b" from "a" and "b"; the root table's path is "".
std::string JoinPath(const std::string& parent, const std::string& child);
// "name[3]".
std::string IndexPath(const std::string& vector_path, size_t index);

}  // namespace detail

class Table;
class Vector;

class Reader {
 public:
  // `source` names the bytes in error messages (a path, "<model bytes>").
  Reader(const uint8_t* data, size_t size, std::string source);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& source() const { return source_; }

  // The 4 bytes at offset 4..8 (the schema's file_identifier), or "" when
  // the buffer is shorter than 8 bytes.
  std::string FileIdentifier() const;

  // Throws kInvalidArgument unless the file identifier is `expected`, e.g.
  // "not a TFLite model (file identifier is 'abcd', expected 'TFL3')".
  // `what` names the format ("TFLite model").
  void RequireFileIdentifier(const char* expected, const char* what) const;

  // The root table (from the uoffset at byte 0).
  Table Root() const;

  // Throws kInvalidArgument unless [offset, offset + length) lies inside the
  // buffer. `what` says what is being read ("string", "table").
  void RequireRange(size_t offset, size_t length, const std::string& path,
                    const char* what) const;

  // Bounds-checked scalar load at an absolute offset.
  template <typename T>
  T ReadAt(size_t offset, const std::string& path, const char* what) const {
    RequireRange(offset, sizeof(T), path, what);
    return detail::LoadLittleEndian<T>(data_ + offset);
  }

  // Throws Error(kInvalidArgument): "<source>: <path>: <message>".
  [[noreturn]] void Fail(const std::string& path,
                         const std::string& message) const;

 private:
  const uint8_t* data_;
  size_t size_;
  std::string source_;
};

// A vector's elements: scalars, or 4-byte offsets to tables or strings.
class Vector {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t element_size() const { return element_size_; }
  // Offset of the first element in the buffer (after the length prefix).
  size_t data_offset() const { return data_offset_; }
  const uint8_t* data() const { return reader_->data() + data_offset_; }
  const std::string& path() const { return path_; }

  template <typename T>
  T ScalarAt(size_t index) const {
    static_assert(std::is_arithmetic<T>::value, "scalars only");
    CheckElement(index, sizeof(T));
    return detail::LoadLittleEndian<T>(data() + index * element_size_);
  }
  // Every element, for vectors of scalars.
  template <typename T>
  std::vector<T> Scalars() const {
    std::vector<T> out;
    out.reserve(size_);
    for (size_t i = 0; i < size_; ++i) out.push_back(ScalarAt<T>(i));
    return out;
  }
  Table TableAt(size_t index) const;
  std::string StringAt(size_t index) const;

 private:
  friend class Table;
  Vector(const Reader* reader, size_t data_offset, size_t size,
         size_t element_size, std::string path)
      : reader_(reader),
        data_offset_(data_offset),
        size_(size),
        element_size_(element_size),
        path_(std::move(path)) {}
  void CheckElement(size_t index, size_t size) const;
  // Follows the uoffset stored in element `index`.
  size_t ElementTarget(size_t index) const;

  const Reader* reader_;
  size_t data_offset_;
  size_t size_;
  size_t element_size_;
  std::string path_;
};

class Table {
 public:
  // What a union field holds (defined below, once Table is complete).
  struct Union;

  const std::string& path() const { return path_; }
  size_t offset() const { return offset_; }

  // Whether the field is present (has a non-zero vtable entry).
  bool Has(int field_id) const;

  // A scalar field, or `default_value` when absent (flatbuffers does not
  // store fields equal to their default).
  template <typename T>
  T Scalar(int field_id, const char* name, T default_value = T()) const {
    static_assert(std::is_arithmetic<T>::value, "scalars only");
    const size_t at = FieldOffset(field_id, name, sizeof(T));
    if (at == kAbsent) return default_value;
    return detail::LoadLittleEndian<T>(reader_->data() + at);
  }

  std::optional<std::string> String(int field_id, const char* name) const;
  // The string, or "" when absent.
  std::string StringOr(int field_id, const char* name,
                       const std::string& fallback = std::string()) const;
  std::optional<Table> SubTable(int field_id, const char* name) const;

  // A vector field whose elements are `element_size` bytes (4 for vectors
  // of tables or strings); nullopt when absent.
  std::optional<Vector> VectorField(int field_id, const char* name,
                                    size_t element_size) const;
  // Convenience forms; absent vectors read as empty.
  template <typename T>
  std::vector<T> ScalarVector(int field_id, const char* name) const {
    std::optional<Vector> v = VectorField(field_id, name, sizeof(T));
    if (!v) return {};
    return v->Scalars<T>();
  }
  std::vector<Table> TableVector(int field_id, const char* name) const;
  std::vector<std::string> StringVector(int field_id, const char* name) const;

  // A union declared as field `name`: `type_field_id` is the id of the
  // hidden `<name>_type` field; the value is at type_field_id + 1.
  Union UnionField(int type_field_id, const char* name) const;

  // Throws kInvalidArgument naming this table's field `name`.
  [[noreturn]] void Fail(const char* name, const std::string& message) const;

 private:
  friend class Reader;
  friend class Vector;
  static constexpr size_t kAbsent = std::numeric_limits<size_t>::max();

  // Validates the table header and its vtable.
  Table(const Reader* reader, size_t offset, std::string path);
  // Absolute offset of the field's inline bytes, or kAbsent; throws when
  // `size` bytes would not fit inside the table.
  size_t FieldOffset(int field_id, const char* name, size_t size) const;
  // Follows the uoffset stored in field `field_id`; kAbsent when absent.
  size_t FieldTarget(int field_id, const char* name) const;

  const Reader* reader_;
  size_t offset_;
  size_t vtable_offset_;
  size_t vtable_size_;  // bytes
  size_t table_size_;   // bytes of inline data, soffset included
  std::string path_;
};

// What a union field holds: its type tag (0 = NONE) and, when present, the
// table it points to.
struct Table::Union {
  uint8_t type = 0;
  std::optional<Table> value;
};

// Reads the string whose length prefix is at `offset`; the bytes must be
// inside the buffer and followed by the NUL terminator flatbuffers writes.
std::string ReadStringAt(const Reader& reader, size_t offset,
                         const std::string& path);

}  // namespace flatbuffer
}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_FLATBUFFER_READER_H_
