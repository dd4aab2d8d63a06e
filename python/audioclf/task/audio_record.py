"""tflite-support's ``AudioRecord``: the input stream opens at construction."""

from __future__ import annotations

from typing import Any

import numpy as np

from audioclf import audio_record as _base


class AudioRecord(_base.AudioRecord):
    """Records from the default input device (or ``device``) into a ring of the
    newest ``buffer_size`` frames.

    As in tflite-support, the ``sounddevice.InputStream`` is created here, so
    a missing PortAudio or sounddevice is reported at construction;
    ``start_recording`` starts it and ``stop`` stops it (it can be started
    again). The callback takes ``(data, *rest)``.
    """

    def __init__(
        self,
        channels: int,
        sampling_rate: int,
        buffer_size: int,
        *,
        device: int | str | None = None,
        dtype: str = "float32",
        blocksize: int = 0,
    ) -> None:
        super().__init__(
            channels, sampling_rate, buffer_size, device=device, dtype=dtype, blocksize=blocksize
        )
        sd = _base._sounddevice()
        self.dropped_blocks = 0  # callback blocks of the wrong shape
        # The pump runs for the record's life, so read() serves every block
        # the callback has delivered, started or not.
        self._capture.start()
        self._input = sd.InputStream(
            channels=channels,
            samplerate=sampling_rate,
            dtype=dtype,
            blocksize=blocksize,
            device=_base.find_device(device, channels),
            callback=self._callback,
        )
        self._started = False

    @property
    def recording(self) -> bool:
        return self._started

    def _callback(self, indata: np.ndarray, *rest: Any) -> None:
        # The capture thread: never raises. PortAudio passes (frames, time,
        # status); a direct call may pass the data alone.
        status = rest[2] if len(rest) >= 3 else None
        if status is not None and status.input_overflow:
            self.input_overflows += 1
        block = indata
        if block.ndim != 2 or block.shape[1] != self._channels:
            try:  # numpy's broadcasting rule, as a numpy ring would apply it
                block = np.ascontiguousarray(np.broadcast_to(block, (len(block), self._channels)))
            except ValueError:
                self.dropped_blocks += 1
                return
        self._capture.write(block)

    def start_recording(self) -> None:
        """Starts the input stream."""
        with self._lock:
            self._input.start()
            self._started = True

    def stop(self) -> None:
        """Stops the input stream; the captured frames stay readable."""
        with self._lock:
            self._input.stop()
            self._started = False

    def close(self) -> None:
        """Closes the input stream and stops the pump."""
        with self._lock:
            self._input.close()
            self._started = False
        self._capture.stop()
