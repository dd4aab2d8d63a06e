// Sample-rate conversion between any two integer rates.
//
// A polyphase windowed-sinc (Kaiser) low-pass filter, streaming: feed
// interleaved float32 frames in blocks of any size, get the same output
// (bit for bit) as feeding the whole signal at once.
//
// Quality, for every rate pair: passband flat within 0.1 dB up to
// 0.45 * min(input_rate, output_rate), stopband attenuated by >= 80 dB from
// 0.5 * min(input_rate, output_rate) on (designed for ~90 dB).
//
// Output frame k is the signal at time k / output_rate: the filter delay is
// compensated, so the output is time-aligned with the input.
//
// Memory: the coefficient table is bounded by 4 MB. The rate ratio is reduced
// to L/M by their gcd; when L phases of the filter fit in 4 MB the table
// holds them exactly, otherwise it holds a power-of-two number of phases
// (at most 4096) and coefficients are linearly interpolated between the two
// nearest (twice the work per output frame, same quality targets). The
// history is 2 * taps floats per channel. Downsampling by more than 1024x is
// rejected, since the filter length grows with that ratio.
#ifndef AUDIOCLF_AUDIO_RESAMPLER_H_
#define AUDIOCLF_AUDIO_RESAMPLER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace audioclf {

class Resampler {
 public:
  // Throws kInvalidArgument for a zero rate or channel count, or a
  // downsampling ratio above 1024.
  Resampler(uint32_t input_rate, uint32_t output_rate, uint32_t channels);

  uint32_t input_rate() const { return input_rate_; }
  uint32_t output_rate() const { return output_rate_; }
  uint32_t channels() const { return channels_; }
  // Filter length in input frames (0 when the rates are equal: a copy).
  size_t taps() const { return taps_; }
  // Rows in the coefficient table: L for an exact table, or the
  // interpolated phase count + 1.
  size_t phase_rows() const { return rows_; }
  bool interpolates_phases() const { return interpolate_; }

  // Feeds `frames` interleaved input frames and appends the output frames
  // they complete to *out (interleaved). Allocates only to grow *out.
  void Process(const float* input, size_t frames, std::vector<float>* out);

  // Ends the stream: appends the remaining output so that the stream's
  // output totals ceil(total_input_frames * output_rate / input_rate)
  // frames, then resets for a new stream.
  void Flush(std::vector<float>* out);

  // Forgets the stream (history and position), keeping the filter.
  void Reset();

 private:
  // Pushes one frame (one sample per channel, interleaved; nullptr for
  // silence) into the history and writes the output frames it completes, up
  // to stream output frame `limit`, at dst; returns how many.
  size_t PushFrame(const float* frame, float* dst, uint64_t limit);
  // The output frame for the current history and phase.
  void ComputeFrame(float* dst) const;

  uint32_t input_rate_;
  uint32_t output_rate_;
  uint32_t channels_;
  uint64_t up_ = 1;    // L: output_rate / gcd
  uint64_t down_ = 1;  // M: input_rate / gcd

  size_t taps_ = 0;  // T, a multiple of 16; the kernel spans T input frames
  size_t half_ = 0;  // T / 2: output at input time n + f waits for frame n + half_
  size_t rows_ = 0;
  bool interpolate_ = false;
  uint64_t table_phases_ = 0;  // phases per input frame in the table
  std::vector<float> coeffs_;  // rows_ x taps_, each row reversed in time

  // Per channel, 2 * taps_ floats: each sample is written twice, T apart,
  // so the latest T samples are always contiguous at [pos_, pos_ + T).
  std::vector<float> history_;
  size_t pos_ = 0;

  uint64_t consumed_ = 0;     // input frames pushed in this stream
  uint64_t emitted_ = 0;      // output frames produced in this stream
  uint64_t next_center_ = 0;  // floor(emitted_ * M / L)
  uint64_t next_phase_ = 0;   // emitted_ * M mod L
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_RESAMPLER_H_
