// Resampler's libsoxr backend (kHighQuality when the build found libsoxr):
// SOXR_HQ, float32 interleaved, one thread, streaming via soxr_process.
#include "audioclf/audio/resampler.h"

#include <algorithm>
#include <string>
#include <vector>

#include "audioclf/error.h"

#ifdef AUDIOCLF_HAVE_SOXR
#include <soxr.h>
#endif

namespace audioclf {

const char* HighQualityBackend() {
#ifdef AUDIOCLF_HAVE_SOXR
  return "soxr";
#else
  return "kaiser";
#endif
}

#ifdef AUDIOCLF_HAVE_SOXR

namespace {
// Measured impulse-response half-width of SOXR_HQ, in input frames divided
// by max(1, input_rate / output_rate): 105 to 870 over 12 rate pairs
// (8 kHz -> 384 kHz .. 8.192 MHz -> 8 kHz). 1024 bounds it.
constexpr uint64_t kSoxrHalfWidth = 1024;
constexpr size_t kChunk = size_t{1} << 15;  // input frames per soxr_process
// Output frames per soxr_process: soxr then takes only the input they need,
// so a large upsampling ratio does not allocate ahead.
constexpr size_t kMaxRoom = size_t{1} << 18;

soxr_t Soxr(void* p) { return static_cast<soxr_t>(p); }
}  // namespace

void Resampler::SoxrDeleter::operator()(void* soxr) const { soxr_delete(Soxr(soxr)); }

void Resampler::SoxrCreate() {
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  // One thread: a Resampler belongs to its caller's thread (the stream
  // classifier runs several converters at once); libsoxr must not fork.
  const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);
  soxr_error_t error = nullptr;
  soxr_t soxr = soxr_create(input_rate_, output_rate_, channels_, &error, &io, &quality,
                            &runtime);
  if (error != nullptr || soxr == nullptr) {
    if (soxr != nullptr) soxr_delete(soxr);
    ThrowRuntimeError("libsoxr: cannot resample " + std::to_string(input_rate_) + " -> " +
                      std::to_string(output_rate_) + " Hz: " + soxr_strerror(error));
  }
  soxr_.reset(soxr);
  const uint64_t ratio = (down_ + up_ - 1) / up_;  // ceil(M / L) >= 1
  half_ = static_cast<size_t>(kSoxrHalfWidth * std::max<uint64_t>(1, ratio));
  taps_ = 2 * half_;
}

void Resampler::SoxrProcess(const float* input, size_t frames, std::vector<float>* out) {
  // soxr consumes less than offered when the output room runs out; offer
  // room for the chunk's share plus what soxr holds back, and go on.
  size_t done = 0;
  bool full = true;
  while (done < frames || full) {
    const size_t chunk = std::min(kChunk, frames - done);
    const size_t room = std::min<size_t>(kMaxRoom, static_cast<size_t>(chunk * up_ / down_) + 4096);
    const size_t base = out->size();
    if (out->capacity() < base + room * channels_) {
      out->reserve(std::max(base + room * channels_, 2 * out->capacity()));
    }
    out->resize(base + room * channels_);
    size_t used = 0, produced = 0;
    const soxr_error_t error =
        soxr_process(Soxr(soxr_.get()), input + done * channels_, chunk, &used,
                     out->data() + base, room, &produced);
    out->resize(base + produced * channels_);
    if (error != nullptr) ThrowRuntimeError(std::string("libsoxr: ") + error);
    done += used;
    consumed_ += used;
    emitted_ += produced;
    full = produced == room;
  }
}

void Resampler::SoxrFlush(std::vector<float>* out) {
  // ceil(consumed * L / M) without overflowing 64 bits.
  const uint64_t total = consumed_ / down_ * up_ +
                         ((consumed_ % down_) * up_ + down_ - 1) / down_;
  const size_t base = out->size();
  const uint64_t start = emitted_;
  if (consumed_ > 0) {
    // soxr's drain ends at floor(n * L / M); a few zeros past the end (what
    // the Kaiser filter reads there too) reach the ceiling.
    const std::vector<float> zeros((down_ / up_ + 2) * channels_, 0.0f);
    SoxrProcess(zeros.data(), zeros.size() / channels_, out);
    for (;;) {
      const size_t room = 4096;
      const size_t at = out->size();
      out->resize(at + room * channels_);
      size_t produced = 0;
      const soxr_error_t error = soxr_process(Soxr(soxr_.get()), nullptr, 0, nullptr,
                                              out->data() + at, room, &produced);
      out->resize(at + produced * channels_);
      if (error != nullptr) ThrowRuntimeError(std::string("libsoxr: ") + error);
      emitted_ += produced;
      if (produced == 0 || emitted_ >= total) break;
    }
  }
  // Exactly `total` frames: trim what the padding added (or, never seen,
  // pad with silence).
  out->resize(base + static_cast<size_t>(total - start) * channels_, 0.0f);
  SoxrReset();
}

void Resampler::SoxrReset() {
  const soxr_error_t error = soxr_clear(Soxr(soxr_.get()));
  if (error != nullptr) ThrowRuntimeError(std::string("libsoxr: ") + error);
  consumed_ = emitted_ = 0;
}

#else  // !AUDIOCLF_HAVE_SOXR: never called (soxr_ stays null).

void Resampler::SoxrDeleter::operator()(void*) const {}
void Resampler::SoxrCreate() { ThrowRuntimeError("libsoxr: not in this build"); }
void Resampler::SoxrProcess(const float*, size_t, std::vector<float>*) {}
void Resampler::SoxrFlush(std::vector<float>*) {}
void Resampler::SoxrReset() {}

#endif

}  // namespace audioclf
