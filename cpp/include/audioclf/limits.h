// Every resource bound audioclf applies to what a file or an argument
// controls, in one place. Inputs past a bound are rejected with
// Error(kInvalidArgument) naming the file or argument, before anything of
// that size is allocated. The README's "Limits" section lists the same values.
#ifndef AUDIOCLF_LIMITS_H_
#define AUDIOCLF_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace audioclf {
namespace limits {

// A .tflite model read into memory (BirdNET's float32 model is ~50 MB).
constexpr uint64_t kMaxModelBytes = uint64_t{1} << 30;  // 1 GiB
// A label file given with AudioClassifierOptions::label_file.
constexpr uint64_t kMaxLabelFileBytes = uint64_t{16} << 20;  // 16 MiB
// Lines of any label file; a model's own class count is the tighter bound.
constexpr size_t kMaxLabelLines = size_t{1} << 20;
// One inflated (or stored) zip entry of a model's associated files.
constexpr uint64_t kMaxZipEntryBytes = uint64_t{16} << 20;  // 16 MiB
// Inflated / compressed size; text compresses 3-10x, a bomb ~1000x. Only
// checked past kZipRatioFloorBytes, where a small entry is harmless anyway.
constexpr uint64_t kMaxZipCompressionRatio = 100;
constexpr uint64_t kZipRatioFloorBytes = uint64_t{1} << 20;  // 1 MiB

// Channels of input audio (WAV files, arrays, streams).
constexpr uint32_t kMaxChannels = 256;
// Sample rates of input audio and of a model, in Hz; they also bound the
// resampling ratio to 768 in both directions.
constexpr uint32_t kMinSampleRate = 1000;
constexpr uint32_t kMaxSampleRate = 768000;
// Bytes of one block read from a file or converted from a fed block; wide
// files are read in fewer frames per block.
constexpr size_t kMaxReadBlockBytes = size_t{16} << 20;  // 16 MiB

// Parallel workers of a stream or clip: this many per core at most.
constexpr unsigned kMaxWorkersPerCore = 4;
// Windows a stream may queue for its workers (StreamOptions::queued_windows).
constexpr size_t kMaxQueuedWindows = 1024;
// Samples (frames * channels) of an AudioBuffer / TensorAudio: 10 minutes of
// 48 kHz stereo.
constexpr size_t kMaxAudioBufferSamples = size_t{1} << 26;  // 256 MiB float32

// A model's graph (checked by model/graph_validator.h): the largest tensor
// (elements × element size), and how many tensors, operators and subgraphs
// it may have; real audio models have a few hundred tensors.
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 30;  // 1 GiB
// All tensors that are not constants (activations, inputs, outputs,
// variables), as declared: LiteRT plans memory for them before it computes
// their real shapes. BirdNET's come to 5 MiB, YAMNet's to 2 MiB.
constexpr uint64_t kMaxActivationBytes = uint64_t{256} << 20;  // 256 MiB
constexpr size_t kMaxGraphTensors = size_t{1} << 20;
constexpr size_t kMaxGraphOperators = size_t{1} << 20;
constexpr size_t kMaxSubgraphs = 1024;

}  // namespace limits
}  // namespace audioclf

#endif  // AUDIOCLF_LIMITS_H_
