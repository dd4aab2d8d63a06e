"""What MediaPipe's audio tasks share: running-mode rules, the sample-rate and
timestamp checks of a stream, the window timestamps, AudioRecord, close().

A task gives its model (window_frames, required_audio_format, close()) and
opens its own stream (feed, finish, stop) for AUDIO_STREAM; the stream hands
each window to ``_deliver`` in order, and ``close()`` finishes it, so the
zero-padded last window is delivered before close() returns.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from audioclf._core import AudioFormat
from audioclf.mediapipe.audio.core import audio_record
from audioclf.mediapipe.audio.core.audio_task_running_mode import AudioTaskRunningMode
from audioclf.mediapipe.components.containers.audio_data import AudioData

_RunningMode = AudioTaskRunningMode
_RESAMPLERS = ("mediapipe", "hq", "kaiser")


class _Model(Protocol):
    @property
    def window_frames(self) -> int: ...
    @property
    def required_audio_format(self) -> AudioFormat: ...
    def close(self) -> None: ...


class _Stream(Protocol):
    def feed(self, block: np.ndarray) -> None: ...
    def finish(self) -> None: ...
    def stop(self) -> None: ...


class BaseAudioTaskApi:
    """The running mode, the model and, in stream mode, the stream."""

    def __init__(
        self,
        model: _Model,
        running_mode: AudioTaskRunningMode,
        on_window: Callable[[Any, int], None] | None,
        resampler: str,
    ) -> None:
        self._model = model
        self._running_mode = running_mode
        self._on_window = on_window
        self._resampler = resampler
        self._stream: _Stream | None = None
        self._stream_rate: float | None = None
        self._stream_channels = 0
        self._first_us = 0
        self._last_timestamp_ms: int | None = None
        self._callback_error: BaseException | None = None
        self._lock = threading.Lock()
        fmt = model.required_audio_format
        self._model_rate, self._model_channels = fmt.sample_rate, fmt.channels
        self._window_frames = model.window_frames
        # Where window k starts: the first block's time plus k window
        # lengths, each rounded to a microsecond as MediaPipe's graph does.
        self._step_us = math.floor(model.window_frames * 1e6 / fmt.sample_rate + 0.5)

    @staticmethod
    def _check_mode(
        running_mode: Any, result_callback: Callable[..., None] | None, resampler: str
    ) -> None:
        if not isinstance(running_mode, AudioTaskRunningMode):
            raise ValueError(
                "running_mode: expected RunningMode.AUDIO_CLIPS or AUDIO_STREAM, got "
                f"{running_mode!r}"
            )
        if running_mode is _RunningMode.AUDIO_STREAM and result_callback is None:
            raise ValueError(
                "result_callback: The audio task is in audio stream mode, a user-defined result "
                "callback must be provided."
            )
        if running_mode is _RunningMode.AUDIO_CLIPS and result_callback is not None:
            raise ValueError(
                # Both MediaPipe releases' wordings, which callers match on.
                "result_callback: The audio task is in audio clips mode, a user-defined result "
                "callback shouldn't be provided (the results are returned, so a result "
                "callback should not be provided)."
            )
        if result_callback is not None and not callable(result_callback):
            raise TypeError(
                f"result_callback: expected a callable, got {type(result_callback).__name__}"
            )
        if resampler not in _RESAMPLERS:
            raise ValueError(
                f"resampler: expected 'mediapipe', 'hq' or 'kaiser', got {resampler!r}"
            )

    @staticmethod
    def _sample_rate(audio: AudioData) -> int:
        if not isinstance(audio, AudioData):
            raise TypeError(f"audio: expected an AudioData, got {type(audio).__name__}")
        rate = audio.audio_format.sample_rate
        if not rate:
            raise ValueError(
                "Must provide the audio sample rate in audio data: audio_format.sample_rate "
                "is unset (use AudioData.create_from_array(array, sample_rate))"
            )
        if rate != int(rate):
            raise ValueError(f"audio_format.sample_rate: must be a whole number of Hz, got {rate}")
        return int(rate)

    def _require_mode(self, mode: AudioTaskRunningMode, method: str) -> None:
        # MediaPipe's wording, which callers match on.
        if self._running_mode is not mode:

            def words(m: AudioTaskRunningMode) -> str:
                return "audio clips" if m is _RunningMode.AUDIO_CLIPS else "audio stream"

            raise ValueError(
                f"{method}: Task is not initialized with the {words(mode)} mode. Current "
                f"running mode:{words(self._running_mode)} mode"
            )

    def _timestamp_ms(self, index: int, first_us: int = 0) -> int:
        return (first_us + index * self._step_us) // 1000

    def _open_stream(self, sample_rate: int, channels: int) -> _Stream:
        """The task's stream for blocks in this format; it calls _deliver per window."""
        raise NotImplementedError

    def _feed(self, audio: AudioData, timestamp_ms: int, method: str) -> None:
        """Appends a block to the stream (AUDIO_STREAM)."""
        rate = self._sample_rate(audio)
        self._require_mode(_RunningMode.AUDIO_STREAM, method)
        if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, numbers.Integral):
            raise TypeError(f"timestamp_ms: expected an int, got {type(timestamp_ms).__name__}")
        self._raise_callback_error()
        with self._lock:
            last = self._last_timestamp_ms
            if last is not None and timestamp_ms <= last:
                raise ValueError(
                    f"Input timestamp must be monotonically increasing: got {timestamp_ms} ms "
                    f"after {last} ms"
                )
            channels = audio.audio_format.num_channels
            if self._stream is None:
                self._stream = self._open_stream(rate, channels)
                self._stream_rate, self._stream_channels = rate, channels
                self._first_us = int(timestamp_ms) * 1000
            elif rate != self._stream_rate:
                raise ValueError(
                    f"audio_format.sample_rate: {rate} Hz differs from the stream's "
                    f"{self._stream_rate:g} Hz (set by the first block)"
                )
            elif channels != self._stream_channels:
                raise ValueError(
                    f"audio_format.num_channels: {channels} differs from the stream's "
                    f"{self._stream_channels} (set by the first block)"
                )
            self._last_timestamp_ms = int(timestamp_ms)
            self._stream.feed(audio.buffer)

    def _deliver(self, index: int, window: Any) -> None:
        # Window `index` of the stream, one at a time, in order.
        if self._callback_error is not None or self._on_window is None:
            return
        try:
            self._on_window(window, self._timestamp_ms(index, self._first_us))
        except BaseException as error:  # reported by the next call, not lost on a thread
            self._callback_error = error

    def _raise_callback_error(self) -> None:
        error, self._callback_error = self._callback_error, None
        if error is not None:
            raise RuntimeError(f"result_callback raised {error!r}") from error

    def create_audio_record(
        self, num_channels: int, sample_rate: int, required_input_buffer_size: int
    ) -> audio_record.AudioRecord:
        """An AudioRecord (not yet recording) holding ``required_input_buffer_size`` frames."""
        return audio_record.AudioRecord(num_channels, sample_rate, required_input_buffer_size)

    def close(self) -> None:
        """Ends the stream (its last window, padded, is classified and every
        result delivered before this returns) and releases the model. Idempotent."""
        stream, self._stream = self._stream, None
        try:
            if stream is not None:
                try:
                    stream.finish()
                finally:
                    stream.stop()
        finally:
            self._model.close()
        self._raise_callback_error()

    def __enter__(self) -> BaseAudioTaskApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
