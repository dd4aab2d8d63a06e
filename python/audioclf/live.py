"""Live classification: audio blocks in (from an AudioRecord, a file, a
socket), window results out, as an iterator, an async iterator or a callback.

The work happens in C++: the capture buffer's pump thread feeds a
StreamClassifier, whose worker classifies every hop and queues results in
time order. Timestamps come from sample counts, not clocks.

A result that was computed is never dropped: ``stop()`` discards only the
windows not yet started, and delivers the rest (callbacks run before it
returns; iteration yields them, then ends).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from audioclf import _core
from audioclf._core import WindowResult

if TYPE_CHECKING:
    from audioclf.audio_record import AudioRecord

# How long a blocking pop waits before checking for stop() (ms); bounds how
# late an iterator notices that the stream was stopped elsewhere.
_POLL_MS = 50


class LiveStream:
    """A running stream classifier. Iterate it for results; ``stop()`` ends it."""

    def __init__(
        self,
        native: _core.AudioClassifier,
        *,
        record: AudioRecord | None,
        sample_rate: int,
        channels: int,
        hop_frames: int,
        backpressure: str,
        workers: int,
        callback: Callable[[WindowResult], None] | None,
        pad_last: bool = True,
        resampler: str = "hq",
    ) -> None:
        self._record = record
        self._stream = _core.StreamClassifier(
            native,
            input_rate=sample_rate,
            input_channels=channels,
            hop_frames=hop_frames,
            pad_last=pad_last,
            workers=workers,
            backpressure=backpressure,
            resampler=resampler,
        )
        # What the callback raised: re-raised from the next feed(), finish(),
        # pop(), iteration or stop(), so the caller learns why delivery ended.
        self._callback_error: BaseException | None = None
        self._callback_thread: threading.Thread | None = None
        if callback is not None:
            self._callback_thread = threading.Thread(
                target=self._run_callback, args=(callback,), daemon=True
            )
            self._callback_thread.start()
        # Capture this stream started is stopped with it; a record that was
        # already recording is left running for its owner.
        self._owns_recording = False
        if record is not None:
            try:
                record._attach(self._stream)
                self._owns_recording = not record.recording
                record.start_recording()
            except BaseException:
                self.stop()
                raise

    def feed(self, block: np.ndarray) -> None:
        """Feeds a block of audio (any size, dtype and layout) when no AudioRecord is attached."""
        if self._record is not None:
            raise RuntimeError("this stream is fed by its AudioRecord")
        self._raise_callback_error()
        self._stream.feed(block)

    def finish(self) -> None:
        """End of input: classifies the rest (the zero-padded last window too,
        unless ``pad_last=False``) and lets iteration end; with a callback,
        returns once it has run for every window."""
        self._raise_callback_error()
        self._stream.finish()
        self._join_callback()
        self._raise_callback_error()

    def stop(self) -> None:
        """Stops now: windows not yet started are dropped, results already
        computed are still delivered (their callbacks run before this
        returns), and none come after it. Idempotent."""
        self._shutdown()
        self._raise_callback_error()

    def _shutdown(self) -> None:
        if self._record is not None:
            self._record._detach(self._stream)
            if self._owns_recording:
                self._record.stop()
        self._stream.stop()
        self._join_callback()

    def _join_callback(self) -> None:
        thread = self._callback_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def pop(self, timeout: float | None = None) -> WindowResult | None:
        """The next result, waiting up to ``timeout`` seconds (None: until one or the end)."""
        self._raise_callback_error()
        return self._stream.pop(-1 if timeout is None else int(timeout * 1000))

    def __iter__(self) -> Iterator[WindowResult]:
        if self._callback_thread is not threading.current_thread():
            self._raise_callback_error()
        # Ends when the C++ stream is done: finished or stopped, and drained.
        while True:
            result = self._stream.pop(_POLL_MS)
            if result is not None:
                yield result
            elif self._stream.done:
                return

    async def __aiter__(self) -> AsyncIterator[WindowResult]:
        import asyncio  # here, not at import: 20 ms that only async callers (with a loop) need

        loop = asyncio.get_running_loop()
        while True:
            result = await loop.run_in_executor(None, self._stream.pop, _POLL_MS)
            if result is not None:
                yield result
            elif self._stream.done:
                return

    def _run_callback(self, callback: Callable[[WindowResult], None]) -> None:
        try:
            for result in self:
                callback(result)
        except BaseException as error:  # handed to the caller's thread
            # Only kept here: stopping the native stream from this thread
            # would race the caller's own finish() or stop().
            self._callback_error = error

    def _raise_callback_error(self) -> None:
        error, self._callback_error = self._callback_error, None
        if error is not None:
            self._shutdown()
            raise RuntimeError(f"the stream's callback raised {error!r}") from error

    @property
    def windows_classified(self) -> int:
        return self._stream.windows_classified

    @property
    def windows_skipped(self) -> int:
        """Windows dropped because inference fell behind (backpressure='latest')."""
        return self._stream.windows_skipped

    def __enter__(self) -> LiveStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
