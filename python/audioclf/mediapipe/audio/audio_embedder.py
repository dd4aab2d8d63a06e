"""AudioEmbedder as MediaPipe's: one embedding per head for every window of a
clip, or of a stream of blocks whose results go to a callback.

Windows, timestamps, resampling (MediaPipe's filter by default) and the
zero-padded last window are the classifier's. The core embeds one window at
a time; the windowing is done here. In AUDIO_STREAM mode the callback runs
inside ``embed_async`` (and ``close()`` for the last window), on the
caller's thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from audioclf import _core
from audioclf.mediapipe.audio.core.audio_task_running_mode import AudioTaskRunningMode
from audioclf.mediapipe.audio.core.base_audio_task_api import BaseAudioTaskApi
from audioclf.mediapipe.components.containers.audio_data import AudioData
from audioclf.mediapipe.components.containers.embedding_result import Embedding, EmbeddingResult
from audioclf.mediapipe.core.base_options import BaseOptions

AudioEmbedderResult = EmbeddingResult
_RunningMode = AudioTaskRunningMode


@dataclasses.dataclass
class AudioEmbedderOptions:
    """MediaPipe's options; ``resampler`` is audioclf's own addition (see
    AudioClassifierOptions)."""

    base_options: BaseOptions
    running_mode: AudioTaskRunningMode = _RunningMode.AUDIO_CLIPS
    l2_normalize: bool | None = None
    quantize: bool | None = None
    result_callback: Callable[[AudioEmbedderResult, int], None] | None = None
    resampler: str = "mediapipe"


class _Model:
    """The core embedder and what the windowing needs of it."""

    def __init__(self, native: _core.AudioEmbedder) -> None:
        self._native: _core.AudioEmbedder | None = native
        self.required_audio_format = native.required_audio_format
        self.window_frames = native.window_frames

    def embed(self, window: np.ndarray) -> list[Embedding]:
        if self._native is None:
            raise RuntimeError("AudioEmbedder is closed")
        out = []
        for e in self._native.embed_array(window).embeddings:
            fv = e.feature_vector
            # MediaPipe's types: float64 values, or the quantized bytes as uint8.
            value = fv.value.view(np.uint8) if fv.quantized else fv.value.astype(np.float64)
            out.append(Embedding(embedding=value, head_index=e.output_index))
        return out

    def close(self) -> None:
        self._native = None


class _Windower:
    """Blocks in (any rate, the stream's channels), model windows out, in order."""

    def __init__(
        self, model: _Model, rate: int, channels: int, resampler: str, emit: Callable
    ) -> None:
        fmt = model.required_audio_format
        if channels != fmt.channels and fmt.channels != 1:
            raise ValueError(
                f"audio_format.num_channels: the model takes {fmt.channels} channel(s), "
                f"got {channels}"
            )
        self._model, self._emit = model, emit
        self._channels = fmt.channels
        self._window = model.window_frames
        self._resampler = (
            _core.Resampler(rate, fmt.sample_rate, fmt.channels, profile=resampler)
            if rate != fmt.sample_rate
            else None
        )
        self._pending = np.zeros((0, fmt.channels), np.float32)
        self._index = 0

    def _append(self, frames: np.ndarray) -> None:
        frames = np.asarray(frames, np.float32).reshape(-1, self._channels)
        self._pending = np.concatenate([self._pending, frames])
        while len(self._pending) >= self._window:
            self._take(self._pending[: self._window])
            self._pending = self._pending[self._window :]

    def _take(self, window: np.ndarray) -> None:
        self._emit(self._index, self._model.embed(np.ascontiguousarray(window)))
        self._index += 1

    def feed(self, block: np.ndarray) -> None:
        if block.shape[1] != self._channels:  # a mono model: averaged, as MediaPipe does
            block = block.mean(axis=1, keepdims=True, dtype=np.float32)
        self._append(self._resampler.process(block) if self._resampler else block)

    def finish(self) -> None:
        """The resampler's tail, then the zero-padded last window."""
        if self._resampler is not None:
            self._append(self._resampler.flush())
        if len(self._pending):
            padded = np.zeros((self._window, self._channels), np.float32)
            padded[: len(self._pending)] = self._pending
            self._pending = self._pending[:0]
            self._take(padded)

    def stop(self) -> None:
        self._pending = self._pending[:0]


class AudioEmbedder(BaseAudioTaskApi):
    """Embeds audio with a TFLite model that has audio metadata; every output
    tensor is one head's embedding."""

    _model: _Model

    @classmethod
    def create_from_model_path(cls, model_path: str) -> AudioEmbedder:
        """An embedder in AUDIO_CLIPS mode with default options."""
        return cls.create_from_options(
            AudioEmbedderOptions(base_options=BaseOptions(model_asset_path=model_path))
        )

    @classmethod
    def create_from_options(cls, options: AudioEmbedderOptions) -> AudioEmbedder:
        """Raises ValueError for bad options or a bad model, FileNotFoundError
        (also a RuntimeError) for a model path that names no file."""
        if not isinstance(options, AudioEmbedderOptions):
            raise TypeError(f"options: expected AudioEmbedderOptions, got {type(options).__name__}")
        if not isinstance(options.base_options, BaseOptions):
            raise TypeError(
                "base_options: expected audioclf.mediapipe BaseOptions, got "
                f"{type(options.base_options).__name__}"
            )
        cls._check_mode(options.running_mode, options.result_callback, options.resampler)
        native = _core.AudioEmbedder.create_from_options(
            _core.AudioEmbedderOptions(
                base_options=options.base_options._to_core(),
                embedding_options=_core.EmbeddingOptions(
                    l2_normalize=bool(options.l2_normalize), quantize=bool(options.quantize)
                ),
            )
        )
        callback = options.result_callback

        def on_window(embeddings: list[Embedding], timestamp_ms: int) -> None:
            assert callback is not None
            callback(EmbeddingResult(embeddings, timestamp_ms), timestamp_ms)

        return cls(
            _Model(native),
            options.running_mode,
            on_window if callback is not None else None,
            options.resampler,
        )

    def embed(self, audio_clip: AudioData) -> list[AudioEmbedderResult]:
        """Every window's embeddings, in time order (AUDIO_CLIPS mode)."""
        rate = self._sample_rate(audio_clip)
        self._require_mode(_RunningMode.AUDIO_CLIPS, "embed")
        results: list[AudioEmbedderResult] = []

        def collect(index: int, embeddings: list[Embedding]) -> None:
            results.append(EmbeddingResult(embeddings, self._timestamp_ms(index)))

        windower = _Windower(
            self._model, rate, audio_clip.audio_format.num_channels, self._resampler, collect
        )
        windower.feed(audio_clip.buffer)
        windower.finish()
        return results

    def embed_async(self, audio_block: AudioData, timestamp_ms: int) -> None:
        """Appends a block to the stream (AUDIO_STREAM mode); ``timestamp_ms``
        must increase from call to call."""
        self._feed(audio_block, timestamp_ms, "embed_async")

    def _open_stream(self, sample_rate: int, channels: int) -> _Windower:
        return _Windower(self._model, sample_rate, channels, self._resampler, self._deliver)

    @classmethod
    def cosine_similarity(cls, u: Embedding, v: Embedding) -> float:
        """Cosine similarity of two embeddings of one kind (both float or both quantized)."""
        a, b = np.asarray(u.embedding), np.asarray(v.embedding)
        if a.shape != b.shape:
            raise ValueError(
                f"Cannot compute cosine similarity between embeddings of different sizes "
                f"({a.shape} and {b.shape})"
            )
        if (a.dtype == np.uint8) != (b.dtype == np.uint8):
            raise ValueError(
                "Cannot compute cosine similarity between quantized and float embeddings"
            )
        return _core.cosine_similarity(_core.FeatureVector(a), _core.FeatureVector(b))

    def __enter__(self) -> AudioEmbedder:
        return self
