"""Audio in: dtypes, layouts, channels, sample rates and file formats all
reach the model through the C++ pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audioclf import (
    AudioClassifier,
    AudioClassifierOptions,
    BaseOptions,
    ClassificationOptions,
)
from conftest import DATA, shared_path
from model_builder import Head, build_model

N = 800
HEAD = Head(4, name="h", labels=["a", "b", "c", "d"])


def tiny(channels: int = 1, rate: int = 16000) -> AudioClassifier:
    content = build_model(N * channels, [HEAD], channels=channels, sample_rate=rate)
    return AudioClassifier.create_from_options(
        AudioClassifierOptions(base_options=BaseOptions(file_content=content))
    )


def scores(result) -> dict[int, float]:  # noqa: ANN001
    return {c.index: c.score for c in result.classifications[0].categories}


def yamnet(max_results: int = 3) -> AudioClassifier:
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    return AudioClassifier.create_from_options(
        AudioClassifierOptions(
            base_options=BaseOptions(file_name=str(model)),
            classification_options=ClassificationOptions(max_results=max_results),
        )
    )


def top3(windows) -> list[list[int]]:  # noqa: ANN001
    return [[c.index for c in w.result.classifications[0].categories] for w in windows]


RNG = np.random.default_rng(5)
PCM = (RNG.integers(-20000, 20000, N)).astype(np.int16)
REFERENCE = PCM.astype(np.float32) / 32768


@pytest.mark.parametrize(
    "array",
    [
        PCM,
        PCM.astype(np.int32) << 16,
        REFERENCE.astype(np.float64),
        ((PCM >> 8) + 128).astype(np.uint8),
    ],
    ids=["int16", "int32", "float64", "uint8"],
)
def test_dtypes_convert_like_float32(array: np.ndarray) -> None:
    classifier = tiny()
    want = scores(classifier.classify(REFERENCE))
    got = scores(classifier.classify(array))
    tolerance = 1e-6 if array.dtype != np.uint8 else 0.05  # uint8 keeps 8 bits
    assert got.keys() == want.keys()
    for index, score in want.items():
        assert got[index] == pytest.approx(score, abs=tolerance)


def test_layouts_and_channel_mapping() -> None:
    classifier = tiny()
    left = REFERENCE
    right = (RNG.standard_normal(N) * 0.1).astype(np.float32)
    stereo_c = np.stack([left, right], axis=1)
    stereo_f = np.asfortranarray(stereo_c)
    averaged = scores(classifier.classify((left + right) / 2))
    for stereo in (stereo_c, stereo_f, np.stack([left, right])[:, ::1].T):
        got = scores(classifier.classify(stereo))
        for index, score in averaged.items():
            assert got[index] == pytest.approx(score, abs=1e-6)
    (picked,) = classifier.classify_clip(stereo_f, channel=1)
    want = scores(classifier.classify(right))
    assert scores(picked.result) == pytest.approx(want, abs=1e-6)
    # A strided view (every other frame) is read in place as well.
    long = np.repeat(left, 2)
    assert scores(classifier.classify(long[::2])) == pytest.approx(
        scores(classifier.classify(left)), abs=1e-6
    )


def test_mono_into_a_two_channel_model_is_duplicated() -> None:
    classifier = tiny(channels=2)
    dual = np.stack([REFERENCE, REFERENCE], axis=1)
    assert scores(classifier.classify(REFERENCE)) == pytest.approx(
        scores(classifier.classify(dual)), abs=1e-6
    )


def test_resampled_window_and_clip() -> None:
    classifier = tiny()
    t = np.arange(3 * N) / 48000
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    direct = np.sin(2 * np.pi * 440 * np.arange(N) / 16000).astype(np.float32) * 0.5
    got = scores(classifier.classify(tone, sample_rate=48000))
    want = scores(classifier.classify(direct))
    for index, score in want.items():
        assert got[index] == pytest.approx(score, abs=2e-3)
    windows = classifier.classify_clip(np.tile(tone, 4), 48000)
    assert [w.start_seconds for w in windows] == [0.0, 0.05, 0.1, 0.15]


def test_clip_windows_hop_and_padding() -> None:
    classifier = tiny()
    clip = (RNG.standard_normal(2000) * 0.2).astype(np.float32)
    windows = classifier.classify_clip(clip)
    assert [(w.start_frame, w.end_seconds) for w in windows] == [
        (0, 0.05),
        (800, 0.1),
        (1600, 0.125),
    ]
    padded = np.zeros(N, np.float32)
    padded[:400] = clip[1600:]
    assert scores(windows[2].result) == pytest.approx(scores(classifier.classify(padded)), abs=1e-6)
    assert len(classifier.classify_clip(clip, pad_last=False)) == 2
    half = classifier.classify_clip(clip, hop=0.025)
    # The window at 1200 reaches the end: no padded tail window after it.
    assert [w.start_frame for w in half] == [0, 400, 800, 1200]
    odd = classifier.classify_clip(clip[:1900], hop=0.025)
    assert [(w.start_frame, w.end_seconds) for w in odd][-2:] == [(800, 0.1), (1200, 0.11875)]
    assert scores(half[1].result) == pytest.approx(
        scores(classifier.classify(clip[400:1200])), abs=1e-6
    )
    overlap = classifier.classify_clip(clip, overlap=0.025)
    assert [w.start_frame for w in overlap] == [w.start_frame for w in half]
    for workers in (2, 3):
        parallel = classifier.classify_clip(clip, hop=0.025, workers=workers)
        assert [scores(w.result) for w in parallel] == [scores(w.result) for w in half]


def test_file_formats_stream_through(tmp_path: Path) -> None:
    classifier = tiny()
    reference = classifier.classify_file(DATA / "tiny_tone.wav")
    audio, rate = sf.read(DATA / "tiny_tone.wav", dtype="float32")
    for fmt in ("FLAC", "OGG"):
        path = tmp_path / f"tone.{fmt.lower()}"
        sf.write(path, audio, rate, format=fmt)
        got = classifier.classify_file(path, block_frames=333)
        assert [w.start_frame for w in got] == [w.start_frame for w in reference]
        if fmt == "FLAC":  # lossless: identical scores
            assert [scores(w.result) for w in got] == [scores(w.result) for w in reference]


def test_yamnet_file_formats_agree() -> None:
    classifier = yamnet()
    base = top3(classifier.classify_file(shared_path("audio", "speech.wav")))
    for name in ("speech_pcm24.wav", "speech_f32.wav"):
        assert top3(classifier.classify_file(shared_path("audio", name))) == base
    stereo = classifier.classify_file(shared_path("audio", "speech_44k_stereo.wav"))
    assert [t[0] for t in top3(stereo)][:4] == [0, 0, 0, 0]  # Speech
    low = classifier.classify_file(shared_path("audio", "speech_8k_u8.wav"))
    assert len(low) == 5 and top3(low)[0][0] == 0
    mp3 = classifier.classify_file(shared_path("audio", "xc563936_soundscape.mp3"))
    assert len(mp3) > 10


@pytest.mark.parametrize("resampler", ["hq", "mediapipe"])
def test_yamnet_48k_against_mediapipe(resampler: str) -> None:
    golden = json.loads(shared_path("golden", "mediapipe.json").read_text())
    case = next(c for c in golden if c["case"] == "yamnet_clip_48k")
    windows = yamnet().classify_file(shared_path("audio", "speech_48k.wav"), resampler=resampler)
    assert [w.timestamp_ms for w in windows] == [w["timestamp_ms"] for w in case["windows"]]
    want_top = [w["result"][0]["categories"][0]["index"] for w in case["windows"]]
    got_top = [t[0] for t in top3(windows)]
    if resampler == "mediapipe":
        # MediaPipe's filter: every window's top class agrees, and the top-3
        # of windows 2-5 are identical.
        assert got_top == want_top
        assert top3(windows)[1:] == [
            [c["index"] for c in w["result"][0]["categories"]] for w in case["windows"][1:]
        ]
    else:
        # The default filter keeps more of the band: all but the near-silent,
        # zero-padded tail agree (there MediaPipe's softer filter tips a tie).
        assert got_top[:4] == want_top[:4]
    first = windows[0].result.classifications[0].categories[0]
    assert first.index == 0
    assert abs(first.score - case["windows"][0]["result"][0]["categories"][0]["score"]) < 0.03


def test_iter_file_yields_the_same_windows_as_classify_file(tmp_path: Path) -> None:
    classifier = tiny()
    wav = DATA / "tiny_tone.wav"
    whole = classifier.classify_file(wav, hop=0.025, workers=2)
    streamed = classifier.iter_file(wav, hop=0.025, workers=2, block_frames=700)
    first = next(streamed)  # results arrive before the file is finished
    rest = list(streamed)
    got = [first, *rest]
    assert [w.start_frame for w in got] == [w.start_frame for w in whole]
    assert [scores(w.result) for w in got] == [scores(w.result) for w in whole]
    audio, rate = sf.read(wav, dtype="float32")
    flac = tmp_path / "tone.flac"
    sf.write(flac, audio, rate)
    assert [w.start_frame for w in classifier.iter_file(flac)] == [
        w.start_frame for w in classifier.classify_file(wav)
    ]


def _same_windows(got, want) -> None:  # noqa: ANN001
    assert [(w.index, w.start_frame, w.end_seconds) for w in got] == [
        (w.index, w.start_frame, w.end_seconds) for w in want
    ]
    assert [scores(w.result) for w in got] == [scores(w.result) for w in want]


@pytest.mark.parametrize(
    ("rate", "channels", "fmt", "resampler"),
    [
        (44100, 2, "FLAC", "kaiser"),
        (44100, 2, "FLAC", "hq"),
        (48000, 1, "FLAC", "mediapipe"),
        (16000, 1, "AIFF", "hq"),
        (22050, 2, "WAV", "kaiser"),
        (22050, 2, "WAV", "hq"),
    ],
)
def test_files_split_across_workers_equal_one_pass(
    tmp_path: Path, rate: int, channels: int, fmt: str, resampler: str
) -> None:
    # 50 s: long enough for several segments per worker (segments are >= 8 s).
    rng = np.random.default_rng(rate)
    audio = (0.3 * rng.standard_normal((rate * 50 + 123, channels))).astype(np.float32)
    path = tmp_path / f"noise.{'wav' if fmt == 'WAV' else fmt.lower()}"
    sf.write(path, audio, rate, format=fmt, subtype="PCM_16")
    classifier = tiny()
    one_pass = list(classifier.iter_file(path, hop=0.03, resampler=resampler))  # a StreamClassifier
    assert len(one_pass) > 1500
    for workers in (1, 2, 3):
        progress: list[tuple[int, int]] = []
        got = classifier.classify_file(
            path,
            hop=0.03,
            resampler=resampler,
            workers=workers,
            progress=lambda done, total, seen=progress: seen.append((done, total)),
        )
        _same_windows(got, one_pass)
        assert progress[-1] == (len(audio), len(audio))
        assert all(done <= total for done, total in progress)
    # The clip in memory, split the same way, also equals one pass.
    clip = sf.read(path, dtype="float32", always_2d=True)[0]
    _same_windows(
        classifier.classify_clip(clip, rate, hop=0.03, resampler=resampler, workers=2),
        one_pass,
    )


def test_a_reader_error_in_a_worker_names_the_file(tmp_path: Path) -> None:
    rate = 16000
    path = tmp_path / "cut.flac"
    sf.write(path, np.zeros((rate * 40, 1), np.float32), rate)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # frames past the cut cannot be decoded
    for workers in (1, 2):
        with pytest.raises(ValueError, match=r"cut\.flac' cannot be decoded at frame \d+"):
            tiny().classify_file(path, workers=workers)
    with pytest.raises(ValueError, match=r"cut\.flac' cannot be decoded"):
        list(tiny().iter_file(path))
