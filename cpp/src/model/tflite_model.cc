#include "audioclf/model/tflite_model.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/flatbuffer_reader.h"
#include "model/tflite_schema.h"

namespace audioclf {

namespace {

using flatbuffer::Reader;
using flatbuffer::Table;
using flatbuffer::Vector;

using namespace tflite_schema;  // NOLINT: the schema's field ids

constexpr char kMetadataName[] = "TFLITE_METADATA";

// TFLite's TensorType numbering; types audioclf never handles (complex,
// resource, variant, 4-bit, ...) map to kUnknown rather than failing, so a
// model is still described even when the caller will reject it later.
ElementType FromTfliteType(int8_t type) {
  switch (type) {
    case 0:
      return ElementType::kFloat32;
    case 1:
      return ElementType::kFloat16;
    case 2:
      return ElementType::kInt32;
    case 3:
      return ElementType::kUInt8;
    case 4:
      return ElementType::kInt64;
    case 5:
      return ElementType::kString;
    case 6:
      return ElementType::kBool;
    case 7:
      return ElementType::kInt16;
    case 9:
      return ElementType::kInt8;
    case 10:
      return ElementType::kFloat64;
    default:
      return ElementType::kUnknown;
  }
}

TensorInfo ReadTensor(const Table& tensor) {
  TensorInfo info;
  info.name = tensor.StringOr(tensor_field::kName, "name");
  info.type =
      FromTfliteType(tensor.Scalar<int8_t>(tensor_field::kType, "type", 0));
  info.shape = tensor.ScalarVector<int32_t>(tensor_field::kShape, "shape");
  if (std::optional<Table> q =
          tensor.SubTable(tensor_field::kQuantization, "quantization")) {
    const std::vector<float> scale =
        q->ScalarVector<float>(quantization_field::kScale, "scale");
    const std::vector<int64_t> zero_point =
        q->ScalarVector<int64_t>(quantization_field::kZeroPoint, "zero_point");
    // Per-axis quantization (several scales) is not a single affine map.
    if (scale.size() == 1) {
      TensorQuantization quantization;
      quantization.scale = scale[0];
      quantization.zero_point = zero_point.empty() ? 0 : zero_point[0];
      info.quantization = quantization;
    }
  }
  return info;
}

std::vector<TensorInfo> ReadTensorList(const Table& subgraph,
                                       const std::optional<Vector>& tensors,
                                       int field_id, const char* name) {
  std::vector<TensorInfo> out;
  std::optional<Vector> indices = subgraph.VectorField(field_id, name, 4);
  if (!indices) return out;
  const size_t tensor_count = tensors ? tensors->size() : 0;
  for (size_t i = 0; i < indices->size(); ++i) {
    const int32_t index = indices->ScalarAt<int32_t>(i);
    if (index < 0 || static_cast<size_t>(index) >= tensor_count) {
      subgraph.Fail((std::string(name) + "[" + std::to_string(i) + "]").c_str(),
                    "tensor index " + std::to_string(index) +
                        " out of range (subgraph has " +
                        std::to_string(tensor_count) + " tensors)");
    }
    out.push_back(ReadTensor(tensors->TableAt(static_cast<size_t>(index))));
  }
  return out;
}

// Where a Buffer's bytes lie in the model: either an inline `data` vector, or
// (models over 2 GB) an `offset`/`size` pair from the start of the file, only
// meaningful when offset > 1.
struct ByteRange {
  size_t offset = 0;
  size_t size = 0;
};

ByteRange ReadBufferRange(const Reader& reader, const Table& buffer) {
  ByteRange range;
  if (std::optional<Vector> data =
          buffer.VectorField(buffer_field::kData, "data", 1)) {
    range.offset = data->data_offset();
    range.size = data->size();
    if (range.size > 0) return range;
  }
  const uint64_t offset =
      buffer.Scalar<uint64_t>(buffer_field::kOffset, "offset", 0);
  const uint64_t size = buffer.Scalar<uint64_t>(buffer_field::kSize, "size", 0);
  if (offset > 1) {
    if (offset > reader.size() || size > reader.size() - offset) {
      buffer.Fail("offset",
                  "external buffer extends past end of file (offset " +
                      std::to_string(offset) + ", size " +
                      std::to_string(size) + ", file size " +
                      std::to_string(reader.size()) + ")");
    }
    range.offset = static_cast<size_t>(offset);
    range.size = static_cast<size_t>(size);
  }
  return range;
}

}  // namespace

const char* ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kUnknown:
      return "unknown";
    case ElementType::kFloat32:
      return "float32";
    case ElementType::kFloat16:
      return "float16";
    case ElementType::kFloat64:
      return "float64";
    case ElementType::kInt8:
      return "int8";
    case ElementType::kUInt8:
      return "uint8";
    case ElementType::kInt16:
      return "int16";
    case ElementType::kInt32:
      return "int32";
    case ElementType::kInt64:
      return "int64";
    case ElementType::kBool:
      return "bool";
    case ElementType::kString:
      return "string";
  }
  return "unknown";
}

size_t ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
      return 4;
    case ElementType::kFloat16:
      return 2;
    case ElementType::kFloat64:
      return 8;
    case ElementType::kInt8:
      return 1;
    case ElementType::kUInt8:
      return 1;
    case ElementType::kInt16:
      return 2;
    case ElementType::kInt32:
      return 4;
    case ElementType::kInt64:
      return 8;
    case ElementType::kBool:
      return 1;
    case ElementType::kUnknown:
    case ElementType::kString:
      return 0;
  }
  return 0;
}

int64_t TensorInfo::ElementCount() const {
  int64_t count = 1;
  for (int32_t dim : shape) {
    if (dim < 0) return -1;
    // A product that does not fit is as unusable as an unknown one.
    if (dim != 0 && count > std::numeric_limits<int64_t>::max() / dim) {
      return -1;
    }
    count *= dim;
  }
  return count;
}

TfliteModelInfo ParseTfliteModel(const uint8_t* data, size_t size,
                                 const std::string& source) {
  Reader reader(data, size, source);
  reader.RequireFileIdentifier("TFL3", "TFLite model");
  const Table model = reader.Root();

  TfliteModelInfo info;
  info.schema_version =
      model.Scalar<uint32_t>(model_field::kVersion, "version", 0);

  std::optional<Vector> subgraphs =
      model.VectorField(model_field::kSubgraphs, "subgraphs", 4);
  if (!subgraphs || subgraphs->empty()) {
    model.Fail("subgraphs", "model has no subgraphs");
  }
  const Table subgraph = subgraphs->TableAt(0);
  const std::optional<Vector> tensors =
      subgraph.VectorField(subgraph_field::kTensors, "tensors", 4);
  info.inputs =
      ReadTensorList(subgraph, tensors, subgraph_field::kInputs, "inputs");
  info.outputs =
      ReadTensorList(subgraph, tensors, subgraph_field::kOutputs, "outputs");

  // Check every buffer's extent: weights are what a truncated file loses
  // first, and the runtime should not be the one to find out.
  std::optional<Vector> buffers =
      model.VectorField(model_field::kBuffers, "buffers", 4);
  const size_t buffer_count = buffers ? buffers->size() : 0;
  for (size_t i = 0; i < buffer_count; ++i) {
    ReadBufferRange(reader, buffers->TableAt(i));
  }

  if (std::optional<Vector> metadata =
          model.VectorField(model_field::kMetadata, "metadata", 4)) {
    for (size_t i = 0; i < metadata->size(); ++i) {
      const Table entry = metadata->TableAt(i);
      if (entry.StringOr(metadata_field::kName, "name") != kMetadataName) {
        continue;
      }
      const uint32_t index =
          entry.Scalar<uint32_t>(metadata_field::kBuffer, "buffer", 0);
      if (index >= buffer_count) {
        entry.Fail("buffer", "buffer index " + std::to_string(index) +
                                 " out of range (model has " +
                                 std::to_string(buffer_count) + " buffers)");
      }
      const ByteRange range = ReadBufferRange(reader, buffers->TableAt(index));
      if (range.size == 0) {
        entry.Fail("buffer", std::string(kMetadataName) + " buffer " +
                                 std::to_string(index) + " is empty");
      }
      info.has_metadata = true;
      info.metadata_offset = range.offset;
      info.metadata_size = range.size;
      break;  // a model carries one; use the first if there are more
    }
  }
  return info;
}

}  // namespace audioclf
