#include "audioclf/audio/resampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "audioclf/error.h"

namespace audioclf {
namespace {

// kHighQuality design targets, as fractions of the lower of the two rates.
constexpr double kPassbandEdge = 0.45;
constexpr double kStopbandEdge = 0.50;
// Designed for ~90 dB so the guaranteed 80 dB holds with margin (the Kaiser
// length formula is an estimate; float32 rounding sits far below it).
constexpr double kAttenuationDb = 90.0;
// kMediaPipe kernel: cutoff at 0.9 of the lower Nyquist, Kaiser beta 5.658,
// radius 5 (input frames when upsampling, output frames when downsampling).
constexpr double kMediaPipeCutoffProportion = 0.9;
constexpr double kMediaPipeBeta = 5.658;
constexpr double kMediaPipeRadiusFactor = 5.0;
constexpr size_t kTapMultiple = 16;  // matches the 16 partial sums in Dot
constexpr size_t kMaxTableFloats = size_t{1} << 20;  // 4 MB of coefficients
constexpr uint64_t kMaxTablePhases = 4096;
constexpr uint32_t kMaxDownsampling = 1024;
constexpr size_t kChunkFrames = size_t{1} << 16;
constexpr double kPi = 3.14159265358979323846;
// Bound on |seeked - whole| for libsoxr segments of input in [-1, 1]
// (measured <= 1.1e-6; SeekedSoxrStreamMatchesWholeStream).
constexpr float kSoxrSeekMaxError = 2e-6f;
#ifdef AUDIOCLF_HAVE_SOXR
constexpr bool kHaveSoxr = true;
#else
constexpr bool kHaveSoxr = false;
#endif

double BesselI0(double x) {
  // Power series; converges fast for the arguments a Kaiser window uses.
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  for (int k = 1; k < 500; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

// Sixteen independent partial sums let GCC vectorize this at -O2/-O3 without
// -ffast-math (a single accumulator would pin the order of the additions).
// n is a multiple of kTapMultiple.
inline float Dot(const float* a, const float* b, size_t n) {
  float s[16] = {};
  for (size_t i = 0; i < n; i += 16) {
    for (size_t j = 0; j < 16; ++j) s[j] += a[i + j] * b[i + j];
  }
  for (size_t j = 0; j < 8; ++j) s[j] += s[j + 8];
  for (size_t j = 0; j < 4; ++j) s[j] += s[j + 4];
  return (s[0] + s[2]) + (s[1] + s[3]);
}

}  // namespace

ResamplerProfile ParseResamplerProfile(const std::string& name,
                                       const std::string& argument) {
  if (name == "hq") return ResamplerProfile::kHighQuality;
  if (name == "kaiser") return ResamplerProfile::kKaiser;
  if (name == "mediapipe") return ResamplerProfile::kMediaPipe;
  ThrowInvalidArgument(argument + ": expected 'hq', 'kaiser' or 'mediapipe', got '" +
                       name + "'");
}

const char* ResamplerProfileName(ResamplerProfile profile) {
  switch (profile) {
    case ResamplerProfile::kMediaPipe:
      return "mediapipe";
    case ResamplerProfile::kKaiser:
      return "kaiser";
    case ResamplerProfile::kHighQuality:
      break;
  }
  return "hq";
}

const char* Resampler::backend() const {
  if (soxr_) return "soxr";
  return profile_ == ResamplerProfile::kMediaPipe ? "mediapipe" : "kaiser";
}

Resampler::Resampler(uint32_t input_rate, uint32_t output_rate,
                     uint32_t channels, ResamplerProfile profile)
    : input_rate_(input_rate),
      output_rate_(output_rate),
      channels_(channels),
      profile_(profile) {
  if (input_rate == 0) ThrowInvalidArgument("input_rate: must be positive");
  if (output_rate == 0) ThrowInvalidArgument("output_rate: must be positive");
  if (channels == 0) ThrowInvalidArgument("channels: must be positive");
  if (input_rate / output_rate > kMaxDownsampling ||
      (input_rate / output_rate == kMaxDownsampling &&
       input_rate % output_rate != 0)) {
    ThrowInvalidArgument("input_rate / output_rate: downsampling by more than " +
                         std::to_string(kMaxDownsampling) +
                         "x is not supported (" + std::to_string(input_rate) +
                         " -> " + std::to_string(output_rate) + ")");
  }
  uint64_t g = std::gcd(input_rate, output_rate);
  up_ = output_rate / g;
  down_ = input_rate / g;
  if (up_ == down_) return;  // same rate: Process copies
  if (profile == ResamplerProfile::kHighQuality && kHaveSoxr) {
    SoxrCreate();
    return;
  }

  // Frequencies in cycles per input frame; `radius` in input frames: the
  // window is zero from |t| >= radius on.
  const bool mediapipe = profile == ResamplerProfile::kMediaPipe;
  const double min_rate = std::min(input_rate, output_rate);
  double cutoff, beta, radius;
  if (mediapipe) {
    cutoff = kMediaPipeCutoffProportion * 0.5 * min_rate / input_rate;
    beta = kMediaPipeBeta;
    radius = kMediaPipeRadiusFactor *
             std::max(1.0, static_cast<double>(input_rate) / output_rate);
    // Frames n with |n - t| < radius, for t in [c, c + 1), lie in
    // [c - floor(radius), c + floor(radius) + 1]: half_ >= floor(radius) + 1.
    taps_ = 2 * (static_cast<size_t>(std::floor(radius)) + 1);
  } else {
    cutoff = 0.5 * (kPassbandEdge + kStopbandEdge) * min_rate / input_rate;
    const double transition = (kStopbandEdge - kPassbandEdge) * min_rate / input_rate;
    beta = 0.1102 * (kAttenuationDb - 8.7);
    const double length = (kAttenuationDb - 7.95) / (14.36 * transition) + 1.0;
    taps_ = static_cast<size_t>(std::ceil(length));
  }
  taps_ = (taps_ + kTapMultiple - 1) / kTapMultiple * kTapMultiple;
  half_ = taps_ / 2;
  // The high-quality window spans the whole (rounded-up) length.
  if (!mediapipe) radius = static_cast<double>(half_);

  // One row per phase f in [0, 1] of an input frame. The exact table has the
  // L phases k*M/L can take; when that exceeds the memory bound, a
  // power-of-two grid of phases (plus the closing row f = 1) is
  // interpolated linearly.
  if (up_ * taps_ <= kMaxTableFloats) {
    rows_ = static_cast<size_t>(up_);
    table_phases_ = up_;
  } else {
    interpolate_ = true;
    table_phases_ = kMaxTablePhases;
    while (table_phases_ > 1 && (table_phases_ + 1) * taps_ > kMaxTableFloats) {
      table_phases_ /= 2;
    }
    rows_ = static_cast<size_t>(table_phases_ + 1);
  }

  // The table can hold a million coefficients; each used to cost a Bessel
  // series with a division per term and a sin (0.25 s for a coprime pair).
  // Now rows are built when an output first needs them (a short stream or a
  // segment touches few; see Row), and cheaply: I0(beta * sqrt(y)) =
  // sum_k a_k y^k with a_k = (beta^2/4)^k / (k!)^2 is a polynomial in
  // y = 1 - u^2 (Horner, no division); sin(pi * x) for the taps of a row,
  // x = x0 - i * 2c, comes from sin/cos of x0 and of i * 2c (one table for
  // all rows); and row Q - f mirrors row f (h is even). Values agree with
  // the direct formula to ~1e-16.
  design_.mediapipe = mediapipe;
  design_.cutoff = cutoff;
  design_.radius = radius;
  design_.series.assign(1, 1.0);
  const double quarter_beta2 = beta * beta / 4.0;
  for (int k = 1; k < 500 && design_.series.back() >= 1e-18; ++k) {
    design_.series.push_back(design_.series.back() * quarter_beta2 /
                             (static_cast<double>(k) * k));
  }
  design_.i0_beta = BesselI0(beta);
  const double step = kPi * 2.0 * cutoff;  // the sin argument's step per tap
  design_.sin_step.resize(taps_);
  design_.cos_step.resize(taps_);
  for (size_t i = 0; i < taps_; ++i) {
    design_.sin_step[i] = std::sin(step * static_cast<double>(i));
    design_.cos_step[i] = std::cos(step * static_cast<double>(i));
  }
  design_.scratch.resize(3 * taps_);
  // Uninitialized: pages of rows never used are never touched.
  coeffs_.reset(new float[rows_ * taps_]);
  row_ready_.assign(rows_, 0);
  history_.assign(2 * taps_ * channels_, 0.0f);
}

const float* Resampler::Row(size_t r) {
  float* dst = coeffs_.get() + r * taps_;
  if (row_ready_[r]) return dst;
  // Row Q - r is row r reversed: t -> -t (rows 1..Q-1 of an exact table,
  // 0..Q of an interpolated one). Always the upper half from the lower, so
  // the values do not depend on which row a stream needed first.
  const uint64_t mirror = table_phases_ - r;
  if (r > 0 && mirror < r) {
    const float* src = Row(static_cast<size_t>(mirror));
    for (size_t i = 0; i < taps_; ++i) dst[i] = src[taps_ - 1 - i];
  } else {
    BuildRow(r, dst);
  }
  row_ready_[r] = 1;
  return dst;
}

void Resampler::BuildRow(size_t r, float* dst) {
  const Design& d = design_;
  const double cutoff = d.cutoff, radius = d.radius;
  const double* series = d.series.data();
  const size_t terms = d.series.size();
  double* row = design_.scratch.data();
  double* sinc = row + taps_;
  double* y = sinc + taps_;
  const double f = static_cast<double>(r) / static_cast<double>(table_phases_);
  const double t0 = f + static_cast<double>(half_) - 1.0;
  const double sin0 = std::sin(kPi * 2.0 * cutoff * t0);
  const double cos0 = std::cos(kPi * 2.0 * cutoff * t0);
  // Pass 1: y and sinc per tap (y = 0 outside the window's support);
  // pass 2: the window polynomial, term by term over all taps, so that the
  // taps' Horner steps pipeline (and vectorize) instead of waiting on each
  // other.
  for (size_t i = 0; i < taps_; ++i) {
    // Tap i multiplies input frame n - half_ + 1 + i for an output at n + f.
    const double t = t0 - static_cast<double>(i);
    const double u = t / radius;
    const bool inside = d.mediapipe ? std::fabs(u) < 1.0 : std::fabs(u) <= 1.0;
    const double x = 2.0 * cutoff * t;
    // sin(pi * x) = sin(pi * 2c * t0 - i * step)
    const double sine = sin0 * d.cos_step[i] - cos0 * d.sin_step[i];
    sinc[i] = !inside ? 0.0 : x == 0.0 ? 1.0 : sine / (kPi * x);
    y[i] = inside ? 1.0 - u * u : 0.0;
    row[i] = series[terms - 1];
  }
  for (size_t k = terms - 1; k-- > 0;) {
    const double a = series[k];
    for (size_t i = 0; i < taps_; ++i) row[i] = row[i] * y[i] + a;
  }
  double sum = 0.0;
  for (size_t i = 0; i < taps_; ++i) {
    row[i] = 2.0 * cutoff * sinc[i] * row[i] / d.i0_beta;
    sum += row[i];
  }
  // kKaiser: unit DC gain for every phase, so a constant input stays
  // constant. kMediaPipe keeps the formula's gain (0.99862 for 48 kHz ->
  // 16 kHz; 0.9968 to 0.9998 across the phases when upsampling): that
  // reproduces MediaPipe's YAMNet scores exactly on speech_48k.wav's
  // windows 2-5, while per-phase renormalization moved two of them (the
  // tail's top score 0.332 -> 0.262; tests/python/test_resampler.py).
  const double scale = d.mediapipe ? 1.0 : 1.0 / sum;
  for (size_t i = 0; i < taps_; ++i) dst[i] = static_cast<float>(row[i] * scale);
}

void Resampler::Reset() {
  if (soxr_) {
    SoxrReset();
    return;
  }
  std::fill(history_.begin(), history_.end(), 0.0f);
  pos_ = 0;
  consumed_ = emitted_ = next_center_ = next_phase_ = 0;
}

void Resampler::ComputeFrame(float* dst) {
  const size_t history_stride = 2 * taps_;
  if (!interpolate_) {
    const float* row = Row(static_cast<size_t>(next_phase_));
    for (uint32_t c = 0; c < channels_; ++c) {
      dst[c] = Dot(row, history_.data() + c * history_stride + pos_, taps_);
    }
    return;
  }
  // Phase p/L lies between table rows r and r + 1.
  const uint64_t scaled = next_phase_ * table_phases_;
  const uint64_t r = scaled / up_;
  const float frac = static_cast<float>(static_cast<double>(scaled % up_) /
                                        static_cast<double>(up_));
  const float* row0 = Row(static_cast<size_t>(r));
  const float* row1 = Row(static_cast<size_t>(r + 1));
  for (uint32_t c = 0; c < channels_; ++c) {
    const float* h = history_.data() + c * history_stride + pos_;
    const float y0 = Dot(row0, h, taps_);
    const float y1 = Dot(row1, h, taps_);
    dst[c] = y0 + frac * (y1 - y0);
  }
}

size_t Resampler::PushFrame(const float* frame, float* dst, uint64_t limit) {
  const size_t history_stride = 2 * taps_;
  float* h = history_.data();
  for (uint32_t c = 0; c < channels_; ++c, h += history_stride) {
    const float v = frame ? frame[c] : 0.0f;
    h[pos_] = v;
    h[pos_ + taps_] = v;
  }
  pos_ = pos_ + 1 == taps_ ? 0 : pos_ + 1;
  ++consumed_;
  // Output k (at input time n + f) needs frames up to n + half_.
  size_t produced = 0;
  while (next_center_ + half_ + 1 == consumed_ && emitted_ < limit) {
    ComputeFrame(dst + produced * channels_);
    ++produced;
    ++emitted_;
    next_center_ += down_ / up_;
    next_phase_ += down_ % up_;
    if (next_phase_ >= up_) {
      next_phase_ -= up_;
      ++next_center_;
    }
  }
  return produced;
}

void Resampler::Process(const float* input, size_t frames,
                        std::vector<float>* out) {
  if (frames == 0) return;
  if (soxr_) {
    SoxrProcess(input, frames, out);
    return;
  }
  if (taps_ == 0) {
    out->insert(out->end(), input, input + frames * channels_);
    consumed_ += frames;
    emitted_ += frames;
    return;
  }
  for (size_t start = 0; start < frames; start += kChunkFrames) {
    const size_t chunk = std::min(kChunkFrames, frames - start);
    // Outputs completed by `chunk` consecutive frames: at most chunk*L/M + 1.
    const size_t most = static_cast<size_t>(chunk * up_ / down_ + 1) * channels_;
    const size_t base = out->size();
    if (out->capacity() < base + most) {
      // Geometric growth, so callers appending block after block stay linear.
      out->reserve(std::max(base + most, 2 * out->capacity()));
    }
    out->resize(base + most);
    float* dst = out->data() + base;
    const float* src = input + start * channels_;
    size_t produced = 0;
    for (size_t i = 0; i < chunk; ++i, src += channels_) {
      produced += PushFrame(src, dst + produced * channels_, UINT64_MAX);
    }
    out->resize(base + produced * channels_);
  }
}

void Resampler::Flush(std::vector<float>* out) {
  if (soxr_) {
    SoxrFlush(out);
    return;
  }
  if (taps_ == 0) {
    Reset();
    return;
  }
  // ceil(consumed * L / M) without overflowing 64 bits.
  const uint64_t total = consumed_ / down_ * up_ +
                         ((consumed_ % down_) * up_ + down_ - 1) / down_;
  const size_t base = out->size();
  out->resize(base + static_cast<size_t>(total - emitted_) * channels_);
  float* dst = out->data() + base;
  // Zeros after the end of the stream complete the last outputs' windows.
  while (emitted_ < total) {
    dst += PushFrame(nullptr, dst, total) * channels_;
  }
  Reset();
}

Resampler::SeekPoint Resampler::SeekFor(uint64_t first_output) const {
  SeekPoint seek;
  if (taps_ == 0) {
    seek.input_frame = seek.output_frame = first_output;
    return seek;
  }
  // A fresh stream started at a multiple q*M of input frames has the whole
  // stream's phases from output q*L on; its outputs are exact once their
  // history (frames center - half_ + 1 .. center + half_) lies after the start.
  using u128 = unsigned __int128;
  const u128 center = static_cast<u128>(first_output) * down_ / up_;
  if (center + 1 <= half_) return seek;  // from the signal's start
  const u128 earliest = center + 1 - half_;
  const u128 q = earliest / down_;
  const u128 input = q * down_;
  const u128 output = q * up_;
  if (input > UINT64_MAX || output > UINT64_MAX) {
    seek.exact = false;
    return seek;
  }
  seek.input_frame = static_cast<uint64_t>(input);
  seek.output_frame = static_cast<uint64_t>(output);
  if (soxr_ && input > 0) {
    // soxr's DFT blocks are aligned to the stream's start, not to the
    // signal: the same outputs, up to float rounding.
    seek.exact = false;
    seek.max_error = kSoxrSeekMaxError;
  }
  return seek;
}

uint64_t Resampler::InputFramesFor(uint64_t output_end) const {
  if (taps_ == 0 || output_end == 0) return output_end;
  using u128 = unsigned __int128;
  // libsoxr also holds back up to a DFT block: another half_ covers it.
  const u128 needed = static_cast<u128>(output_end - 1) * down_ / up_ + half_ + 1 +
                      (soxr_ ? half_ : 0);
  return needed > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(needed);
}

}  // namespace audioclf
