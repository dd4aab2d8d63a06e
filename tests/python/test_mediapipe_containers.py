"""audioclf.mediapipe's containers and AudioRecord, and its module paths."""

from __future__ import annotations

import importlib
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from audioclf.mediapipe.audio.core.audio_record import AudioRecord
from audioclf.mediapipe.components.containers import (
    AudioData,
    AudioDataFormat,
    Category,
    ClassificationResult,
    Classifications,
    Embedding,
    EmbeddingResult,
)


def test_module_paths_mirror_mediapipe() -> None:
    # The paths MediaPipe users import, with mediapipe.tasks.python replaced.
    top = importlib.import_module("audioclf.mediapipe")
    audio = importlib.import_module("audioclf.mediapipe.audio")
    containers = importlib.import_module("audioclf.mediapipe.components.containers")
    assert (
        top.BaseOptions
        is importlib.import_module("audioclf.mediapipe.core.base_options").BaseOptions
    )
    assert top.audio is audio and top.components.containers is containers
    for name in ("AudioClassifier", "AudioClassifierOptions", "AudioClassifierResult"):
        assert getattr(audio, name) is getattr(audio.audio_classifier, name)
    for name in ("AudioEmbedder", "AudioEmbedderOptions", "AudioEmbedderResult"):
        assert getattr(audio, name) is getattr(audio.audio_embedder, name)
    assert audio.AudioEmbedderResult is containers.embedding_result.EmbeddingResult
    assert (
        audio.RunningMode
        is importlib.import_module(
            "audioclf.mediapipe.audio.core.audio_task_running_mode"
        ).AudioTaskRunningMode
    )
    assert audio.AudioClassifierResult is containers.classification_result.ClassificationResult
    assert containers.audio_data.AudioData is AudioData
    assert containers.category.Category is Category
    assert containers.embedding_result.Embedding is Embedding
    assert [m.name for m in audio.RunningMode] == ["AUDIO_CLIPS", "AUDIO_STREAM"]


def test_result_containers() -> None:
    head = Classifications(
        categories=[Category(index=3, score=0.5, display_name="", category_name="Speech")],
        head_index=0,
        head_name="scores",
    )
    result = ClassificationResult([head], timestamp_ms=975)
    assert result.classifications[0].categories[0].category_name == "Speech"
    result.timestamp_ms = 1950  # callbacks stamp results, as MediaPipe's examples do
    assert result.timestamp_ms == 1950 and ClassificationResult([]).timestamp_ms is None
    embedding = EmbeddingResult([Embedding(np.ones(4), head_index=0)], timestamp_ms=0)
    assert (
        embedding.embeddings[0].embedding.sum() == 4 and embedding.embeddings[0].head_name is None
    )


# ---------------------------------------------------------------- AudioData


def test_create_from_array_keeps_float32_frames_by_channels() -> None:
    mono = AudioData.create_from_array(np.arange(5, dtype=np.float64) / 10, 16000)
    assert mono.buffer.dtype == np.float32 and mono.buffer.shape == (5, 1)
    assert mono.audio_format == AudioDataFormat(num_channels=1, sample_rate=16000)
    np.testing.assert_array_equal(mono.buffer[:, 0], np.float32([0, 0.1, 0.2, 0.3, 0.4]))
    stereo = AudioData.create_from_array(np.ones((3, 2), np.int16))
    assert stereo.buffer_length == 3 and stereo.audio_format.num_channels == 2
    assert stereo.audio_format.sample_rate is None


def test_load_from_array_shifts_in_new_frames() -> None:
    data = AudioData(4, AudioDataFormat(1, 16000))
    data.load_from_array(np.float32([1, 2]))
    np.testing.assert_array_equal(data.buffer[:, 0], [0, 0, 1, 2])
    data.load_from_array(np.float32([3]))
    np.testing.assert_array_equal(data.buffer[:, 0], [0, 1, 2, 3])
    data.load_from_array(np.float32([9, 8, 7, 6, 5, 4]))  # longer: its newest 4 frames
    np.testing.assert_array_equal(data.buffer[:, 0], [7, 6, 5, 4])
    data.load_from_array(np.float32([10, 11, 12, 13]), offset=1, size=2)
    np.testing.assert_array_equal(data.buffer[:, 0], [5, 4, 11, 12])
    data.clear()
    assert not data.buffer.any()


def test_audio_data_errors() -> None:
    data = AudioData(4, AudioDataFormat(2, 16000))
    with pytest.raises(ValueError, match="src: a 1-D .mono. array, but the audio data has 2"):
        data.load_from_array(np.zeros(4))
    with pytest.raises(ValueError, match=r"src: expected shape \(frames, 2\), got \(4, 3\)"):
        data.load_from_array(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="offset 2 \\+ size 3: must lie within src's 4 frames"):
        data.load_from_array(np.zeros((4, 2)), offset=2, size=3)
    with pytest.raises(TypeError, match="src: expected a numeric array"):
        data.load_from_array(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="buffer_length: must be in"):
        AudioData(1 << 40)
    with pytest.raises(ValueError, match="buffer_length: must be in"):
        AudioData(-1)
    with pytest.raises(ValueError, match="num_channels: must be >= 1, got 0"):
        AudioData(4, AudioDataFormat(0, 16000))
    with pytest.raises(ValueError, match="sample_rate: must be > 0 Hz, got -5"):
        AudioData(4, AudioDataFormat(1, -5))
    with pytest.raises(ValueError, match="src: expected a 1-D or 2-D array, got 3"):
        AudioData.create_from_array(np.zeros((2, 2, 2)), 16000)


# ---------------------------------------------------------------- AudioRecord


class _FakeInputStream:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> list[_FakeInputStream]:
    made: list[_FakeInputStream] = []

    def factory(**kwargs: Any) -> _FakeInputStream:
        made.append(_FakeInputStream(**kwargs))
        return made[-1]

    monkeypatch.setitem(sys.modules, "sounddevice", SimpleNamespace(InputStream=factory))
    return made


def test_audio_record_opens_the_stream_and_keeps_the_newest_frames(
    streams: list[_FakeInputStream],
) -> None:
    record = AudioRecord(2, 16000, 5)
    (stream,) = streams
    assert (stream.kwargs["channels"], stream.kwargs["samplerate"]) == (2, 16000)
    assert (record.channels, record.sampling_rate, record.buffer_size) == (2, 16000, 5)
    record.start_recording()
    feed = stream.kwargs["callback"]
    frames = np.arange(24, dtype=np.float64).reshape(12, 2) / 7  # float64 kept exactly
    feed(frames[:3], 3, None, None)
    np.testing.assert_array_equal(record.read(3), frames[:3])
    np.testing.assert_array_equal(record.read(5), np.vstack([np.zeros((2, 2)), frames[:3]]))
    feed(frames[3:7])  # wraps around the ring
    np.testing.assert_array_equal(record.read(5), frames[2:7])
    feed(frames[:12])  # longer than the ring: its newest 5 frames
    np.testing.assert_array_equal(record.read(5), frames[7:12])
    np.testing.assert_array_equal(record.read(1), frames[11:12])
    record.stop()
    assert stream.calls == ["start", "stop"]
    record.start_recording()  # starting again clears what was recorded
    assert not record.read(5).any()


def test_audio_record_errors(streams: list[_FakeInputStream]) -> None:
    record = AudioRecord(1, 16000, 10)
    with pytest.raises(ValueError, match="size: at most buffer_size .10. frames, got 11"):
        record.read(11)
    with pytest.raises(ValueError, match="size: must be positive, got 0"):
        record.read(0)
    for args, name in (
        ((0, 16000, 10), "channels"),
        ((1, -1, 10), "sampling_rate"),
        ((1, 16000, 0), "buffer_size"),
        ((1, 16000, 2.5), "buffer_size"),
    ):
        with pytest.raises(ValueError, match=f"{name}: must be a positive integer"):
            AudioRecord(*args)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exceeds"):
        AudioRecord(64, 16000, 1 << 24)
    assert len(streams) == 1  # refused arguments open no device


def test_classifier_creates_an_audio_record(streams: list[_FakeInputStream]) -> None:
    from audioclf.mediapipe import audio
    from conftest import DATA

    with audio.AudioClassifier.create_from_model_path(str(DATA / "tiny_two_heads.tflite")) as c:
        record = c.create_audio_record(1, 16000, 16000)
    assert isinstance(record, AudioRecord) and record.buffer_size == 16000
    assert streams[0].kwargs["samplerate"] == 16000
