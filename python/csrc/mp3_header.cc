// Binds the MP3 header check: the length a Xing/Info header declares against
// the bytes the file holds.
#include "audioclf/audio/mp3_header.h"

#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {

void BindMp3Header(py::module_& m) {
  py::class_<Mp3Header>(m, "Mp3Header")
      .def_readonly("found", &Mp3Header::found)
      .def_readonly("sample_rate", &Mp3Header::sample_rate)
      .def_readonly("samples_per_frame", &Mp3Header::samples_per_frame)
      .def_readonly("declared_frames", &Mp3Header::declared_frames)
      .def_readonly("declared_bytes", &Mp3Header::declared_bytes)
      .def_readonly("first_frame", &Mp3Header::first_frame)
      .def_readonly("stream_bytes", &Mp3Header::stream_bytes)
      .def("describe_mismatch", &DescribeMp3LengthMismatch, py::arg("path"),
           "'' when the file holds about the bytes the header declares, else why not.");
  m.def("read_mp3_header", &ReadMp3Header, py::arg("path"),
        py::call_guard<py::gil_scoped_release>(),
        "Reads an MP3 file's Xing/Info header and measures its stream (tags excluded).");
}

}  // namespace python
}  // namespace audioclf
