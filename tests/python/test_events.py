"""events.find_events: merging windows where a class stays above a threshold."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from audioclf import Category, ClassificationResult, Classifications
from audioclf.cli.events import find_events


def window(
    index: int, start: float, length: float, heads: dict[int, dict[str, float]]
) -> SimpleNamespace:
    """A stand-in for WindowResult: head index -> {label: score} (label 'cN' has index N)."""
    classifications = [
        Classifications(
            categories=[
                Category(index=int(label[1:]), score=score, category_name=label)
                for label, score in sorted(scores.items(), key=lambda kv: -kv[1])
            ],
            head_index=head,
            head_name=f"head{head}",
        )
        for head, scores in heads.items()
    ]
    return SimpleNamespace(
        index=index,
        start_seconds=start,
        end_seconds=start + length,
        result=ClassificationResult(classifications=classifications),
    )


def series(scores: list[dict[str, float]], hop: float = 1.0, length: float = 1.0) -> list:
    return [window(i, i * hop, length, {0: s}) for i, s in enumerate(scores)]


def spans(events: list) -> list[tuple[str, float, float, int]]:
    return [(e.label, e.start, e.end, e.windows) for e in events]


def test_consecutive_windows_merge_and_a_low_window_breaks_the_event() -> None:
    windows = series([{"c1": 0.9}, {"c1": 0.7}, {"c1": 0.6}, {"c1": 0.2}, {"c1": 0.8}, {"c1": 0.5}])
    events = find_events(windows, 0.5, file="a.wav")
    assert spans(events) == [("c1", 0.0, 3.0, 3), ("c1", 4.0, 6.0, 2)]
    first = events[0]
    assert first.max_score == pytest.approx(0.9)
    assert first.mean_score == pytest.approx((0.9 + 0.7 + 0.6) / 3)
    assert (first.file, first.head_index, first.head_name, first.index) == ("a.wav", 0, "head0", 1)
    assert events[1].mean_score == pytest.approx(0.65)  # a score equal to the threshold counts


def test_overlapping_windows_end_at_the_last_windows_end() -> None:
    # hop 0.5 s, window 2 s: windows 0..3 above the threshold.
    windows = series([{"c0": 0.9}] * 4 + [{"c0": 0.1}], hop=0.5, length=2.0)
    assert spans(find_events(windows, 0.5)) == [("c0", 0.0, 3.5, 4)]


def test_a_class_missing_from_a_window_breaks_its_event() -> None:
    # Window 1 has only c2 (c1 was cut by top-k): c1 becomes two events, c2 one.
    windows = series([{"c1": 0.9, "c2": 0.6}, {"c2": 0.7}, {"c1": 0.9, "c2": 0.8}])
    assert spans(find_events(windows, 0.5)) == [
        ("c1", 0.0, 1.0, 1),
        ("c2", 0.0, 3.0, 3),
        ("c1", 2.0, 3.0, 1),
    ]


def test_gaps_in_time_or_index_break_events() -> None:
    # hop 2 s, window 1 s: a second of audio between windows is never classified.
    spaced = series([{"c0": 0.9}] * 3, hop=2.0, length=1.0)
    assert spans(find_events(spaced, 0.5)) == [("c0", t, t + 1.0, 1) for t in (0.0, 2.0, 4.0)]
    # A skipped window index (a window dropped upstream) also breaks the event.
    skipped = [window(0, 0.0, 1.0, {0: {"c0": 0.9}}), window(2, 1.0, 1.0, {0: {"c0": 0.9}})]
    assert spans(find_events(skipped, 0.5)) == [("c0", 0.0, 1.0, 1), ("c0", 1.0, 2.0, 1)]


def test_heads_are_separate_and_events_are_ordered_by_start_then_head() -> None:
    windows = [
        window(0, 0.0, 1.0, {0: {"c3": 0.9}, 1: {"c3": 0.2}}),
        window(1, 1.0, 1.0, {0: {"c3": 0.9}, 1: {"c3": 0.9}}),
        window(2, 2.0, 1.0, {0: {"c3": 0.1}, 1: {"c3": 0.9}}),
    ]
    events = find_events(windows, 0.5)
    assert [(e.head_index, e.start, e.end) for e in events] == [(0, 0.0, 2.0), (1, 1.0, 3.0)]


def test_no_windows_or_nothing_above_the_threshold_gives_no_events() -> None:
    assert find_events([], 0.5) == []
    assert find_events(series([{"c0": 0.4}, {"c0": 0.49}]), 0.5) == []


def test_to_dict_names_every_field() -> None:
    (event,) = find_events(series([{"c7": 0.75}]), 0.5, file="f.wav")
    assert event.to_dict() == {
        "file": "f.wav",
        "head_index": 0,
        "head_name": "head0",
        "index": 7,
        "label": "c7",
        "display_name": "",
        "start": 0.0,
        "end": 1.0,
        "max_score": 0.75,
        "mean_score": 0.75,
        "windows": 1,
    }
