// What a stream of audio frames is: how many channels per frame and how
// many frames per second.
#ifndef AUDIOCLF_AUDIO_AUDIO_FORMAT_H_
#define AUDIOCLF_AUDIO_AUDIO_FORMAT_H_

#include <cstdint>

namespace audioclf {

struct AudioFormat {
  uint32_t channels = 1;
  uint32_t sample_rate = 16000;

  bool operator==(const AudioFormat& o) const {
    return channels == o.channels && sample_rate == o.sample_rate;
  }
  bool operator!=(const AudioFormat& o) const { return !(*this == o); }
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_AUDIO_FORMAT_H_
