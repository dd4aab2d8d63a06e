"""AudioClassifier on tiny models built on the fly: runs without ../shared."""

from __future__ import annotations

from pathlib import Path

import audioclf
import numpy as np
import pytest
from audioclf import AudioClassifier, AudioClassifierOptions, BaseOptions, ClassificationOptions
from model_builder import Head, build_model, calibrate_scores, reference_scores

N = 800
RNG = np.random.default_rng(1234)
SAMPLES = (RNG.standard_normal(N) * 0.3).astype(np.float32)


def classifier_for(
    tmp_path: Path, heads: list[Head], *, input_length: int = N, **kwargs: object
) -> tuple[AudioClassifier, Path]:
    model_kwargs = {
        k: kwargs.pop(k) for k in ("sample_rate", "channels", "with_metadata") if k in kwargs
    }
    path = tmp_path / "model.tflite"
    path.write_bytes(build_model(input_length, heads, **model_kwargs))
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_name=str(path)),
        classification_options=ClassificationOptions(**kwargs),
    )
    return AudioClassifier.create_from_options(options), path


def expected(head: Head, samples: np.ndarray) -> np.ndarray:
    return calibrate_scores(head, reference_scores([head], samples)[0])


def test_softmax_head_scores_sorted_and_labeled(tmp_path: Path) -> None:
    head = Head(5, name="animals", labels=["dog", "cat", "bird", "car", "rain"])
    classifier, _ = classifier_for(tmp_path, [head])
    result = classifier.classify(SAMPLES)
    (classifications,) = result.classifications
    assert classifications.head_name == "animals"
    assert classifications.head_index == 0
    want = expected(head, SAMPLES)
    order = np.argsort(-want, kind="stable")
    assert [c.index for c in classifications.categories] == list(order)
    assert [c.category_name for c in classifications.categories] == [head.labels[i] for i in order]
    np.testing.assert_allclose(
        [c.score for c in classifications.categories], want[order], atol=1e-6
    )
    assert abs(sum(c.score for c in classifications.categories) - 1.0) < 1e-5


def test_multi_head_with_locales_and_calibration(tmp_path: Path) -> None:
    loud = Head(
        3,
        name="loudness",
        activation="sigmoid",
        labels=["quiet", "moderate", "loud"],
        labels_locale="en",
        display_names={"fr": ["calme", "modéré", "fort"]},
        calibration=("INVERSE_LOGISTIC", 0.2, ["1.0,2.0,0.5", "", "0.9,1.5,-0.2,0.3"]),
    )
    kind = Head(
        4,
        name="sound_type",
        labels=["silence", "tone", "noise", "voice"],
        labels_locale="en",
        display_names={"fr": ["silence", "tonalité", "bruit", "voix"]},
    )
    classifier, _ = classifier_for(tmp_path, [loud, kind], display_names_locale="fr")
    result = classifier.classify(SAMPLES)
    assert [h.head_name for h in result.classifications] == ["loudness", "sound_type"]
    assert [h.head_index for h in result.classifications] == [0, 1]
    by_index = {c.index: c for c in result.classifications[0].categories}
    assert by_index[1].score == pytest.approx(0.2, abs=1e-7)  # empty line: default score
    assert by_index[1].display_name == "modéré"
    assert by_index[1].category_name == "moderate"
    want = expected(loud, SAMPLES)
    for index in (0, 2):
        assert by_index[index].score == pytest.approx(want[index], abs=1e-6)
    names = {c.index: c.display_name for c in result.classifications[1].categories}
    assert names[1] == "tonalité"
    # English display names come from the "en" labels file.
    en, _ = classifier_for(tmp_path, [loud, kind])
    top = en.classify(SAMPLES).classifications[1].categories
    assert {c.display_name for c in top} == set(kind.labels)
    # An unknown locale leaves display names empty, like the Task Library.
    de, _ = classifier_for(tmp_path, [loud, kind], display_names_locale="de")
    assert {c.display_name for c in de.classify(SAMPLES).classifications[0].categories} == {""}


def test_calibration_min_score_gives_default(tmp_path: Path) -> None:
    # A min_score of 2 can never be reached by a sigmoid: always the default.
    head = Head(
        2,
        name="h",
        activation="sigmoid",
        labels=["a", "b"],
        calibration=("IDENTITY", 0.25, ["1.0,1.0,0.0,2.0", "0.5,3.0,-1.0"]),
    )
    classifier, _ = classifier_for(tmp_path, [head])
    cats = {c.index: c.score for c in classifier.classify(SAMPLES).classifications[0].categories}
    assert cats[0] == pytest.approx(0.25, abs=1e-7)
    raw = reference_scores([head], SAMPLES)[0]
    assert cats[1] == pytest.approx(0.5 / (1 + np.exp(-(3.0 * raw[1] - 1.0))), abs=1e-6)


def test_threshold_from_metadata_and_option_override(tmp_path: Path) -> None:
    head = Head(6, name="h", labels=list("abcdef"), score_threshold=0.17)
    classifier, _ = classifier_for(tmp_path, [head])
    want = expected(head, SAMPLES)
    got = classifier.classify(SAMPLES).classifications[0].categories
    assert sorted(c.index for c in got) == sorted(np.flatnonzero(want >= 0.17))
    assert 0 < len(got) < 6
    everything, _ = classifier_for(tmp_path, [head], score_threshold=0.0)
    assert len(everything.classify(SAMPLES).classifications[0].categories) == 6


@pytest.mark.parametrize("kind,scale,zero_point", [("uint8", 1 / 256, 0), ("int8", 1 / 256, -128)])
def test_quantized_output_is_dequantized(
    tmp_path: Path, kind: str, scale: float, zero_point: int
) -> None:
    head = Head(6, name="q", labels=list("abcdef"), quantize=(kind, scale, zero_point))
    classifier, _ = classifier_for(tmp_path, [head])
    got = {c.index: c.score for c in classifier.classify(SAMPLES).classifications[0].categories}
    want = reference_scores([head], SAMPLES)[0]
    for index, score in got.items():
        assert score == pytest.approx(want[index], abs=1e-6)
        # Dequantized scores are multiples of the scale.
        assert (score / scale) == pytest.approx(round(score / scale), abs=1e-4)


def test_max_results_allowlist_denylist(tmp_path: Path) -> None:
    labels = ["dog", "cat", "bird", "car", "rain"]
    head = Head(5, name="h", labels=labels)
    want = expected(head, SAMPLES)
    order = [int(i) for i in np.argsort(-want, kind="stable")]
    top2, _ = classifier_for(tmp_path, [head], max_results=2)
    assert [c.index for c in top2.classify(SAMPLES).classifications[0].categories] == order[:2]
    allow, _ = classifier_for(tmp_path, [head], category_name_allowlist=["rain", "dog", "nope"])
    got = [c.category_name for c in allow.classify(SAMPLES).classifications[0].categories]
    assert got == [labels[i] for i in order if labels[i] in ("rain", "dog")]
    deny, _ = classifier_for(tmp_path, [head], category_name_denylist=[labels[order[0]]])
    got = [c.index for c in deny.classify(SAMPLES).classifications[0].categories]
    assert got == order[1:]


def test_two_channel_model_consumes_interleaved_frames(tmp_path: Path) -> None:
    head = Head(3, name="h", labels=["x", "y", "z"])
    classifier, _ = classifier_for(tmp_path, [head], input_length=400, channels=2)
    assert classifier.required_input_buffer_size == 400
    assert classifier.window_frames == 200
    assert classifier.required_audio_format.channels == 2
    frames = (RNG.standard_normal((200, 2)) * 0.3).astype(np.float32)
    got = {c.index: c.score for c in classifier.classify(frames).classifications[0].categories}
    want = expected(head, frames.reshape(-1))
    for index, score in got.items():
        assert score == pytest.approx(want[index], abs=1e-6)
    tensor = classifier.create_input_tensor_audio()
    assert tensor.buffer_size == 200
    tensor.load_from_array(frames)
    again = classifier.classify(tensor).classifications[0].categories
    assert {c.index: c.score for c in again} == got


def test_model_without_metadata(tmp_path: Path) -> None:
    head = Head(3)
    path = tmp_path / "plain.tflite"
    path.write_bytes(build_model(N, [head], with_metadata=False))
    with pytest.raises(ValueError, match="sample_rate"):
        AudioClassifier.create_from_file(path)
    options = AudioClassifierOptions(
        base_options=BaseOptions(file_name=str(path)), sample_rate=8000
    )
    with AudioClassifier.create_from_options(options) as classifier:
        assert classifier.required_audio_format.sample_rate == 8000
        cats = classifier.classify(SAMPLES).classifications[0].categories
        assert [c.category_name for c in cats] == ["", "", ""]
        assert cats[0].score >= cats[1].score >= cats[2].score
    labels = tmp_path / "labels.txt"
    labels.write_text("one\ntwo\nthree\n")
    options.label_file = str(labels)
    with AudioClassifier.create_from_options(options) as classifier:
        cats = classifier.classify(SAMPLES).classifications[0].categories
        assert sorted(c.category_name for c in cats) == ["one", "three", "two"]


def test_model_from_bytes_and_num_threads(tmp_path: Path) -> None:
    head = Head(4, name="h", labels=list("abcd"))
    content = build_model(N, [head])
    options = AudioClassifierOptions(base_options=BaseOptions(file_content=content, num_threads=2))
    with AudioClassifier.create_from_options(options) as classifier:
        got = classifier.classify(SAMPLES).classifications[0].categories
    want = expected(head, SAMPLES)
    assert [c.index for c in got] == [int(i) for i in np.argsort(-want, kind="stable")]


def test_tensor_audio_keeps_latest_frames(tmp_path: Path) -> None:
    tensor = audioclf.TensorAudio(audioclf.AudioFormat(1, 16000), 4)
    tensor.load_from_array(np.array([1, 2, 3], dtype=np.float32))
    np.testing.assert_array_equal(tensor.buffer[:, 0], [0, 1, 2, 3])
    tensor.load_from_array(np.array([4, 5], dtype=np.float32))
    np.testing.assert_array_equal(tensor.buffer[:, 0], [2, 3, 4, 5])
    tensor.load_from_array(np.arange(10, 20, dtype=np.float32), offset=2, size=5)
    np.testing.assert_array_equal(tensor.buffer[:, 0], [13, 14, 15, 16])
    tensor.clear()
    np.testing.assert_array_equal(tensor.buffer[:, 0], [0, 0, 0, 0])
    assert tensor.buffer_size == 4
    assert tensor.format == audioclf.AudioFormat(1, 16000)


def test_tensor_audio_from_wav(data_dir: Path) -> None:
    import soundfile as sf

    wav = data_dir / "tiny_tone.wav"
    reference, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    tensor = audioclf.TensorAudio.create_from_wav_file(str(wav), 1000, offset=500)
    assert tensor.format == audioclf.AudioFormat(1, rate)
    np.testing.assert_array_equal(tensor.buffer, reference[500:1500])
    # Past the end: the frames read are the latest, zeros before them.
    tail = audioclf.TensorAudio.create_from_wav_file(str(wav), 1000, offset=len(reference) - 10)
    np.testing.assert_array_equal(tail.buffer[-10:], reference[-10:])
    assert not tail.buffer[:-10].any()


def test_close_and_context_manager(tmp_path: Path) -> None:
    classifier, _ = classifier_for(tmp_path, [Head(2, name="h", labels=["a", "b"])])
    with classifier as c:
        assert c.classify(SAMPLES).classifications[0].head_name == "h"
    with pytest.raises(RuntimeError, match="closed"):
        classifier.classify(SAMPLES)
