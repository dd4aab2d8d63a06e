"""audioclf.task.audio: the tflite-support classifier and embedder surface."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import audioclf
import numpy as np
import pytest
from audioclf.task import audio, core, processor
from conftest import golden, shared_path
from model_builder import Head, build_model, embedding_head, reference_scores

N = 800
RNG = np.random.default_rng(7)
SAMPLES = (RNG.standard_normal((N, 1)) * 0.3).astype(np.float32)
OTHER = (RNG.standard_normal((N, 1)) * 0.3).astype(np.float32)


def _model(tmp_path: Path, heads: list[Head], **kwargs: object) -> Path:
    path = tmp_path / "model.tflite"
    path.write_bytes(build_model(N * int(kwargs.get("channels", 1)), heads, **kwargs))
    return path


def _tensor(task: audio.AudioClassifier | audio.AudioEmbedder, samples: np.ndarray):
    tensor = task.create_input_tensor_audio()
    tensor.load_from_array(samples)
    return tensor


def test_classify_returns_dataclasses_equal_to_the_core_result(tmp_path: Path) -> None:
    head = Head(4, name="kind", labels=["a", "b", "c", "d"])
    path = _model(tmp_path, [head])
    options = audio.AudioClassifierOptions(
        core.BaseOptions(file_name=path), processor.ClassificationOptions(max_results=3)
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    result = classifier.classify(_tensor(classifier, SAMPLES))
    assert isinstance(result, processor.ClassificationResult)
    (head_result,) = result.classifications
    assert (head_result.head_index, head_result.head_name) == (0, "kind")
    want = reference_scores([head], SAMPLES)[0]
    order = np.argsort(-want, kind="stable")[:3]
    assert [c.index for c in head_result.categories] == list(order)
    assert [c.category_name for c in head_result.categories] == [head.labels[i] for i in order]
    np.testing.assert_allclose([c.score for c in head_result.categories], want[order], atol=1e-6)
    # The same window through audioclf's own API gives the same numbers.
    own = audioclf.AudioClassifier.create_from_file(path).classify(SAMPLES[:, 0])
    assert [(c.index, c.score) for c in own.classifications[0].categories][:3] == [
        (c.index, c.score) for c in head_result.categories
    ]
    assert dataclasses.asdict(result)["classifications"][0]["head_name"] == "kind"


def test_file_content_and_raspberry_pi_style_options(tmp_path: Path) -> None:
    path = _model(tmp_path, [Head(3, labels=["x", "y", "z"])])
    by_name = audio.AudioClassifier.create_from_options(
        audio.AudioClassifierOptions(
            base_options=core.BaseOptions(file_name=str(path), use_coral=False, num_threads=4),
            classification_options=processor.ClassificationOptions(
                max_results=2, score_threshold=0.0
            ),
        )
    )
    by_bytes = audio.AudioClassifier.create_from_options(
        audio.AudioClassifierOptions(
            core.BaseOptions(file_content=path.read_bytes()),
            processor.ClassificationOptions(max_results=2),
        )
    )
    tensor = by_name.create_input_tensor_audio()
    tensor.load_from_array(SAMPLES)
    assert by_name.classify(tensor) == by_bytes.classify(tensor)
    assert len(by_name.classify(tensor).classifications[0].categories) == 2


def test_peer_error_texts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ExternalFile must specify at least one of"):
        audio.AudioClassifier.create_from_options(
            audio.AudioClassifierOptions(core.BaseOptions(file_name=""))
        )
    path = _model(tmp_path, [Head(2, labels=["a", "b"])])
    with pytest.raises(
        ValueError, match="`class_name_allowlist` and `class_name_denylist` are mutually"
    ):
        audio.AudioClassifier.create_from_options(
            audio.AudioClassifierOptions(
                core.BaseOptions(file_name=path),
                processor.ClassificationOptions(
                    category_name_allowlist=["a"], category_name_denylist=["b"]
                ),
            )
        )
    with pytest.raises(TypeError, match="options: expected AudioClassifierOptions"):
        audio.AudioClassifier.create_from_options(core.BaseOptions(file_name=path))  # type: ignore[arg-type]


def test_classify_checks_the_tensor(tmp_path: Path) -> None:
    classifier = audio.AudioClassifier.create_from_file(_model(tmp_path, [Head(2)]))
    with pytest.raises(ValueError, match="holds 1 channel.s. at 8000 Hz; the model expects"):
        classifier.classify(audio.TensorAudio(audio.AudioFormat(1, 8000), N))
    with pytest.raises(ValueError, match="holds 10 frames; the model's window is 800 frames"):
        classifier.classify(audio.TensorAudio(audio.AudioFormat(1, 16000), 10))
    with pytest.raises(TypeError, match="expected audioclf.task.audio.TensorAudio"):
        classifier.classify(SAMPLES)  # type: ignore[arg-type]


def test_stereo_model_feeds_the_first_window_of_a_double_buffer(tmp_path: Path) -> None:
    head = Head(3, labels=["l", "m", "r"])
    path = _model(tmp_path, [head], channels=2)
    classifier = audio.AudioClassifier.create_from_file(path)
    assert classifier.required_input_buffer_size == 2 * N
    tensor = classifier.create_input_tensor_audio()
    assert tensor.buffer_size == 2 * N  # frames, as tflite-support sizes it
    clip = (RNG.standard_normal((2 * N, 2)) * 0.3).astype(np.float32)
    tensor.load_from_array(clip)
    result = classifier.classify(tensor)
    want = reference_scores([head], clip[:N])[0]
    got = {c.index: c.score for c in result.classifications[0].categories}
    np.testing.assert_allclose([got[i] for i in range(3)], want, atol=1e-6)


def test_embed_float_and_quantized_against_numpy(tmp_path: Path) -> None:
    head = embedding_head(16)
    path = _model(tmp_path, [head])

    def embedder(**options: bool) -> audio.AudioEmbedder:
        return audio.AudioEmbedder.create_from_options(
            audio.AudioEmbedderOptions(
                core.BaseOptions(file_name=path), processor.EmbeddingOptions(**options)
            )
        )

    plain = embedder()
    assert plain.number_of_output_layers == 1
    assert plain.get_embedding_dimension(0) == 16 and plain.get_embedding_dimension(1) == -1
    assert plain.required_input_buffer_size == N
    a = plain.embed(_tensor(plain, SAMPLES)).embeddings[0]
    assert a.output_index == 0
    want_a = reference_scores([head], SAMPLES)[0]
    want_b = reference_scores([head], OTHER)[0]
    np.testing.assert_allclose(a.feature_vector.value, want_a, rtol=1e-5, atol=1e-6)
    b = plain.embed(_tensor(plain, OTHER)).embeddings[0]
    cosine = want_a @ want_b / np.linalg.norm(want_a) / np.linalg.norm(want_b)
    assert plain.cosine_similarity(a.feature_vector, b.feature_vector) == pytest.approx(
        cosine, abs=1e-6
    )

    normalized = embedder(l2_normalize=True).embed(_tensor(plain, SAMPLES)).embeddings[0]
    np.testing.assert_allclose(
        normalized.feature_vector.value, want_a / np.linalg.norm(want_a), atol=1e-6
    )
    quantizer = embedder(l2_normalize=True, quantize=True)
    q = quantizer.embed(_tensor(quantizer, SAMPLES)).embeddings[0].feature_vector
    assert q.value.dtype == np.uint8 and q.quantized
    unit = want_a / np.linalg.norm(want_a)
    want_q = np.clip(np.sign(unit) * np.floor(np.abs(unit) * 128 + 0.5), -128, 127)
    np.testing.assert_array_equal(q.value.view(np.int8), want_q.astype(np.int8))
    assert len(q.value_string) == 16 and len(q.value_float) == 0
    qb = quantizer.embed(_tensor(quantizer, OTHER)).embeddings[0].feature_vector
    ints = q.value.view(np.int8).astype(float), qb.value.view(np.int8).astype(float)
    assert quantizer.cosine_similarity(q, qb) == pytest.approx(
        ints[0] @ ints[1] / np.linalg.norm(ints[0]) / np.linalg.norm(ints[1]), abs=1e-12
    )
    with pytest.raises(ValueError, match="quantized and a float"):
        quantizer.cosine_similarity(q, a.feature_vector)


def test_embed_dequantizes_a_uint8_output(tmp_path: Path) -> None:
    head = embedding_head(8, quantize=("uint8", 0.01, 128))
    embedder = audio.AudioEmbedder.create_from_file(_model(tmp_path, [head]))
    vector = embedder.embed(_tensor(embedder, SAMPLES)).embeddings[0].feature_vector
    np.testing.assert_allclose(vector.value, reference_scores([head], SAMPLES)[0], atol=1e-6)


# --- goldens of tflite-support 0.4.4 on the shared models ---------------------------
@pytest.mark.parametrize("case", ["yamnet_top3", "two_heads_fr", "stereo_44k_es", "stereo_44k_w2"])
def test_tflite_support_idiom_matches_its_goldens(case: str) -> None:
    (entry,) = [e for e in golden("tflite_support.json") if e["case"] == case]
    model = shared_path(entry["model"])
    wav = shared_path(entry["audio"])
    options = dict(entry["options"])
    classifier = audio.AudioClassifier.create_from_options(
        audio.AudioClassifierOptions(
            core.BaseOptions(file_name=str(model)), processor.ClassificationOptions(**options)
        )
    )
    assert classifier.required_input_buffer_size == entry["required_input_buffer_size"]
    tensor = audio.TensorAudio.create_from_wav_file(
        str(wav), classifier.required_input_buffer_size, entry["start_frame"]
    )
    result = classifier.classify(tensor)
    for got, want in zip(result.classifications, entry["result"]):
        assert got.head_name == want["head_name"]
        assert [(c.index, c.category_name, c.display_name) for c in got.categories] == [
            (c["index"], c["label"], c["display_name"]) for c in want["categories"]
        ]
        np.testing.assert_allclose(
            [c.score for c in got.categories], [c["score"] for c in want["categories"]], atol=1e-6
        )
