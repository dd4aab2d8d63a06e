"""audioclf.mediapipe's AudioClassifier: MediaPipe 1.2.2's results, windows,
timestamps, running modes and errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from audioclf.mediapipe import BaseOptions, audio
from audioclf.mediapipe.components.containers import AudioData, ClassificationResult
from conftest import DATA, golden, shared_path
from model_builder import Head, build_model

AUDIO_CLIPS = audio.RunningMode.AUDIO_CLIPS
AUDIO_STREAM = audio.RunningMode.AUDIO_STREAM
YAMNET = ("models", "yamnet_audio_classifier_with_metadata.tflite")
WINDOW = 15600  # YAMNet's window at 16 kHz


def _golden(name: str) -> dict:
    return {c["case"]: c for c in golden("mediapipe.json")}[name]


def _read(*parts: str) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(str(shared_path(*parts)), dtype="float32", always_2d=True)
    return samples, rate


def _options(model: Path, **kwargs: Any) -> audio.AudioClassifierOptions:
    return audio.AudioClassifierOptions(
        base_options=BaseOptions(model_asset_path=str(model)), **kwargs
    )


def _assert_matches(results: list[ClassificationResult], windows: list[dict], atol: float) -> None:
    assert [r.timestamp_ms for r in results] == [w["timestamp_ms"] for w in windows]
    for result, want in zip(results, windows, strict=True):
        assert len(result.classifications) == len(want["result"])
        for head, want_head in zip(result.classifications, want["result"], strict=True):
            assert (head.head_index, head.head_name) == (
                want_head["head_index"],
                want_head["head_name"],
            )
            cats = want_head["categories"]
            assert [c.index for c in head.categories] == [c["index"] for c in cats]
            assert [c.category_name for c in head.categories] == [c["label"] for c in cats]
            assert [c.display_name for c in head.categories] == [
                c["display_name"] or "" for c in cats
            ]
            np.testing.assert_allclose(
                [c.score for c in head.categories], [c["score"] for c in cats], rtol=0, atol=atol
            )


def _stream(
    options: audio.AudioClassifierOptions,
    samples: np.ndarray,
    rate: int,
    block: int,
    first_ms: int = 0,
) -> list[tuple[ClassificationResult, int]]:
    got: list[tuple[ClassificationResult, int]] = []
    options.running_mode = AUDIO_STREAM
    options.result_callback = lambda result, ms: got.append((result, ms))
    classifier = audio.AudioClassifier.create_from_options(options)
    for start in range(0, len(samples), block):
        ms = first_ms + start * 1000 // rate
        classifier.classify_async(
            AudioData.create_from_array(samples[start : start + block], rate), ms
        )
    classifier.close()  # every result is delivered before close() returns
    return got


# ---------------------------------------------------------------- MediaPipe's results


@pytest.mark.parametrize("name", ["yamnet_clip", "two_heads_clip_fr", "stereo_clip"])
def test_clips_match_mediapipe(name: str) -> None:
    case = _golden(name)
    samples, rate = _read(case["audio"])
    assert rate == case["audio_sample_rate"]
    options = _options(shared_path(case["model"]), **case["options"])
    with audio.AudioClassifier.create_from_options(options) as classifier:
        results = classifier.classify(AudioData.create_from_array(samples, rate))
    _assert_matches(results, case["windows"], atol=1e-6)


def test_48k_clip_resampled_like_mediapipe() -> None:
    # MediaPipe's resampling filter is reproduced, not its arithmetic: the
    # windows, timestamps and top classes are its own, scores within 0.03
    # (window 0 sits on a quantization step of YAMNet's output).
    case = _golden("yamnet_clip_48k")
    samples, rate = _read(case["audio"])
    with audio.AudioClassifier.create_from_options(
        _options(shared_path(*YAMNET), max_results=3)
    ) as classifier:
        results = classifier.classify(AudioData.create_from_array(samples, rate))
    assert [r.timestamp_ms for r in results] == [w["timestamp_ms"] for w in case["windows"]]
    for result, want in zip(results, case["windows"], strict=True):
        top = result.classifications[0].categories[0]
        assert top.index == want["result"][0]["categories"][0]["index"]
        assert abs(top.score - want["result"][0]["categories"][0]["score"]) < 0.03


def test_stream_emits_every_window_and_the_padded_last_at_close() -> None:
    # speech.wav is 68,360 frames: four full windows and a padded fifth, which
    # MediaPipe's stream mode classifies when the task is closed.
    case = _golden("yamnet_clip")
    samples, rate = _read(case["audio"])
    for block in (WINDOW, 160, 4321):
        got = _stream(_options(shared_path(*YAMNET), max_results=3), samples, rate, block)
        assert [ms for _, ms in got] == [0, 975, 1950, 2925, 3900]
        assert all(r.timestamp_ms == ms for r, ms in got)
        _assert_matches([r for r, _ in got], case["windows"], atol=1e-6)


def test_stream_at_48k_gives_the_clip_results() -> None:
    samples, rate = _read("audio", "speech_48k.wav")
    options = _options(shared_path(*YAMNET), max_results=3)
    with audio.AudioClassifier.create_from_options(options) as classifier:
        clip = classifier.classify(AudioData.create_from_array(samples, rate))
    got = _stream(_options(shared_path(*YAMNET), max_results=3), samples, rate, 3 * WINDOW)
    assert [ms for _, ms in got] == [r.timestamp_ms for r in clip] == [0, 975, 1950, 2925, 3900]
    for (result, _), want in zip(got, clip, strict=True):
        a, b = result.classifications[0].categories, want.classifications[0].categories
        assert [c.index for c in a] == [c.index for c in b]
        np.testing.assert_allclose([c.score for c in a], [c.score for c in b], atol=1e-6)


def test_stream_timestamps_start_at_the_first_block() -> None:
    samples, rate = _read("audio", "speech.wav")
    got = _stream(_options(shared_path(*YAMNET), max_results=1), samples, rate, WINDOW, 100)
    assert [ms for _, ms in got] == [100, 1075, 2050, 3025, 4000]


def test_stream_fed_faster_than_real_time_loses_nothing() -> None:
    # 20 s of audio fed in one burst: every window is classified and delivered.
    samples, rate = _read("audio", "speech.wav")
    long = np.tile(samples, (5, 1))[: 20 * rate]
    got = _stream(_options(shared_path(*YAMNET), max_results=1), long, rate, 1600)
    assert len(got) == -(-len(long) // WINDOW) == 21
    assert [ms for _, ms in got] == [k * 975 for k in range(21)]


def test_stream_timestamps_accumulate_rounded_microseconds(tmp_path: Path) -> None:
    # A 1000-frame window at 44.1 kHz is 22,675.7 us: MediaPipe rounds each
    # step to 22,676 us and floors the sum to milliseconds.
    model = tmp_path / "m.tflite"
    model.write_bytes(build_model(1000, [Head(2, labels=["a", "b"])], sample_rate=44100))
    tone = np.zeros((10 * 1000, 1), np.float32)
    got = _stream(_options(model), tone, 44100, 1000)
    assert [ms for _, ms in got] == [(k * 22676) // 1000 for k in range(10)]


# ---------------------------------------------------------------- options


def test_classification_options() -> None:
    samples, rate = _read("audio", "speech.wav")
    clip = AudioData.create_from_array(samples, rate)
    model = shared_path(*YAMNET)
    for kwargs in (
        {"max_results": 1},
        {"score_threshold": 0.9},
        {"category_allowlist": ["Speech"]},
    ):
        with audio.AudioClassifier.create_from_options(_options(model, **kwargs)) as classifier:
            results = classifier.classify(clip)
        heads = [r.classifications[0].categories for r in results[:4]]
        assert [[c.category_name for c in h] for h in heads] == [["Speech"]] * 4, kwargs
    with audio.AudioClassifier.create_from_options(
        _options(model, category_denylist=["Speech"], max_results=2)
    ) as classifier:
        first = classifier.classify(clip)[0].classifications[0].categories
    assert [c.index for c in first] == [500, 494]
    with audio.AudioClassifier.create_from_model_path(str(model)) as classifier:
        assert len(classifier.classify(clip)[0].classifications[0].categories) == 521


def test_model_from_buffer_equals_model_from_path() -> None:
    model = shared_path(*YAMNET)
    samples, rate = _read("audio", "speech.wav")
    clip = AudioData.create_from_array(samples, rate)
    options = audio.AudioClassifierOptions(
        base_options=BaseOptions(model_asset_buffer=model.read_bytes()), max_results=2
    )
    with audio.AudioClassifier.create_from_options(options) as a:
        from_buffer = a.classify(clip)
    with audio.AudioClassifier.create_from_options(_options(model, max_results=2)) as b:
        from_path = b.classify(clip)
    assert [[(c.index, c.score) for c in r.classifications[0].categories] for r in from_buffer] == [
        [(c.index, c.score) for c in r.classifications[0].categories] for r in from_path
    ]


def test_hq_resampler_is_available() -> None:
    samples, rate = _read("audio", "speech_48k.wav")
    clip = AudioData.create_from_array(samples, rate)
    model = shared_path(*YAMNET)
    tops = {}
    for resampler in ("mediapipe", "hq"):
        options = _options(model, max_results=1, resampler=resampler)
        with audio.AudioClassifier.create_from_options(options) as classifier:
            tops[resampler] = [
                r.classifications[0].categories[0] for r in classifier.classify(clip)
            ]
    assert [c.index for c in tops["mediapipe"]][:4] == [c.index for c in tops["hq"]][:4] == [0] * 4
    assert [c.score for c in tops["mediapipe"]] != [c.score for c in tops["hq"]]


# ---------------------------------------------------------------- errors


def test_bad_model_path_is_file_not_found_and_runtime_error() -> None:
    options = _options(Path("/no/such/model.tflite"))
    with pytest.raises(FileNotFoundError, match="Unable to open file at /no/such/model.tflite"):
        audio.AudioClassifier.create_from_options(options)
    with pytest.raises(RuntimeError, match="Unable to open file at /no/such/model.tflite"):
        audio.AudioClassifier.create_from_model_path("/no/such/model.tflite")


def test_bad_options_are_value_errors() -> None:
    model = DATA / "tiny_two_heads.tflite"
    with pytest.raises(
        ValueError, match="`category_allowlist` and `category_denylist` are mutually"
    ):
        audio.AudioClassifier.create_from_options(
            _options(model, category_allowlist=["a"], category_denylist=["b"])
        )
    with pytest.raises(ValueError, match="set model_asset_path or model_asset_buffer"):
        audio.AudioClassifier.create_from_options(audio.AudioClassifierOptions(BaseOptions()))
    with pytest.raises(ValueError, match="delegate: audioclf runs on the CPU only"):
        audio.AudioClassifier.create_from_options(
            audio.AudioClassifierOptions(
                BaseOptions(model_asset_path=str(model), delegate=BaseOptions.Delegate.GPU)
            )
        )
    with pytest.raises(ValueError, match="running_mode: expected"):
        audio.AudioClassifier.create_from_options(_options(model, running_mode="AUDIO_STREAM"))
    with pytest.raises(
        ValueError, match="resampler: expected 'mediapipe', 'hq' or 'kaiser', got 'soxr'"
    ):
        audio.AudioClassifier.create_from_options(_options(model, resampler="soxr"))
    with pytest.raises(ValueError, match="model"):  # not a TFLite model: the core's error
        audio.AudioClassifier.create_from_options(
            audio.AudioClassifierOptions(BaseOptions(model_asset_buffer=b"not a model"))
        )


def test_running_mode_rules() -> None:
    model = str(DATA / "tiny_two_heads.tflite")
    block = AudioData.create_from_array(np.zeros(1600, np.float32), 16000)
    with pytest.raises(
        ValueError, match="in audio stream mode, a user-defined result callback must be provided"
    ):
        audio.AudioClassifier.create_from_options(_options(Path(model), running_mode=AUDIO_STREAM))
    with pytest.raises(
        ValueError,
        match="in audio clips mode, a user-defined result callback shouldn't be provided",
    ):
        audio.AudioClassifier.create_from_options(
            _options(Path(model), result_callback=lambda r, t: None)
        )
    with audio.AudioClassifier.create_from_model_path(model) as clips:
        with pytest.raises(
            ValueError,
            match="Task is not initialized with the audio stream mode. Current running mode:audio",
        ):
            clips.classify_async(block, 0)
    stream_options = _options(
        Path(model), running_mode=AUDIO_STREAM, result_callback=lambda r, t: None
    )
    with audio.AudioClassifier.create_from_options(stream_options) as stream:
        with pytest.raises(
            ValueError,
            match="classify: Task is not initialized with the audio clips mode. Current running m",
        ):
            stream.classify(block)


def test_sample_rate_and_timestamp_checks() -> None:
    model = Path(DATA / "tiny_two_heads.tflite")
    no_rate = AudioData(buffer_length=100)
    with audio.AudioClassifier.create_from_options(_options(model)) as clips:
        with pytest.raises(ValueError, match="Must provide the audio sample rate in audio data"):
            clips.classify(no_rate)
    options = _options(model, running_mode=AUDIO_STREAM, result_callback=lambda r, t: None)
    with audio.AudioClassifier.create_from_options(options) as stream:
        with pytest.raises(ValueError, match="Must provide the audio sample rate in audio data"):
            stream.classify_async(no_rate, 0)
        block = AudioData.create_from_array(np.zeros(800, np.float32), 16000)
        stream.classify_async(block, 100)
        for bad in (100, 0):
            with pytest.raises(
                ValueError, match=f"monotonically increasing: got {bad} ms after 100"
            ):
                stream.classify_async(block, bad)
        with pytest.raises(
            ValueError, match="sample_rate: 8000 Hz differs from the stream's 16000"
        ):
            stream.classify_async(AudioData.create_from_array(np.zeros(800), 8000), 200)
        with pytest.raises(ValueError, match="num_channels: 2 differs from the stream's 1"):
            stream.classify_async(AudioData.create_from_array(np.zeros((800, 2)), 16000), 200)
        with pytest.raises(TypeError, match="timestamp_ms: expected an int, got float"):
            stream.classify_async(block, 200.0)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="whole number of Hz, got 16000.5"):
            stream.classify_async(AudioData.create_from_array(np.zeros(800), 16000.5), 200)
        stream.classify_async(block, 200)  # still usable after the refused calls


def test_empty_clip_has_no_windows() -> None:
    with audio.AudioClassifier.create_from_model_path(str(DATA / "tiny_two_heads.tflite")) as c:
        assert c.classify(AudioData.create_from_array(np.zeros(0, np.float32), 16000)) == []
        assert c.classify(AudioData.create_from_array(np.zeros((0, 1)), 44100)) == []
        (one,) = c.classify(AudioData.create_from_array(np.zeros(5), 16000))  # padded
        assert one.timestamp_ms == 0 and len(one.classifications) == 2


def test_closed_classifier_refuses_work() -> None:
    classifier = audio.AudioClassifier.create_from_model_path(str(DATA / "tiny_two_heads.tflite"))
    classifier.close()
    classifier.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        classifier.classify(AudioData.create_from_array(np.zeros(1600), 16000))


def test_callback_error_is_raised_by_close() -> None:
    def broken(result: ClassificationResult, timestamp_ms: int) -> None:
        raise KeyError("boom")

    options = _options(
        DATA / "tiny_two_heads.tflite", running_mode=AUDIO_STREAM, result_callback=broken
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    classifier.classify_async(AudioData.create_from_array(np.zeros(1600), 16000), 0)
    with pytest.raises(RuntimeError, match="result_callback raised KeyError"):
        classifier.close()


def test_callbacks_come_from_another_thread_while_feeding() -> None:
    threads: set[int] = set()
    options = _options(
        DATA / "tiny_two_heads.tflite",
        running_mode=AUDIO_STREAM,
        result_callback=lambda r, t: threads.add(threading.get_ident()),
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    classifier.classify_async(AudioData.create_from_array(np.zeros(1600), 16000), 0)
    deadline = time.monotonic() + 5
    while not threads and time.monotonic() < deadline:
        time.sleep(0.001)
    classifier.close()
    assert threads and threading.get_ident() not in threads  # before close(): asynchronous
