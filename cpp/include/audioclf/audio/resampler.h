// Sample-rate conversion between any two integer rates.
//
// Streaming: feed interleaved float32 frames in blocks of any size, get the
// same output (bit for bit) as feeding the whole signal at once. Output
// frame k is the signal at time k / output_rate (every backend's delay is
// removed), and a stream of n input frames yields exactly
// ceil(n * output_rate / input_rate) output frames after Flush.
//
// Three profiles:
//
// kHighQuality (the default, "hq"): libsoxr's SOXR_HQ (linear phase, one
// thread) when the build found libsoxr (AUDIOCLF_WITH_SOXR; see
// HighQualityBackend()), else the kKaiser filter below. soxr HQ measured
// over 9 rate pairs (tests/cpp/test_resampler.cc): ripple <= 0.0081 dB to
// 0.45 * min rate, stopband >= 126 dB from 0.5005 * min rate; one hour of
// 44.1 kHz -> 16 kHz mono in 0.93 s of CPU (kKaiser: 3.87 s), as fast as
// python-soxr's HQ, whose output it equals (benchmarks/bench_resample.py).
// The stream's tail is zero-padded past soxr's own end (which stops at the
// floor of n * L / M) to reach the ceiling.
//
// kKaiser ("kaiser"): the in-house polyphase windowed-sinc (Kaiser), for
// every rate pair: passband flat within 0.1 dB up to 0.45 * min(input_rate,
// output_rate), stopband attenuated by >= 80 dB from 0.5 * min(input_rate,
// output_rate) on (designed for ~90 dB). Every phase is normalized to unit
// DC gain.
//
// kMediaPipe ("mediapipe"): the gentler kernel MediaPipe's audio tasks
// resample with, for matching their scores. With t - n the distance in
// input frames between the output instant t and input frame n:
//   h(d) = 2c * sinc(2c * d) * I0(5.658 * sqrt(1 - (d/R)^2)) / I0(5.658)
//   for |d| < R, else 0,
// where c = 0.45 * min(input_rate, output_rate) / input_rate (cutoff at 0.9
// of the lower Nyquist) and R = 5 * max(1, input_rate / output_rate) input
// frames. Coefficients are used as the formula gives them, not renormalized
// per phase (see resampler.cc). Measured, for every rate pair: -0.12 dB at
// 0.3 * min rate, about -6 dB at 0.45 * min rate (the cutoff), and only
// ~37 dB of attenuation at 0.6 * min rate (whose alias, downsampling, lands
// at 0.4 * min rate). Taps cover |d| < R: 2 * (floor(R) + 1) rounded up to
// a multiple of 16 (32 for 48 kHz -> 16 kHz, 16 when upsampling).
//
// Memory (kKaiser, kMediaPipe): the coefficient table is bounded by 4 MB,
// and its rows are built when first needed (construction is O(taps); a
// short stream or a segment builds only the phases it uses).
// The rate ratio is reduced to L/M by their gcd; when L phases of the filter
// fit in 4 MB the table holds them exactly, otherwise it holds a
// power-of-two number of phases (at most 4096) and coefficients are linearly
// interpolated between the two nearest (twice the work per output frame,
// same quality targets). The history is 2 * taps floats per channel.
// Downsampling by more than 1024x is rejected (every profile), since the
// filter length grows with that ratio.
#ifndef AUDIOCLF_AUDIO_RESAMPLER_H_
#define AUDIOCLF_AUDIO_RESAMPLER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace audioclf {

// The filter a Resampler builds; see above.
enum class ResamplerProfile { kHighQuality, kMediaPipe, kKaiser };

// Parses "hq" (kHighQuality), "kaiser" (kKaiser) or "mediapipe"
// (kMediaPipe); throws Error(kInvalidArgument) naming `argument` for
// anything else.
ResamplerProfile ParseResamplerProfile(const std::string& name,
                                       const std::string& argument = "resampler");

// "hq", "kaiser" or "mediapipe": the name ParseResamplerProfile reads.
const char* ResamplerProfileName(ResamplerProfile profile);

// What kHighQuality runs in this build: "soxr" (libsoxr found) or "kaiser".
const char* HighQualityBackend();

class Resampler {
 public:
  // Throws kInvalidArgument for a zero rate or channel count, or a
  // downsampling ratio above 1024.
  Resampler(uint32_t input_rate, uint32_t output_rate, uint32_t channels,
            ResamplerProfile profile = ResamplerProfile::kHighQuality);
  // A libsoxr stream cannot be duplicated: movable only.
  Resampler(Resampler&& other) noexcept = default;
  Resampler& operator=(Resampler&& other) noexcept = default;
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  uint32_t input_rate() const { return input_rate_; }
  uint32_t output_rate() const { return output_rate_; }
  uint32_t channels() const { return channels_; }
  ResamplerProfile profile() const { return profile_; }
  // "soxr", "kaiser" or "mediapipe": the filter this instance runs.
  const char* backend() const;
  // Filter length in input frames (0 when the rates are equal: a copy). For
  // libsoxr, an upper bound: twice its delay, in input frames.
  size_t taps() const { return taps_; }
  // Rows in the coefficient table: L for an exact table, or the
  // interpolated phase count + 1 (0 for libsoxr).
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

  // Splitting one long signal across threads: a fresh stream fed the
  // signal from input frame `input_frame` on emits, as its output j, the
  // whole stream's output `output_frame + j`, and from output
  // `first_output` on (j >= first_output - output_frame) they are equal bit
  // for bit. `exact` is false when no such point exists for this ratio (the
  // caller must then convert sequentially, or accept `max_error`).
  //
  // libsoxr: its internal DFT blocks are aligned to the stream's start, so a
  // seeked stream's outputs differ from the whole stream's by float rounding
  // only: `exact` is false and `max_error` bounds the difference for input
  // within [-1, 1] (measured <= 1.1e-6 for 44.1k->16k, 48k->16k, 16k->48k,
  // 22.05k->16k, 44.1k->16.001k; tests/cpp/test_resampler.cc).
  struct SeekPoint {
    uint64_t input_frame = 0;
    uint64_t output_frame = 0;
    bool exact = true;
    // Largest |seeked - whole| for input in [-1, 1]: 0 when `exact`.
    float max_error = 0.0f;
  };
  SeekPoint SeekFor(uint64_t first_output) const;
  // Input frames, counted from the signal's start, after which the whole
  // stream has emitted every output before `output_end` (past the end of the
  // signal, Flush emits the rest).
  uint64_t InputFramesFor(uint64_t output_end) const;

 private:
  // Pushes one frame (one sample per channel, interleaved; nullptr for
  // silence) into the history and writes the output frames it completes, up
  // to stream output frame `limit`, at dst; returns how many.
  size_t PushFrame(const float* frame, float* dst, uint64_t limit);
  // The output frame for the current history and phase.
  void ComputeFrame(float* dst);
  // Table row r, built on first use (rows are pure functions of r, so a
  // stream's output does not depend on which rows were built before).
  const float* Row(size_t r);
  void BuildRow(size_t r, float* dst);
  // libsoxr (soxr_resampler.cc): create, feed, end, forget, free.
  void SoxrCreate();
  void SoxrProcess(const float* input, size_t frames, std::vector<float>* out);
  void SoxrFlush(std::vector<float>* out);
  void SoxrReset();

  uint32_t input_rate_;
  uint32_t output_rate_;
  uint32_t channels_;
  ResamplerProfile profile_;
  uint64_t up_ = 1;    // L: output_rate / gcd
  uint64_t down_ = 1;  // M: input_rate / gcd

  size_t taps_ = 0;  // T, a multiple of 16; the kernel spans T input frames
  size_t half_ = 0;  // T / 2: output at input time n + f waits for frame n + half_
  size_t rows_ = 0;
  bool interpolate_ = false;
  uint64_t table_phases_ = 0;  // phases per input frame in the table
  // What building a row needs (kKaiser, kMediaPipe).
  struct Design {
    std::vector<double> series;    // the window's polynomial in 1 - u^2
    std::vector<double> sin_step;  // sin(i * 2 pi c), i < taps_
    std::vector<double> cos_step;
    std::vector<double> scratch;   // 3 * taps_
    double cutoff = 0.0, radius = 1.0, i0_beta = 1.0;
    bool mediapipe = false;
  };
  Design design_;
  std::unique_ptr<float[]> coeffs_;  // rows_ x taps_, each row reversed in time
  std::vector<uint8_t> row_ready_;

  // Per channel, 2 * taps_ floats: each sample is written twice, T apart,
  // so the latest T samples are always contiguous at [pos_, pos_ + T).
  std::vector<float> history_;
  size_t pos_ = 0;

  uint64_t consumed_ = 0;     // input frames pushed in this stream
  uint64_t emitted_ = 0;      // output frames produced in this stream
  uint64_t next_center_ = 0;  // floor(emitted_ * M / L)
  uint64_t next_phase_ = 0;   // emitted_ * M mod L

  struct SoxrDeleter {
    void operator()(void* soxr) const;
  };
  // The soxr_t when kHighQuality runs on libsoxr, else null.
  std::unique_ptr<void, SoxrDeleter> soxr_;
};

}  // namespace audioclf

#endif  // AUDIOCLF_AUDIO_RESAMPLER_H_
