// The audioclf._core extension module: one file per bound C++ concept, this
// one wires them together and maps audioclf::Error to Python exceptions.
#include <pybind11/pybind11.h>

#include <cstring>
#include <string>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {

int64_t IntArgument(const py::handle& value, const char* argument, int64_t min, int64_t max) {
  if (PyBool_Check(value.ptr()) || !PyIndex_Check(value.ptr())) {
    throw py::type_error(std::string(argument) + ": expected an integer, got " +
                         std::string(py::str(py::type::handle_of(value).attr("__name__"))));
  }
  py::int_ number = py::reinterpret_steal<py::int_>(PyNumber_Index(value.ptr()));
  if (!number) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(number.ptr(), &overflow);
  if (overflow == 0 && v == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow != 0 || v < min || v > max) {
    throw py::value_error(std::string(argument) + ": must be in " + std::to_string(min) + ".." +
                          std::to_string(max) + ", got " + std::string(py::str(number)));
  }
  return v;
}

}  // namespace python
}  // namespace audioclf

namespace {

// Messages may quote file contents; invalid UTF-8 is escaped rather than
// turning the error into a UnicodeDecodeError.
void SetError(PyObject* type, const char* message) {
  PyObject* text = PyUnicode_DecodeUTF8(message, static_cast<Py_ssize_t>(std::strlen(message)),
                                        "backslashreplace");
  if (text == nullptr) {
    PyErr_Clear();
    PyErr_SetString(type, "(undecodable error message)");
    return;
  }
  PyErr_SetObject(type, text);
  Py_DECREF(text);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "audioclf's C++ core (private; use the audioclf package)";
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const audioclf::Error& e) {
      SetError(e.kind() == audioclf::ErrorKind::kInvalidArgument ? PyExc_ValueError
                                                                 : PyExc_RuntimeError,
               e.what());
    }
  });
  // Raised as a warning (warnings.warn) when a WAV file is shorter than its
  // header says; audioclf re-exports it.
  m.attr("TruncatedAudioWarning") =
      py::handle(PyErr_NewExceptionWithDoc(
          "audioclf.TruncatedAudioWarning",
          "A WAV file holds fewer frames than its data chunk declares; the frames "
          "present were read.",
          PyExc_UserWarning, nullptr));
  py::module_ limits = m.def_submodule("limits", "The bounds of cpp/include/audioclf/limits.h");
  namespace l = audioclf::limits;
  limits.attr("MAX_MODEL_BYTES") = l::kMaxModelBytes;
  limits.attr("MAX_LABEL_FILE_BYTES") = l::kMaxLabelFileBytes;
  limits.attr("MAX_LABEL_LINES") = l::kMaxLabelLines;
  limits.attr("MAX_ZIP_ENTRY_BYTES") = l::kMaxZipEntryBytes;
  limits.attr("MAX_ZIP_COMPRESSION_RATIO") = l::kMaxZipCompressionRatio;
  limits.attr("MAX_CHANNELS") = l::kMaxChannels;
  limits.attr("MIN_SAMPLE_RATE") = l::kMinSampleRate;
  limits.attr("MAX_SAMPLE_RATE") = l::kMaxSampleRate;
  limits.attr("MAX_READ_BLOCK_BYTES") = l::kMaxReadBlockBytes;
  limits.attr("MAX_WORKERS_PER_CORE") = l::kMaxWorkersPerCore;
  limits.attr("MAX_AUDIO_BUFFER_SAMPLES") = l::kMaxAudioBufferSamples;
  limits.attr("MAX_TENSOR_BYTES") = l::kMaxTensorBytes;
  limits.attr("MAX_ACTIVATION_BYTES") = l::kMaxActivationBytes;
  limits.attr("MAX_GRAPH_TENSORS") = l::kMaxGraphTensors;
  limits.attr("MAX_GRAPH_OPERATORS") = l::kMaxGraphOperators;
  limits.attr("MAX_SUBGRAPHS") = l::kMaxSubgraphs;
  audioclf::python::BindAudioBuffer(m);
  audioclf::python::BindRingBuffer(m);
  audioclf::python::BindCaptureBuffer(m);
  audioclf::python::BindWavReader(m);
  audioclf::python::BindMp3Header(m);
  audioclf::python::BindClassificationResult(m);
  audioclf::python::BindAudioClassifier(m);
  audioclf::python::BindAudioEmbedder(m);
  audioclf::python::BindResampler(m);
  audioclf::python::BindStreamClassifier(m);
  audioclf::python::BindModelRewriter(m);
  audioclf::python::BindAudioConverter(m);
}
