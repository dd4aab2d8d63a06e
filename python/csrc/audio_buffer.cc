// Binds AudioFormat and AudioBuffer (the C++ storage behind TensorAudio).
#include "audioclf/audio/audio_buffer.h"

#include <pybind11/numpy.h>

#include "audioclf/audio/ring_buffer.h"
#include "audioclf/error.h"
#include "audioclf/limits.h"
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
      .def(py::init([](const py::object& channels, const py::object& sample_rate) {
             return AudioFormat{
                 static_cast<uint32_t>(IntArgument(channels, "channels", 0, limits::kMaxChannels)),
                 static_cast<uint32_t>(
                     IntArgument(sample_rate, "sample_rate", 0, limits::kMaxSampleRate))};
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
            AudioView view = ViewAudio(array, "audio");
            if (view.frames == 0) return;
            py::gil_scoped_release release;
            if (view.format == SampleFormat::kFloat32 && view.is_interleaved()) {
              self.Load(static_cast<const float*>(view.data), view.frames);
            } else {
              self.Load(view);
            }
          },
          py::arg("array"),
          "Appends frames from an array (float32 is read in place).")
      .def(
          "load_latest",
          [](AudioBuffer& self, const RingBuffer& ring, size_t frames) {
            py::gil_scoped_release release;
            self.LoadLatest(ring, frames);
          },
          py::arg("ring"), py::arg("frames"))
      .def("to_numpy", [](const AudioBuffer& self) {
        py::array_t<float> out({static_cast<py::ssize_t>(self.buffer_frames()),
                                static_cast<py::ssize_t>(self.format().channels)});
        self.CopyTo(out.mutable_data());
        return out;
      });
}

void BindRingBuffer(py::module_& m) {
  py::class_<RingBuffer>(m, "RingBuffer",
                         "Lock-free single-producer single-consumer ring of audio frames.")
      .def(py::init<size_t, uint32_t>(), py::arg("capacity_frames"), py::arg("channels"))
      .def_property_readonly("capacity_frames", &RingBuffer::capacity_frames)
      .def_property_readonly("channels", &RingBuffer::channels)
      .def(
          "write",
          [](RingBuffer& self, const py::buffer& block) {
            // The capture callback's path: one conversion/copy into the ring,
            // no Python objects made.
            AudioView view = ViewAudio(block, "block");
            if (view.channels != self.channels()) {
              ThrowInvalidArgument("block: has " + std::to_string(view.channels) +
                                   " channel(s), the ring holds " +
                                   std::to_string(self.channels()));
            }
            if (!view.is_interleaved()) ThrowInvalidArgument("block: must be C-contiguous");
            return self.Write(view.data, view.format, view.frames);
          },
          py::arg("block"))
      .def_property_readonly("available_frames", &RingBuffer::available_frames)
      .def(
          "read",
          [](RingBuffer& self, size_t frames) {
            py::array_t<float> out({static_cast<py::ssize_t>(std::min(frames, self.available_frames())),
                                    static_cast<py::ssize_t>(self.channels())});
            size_t got = self.Read(out.mutable_data(), static_cast<size_t>(out.shape(0)));
            if (got != static_cast<size_t>(out.shape(0))) {
              out.resize({static_cast<py::ssize_t>(got), static_cast<py::ssize_t>(self.channels())});
            }
            return out;
          },
          py::arg("frames"), "Reads and consumes up to `frames` of the oldest frames.")
      .def(
          "copy_latest",
          [](const RingBuffer& self, size_t frames) -> py::object {
            py::array_t<float> out({static_cast<py::ssize_t>(frames),
                                    static_cast<py::ssize_t>(self.channels())});
            if (!self.CopyLatest(out.mutable_data(), frames)) return py::none();
            return std::move(out);
          },
          py::arg("frames"), "The newest `frames` frames, or None if fewer are held.")
      .def("discard_all_but", &RingBuffer::DiscardAllBut, py::arg("keep_frames"))
      .def_property_readonly("frames_written", &RingBuffer::frames_written)
      .def_property_readonly("frames_read", &RingBuffer::frames_read)
      .def_property_readonly("overrun_frames", &RingBuffer::overrun_frames)
      .def("reset", &RingBuffer::Reset);
}

}  // namespace python
}  // namespace audioclf
