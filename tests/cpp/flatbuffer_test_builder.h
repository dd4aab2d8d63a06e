// A tiny flatbuffer writer for tests, so parser tests can assemble exactly
// the bytes they need (valid, or valid and then damaged) without generated
// code or files from ../shared.
//
// Objects are written front to back, depth first: a table's vtable, then
// the table, then each object it references, so every uoffset points
// forward as the format requires. Fields are given by id, as in the reader.
#ifndef AUDIOCLF_TESTS_FLATBUFFER_TEST_BUILDER_H_
#define AUDIOCLF_TESTS_FLATBUFFER_TEST_BUILDER_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fbtest {

struct Node {
  enum class Kind { kTable, kString, kScalars, kOffsets };
  struct Field {
    std::vector<uint8_t> inline_bytes;  // scalars
    std::shared_ptr<Node> child;        // offsets
  };
  Kind kind = Kind::kTable;
  std::map<int, Field> fields;                  // kTable, by id
  std::vector<uint8_t> bytes;                   // kString, kScalars
  size_t count = 0;                             // kScalars
  size_t element_size = 1;                      // kScalars
  std::vector<std::shared_ptr<Node>> children;  // kOffsets
};

template <typename T>
std::vector<uint8_t> LittleEndianBytes(T value) {
  uint8_t raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));  // tests run on little-endian hosts
  return std::vector<uint8_t>(raw, raw + sizeof(T));
}

class Table {
 public:
  Table() : node_(std::make_shared<Node>()) {}

  template <typename T>
  Table& Scalar(int id, T value) {
    node_->fields[id].inline_bytes = LittleEndianBytes(value);
    return *this;
  }
  Table& String(int id, const std::string& text) {
    node_->fields[id].child = MakeString(text);
    return *this;
  }
  Table& Sub(int id, const Table& table) {
    node_->fields[id].child = table.node_;
    return *this;
  }
  template <typename T>
  Table& Scalars(int id, const std::vector<T>& values) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kScalars;
    node->count = values.size();
    node->element_size = sizeof(T);
    for (T v : values) {
      std::vector<uint8_t> b = LittleEndianBytes(v);
      node->bytes.insert(node->bytes.end(), b.begin(), b.end());
    }
    node_->fields[id].child = node;
    return *this;
  }
  Table& Tables(int id, const std::vector<Table>& tables) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kOffsets;
    for (const Table& t : tables) node->children.push_back(t.node_);
    node_->fields[id].child = node;
    return *this;
  }
  Table& Strings(int id, const std::vector<std::string>& texts) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kOffsets;
    for (const std::string& t : texts) node->children.push_back(MakeString(t));
    node_->fields[id].child = node;
    return *this;
  }
  // A union field: the type tag at `type_id`, the table at `type_id + 1`.
  Table& Union(int type_id, uint8_t type, const Table& value) {
    Scalar<uint8_t>(type_id, type);
    return Sub(type_id + 1, value);
  }

  const std::shared_ptr<Node>& node() const { return node_; }

 private:
  static std::shared_ptr<Node> MakeString(const std::string& text) {
    auto node = std::make_shared<Node>();
    node->kind = Node::Kind::kString;
    node->bytes.assign(text.begin(), text.end());
    return node;
  }
  std::shared_ptr<Node> node_;
};

namespace internal {

inline void Pad(std::vector<uint8_t>& out, size_t alignment) {
  while (out.size() % alignment != 0) out.push_back(0);
}
inline void Put32(std::vector<uint8_t>& out, size_t at, uint32_t value) {
  std::memcpy(out.data() + at, &value, 4);
}
inline void Append(std::vector<uint8_t>& out, const std::vector<uint8_t>& b) {
  out.insert(out.end(), b.begin(), b.end());
}
inline void Append32(std::vector<uint8_t>& out, uint32_t value) {
  Append(out, LittleEndianBytes(value));
}

inline size_t Emit(std::vector<uint8_t>& out, const Node& node) {
  switch (node.kind) {
    case Node::Kind::kString: {
      Pad(out, 4);
      const size_t at = out.size();
      Append32(out, static_cast<uint32_t>(node.bytes.size()));
      Append(out, node.bytes);
      out.push_back(0);
      return at;
    }
    case Node::Kind::kScalars: {
      // Elements aligned to their size, the length just before them.
      const size_t align = std::max<size_t>(node.element_size, 4);
      while ((out.size() + 4) % align != 0) out.push_back(0);
      const size_t at = out.size();
      Append32(out, static_cast<uint32_t>(node.count));
      Append(out, node.bytes);
      return at;
    }
    case Node::Kind::kOffsets: {
      Pad(out, 4);
      const size_t at = out.size();
      Append32(out, static_cast<uint32_t>(node.children.size()));
      out.resize(out.size() + 4 * node.children.size(), 0);
      for (size_t i = 0; i < node.children.size(); ++i) {
        const size_t slot = at + 4 + 4 * i;
        const size_t child = Emit(out, *node.children[i]);
        Put32(out, slot, static_cast<uint32_t>(child - slot));
      }
      return at;
    }
    case Node::Kind::kTable: {
      // Inline layout: soffset, then fields in id order, each aligned to
      // its size relative to an 8-aligned table start.
      std::map<int, size_t> field_offset;
      size_t end = 4;
      for (const auto& [id, field] : node.fields) {
        const size_t size = field.child ? 4 : field.inline_bytes.size();
        while (end % size != 0) ++end;
        field_offset[id] = end;
        end += size;
      }
      while (end % 4 != 0) ++end;
      const int max_id = node.fields.empty() ? -1 : node.fields.rbegin()->first;
      const size_t vtable_size = 4 + 2 * static_cast<size_t>(max_id + 1);

      Pad(out, 2);
      const size_t vtable = out.size();
      std::vector<uint16_t> entries(static_cast<size_t>(max_id + 1), 0);
      for (const auto& [id, offset] : field_offset) {
        entries[static_cast<size_t>(id)] = static_cast<uint16_t>(offset);
      }
      Append(out, LittleEndianBytes(static_cast<uint16_t>(vtable_size)));
      Append(out, LittleEndianBytes(static_cast<uint16_t>(end)));
      for (uint16_t e : entries) Append(out, LittleEndianBytes(e));

      Pad(out, 8);
      const size_t table = out.size();
      out.resize(table + end, 0);
      const int32_t soffset = static_cast<int32_t>(table - vtable);
      std::memcpy(out.data() + table, &soffset, 4);
      for (const auto& [id, field] : node.fields) {
        if (!field.child) {
          std::memcpy(out.data() + table + field_offset[id],
                      field.inline_bytes.data(), field.inline_bytes.size());
        }
      }
      for (const auto& [id, field] : node.fields) {
        if (field.child) {
          const size_t slot = table + field_offset[id];
          const size_t child = Emit(out, *field.child);
          Put32(out, slot, static_cast<uint32_t>(child - slot));
        }
      }
      return table;
    }
  }
  return 0;
}

}  // namespace internal

// The finished buffer: root offset, 4-byte file identifier, objects.
inline std::vector<uint8_t> Finish(const Table& root,
                                   const std::string& identifier) {
  std::vector<uint8_t> out(8, 0);
  for (size_t i = 0; i < 4 && i < identifier.size(); ++i) {
    out[4 + i] = static_cast<uint8_t>(identifier[i]);
  }
  const size_t at = internal::Emit(out, *root.node());
  internal::Put32(out, 0, static_cast<uint32_t>(at));
  return out;
}

// Position of the first occurrence of `needle` in `haystack` (npos if none).
inline size_t FindBytes(const std::vector<uint8_t>& haystack,
                        const std::vector<uint8_t>& needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(),
                        needle.end());
  return it == haystack.end() ? std::string::npos
                              : static_cast<size_t>(it - haystack.begin());
}
inline size_t FindString(const std::vector<uint8_t>& haystack,
                         const std::string& needle) {
  return FindBytes(haystack,
                   std::vector<uint8_t>(needle.begin(), needle.end()));
}

}  // namespace fbtest

#endif  // AUDIOCLF_TESTS_FLATBUFFER_TEST_BUILDER_H_
