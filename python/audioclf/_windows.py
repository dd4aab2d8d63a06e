"""An audio file cut into a model's windows, block by block (bounded memory).

The same windows as ``AudioClassifier.classify_file`` (the C++
StreamClassifier): channels mapped as its AudioConverter maps them, the
streaming Resampler, a window every ``hop_frames`` from frame 0, and the
tail not covered by a full window zero-padded to one (``pad_last``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from audioclf import _core
from audioclf._checks import finite_arg

# Far past any recording, and within the C++ core's uint64 frame counts.
MAX_HOP_FRAMES = 2**40


def hop_frames(window: int, rate: int, hop: float | None, overlap: float | None) -> int:
    """Frames between window starts for ``hop`` or ``overlap`` seconds (0: one window)."""
    if hop is not None and overlap is not None:
        raise ValueError("hop and overlap: give at most one")
    if overlap is not None:
        overlap = finite_arg(overlap, "overlap")
        frames = window - round(overlap * rate)
        if overlap < 0 or frames <= 0:
            raise ValueError(
                f"overlap: must be >= 0 and shorter than the window ({window / rate:g} s), "
                f"got {overlap}"
            )
        return frames
    if hop is not None:
        hop = finite_arg(hop, "hop")
        frames = round(hop * rate)
        if frames <= 0 or frames > MAX_HOP_FRAMES:
            raise ValueError(
                f"hop: must be > 0 and at most {MAX_HOP_FRAMES // rate} seconds, got {hop}"
            )
        return frames
    return 0


def file_blocks(
    path: str, block_frames: int, strict: bool
) -> tuple[int, int, Iterable[np.ndarray]]:
    """A file's sample rate, channel count and float32 (frames, channels) blocks."""
    from audioclf.audio_classifier import _is_wav, _read_blocks

    if not _is_wav(path):
        rate, channels, _, blocks = _read_blocks(path, block_frames)
        return rate, channels, blocks
    reader = _core.WavReader(path, strict=bool(strict))
    info = reader.info
    block_frames = max(
        1, min(block_frames, _core.limits.MAX_READ_BLOCK_BYTES // (4 * info.channels))
    )

    def wav_blocks() -> Iterator[np.ndarray]:
        for start in range(0, info.frame_count, block_frames):
            yield reader.read(start, block_frames)

    return info.sample_rate, info.channels, wav_blocks()


@dataclass(frozen=True)
class Window:
    index: int  # from 0
    start_frame: int  # at the model's rate
    valid_frames: int  # frames of real audio; the rest is zero padding
    samples: np.ndarray  # float32 (window_frames, channels)


class _Converter:
    """Channel mapping and resampling exactly as the C++ AudioConverter does them."""

    def __init__(
        self,
        rate: int,
        channels: int,
        model: _core.AudioFormat,
        channel: int | None,
        resample: bool,
        resampler: str,
    ) -> None:
        self.channels, self.model_channels, self.channel = channels, model.channels, channel
        if channel is not None and not 0 <= channel < channels:
            raise ValueError(
                f"channel: {channel} is not a channel of the audio (it has {channels})"
            )
        if channels != model.channels and channel is None and 1 not in (channels, model.channels):
            raise ValueError(
                f"audio has {channels} channels and the model takes {model.channels}: "
                "give channel= to take one"
            )
        self.resampler = None
        if rate != model.sample_rate:
            if not resample:
                raise ValueError(
                    f"audio is at {rate} Hz and the model takes {model.sample_rate} Hz; "
                    "resampling is off"
                )
            self.resampler = _core.Resampler(
                rate, model.sample_rate, model.channels, profile=resampler
            )

    def _map(self, block: np.ndarray) -> np.ndarray:
        if not np.isfinite(block).all():
            bad = int(np.argwhere(~np.isfinite(block))[0][0])
            raise ValueError(f"audio sample {bad} of a block is NaN or infinite")
        if self.channels == self.model_channels:
            return block
        if self.channel is not None:
            mapped = block[:, self.channel : self.channel + 1]
        elif self.model_channels == 1:
            # float32 sums in channel order, then * (1/n): the C++ result bit for bit.
            total = block[:, 0].copy()
            for c in range(1, self.channels):
                total += block[:, c]
            mapped = (total * np.float32(1.0 / self.channels))[:, None]
        else:
            mapped = block[:, :1]
        return np.ascontiguousarray(np.repeat(mapped, self.model_channels, axis=1))

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, dtype=np.float32)
        if block.ndim != 2 or block.shape[1] != self.channels:
            block = block.reshape(len(block), self.channels)
        mapped = self._map(block)
        if self.resampler is None:
            return mapped
        out = self.resampler.process(mapped if self.model_channels > 1 else mapped[:, 0])
        return out.reshape(-1, self.model_channels)

    def flush(self) -> np.ndarray:
        if self.resampler is None:
            return np.zeros((0, self.model_channels), np.float32)
        return self.resampler.flush().reshape(-1, self.model_channels)


def windows(
    blocks: Iterable[np.ndarray],
    rate: int,
    channels: int,
    model: _core.AudioFormat,
    window_frames: int,
    hop: int,
    *,
    pad_last: bool = True,
    channel: int | None = None,
    resample: bool = True,
    resampler: str = "hq",
) -> Iterator[Window]:
    """The windows of audio arriving in ``blocks``, in time order."""
    converter = _Converter(rate, channels, model, channel, resample, resampler)
    hop = hop or window_frames
    pending = np.zeros((0, model.channels), np.float32)
    pending_start = next_start = index = 0

    def take(chunk: np.ndarray) -> Iterator[Window]:
        nonlocal pending, pending_start, next_start, index
        pending = np.concatenate([pending, chunk]) if len(pending) else chunk
        converted = pending_start + len(pending)
        while next_start + window_frames <= converted:
            at = next_start - pending_start
            yield Window(index, next_start, window_frames, pending[at : at + window_frames].copy())
            index += 1
            next_start += hop
        keep_from = min(next_start, converted)
        pending = pending[keep_from - pending_start :]
        pending_start = keep_from

    for block in blocks:
        yield from take(converter.process(block))
    yield from take(converter.flush())
    converted = pending_start + len(pending)
    covered = 0 if index == 0 else next_start - hop + window_frames
    if pad_last and converted > covered and next_start < converted:
        samples = np.zeros((window_frames, model.channels), np.float32)
        tail = pending[next_start - pending_start :]
        samples[: len(tail)] = tail
        yield Window(index, next_start, len(tail), samples)
