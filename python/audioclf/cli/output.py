"""Result formatting for the command line (table, CSV, JSON Lines, JSON) and a progress bar."""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from audioclf._core import Category, Classifications, WindowResult
from audioclf.cli.events import Event

FORMATS = ("table", "csv", "jsonl", "json")

WINDOW_COLUMNS = (
    "file",
    "start",
    "end",
    "head_index",
    "head_name",
    "rank",
    "index",
    "label",
    "display_name",
    "score",
)
EVENT_COLUMNS = (
    "file",
    "head_index",
    "head_name",
    "index",
    "label",
    "display_name",
    "start",
    "end",
    "max_score",
    "mean_score",
    "windows",
)


def _seconds(value: float) -> float:
    return round(float(value), 3)


def _score(value: float) -> float:
    return round(float(value), 6)


def _categories(head: Classifications, top_k: int) -> Sequence[Category]:
    # The core returns categories by descending score; the CLI may ask it
    # for more than it shows (for plots), so cut to the top K here.
    return head.categories[:top_k] if top_k > 0 else head.categories


def window_dict(path: str, window: WindowResult, top_k: int = -1) -> dict[str, Any]:
    """One window as JSON: file, start, end and each head's categories."""
    return {
        "file": path,
        "start": _seconds(window.start_seconds),
        "end": _seconds(window.end_seconds),
        "heads": [
            {
                "head_index": head.head_index,
                "head_name": head.head_name,
                "categories": [
                    {
                        "index": c.index,
                        "label": c.category_name,
                        "display_name": c.display_name,
                        "score": _score(c.score),
                    }
                    for c in _categories(head, top_k)
                ],
            }
            for head in window.result.classifications
        ],
    }


def event_dict(event: Event) -> dict[str, Any]:
    data = event.to_dict()
    data.update(
        start=_seconds(event.start),
        end=_seconds(event.end),
        max_score=_score(event.max_score),
        mean_score=_score(event.mean_score),
    )
    return data


class Writer:
    """Writes each file's windows (or events) as it is classified; ``close`` ends the output."""

    def __init__(self, stream: TextIO, top_k: int = -1, events: bool = False) -> None:
        self.stream = stream
        self.top_k = top_k
        self.show_events = events  # events instead of windows

    def windows(self, path: str, windows: Sequence[WindowResult]) -> None:
        raise NotImplementedError

    def events(self, path: str, events: Sequence[Event]) -> None:
        raise NotImplementedError

    def error(self, path: str, message: str) -> None:
        """A file that failed; only the JSON document records it (stderr has it too)."""

    def close(self) -> None:
        self.stream.flush()


class CsvWriter(Writer):
    """A header line, then one row per (file, window, head, category) or per event."""

    def __init__(self, stream: TextIO, top_k: int = -1, events: bool = False) -> None:
        super().__init__(stream, top_k, events)
        self._csv = csv.writer(stream, lineterminator="\n")
        self._header_written = False

    def _header(self, columns: Sequence[str]) -> None:
        if not self._header_written:
            self._csv.writerow(columns)
            self._header_written = True

    def windows(self, path: str, windows: Sequence[WindowResult]) -> None:
        self._header(WINDOW_COLUMNS)
        for window in windows:
            start, end = f"{window.start_seconds:.3f}", f"{window.end_seconds:.3f}"
            for head in window.result.classifications:
                for rank, c in enumerate(_categories(head, self.top_k), start=1):
                    self._csv.writerow(
                        [path, start, end, head.head_index, head.head_name, rank, c.index]
                        + [c.category_name, c.display_name, f"{c.score:.6f}"]
                    )
        self.stream.flush()

    def events(self, path: str, events: Sequence[Event]) -> None:
        self._header(EVENT_COLUMNS)
        for e in events:
            self._csv.writerow(
                [e.file, e.head_index, e.head_name, e.index, e.label, e.display_name]
                + [f"{e.start:.3f}", f"{e.end:.3f}", f"{e.max_score:.6f}"]
                + [f"{e.mean_score:.6f}", e.windows]
            )
        self.stream.flush()

    def close(self) -> None:
        # An empty batch still gets its header.
        self._header(EVENT_COLUMNS if self.show_events else WINDOW_COLUMNS)
        super().close()


class JsonLinesWriter(Writer):
    """One JSON object per window (or per event) and line."""

    def windows(self, path: str, windows: Sequence[WindowResult]) -> None:
        for window in windows:
            self._line(window_dict(path, window, self.top_k))
        self.stream.flush()

    def events(self, path: str, events: Sequence[Event]) -> None:
        for event in events:
            self._line(event_dict(event))
        self.stream.flush()

    def _line(self, data: dict[str, Any]) -> None:
        self.stream.write(json.dumps(data, ensure_ascii=False) + "\n")


class JsonWriter(Writer):
    """One document at the end: {"files": [...], "events": [...], "errors": [...]}."""

    def __init__(self, stream: TextIO, top_k: int = -1, events: bool = False) -> None:
        super().__init__(stream, top_k, events)
        self._files: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._errors: list[dict[str, str]] = []

    def windows(self, path: str, windows: Sequence[WindowResult]) -> None:
        rows = [window_dict(path, w, self.top_k) for w in windows]
        for row in rows:
            del row["file"]  # the file entry names it once
        self._files.append({"file": path, "windows": rows})

    def events(self, path: str, events: Sequence[Event]) -> None:
        self._files.append({"file": path})
        self._events.extend(event_dict(e) for e in events)

    def error(self, path: str, message: str) -> None:
        self._errors.append({"file": path, "error": message})

    def close(self) -> None:
        document: dict[str, Any] = {"files": self._files}
        if self.show_events:
            document["events"] = self._events
        document["errors"] = self._errors
        json.dump(document, self.stream, ensure_ascii=False, indent=2)
        self.stream.write("\n")
        super().close()


class TableWriter(Writer):
    """Aligned columns for people: a heading per file, then its windows or events.

    The head column is left out for one-head models, the display-name column
    when it only repeats the labels.
    """

    _RIGHT = {"start", "end", "rank", "score", "max", "mean", "windows"}

    def windows(self, path: str, windows: Sequence[WindowResult]) -> None:
        rows: list[list[str]] = []
        for window in windows:
            times = [f"{window.start_seconds:.3f}", f"{window.end_seconds:.3f}"]
            first_row = len(rows)
            for head in window.result.classifications:
                name = head.head_name or f"#{head.head_index}"
                for rank, c in enumerate(_categories(head, self.top_k), start=1):
                    shown_times = times if len(rows) == first_row else ["", ""]
                    head_cell = name if rank == 1 else ""
                    label = c.category_name or f"#{c.index}"
                    score = f"{c.score:.4f}"
                    rows.append([*shown_times, head_cell, str(rank), label, c.display_name, score])
            if len(rows) == first_row:
                rows.append([*times, "", "", "-", "", ""])
        header = ["start", "end", "head", "rank", "label", "display name", "score"]
        self._table(path, _count(len(windows), "window"), header, rows)

    def events(self, path: str, events: Sequence[Event]) -> None:
        rows = [
            [f"{e.start:.3f}", f"{e.end:.3f}", e.head_name or f"#{e.head_index}"]
            + [e.label or f"#{e.index}", e.display_name]
            + [f"{e.max_score:.4f}", f"{e.mean_score:.4f}", str(e.windows)]
            for e in events
        ]
        header = ["start", "end", "head", "label", "display name", "max", "mean", "windows"]
        self._table(path, _count(len(events), "event"), header, rows)

    def _table(self, path: str, count: str, header: list[str], rows: list[list[str]]) -> None:
        head, label, display = (header.index(n) for n in ("head", "label", "display name"))
        drop = set()
        if len({row[head] for row in rows if row[head]}) <= 1:
            drop.add(head)
        if all(row[display] in ("", row[label]) for row in rows):
            drop.add(display)
        keep = [i for i in range(len(header)) if i not in drop]
        header = [header[i] for i in keep]
        rows = [[row[i] for i in keep] for row in rows]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells: list[str]) -> str:
            padded = [
                cell.rjust(w) if name in self._RIGHT else cell.ljust(w)
                for cell, w, name in zip(cells, widths, header)
            ]
            return "  " + "  ".join(padded).rstrip() + "\n"

        self.stream.write(f"{path} ({count})\n")
        if rows:
            self.stream.write(line(header))
            self.stream.writelines(line(row) for row in rows)
        self.stream.write("\n")
        self.stream.flush()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def make_writer(name: str, stream: TextIO, top_k: int = -1, events: bool = False) -> Writer:
    """A writer for one of FORMATS."""
    writers: dict[str, type[Writer]] = {
        "table": TableWriter,
        "csv": CsvWriter,
        "jsonl": JsonLinesWriter,
        "json": JsonWriter,
    }
    return writers[name](stream, top_k, events)


class ProgressBar:
    """A one-line text bar on stderr, redrawn with \\r (callers decide whether to show it)."""

    def __init__(
        self,
        total: float,
        label: str,
        unit: Callable[[float], str] = lambda value: f"{value:g}",
        stream: TextIO | None = None,
        width: int = 30,
    ) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._last_length = 0
        self._done = 0.0
        self._note = ""

    def update(self, done: float, note: str = "", force: bool = False) -> None:
        self._done, self._note = done, note
        now = time.monotonic()
        if force or now - self._last_draw >= 0.1 or (self.total and done >= self.total):
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        fraction = min(self._done / self.total, 1.0) if self.total > 0 else 0.0
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        amount = f"{self.unit(self._done)}/{self.unit(self.total)}" if self.total else ""
        text = f"{self.label} [{bar}] {fraction:4.0%} {amount} {self._note}".rstrip()
        pad = " " * max(self._last_length - len(text), 0)
        self.stream.write("\r" + text + pad)
        self.stream.flush()
        self._last_length = len(text)

    def clear(self) -> None:
        """Erases the line, e.g. before a message; the next update redraws it."""
        self.stream.write("\r" + " " * self._last_length + "\r")
        self.stream.flush()
        self._last_length = 0

    def close(self) -> None:
        self._draw()
        self.stream.write("\n")
        self.stream.flush()
