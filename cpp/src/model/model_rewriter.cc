#include "audioclf/model/model_rewriter.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/model/flatbuffer_reader.h"
#include "audioclf/model/graph_validator.h"
#include "tflite_schema.h"

namespace audioclf {
namespace {

namespace schema = tflite_schema;
constexpr int kTensorShapeSignature = 7;  // Tensor.shape_signature

void StoreInt32(std::string& bytes, size_t offset, int32_t value) {
  const auto bits = static_cast<uint32_t>(value);
  for (size_t b = 0; b < 4; ++b) {
    bytes[offset + b] = static_cast<char>((bits >> (8 * b)) & 0xffu);
  }
}

flatbuffer::Table ModelRoot(const flatbuffer::Reader& reader) {
  reader.RequireFileIdentifier("TFL3", "TFLite model");
  return reader.Root();
}

}  // namespace

void RedirectOutput(std::string& bytes, const std::string& tensor_name, const std::string& source,
                    const std::string& option) {
  const std::string where = source + ": " + option + " '" + tensor_name + "'";
  if (tensor_name.empty()) ThrowInvalidArgument(source + ": " + option + ": empty tensor name");
  // Locate everything first, write afterwards: a bad file leaves `bytes` as it was.
  size_t signatures_length_at = 0;
  size_t outputs_length_at = 0;
  int32_t index = -1;
  {
    flatbuffer::Reader reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                              source);
    const flatbuffer::Table model = ModelRoot(reader);
    std::optional<flatbuffer::Vector> signatures =
        model.VectorField(schema::model_field::kSignatureDefs, "signature_defs", 4);
    if (signatures && !signatures->empty()) {
      if (signatures->size() != 1) {
        ThrowInvalidArgument(where + ": the model has " + std::to_string(signatures->size()) +
                             " signatures; only a model with at most one can be rewritten");
      }
      const uint32_t subgraph = signatures->TableAt(0).Scalar<uint32_t>(
          schema::signature_field::kSubgraphIndex, "subgraph_index");
      if (subgraph != 0) {
        ThrowInvalidArgument(where + ": the model's signature runs subgraph " +
                             std::to_string(subgraph) + "; only subgraph 0 can be rewritten");
      }
      signatures_length_at = signatures->data_offset() - 4;
    }
    std::optional<flatbuffer::Vector> subgraphs =
        model.VectorField(schema::model_field::kSubgraphs, "subgraphs", 4);
    if (!subgraphs || subgraphs->empty()) model.Fail("subgraphs", "model has no subgraphs");
    const flatbuffer::Table subgraph = subgraphs->TableAt(0);
    std::optional<flatbuffer::Vector> outputs =
        subgraph.VectorField(schema::subgraph_field::kOutputs, "outputs", 4);
    if (!outputs || outputs->empty()) {
      ThrowInvalidArgument(where + ": subgraph 0 has no outputs to replace");
    }
    outputs_length_at = outputs->data_offset() - 4;
    std::optional<flatbuffer::Vector> tensors =
        subgraph.VectorField(schema::subgraph_field::kTensors, "tensors", 4);
    const size_t count = tensors ? tensors->size() : 0;
    for (size_t i = 0; i < count && index < 0; ++i) {
      if (tensors->TableAt(i).StringOr(schema::tensor_field::kName, "name") == tensor_name) {
        index = static_cast<int32_t>(i);  // count < 2^30: checked against the buffer size
      }
    }
    if (index < 0) ThrowInvalidArgument(where + ": no tensor of subgraph 0 has that name");
  }
  if (signatures_length_at != 0) StoreInt32(bytes, signatures_length_at, 0);
  StoreInt32(bytes, outputs_length_at, 1);
  StoreInt32(bytes, outputs_length_at + 4, index);
  // The new output must be a tensor the graph computes (or an input/constant).
  ValidateTfliteGraph(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), source);
}

size_t MakeBatchStatic(std::string& bytes, const std::string& source) {
  std::vector<size_t> dynamic;  // offsets of the -1 dimensions
  {
    flatbuffer::Reader reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                              source);
    const flatbuffer::Table model = ModelRoot(reader);
    for (const flatbuffer::Table& subgraph :
         model.TableVector(schema::model_field::kSubgraphs, "subgraphs")) {
      std::optional<flatbuffer::Vector> tensors =
          subgraph.VectorField(schema::subgraph_field::kTensors, "tensors", 4);
      for (size_t i = 0; tensors && i < tensors->size(); ++i) {
        std::optional<flatbuffer::Vector> signature =
            tensors->TableAt(i).VectorField(kTensorShapeSignature, "shape_signature", 4);
        for (size_t d = 0; signature && d < signature->size(); ++d) {
          if (signature->ScalarAt<int32_t>(d) == -1) {
            dynamic.push_back(signature->data_offset() + 4 * d);
          }
        }
      }
    }
  }
  for (size_t at : dynamic) StoreInt32(bytes, at, 1);
  return dynamic.size();
}

}  // namespace audioclf
