"""Events: runs of consecutive windows in which a class scores at or above a threshold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

# Window times come from frame counts divided by a rate: allow for rounding
# when deciding whether one window starts where the event so far ends.
_TIME_EPSILON = 1e-6


class _Category(Protocol):
    index: int
    score: float
    category_name: str
    display_name: str


class _Head(Protocol):
    head_index: int
    head_name: str
    categories: Sequence[_Category]


class _Result(Protocol):
    classifications: Sequence[_Head]


class _Window(Protocol):
    """What events need of a WindowResult (so tests can pass plain objects)."""

    index: int
    start_seconds: float
    end_seconds: float
    result: _Result


@dataclass
class Event:
    """One class above the threshold over consecutive windows of a file."""

    file: str
    head_index: int
    head_name: str
    index: int
    label: str
    display_name: str
    start: float
    end: float
    max_score: float
    mean_score: float
    windows: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Open:
    """An event still growing while windows are scanned."""

    first: Event
    last_window: int
    scores: list[float] = field(default_factory=list)


def find_events(windows: Iterable[_Window], threshold: float, file: str = "") -> list[Event]:
    """Merges windows where a class scores >= ``threshold`` into events.

    A class's event goes on while each next window (by index) scores it at
    or above the threshold and starts no later than the event's end; a
    window below the threshold, without the class (dropped by top-k), a
    skipped index, or a gap in time closes it. With overlapping windows
    (hop < window) an event ends at its last window's end. Events are
    ordered by start, then head, then class index.
    """
    open_events: dict[tuple[int, int], _Open] = {}
    done: list[Event] = []
    for window in windows:
        seen: set[tuple[int, int]] = set()
        for head in window.result.classifications:
            for category in head.categories:
                if category.score < threshold:
                    continue
                key = (head.head_index, category.index)
                seen.add(key)
                current = open_events.get(key)
                if current is not None and not _continues(current, window):
                    done.append(_close(current))
                    current = None
                if current is None:
                    current = _Open(_start(file, head, category, window), window.index)
                    open_events[key] = current
                current.first.end = window.end_seconds
                current.last_window = window.index
                current.scores.append(float(category.score))
        for key in [k for k in open_events if k not in seen]:
            done.append(_close(open_events.pop(key)))
    done.extend(_close(current) for current in open_events.values())
    return sorted(done, key=lambda e: (e.start, e.head_index, e.index))


def _continues(current: _Open, window: _Window) -> bool:
    return (
        window.index == current.last_window + 1
        and window.start_seconds <= current.first.end + _TIME_EPSILON
    )


def _start(file: str, head: _Head, category: _Category, window: _Window) -> Event:
    return Event(
        file=file,
        head_index=head.head_index,
        head_name=head.head_name,
        index=category.index,
        label=category.category_name,
        display_name=category.display_name,
        start=window.start_seconds,
        end=window.end_seconds,
        max_score=0.0,
        mean_score=0.0,
        windows=0,
    )


def _close(current: _Open) -> Event:
    event = current.first
    event.windows = len(current.scores)
    event.max_score = max(current.scores)
    event.mean_score = sum(current.scores) / len(current.scores)
    return event
