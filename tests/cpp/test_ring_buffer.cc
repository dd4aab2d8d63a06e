// Tests for RingBuffer: single-thread semantics (wrap-around, FIFO and
// latest-window reads, discards, overrun counting, PCM writes), no heap
// allocation after construction, and a two-thread stress test that checks
// every frame the consumer sees (run it under ThreadSanitizer too).
#include "audioclf/audio/ring_buffer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "test_harness.h"

using audioclf::ErrorKind;
using audioclf::RingBuffer;
using audioclf::SampleFormat;

// ---- a counting global allocator for this test binary -----------------------
// Every operator new in the process goes through here, so the no-allocation
// test can see any allocation, from any thread.
namespace {
std::atomic<uint64_t> g_allocations{0};

void* CountedAlloc(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* CountedAlignedAlloc(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  size_t alignment = static_cast<size_t>(align);
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, alignment, size == 0 ? 1 : size) != 0) {
    throw std::bad_alloc();
  }
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return CountedAlloc(size); }
void* operator new[](std::size_t size) { return CountedAlloc(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  return CountedAlignedAlloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return CountedAlignedAlloc(size, align);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

// Consecutive values from `start`, `channels` per frame: frame f, channel c
// holds 10 * f + c.
std::vector<float> Frames(int start, int count, int channels = 1) {
  std::vector<float> out;
  for (int f = start; f < start + count; ++f) {
    for (int c = 0; c < channels; ++c) out.push_back(10.0f * f + c);
  }
  return out;
}

std::vector<float> ReadUpTo(RingBuffer* ring, size_t frames) {
  std::vector<float> out(frames * ring->channels());
  out.resize(ring->Read(out.data(), frames) * ring->channels());
  return out;
}

std::vector<float> PeekUpTo(const RingBuffer& ring, size_t frames) {
  std::vector<float> out(frames * ring.channels());
  out.resize(ring.Peek(out.data(), frames) * ring.channels());
  return out;
}

}  // namespace

// ---- single-thread semantics -----------------------------------------------

TEST_CASE(rounds_capacity_up_to_a_power_of_two) {
  CHECK_EQ(RingBuffer(1, 1).capacity_frames(), size_t{1});
  CHECK_EQ(RingBuffer(3, 2).capacity_frames(), size_t{4});
  CHECK_EQ(RingBuffer(1024, 1).capacity_frames(), size_t{1024});
  CHECK_EQ(RingBuffer(1025, 1).capacity_frames(), size_t{2048});
  RingBuffer ring(15600, 2);
  CHECK_EQ(ring.capacity_frames(), size_t{16384});
  CHECK_EQ(ring.channels(), 2u);
  CHECK_EQ(ring.available_frames(), size_t{0});
  CHECK_EQ(ring.frames_written(), uint64_t{0});
  CHECK_EQ(ring.frames_read(), uint64_t{0});
  CHECK_EQ(ring.overrun_frames(), uint64_t{0});
  // The positions sit on their own cache lines, also on the heap.
  CHECK(alignof(RingBuffer) >= 64);
  auto heap = std::make_unique<RingBuffer>(8, 1);
  CHECK_EQ(reinterpret_cast<uintptr_t>(heap.get()) % alignof(RingBuffer),
           uintptr_t{0});
}

TEST_CASE(rejects_bad_arguments) {
  CHECK_THROWS(RingBuffer(16, 0), ErrorKind::kInvalidArgument, "channels");
  CHECK_THROWS(RingBuffer(0, 1), ErrorKind::kInvalidArgument, "capacity");
  CHECK_THROWS(RingBuffer(std::numeric_limits<size_t>::max(), 1),
               ErrorKind::kInvalidArgument, "too large");
  CHECK_THROWS(RingBuffer(std::numeric_limits<size_t>::max() / 8, 4),
               ErrorKind::kInvalidArgument, "too large");
}

TEST_CASE(fifo_read_wraps_around) {
  RingBuffer ring(8, 1);
  const std::vector<float> a = Frames(0, 5);
  CHECK_EQ(ring.Write(a.data(), 5), size_t{5});
  CHECK(ReadUpTo(&ring, 3) == Frames(0, 3));
  const std::vector<float> b = Frames(5, 6);  // slots 5,6,7,0,1,2
  CHECK_EQ(ring.Write(b.data(), 6), size_t{6});
  CHECK_EQ(ring.available_frames(), size_t{8});
  CHECK(ReadUpTo(&ring, 100) == Frames(3, 8));
  CHECK(ReadUpTo(&ring, 1).empty());
  CHECK_EQ(ring.frames_written(), uint64_t{11});
  CHECK_EQ(ring.frames_read(), uint64_t{11});
  // Many laps with odd sizes keep the order.
  int next_in = 11, next_out = 11;
  for (int lap = 0; lap < 200; ++lap) {
    const int n = 1 + lap % 7;
    const std::vector<float> in = Frames(next_in, n);
    CHECK_EQ(ring.Write(in.data(), n), size_t(n));
    next_in += n;
    // Read enough that the next write (at most 7 frames) fits.
    const int m = std::max(1 + (lap * 3) % 8,
                           static_cast<int>(ring.available_frames()) - 1);
    const std::vector<float> out = ReadUpTo(&ring, m);
    CHECK(out == Frames(next_out, static_cast<int>(out.size())));
    next_out += static_cast<int>(out.size());
  }
  CHECK_EQ(ring.overrun_frames(), uint64_t{0});
}

TEST_CASE(peek_copies_without_consuming) {
  RingBuffer ring(8, 1);
  const std::vector<float> a = Frames(0, 6);
  ring.Write(a.data(), 6);
  CHECK(ReadUpTo(&ring, 4) == Frames(0, 4));
  const std::vector<float> b = Frames(6, 5);  // wraps
  ring.Write(b.data(), 5);
  CHECK(PeekUpTo(ring, 3) == Frames(4, 3));
  CHECK(PeekUpTo(ring, 100) == Frames(4, 7));
  CHECK_EQ(ring.frames_read(), uint64_t{4});
  CHECK(ReadUpTo(&ring, 100) == Frames(4, 7));
  CHECK(PeekUpTo(ring, 4).empty());
}

TEST_CASE(copy_latest_gives_the_newest_frames_oldest_first) {
  RingBuffer ring(8, 2);
  std::vector<float> window(4 * 2);
  uint64_t first = 99;
  CHECK(!ring.CopyLatest(window.data(), 1, &first));
  CHECK_EQ(first, uint64_t{99});
  CHECK(ring.CopyLatest(window.data(), 0, &first));  // trivially available
  CHECK_EQ(first, uint64_t{0});
  const std::vector<float> a = Frames(0, 3, 2);
  ring.Write(a.data(), 3);
  CHECK(!ring.CopyLatest(window.data(), 4));
  const std::vector<float> b = Frames(3, 4, 2);
  ring.Write(b.data(), 4);
  CHECK(ring.CopyLatest(window.data(), 4, &first));
  CHECK(window == Frames(3, 4, 2));
  CHECK_EQ(first, uint64_t{3});
  // Across the wrap: consume 5, write 4 more (slots 7,0,1,2).
  CHECK_EQ(ring.Discard(5), size_t{5});
  const std::vector<float> c = Frames(7, 4, 2);
  ring.Write(c.data(), 4);
  CHECK(ring.CopyLatest(window.data(), 4, &first));
  CHECK(window == Frames(7, 4, 2));
  CHECK_EQ(first, uint64_t{7});
  std::vector<float> six(6 * 2);
  CHECK(ring.CopyLatest(six.data(), 6));
  CHECK(six == Frames(5, 6, 2));
  CHECK(!ring.CopyLatest(six.data(), 7));  // only 6 unread
  // Nothing was consumed.
  CHECK_EQ(ring.available_frames(), size_t{6});
  CHECK(ReadUpTo(&ring, 100) == Frames(5, 6, 2));

  // Long windows at every offset of a larger ring.
  RingBuffer big(1024, 1);
  std::vector<float> out(1000);
  int next = 0;
  for (int round = 0; round < 40; ++round) {
    const int n = 300 + 17 * round;
    const std::vector<float> in = Frames(next, n);
    CHECK_EQ(big.Write(in.data(), n), size_t(n));
    next += n;
    const size_t want = 1 + (round * 97) % 1000;
    if (big.available_frames() >= want) {
      CHECK(big.CopyLatest(out.data(), want, &first));
      CHECK_EQ(first, uint64_t(next - want));
      CHECK(std::vector<float>(out.begin(), out.begin() + want) ==
            Frames(next - static_cast<int>(want), static_cast<int>(want)));
    } else {
      CHECK(!big.CopyLatest(out.data(), want));
    }
    big.DiscardAllBut(1024 - 300 - 17 * (round + 1));
  }
}

TEST_CASE(discard_and_discard_all_but) {
  RingBuffer ring(8, 1);
  const std::vector<float> a = Frames(0, 7);
  ring.Write(a.data(), 7);
  CHECK_EQ(ring.Discard(2), size_t{2});
  CHECK(PeekUpTo(ring, 1) == Frames(2, 1));
  CHECK_EQ(ring.DiscardAllBut(3), size_t{2});
  CHECK_EQ(ring.available_frames(), size_t{3});
  CHECK_EQ(ring.DiscardAllBut(3), size_t{0});
  CHECK_EQ(ring.DiscardAllBut(10), size_t{0});
  CHECK(PeekUpTo(ring, 100) == Frames(4, 3));
  CHECK_EQ(ring.Discard(100), size_t{3});  // clamps to what is there
  CHECK_EQ(ring.Discard(1), size_t{0});
  CHECK_EQ(ring.frames_read(), uint64_t{7});
  // Discarding frees room for the producer.
  const std::vector<float> b = Frames(7, 8);
  CHECK_EQ(ring.Write(b.data(), 8), size_t{8});
  CHECK_EQ(ring.DiscardAllBut(0), size_t{8});
  CHECK_EQ(ring.available_frames(), size_t{0});
  CHECK_EQ(ring.overrun_frames(), uint64_t{0});
}

TEST_CASE(overrun_drops_the_whole_block_and_never_overwrites) {
  RingBuffer ring(8, 1);
  const std::vector<float> a = Frames(0, 6);
  CHECK_EQ(ring.Write(a.data(), 6), size_t{6});
  const std::vector<float> b = Frames(100, 3);
  CHECK_EQ(ring.Write(b.data(), 3), size_t{0});  // 2 free: dropped whole
  CHECK_EQ(ring.overrun_frames(), uint64_t{3});
  CHECK_EQ(ring.frames_written(), uint64_t{6});
  CHECK_EQ(ring.Write(b.data(), 2), size_t{2});  // exactly fills
  CHECK_EQ(ring.Write(b.data(), 1), size_t{0});
  CHECK_EQ(ring.overrun_frames(), uint64_t{4});
  std::vector<float> expected = Frames(0, 6);
  expected.push_back(1000.0f);
  expected.push_back(1010.0f);
  CHECK(ReadUpTo(&ring, 100) == expected);
  // A block larger than the capacity can never fit.
  const std::vector<float> big = Frames(0, 9);
  CHECK_EQ(ring.Write(big.data(), 9), size_t{0});
  CHECK_EQ(ring.overrun_frames(), uint64_t{13});
  CHECK_EQ(ring.Write(big.data(), 8), size_t{8});  // empty ring: fits
  CHECK_EQ(ring.Write(big.data(), 0), size_t{0});  // nothing, no overrun
  CHECK_EQ(ring.overrun_frames(), uint64_t{13});
  // A huge frame count must not overflow the free-space test.
  ring.Discard(8);
  CHECK_EQ(ring.Write(big.data(), std::numeric_limits<size_t>::max()),
           size_t{0});
  CHECK_EQ(ring.available_frames(), size_t{0});
}

TEST_CASE(interleaves_many_channels) {
  RingBuffer ring(4, 3);
  const std::vector<float> a = Frames(0, 3, 3);
  ring.Write(a.data(), 3);
  CHECK(ReadUpTo(&ring, 2) == Frames(0, 2, 3));
  const std::vector<float> b = Frames(3, 3, 3);  // slots 3,0,1
  ring.Write(b.data(), 3);
  std::vector<float> latest(2 * 3);
  CHECK(ring.CopyLatest(latest.data(), 2));
  CHECK(latest == Frames(4, 2, 3));
  CHECK(ReadUpTo(&ring, 4) == Frames(2, 4, 3));
}

TEST_CASE(writes_pcm_formats_straight_into_the_ring) {
  RingBuffer ring(4, 2);
  const std::vector<float> a = Frames(0, 3, 2);
  ring.Write(a.data(), 3);
  ring.Discard(3);
  // Three int16 frames from slot 3: one before the wrap, two after.
  const int16_t pcm[] = {-32768, 32767, 0, 16384, -1, 1};
  CHECK_EQ(ring.Write(pcm, SampleFormat::kInt16, 3), size_t{3});
  const std::vector<float> expected = {-1.0f,          32767.0f / 32768.0f,
                                       0.0f,           0.5f,
                                       -1.0f / 32768,  1.0f / 32768};
  CHECK(ReadUpTo(&ring, 3) == expected);
  // Packed 24-bit across the wrap (slot 2): min, max, zero, one.
  const unsigned char pcm24[] = {0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F,
                                 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                 0x00, 0x00, 0xC0, 0x00, 0x00, 0x40};
  CHECK_EQ(ring.Write(pcm24, SampleFormat::kInt24, 3), size_t{3});
  const std::vector<float> expected24 = {
      -1.0f, 8388607.0f / 8388608.0f, 0.0f, 1.0f / 8388608, -0.5f, 0.5f};
  CHECK(ReadUpTo(&ring, 3) == expected24);
  // uint8 (offset binary) and float64 (narrowed).
  const unsigned char pcm8[] = {0, 255, 128, 192};
  CHECK_EQ(ring.Write(pcm8, SampleFormat::kUInt8, 2), size_t{2});
  CHECK(ReadUpTo(&ring, 2) ==
        std::vector<float>({-1.0f, 127.0f / 128.0f, 0.0f, 0.5f}));
  const double pcm64[] = {0.25, -0.75, 1.5, -2.0, 0.125, 3.0};
  CHECK_EQ(ring.Write(pcm64, SampleFormat::kFloat64, 3), size_t{3});
  CHECK(ReadUpTo(&ring, 3) ==
        std::vector<float>({0.25f, -0.75f, 1.5f, -2.0f, 0.125f, 3.0f}));
  // A PCM block that does not fit is dropped and counted like a float one.
  CHECK_EQ(ring.Write(pcm64, SampleFormat::kFloat64, 3), size_t{3});
  CHECK_EQ(ring.Write(pcm, SampleFormat::kInt16, 3), size_t{0});
  CHECK_EQ(ring.overrun_frames(), uint64_t{3});
  CHECK_EQ(ring.frames_written(), uint64_t{17});
}

TEST_CASE(reset_empties_and_zeroes_counters) {
  RingBuffer ring(4, 1);
  const std::vector<float> a = Frames(0, 4);
  ring.Write(a.data(), 3);
  ring.Read(std::vector<float>(1).data(), 1);
  ring.Write(a.data(), 4);  // dropped
  ring.Reset();
  CHECK_EQ(ring.available_frames(), size_t{0});
  CHECK_EQ(ring.frames_written(), uint64_t{0});
  CHECK_EQ(ring.frames_read(), uint64_t{0});
  CHECK_EQ(ring.overrun_frames(), uint64_t{0});
  CHECK_EQ(ring.Write(a.data(), 4), size_t{4});  // the full capacity is free
  CHECK(ReadUpTo(&ring, 4) == Frames(0, 4));
}

// ---- no allocation after construction ---------------------------------------

namespace {
void* volatile g_sink = nullptr;  // keeps the canary allocation from being elided
}  // namespace

TEST_CASE(no_allocation_after_construction) {
  // The counter sees allocations at all.
  const uint64_t canary = g_allocations.load();
  {
    std::unique_ptr<int[]> p(new int[4]);
    g_sink = p.get();
  }
  CHECK(g_allocations.load() > canary);

  RingBuffer ring(1024, 2);
  std::vector<float> in(700 * 2, 0.5f), out(1024 * 2);
  std::vector<int16_t> pcm(700 * 2, 1000);
  uint64_t first = 0;
  size_t checksum = 0;
  const uint64_t before = g_allocations.load();
  for (size_t i = 0; i < 100000; ++i) {
    checksum += ring.Write(in.data(), 1 + (i * 37) % 700);
    checksum += ring.Write(pcm.data(), SampleFormat::kInt16, (i * 13) % 700);
    checksum += ring.CopyLatest(out.data(), 1 + (i * 29) % 1024, &first);
    checksum += ring.Peek(out.data(), 1 + (i * 7) % 1024);
    checksum += ring.Read(out.data(), 1 + (i * 53) % 900);
    if (i % 7 == 0) checksum += ring.Discard(10);
    if (i % 11 == 0) checksum += ring.DiscardAllBut(100);
    checksum += ring.available_frames() + ring.frames_written() +
                ring.frames_read() + ring.overrun_frames();
  }
  const uint64_t after = g_allocations.load();
  CHECK_EQ(after, before);
  CHECK(checksum > 0);
  // Both the accept and the drop path ran.
  CHECK(ring.frames_written() > 1000000);
  CHECK(ring.overrun_frames() > 0);
}

// ---- two threads --------------------------------------------------------------

namespace {

// Sample values carry the producer's frame number p (counting dropped frames
// too) modulo 2^24, where float holds every integer exactly.
constexpr uint64_t kValueModulus = uint64_t{1} << 24;

void EncodeFrame(uint64_t p, float* frame) {
  const float v = static_cast<float>(p % kValueModulus);
  frame[0] = v;
  frame[1] = -v - 1.0f;  // distinct from frame[0], no -0.0
}

// One step of a wait loop: mostly a busy spin, so that waiting threads look
// busy and tend to get separate cores (with pure yields they may share one
// core and run in lockstep, which tests little concurrency);
// an occasional yield, so that a thread sharing a core with the one it waits
// for does not burn its whole time slice.
void Pause(int* spins) {
  if (++*spins % 1024 == 0) std::this_thread::yield();
}

struct Lcg {
  uint64_t state;
  uint32_t Next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 33);
  }
  size_t Uniform(size_t lo, size_t hi) { return lo + Next() % (hi - lo + 1); }
};

// The consumer's view: decodes frames and checks that the sequence is the
// producer's, in order, with gaps only where whole blocks were dropped (or
// where the consumer itself called DiscardAllBut). Allocation-free; records
// the first failure instead of throwing across threads.
class SequenceChecker {
 public:
  explicit SequenceChecker(const std::vector<uint64_t>* block_starts)
      : block_starts_(block_starts) {}

  // Checks FIFO frames and advances past them.
  void Consume(const float* frames, size_t count) {
    for (size_t i = 0; i < count && ok(); ++i) {
      uint64_t p;
      if (!Decode(frames + 2 * i, next_, &p)) return;
      if (p != next_) {
        if (!unaligned_gap_allowed_ && !(IsBlockStart(next_) && IsBlockStart(p))) {
          Fail("gap not at block boundaries", next_, p);
          return;
        }
        gap_frames_ += p - next_;
      }
      unaligned_gap_allowed_ = false;
      next_ = p + 1;
      ++frames_seen_;
    }
  }

  // Checks a CopyLatest window: unread frames, strictly increasing, with
  // gaps only at dropped blocks.
  void CheckWindow(const float* frames, size_t count, uint64_t first_index) {
    uint64_t prev = 0;
    for (size_t i = 0; i < count && ok(); ++i) {
      uint64_t p;
      if (!Decode(frames + 2 * i, i == 0 ? next_ : prev + 1, &p)) return;
      if (i == 0) {
        // Stream index first_index counts accepted frames only, so the
        // producer's number is at least that.
        if (p < first_index) Fail("window start before its index", first_index, p);
      } else if (p != prev + 1 && !(IsBlockStart(prev + 1) && IsBlockStart(p))) {
        Fail("window gap not at block boundaries", prev + 1, p);
      }
      prev = p;
    }
  }

  // The consumer dropped frames it never saw: the next gap may be anywhere.
  void AllowUnalignedGap() { unaligned_gap_allowed_ = true; }

  // Records the first failure.
  void Fail(const char* what, uint64_t expected, uint64_t got) {
    if (ok()) {
      std::snprintf(error_, sizeof(error_), "%s: expected %llu, got %llu", what,
                    static_cast<unsigned long long>(expected),
                    static_cast<unsigned long long>(got));
    }
  }

  bool ok() const { return error_[0] == '\0'; }
  const char* error() const { return error_; }
  uint64_t next() const { return next_; }
  uint64_t gap_frames() const { return gap_frames_; }
  uint64_t frames_seen() const { return frames_seen_; }

 private:
  // Reconstructs the full frame number from its value mod 2^24, given that
  // it is at least `at_least` (and less than 2^24 further on).
  bool Decode(const float* frame, uint64_t at_least, uint64_t* p) {
    const float v = frame[0];
    if (!(v >= 0.0f && v < static_cast<float>(kValueModulus)) ||
        v != static_cast<float>(static_cast<uint64_t>(v)) ||
        frame[1] != -v - 1.0f) {
      Fail("corrupt frame", at_least, static_cast<uint64_t>(v));
      return false;
    }
    const uint64_t low = static_cast<uint64_t>(v);
    *p = at_least + ((low - at_least) & (kValueModulus - 1));
    return true;
  }

  bool IsBlockStart(uint64_t p) const {
    return std::binary_search(block_starts_->begin(), block_starts_->end(), p);
  }

  const std::vector<uint64_t>* block_starts_;
  uint64_t next_ = 0;  // producer number of the next frame if none is dropped
  uint64_t gap_frames_ = 0;
  uint64_t frames_seen_ = 0;
  bool unaligned_gap_allowed_ = false;
  char error_[160] = {};
};

}  // namespace

TEST_CASE(two_threads_every_frame_in_order) {
#if defined(__SANITIZE_THREAD__)
  constexpr uint64_t kTotalFrames = uint64_t{4} << 20;  // TSan is far slower
#else
  // More than 2^24, so the frame numbers in the samples wrap too.
  constexpr uint64_t kTotalFrames = uint64_t{20} << 20;
#endif
  constexpr size_t kMaxBlock = 999;
  RingBuffer ring(1500, 2);  // 2048 frames: small, so it wraps and overruns
  const size_t capacity = ring.capacity_frames();

  // The producer's block sizes, known to the consumer so it can tell that
  // every gap is a whole number of dropped blocks. The last entry is the end.
  std::vector<size_t> block_sizes;
  std::vector<uint64_t> block_starts;
  Lcg sizes{12345};
  for (uint64_t p = 0; p < kTotalFrames;) {
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>(sizes.Uniform(1, kMaxBlock), kTotalFrames - p));
    block_sizes.push_back(n);
    block_starts.push_back(p);
    p += n;
  }
  block_starts.push_back(kTotalFrames);

  std::atomic<bool> producer_done{false};
  // Pacing hints from the consumer. Relaxed on both sides, so they add no
  // happens-before edge that could hide a missing one in RingBuffer from
  // ThreadSanitizer.
  std::atomic<uint64_t> consumed_hint{0};
  // While the consumer waits for an overrun: 1 + overrun_frames() when it
  // began waiting; else 0.
  std::atomic<uint64_t> stall_target{0};
  // Set when the consumer stops, also on a failed check, so the producer
  // never waits for it forever.
  std::atomic<bool> consumer_done{false};
  // Everything either thread needs is allocated before the producer starts,
  // so any allocation while it runs is the ring's (or the checker's).
  SequenceChecker checker(&block_starts);
  std::vector<float> a(capacity * 2), b(capacity * 2);
  std::vector<float> block(kMaxBlock * 2);
  std::vector<double> block64(kMaxBlock * 2);
  uint64_t allocations_while_producing = 0;
  std::thread producer([&] {
    // Relaxed, like the pacing hints.
    const uint64_t allocations_at_start =
        g_allocations.load(std::memory_order_relaxed);
    Lcg rng{777};
    uint64_t p = 0;
    for (size_t k = 0; k < block_sizes.size(); ++k) {
      if (consumer_done.load(std::memory_order_relaxed)) break;
      const size_t n = block_sizes[k];
      for (size_t i = 0; i < n; ++i) EncodeFrame(p + i, &block[2 * i]);
      // Alternate the float and the PCM-converting write paths.
      size_t written = 0;
      switch (k % 3) {
        case 0:
          written = ring.Write(block.data(), n);
          break;
        case 1:
          written = ring.Write(block.data(), SampleFormat::kFloat32, n);
          break;
        default:
          std::copy(block.begin(), block.begin() + 2 * n, block64.begin());
          written = ring.Write(block64.data(), SampleFormat::kFloat64, n);
          break;
      }
      p += n;
      // Usually wait until the ring is at most half full, so most frames get
      // through at any relative speed or load (ThreadSanitizer slows the
      // checking consumer far more than the producer); otherwise go on at
      // once, which sometimes overruns. Always wait after a drop: dropping
      // block after block while the consumer is descheduled would leave
      // almost nothing to check.
      if (written == 0 || rng.Next() % 8 != 0) {
        for (int spins = 0;
             ring.frames_written() -
                     consumed_hint.load(std::memory_order_relaxed) >
                 capacity / 2 &&
             stall_target.load(std::memory_order_relaxed) !=
                 ring.overrun_frames() + 1 &&
             !consumer_done.load(std::memory_order_relaxed);) {
          Pause(&spins);
        }
      }
    }
    allocations_while_producing =
        g_allocations.load(std::memory_order_relaxed) - allocations_at_start;
    producer_done.store(true, std::memory_order_release);
  });

  Lcg rng{4242};
  uint64_t all_but_discarded = 0, windows = 0, empty_reads = 0, stalls = 0;
  bool stall_next = true;  // at once, so drops certainly occur
  for (;;) {
    const bool finished = producer_done.load(std::memory_order_acquire);
    // The consumer's own count is exact: it alone consumes.
    if (checker.frames_seen() + all_but_discarded != ring.frames_read()) {
      checker.Fail("frames_read()", checker.frames_seen() + all_but_discarded,
                   ring.frames_read());
      break;
    }
    // Each op loads write_pos_ itself: an extra acquire load here would
    // hide a missing one in RingBuffer from ThreadSanitizer.
    const uint32_t op = rng.Next() % 64;
    if (stall_next || op == 0) {
      // Stop reading until the producer overruns.
      stall_next = false;
      ++stalls;
      const uint64_t overrun = ring.overrun_frames();
      stall_target.store(overrun + 1, std::memory_order_relaxed);
      for (int spins = 0; ring.overrun_frames() == overrun &&
                          !producer_done.load(std::memory_order_acquire);) {
        Pause(&spins);
      }
      stall_target.store(0, std::memory_order_relaxed);
    } else if (op < 8 || op == 14 || op == 15) {
      const size_t n = rng.Uniform(1, capacity);
      uint64_t first = 0;
      if (ring.CopyLatest(a.data(), n, &first)) {
        ++windows;
        if (first < ring.frames_read()) {
          checker.Fail("window index below frames_read()", ring.frames_read(), first);
        }
        checker.CheckWindow(a.data(), n, first);
      }
      if (op >= 14) {
        // The latest-window pattern: drop what is older than the next
        // window, then stall so that the producer overwrites the slots just
        // copied with only DiscardAllBut's release ordering the two.
        const size_t d = ring.DiscardAllBut(rng.Uniform(0, 1024));
        all_but_discarded += d;
        if (d > 0) checker.AllowUnalignedGap();
        stall_next = true;
      }
    } else if (op < 12) {
      // Peek then Read the same frames: identical copies.
      const size_t n = ring.Peek(a.data(), rng.Uniform(1, 1500));
      if (ring.Read(b.data(), n) != n ||
          !std::equal(a.begin(), a.begin() + 2 * n, b.begin())) {
        checker.Fail("Read after Peek differs", n, 0);
      }
      checker.Consume(b.data(), n);
    } else if (op < 14) {
      // Discard after checking what is discarded.
      const size_t n = ring.Peek(a.data(), rng.Uniform(1, 700));
      checker.Consume(a.data(), n);
      if (ring.Discard(n) != n) checker.Fail("Discard after Peek", n, 0);
    } else {
      if (ring.available_frames() > capacity) {
        checker.Fail("more available than the capacity", capacity,
                     ring.available_frames());
      }
      const size_t n = ring.Read(a.data(), rng.Uniform(1, 1500));
      if (n == 0) ++empty_reads;
      checker.Consume(a.data(), n);
    }
    consumed_hint.store(ring.frames_read(), std::memory_order_relaxed);
    if (!checker.ok()) break;
    if (finished && ring.available_frames() == 0) break;
  }
  const bool consumer_finished = producer_done.load(std::memory_order_acquire) &&
                                 ring.available_frames() == 0;
  consumer_done.store(true, std::memory_order_relaxed);
  producer.join();
  if (!checker.ok()) std::printf("  checker: %s\n", checker.error());
  CHECK(checker.ok());
  CHECK(consumer_finished);  // the loop ended only because the stream did

  const uint64_t written = ring.frames_written();
  const uint64_t overrun = ring.overrun_frames();
  std::printf("  %llu frames: %llu passed, %llu dropped (overrun), %llu "
              "discarded; %llu windows, %llu empty reads, %llu stalls\n",
              static_cast<unsigned long long>(kTotalFrames),
              static_cast<unsigned long long>(checker.frames_seen()),
              static_cast<unsigned long long>(overrun),
              static_cast<unsigned long long>(all_but_discarded),
              static_cast<unsigned long long>(windows),
              static_cast<unsigned long long>(empty_reads),
              static_cast<unsigned long long>(stalls));
  CHECK_EQ(written + overrun, kTotalFrames);
  CHECK_EQ(ring.frames_read(), written);
  CHECK_EQ(checker.frames_seen() + all_but_discarded, written);
  // Every frame the consumer did not see was dropped by the producer or
  // discarded by the consumer, including a trailing gap after its last frame.
  const uint64_t trailing_gap = kTotalFrames - checker.next();
  CHECK_EQ(checker.gap_frames() + trailing_gap, overrun + all_but_discarded);
  CHECK(overrun > 0);
  CHECK(checker.frames_seen() > 0);
  CHECK_EQ(allocations_while_producing, uint64_t{0});
}
