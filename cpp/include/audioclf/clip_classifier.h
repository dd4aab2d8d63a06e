// Offline classification of whole clips and files. A clip or file that can
// be read from any frame is split into segments of whole windows; each
// worker thread reads, converts, resamples and classifies its own segments
// with its own converter and model, so decoding and resampling scale with the
// workers as inference does. A segment starts early enough for the
// resampler's filter that its windows equal, bit for bit, those of one
// sequential pass (Resampler::SeekFor); results are stitched in time order.
// Where seek points are not exact (libsoxr, "hq" where the build has it),
// decoding runs ahead on the workers' count of reader threads, the calling
// thread converts and resamples in one pass, and the workers classify, so
// results never depend on the worker count.
#ifndef AUDIOCLF_CLIP_CLASSIFIER_H_
#define AUDIOCLF_CLIP_CLASSIFIER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audioclf/audio/audio_converter.h"
#include "audioclf/audio/wav_reader.h"
#include "audioclf/stream_classifier.h"

namespace audioclf {

// Audio that several threads can read at once, each through its own Reader.
class SeekableAudio {
 public:
  class Reader {
   public:
    virtual ~Reader() = default;
    // Frames [start, start + frames), fewer only at the end of the audio.
    // The view stays valid until the next call.
    virtual AudioView Read(uint64_t start, size_t frames) = 0;
  };

  virtual ~SeekableAudio() = default;
  virtual uint32_t sample_rate() const = 0;
  virtual uint32_t channels() const = 0;
  virtual uint64_t frames() const = 0;
  // Called once per worker thread, from that thread.
  virtual std::unique_ptr<Reader> OpenReader() const = 0;
  // True when Read only points into memory (nothing to decode ahead).
  virtual bool reads_are_views() const { return false; }
};

// Called on the calling thread as blocks are read: frames read so far, total.
using Progress = std::function<void(uint64_t frames_done, uint64_t frames_total)>;

// Classifies every window of `audio` with options.workers threads (0: one
// per core); its rate and channel count override those in `options`.
// Results are in time order, equal to those of feeding the audio to one
// StreamClassifier. `block_frames` bounds each read.
std::vector<WindowResult> ClassifySeekable(const AudioClassifier& classifier,
                                           const SeekableAudio& audio, StreamOptions options,
                                           size_t block_frames = 1 << 16,
                                           const Progress& progress = nullptr);

// Classifies every window of `clip` (its channel count and `options.input_rate`
// describe it). Results are in time order.
std::vector<WindowResult> ClassifyClip(const AudioClassifier& classifier,
                                       const AudioView& clip, StreamOptions options);

// Same for a WAV file, read in blocks of `block_frames` (fewer for files so
// wide that a block would pass limits::kMaxReadBlockBytes); the file's own
// rate and channel count override those in `options`.
std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier,
                                          const std::string& path, StreamOptions options,
                                          size_t block_frames = 1 << 16,
                                          const Progress& progress = nullptr);
// The same from a reader already open (e.g. to look at info().truncated);
// the other workers open the same path.
std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier, WavReader& reader,
                                          StreamOptions options, size_t block_frames = 1 << 16,
                                          const Progress& progress = nullptr);

}  // namespace audioclf

#endif  // AUDIOCLF_CLIP_CLASSIFIER_H_
