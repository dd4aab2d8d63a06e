// The length an MP3 file declares in its Xing/Info header (written by LAME
// and most encoders), against the bytes the file holds. Decoders that trust
// the header, libsndfile's among them, stop at the declared length: MP3 files
// joined end to end (`cat a.mp3 b.mp3`) then decode only the first part, and
// a download cut short claims more audio than it has. Only headers and tags
// are read, never the audio.
#ifndef AUDIOCLF_AUDIO_MP3_HEADER_H_
#define AUDIOCLF_AUDIO_MP3_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace audioclf {

struct Mp3Header {
  bool found = false;           // a Xing/Info header in the first MPEG frame
  uint32_t sample_rate = 0;     // of that frame
  uint32_t samples_per_frame = 0;
  uint64_t declared_frames = 0; // MPEG frames the header declares (0: not given)
  uint64_t declared_bytes = 0;  // stream bytes the header declares (0: not given)
  uint64_t first_frame = 0;     // offset of the first MPEG frame in the file
  uint64_t stream_bytes = 0;    // from the first frame to the end, tags excluded
};

// Finds the first MPEG audio frame in `data` (the file's bytes from `offset`,
// past any ID3v2 tag) and parses its Xing/Info header. Never reads outside
// [data, data + size); `found` is false when there is no such header.
Mp3Header ParseMp3Frames(const unsigned char* data, size_t size, uint64_t offset);

// Reads the header of the MP3 file at `path`: skips ID3v2 tags, parses the
// first frame, and measures the stream without its trailing ID3v1 and APE
// tags. Reads at most a few KiB. Throws Error(kInvalidArgument) naming the
// path when it is not a readable regular file.
Mp3Header ReadMp3Header(const std::string& path);

// "" when the file holds about the bytes its header declares (or declares
// none); otherwise a message naming `path` that says how many seconds a
// decoder trusting the header reads and what the file holds.
std::string DescribeMp3LengthMismatch(const Mp3Header& header, const std::string& path);

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_MP3_HEADER_H_
