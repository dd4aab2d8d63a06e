// Classifies the first window of a WAV file and prints the top categories of
// each head:
//   classify_wav MODEL.tflite AUDIO.wav [LIBLITERT.so]
// The LiteRT library comes from the third argument or $AUDIOCLF_LITERT_LIBRARY.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "audioclf/audio/wav_reader.h"
#include "audioclf/audio_classifier.h"
#include "audioclf/error.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.tflite AUDIO.wav [libLiteRt.so]\n", argv[0]);
    return 2;
  }
  audioclf::AudioClassifierOptions options;
  options.base_options.file_name = argv[1];
  if (argc > 3) options.base_options.litert_library = argv[3];
  options.classification_options.max_results = 3;
  if (argc <= 3) {
    const char* env = std::getenv("AUDIOCLF_LITERT_LIBRARY");
    if (env == nullptr || *env == '\0') {
      std::fprintf(stderr, "skipped: no LiteRT library (set AUDIOCLF_LITERT_LIBRARY)\n");
      return 77;
    }
  }
  try {
    auto classifier = audioclf::AudioClassifier::CreateFromOptions(options);
    audioclf::WavReader wav = audioclf::WavReader::Open(argv[2]);
    const audioclf::AudioFormat& format = classifier->required_audio_format();
    if (wav.info().sample_rate != format.sample_rate ||
        wav.info().channels != format.channels) {
      std::fprintf(stderr, "%s: %u Hz x %u channels; the model wants %u Hz x %u\n",
                   argv[2], wav.info().sample_rate, wav.info().channels,
                   format.sample_rate, format.channels);
      return 1;
    }
    audioclf::AudioBuffer buffer = classifier->CreateInputAudioBuffer();
    std::vector<float> samples(classifier->required_input_buffer_size(), 0.0f);
    size_t frames = wav.ReadFrames(0, classifier->window_frames(), samples.data());
    // A short file is zero-padded at the end, as the last window of a clip.
    buffer.Load(samples.data(), classifier->window_frames());
    std::printf("%s: %zu frames read\n", argv[2], frames);
    audioclf::ClassificationResult result = classifier->Classify(buffer);
    for (const auto& head : result.classifications) {
      std::printf("%s:", head.head_name.empty() ? "head" : head.head_name.c_str());
      for (const auto& category : head.categories) {
        std::printf(" %s=%.4f", category.category_name.c_str(), category.score);
      }
      std::printf("\n");
    }
  } catch (const audioclf::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
