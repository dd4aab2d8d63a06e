// numpy arrays as AudioView: any supported dtype and memory layout, read in
// place (no copy is made here or in Python).
#include "audioclf/audio/audio_converter.h"
#include "audioclf/error.h"
#include "bindings.h"

namespace py = pybind11;

namespace audioclf {
namespace python {
namespace {

SampleFormat FormatOf(const py::buffer_info& info, const std::string& name) {
  const char kind = info.format.empty() ? '?' : info.format.back();
  switch (kind) {
    case 'f':
      if (info.itemsize == 4) return SampleFormat::kFloat32;
      break;
    case 'd':
      if (info.itemsize == 8) return SampleFormat::kFloat64;
      break;
    case 'h':
      if (info.itemsize == 2) return SampleFormat::kInt16;
      break;
    case 'i':
    case 'l':
      if (info.itemsize == 4) return SampleFormat::kInt32;
      break;
    case 'B':
      return SampleFormat::kUInt8;
    case 'b':
      return SampleFormat::kInt8;
    default:
      break;
  }
  ThrowInvalidArgument(name + ": unsupported dtype (buffer format '" + info.format +
                       "', " + std::to_string(info.itemsize) +
                       " bytes); expected float32, float64, int16, int32, int8 or uint8");
}

}  // namespace

AudioView ViewAudio(const py::buffer& array, const char* argument) {
  py::buffer_info info = array.request();
  const std::string name(argument);
  if (info.ndim != 1 && info.ndim != 2) {
    ThrowInvalidArgument(name + ": expected a 1-D (frames) or 2-D (frames, channels) array, got " +
                         std::to_string(info.ndim) + " dimensions");
  }
  AudioView view;
  view.data = info.ptr;
  view.format = FormatOf(info, name);
  view.frames = static_cast<size_t>(info.shape[0]);
  view.channels = info.ndim == 2 ? static_cast<uint32_t>(info.shape[1]) : 1;
  view.frame_stride = info.strides[0];
  view.channel_stride = info.ndim == 2 ? info.strides[1] : info.itemsize;
  if (view.channels == 0) ThrowInvalidArgument(name + ": array has 0 channels");
  return view;
}

}  // namespace python
}  // namespace audioclf
