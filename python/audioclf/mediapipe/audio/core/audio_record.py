"""AudioRecord as MediaPipe's: the newest ``buffer_size`` frames of the input
device, read with ``read(size)``.

The input stream is opened when the record is created (as MediaPipe's is) and
its callback copies each block into a preallocated ring; nothing is shifted
per block. Samples are kept as float64, as MediaPipe keeps them.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

# A bound on what one record may allocate: 2**27 samples (1 GiB of float64).
_MAX_SAMPLES = 1 << 27


class AudioRecord:
    """Records from the default input device into a ring of ``buffer_size`` frames."""

    def __init__(self, channels: int, sampling_rate: int, buffer_size: int) -> None:
        for name, value in (
            ("channels", channels),
            ("sampling_rate", sampling_rate),
            ("buffer_size", buffer_size),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: must be a positive integer, got {value!r}")
        if channels * buffer_size > _MAX_SAMPLES:
            raise ValueError(
                f"buffer_size: {buffer_size} frames x {channels} channels exceeds "
                f"{_MAX_SAMPLES} samples"
            )
        import sounddevice  # ImportError / OSError (no PortAudio) reach the caller

        self._channels = int(channels)
        self._sampling_rate = int(sampling_rate)
        self._buffer_size = int(buffer_size)
        self._ring = np.zeros((self._buffer_size, self._channels), dtype=np.float64)
        self._end = 0  # ring index one past the newest frame
        self._lock = threading.Lock()
        self._stream = sounddevice.InputStream(
            channels=self._channels,
            samplerate=self._sampling_rate,
            callback=self._on_block,
        )

    def _on_block(self, data: np.ndarray, *_: Any) -> None:
        # PortAudio's thread: copy the block into the ring (its newest
        # buffer_size frames when it is longer).
        block = np.asarray(data).reshape(len(data), -1)[-self._buffer_size :]
        n = len(block)
        with self._lock:
            first = min(n, self._buffer_size - self._end)
            self._ring[self._end : self._end + first] = block[:first]
            self._ring[: n - first] = block[first:]
            self._end = (self._end + n) % self._buffer_size

    @property
    def channels(self) -> int:
        return self._channels

    @property
    def sampling_rate(self) -> int:
        return self._sampling_rate

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    def start_recording(self) -> None:
        """Clears the ring and starts the input stream."""
        with self._lock:
            self._ring.fill(0)
            self._end = 0
        self._stream.start()

    def stop(self) -> None:
        """Stops the input stream; what was recorded stays readable."""
        self._stream.stop()

    def read(self, size: int) -> np.ndarray:
        """The newest ``size`` frames, oldest first, shaped (size, channels)."""
        if size > self._buffer_size:
            raise ValueError(f"size: at most buffer_size ({self._buffer_size}) frames, got {size}")
        if size <= 0:
            raise ValueError(f"size: must be positive, got {size}")
        with self._lock:
            start = self._end - size
            if start >= 0:
                return self._ring[start : self._end].copy()
            return np.concatenate([self._ring[start:], self._ring[: self._end]])
