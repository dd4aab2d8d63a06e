"""Speed and quality of audioclf.Resampler's profiles against python-soxr.

One run streams --seconds (default one hour) of 44.1 kHz audio
(../shared/audio speech tiled, else noise) to 16 kHz, mono and stereo, in
10 s blocks on one thread, through audioclf's "hq" (libsoxr when the build
has it: the backend is printed), "kaiser" (the in-house filter) and
"mediapipe" profiles and python-soxr's HQ and VHQ streams, in interleaved
rounds (median per path). It prints each path's wall and CPU time, its speed
as a ratio to soxr HQ in the same run, and PASS/FAIL for audioclf "hq" at
>= 0.67x soxr HQ's speed (issue 12). Then each path's passband ripple (to
0.45 x the lower rate) and stopband attenuation, measured with pure tones
(tests/python/test_resampler.py imports measure_response from here).

    python benchmarks/bench_resample.py [--seconds 3600] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # soxr on one core, like us

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"  # <repo>/../shared
SOURCES = {
    48000: SHARED / "audio" / "speech_48k.wav",
    44100: SHARED / "audio" / "speech_44k_stereo.wav",
}
PAIR = (44100, 16000)
BLOCK_SECONDS = 10
REQUIRED_RATIO = 0.67  # audioclf "hq" speed / soxr HQ speed

Resample = Callable[[np.ndarray], np.ndarray]
# Streams `blocks` (frames, channels) arrays one after another; returns frames out.
Stream = Callable[[np.ndarray, int], int]


def audioclf_resample(input_rate: int, output_rate: int, profile: str = "hq") -> Resample:
    from audioclf._core import Resampler

    def run(x: np.ndarray) -> np.ndarray:
        r = Resampler(input_rate, output_rate, profile=profile)
        return np.concatenate([r.process(x), r.flush()])

    return run


def soxr_resample(input_rate: int, output_rate: int, quality: str) -> Resample:
    import soxr

    def run(x: np.ndarray) -> np.ndarray:
        return soxr.resample(x, input_rate, output_rate, quality=quality)

    return run


def audioclf_stream(input_rate: int, output_rate: int, channels: int, profile: str) -> Stream:
    from audioclf._core import Resampler

    def run(block: np.ndarray, count: int) -> int:
        r = Resampler(input_rate, output_rate, channels, profile=profile)
        frames = sum(r.process(block).shape[0] for _ in range(count))
        return frames + r.flush().shape[0]

    return run


def soxr_stream(input_rate: int, output_rate: int, channels: int, quality: str) -> Stream:
    import soxr

    def run(block: np.ndarray, count: int) -> int:
        s = soxr.ResampleStream(input_rate, output_rate, channels, "float32", quality)
        frames = sum(s.resample_chunk(block).shape[0] for _ in range(count))
        return frames + s.resample_chunk(block[:0], last=True).shape[0]

    return run


def _fit_tone(y: np.ndarray, freq: float, rate: int, trim: int) -> tuple[float, float]:
    """Least-squares sine at `freq` over y[trim:-trim]: (amplitude, residual rms)."""
    k = np.arange(trim, len(y) - trim)
    w = 2 * np.pi * freq * k / rate
    basis = np.column_stack([np.sin(w), np.cos(w)])
    seg = y[trim : len(y) - trim].astype(np.float64)
    coef, *_ = np.linalg.lstsq(basis, seg, rcond=None)
    residual = seg - basis @ coef
    return float(np.hypot(*coef)), float(np.sqrt(np.mean(residual**2)))


def measure_response(
    resample: Resample, input_rate: int, output_rate: int, tones: int = 40, seconds: float = 0.5
) -> dict[str, float]:
    """Passband ripple and stopband attenuation from unit-amplitude tones.

    ripple_db: the largest |gain| in dB of tones up to 0.45 x the lower rate.
    stopband_db: the least attenuation (positive dB) of what must vanish:
    for downsampling, tones from the output Nyquist (just above: a sine
    exactly at it samples to zeros) to 0.99 x the input Nyquist, all of whose
    output is alias; for upsampling, the images of tones from 0.999 down to
    0.9 x the input Nyquist (the output minus the tone). Tones are spaced
    densely near the stopband edge, where attenuation is least. Edges of the
    output (50 ms) are left out so filter start-up does not count.
    """
    low = min(input_rate, output_rate)
    n = np.arange(int(input_rate * seconds))
    trim = int(0.05 * output_rate)

    def tone(freq: float) -> np.ndarray:
        x = np.sin(2 * np.pi * freq * n / input_rate + 1.0)
        return resample(x.astype(np.float32))

    passband = np.linspace(0.45 * low / tones, 0.45 * low, tones)
    gains = [_fit_tone(tone(f), f, output_rate, trim)[0] for f in passband]
    spread = np.linspace(0.0, 1.0, tones) ** 2
    leaks = []
    if input_rate > output_rate:
        edge = 0.5005 * output_rate
        for f in edge + (0.495 * input_rate - edge) * spread:
            y = tone(f)[trim:-trim].astype(np.float64)
            leaks.append(np.sqrt(2 * np.mean(y**2)))
    else:
        for f in 0.5 * input_rate * (0.999 - 0.099 * spread):
            leaks.append(np.sqrt(2) * _fit_tone(tone(f), f, output_rate, trim)[1])
    return {
        "ripple_db": float(np.max(np.abs(20 * np.log10(gains)))),
        "stopband_db": float(-20 * np.log10(max(max(leaks), 1e-15))),
    }


def load_block(rate: int, channels: int, seconds: float) -> tuple[np.ndarray, str]:
    """(frames, channels) float32 audio at `rate`: speech if present, tiled."""
    frames = int(rate * seconds)
    path = SOURCES.get(rate)
    if path is not None and path.exists():
        from audioclf._core import WavReader

        reader = WavReader(str(path))
        count = reader.info.frame_count
        audio = np.asarray(reader.read(0, count), dtype=np.float32).reshape(count, -1)
        if reader.info.sample_rate == rate:
            if audio.shape[1] != channels:
                audio = np.repeat(audio.mean(axis=1, keepdims=True), channels, axis=1)
            tiled = np.resize(audio, (frames, channels)).astype(np.float32)
            return np.ascontiguousarray(tiled), f"{path.name} tiled"
    rng = np.random.default_rng(0)
    return rng.uniform(-0.5, 0.5, (frames, channels)).astype(np.float32), "white noise"


def paths(input_rate: int, output_rate: int, channels: int) -> dict[str, Stream]:
    from audioclf._core import resampler_backend

    found: dict[str, Stream] = {
        f"audioclf hq ({resampler_backend()})": audioclf_stream(
            input_rate, output_rate, channels, "hq"
        ),
        "audioclf kaiser": audioclf_stream(input_rate, output_rate, channels, "kaiser"),
        "audioclf mediapipe": audioclf_stream(input_rate, output_rate, channels, "mediapipe"),
    }
    try:
        import soxr  # noqa: F401

        found["soxr HQ"] = soxr_stream(input_rate, output_rate, channels, "HQ")
        found["soxr VHQ"] = soxr_stream(input_rate, output_rate, channels, "VHQ")
    except ImportError:
        print("python-soxr is not installed (pip install soxr): no reference speed")
    return found


def bench(channels: int, seconds: float, rounds: int) -> bool | None:
    """Times every path; returns whether audioclf "hq" passed (None: no soxr)."""
    input_rate, output_rate = PAIR
    block, source = load_block(input_rate, channels, BLOCK_SECONDS)
    count = max(1, round(seconds / BLOCK_SECONDS))
    streams = paths(input_rate, output_rate, channels)
    names = list(streams)
    expected = -(-count * block.shape[0] * output_rate // input_rate)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        # Rotate the order so machine drift hits every path alike.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start, cpu_start = time.perf_counter(), time.process_time()
            frames = streams[name](block, count)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
            if name.startswith("audioclf"):
                assert frames == expected, (name, frames, expected)
    audio_seconds = count * BLOCK_SECONDS
    print(
        f"\n{input_rate} Hz -> {output_rate} Hz, {channels} channel(s), {audio_seconds} s of"
        f" {source} in {BLOCK_SECONDS} s blocks, one thread, median of {rounds}"
    )
    med = {name: statistics.median(t) for name, t in wall.items()}
    med_cpu = {name: statistics.median(t) for name, t in cpu.items()}
    ref = med.get("soxr HQ")
    for name in names:
        line = (
            f"  {name:22s} {med[name]:7.3f} s wall {med_cpu[name]:7.3f} s CPU"
            f"  {audio_seconds / med[name]:7.0f}x real time"
        )
        if ref is not None:
            line += f"  speed vs soxr HQ {ref / med[name]:5.2f}x"
        print(line)
    if ref is None:
        return None
    hq = names[0]
    ratio = ref / med[hq]
    ratio_cpu = med_cpu["soxr HQ"] / med_cpu[hq]
    ok = ratio >= REQUIRED_RATIO
    print(
        f"  {'PASS' if ok else 'FAIL'}: {hq} runs at {ratio:.2f}x soxr HQ's speed"
        f" ({ratio_cpu:.2f}x by CPU time; needs >= {REQUIRED_RATIO}x)"
    )
    return ok


def quality() -> None:
    input_rate, output_rate = PAIR
    print(f"\nQuality, {input_rate} Hz -> {output_rate} Hz (pure tones, mono):")
    found: dict[str, Resample] = {
        f"audioclf {p}": audioclf_resample(input_rate, output_rate, p)
        for p in ("hq", "kaiser", "mediapipe")
    }
    try:
        found["soxr HQ"] = soxr_resample(input_rate, output_rate, "HQ")
        found["soxr VHQ"] = soxr_resample(input_rate, output_rate, "VHQ")
    except ImportError:
        pass
    for name, fn in found.items():
        q = measure_response(fn, input_rate, output_rate)
        print(
            f"  {name:22s} ripple {q['ripple_db']:.5f} dB (to {0.45 * output_rate:.0f} Hz)"
            f"  stopband {q['stopband_db']:6.1f} dB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600.0, help="audio length per run")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per path")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    results = [bench(channels, args.seconds, args.rounds) for channels in (1, 2)]
    quality()
    if all(r is not None for r in results):
        print(f"\nissue 12 speed target: {'PASS' if all(results) else 'FAIL'}")


if __name__ == "__main__":
    main()
