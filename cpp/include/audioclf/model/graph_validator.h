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
// - shapes are non-negative and their byte sizes bounded (limits.h);
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

// Validates the graph of `size` bytes of a .tflite model; `source` names the
// model in error messages.
void ValidateTfliteGraph(const uint8_t* data, size_t size,
                         const std::string& source);

}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_GRAPH_VALIDATOR_H_
