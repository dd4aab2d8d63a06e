// Binds the in-place model rewrites: bytes in, rewritten bytes out.
#include "audioclf/model/model_rewriter.h"

#include <string>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

std::string ModelArgument(const py::bytes& model) {
  std::string bytes = model;
  if (bytes.size() > limits::kMaxModelBytes) {
    ThrowInvalidArgument("model: " + std::to_string(bytes.size()) +
                         " bytes, more than the limit of " +
                         std::to_string(limits::kMaxModelBytes));
  }
  return bytes;
}

}  // namespace

void BindModelRewriter(py::module_& m) {
  m.def(
      "make_batch_static",
      [](const py::bytes& model, const std::string& source) {
        std::string bytes = ModelArgument(model);
        {
          py::gil_scoped_release release;
          MakeBatchStatic(bytes, source);
        }
        return py::bytes(bytes);
      },
      py::arg("model"), py::arg("source"),
      "The model with every dynamic (-1) dimension of its tensors' shape signatures set to 1.");
  m.def(
      "redirect_output",
      [](const py::bytes& model, const std::string& tensor_name, const std::string& source) {
        std::string bytes = ModelArgument(model);
        {
          py::gil_scoped_release release;
          RedirectOutput(bytes, tensor_name, source, "tensor_name");
        }
        return py::bytes(bytes);
      },
      py::arg("model"), py::arg("tensor_name"), py::arg("source"),
      "The model with tensor `tensor_name` of subgraph 0 as its only output.");
}

}  // namespace python
}  // namespace audioclf
