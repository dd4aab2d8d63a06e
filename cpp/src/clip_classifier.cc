#include "audioclf/clip_classifier.h"

#include <algorithm>

#include "audioclf/audio/wav_reader.h"
#include "audioclf/error.h"
#include "audioclf/limits.h"

namespace audioclf {
namespace {

std::vector<WindowResult> Collect(StreamClassifier& stream) {
  std::vector<WindowResult> results;
  while (auto result = stream.PopResult()) results.push_back(std::move(*result));
  return results;
}

}  // namespace

std::vector<WindowResult> ClassifyClip(const AudioClassifier& classifier,
                                       const AudioView& clip, StreamOptions options) {
  options.input_channels = clip.channels;
  StreamClassifier stream(classifier, options);
  // Fed in slices so the converted audio never has to exist all at once.
  const size_t block = 1 << 16;
  const auto* base = static_cast<const unsigned char*>(clip.data);
  for (size_t start = 0; start < clip.frames; start += block) {
    AudioView slice = clip;
    slice.data = base + static_cast<ptrdiff_t>(start) * clip.frame_stride;
    slice.frames = std::min(block, clip.frames - start);
    stream.Feed(slice);
  }
  stream.Finish();
  return Collect(stream);
}

std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier,
                                          const std::string& path, StreamOptions options,
                                          size_t block_frames, const Progress& progress) {
  WavReader reader = WavReader::Open(path);
  return ClassifyWavFile(classifier, reader, std::move(options), block_frames, progress);
}

std::vector<WindowResult> ClassifyWavFile(const AudioClassifier& classifier, WavReader& reader,
                                          StreamOptions options, size_t block_frames,
                                          const Progress& progress) {
  try {
    const WavInfo& info = reader.info();
    options.input_rate = info.sample_rate;
    options.input_channels = info.channels;
    StreamClassifier stream(classifier, options);
    const size_t frame_bytes = info.channels * sizeof(float);
    block_frames = std::clamp<size_t>(block_frames, 1, limits::kMaxReadBlockBytes / frame_bytes);
    std::vector<float> block(block_frames * info.channels);
    for (uint64_t start = 0; start < info.frame_count; start += block_frames) {
      size_t frames = reader.ReadFrames(start, block_frames, block.data());
      if (frames == 0) break;
      stream.Feed(AudioView::Interleaved(block.data(), SampleFormat::kFloat32, frames,
                                         info.channels));
      if (progress) progress(start + frames, info.frame_count);
    }
    stream.Finish();
    return Collect(stream);
  } catch (const Error& error) {
    RethrowNaming(error, reader.path());
  }
}

}  // namespace audioclf
