"""An audio file cut into a model's windows, block by block (bounded memory).

The same windows as ``AudioClassifier.classify_file`` (the C++
StreamClassifier): converted by the C++ AudioConverter it uses, a window
every ``hop_frames`` from frame 0, and the tail not covered by a full
window zero-padded to one (``pad_last``).
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
        rate, channels, _, blocks = _read_blocks(path, block_frames, strict)
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
    # The C++ converter: the same conversion as classify's StreamClassifier.
    converter = _core.AudioConverter(
        rate, channels, model, channel=channel, allow_resampling=resample, resampler=resampler
    )
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
