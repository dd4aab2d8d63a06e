// Checks the whole operator graph of a TFLite model before LiteRT sees it.
//
// LiteRT trusts the graph it is given: an operator input of -1 where the
// kernel needs a tensor, a tensor read before anything writes it, or a
// quantization scale of 0 crashes it inside LiteRtCreateCompiledModel. A
// model from outside is untrusted, so every subgraph is checked here:
// - operator code, tensor, buffer and subgraph indices are in range;
// - an input index is -1 only where the operator allows an optional input;
// - every tensor an operator reads is a subgraph input, a variable, a
//   constant whose buffer holds exactly its shape's bytes, or the output of
//   an earlier operator;
// - shapes are non-negative and their byte sizes bounded (limits below);
// - quantization scales are finite and > 0, with one zero point per scale
//   (or none, meaning zero);
// - signature tensors exist.
// A failure raises Error(kInvalidArgument) naming the source and the field,
// e.g. "m.tflite: subgraphs[0].operators[2].inputs[0]: tensor 5 is read
// before any operator writes it".
#ifndef AUDIOCLF_MODEL_GRAPH_VALIDATOR_H_
#define AUDIOCLF_MODEL_GRAPH_VALIDATOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace audioclf {

// The largest tensor a model may declare (elements × element size).
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 30;
// The most tensors, operators and subgraphs a model may have; real audio
// models have a few hundred tensors.
constexpr size_t kMaxGraphTensors = 1 << 20;
constexpr size_t kMaxGraphOperators = 1 << 20;
constexpr size_t kMaxSubgraphs = 1024;

// Validates the graph of `size` bytes of a .tflite model; `source` names the
// model in error messages.
void ValidateTfliteGraph(const uint8_t* data, size_t size,
                         const std::string& source);

}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_GRAPH_VALIDATOR_H_
