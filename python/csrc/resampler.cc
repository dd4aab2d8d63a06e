// Binds Resampler: streaming sample-rate conversion of float32 numpy arrays.
#include "audioclf/audio/resampler.h"

#include <pybind11/numpy.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "audioclf/error.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

// The GIL is released while resampling, so the stream state gets a lock of
// its own against two threads feeding one object.
struct PyResampler {
  PyResampler(uint32_t input_rate, uint32_t output_rate, uint32_t channels,
              ResamplerProfile profile)
      : resampler(input_rate, output_rate, channels, profile),
        two_dimensional(channels != 1) {}
  Resampler resampler;
  std::mutex mutex;
  bool two_dimensional;  // shape of the last input, reused by flush()
};

uint32_t CheckRate(int64_t value, const char* argument) {
  if (value <= 0 || value > UINT32_MAX) {
    ThrowInvalidArgument(std::string(argument) +
                         ": must be a positive 32-bit integer, got " +
                         std::to_string(value));
  }
  return static_cast<uint32_t>(value);
}

// Hands the vector to numpy without copying: the array owns it.
py::array_t<float> ToArray(std::vector<float>&& samples, size_t channels,
                           bool two_dimensional) {
  auto* owned = new std::vector<float>(std::move(samples));
  py::capsule free_when_done(owned, [](void* p) {
    delete static_cast<std::vector<float>*>(p);
  });
  const auto frames = static_cast<py::ssize_t>(owned->size() / channels);
  if (two_dimensional) {
    return py::array_t<float>({frames, static_cast<py::ssize_t>(channels)},
                              owned->data(), free_when_done);
  }
  return py::array_t<float>({frames}, owned->data(), free_when_done);
}

}  // namespace

void BindResampler(py::module_& m) {
  py::class_<PyResampler>(
      m, "Resampler",
      "Streaming band-limited sample-rate conversion of float32 audio.\n\n"
      "profile=\"hq\" (default): libsoxr's HQ when the build has it\n"
      "(see resampler_backend()), else the \"kaiser\" filter. \"kaiser\":\n"
      "the in-house polyphase windowed-sinc, flat within 0.1 dB up to\n"
      "0.45 x the lower rate, >= 80 dB stopband from 0.5 x the lower rate.\n"
      "\"mediapipe\": the gentler kernel MediaPipe's audio tasks resample\n"
      "with (cutoff 0.9 x the lower Nyquist, Kaiser beta 5.658, radius 5),\n"
      "to match their scores. Every way the output is time-aligned with the\n"
      "input, and feeding a signal in blocks of any sizes gives exactly the\n"
      "output of one call.")
      .def(py::init([](int64_t input_rate, int64_t output_rate, int64_t channels,
                       const std::string& profile) {
             return std::make_unique<PyResampler>(
                 CheckRate(input_rate, "input_rate"),
                 CheckRate(output_rate, "output_rate"),
                 CheckRate(channels, "channels"),
                 ParseResamplerProfile(profile, "profile"));
           }),
           py::arg("input_rate"), py::arg("output_rate"), py::arg("channels") = 1,
           py::kw_only(), py::arg("profile") = "hq")
      .def_property_readonly("input_rate",
                             [](PyResampler& self) { return self.resampler.input_rate(); })
      .def_property_readonly("output_rate",
                             [](PyResampler& self) { return self.resampler.output_rate(); })
      .def_property_readonly("channels",
                             [](PyResampler& self) { return self.resampler.channels(); })
      .def_property_readonly("profile",
                             [](PyResampler& self) {
                               return ResamplerProfileName(self.resampler.profile());
                             })
      .def_property_readonly(
          "backend", [](PyResampler& self) { return self.resampler.backend(); },
          "The filter this instance runs: \"soxr\", \"kaiser\" or \"mediapipe\".")
      .def(
          "process",
          [](PyResampler& self, const py::buffer& array) {
            const size_t channels = self.resampler.channels();
            // Held until the end, so the array cannot be resized under us.
            py::buffer_info info = array.request();
            FrameView view;
            bool valid_empty =
                info.ndim >= 1 && info.ndim <= 2 && info.shape[0] == 0 &&
                info.format == py::format_descriptor<float>::format() &&
                (info.ndim == 1 ? channels == 1
                                : info.shape[1] == static_cast<py::ssize_t>(channels));
            if (!valid_empty) view = ViewFrames(array, channels, "array");
            const bool two_dimensional = info.ndim == 2;
            std::vector<float> out;
            {
              py::gil_scoped_release release;
              std::lock_guard<std::mutex> lock(self.mutex);
              self.two_dimensional = two_dimensional;
              self.resampler.Process(view.data, view.frames, &out);
            }
            return ToArray(std::move(out), channels, two_dimensional);
          },
          py::arg("array"),
          "Resamples float32 frames, (frames,) or (frames, channels), read in\n"
          "place; returns the output frames they complete, same layout.")
      .def(
          "flush",
          [](PyResampler& self) {
            std::vector<float> out;
            bool two_dimensional;
            {
              py::gil_scoped_release release;
              std::lock_guard<std::mutex> lock(self.mutex);
              two_dimensional = self.two_dimensional;
              self.resampler.Flush(&out);
            }
            return ToArray(std::move(out), self.resampler.channels(), two_dimensional);
          },
          "Ends the stream: returns the remaining output (laid out like the\n"
          "last input) so the stream totals ceil(frames_in * output_rate /\n"
          "input_rate) frames, and resets for a new stream.")
      .def(
          "reset",
          [](PyResampler& self) {
            std::lock_guard<std::mutex> lock(self.mutex);
            self.resampler.Reset();
          },
          py::call_guard<py::gil_scoped_release>(),
          "Forgets the stream's history and position.")
      .def("__repr__", [](PyResampler& self) {
        return "Resampler(input_rate=" + std::to_string(self.resampler.input_rate()) +
               ", output_rate=" + std::to_string(self.resampler.output_rate()) +
               ", channels=" + std::to_string(self.resampler.channels()) +
               ", profile='" + ResamplerProfileName(self.resampler.profile()) + "')";
      });
  m.def(
      "resampler_backend", [] { return HighQualityBackend(); },
      "What profile=\"hq\" runs in this build: \"soxr\" (libsoxr) or \"kaiser\".");
}

}  // namespace python
}  // namespace audioclf
