"""Speed and quality of audioclf.Resampler against soxr (HQ and VHQ).

For 48 kHz -> 16 kHz and 44.1 kHz -> 16 kHz, resamples --seconds of mono
audio (../shared/audio speech tiled to length, else noise) in one call on one
core, in interleaved rounds (median per path), and prints the speed as
x-real-time (audio seconds per wall-clock second) with audioclf's ratio to
each soxr quality. Then measures every path's passband ripple (up to
0.45 x the lower rate) and stopband attenuation with pure tones, the way
tests/python/test_resampler.py does (it imports measure_response from here).

    python benchmarks/bench_resample.py [--seconds 60] [--rounds 7]
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
PAIRS = [(48000, 16000), (44100, 16000)]

Resample = Callable[[np.ndarray], np.ndarray]


def audioclf_resample(input_rate: int, output_rate: int) -> Resample:
    from audioclf._core import Resampler

    def run(x: np.ndarray) -> np.ndarray:
        r = Resampler(input_rate, output_rate)
        return np.concatenate([r.process(x), r.flush()])

    return run


def soxr_resample(input_rate: int, output_rate: int, quality: str) -> Resample:
    import soxr

    def run(x: np.ndarray) -> np.ndarray:
        return soxr.resample(x, input_rate, output_rate, quality=quality)

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


def load_source(rate: int, seconds: float) -> tuple[np.ndarray, str]:
    """Mono float32 audio at `rate`, tiled to `seconds`: speech if present."""
    frames = int(rate * seconds)
    path = SOURCES.get(rate)
    if path is not None and path.exists():
        from audioclf._core import WavReader

        reader = WavReader(str(path))
        count = reader.info.frame_count
        audio = np.asarray(reader.read(0, count), dtype=np.float32).reshape(count, -1)
        if reader.info.sample_rate == rate:
            mono = audio.mean(axis=1).astype(np.float32)
            return np.ascontiguousarray(np.resize(mono, frames)), f"{path.name} tiled"
    rng = np.random.default_rng(0)
    return rng.uniform(-0.5, 0.5, frames).astype(np.float32), "white noise"


def bench_pair(input_rate: int, output_rate: int, seconds: float, rounds: int) -> None:
    x, source = load_source(input_rate, seconds)
    paths: dict[str, Resample] = {"audioclf": audioclf_resample(input_rate, output_rate)}
    try:
        paths["soxr HQ"] = soxr_resample(input_rate, output_rate, "HQ")
        paths["soxr VHQ"] = soxr_resample(input_rate, output_rate, "VHQ")
    except ImportError:
        print("soxr is not installed: pip install soxr")
    names = list(paths)
    for fn in paths.values():
        fn(x[: input_rate // 10])  # warm up
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu_times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        # Rotate the order so machine drift hits every path alike.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start, cpu_start = time.perf_counter(), time.process_time()
            paths[name](x)
            times[name].append(time.perf_counter() - start)
            cpu_times[name].append(time.process_time() - cpu_start)

    print(f"\n{input_rate} Hz -> {output_rate} Hz, {seconds:.0f} s of {source}, one thread")
    seconds_per_call = {name: statistics.median(t) for name, t in times.items()}
    for name in names:
        quality = measure_response(paths[name], input_rate, output_rate)
        speed = seconds / seconds_per_call[name]
        # CPU time too: on a busy machine wall time includes waiting.
        cpu_speed = seconds / statistics.median(cpu_times[name])
        line = (
            f"  {name:9s} {speed:6.0f}x real time ({seconds_per_call[name] * 1e3:6.1f} ms,"
            f" {cpu_speed:5.0f}x per CPU second)  ripple {quality['ripple_db']:.5f} dB"
            f"  stopband {quality['stopband_db']:5.1f} dB"
        )
        if name != "audioclf":
            ratio = seconds_per_call[name] / seconds_per_call["audioclf"]
            line += f"  audioclf is {ratio:.2f}x as fast"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="audio length per call")
    parser.add_argument("--rounds", type=int, default=7, help="timed calls per path")
    args = parser.parse_args()
    for input_rate, output_rate in PAIRS:
        bench_pair(input_rate, output_rate, args.seconds, args.rounds)


if __name__ == "__main__":
    main()
