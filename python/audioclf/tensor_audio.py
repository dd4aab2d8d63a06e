"""TensorAudio: the audio window a classifier consumes, stored in C++."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from audioclf import _core
from audioclf._checks import int_arg, path_arg
from audioclf._core import AudioFormat

if TYPE_CHECKING:
    from audioclf.audio_record import AudioRecord


class TensorAudio:
    """Holds the latest ``buffer_size`` frames of audio, like tflite-support's
    ``TensorAudio``, but in a C++ circular buffer: loading appends without
    shifting the whole buffer, and classification copies the window straight
    into the model's input tensor.

    ``buffer_size`` counts frames. For a multi-channel model the buffer holds
    exactly the frames the model consumes (tflite-support holds twice as many
    and feeds the oldest half).
    """

    def __init__(self, audio_format: AudioFormat, buffer_size: int) -> None:
        size = int_arg(buffer_size, "buffer_size", 1, _core.limits.MAX_AUDIO_BUFFER_SAMPLES)
        self._buffer = _core.AudioBuffer(audio_format, size)

    @classmethod
    def create_from_wav_file(
        cls, file_name: str, sample_count: int, offset: int = 0, *, strict: bool = False
    ) -> TensorAudio:
        """Reads ``sample_count`` frames starting at frame ``offset`` of a WAV file.

        A file shorter than ``offset + sample_count`` frames leaves the start
        of the buffer zeroed (the frames read are the latest). The buffer holds
        at most the file's frames, so a huge ``sample_count`` costs nothing. A
        truncated file is read as far as it goes (TruncatedAudioWarning), or
        refused with ``strict=True``.
        """
        sample_count = int_arg(sample_count, "sample_count", 1, 2**63 - 1)
        offset = int_arg(offset, "offset", 0, 2**63 - 1)
        reader = _core.WavReader(path_arg(file_name, "file_name"), strict=bool(strict))
        info = reader.info
        frames = min(sample_count, max(info.frame_count, 1))
        tensor = cls(AudioFormat(info.channels, info.sample_rate), frames)
        samples = reader.read(offset, frames)
        if len(samples):
            tensor._buffer.load(samples)
        return tensor

    def clear(self) -> None:
        """Zeroes the buffer."""
        self._buffer.clear()

    def load_from_array(self, src: np.ndarray, offset: int = 0, size: int = -1) -> None:
        """Appends ``src[offset:offset+size]`` (all if size < 0), keeping the latest frames.

        ``src`` is shaped (frames,) for mono or (frames, channels), of
        float32 (read in place), float64, int16, int32, int8 or uint8 (scaled
        to [-1, 1)).
        """
        src = np.asarray(src)
        if src.ndim == 2 and src.shape[1] != self._buffer.format.channels:
            raise ValueError(
                f"src: has {src.shape[1]} channel(s), expected {self._buffer.format.channels}"
            )
        if size < 0:
            size = len(src) - offset
        if offset < 0 or offset + size > len(src):
            raise ValueError(
                f"offset ({offset}) + size ({size}) exceeds the array's {len(src)} frames"
            )
        if size == 0:
            return
        self._buffer.load(src[offset : offset + size])

    def load_from_audio_record(self, audio_record: AudioRecord) -> None:
        """Loads the newest ``buffer_size`` frames an AudioRecord has captured.

        Copied in C++ from the record's ring buffer, as tflite-support's
        method of the same name does through numpy.
        """
        fmt = self._buffer.format
        if audio_record.channels != fmt.channels:
            raise ValueError(
                f"audio_record: has {audio_record.channels} channel(s), expected {fmt.channels}"
            )
        if audio_record.sampling_rate != fmt.sample_rate:
            raise ValueError(
                f"audio_record: records at {audio_record.sampling_rate} Hz, expected "
                f"{fmt.sample_rate} Hz"
            )
        if audio_record.buffer_size < self.buffer_size:
            raise ValueError(
                f"audio_record: holds {audio_record.buffer_size} frames, fewer than this "
                f"TensorAudio's {self.buffer_size}"
            )
        audio_record._capture.copy_window_to(self._buffer, self.buffer_size)

    @property
    def format(self) -> AudioFormat:
        return self._buffer.format

    @property
    def buffer_size(self) -> int:
        """Frames held."""
        return self._buffer.buffer_frames

    @property
    def buffer(self) -> np.ndarray:
        """A copy of the window, oldest frame first, shaped (frames, channels)."""
        return self._buffer.to_numpy()

    @property
    def _native(self) -> _core.AudioBuffer:
        return self._buffer
