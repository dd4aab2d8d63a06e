"""Parity with tflite-support 0.4.4 on the shared models (../shared/golden), through
audioclf's own API (audioclf.task, the tflite-support surface, is tested in task/)."""

from __future__ import annotations

import audioclf
import numpy as np
import pytest
import soundfile as sf
from conftest import SHARED, golden, shared_path

CASES = (
    {c["case"]: c for c in golden("tflite_support.json")}
    if (SHARED / "golden" / "tflite_support.json").exists()
    else {}
)


def _case(name: str) -> dict:
    if name not in CASES:
        pytest.skip("../shared/golden/tflite_support.json is absent")
    return CASES[name]


def _options(case: dict) -> audioclf.AudioClassifierOptions:
    o = case["options"]
    return audioclf.AudioClassifierOptions(
        base_options=audioclf.BaseOptions(file_name=str(shared_path(case["model"]))),
        classification_options=audioclf.ClassificationOptions(
            max_results=o.get("max_results"),
            score_threshold=o.get("score_threshold"),
            category_name_allowlist=o.get("category_name_allowlist"),
            category_name_denylist=o.get("category_name_denylist"),
            display_names_locale=o.get("display_names_locale"),
        ),
    )


def _assert_same(result: audioclf.ClassificationResult, expected: list[dict]) -> None:
    assert len(result.classifications) == len(expected)
    for head, want in zip(result.classifications, expected):
        assert head.head_index == want["head_index"]
        assert head.head_name == want["head_name"]
        got = [(c.index, c.category_name, c.display_name) for c in head.categories]
        assert got == [(c["index"], c["label"], c["display_name"]) for c in want["categories"]]
        scores = np.array([c.score for c in head.categories])
        np.testing.assert_allclose(
            scores, [c["score"] for c in want["categories"]], rtol=0, atol=1e-6
        )


SINGLE_WINDOW = [
    "yamnet_all",
    "yamnet_top3",
    "yamnet_threshold",
    "yamnet_window2",
    "yamnet_allowlist",
    "yamnet_denylist",
    "two_heads_en",
    "two_heads_fr",
    "two_heads_tone",
    "uint8_output",
    "uint8_output_thr",
    "stereo_44k_es",
    "stereo_44k_w2",
]


@pytest.mark.parametrize("name", SINGLE_WINDOW)
def test_golden_case_through_tensor_audio_from_wav(name: str) -> None:
    case = _case(name)
    with audioclf.AudioClassifier.create_from_options(_options(case)) as classifier:
        assert classifier.required_input_buffer_size == case["required_input_buffer_size"]
        fmt = classifier.required_audio_format
        assert (fmt.sample_rate, fmt.channels) == (
            case["model_sample_rate"],
            case["model_channels"],
        )
        # Our TensorAudio holds exactly the frames the model consumes.
        frames = case.get("frames_consumed", case["frames"])
        tensor = audioclf.TensorAudio.create_from_wav_file(
            str(shared_path(case["audio"])), frames, offset=case["start_frame"]
        )
        _assert_same(classifier.classify(tensor), case["result"])


@pytest.mark.parametrize("name", SINGLE_WINDOW)
def test_golden_case_through_numpy_array(name: str) -> None:
    case = _case(name)
    samples, _ = sf.read(str(shared_path(case["audio"])), dtype="float32", always_2d=True)
    frames = case.get("frames_consumed", case["frames"])
    window = samples[case["start_frame"] : case["start_frame"] + frames]
    with audioclf.AudioClassifier.create_from_options(_options(case)) as classifier:
        tensor = classifier.create_input_tensor_audio()
        assert tensor.buffer_size == frames
        tensor.load_from_array(window)
        _assert_same(classifier.classify(tensor), case["result"])
        # The one-window shortcut reads the array in place.
        array = np.ascontiguousarray(window if window.shape[1] > 1 else window[:, 0])
        _assert_same(classifier.classify(array, sample_rate=fmt_rate(classifier)), case["result"])


def fmt_rate(classifier: audioclf.AudioClassifier) -> int:
    return classifier.required_audio_format.sample_rate


def test_both_lists_is_a_value_error() -> None:
    case = _case("both_lists")
    with pytest.raises(ValueError, match="mutually exclusive"):
        audioclf.AudioClassifier.create_from_options(_options(case))


def test_model_without_metadata_needs_a_sample_rate() -> None:
    case = _case("no_metadata")
    with pytest.raises(ValueError, match="input tensor 0 is missing TensorMetadata"):
        audioclf.AudioClassifier.create_from_options(_options(case))
    options = _options(case)
    options.sample_rate = 16000
    with audioclf.AudioClassifier.create_from_options(options) as classifier:
        assert classifier.required_input_buffer_size == 5360
        samples, _ = sf.read(str(shared_path(case["audio"])), dtype="float32")
        result = classifier.classify(samples[:5360])
        head = result.classifications[0]
        assert len(head.categories) == 5
        assert all(c.category_name == "" for c in head.categories)
        scores = [c.score for c in head.categories]
        assert scores == sorted(scores, reverse=True)


MEDIAPIPE_NATIVE_RATE = ["yamnet_clip", "two_heads_clip_fr", "stereo_clip"]


@pytest.mark.parametrize("name", MEDIAPIPE_NATIVE_RATE)
@pytest.mark.parametrize("workers", [1, 2])
def test_mediapipe_clip_cases_through_classify_file(name: str, workers: int) -> None:
    """MediaPipe's AUDIO_CLIPS results at the model's own rate, window for window."""
    cases = {c["case"]: c for c in golden("mediapipe.json")}
    case = cases[name]
    o = case["options"]
    options = audioclf.AudioClassifierOptions(
        base_options=audioclf.BaseOptions(file_name=str(shared_path(case["model"]))),
        classification_options=audioclf.ClassificationOptions(
            max_results=o.get("max_results"), display_names_locale=o.get("display_names_locale")
        ),
    )
    with audioclf.AudioClassifier.create_from_options(options) as classifier:
        windows = classifier.classify_file(shared_path(case["audio"]), workers=workers)
    assert [w.timestamp_ms for w in windows] == [w["timestamp_ms"] for w in case["windows"]]
    for got, want in zip(windows, case["windows"]):
        for head, want_head in zip(got.result.classifications, want["result"]):
            assert head.head_name == want_head["head_name"]
            assert [c.index for c in head.categories] == [
                c["index"] for c in want_head["categories"]
            ]
            assert [c.category_name for c in head.categories] == [
                c["label"] for c in want_head["categories"]
            ]
            np.testing.assert_allclose(
                [c.score for c in head.categories],
                [c["score"] for c in want_head["categories"]],
                rtol=0,
                atol=1e-6,
            )
