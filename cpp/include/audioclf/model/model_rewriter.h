// In-place rewrites of a TFLite model's flatbuffer. Each one only changes
// bytes that are already there (no offset moves, the size stays), found by
// the bounds-checked reader; the result is checked by the graph validator,
// so a hostile file gives Error(kInvalidArgument), never a bad model.
#ifndef AUDIOCLF_MODEL_MODEL_REWRITER_H_
#define AUDIOCLF_MODEL_MODEL_REWRITER_H_

#include <cstddef>
#include <string>

namespace audioclf {

// Makes tensor `tensor_name` of subgraph 0 the model's only output: an
// intermediate layer (BirdNET's embedding) or one of several outputs.
// LiteRT's CompiledModel runs signatures, whose outputs name the old
// tensors, so a model's one signature (of subgraph 0) is dropped; LiteRT
// then runs subgraph 0 as is. Errors name `source` and `option` (the
// setting that asked for the tensor, e.g. "output_tensor_name"). When the
// rewritten graph fails validation `bytes` is left rewritten: pass a copy.
void RedirectOutput(std::string& bytes, const std::string& tensor_name, const std::string& source,
                    const std::string& option);

// Sets every dynamic (-1) dimension of the tensors' shape_signature to 1 in
// every subgraph (a model exported with a dynamic batch then runs one
// window at a time); returns how many dimensions changed.
size_t MakeBatchStatic(std::string& bytes, const std::string& source);

}  // namespace audioclf

#endif  // AUDIOCLF_MODEL_MODEL_REWRITER_H_
