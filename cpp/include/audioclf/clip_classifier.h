// Offline classification of whole clips and files: a StreamClassifier fed
// in blocks, so an hour-long file is read, converted and resampled piece by
// piece in bounded memory while the workers classify windows in parallel.
#ifndef AUDIOCLF_CLIP_CLASSIFIER_H_
#define AUDIOCLF_CLIP_CLASSIFIER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "audioclf/audio/audio_converter.h"
#include "audioclf/audio/wav_reader.h"
#include "audioclf/stream_classifier.h"

namespace audioclf {

// Classifies every window of `clip` (its channel count and `options.input_rate`
// describe it). Results are in time order.
std::vector<WindowResult> ClassifyClip(const AudioClassifier& classifier,
                                       const AudioView& clip, StreamOptions options);

// Called on the calling thread after each block: frames read so far, total.
using Progress = std::function<void(uint64_t frames_done, uint64_t frames_total)>;

// Same for a WAV file, read in blocks of `block_frames` (fewer for files so
// wide that a block would pass limits::kMaxReadBlockBytes); the file's own
// rate and channel count override those in `options`.
std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier,
                                          const std::string& path, StreamOptions options,
                                          size_t block_frames = 1 << 16,
                                          const Progress& progress = nullptr);
// The same from a reader already open (e.g. to look at info().truncated).
std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier, WavReader& reader,
                                          StreamOptions options, size_t block_frames = 1 << 16,
                                          const Progress& progress = nullptr);

}  // namespace audioclf

#endif  // AUDIOCLF_CLIP_CLASSIFIER_H_
