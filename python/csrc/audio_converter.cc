// Binds AudioConverter: any PCM layout, channel count and rate in, the
// model's float32 frames out, streaming. The embed command's windows go
// through it so the conversion is the one StreamClassifier uses.
#include "audioclf/audio/audio_converter.h"

#include <pybind11/numpy.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audioclf/error.h"
#include "audioclf/limits.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

struct PyConverter {
  PyConverter(uint32_t rate, uint32_t channels, AudioFormat model, const ConversionOptions& o)
      : converter(rate, channels, model, o) {}
  AudioConverter converter;
  std::mutex mutex;  // the GIL is released while converting
};

py::array_t<float> Frames(std::vector<float>&& samples, size_t channels) {
  auto* owned = new std::vector<float>(std::move(samples));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>(
      {static_cast<py::ssize_t>(owned->size() / channels), static_cast<py::ssize_t>(channels)},
      owned->data(), free_when_done);
}

}  // namespace

void BindAudioConverter(py::module_& m) {
  py::class_<PyConverter>(m, "AudioConverter")
      .def(py::init([](py::object input_rate, py::object input_channels,
                       const AudioFormat& model, py::object channel, bool allow_resampling,
                       const std::string& resampler) {
             ConversionOptions options;
             if (!channel.is_none()) {
               options.channel_mode = ChannelMode::kSelect;
               options.channel = static_cast<uint32_t>(
                   IntArgument(channel, "channel", 0, limits::kMaxChannels - 1));
             }
             options.allow_resampling = allow_resampling;
             options.resampler = ParseResamplerProfile(resampler, "resampler");
             const auto rate = static_cast<uint32_t>(IntArgument(
                 input_rate, "sample_rate", limits::kMinSampleRate, limits::kMaxSampleRate));
             const auto channels = static_cast<uint32_t>(
                 IntArgument(input_channels, "channels", 1, limits::kMaxChannels));
             return std::make_unique<PyConverter>(rate, channels, model, options);
           }),
           py::arg("input_rate"), py::arg("input_channels"), py::arg("model_format"),
           py::kw_only(), py::arg("channel") = py::none(), py::arg("allow_resampling") = true,
           py::arg("resampler") = "hq")
      .def(
          "process",
          [](PyConverter& self, const py::buffer& block) {
            AudioView view = ViewAudio(block, "block");
            std::vector<float> out;
            {
              py::gil_scoped_release release;
              std::lock_guard<std::mutex> lock(self.mutex);
              self.converter.Process(view, &out);
            }
            return Frames(std::move(out), self.converter.output_format().channels);
          },
          py::arg("block"),
          "Converts a block (frames,) or (frames, channels) of any PCM dtype;\n"
          "returns the model frames it completes, float32 (frames, model channels).")
      .def("flush", [](PyConverter& self) {
        std::vector<float> out;
        {
          py::gil_scoped_release release;
          std::lock_guard<std::mutex> lock(self.mutex);
          self.converter.Flush(&out);
        }
        return Frames(std::move(out), self.converter.output_format().channels);
      });
}

}  // namespace python
}  // namespace audioclf
