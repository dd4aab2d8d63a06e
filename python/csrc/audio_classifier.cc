// Binds the classifier and its options. Inference runs with the GIL
// released; numpy input is read in place through the buffer protocol.
#include "audioclf/audio_classifier.h"

#include <pybind11/stl.h>

#include <cstdint>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

template <typename T>
std::vector<T> OrEmpty(const std::optional<std::vector<T>>& v) {
  return v ? *v : std::vector<T>{};
}

// Metadata strings are whatever the file holds; invalid UTF-8 is escaped
// rather than raising UnicodeDecodeError on attribute access.
py::str Text(const std::string& text) {
  PyObject* decoded = PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()),
                                           "backslashreplace");
  if (decoded == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(decoded);
}

int NumThreads(const py::object& n) {
  return static_cast<int>(IntArgument(n, "num_threads", -1, 1024));
}

int MaxResults(const py::object& n) {
  return static_cast<int>(IntArgument(n, "max_results", -1, INT32_MAX));
}

// 0: from the model's metadata.
uint32_t OptionalRate(const py::object& n) {
  const int64_t rate = IntArgument(n, "sample_rate", 0, limits::kMaxSampleRate);
  if (rate != 0 && rate < limits::kMinSampleRate) {
    throw py::value_error("sample_rate: must be 0 (from the metadata) or in " +
                          std::to_string(limits::kMinSampleRate) + ".." +
                          std::to_string(limits::kMaxSampleRate) + ", got " +
                          std::to_string(rate));
  }
  return static_cast<uint32_t>(rate);
}

uint32_t OptionalChannels(const py::object& n) {
  return static_cast<uint32_t>(IntArgument(n, "channels", 0, limits::kMaxChannels));
}

}  // namespace

void BindAudioClassifier(py::module_& m) {
  py::class_<BaseOptions>(m, "BaseOptions")
      .def(py::init([](std::optional<std::string> file_name,
                       std::optional<py::bytes> file_content, const py::object& num_threads,
                       std::optional<std::string> litert_library, bool weight_cache,
                       std::optional<std::string> weight_cache_dir) {
             BaseOptions o;
             if (file_name) o.file_name = *file_name;
             if (file_content) o.file_content = *file_content;
             o.num_threads = NumThreads(num_threads);
             if (litert_library) o.litert_library = *litert_library;
             o.weight_cache = weight_cache;
             if (weight_cache_dir) o.weight_cache_dir = *weight_cache_dir;
             return o;
           }),
           py::arg("file_name") = py::none(), py::arg("file_content") = py::none(),
           py::arg("num_threads") = -1, py::arg("litert_library") = py::none(),
           py::arg("weight_cache") = true, py::arg("weight_cache_dir") = py::none())
      .def_readwrite("file_name", &BaseOptions::file_name)
      .def_property(
          "file_content",
          [](const BaseOptions& o) { return py::bytes(o.file_content); },
          [](BaseOptions& o, py::bytes b) { o.file_content = b; })
      .def_property(
          "num_threads", [](const BaseOptions& o) { return o.num_threads; },
          [](BaseOptions& o, const py::object& n) { o.num_threads = NumThreads(n); })
      .def_readwrite("litert_library", &BaseOptions::litert_library)
      .def_readwrite("weight_cache", &BaseOptions::weight_cache)
      .def_readwrite("weight_cache_dir", &BaseOptions::weight_cache_dir);

  py::class_<ClassificationOptions>(m, "ClassificationOptions")
      .def(py::init([](std::optional<float> score_threshold,
                       std::optional<std::vector<std::string>> allowlist,
                       std::optional<std::vector<std::string>> denylist,
                       std::optional<std::string> locale,
                       const py::object& max_results) {
             ClassificationOptions o;
             o.score_threshold = score_threshold;
             o.category_name_allowlist = OrEmpty(allowlist);
             o.category_name_denylist = OrEmpty(denylist);
             if (locale) o.display_names_locale = *locale;
             if (!max_results.is_none()) o.max_results = MaxResults(max_results);
             return o;
           }),
           py::arg("score_threshold") = py::none(),
           py::arg("category_name_allowlist") = py::none(),
           py::arg("category_name_denylist") = py::none(),
           py::arg("display_names_locale") = py::none(),
           py::arg("max_results") = py::none())
      .def_readwrite("score_threshold", &ClassificationOptions::score_threshold)
      .def_readwrite("category_name_allowlist",
                     &ClassificationOptions::category_name_allowlist)
      .def_readwrite("category_name_denylist",
                     &ClassificationOptions::category_name_denylist)
      .def_readwrite("display_names_locale",
                     &ClassificationOptions::display_names_locale)
      .def_property(
          "max_results", [](const ClassificationOptions& o) { return o.max_results; },
          [](ClassificationOptions& o, const py::object& n) { o.max_results = MaxResults(n); });

  py::class_<AudioClassifierOptions>(m, "AudioClassifierOptions")
      .def(py::init([](std::optional<BaseOptions> base,
                       std::optional<ClassificationOptions> classification,
                       const py::object& sample_rate, const py::object& channels,
                       std::optional<std::string> label_file, const std::string& activation) {
             AudioClassifierOptions o;
             if (base) o.base_options = *base;
             if (classification) o.classification_options = *classification;
             o.sample_rate = OptionalRate(sample_rate);
             o.channels = OptionalChannels(channels);
             if (label_file) o.label_file = *label_file;
             o.activation = ParseActivation(activation);
             return o;
           }),
           py::arg("base_options") = py::none(),
           py::arg("classification_options") = py::none(),
           py::arg("sample_rate") = 0, py::arg("channels") = 0,
           py::arg("label_file") = py::none(), py::arg("activation") = "none")
      .def_readwrite("base_options", &AudioClassifierOptions::base_options)
      .def_readwrite("classification_options",
                     &AudioClassifierOptions::classification_options)
      .def_property(
          "sample_rate", [](const AudioClassifierOptions& o) { return o.sample_rate; },
          [](AudioClassifierOptions& o, const py::object& n) { o.sample_rate = OptionalRate(n); })
      .def_property(
          "channels", [](const AudioClassifierOptions& o) { return o.channels; },
          [](AudioClassifierOptions& o, const py::object& n) { o.channels = OptionalChannels(n); })
      .def_readwrite("label_file", &AudioClassifierOptions::label_file)
      .def_property(
          "activation",
          [](const AudioClassifierOptions& o) {
            switch (o.activation) {
              case Activation::kSigmoid: return "sigmoid";
              case Activation::kSoftmax: return "softmax";
              default: return "none";
            }
          },
          [](AudioClassifierOptions& o, const std::string& name) {
            o.activation = ParseActivation(name);
          });

  py::class_<TensorInfo>(m, "TensorInfo")
      .def_property_readonly("name", [](const TensorInfo& t) { return Text(t.name); })
      .def_property_readonly("type",
                             [](const TensorInfo& t) { return ElementTypeName(t.type); })
      .def_readonly("shape", &TensorInfo::shape)
      .def_property_readonly("quantization", [](const TensorInfo& t) -> py::object {
        if (!t.quantization) return py::none();
        return py::make_tuple(t.quantization->scale, t.quantization->zero_point);
      });

  py::class_<ClassificationHead>(m, "ClassificationHead")
      .def_readonly("name", &ClassificationHead::name)
      .def_readonly("labels", &ClassificationHead::labels)
      .def_readonly("display_names", &ClassificationHead::display_names)
      .def_readonly("score_threshold", &ClassificationHead::score_threshold)
      .def_property_readonly("has_calibration", [](const ClassificationHead& h) {
        return static_cast<bool>(h.calibration);
      });

  py::class_<ModelDescription>(m, "ModelDescription")
      .def_property_readonly("source", [](const ModelDescription& d) { return Text(d.source); })
      .def_readonly("audio_format", &ModelDescription::audio_format)
      .def_readonly("input_samples", &ModelDescription::input_samples)
      .def_readonly("has_metadata", &ModelDescription::has_metadata)
      .def_property_readonly("name", [](const ModelDescription& d) { return Text(d.name); })
      .def_property_readonly("version",
                             [](const ModelDescription& d) { return Text(d.version); })
      .def_readonly("outputs", &ModelDescription::outputs)
      .def_readonly("heads", &ModelDescription::heads)
      .def_property_readonly("locales", [](const ModelDescription& d) {
        py::list out;
        for (const std::string& locale : d.locales) out.append(Text(locale));
        return out;
      });

  py::class_<AudioClassifier>(m, "AudioClassifier")
      .def_static(
          "create_from_options",
          [](const AudioClassifierOptions& options) {
            py::gil_scoped_release release;
            return AudioClassifier::CreateFromOptions(options);
          },
          py::arg("options"))
      .def(
          "classify_buffer",
          [](AudioClassifier& self, const AudioBuffer& buffer) {
            py::gil_scoped_release release;
            return self.Classify(buffer);
          },
          py::arg("buffer"))
      .def(
          "classify_array",
          [](AudioClassifier& self, const py::buffer& array) {
            FrameView view =
                ViewFrames(array, self.required_audio_format().channels, "audio");
            py::gil_scoped_release release;
            return self.Classify(view.data, view.frames);
          },
          py::arg("array"))
      .def_property_readonly("required_audio_format",
                             &AudioClassifier::required_audio_format)
      .def_property_readonly("required_input_buffer_size",
                             &AudioClassifier::required_input_buffer_size)
      .def_property_readonly("window_frames", &AudioClassifier::window_frames)
      .def_property_readonly("description", &AudioClassifier::description,
                             py::return_value_policy::reference_internal);
}

}  // namespace python
}  // namespace audioclf
