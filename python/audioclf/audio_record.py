"""AudioRecord: microphone capture into the C++ capture buffer.

tflite-support's ``AudioRecord`` API (``AudioRecord(channels, sampling_rate,
buffer_size)``, ``start_recording``, ``stop``, ``read``) on PortAudio through
``sounddevice``. The PortAudio callback hands its buffer to C++ through the
buffer protocol: one copy into a lock-free ring, no numpy work, no Python
objects per block. A C++ pump thread keeps the newest ``buffer_size`` frames
for ``read`` and feeds any attached live classifier.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any

import numpy as np

from audioclf import _core
from audioclf._checks import int_arg, sample_rate_arg

# Room between the capture thread and the pump: two seconds of audio, far
# more than the pump ever lags.
_RING_SECONDS = 2.0


def _sounddevice() -> ModuleType:
    try:
        return importlib.import_module("sounddevice")
    except ImportError as error:
        raise RuntimeError(
            "microphone capture needs the 'sounddevice' package: pip install 'audioclf[live]'"
        ) from error
    except OSError as error:  # sounddevice raises OSError without libportaudio
        raise RuntimeError(
            "PortAudio library not found: install the system package 'libportaudio2' "
            "(Debian/Ubuntu: apt-get install libportaudio2)"
        ) from error


def find_device(device: int | str | None, channels: int) -> int | None:
    """Resolves an input device given by index or name substring (None: the default)."""
    if device is None or isinstance(device, int):
        return device
    if device.isdigit():
        return int(device)
    sd = _sounddevice()
    matches = [
        i
        for i, d in enumerate(sd.query_devices())
        if device.lower() in d["name"].lower() and d["max_input_channels"] >= channels
    ]
    if not matches:
        raise ValueError(f"device: no input device with {channels} channel(s) matches '{device}'")
    return matches[0]


def _device_error(device: int | str | None, error: Exception) -> str:
    """PortAudio's text, saying first when there is no input device at all."""
    text = str(error.args[0] if error.args else error)
    try:
        inputs = [d for d in _sounddevice().query_devices() if d["max_input_channels"] > 0]
    except Exception:  # PortAudio cannot even list devices
        inputs = []
    if not inputs:
        return f"no audio input device found (PortAudio: {text})"
    which = "the default input device" if device is None else f"input device {device!r}"
    return f"cannot open {which} (PortAudio: {text})"


def list_devices() -> list[dict[str, Any]]:
    """Input devices as PortAudio lists them: index, name, channels, default rate."""
    sd = _sounddevice()
    return [
        {
            "index": i,
            "name": d["name"],
            "channels": d["max_input_channels"],
            "sample_rate": d["default_samplerate"],
        }
        for i, d in enumerate(sd.query_devices())
        if d["max_input_channels"] > 0
    ]


class AudioRecord:
    """Records from an input device into a C++ capture buffer."""

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
        if channels <= 0 or sampling_rate <= 0 or buffer_size <= 0:
            raise ValueError(
                "channels, sampling_rate and buffer_size must be > 0, got "
                f"{channels}, {sampling_rate}, {buffer_size}"
            )
        channels = int_arg(channels, "channels", 1, _core.limits.MAX_CHANNELS)
        sampling_rate = sample_rate_arg(sampling_rate, "sampling_rate")
        buffer_size = int_arg(
            buffer_size, "buffer_size", 1, _core.limits.MAX_AUDIO_BUFFER_SAMPLES // channels
        )
        if dtype not in ("float32", "int16", "int32"):
            raise ValueError(f"dtype: expected float32, int16 or int32, got '{dtype}'")
        self._channels = channels
        self._sampling_rate = sampling_rate
        self._buffer_size = buffer_size
        self._dtype = dtype
        self._blocksize = blocksize
        self._device = device
        ring = max(buffer_size, int(sampling_rate * _RING_SECONDS))
        self._capture = _core.CaptureBuffer(
            _core.AudioFormat(channels, sampling_rate), buffer_size, ring
        )
        self._stream: Any = None
        self._lock = threading.Lock()
        self.input_overflows = 0  # PortAudio's own overflow reports
        # The StreamClassifier the capture buffer feeds, held here because the
        # C++ side keeps only a raw pointer: it must not be freed while attached.
        self._attached: _core.StreamClassifier | None = None

    @property
    def channels(self) -> int:
        return self._channels

    @property
    def sampling_rate(self) -> int:
        return self._sampling_rate

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    @property
    def overruns(self) -> int:
        """Frames dropped because the capture ring was full."""
        return self._capture.overrun_frames

    @property
    def frames_captured(self) -> int:
        return self._capture.frames_captured

    @property
    def recording(self) -> bool:
        """Whether the input stream is open and capturing."""
        return self._stream is not None

    def _attach(self, stream: _core.StreamClassifier) -> None:
        # Reference first, pointer second (the reverse in _detach), so the
        # pump never feeds a stream that Python has already freed.
        if self._attached is not None and self._attached is not stream:
            raise RuntimeError("this AudioRecord already feeds a live stream; stop that first")
        self._attached = stream
        self._capture.attach(stream)

    def _detach(self, stream: _core.StreamClassifier) -> None:
        if self._attached is stream:
            self._capture.attach(None)  # returns once the pump has let go of it
            self._attached = None

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        # The capture thread: one copy into C++, counters, nothing that raises.
        if status.input_overflow:
            self.input_overflows += 1
        self._capture.write(indata)

    def start_recording(self) -> None:
        """Opens the input stream and starts capturing (idempotent)."""
        with self._lock:
            if self._stream is not None:
                return
            sd = _sounddevice()
            self._capture.start()
            try:
                stream = sd.InputStream(
                    samplerate=self._sampling_rate,
                    channels=self._channels,
                    dtype=self._dtype,
                    blocksize=self._blocksize,
                    device=find_device(self._device, self._channels),
                    callback=self._callback,
                )
                stream.start()
            except getattr(sd, "PortAudioError", ()) as error:
                self._capture.stop()
                raise RuntimeError(_device_error(self._device, error)) from error
            except Exception:
                self._capture.stop()
                raise
            self._stream = stream

    def stop(self) -> None:
        """Stops capturing and closes the device; the captured window stays readable."""
        with self._lock:
            stream, self._stream = self._stream, None
            if stream is not None:
                stream.stop()
                stream.close()
            self._capture.stop()

    def read(self, size: int) -> np.ndarray:
        """The newest ``size`` frames (at most buffer_size), shaped (size, channels)."""
        if size < 0 or size > self._buffer_size:
            raise ValueError(f"size: must be in [0, {self._buffer_size}], got {size}")
        return self._capture.read_latest(size)

    def __enter__(self) -> AudioRecord:
        self.start_recording()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
