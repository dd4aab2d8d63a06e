"""audioclf.mediapipe's AudioEmbedder: MediaPipe's windows and timestamps,
running modes, options and cosine similarity.

No embedding model is in ../shared, so the classifiers serve: every output
tensor is an embedding, so each window's embedding must equal the scores
the classifier gives the same window (which test_mediapipe_audio_classifier
checks against MediaPipe)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from audioclf.mediapipe import BaseOptions, audio
from audioclf.mediapipe.components.containers import AudioData, Embedding, EmbeddingResult
from conftest import DATA, shared_path

AUDIO_STREAM = audio.RunningMode.AUDIO_STREAM
YAMNET = ("models", "yamnet_audio_classifier_with_metadata.tflite")


def _clip(*parts: str) -> AudioData:
    samples, rate = sf.read(str(shared_path(*parts)), dtype="float32", always_2d=True)
    return AudioData.create_from_array(samples, rate)


def _scores(model: Path, clip: AudioData) -> list[np.ndarray]:
    """Each window's scores by class index, from the classifier."""
    with audio.AudioClassifier.create_from_model_path(str(model)) as classifier:
        out = []
        for result in classifier.classify(clip):
            categories = result.classifications[0].categories
            scores = np.zeros(len(categories))
            for c in categories:
                scores[c.index] = c.score
            out.append(scores)
    return out


def _embedder(model: Path, **kwargs: Any) -> audio.AudioEmbedder:
    return audio.AudioEmbedder.create_from_options(
        audio.AudioEmbedderOptions(base_options=BaseOptions(model_asset_path=str(model)), **kwargs)
    )


@pytest.mark.parametrize(
    "model, clip",
    [
        (YAMNET, ("audio", "speech.wav")),
        (YAMNET, ("audio", "speech_48k.wav")),  # resampled with MediaPipe's filter
        (("models", "stereo_44k.tflite"), ("audio", "speech_44k_stereo.wav")),
    ],
)
def test_clip_embeddings_are_the_classifier_windows(model: tuple, clip: tuple) -> None:
    path, data = shared_path(*model), _clip(*clip)
    expected = _scores(path, data)
    with _embedder(path) as embedder:
        results = embedder.embed(data)
    assert len(results) == len(expected) >= 5
    step = embedder._step_us
    assert [r.timestamp_ms for r in results] == [k * step // 1000 for k in range(len(results))]
    for result, scores in zip(results, expected, strict=True):
        (embedding,) = result.embeddings
        assert embedding.head_index == 0 and embedding.embedding.dtype == np.float64
        np.testing.assert_allclose(embedding.embedding, scores, rtol=0, atol=1e-6)


def test_stream_embeddings_equal_the_clip_and_close_delivers_the_last() -> None:
    model, data = shared_path(*YAMNET), _clip("audio", "speech_48k.wav")
    with _embedder(model) as embedder:
        clip = embedder.embed(data)
    got: list[tuple[EmbeddingResult, int]] = []
    embedder = _embedder(
        model, running_mode=AUDIO_STREAM, result_callback=lambda r, ms: got.append((r, ms))
    )
    samples = data.buffer
    for start in range(0, len(samples), 7000):
        block = AudioData.create_from_array(samples[start : start + 7000], 48000)
        embedder.embed_async(block, 40 + start * 1000 // 48000)
    assert len(got) == 4  # the padded fifth window waits for close()
    embedder.close()
    assert [ms for _, ms in got] == [40 + k * 975 for k in range(5)]
    for (result, _), want in zip(got, clip, strict=True):
        np.testing.assert_allclose(
            result.embeddings[0].embedding, want.embeddings[0].embedding, atol=1e-6
        )


def test_l2_normalize_and_quantize() -> None:
    model, data = shared_path(*YAMNET), _clip("audio", "speech.wav")
    with _embedder(model, l2_normalize=True) as embedder:
        unit = embedder.embed(data)[0].embeddings[0].embedding
    assert np.linalg.norm(unit) == pytest.approx(1.0, abs=1e-6)
    with _embedder(model, l2_normalize=True, quantize=True) as embedder:
        quantized = embedder.embed(data)[0].embeddings[0].embedding
    assert quantized.dtype == np.uint8 and quantized.shape == unit.shape
    # The bytes are int8 steps of 1/128.
    np.testing.assert_allclose(quantized.view(np.int8) / 128, unit, atol=1 / 128)
    a, b = Embedding(quantized), Embedding(quantized.copy())
    assert audio.AudioEmbedder.cosine_similarity(a, b) == pytest.approx(1.0, abs=1e-6)


def test_cosine_similarity() -> None:
    u, v = Embedding(np.array([1.0, 0.0])), Embedding(np.array([1.0, 1.0]))
    assert audio.AudioEmbedder.cosine_similarity(u, v) == pytest.approx(2**-0.5)
    with pytest.raises(ValueError, match="different sizes"):
        audio.AudioEmbedder.cosine_similarity(u, Embedding(np.ones(3)))
    with pytest.raises(ValueError, match="quantized and float"):
        audio.AudioEmbedder.cosine_similarity(u, Embedding(np.ones(2, np.uint8)))


def test_embedder_errors_and_running_modes() -> None:
    model = DATA / "tiny_two_heads.tflite"
    with pytest.raises(FileNotFoundError, match="Unable to open file at /no/model.tflite"):
        audio.AudioEmbedder.create_from_model_path("/no/model.tflite")
    with pytest.raises(ValueError, match="in audio stream mode, a user-defined result callback"):
        _embedder(model, running_mode=AUDIO_STREAM)
    with pytest.raises(ValueError, match="in audio clips mode, a user-defined result callback"):
        _embedder(model, result_callback=lambda r, ms: None)
    block = AudioData.create_from_array(np.zeros(1600), 16000)
    with _embedder(model) as clips:
        with pytest.raises(ValueError, match="Must provide the audio sample rate"):
            clips.embed(AudioData(buffer_length=100))
        with pytest.raises(ValueError, match="embed_async: Task is not initialized with the audio"):
            clips.embed_async(block, 0)
        two = clips.embed(AudioData.create_from_array(np.zeros(2000), 16000))
        assert [len(r.embeddings) for r in two] == [2, 2]  # two heads, two windows
        assert [e.head_index for e in two[0].embeddings] == [0, 1]
    with _embedder(model, running_mode=AUDIO_STREAM, result_callback=lambda r, ms: None) as stream:
        with pytest.raises(ValueError, match="embed: Task is not initialized with the audio clips"):
            stream.embed(block)
        stream.embed_async(block, 5)
        with pytest.raises(ValueError, match="monotonically increasing: got 5 ms after 5 ms"):
            stream.embed_async(block, 5)
    with pytest.raises(RuntimeError, match="AudioEmbedder is closed"):
        clips.embed(block)
