// The audioclf._core extension module: one file per bound C++ concept, this
// one wires them together and maps audioclf::Error to Python exceptions.
#include <pybind11/pybind11.h>

#include "audioclf/error.h"
#include "bindings.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "audioclf's C++ core (private; use the audioclf package)";
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const audioclf::Error& e) {
      PyErr_SetString(e.kind() == audioclf::ErrorKind::kInvalidArgument
                          ? PyExc_ValueError
                          : PyExc_RuntimeError,
                      e.what());
    }
  });
  audioclf::python::BindAudioBuffer(m);
  audioclf::python::BindRingBuffer(m);
  audioclf::python::BindCaptureBuffer(m);
  audioclf::python::BindWavReader(m);
  audioclf::python::BindClassificationResult(m);
  audioclf::python::BindAudioClassifier(m);
  audioclf::python::BindAudioEmbedder(m);
  audioclf::python::BindResampler(m);
  audioclf::python::BindStreamClassifier(m);
}
