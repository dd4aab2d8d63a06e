// Declarations shared by the binding files of audioclf._core.
#ifndef AUDIOCLF_PYTHON_CSRC_BINDINGS_H_
#define AUDIOCLF_PYTHON_CSRC_BINDINGS_H_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "audioclf/audio/audio_converter.h"
#include "audioclf/audio/wav_reader.h"
#include "audioclf/processor/classification_result.h"

// Result lists are bound as opaque list-like types: Python reads them in
// place instead of converting a fresh list on every attribute access, and
// changes made from Python stick.
PYBIND11_MAKE_OPAQUE(std::vector<audioclf::Category>)
PYBIND11_MAKE_OPAQUE(std::vector<audioclf::Classifications>)

namespace audioclf {
namespace python {

void BindAudioBuffer(pybind11::module_& m);
void BindRingBuffer(pybind11::module_& m);
void BindCaptureBuffer(pybind11::module_& m);
void BindWavReader(pybind11::module_& m);
void BindMp3Header(pybind11::module_& m);
void BindClassificationResult(pybind11::module_& m);
void BindAudioClassifier(pybind11::module_& m);
void BindAudioEmbedder(pybind11::module_& m);
void BindResampler(pybind11::module_& m);
void BindStreamClassifier(pybind11::module_& m);
void BindModelRewriter(pybind11::module_& m);
void BindAudioConverter(pybind11::module_& m);

// A float32 view of a numpy array of audio frames: 1-D (one channel) or 2-D
// (frames, channels), C-contiguous. Throws ValueError naming `argument` when
// the dtype, shape or layout is not that, or `channels` does not match.
struct FrameView {
  const float* data = nullptr;
  size_t frames = 0;
};
FrameView ViewFrames(const pybind11::buffer& array, size_t channels,
                     const char* argument);

// Any numpy audio array (float32/64, int16/32, int8, uint8; 1-D or
// (frames, channels); any strides) as an AudioView over its memory.
AudioView ViewAudio(const pybind11::buffer& array, const char* argument);

// Opens a WAV file (GIL released) and warns TruncatedAudioWarning naming it
// when it is shorter than its header says.
WavReader OpenWav(const std::string& path, bool strict);

// `value` as an integer in [min, max]. Raises TypeError (not an integer) or
// ValueError (out of range) naming `argument`, where pybind11's own casts
// would raise an anonymous TypeError or RuntimeError.
int64_t IntArgument(const pybind11::handle& value, const char* argument, int64_t min,
                    int64_t max);

}  // namespace python
}  // namespace audioclf

#endif  // AUDIOCLF_PYTHON_CSRC_BINDINGS_H_
