// Binds AudioFormat and AudioBuffer (the C++ storage behind TensorAudio).
#include "audioclf/audio/audio_buffer.h"

#include <pybind11/numpy.h>

#include "audioclf/error.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {

FrameView ViewFrames(const py::buffer& array, size_t channels,
                     const char* argument) {
  py::buffer_info info = array.request();
  std::string name(argument);
  if (info.format != py::format_descriptor<float>::format() ||
      info.itemsize != sizeof(float)) {
    ThrowInvalidArgument(name + ": expected a float32 array, got dtype '" +
                         info.format + "'");
  }
  if (info.ndim != 1 && info.ndim != 2) {
    ThrowInvalidArgument(name + ": expected a 1-D (frames) or 2-D (frames, "
                         "channels) array, got " + std::to_string(info.ndim) +
                         " dimensions");
  }
  size_t frames = static_cast<size_t>(info.shape[0]);
  size_t array_channels = info.ndim == 2 ? static_cast<size_t>(info.shape[1]) : 1;
  if (array_channels != channels) {
    ThrowInvalidArgument(name + ": has " + std::to_string(array_channels) +
                         " channel(s), expected " + std::to_string(channels));
  }
  // Interleaved frames must be contiguous; the Python layer makes a copy
  // only when the caller's array is not.
  bool contiguous = info.strides[0] == static_cast<py::ssize_t>(channels * sizeof(float)) &&
                    (info.ndim == 1 || info.strides[1] == sizeof(float));
  if (frames > 1 && !contiguous) {
    ThrowInvalidArgument(name + ": array must be C-contiguous");
  }
  if (frames == 0) ThrowInvalidArgument(name + ": array is empty");
  return FrameView{static_cast<const float*>(info.ptr), frames};
}

void BindAudioBuffer(py::module_& m) {
  py::class_<AudioFormat>(m, "AudioFormat",
                          "Channels per frame and frames per second.")
      .def(py::init([](uint32_t channels, uint32_t sample_rate) {
             return AudioFormat{channels, sample_rate};
           }),
           py::arg("channels") = 1, py::arg("sample_rate") = 16000)
      .def_readwrite("channels", &AudioFormat::channels)
      .def_readwrite("sample_rate", &AudioFormat::sample_rate)
      .def("__eq__", [](const AudioFormat& a, const AudioFormat& b) { return a == b; })
      .def("__repr__", [](const AudioFormat& f) {
        return "AudioFormat(channels=" + std::to_string(f.channels) +
               ", sample_rate=" + std::to_string(f.sample_rate) + ")";
      });

  py::class_<AudioBuffer>(m, "AudioBuffer",
                          "The latest `buffer_frames` frames of float32 audio.")
      .def(py::init<AudioFormat, size_t>(), py::arg("format"),
           py::arg("buffer_frames"))
      .def_property_readonly("format", &AudioBuffer::format)
      .def_property_readonly("buffer_frames", &AudioBuffer::buffer_frames)
      .def("clear", &AudioBuffer::Clear)
      .def(
          "load",
          [](AudioBuffer& self, const py::buffer& array) {
            FrameView view = ViewFrames(array, self.format().channels, "audio");
            py::gil_scoped_release release;
            self.Load(view.data, view.frames);
          },
          py::arg("array"),
          "Appends frames from a float32 array without copying it first.")
      .def("to_numpy", [](const AudioBuffer& self) {
        py::array_t<float> out({static_cast<py::ssize_t>(self.buffer_frames()),
                                static_cast<py::ssize_t>(self.format().channels)});
        self.CopyTo(out.mutable_data());
        return out;
      });
}

}  // namespace python
}  // namespace audioclf
