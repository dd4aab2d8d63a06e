"""tflite-support's ``TensorAudio``: a numpy buffer of the latest frames."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from audioclf import _core
from audioclf._core import AudioFormat

if TYPE_CHECKING:
    from audioclf.task.audio_record import AudioRecord


class TensorAudio:
    """Holds ``buffer_size`` frames, shaped (buffer_size, channels), float32.

    ``buffer`` is the array itself, as in tflite-support. Loading keeps the
    latest frames: it shifts the buffer and appends. A classifier consumes
    the first frames of its window length, so the tflite-support idiom
    ``TensorAudio(format, classifier.required_input_buffer_size)`` (samples,
    which is twice the frames for a stereo model) gives tflite-support's
    results.
    """

    def __init__(self, audio_format: AudioFormat, buffer_size: int) -> None:
        if not isinstance(audio_format, AudioFormat):
            raise TypeError(
                f"audio_format: expected AudioFormat, got {type(audio_format).__name__}"
            )
        if not isinstance(buffer_size, (int, np.integer)) or buffer_size <= 0:
            raise ValueError(f"buffer_size: must be an int > 0 (frames), got {buffer_size!r}")
        self._format = audio_format
        self._buffer_size = int(buffer_size)
        self._buffer = np.zeros((self._buffer_size, audio_format.channels), dtype=np.float32)

    def clear(self) -> None:
        """Fills the buffer with zeros."""
        self._buffer.fill(0)

    @classmethod
    def create_from_wav_file(
        cls, file_name: str | os.PathLike[str], sample_count: int, offset: int = 0
    ) -> TensorAudio:
        """A TensorAudio of ``sample_count`` frames holding the file's frames from
        ``offset`` on (zeros after the end of a shorter file).

        Raises RuntimeError when the file cannot be read as WAV, as
        tflite-support does.
        """
        path = os.fspath(file_name)
        if not path:
            raise RuntimeError(
                "Data too short when trying to read string: file_name is empty, "
                "expected the path of a WAV file"
            )
        if offset < 0:
            raise ValueError(f"offset: must be >= 0, got {offset}")
        try:
            reader = _core.WavReader(path)
        except ValueError as error:
            raise RuntimeError(str(error)) from None
        info = reader.info
        tensor = cls(AudioFormat(info.channels, info.sample_rate), sample_count)
        frames = reader.read(offset, tensor._buffer_size)
        tensor._buffer[: len(frames)] = frames.reshape(len(frames), info.channels)
        return tensor

    def load_from_audio_record(self, record: AudioRecord) -> None:
        """Loads the newest ``buffer_size`` frames the record holds."""
        if record.buffer_size < self._buffer_size:
            raise ValueError(
                "The audio record's buffer size cannot be smaller than the tensor audio's "
                f"sample count: the record holds {record.buffer_size} frames, the tensor "
                f"{self._buffer_size}."
            )
        if record.channels != self._format.channels:
            raise ValueError(
                "The audio record's channel count doesn't match. Expects "
                f"{self._format.channels} channel(s), the record has {record.channels}."
            )
        if record.sampling_rate != self._format.sample_rate:
            raise ValueError(
                "The audio record's sampling rate doesn't match. Expects "
                f"{self._format.sample_rate}Hz, the record records at {record.sampling_rate}Hz."
            )
        self.load_from_array(record.read(self._buffer_size))

    def load_from_array(self, src: np.ndarray, offset: int = 0, size: int = -1) -> None:
        """Appends ``src[offset:offset + size]`` (to the end if size < 0),
        keeping the latest ``buffer_size`` frames.

        ``src`` is shaped (frames, channels); a 1-D array is one channel.
        """
        src = np.asarray(src)
        if src.ndim == 1 and self._format.channels == 1:
            src = src.reshape(-1, 1)
        if src.ndim != 2 or src.shape[1] != self._format.channels:
            raise ValueError(
                "Input audio contains an invalid number of channels. Expect "
                f"{self._format.channels}. (src has shape {src.shape}; expected "
                f"(frames, {self._format.channels}))"
            )
        if size < 0:
            size = len(src) - offset
        if offset < 0 or offset + size > len(src):
            raise ValueError(
                f"Index out of range. offset {offset} + size {size} should be <= src's "
                f"length: {len(src)}"
            )
        if size == 0:
            return
        end = offset + size
        held = self._buffer_size
        if size >= held:
            self._buffer[:] = src[end - held : end]
        else:
            self._buffer[:-size] = self._buffer[size:]
            self._buffer[-size:] = src[offset:end]

    @property
    def format(self) -> AudioFormat:
        return self._format

    @property
    def buffer_size(self) -> int:
        """Frames held."""
        return self._buffer_size

    @property
    def buffer(self) -> np.ndarray:
        """The buffer itself (not a copy), oldest frame first."""
        return self._buffer
