// A model compiled for the CPU, with its input and output tensors bound once
// to 64-byte aligned host memory that every Run() reuses: callers write the
// input in place and read the outputs in place, with no copies by LiteRT.
#ifndef AUDIOCLF_RUNTIME_COMPILED_MODEL_H_
#define AUDIOCLF_RUNTIME_COMPILED_MODEL_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "audioclf/model/tflite_model.h"
#include "audioclf/runtime/litert_runtime.h"

namespace audioclf {

class CompiledModel {
 public:
  // num_threads <= 0 lets LiteRT choose (one thread).
  CompiledModel(std::shared_ptr<LiteRtModelHandle> model, int num_threads);
  ~CompiledModel();
  CompiledModel(const CompiledModel&) = delete;
  CompiledModel& operator=(const CompiledModel&) = delete;

  struct Tensor {
    std::string name;  // empty when the runtime cannot tell
    ElementType type = ElementType::kUnknown;
    std::vector<int32_t> shape;
    size_t byte_size = 0;
    void* data = nullptr;  // 64-byte aligned, owned by the CompiledModel
  };

  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  const Tensor& input(size_t i) const { return inputs_.at(i); }
  const Tensor& output(size_t i) const { return outputs_.at(i); }

  // Runs the model on the current input memory. Throws Error(kRuntime).
  void Run();

 private:
  void Release();  // frees what the constructor made; safe on partial state
  void CheckComputedOutputShapes(const LiteRtApi& api,
                                 const std::string& source);

  std::shared_ptr<LiteRtModelHandle> model_;
  void* compiled_ = nullptr;  // LiteRtCompiledModel
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
  std::vector<void*> input_buffers_;   // LiteRtTensorBuffer
  std::vector<void*> output_buffers_;  // LiteRtTensorBuffer
};

}  // namespace audioclf

#endif  // AUDIOCLF_RUNTIME_COMPILED_MODEL_H_
