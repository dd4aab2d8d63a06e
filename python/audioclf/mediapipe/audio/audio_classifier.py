"""AudioClassifier as MediaPipe's: clips in one call, or a stream of blocks
whose results go to a callback."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from audioclf import _core
from audioclf.audio_classifier import AudioClassifier as _Classifier
from audioclf.live import LiveStream
from audioclf.mediapipe.audio.core.audio_task_running_mode import AudioTaskRunningMode
from audioclf.mediapipe.audio.core.base_audio_task_api import BaseAudioTaskApi
from audioclf.mediapipe.components.containers.audio_data import AudioData
from audioclf.mediapipe.components.containers.classification_result import (
    ClassificationResult,
)
from audioclf.mediapipe.core.base_options import BaseOptions

AudioClassifierResult = ClassificationResult
_RunningMode = AudioTaskRunningMode


@dataclasses.dataclass
class AudioClassifierOptions:
    """MediaPipe's options; ``resampler`` is audioclf's own addition.

    ``result_callback(result, timestamp_ms)`` receives the results in
    AUDIO_STREAM mode (and must not be set in AUDIO_CLIPS mode).
    ``resampler='mediapipe'`` (the default) resamples other input rates with
    MediaPipe's filter, so scores match its; ``'hq'`` uses audioclf's
    high-quality one.
    """

    base_options: BaseOptions
    running_mode: AudioTaskRunningMode = _RunningMode.AUDIO_CLIPS
    display_names_locale: str | None = None
    max_results: int | None = None
    score_threshold: float | None = None
    category_allowlist: list[str] | None = None
    category_denylist: list[str] | None = None
    result_callback: Callable[[AudioClassifierResult, int], None] | None = None
    resampler: str = "mediapipe"

    def _to_core(self) -> _core.AudioClassifierOptions:
        if not isinstance(self.base_options, BaseOptions):
            raise TypeError(
                "base_options: expected audioclf.mediapipe BaseOptions, got "
                f"{type(self.base_options).__name__}"
            )
        if self.category_allowlist and self.category_denylist:
            raise ValueError(
                "`category_allowlist` and `category_denylist` are mutually exclusive options; "
                "set at most one"
            )
        return _core.AudioClassifierOptions(
            base_options=self.base_options._to_core(),
            classification_options=_core.ClassificationOptions(
                score_threshold=self.score_threshold,
                category_name_allowlist=self.category_allowlist,
                category_name_denylist=self.category_denylist,
                display_names_locale=self.display_names_locale,
                max_results=self.max_results,
            ),
        )


class AudioClassifier(BaseAudioTaskApi):
    """Classifies audio with a TFLite model that has audio metadata.

    AUDIO_CLIPS: ``classify(audio_data)`` splits the clip into back-to-back
    windows (the last zero-padded) at the model's rate and returns one result
    per window. AUDIO_STREAM: ``classify_async(block, timestamp_ms)`` appends
    blocks to one stream; each complete window's result goes to the callback,
    and ``close()`` classifies the padded rest. A window's ``timestamp_ms``
    is where it starts: the first block's timestamp (0 for a clip) plus the
    window lengths before it.
    """

    @classmethod
    def create_from_model_path(cls, model_path: str) -> AudioClassifier:
        """A classifier in AUDIO_CLIPS mode with default options."""
        return cls.create_from_options(
            AudioClassifierOptions(base_options=BaseOptions(model_asset_path=model_path))
        )

    @classmethod
    def create_from_options(cls, options: AudioClassifierOptions) -> AudioClassifier:
        """Raises ValueError for bad options or a bad model, FileNotFoundError
        (also a RuntimeError) for a model path that names no file."""
        if not isinstance(options, AudioClassifierOptions):
            raise TypeError(
                f"options: expected AudioClassifierOptions, got {type(options).__name__}"
            )
        cls._check_mode(options.running_mode, options.result_callback, options.resampler)
        classifier = _Classifier.create_from_options(options._to_core())
        callback = options.result_callback

        def on_window(window: _core.WindowResult, timestamp_ms: int) -> None:
            assert callback is not None
            result = ClassificationResult(window.result.classifications, timestamp_ms)
            callback(result, timestamp_ms)

        return cls(
            classifier,
            options.running_mode,
            on_window if callback is not None else None,
            options.resampler,
        )

    _model: _Classifier

    def classify(self, audio_clip: AudioData) -> list[AudioClassifierResult]:
        """Every window's result, in time order (AUDIO_CLIPS mode)."""
        rate = self._sample_rate(audio_clip)
        self._require_mode(_RunningMode.AUDIO_CLIPS, "classify")
        samples = audio_clip.buffer  # float32, C-contiguous (frames, channels)
        if len(samples) == 0:
            return []
        native = self._model._classifier()  # RuntimeError once closed
        channels = self._model_channels
        if rate != self._model_rate or samples.shape[1] != channels:
            windows = self._model.classify_clip(samples, rate, resampler=self._resampler)
            return [
                ClassificationResult(w.result.classifications, self._timestamp_ms(w.index))
                for w in windows
            ]
        # The model's format: each window is read in place, one core call each.
        size = self._window_frames
        results = []
        for k, start in enumerate(range(0, len(samples), size)):
            window = samples[start : start + size]
            if len(window) < size:
                window = np.concatenate(
                    [window, np.zeros((size - len(window), channels), np.float32)]
                )
            result = native.classify_array(window)
            results.append(ClassificationResult(result.classifications, self._timestamp_ms(k)))
        return results

    def _open_stream(self, sample_rate: int, channels: int) -> LiveStream:
        # Every window kept ('queue'), the padded last one classified at close.
        return self._model.stream(
            sample_rate=sample_rate,
            channels=channels,
            backpressure="queue",
            pad_last=True,
            resampler=self._resampler,
            callback=lambda window: self._deliver(window.index, window),
        )

    def classify_async(self, audio_block: AudioData, timestamp_ms: int) -> None:
        """Appends a block to the stream (AUDIO_STREAM mode); ``timestamp_ms``
        must increase from call to call. Returns without waiting for results."""
        self._feed(audio_block, timestamp_ms, "classify_async")

    def __enter__(self) -> AudioClassifier:
        return self
