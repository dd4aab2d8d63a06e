// Binds CaptureBuffer: the capture callback's write path (one copy into the
// lock-free ring, GIL held only for that) and the readers.
#include "audioclf/audio/capture_buffer.h"

#include "audioclf/error.h"
#include "audioclf/stream_classifier.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {

void BindCaptureBuffer(py::module_& m) {
  py::class_<CaptureBuffer>(m, "CaptureBuffer")
      .def(py::init<AudioFormat, size_t, size_t>(), py::arg("format"), py::arg("window_frames"),
           py::arg("ring_frames"))
      .def_property_readonly("format", &CaptureBuffer::format)
      .def_property_readonly("window_frames", &CaptureBuffer::window_frames)
      .def(
          "write",
          [](CaptureBuffer& self, const py::buffer& block) {
            AudioView view = ViewAudio(block, "block");
            if (view.channels != self.format().channels) {
              ThrowInvalidArgument("block: has " + std::to_string(view.channels) +
                                   " channel(s), expected " +
                                   std::to_string(self.format().channels));
            }
            if (!view.is_interleaved()) ThrowInvalidArgument("block: must be C-contiguous");
            return self.Write(view.data, view.format, view.frames);
          },
          py::arg("block"))
      .def("start", &CaptureBuffer::Start, py::call_guard<py::gil_scoped_release>())
      .def("stop", &CaptureBuffer::Stop, py::call_guard<py::gil_scoped_release>())
      .def(
          "read_latest",
          [](CaptureBuffer& self, size_t frames) {
            frames = std::min(frames, self.window_frames());
            py::array_t<float> out({static_cast<py::ssize_t>(frames),
                                    static_cast<py::ssize_t>(self.format().channels)});
            float* dst = out.mutable_data();
            {
              py::gil_scoped_release release;
              self.ReadLatest(dst, frames);
            }
            return out;
          },
          py::arg("frames"))
      .def("copy_window_to", &CaptureBuffer::CopyWindowTo, py::arg("buffer"), py::arg("frames"),
           py::call_guard<py::gil_scoped_release>())
      .def(
          "attach",
          [](CaptureBuffer& self, StreamClassifier* stream) {
            py::gil_scoped_release release;
            self.Attach(stream);
          },
          py::arg("stream").none(true))
      .def_property_readonly("frames_captured", &CaptureBuffer::frames_captured)
      .def_property_readonly("overrun_frames", &CaptureBuffer::overrun_frames)
      .def_property_readonly("nonfinite_samples", &CaptureBuffer::nonfinite_samples);
}

}  // namespace python
}  // namespace audioclf
