// Binds the embedder, its options and results. Inference runs with the GIL
// released; feature vectors reach Python as numpy arrays (float32, or int8
// when quantized).
#include "audioclf/audio_embedder.h"

#include <pybind11/stl.h>

#include "audioclf/error.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

py::array FeatureValues(const FeatureVector& v) {
  if (v.quantized()) {
    return py::array_t<int8_t>(static_cast<py::ssize_t>(v.value_int8.size()),
                               v.value_int8.data());
  }
  return py::array_t<float>(static_cast<py::ssize_t>(v.value_float.size()),
                            v.value_float.data());
}

FeatureVector MakeFeatureVector(const py::array& value) {
  if (value.ndim() != 1) {
    ThrowInvalidArgument("value: expected a 1-D array, got " + std::to_string(value.ndim()) +
                         " dimensions");
  }
  FeatureVector v;
  const char kind = value.dtype().kind();
  if (kind == 'f') {
    auto floats = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(value);
    v.value_float.assign(floats.data(), floats.data() + floats.size());
  } else if ((kind == 'i' || kind == 'u') && value.itemsize() == 1) {
    // uint8 holds the same bytes as int8 (tflite-support hands out uint8).
    const auto* bytes = static_cast<const int8_t*>(
        py::array::ensure(value, py::array::c_style).data());
    v.value_int8.assign(bytes, bytes + value.size());
  } else {
    ThrowInvalidArgument("value: expected a float array or an int8/uint8 (quantized) array, "
                         "got dtype " + std::string(py::str(value.dtype())));
  }
  if (v.size() == 0) ThrowInvalidArgument("value: the feature vector is empty");
  return v;
}

}  // namespace

void BindAudioEmbedder(py::module_& m) {
  py::class_<EmbeddingOptions>(m, "EmbeddingOptions")
      .def(py::init([](bool l2_normalize, bool quantize) {
             return EmbeddingOptions{l2_normalize, quantize};
           }),
           py::arg("l2_normalize") = false, py::arg("quantize") = false)
      .def_readwrite("l2_normalize", &EmbeddingOptions::l2_normalize)
      .def_readwrite("quantize", &EmbeddingOptions::quantize);

  py::class_<FeatureVector>(m, "FeatureVector")
      .def(py::init(&MakeFeatureVector), py::arg("value"))
      .def_property_readonly("value", &FeatureValues)
      .def_property_readonly("quantized", &FeatureVector::quantized)
      .def("__len__", &FeatureVector::size)
      .def("__repr__", [](const FeatureVector& v) {
        return "FeatureVector(value=" + std::string(py::repr(FeatureValues(v))) + ")";
      });

  py::class_<Embedding>(m, "Embedding")
      .def_readonly("feature_vector", &Embedding::feature_vector)
      .def_readonly("output_index", &Embedding::output_index)
      .def("__repr__", [](const Embedding& e) {
        return "Embedding(feature_vector=" + std::string(py::repr(py::cast(e.feature_vector))) +
               ", output_index=" + std::to_string(e.output_index) + ")";
      });

  py::class_<EmbeddingResult>(m, "EmbeddingResult")
      .def_readonly("embeddings", &EmbeddingResult::embeddings)
      .def("__repr__", [](const EmbeddingResult& r) {
        return "EmbeddingResult(embeddings=" + std::string(py::repr(py::cast(r.embeddings))) +
               ")";
      });

  m.def("cosine_similarity", &CosineSimilarity, py::arg("u"), py::arg("v"),
        "Cosine similarity of two feature vectors of the same kind and size.");

  py::class_<AudioEmbedderOptions>(m, "AudioEmbedderOptions")
      .def(py::init([](std::optional<BaseOptions> base, std::optional<EmbeddingOptions> embedding,
                       uint32_t sample_rate, uint32_t channels,
                       std::optional<std::string> output_tensor_name) {
             AudioEmbedderOptions o;
             if (base) o.base_options = *base;
             if (embedding) o.embedding_options = *embedding;
             o.sample_rate = sample_rate;
             o.channels = channels;
             if (output_tensor_name) o.output_tensor_name = *output_tensor_name;
             return o;
           }),
           py::arg("base_options") = py::none(), py::arg("embedding_options") = py::none(),
           py::arg("sample_rate") = 0, py::arg("channels") = 0,
           py::arg("output_tensor_name") = py::none())
      .def_readwrite("base_options", &AudioEmbedderOptions::base_options)
      .def_readwrite("embedding_options", &AudioEmbedderOptions::embedding_options)
      .def_readwrite("sample_rate", &AudioEmbedderOptions::sample_rate)
      .def_readwrite("channels", &AudioEmbedderOptions::channels)
      .def_readwrite("output_tensor_name", &AudioEmbedderOptions::output_tensor_name);

  py::class_<AudioEmbedder>(m, "AudioEmbedder")
      .def_static(
          "create_from_options",
          [](const AudioEmbedderOptions& options) {
            py::gil_scoped_release release;
            return AudioEmbedder::CreateFromOptions(options);
          },
          py::arg("options"))
      .def(
          "embed_buffer",
          [](AudioEmbedder& self, const AudioBuffer& buffer) {
            py::gil_scoped_release release;
            return self.Embed(buffer);
          },
          py::arg("buffer"))
      .def(
          "embed_array",
          [](AudioEmbedder& self, const py::buffer& array) {
            FrameView view = ViewFrames(array, self.required_audio_format().channels, "audio");
            py::gil_scoped_release release;
            return self.Embed(view.data, view.frames);
          },
          py::arg("array"))
      .def("embedding_dimension", &AudioEmbedder::embedding_dimension,
           py::arg("output_index"))
      .def_property_readonly("number_of_output_layers",
                             &AudioEmbedder::number_of_output_layers)
      .def_property_readonly("required_audio_format", &AudioEmbedder::required_audio_format)
      .def_property_readonly("required_input_buffer_size",
                             &AudioEmbedder::required_input_buffer_size)
      .def_property_readonly("window_frames", &AudioEmbedder::window_frames);
}

}  // namespace python
}  // namespace audioclf
