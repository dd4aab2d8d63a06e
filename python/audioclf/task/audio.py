"""Names of ``tflite_support.task.audio``: the classifier and embedder tasks.

Thin over ``audioclf._core``: the work runs in C++, these classes convert
options in and results out (to the dataclasses of ``audioclf.task.processor``).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Union

import numpy as np

from audioclf import _core
from audioclf import tensor_audio as _own_tensor_audio
from audioclf._core import AudioFormat
from audioclf.task.audio_record import AudioRecord
from audioclf.task.core import BaseOptions
from audioclf.task.processor import (
    ClassificationOptions,
    ClassificationResult,
    EmbeddingOptions,
    EmbeddingResult,
    FeatureVector,
)
from audioclf.task.tensor_audio import TensorAudio

__all__ = [
    "AudioClassifier",
    "AudioClassifierOptions",
    "AudioEmbedder",
    "AudioEmbedderOptions",
    "AudioFormat",
    "AudioRecord",
    "TensorAudio",
]

_Model = Union[_core.AudioClassifier, _core.AudioEmbedder]


@dataclasses.dataclass
class AudioClassifierOptions:
    base_options: BaseOptions
    classification_options: ClassificationOptions = dataclasses.field(
        default_factory=ClassificationOptions
    )


@dataclasses.dataclass
class AudioEmbedderOptions:
    base_options: BaseOptions
    embedding_options: EmbeddingOptions = dataclasses.field(default_factory=EmbeddingOptions)


def _check_options(options: object, expected: type) -> None:
    if not isinstance(options, expected):
        raise TypeError(f"options: expected {expected.__name__}, got {type(options).__name__}")
    base = options.base_options  # type: ignore[attr-defined]
    if not isinstance(base, BaseOptions):
        raise TypeError(
            "options.base_options: expected audioclf.task.core.BaseOptions, "
            f"got {type(base).__name__}"
        )


def _window(model: _Model, audio: TensorAudio) -> np.ndarray:
    """The frames of ``audio`` the model consumes: its first window (as
    tflite-support feeds the first ``required_input_buffer_size`` samples)."""
    if not isinstance(audio, TensorAudio):
        raise TypeError(
            f"audio: expected audioclf.task.audio.TensorAudio, got {type(audio).__name__}"
        )
    fmt = model.required_audio_format
    have = audio.format
    if have.channels != fmt.channels or have.sample_rate != fmt.sample_rate:
        raise ValueError(
            f"audio: TensorAudio holds {have.channels} channel(s) at {have.sample_rate} Hz; "
            f"the model expects {fmt.channels} channel(s) at {fmt.sample_rate} Hz"
        )
    frames = model.window_frames
    if audio.buffer_size < frames:
        raise ValueError(
            f"audio: TensorAudio holds {audio.buffer_size} frames; the model's window is "
            f"{frames} frames ({model.required_input_buffer_size} samples)"
        )
    return audio.buffer[:frames]


class _AudioTask:
    """What the classifier and the embedder share: input format and factories."""

    _native: _Model

    @property
    def required_input_buffer_size(self) -> int:
        """Samples (frames x channels) per window."""
        return self._native.required_input_buffer_size

    @property
    def required_audio_format(self) -> AudioFormat:
        return self._native.required_audio_format

    def create_input_tensor_audio(self) -> TensorAudio:
        """A TensorAudio of ``required_input_buffer_size`` frames, as tflite-support sizes it."""
        return TensorAudio(self.required_audio_format, self.required_input_buffer_size)

    def create_audio_record(self) -> AudioRecord:
        """An AudioRecord in the model's format holding ``required_input_buffer_size`` frames."""
        fmt = self.required_audio_format
        return AudioRecord(fmt.channels, fmt.sample_rate, self.required_input_buffer_size)


class AudioClassifier(_AudioTask):
    """tflite-support's ``AudioClassifier`` on audioclf's C++ core."""

    def __init__(self, options: AudioClassifierOptions, classifier: _core.AudioClassifier) -> None:
        self._options = options
        self._native = classifier

    @classmethod
    def create_from_file(cls, file_path: str | os.PathLike[str]) -> AudioClassifier:
        return cls.create_from_options(AudioClassifierOptions(BaseOptions(file_name=file_path)))

    @classmethod
    def create_from_options(cls, options: AudioClassifierOptions) -> AudioClassifier:
        """Raises ValueError for a bad model or option, RuntimeError for a runtime failure."""
        _check_options(options, AudioClassifierOptions)
        native = _core.AudioClassifier.create_from_options(
            _core.AudioClassifierOptions(
                base_options=options.base_options._to_core(),
                classification_options=options.classification_options._to_core(),
            )
        )
        return cls(options, native)

    def classify(self, audio: TensorAudio | _own_tensor_audio.TensorAudio) -> ClassificationResult:
        if isinstance(audio, _own_tensor_audio.TensorAudio):
            native = self._native.classify_buffer(audio._native)
        else:
            native = self._native.classify_array(_window(self._native, audio))
        return ClassificationResult._from_core(native)


class AudioEmbedder(_AudioTask):
    """tflite-support's ``AudioEmbedder`` on audioclf's C++ core."""

    def __init__(self, options: AudioEmbedderOptions, embedder: _core.AudioEmbedder) -> None:
        self._options = options
        self._native = embedder

    @classmethod
    def create_from_file(cls, file_path: str | os.PathLike[str]) -> AudioEmbedder:
        return cls.create_from_options(AudioEmbedderOptions(BaseOptions(file_name=file_path)))

    @classmethod
    def create_from_options(cls, options: AudioEmbedderOptions) -> AudioEmbedder:
        """Raises ValueError for a bad model or option, RuntimeError for a runtime failure."""
        _check_options(options, AudioEmbedderOptions)
        native = _core.AudioEmbedder.create_from_options(
            _core.AudioEmbedderOptions(
                base_options=options.base_options._to_core(),
                embedding_options=options.embedding_options._to_core(),
            )
        )
        return cls(options, native)

    def embed(self, audio: TensorAudio | _own_tensor_audio.TensorAudio) -> EmbeddingResult:
        if isinstance(audio, _own_tensor_audio.TensorAudio):
            native = self._native.embed_buffer(audio._native)
        else:
            native = self._native.embed_array(_window(self._native, audio))
        return EmbeddingResult._from_core(native)

    def cosine_similarity(self, u: FeatureVector, v: FeatureVector) -> float:
        """Cosine similarity of two feature vectors of the same kind and size."""
        for name, vector in (("u", u), ("v", v)):
            if not isinstance(vector, FeatureVector):
                raise TypeError(f"{name}: expected FeatureVector, got {type(vector).__name__}")
        return _core.cosine_similarity(u._to_core(), v._to_core())

    def get_embedding_dimension(self, output_index: int) -> int:
        """The output's feature-vector size; -1 if ``output_index`` is out of range."""
        return self._native.embedding_dimension(output_index)

    @property
    def number_of_output_layers(self) -> int:
        return self._native.number_of_output_layers
