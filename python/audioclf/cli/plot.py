"""Score timelines as a PNG: each file's top classes over time (needs matplotlib)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from audioclf._core import WindowResult

MISSING = "--plot needs matplotlib: pip install 'audioclf[plot]'"


def require_matplotlib() -> None:
    """Raises RuntimeError early, before any audio is classified, if matplotlib is absent."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise RuntimeError(MISSING) from error


@dataclass
class _Series:
    name: str
    scores: list[float] = field(default_factory=list)

    @property
    def peak(self) -> float:
        return max((s for s in self.scores if not math.isnan(s)), default=-math.inf)


def top_series(windows: Sequence[WindowResult], classes: int) -> list[_Series]:
    """The ``classes`` classes with the highest max score, one score per window.

    A window where a class is absent from the results (below the threshold
    or outside the top K) has NaN there, which the plot leaves as a gap.
    """
    heads = {h.head_index for w in windows for h in w.result.classifications}
    series: dict[tuple[int, int], _Series] = {}
    for i, window in enumerate(windows):
        for head in window.result.classifications:
            for c in head.categories:
                key = (head.head_index, c.index)
                if key not in series:
                    name = c.display_name or c.category_name or f"#{c.index}"
                    if len(heads) > 1:
                        name = f"{head.head_name or head.head_index}: {name}"
                    series[key] = _Series(name, [math.nan] * len(windows))
                series[key].scores[i] = float(c.score)
    return sorted(series.values(), key=lambda s: s.peak, reverse=True)[:classes]


def plot_timelines(
    files: Sequence[tuple[str, Sequence[WindowResult]]],
    path: str | os.PathLike[str],
    *,
    classes: int = 5,
    max_files: int = 4,
    omitted: int = 0,
) -> None:
    """Writes one subplot per file (at most ``max_files``) to a PNG at ``path``.

    ``omitted`` counts further files left out (noted in the figure's title).
    """
    try:
        import matplotlib
    except ImportError as error:
        raise RuntimeError(MISSING) from error
    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    shown = files[:max_files]
    omitted += len(files) - len(shown)
    figure, axes = plt.subplots(
        len(shown), 1, figsize=(11, 3.2 * len(shown) + 0.6), squeeze=False, dpi=110
    )
    for axis, (name, windows) in zip(axes[:, 0], shown):
        starts = [w.start_seconds for w in windows]
        for series in top_series(windows, classes):
            axis.plot(starts, series.scores, marker="o", markersize=3, label=series.name)
        axis.set_title(os.path.basename(name), fontsize=10, loc="left")
        axis.set_ylabel("score")
        axis.set_ylim(bottom=0)
        axis.grid(True, alpha=0.3)
        if axis.lines:
            axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[-1, 0].set_xlabel("window start (s)")
    if omitted:
        figure.suptitle(f"{omitted} more file(s) not shown", fontsize=9)
    figure.tight_layout()
    figure.savefig(os.fspath(path), format="png")
    plt.close(figure)
