"""AudioClassifier: the Python face of the C++ classifier."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from audioclf import _core
from audioclf._core import (
    AudioClassifierOptions,
    AudioFormat,
    BaseOptions,
    ClassificationResult,
)
from audioclf._runtime import find_litert_library
from audioclf.tensor_audio import TensorAudio


class AudioClassifier:
    """Classifies audio windows with a TFLite model on LiteRT.

    Drop-in for ``tflite_support.task.audio.AudioClassifier``; also accepts a
    numpy array directly (``classify(samples)``) and works as a context manager.
    """

    def __init__(self, native: _core.AudioClassifier, options: AudioClassifierOptions) -> None:
        self._native: _core.AudioClassifier | None = native
        self._options = options

    @classmethod
    def create_from_file(cls, file_path: str | os.PathLike[str]) -> AudioClassifier:
        """Creates a classifier with default options from a .tflite file."""
        return cls.create_from_options(
            AudioClassifierOptions(base_options=BaseOptions(file_name=os.fspath(file_path)))
        )

    @classmethod
    def create_from_options(cls, options: AudioClassifierOptions) -> AudioClassifier:
        """Creates a classifier; raises ValueError for a bad model or option."""
        if not isinstance(options, AudioClassifierOptions):
            raise TypeError(
                f"options: expected AudioClassifierOptions, got {type(options).__name__}"
            )
        base = options.base_options
        if not base.litert_library:
            base.litert_library = find_litert_library()
            options.base_options = base
        return cls(_core.AudioClassifier.create_from_options(options), options)

    def _classifier(self) -> _core.AudioClassifier:
        if self._native is None:
            raise RuntimeError("AudioClassifier is closed")
        return self._native

    def classify(
        self, audio: TensorAudio | np.ndarray, sample_rate: int | None = None
    ) -> ClassificationResult:
        """Classifies one window.

        ``audio`` is a TensorAudio, or a float32 array of exactly one window:
        shaped (frames,) for a mono model or (frames, channels). A C-contiguous
        float32 array is read in place. ``sample_rate``, when given, must be
        the model's.
        """
        native = self._classifier()
        if isinstance(audio, TensorAudio):
            return native.classify_buffer(audio._native)
        if not isinstance(audio, np.ndarray):
            raise TypeError(
                f"audio: expected TensorAudio or numpy.ndarray, got {type(audio).__name__}"
            )
        if sample_rate is not None and sample_rate != native.required_audio_format.sample_rate:
            raise ValueError(
                f"sample_rate: the model expects {native.required_audio_format.sample_rate} Hz, "
                f"got {sample_rate}"
            )
        if audio.dtype != np.float32:
            raise ValueError(
                f"audio: expected a float32 array, got {audio.dtype} "
                "(int16 PCM: audio.astype(np.float32) / 32768)"
            )
        if not audio.flags.c_contiguous:
            audio = np.ascontiguousarray(audio)
        return native.classify_array(audio)

    @property
    def required_input_buffer_size(self) -> int:
        """Samples (frames x channels) per window, as tflite-support reports it."""
        return self._classifier().required_input_buffer_size

    @property
    def required_audio_format(self) -> AudioFormat:
        return self._classifier().required_audio_format

    @property
    def window_frames(self) -> int:
        """Frames per window."""
        return self._classifier().window_frames

    @property
    def description(self) -> _core.ModelDescription:
        """What the model is: format, heads, labels, locales."""
        return self._classifier().description

    def create_input_tensor_audio(self) -> TensorAudio:
        """A TensorAudio holding exactly one window of the model's format."""
        native = self._classifier()
        return TensorAudio(native.required_audio_format, native.window_frames)

    def close(self) -> None:
        """Releases the model; later calls raise RuntimeError."""
        self._native = None

    def __enter__(self) -> AudioClassifier:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
