"""--plot: each file's spectrogram over a heat map of its top classes (needs matplotlib).

Both panels share the time axis. Long recordings are aggregated into at most
``MAX_COLUMNS`` columns (the loudest spectrum and the highest score of the
windows in each column), so an hour of audio reads like a minute.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from audioclf._core import WindowResult

MISSING = "--plot needs matplotlib: pip install 'audioclf[plot]'"
MAX_COLUMNS = 1200  # about the figure's width in pixels
_FFT = 1024
_FFTS_PER_COLUMN = 4  # spectra averaged per column, spread over its span
_TICK_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200)  # seconds


def require_matplotlib() -> None:
    """Raises RuntimeError early, before any audio is classified, if matplotlib is absent."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise RuntimeError(MISSING) from error


@dataclass
class ClassRows:
    """Top classes as rows of scores, one column per (aggregated) span of windows."""

    names: list[str]
    scores: np.ndarray  # [classes, columns]; 0 where a class was not in a window's results
    edges: np.ndarray  # [columns + 1] seconds


def top_classes(windows: Sequence[WindowResult], classes: int) -> ClassRows:
    """The ``classes`` classes with the highest peak score, best first.

    A class missing from a window's results (below the threshold or outside
    the top K kept) scores 0 there.
    """
    heads = {h.head_index for w in windows for h in w.result.classifications}
    names: dict[tuple[int, int], str] = {}
    peaks: dict[tuple[int, int], float] = {}
    for window in windows:
        for head in window.result.classifications:
            for c in head.categories:
                key = (head.head_index, c.index)
                if key not in names:
                    name = c.display_name or c.category_name or f"#{c.index}"
                    if len(heads) > 1:
                        name = f"{head.head_name or head.head_index}: {name}"
                    names[key] = name
                peaks[key] = max(peaks.get(key, 0.0), float(c.score))
    chosen = sorted(peaks, key=lambda k: peaks[k], reverse=True)[:classes]
    row = {key: i for i, key in enumerate(chosen)}
    scores = np.zeros((len(chosen), len(windows)), dtype=np.float32)
    for j, window in enumerate(windows):
        for head in window.result.classifications:
            for c in head.categories:
                i = row.get((head.head_index, c.index))
                if i is not None:
                    scores[i, j] = float(c.score)
    starts = np.array([w.start_seconds for w in windows], dtype=np.float64)
    ends = np.array([w.end_seconds for w in windows], dtype=np.float64)
    # Each window owns the time up to the next one's start (overlapping windows).
    edges = np.append(starts, ends[-1] if len(ends) else 0.0)
    if len(windows) > MAX_COLUMNS:
        groups = np.array_split(np.arange(len(windows)), MAX_COLUMNS)
        scores = np.stack([scores[:, g].max(axis=1) for g in groups], axis=1)
        edges = np.append([starts[g[0]] for g in groups], edges[-1])
    return ClassRows([names[k] for k in chosen], scores, edges)


def spectrogram(path: str, columns: int) -> tuple[np.ndarray, int, float] | None:
    """Power in dB [frequencies, columns] of a file, its rate and duration; None if unreadable.

    Reads only ``_FFTS_PER_COLUMN`` short frames per column, so the cost does
    not grow with the recording's length.
    """
    try:
        read, rate, total = _reader(path)
    except Exception:  # the plot then shows the classes only
        return None
    if total <= 0 or rate <= 0:
        return None
    columns = max(1, min(columns, total // _FFT))
    window = np.hanning(_FFT).astype(np.float32)
    power = np.zeros((_FFT // 2 + 1, columns), dtype=np.float64)
    span = total / columns
    for j in range(columns):
        for k in range(_FFTS_PER_COLUMN):
            start = int(j * span + (k + 0.5) * span / _FFTS_PER_COLUMN - _FFT / 2)
            start = min(max(0, start), max(0, total - _FFT))
            frame = read(start, _FFT)
            if len(frame) < _FFT:
                frame = np.pad(frame, (0, _FFT - len(frame)))
            power[:, j] += np.abs(np.fft.rfft(frame * window)) ** 2
    db = 10 * np.log10(power / _FFTS_PER_COLUMN + 1e-12)
    return db, rate, total / rate


def _reader(path: str):  # -> (read(start, count) -> mono float32, rate, frames)
    with open(path, "rb") as f:
        head = f.read(12)
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        from audioclf._core import WavReader

        wav = WavReader(path)
        info = wav.info
        return (lambda s, n: wav.read(s, n).mean(axis=1)), info.sample_rate, info.frame_count
    import soundfile

    sound = soundfile.SoundFile(path)

    def read(start: int, count: int) -> np.ndarray:
        sound.seek(start)
        return sound.read(count, dtype="float32", always_2d=True).mean(axis=1)

    return read, int(sound.samplerate), int(sound.frames)


def _time_formatter(duration: float):
    from matplotlib.ticker import FuncFormatter

    if duration < 120:
        return FuncFormatter(lambda x, _: f"{x:g}")
    if duration < 3600:
        return FuncFormatter(lambda x, _: f"{int(x) // 60}:{int(x) % 60:02d}")
    return FuncFormatter(lambda x, _: f"{int(x) // 3600}:{int(x) // 60 % 60:02d}:{int(x) % 60:02d}")


def plot_timelines(
    files: Sequence[tuple[str, Sequence[WindowResult]]],
    path: str | os.PathLike[str],
    *,
    classes: int = 5,
    max_files: int = 4,
    omitted: int = 0,
    image_format: str = "png",
) -> None:
    """Writes, per file (at most ``max_files``), a spectrogram over a heat map of its
    top ``classes`` classes, as ``image_format`` (png, svg, pdf or jpg) to ``path``.

    ``omitted`` counts further files left out (noted in the figure's title).
    """
    try:
        import matplotlib
    except ImportError as error:
        raise RuntimeError(MISSING) from error
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MultipleLocator

    shown = files[:max_files]
    omitted += len(files) - len(shown)
    ratios = [r for _ in shown for r in (2.0, max(1.2, 0.32 * classes))]
    figure, axes = plt.subplots(
        2 * len(shown),
        1,
        figsize=(12, 2.2 * len(shown) * (1 + max(0.6, 0.16 * classes)) + 0.6),
        squeeze=False,
        gridspec_kw={"height_ratios": ratios, "hspace": 0.08},
        dpi=100,
    )
    heat = None
    for n, (name, windows) in enumerate(shown):
        top, bottom = axes[2 * n, 0], axes[2 * n + 1, 0]
        rows = top_classes(windows, classes)
        end = float(rows.edges[-1]) if len(rows.edges) else 0.0
        spec = spectrogram(name, MAX_COLUMNS)
        if spec is not None:
            db, rate, duration = spec
            end = max(end, duration)
            floor = np.percentile(db, 5)
            top.imshow(
                db,
                origin="lower",
                aspect="auto",
                cmap="magma",
                extent=(0, duration, 0, rate / 2000),
                vmin=floor,
                vmax=max(floor + 1, db.max()),
                interpolation="nearest",
            )
            top.set_ylabel("kHz")
        else:
            top.text(0.5, 0.5, "spectrogram unavailable", ha="center", transform=top.transAxes)
            top.set_yticks([])
        top.set_title(os.path.basename(name), fontsize=10, loc="left")
        if rows.names:
            heat = bottom.pcolormesh(
                rows.edges,
                np.arange(len(rows.names) + 1),
                rows.scores,
                cmap="viridis",
                vmin=0,
                vmax=1,
                shading="flat",
            )
            bottom.set_yticks(np.arange(len(rows.names)) + 0.5, labels=rows.names, fontsize=8)
            bottom.invert_yaxis()  # the best class on top
        else:
            bottom.text(0.5, 0.5, "no classes to show", ha="center", transform=bottom.transAxes)
            bottom.set_yticks([])
        for axis in (top, bottom):
            axis.set_xlim(0, end)
            axis.xaxis.set_major_formatter(_time_formatter(end))
            if end >= 120:  # ticks on whole minutes, at most about 12
                step = next((s for s in _TICK_STEPS if end / s <= 12), _TICK_STEPS[-1])
                axis.xaxis.set_major_locator(MultipleLocator(step))
        top.tick_params(labelbottom=False)
        bottom.set_xlabel("time (s)" if end < 120 else "time (m:ss)" if end < 3600 else "time")
    if heat is not None:
        bar = figure.colorbar(heat, ax=axes[:, 0].tolist(), fraction=0.025, pad=0.01)
        bar.set_label("score")
    if omitted:
        figure.suptitle(f"{omitted} more file(s) not shown", fontsize=9)
    figure.savefig(os.fspath(path), format=image_format, bbox_inches="tight")
    plt.close(figure)
