"""AudioClassifier: the Python face of the C++ classifier."""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from audioclf import _core
from audioclf._checks import (
    check_regular_file,
    int_arg,
    path_arg,
    sample_rate_arg,
    workers_arg,
)
from audioclf._core import (
    AudioClassifierOptions,
    AudioFormat,
    BaseOptions,
    ClassificationResult,
    WindowResult,
)
from audioclf._runtime import find_litert_library, quiet_litert, with_real_stderr
from audioclf._windows import hop_frames
from audioclf.audio_record import AudioRecord
from audioclf.live import LiveStream
from audioclf.tensor_audio import TensorAudio


class AudioClassifier:
    """Classifies audio windows with a TFLite model on LiteRT.

    Drop-in for ``tflite_support.task.audio.AudioClassifier``; also accepts a
    numpy array directly (``classify(samples)``) and works as a context manager.
    """

    def __init__(self, native: _core.AudioClassifier, options: AudioClassifierOptions) -> None:
        self._native: _core.AudioClassifier | None = native
        self._options = options

    @classmethod
    def create_from_file(cls, file_path: str | os.PathLike[str]) -> AudioClassifier:
        """Creates a classifier with default options from a .tflite file."""
        return cls.create_from_options(
            AudioClassifierOptions(base_options=BaseOptions(file_name=os.fspath(file_path)))
        )

    @classmethod
    def create_from_options(cls, options: AudioClassifierOptions) -> AudioClassifier:
        """Creates a classifier; raises ValueError for a bad model or option."""
        if not isinstance(options, AudioClassifierOptions):
            raise TypeError(
                f"options: expected AudioClassifierOptions, got {type(options).__name__}"
            )
        base = options.base_options
        if not base.litert_library:
            base.litert_library = find_litert_library()
            options.base_options = base
        with quiet_litert():
            return cls(_core.AudioClassifier.create_from_options(options), options)

    def _classifier(self) -> _core.AudioClassifier:
        if self._native is None:
            raise RuntimeError("AudioClassifier is closed")
        return self._native

    def classify(
        self, audio: TensorAudio | np.ndarray, sample_rate: int | None = None
    ) -> ClassificationResult:
        """Classifies one window.

        ``audio`` is a TensorAudio, or an array holding exactly one window:
        shaped (frames,) or (frames, channels), of float32, float64, int16,
        int32, int8 or uint8 samples. A C-contiguous float32 array in the
        model's format is read in place. Other rates (``sample_rate``),
        dtypes and channel counts go through the C++ audio pipeline
        (conversion, downmix, resampling); the converted audio must then be
        one window long.
        """
        native = self._classifier()
        if isinstance(audio, TensorAudio):
            return native.classify_buffer(audio._native)
        if not isinstance(audio, np.ndarray):
            raise TypeError(
                f"audio: expected TensorAudio or numpy.ndarray, got {type(audio).__name__}"
            )
        fmt = native.required_audio_format
        rate = fmt.sample_rate if sample_rate is None else sample_rate_arg(sample_rate)
        channels = 1 if audio.ndim == 1 else audio.shape[1] if audio.ndim == 2 else -1
        if (
            audio.dtype == np.float32
            and rate == fmt.sample_rate
            and channels == fmt.channels
            and audio.flags.c_contiguous
        ):
            return native.classify_array(audio)
        if audio.ndim not in (1, 2):
            raise ValueError(f"audio: expected a 1-D or 2-D array, got {audio.ndim} dimensions")
        if len(audio) == 0:
            raise ValueError("audio: array is empty")
        converted = math.ceil(len(audio) * fmt.sample_rate / rate)
        if converted != native.window_frames:
            want = math.ceil(native.window_frames * rate / fmt.sample_rate)
            raise ValueError(
                f"audio holds {len(audio)} frames at {rate} Hz, {converted} frames at the "
                f"model's {fmt.sample_rate} Hz; the model's window is {native.window_frames} "
                f"frames ({want} at {rate} Hz). Use classify_clip for longer audio."
            )
        (window,) = _core.classify_clip(native, audio, rate)
        return window.result

    def classify_clip(
        self,
        audio: np.ndarray,
        sample_rate: int | None = None,
        *,
        hop: float | None = None,
        overlap: float | None = None,
        pad_last: bool = True,
        workers: int = 1,
        channel: int | None = None,
        resample: bool = True,
        resampler: str = "hq",
    ) -> list[WindowResult]:
        """Classifies every window of a clip; one result per window, in time order.

        ``hop`` (seconds) or ``overlap`` (seconds) set where windows start;
        by default they follow each other (hop = window, like MediaPipe).
        The last window is zero-padded unless ``pad_last`` is False.
        ``workers`` threads (0: one per core) each classify a share of the
        windows with their own copy of the model. A clip with
        more channels than the model is averaged, or ``channel`` is taken.
        With ``resample=False`` a rate other than the model's is an error;
        ``resampler="mediapipe"`` uses MediaPipe's gentler filter instead of
        the default high-quality one ("hq": libsoxr when built with it, else
        "kaiser", the in-house filter), for results comparable with MediaPipe.
        """
        native = self._classifier()
        rate = native.required_audio_format.sample_rate if sample_rate is None else sample_rate
        options = self._stream_options(
            hop, overlap, pad_last, workers, channel, resample, resampler
        )
        with quiet_litert():  # each worker compiles its own copy of the model
            return _core.classify_clip(native, np.asarray(audio), sample_rate_arg(rate), **options)

    def classify_file(
        self,
        path: str | os.PathLike[str],
        *,
        hop: float | None = None,
        overlap: float | None = None,
        pad_last: bool = True,
        workers: int = 1,
        channel: int | None = None,
        resample: bool = True,
        resampler: str = "hq",
        block_frames: int = 65536,
        progress: Callable[[int, int], None] | None = None,
        strict: bool = False,
    ) -> list[WindowResult]:
        """Classifies every window of an audio file, read in blocks (bounded memory).

        WAV files are read by the C++ core; other formats (FLAC, OGG, MP3,
        anything libsndfile reads) through ``soundfile``. Options as in
        :meth:`classify_clip`; ``progress(frames_read, frames_total)`` is
        called after each block. A WAV file shorter than its header says is
        read as far as it goes with a :class:`TruncatedAudioWarning`, or
        refused (ValueError) with ``strict=True``; so is an MP3 file whose
        Xing/Info header declares fewer or more bytes than it holds (MP3
        files joined end to end decode only as far as the first one's
        header says).
        """
        path = path_arg(path, "path")
        if progress is not None:
            progress = with_real_stderr(progress)
        if _is_wav(path):
            options = self._stream_options(
                hop, overlap, pad_last, workers, channel, resample, resampler
            )
            with quiet_litert():  # each worker compiles its own copy of the model
                return _core.classify_wav_file(
                    self._classifier(), path, progress=progress, strict=bool(strict), **options
                )
        seekable = _seekable_source(path, block_frames)
        if seekable is not None:
            rate, channels, total, open_reader = seekable
            options = self._stream_options(
                hop, overlap, pad_last, workers, channel, resample, resampler
            )
            with _naming_errors(path), quiet_litert():
                return _core.classify_seekable(
                    self._classifier(),
                    open_reader,
                    rate,
                    channels,
                    total,
                    progress=progress,
                    block_frames=block_frames,
                    **options,
                )
        return list(
            self.iter_file(
                path,
                hop=hop,
                overlap=overlap,
                pad_last=pad_last,
                workers=workers,
                channel=channel,
                resample=resample,
                resampler=resampler,
                block_frames=block_frames,
                progress=progress,
                strict=strict,
            )
        )

    def create_audio_record(
        self, *, device: int | str | None = None, dtype: str = "float32"
    ) -> AudioRecord:
        """An AudioRecord in the model's format holding one window (tflite-support's)."""
        fmt = self._classifier().required_audio_format
        return AudioRecord(
            fmt.channels,
            fmt.sample_rate,
            self._classifier().window_frames,
            device=device,
            dtype=dtype,
        )

    def stream(
        self,
        record: AudioRecord | None = None,
        *,
        sample_rate: int | None = None,
        channels: int | None = None,
        hop: float | None = None,
        backpressure: str | None = None,
        workers: int = 1,
        callback: Callable[[WindowResult], None] | None = None,
        pad_last: bool = True,
        resampler: str = "hq",
    ) -> LiveStream:
        """Classifies live audio every ``hop`` seconds (default: one window).

        With an AudioRecord, capture starts and feeds the stream; without
        one, call ``feed(block)`` with blocks at ``sample_rate`` (default:
        the model's), then ``finish()``. Iterate the returned LiveStream (or
        ``async for``), or pass ``callback``.

        ``backpressure='latest'`` skips to the newest window when inference
        falls behind (counted in ``windows_skipped``): the default with an
        AudioRecord, where only fresh audio matters. ``'queue'`` keeps every
        window (``feed`` waits for inference): the default without one.
        ``finish()`` classifies the zero-padded last window, as MediaPipe's
        stream mode does at close, unless ``pad_last`` is False.
        """
        native = self._classifier()
        fmt = native.required_audio_format
        if record is not None:
            rate, chans = record.sampling_rate, record.channels
        else:
            rate = fmt.sample_rate if sample_rate is None else sample_rate_arg(sample_rate)
            chans = (
                fmt.channels
                if channels is None
                else int_arg(channels, "channels", 1, _core.limits.MAX_CHANNELS)
            )
        if backpressure is None:
            backpressure = "queue" if record is None else "latest"
        hop_frames = self._hop_frames(hop, None)
        with quiet_litert():  # each worker compiles its own copy of the model
            return LiveStream(
                native,
                record=record,
                sample_rate=rate,
                channels=chans,
                hop_frames=hop_frames,
                backpressure=backpressure,
                workers=workers_arg(workers),
                callback=callback,
                pad_last=pad_last,
                resampler=resampler,
            )

    def iter_file(
        self,
        path: str | os.PathLike[str],
        *,
        hop: float | None = None,
        overlap: float | None = None,
        pad_last: bool = True,
        workers: int = 1,
        channel: int | None = None,
        resample: bool = True,
        resampler: str = "hq",
        block_frames: int = 65536,
        progress: Callable[[int, int], None] | None = None,
        strict: bool = False,
    ) -> Iterator[WindowResult]:
        """Like :meth:`classify_file`, but yields each window's result as soon as
        it is ready, so memory stays flat however long the recording (a list
        of every window's full result grows with the file)."""
        native = self._classifier()
        path = path_arg(path, "path")
        block_frames = int_arg(block_frames, "block_frames", 1, 2**31 - 1)
        if _is_wav(path):
            reader = _core.WavReader(path, strict=bool(strict))
            info = reader.info
            rate, channels, total = info.sample_rate, info.channels, info.frame_count
            # Wide files: fewer frames per block, so a block stays bounded in bytes.
            block_frames = max(
                1, min(block_frames, _core.limits.MAX_READ_BLOCK_BYTES // (4 * channels))
            )

            def wav_blocks() -> Iterator[np.ndarray]:
                for start in range(0, total, block_frames):
                    yield reader.read(start, block_frames)

            blocks: Iterable[np.ndarray] = wav_blocks()
        else:
            rate, channels, total, blocks = _read_blocks(path, block_frames, strict)
        with _naming_errors(path), quiet_litert():  # each worker compiles its own model
            stream = _core.StreamClassifier(
                native,
                input_rate=rate,
                input_channels=channels,
                **self._stream_options(
                    hop, overlap, pad_last, workers, channel, resample, resampler
                ),
            )
        try:
            done = 0
            for block in blocks:
                with _naming_errors(path):
                    stream.feed(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
                while (window := stream.pop(0)) is not None:
                    yield window
            with _naming_errors(path):
                stream.finish()
            while (window := stream.pop()) is not None:
                yield window
        finally:
            stream.stop()

    def _stream_options(
        self,
        hop: float | None,
        overlap: float | None,
        pad_last: bool,
        workers: int,
        channel: int | None,
        resample: bool,
        resampler: str,
    ) -> dict[str, Any]:
        """The keyword arguments every clip and file path passes to the C++ stream."""
        return {
            "hop_frames": self._hop_frames(hop, overlap),
            "pad_last": pad_last,
            "workers": workers_arg(workers),
            "channel": channel,
            "allow_resampling": resample,
            "resampler": resampler,
        }

    def _hop_frames(self, hop: float | None, overlap: float | None) -> int:
        native = self._classifier()
        return hop_frames(
            native.window_frames, native.required_audio_format.sample_rate, hop, overlap
        )

    @property
    def required_input_buffer_size(self) -> int:
        """Samples (frames x channels) per window, as tflite-support reports it."""
        return self._classifier().required_input_buffer_size

    @property
    def required_audio_format(self) -> AudioFormat:
        return self._classifier().required_audio_format

    @property
    def window_frames(self) -> int:
        """Frames per window."""
        return self._classifier().window_frames

    @property
    def description(self) -> _core.ModelDescription:
        """What the model is: format, heads, labels, locales."""
        return self._classifier().description

    def create_input_tensor_audio(self) -> TensorAudio:
        """A TensorAudio holding exactly one window of the model's format."""
        native = self._classifier()
        return TensorAudio(native.required_audio_format, native.window_frames)

    def close(self) -> None:
        """Releases the model; later calls raise RuntimeError."""
        with quiet_litert():  # the last model's release closes LiteRT's accelerators
            self._native = None

    def __enter__(self) -> AudioClassifier:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@contextlib.contextmanager
def _naming_errors(path: str) -> Iterator[None]:
    """Errors from a file's audio (its format, its samples) say which file."""
    try:
        yield
    except (ValueError, RuntimeError) as error:
        if path in str(error):
            raise
        # Subclasses (e.g. soundfile's errors) may not take one message.
        kind = ValueError if isinstance(error, ValueError) else RuntimeError
        raise kind(f"{path}: {error}") from error


def _is_wav(path: str) -> bool:
    # A .wav name goes to the WAV reader even when broken: its errors say
    # what is wrong with the header.
    if path.lower().endswith((".wav", ".wave")):
        return True
    check_regular_file(path, "audio file")
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as error:
        raise ValueError(f"audio file '{path}' cannot be opened: {error.strerror}") from error
    return head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE"


# Formats that libsndfile decodes to the same samples from any seek point, so
# a file can be split across workers; lossy ones (MP3, Ogg) are read in one pass.
_SEEKABLE_FORMATS = frozenset({"FLAC", "AIFF", "WAV", "W64", "RF64", "CAF", "AU", "WAVEX"})


def _seekable_source(
    path: str, block_frames: int
) -> tuple[int, int, int, Callable[[], Callable[[int, int], np.ndarray]]] | None:
    """A lossless file soundfile can read from any frame: rate, channels, frames
    and a factory of per-worker readers; None for other formats."""
    soundfile = _soundfile(path)
    try:
        info = soundfile.info(path)
    except Exception as error:  # soundfile raises its own LibsndfileError
        raise ValueError(f"audio file '{path}' cannot be read: {error}") from error
    if info.format not in _SEEKABLE_FORMATS or info.frames <= 0:
        return None
    channels = int(info.channels)
    block_frames = int_arg(block_frames, "block_frames", 1, 2**31 - 1)
    block_frames = max(1, min(block_frames, _core.limits.MAX_READ_BLOCK_BYTES // (4 * channels)))

    def open_reader() -> Callable[[int, int], np.ndarray]:
        f = soundfile.SoundFile(path)
        buffer = np.empty((block_frames, channels), dtype=np.float32)

        def read(start: int, frames: int) -> np.ndarray:
            frames = min(frames, block_frames)
            try:
                if f.tell() != start:
                    f.seek(start)
                return f.read(frames, dtype="float32", always_2d=True, out=buffer[:frames])
            except Exception as error:  # soundfile's LibsndfileError and kin
                raise ValueError(
                    f"audio file '{path}' cannot be decoded at frame {start}: {error}"
                ) from error

        return read

    return int(info.samplerate), channels, int(info.frames), open_reader


def _soundfile(path: str) -> Any:
    try:
        import soundfile
    except ImportError as error:
        raise ValueError(
            f"audio file '{path}' is not WAV; reading other formats needs the "
            "'soundfile' package (pip install 'audioclf[formats]')"
        ) from error
    return soundfile


def _read_blocks(
    path: str, block_frames: int, strict: bool = False
) -> tuple[int, int, int, Iterable[np.ndarray]]:
    """Opens a non-WAV file with soundfile: its rate, channels, frames and float32 blocks."""
    soundfile = _soundfile(path)
    try:
        info = soundfile.info(path)
    except Exception as error:  # soundfile raises its own LibsndfileError
        raise ValueError(f"audio file '{path}' cannot be read: {error}") from error
    if info.format == "MP3":
        # libsndfile stops where the Xing/Info header says the stream ends.
        problem = _core.read_mp3_header(path).describe_mismatch(path)
        if problem:
            if strict:
                raise ValueError(problem)
            warnings.warn(problem, _core.TruncatedAudioWarning, stacklevel=4)

    def blocks() -> Iterable[np.ndarray]:
        with soundfile.SoundFile(path) as f:
            while True:
                try:
                    block = f.read(block_frames, dtype="float32", always_2d=True)
                except Exception as error:  # soundfile's LibsndfileError and kin
                    raise ValueError(f"audio file '{path}' cannot be decoded: {error}") from error
                if len(block) == 0:
                    return
                yield block

    return int(info.samplerate), int(info.channels), int(info.frames), blocks()
