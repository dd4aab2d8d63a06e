"""audioclf._windows: a file's audio cut into a model's windows, block by block."""

from __future__ import annotations

import numpy as np
import pytest
from audioclf import _core, _windows

RNG = np.random.default_rng(5)
MONO = _core.AudioFormat(channels=1, sample_rate=16000)


def _cut(audio: np.ndarray, block: int, fmt: _core.AudioFormat = MONO, rate: int = 16000,
         window: int = 100, hop: int = 0, **options: object) -> list[_windows.Window]:  # fmt: skip
    audio = audio.reshape(len(audio), -1 if len(audio) else 1)
    blocks = [audio[i : i + block] for i in range(0, len(audio), block)]
    return list(_windows.windows(blocks, rate, audio.shape[1], fmt, window, hop, **options))


def test_hops_gaps_and_the_padded_tail() -> None:
    audio = RNG.standard_normal(1030).astype(np.float32)
    for block in (1, 7, 100, 5000):  # any block sizes: the same windows
        got = _cut(audio, block, hop=300)
        assert [(w.index, w.start_frame, w.valid_frames) for w in got] == [
            (0, 0, 100), (1, 300, 100), (2, 600, 100), (3, 900, 100)
        ]  # fmt: skip
        for w in got:
            np.testing.assert_array_equal(
                w.samples[:, 0], audio[w.start_frame : w.start_frame + 100]
            )
    tail = _cut(audio, 64, hop=50)
    assert [(w.start_frame, w.valid_frames) for w in tail[-2:]] == [(900, 100), (950, 80)]
    np.testing.assert_array_equal(tail[-1].samples[80:], 0)
    assert _cut(audio, 64, hop=50, pad_last=False)[-1].start_frame == 900
    assert [w.valid_frames for w in _cut(audio[:30], 8)] == [30]  # shorter than a window
    assert _cut(audio[:0], 8) == []


def test_channels_are_mapped_as_the_converter_maps_them() -> None:
    three = RNG.standard_normal((200, 3)).astype(np.float32)
    (average, _) = _cut(three, 33)
    want = (three[:100, 0] + three[:100, 1] + three[:100, 2]) * np.float32(1 / 3)
    np.testing.assert_array_equal(average.samples[:, 0], want)
    (picked, _) = _cut(three, 33, channel=2)
    np.testing.assert_array_equal(picked.samples[:, 0], three[:100, 2])
    stereo = _core.AudioFormat(channels=2, sample_rate=16000)
    (dup, _) = _cut(three[:, 0], 50, fmt=stereo)
    np.testing.assert_array_equal(dup.samples, np.repeat(three[:100, :1], 2, axis=1))
    with pytest.raises(
        ValueError, match="audio has 3 channels and the model 2; only mono, downmix"
    ):
        _cut(three, 50, fmt=stereo)
    with pytest.raises(ValueError, match=r"channel: 3 selected but the audio has 3 channel\(s\)"):
        _cut(three, 50, channel=3)
    bad = three.copy()
    bad[150, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        _cut(bad, 50)


def test_resampling_streams_as_one_call() -> None:
    audio = RNG.standard_normal(4410).astype(np.float32)
    whole = _core.Resampler(44100, 16000)
    converted = np.concatenate([whole.process(audio), whole.flush()])
    got = _cut(audio, 777, rate=44100, window=400, hop=400)
    assert len(got) == -(-len(converted) // 400)
    for w in got:
        np.testing.assert_array_equal(
            w.samples[: w.valid_frames, 0],
            converted[w.start_frame : w.start_frame + w.valid_frames],
        )
    with pytest.raises(ValueError, match="the model expects 16000 Hz, and resampling is disabled"):
        _cut(audio, 777, rate=44100, resample=False)


def test_hop_frames() -> None:
    assert _windows.hop_frames(100, 16000, None, None) == 0
    assert _windows.hop_frames(100, 16000, 0.001, None) == 16
    assert _windows.hop_frames(100, 16000, None, 0.005) == 20
    with pytest.raises(ValueError, match="hop and overlap: give at most one"):
        _windows.hop_frames(100, 16000, 0.001, 0.001)
    with pytest.raises(ValueError, match=r"overlap: must be >= 0 and shorter than the window"):
        _windows.hop_frames(100, 16000, None, 0.00625)
    with pytest.raises(ValueError, match="hop: must be > 0"):
        _windows.hop_frames(100, 16000, 1e-9, None)
