"""AudioData: a block of audio and its format, as MediaPipe's container.

Samples are held as float32 frames x channels (what the model reads), so a
float64 array is converted once, when it is loaded.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# A bound on one container: 2**28 samples (1 GiB of float32).
_MAX_SAMPLES = 1 << 28


@dataclasses.dataclass
class AudioDataFormat:
    """``num_channels`` and ``sample_rate`` (Hz; None: unknown, which the tasks refuse)."""

    num_channels: int = 1
    sample_rate: float | None = None


class AudioData:
    """A buffer of ``buffer_length`` frames in ``audio_format``."""

    def __init__(self, buffer_length: int, audio_format: AudioDataFormat | None = None) -> None:
        fmt = AudioDataFormat() if audio_format is None else audio_format
        if isinstance(buffer_length, bool) or not isinstance(buffer_length, (int, np.integer)):
            raise TypeError(f"buffer_length: expected an int, got {type(buffer_length).__name__}")
        channels = fmt.num_channels
        if isinstance(channels, bool) or not isinstance(channels, (int, np.integer)):
            raise TypeError(
                f"audio_format.num_channels: expected an int, got {type(channels).__name__}"
            )
        if channels < 1:
            raise ValueError(f"audio_format.num_channels: must be >= 1, got {channels}")
        if buffer_length < 0 or buffer_length * channels > _MAX_SAMPLES:
            raise ValueError(
                f"buffer_length: must be in [0, {_MAX_SAMPLES // channels}] frames for "
                f"{channels} channel(s), got {buffer_length}"
            )
        rate = fmt.sample_rate
        if rate is not None and not rate > 0:
            raise ValueError(f"audio_format.sample_rate: must be > 0 Hz, got {rate}")
        self._audio_format = fmt
        self._buffer = np.zeros((int(buffer_length), int(channels)), dtype=np.float32)

    def clear(self) -> None:
        """Fills the buffer with zeros."""
        self._buffer.fill(0)

    def load_from_array(self, src: np.ndarray, offset: int = 0, size: int = -1) -> None:
        """Loads ``size`` frames of ``src`` from ``offset`` (default: all of it).

        As much as fits goes in: the newest ``buffer_length`` frames when the
        slice is longer, otherwise the buffer shifts towards its start and the
        slice fills its end.
        """
        src = np.asarray(src)
        channels = self._audio_format.num_channels
        if src.ndim == 1:
            if channels != 1:
                raise ValueError(
                    f"src: a 1-D (mono) array, but the audio data has {channels} channels"
                )
            src = src.reshape(-1, 1)
        elif src.ndim != 2 or src.shape[1] != channels:
            raise ValueError(f"src: expected shape (frames, {channels}), got {tuple(src.shape)}")
        if not (np.issubdtype(src.dtype, np.floating) or np.issubdtype(src.dtype, np.integer)):
            raise TypeError(f"src: expected a numeric array, got dtype {src.dtype}")
        if size < 0:
            size = len(src) - offset
        if offset < 0 or offset + size > len(src):
            raise ValueError(
                f"offset {offset} + size {size}: must lie within src's {len(src)} frames"
            )
        piece = src[offset : offset + size]
        length = len(self._buffer)
        if size >= length:
            self._buffer[:] = piece[size - length :]
        elif size > 0:
            self._buffer[:-size] = self._buffer[size:]
            self._buffer[-size:] = piece

    @classmethod
    def create_from_array(cls, src: np.ndarray, sample_rate: float | None = None) -> AudioData:
        """An AudioData holding a copy of ``src`` (frames, or frames x channels)."""
        src = np.asarray(src)
        if src.ndim not in (1, 2):
            raise ValueError(f"src: expected a 1-D or 2-D array, got {src.ndim} dimensions")
        channels = 1 if src.ndim == 1 else src.shape[1]
        data = cls(len(src), AudioDataFormat(num_channels=channels, sample_rate=sample_rate))
        data.load_from_array(src)
        return data

    @property
    def audio_format(self) -> AudioDataFormat:
        return self._audio_format

    @property
    def buffer_length(self) -> int:
        """Frames in the buffer."""
        return len(self._buffer)

    @property
    def buffer(self) -> np.ndarray:
        """The samples, float32, shaped (frames, channels)."""
        return self._buffer
