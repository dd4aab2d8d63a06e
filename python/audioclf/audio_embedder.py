"""AudioEmbedder: the Python face of the C++ embedder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from audioclf import _core, _windows
from audioclf._checks import int_arg, path_arg
from audioclf._core import AudioEmbedderOptions, AudioFormat, BaseOptions, EmbeddingResult
from audioclf._runtime import find_litert_library
from audioclf.audio_record import AudioRecord
from audioclf.tensor_audio import TensorAudio


@dataclass(frozen=True)
class WindowEmbedding:
    """One window of a file and its embeddings (timestamps as classify_file's)."""

    index: int  # window number, from 0
    start_frame: int  # at the model's rate
    start_seconds: float
    end_seconds: float  # start + window, or the end of the audio
    result: EmbeddingResult


class AudioEmbedder:
    """Turns audio windows into feature vectors with a TFLite model on LiteRT.

    Every output tensor of the model is one embedding; ``embed`` returns one
    feature vector per output (numpy float32, or int8 when quantized).
    """

    def __init__(self, native: _core.AudioEmbedder, options: AudioEmbedderOptions) -> None:
        self._native: _core.AudioEmbedder | None = native
        self._options = options

    @classmethod
    def create_from_file(cls, file_path: str | os.PathLike[str]) -> AudioEmbedder:
        """Creates an embedder with default options from a .tflite file."""
        return cls.create_from_options(
            AudioEmbedderOptions(base_options=BaseOptions(file_name=os.fspath(file_path)))
        )

    @classmethod
    def create_from_options(cls, options: AudioEmbedderOptions) -> AudioEmbedder:
        """Creates an embedder; raises ValueError for a bad model or option."""
        if not isinstance(options, AudioEmbedderOptions):
            raise TypeError(f"options: expected AudioEmbedderOptions, got {type(options).__name__}")
        base = options.base_options
        if not base.litert_library:
            base.litert_library = find_litert_library()
            options.base_options = base
        return cls(_core.AudioEmbedder.create_from_options(options), options)

    def _embedder(self) -> _core.AudioEmbedder:
        if self._native is None:
            raise RuntimeError("AudioEmbedder is closed")
        return self._native

    def embed(self, audio: TensorAudio | np.ndarray) -> EmbeddingResult:
        """Embeds one window: a TensorAudio, or a float32 array of exactly one
        window in the model's format, shaped (frames,) or (frames, channels)."""
        native = self._embedder()
        if isinstance(audio, TensorAudio):
            return native.embed_buffer(audio._native)
        if not isinstance(audio, np.ndarray):
            raise TypeError(
                f"audio: expected TensorAudio or numpy.ndarray, got {type(audio).__name__}"
            )
        return native.embed_array(np.ascontiguousarray(audio, dtype=np.float32))

    def iter_file(
        self,
        path: str | os.PathLike[str],
        *,
        hop: float | None = None,
        overlap: float | None = None,
        pad_last: bool = True,
        channel: int | None = None,
        resample: bool = True,
        resampler: str = "hq",
        block_frames: int = 65536,
        strict: bool = False,
    ) -> Iterator[WindowEmbedding]:
        """Embeds every window of an audio file, read in blocks (memory stays flat).

        The windows and timestamps are ``AudioClassifier.classify_file``'s with
        the same options: ``hop`` or ``overlap`` seconds (default: windows
        follow each other), the last window zero-padded unless ``pad_last`` is
        False, channels averaged (or ``channel`` taken), other rates resampled.
        """
        from audioclf.audio_classifier import _naming_errors

        native = self._embedder()
        path = path_arg(path, "path")
        block_frames = int_arg(block_frames, "block_frames", 1, 2**31 - 1)
        fmt = native.required_audio_format
        rate = fmt.sample_rate
        hop_frames = _windows.hop_frames(native.window_frames, rate, hop, overlap)
        with _naming_errors(path):
            input_rate, channels, blocks = _windows.file_blocks(path, block_frames, strict)
            frames = _windows.windows(
                blocks,
                input_rate,
                channels,
                fmt,
                native.window_frames,
                hop_frames,
                pad_last=pad_last,
                channel=channel,
                resample=resample,
                resampler=resampler,
            )
            for w in frames:
                result = native.embed_array(w.samples if fmt.channels > 1 else w.samples[:, 0])
                yield WindowEmbedding(
                    w.index,
                    w.start_frame,
                    w.start_frame / rate,
                    (w.start_frame + w.valid_frames) / rate,
                    result,
                )

    @staticmethod
    def cosine_similarity(u: _core.FeatureVector, v: _core.FeatureVector) -> float:
        """Cosine similarity of two feature vectors of the same kind and size."""
        return _core.cosine_similarity(u, v)

    def embedding_dimension(self, output_index: int) -> int:
        """Size of the output's feature vector; -1 if there is no such output."""
        return self._embedder().embedding_dimension(output_index)

    @property
    def number_of_output_layers(self) -> int:
        return self._embedder().number_of_output_layers

    @property
    def required_input_buffer_size(self) -> int:
        """Samples (frames x channels) per window, as tflite-support reports it."""
        return self._embedder().required_input_buffer_size

    @property
    def required_audio_format(self) -> AudioFormat:
        return self._embedder().required_audio_format

    @property
    def window_frames(self) -> int:
        return self._embedder().window_frames

    def create_input_tensor_audio(self) -> TensorAudio:
        """A TensorAudio holding exactly one window of the model's format."""
        native = self._embedder()
        return TensorAudio(native.required_audio_format, native.window_frames)

    def create_audio_record(
        self, *, device: int | str | None = None, dtype: str = "float32"
    ) -> AudioRecord:
        """An AudioRecord in the model's format holding one window."""
        native = self._embedder()
        fmt = native.required_audio_format
        return AudioRecord(
            fmt.channels, fmt.sample_rate, native.window_frames, device=device, dtype=dtype
        )

    def close(self) -> None:
        """Releases the model; later calls raise RuntimeError."""
        self._native = None

    def __enter__(self) -> AudioEmbedder:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
