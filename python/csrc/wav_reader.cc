// Binds the WAV reader: header info and frame-range reads into numpy.
#include "audioclf/audio/wav_reader.h"

#include <pybind11/numpy.h>

#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {

WavReader OpenWav(const std::string& path, bool strict) {
  WavReader reader = [&] {
    py::gil_scoped_release release;
    return WavReader::Open(path, strict);
  }();
  const WavInfo& info = reader.info();
  if (info.truncated) {
    const std::string message = "WAV file '" + path + "' is truncated: its data chunk declares " +
                                std::to_string(info.declared_frame_count) + " frames, " +
                                std::to_string(info.frame_count) + " were read";
    py::object warning = py::module_::import("audioclf._core").attr("TruncatedAudioWarning");
    // Level 2: the caller of the audioclf function that opened the file.
    // -1: the warning was turned into an error (e.g. -W error).
    if (PyErr_WarnEx(warning.ptr(), message.c_str(), 2) != 0) throw py::error_already_set();
  }
  return reader;
}

void BindWavReader(py::module_& m) {
  py::class_<WavInfo>(m, "WavInfo")
      .def_readonly("sample_rate", &WavInfo::sample_rate)
      .def_readonly("channels", &WavInfo::channels)
      .def_readonly("bits_per_sample", &WavInfo::bits_per_sample)
      .def_readonly("format_tag", &WavInfo::format_tag)
      .def_readonly("frame_count", &WavInfo::frame_count)
      .def_readonly("truncated", &WavInfo::truncated)
      .def_readonly("declared_frame_count", &WavInfo::declared_frame_count);

  py::class_<WavReader>(m, "WavReader")
      .def(py::init([](const std::string& path, bool strict, bool warn) {
             if (!warn) return std::make_unique<WavReader>(WavReader::Open(path, strict));
             return std::make_unique<WavReader>(OpenWav(path, strict));
           }),
           py::arg("path"), py::arg("strict") = false, py::arg("warn") = true,
           "Opens a WAV file; a truncated one warns (TruncatedAudioWarning) "
           "unless warn=False, or is an error with strict=True.")
      .def_property_readonly("info", &WavReader::info)
      .def_property_readonly("path", &WavReader::path)
      .def(
          "read",
          [](WavReader& self, uint64_t first_frame, size_t frame_count) {
            const uint64_t total = self.info().frame_count;
            size_t available =
                first_frame >= total
                    ? 0
                    : static_cast<size_t>(std::min<uint64_t>(frame_count, total - first_frame));
            py::array_t<float> out({static_cast<py::ssize_t>(available),
                                    static_cast<py::ssize_t>(self.info().channels)});
            size_t got;
            {
              py::gil_scoped_release release;
              got = self.ReadFrames(first_frame, available, out.mutable_data());
            }
            if (got != available) out.resize({static_cast<py::ssize_t>(got),
                                              static_cast<py::ssize_t>(self.info().channels)});
            return out;
          },
          py::arg("first_frame") = 0, py::arg("frame_count"),
          "Reads up to frame_count frames from first_frame as float32 "
          "(frames, channels).");
}

}  // namespace python
}  // namespace audioclf
