"""Ecologists' detection formats: Raven selection tables, Audacity labels, Kaleidoscope, Parquet.

Each file's detections are rendered on their own (``render``), so that a
corpus run writes one output per audio file and can resume; ``combine``
joins rendered files into one (a combined run, or ``audioclf merge``).
A detection is one category of one window that the run kept (top K, at or
above the threshold).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from audioclf._core import WindowResult

DETECTION_FORMATS = ("raven", "audacity", "kaleidoscope", "parquet")
# BirdNET's default minimum confidence (BirdNET-Analyzer's --min_conf).
DEFAULT_MIN_CONFIDENCE = 0.25

RAVEN_COLUMNS = (
    "Selection",
    "View",
    "Channel",
    "Begin Time (s)",
    "End Time (s)",
    "Low Freq (Hz)",
    "High Freq (Hz)",
    "Common Name",
    "Species Code",
    "Confidence",
    "Begin Path",
    "File Offset (s)",
)
KALEIDOSCOPE_COLUMNS = (
    "INDIR",
    "FOLDER",
    "IN FILE",
    "OFFSET",
    "DURATION",
    "scientific_name",
    "common_name",
    "confidence",
    "lat",
    "lon",
    "week",
    "overlap",
    "sensitivity",
)
PARQUET_COLUMNS = (
    "file",
    "start",
    "end",
    "head_index",
    "head_name",
    "index",
    "label",
    "display_name",
    "score",
)
SUFFIXES = {
    "raven": ".selections.txt",
    "audacity": ".labels.txt",
    "kaleidoscope": ".kaleidoscope.csv",
    "parquet": ".parquet",
    "table": ".txt",
    "csv": ".csv",
    "jsonl": ".jsonl",
    "json": ".json",
}


@dataclass(frozen=True)
class Detection:
    file: str
    start: float
    end: float
    head_index: int
    head_name: str
    index: int
    label: str
    display_name: str
    score: float

    @property
    def scientific_name(self) -> str:
        """BirdNET's "Scientific_Common" label before the "_" (when split); else the label."""
        scientific, common = split_label(self.label)
        return scientific if common and common == self.display_name else self.label

    @property
    def common_name(self) -> str:
        return self.display_name or self.label


@dataclass(frozen=True)
class RenderContext:
    """What the formats record besides detections: the model and the run's options."""

    model: str = ""
    model_sha256: str = ""
    sample_rate: int = 0  # the model's: Raven's High Freq is its Nyquist frequency
    options: dict[str, Any] = field(default_factory=dict)
    lat: float = -1.0
    lon: float = -1.0
    week: int = -1
    overlap: float = 0.0
    sensitivity: float = 1.0


def split_label(label: str) -> tuple[str, str]:
    """BirdNET's "Scientific name_Common name" as (scientific, common); else (label, "")."""
    scientific, sep, common = label.partition("_")
    if sep and scientific.strip() and common.strip():
        return scientific, common
    return label, ""


def detections(
    path: str,
    windows: Sequence[WindowResult],
    top_k: int = -1,
    split_names: bool = False,
    frame_offset: int = 0,
    rate: int = 0,
) -> list[Detection]:
    """The categories of every window, best first per window and head (top K of each).

    With ``split_names`` an empty display name becomes the common part of a
    BirdNET "Scientific_Common" label. Windows of a segment starting at
    ``frame_offset`` (at the model's ``rate``) get the whole file's times.
    """
    found = []
    for window in windows:
        start, end = window.start_seconds, window.end_seconds
        if frame_offset:
            valid = round((end - start) * rate)
            start = (window.start_frame + frame_offset) / rate
            end = (window.start_frame + frame_offset + valid) / rate
        for head in window.result.classifications:
            categories = head.categories[:top_k] if top_k > 0 else head.categories
            for c in categories:
                display = c.display_name
                if split_names and not display:
                    display = split_label(c.category_name)[1]
                found.append(
                    Detection(
                        path,
                        round(float(start), 3),
                        round(float(end), 3),
                        head.head_index,
                        head.head_name,
                        c.index,
                        c.category_name,
                        display,
                        float(c.score),
                    )
                )
    return found


def _time(seconds: float) -> str:
    return f"{seconds:.3f}"


def render(name: str, path: str, found: Sequence[Detection], context: RenderContext) -> bytes:
    """One audio file's detections in format ``name`` (one of DETECTION_FORMATS)."""
    if name == "raven":
        return _raven(path, found, context)
    if name == "audacity":
        return "".join(
            f"{_time(d.start)}\t{_time(d.end)}\t{_audacity_label(d)}\t{d.score:.4f}\n"
            for d in found
        ).encode("utf-8")
    if name == "kaleidoscope":
        return _kaleidoscope(path, found, context)
    if name == "parquet":
        return _parquet(found, context)
    raise ValueError(f"format: expected one of {', '.join(DETECTION_FORMATS)}, got {name!r}")


def _audacity_label(d: Detection) -> str:
    # BirdNET writes "Scientific, Common"; other models' labels stand alone.
    split = d.scientific_name != d.label
    return f"{d.scientific_name}, {d.common_name}" if split else d.label


def _raven(path: str, found: Sequence[Detection], context: RenderContext) -> bytes:
    high = context.sample_rate // 2 if context.sample_rate else 0
    lines = ["\t".join(RAVEN_COLUMNS)]
    for number, d in enumerate(found, start=1):
        cells = [str(number), "Spectrogram 1", "1", _time(d.start), _time(d.end), "0", str(high)]
        cells += [d.common_name, d.label, f"{d.score:.4f}", path, _time(d.start)]
        lines.append("\t".join(_tsv_cell(cell) for cell in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_cell(text: str) -> str:
    # A tab or newline in a path or label would shift the columns.
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _kaleidoscope(path: str, found: Sequence[Detection], context: RenderContext) -> bytes:
    folder, file_name = os.path.split(path)
    indir, folder_name = os.path.split(folder)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(KALEIDOSCOPE_COLUMNS)
    for d in found:
        writer.writerow(
            [indir, folder_name, file_name, _time(d.start), _time(d.end - d.start)]
            + [d.scientific_name, d.common_name, f"{d.score:.4f}"]
            + [f"{context.lat:g}", f"{context.lon:g}", context.week]
            + [f"{context.overlap:g}", f"{context.sensitivity:g}"]
        )
    return out.getvalue().encode("utf-8")


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "--format parquet needs pyarrow: pip install 'audioclf[parquet]'"
        ) from None
    return pyarrow


def parquet_metadata(context: RenderContext) -> dict[bytes, bytes]:
    """File-level key/value metadata: the model, its SHA-256 and the options (JSON)."""
    return {
        b"audioclf.model": context.model.encode("utf-8"),
        b"audioclf.model_sha256": context.model_sha256.encode("ascii"),
        b"audioclf.options": json.dumps(context.options, sort_keys=True).encode("utf-8"),
    }


def _parquet_schema(pa: Any, metadata: dict[bytes, bytes] | None) -> Any:
    return pa.schema(
        [
            ("file", pa.string()),
            ("start", pa.float64()),
            ("end", pa.float64()),
            ("head_index", pa.int32()),
            ("head_name", pa.string()),
            ("index", pa.int32()),
            ("label", pa.string()),
            ("display_name", pa.string()),
            ("score", pa.float32()),
        ],
        metadata=metadata,
    )


def _parquet(found: Sequence[Detection], context: RenderContext) -> bytes:
    pa = _pyarrow()
    schema = _parquet_schema(pa, parquet_metadata(context))
    columns = {name: [getattr(d, name) for d in found] for name in PARQUET_COLUMNS}
    return _parquet_bytes(pa, pa.table(columns, schema=schema))


def _parquet_bytes(pa: Any, table: Any) -> bytes:
    sink = pa.BufferOutputStream()
    pa.parquet.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())


@dataclass(frozen=True)
class Part:
    """One rendered file to combine: its bytes, where they came from, the audio's duration."""

    data: bytes
    source: str
    duration: float = 0.0


def combine(name: str, parts: Iterable[Part]) -> bytes:
    """Rendered files joined into one, in memory (see :func:`combine_into`)."""
    out = io.BytesIO()
    combine_into(name, parts, out)
    return out.getvalue()


def combine_into(name: str, parts: Iterable[Part], out: BinaryIO) -> None:
    """Rendered files of one format joined into ``out``, one part at a time.

    Raven: one header, selections renumbered 1..N, Begin/End Time shifted by
    the durations of the files before (Raven's view of a file list); File
    Offset stays the time within the file. Kaleidoscope and csv: one header;
    jsonl and table: one after the other.
    Parquet: one table, every part from the same model and options. Audacity
    label tracks belong to one audio file each. ``parts`` may be a generator:
    a corpus's outputs need not fit in memory together.
    """
    if name == "raven":
        _combine_raven(parts, out)
    elif name in ("kaleidoscope", "csv"):
        _combine_with_header(parts, out)
    elif name == "parquet":
        _combine_parquet(parts, out)
    elif name == "audacity":
        for number, part in enumerate(parts):
            if number:
                raise ValueError(
                    "audacity: a label track belongs to one audio file; write one per file "
                    "with --output-dir"
                )
            out.write(part.data)
    elif name in ("jsonl", "table"):
        for part in parts:
            out.write(
                part.data if part.data.endswith(b"\n") or not part.data else part.data + b"\n"
            )
    else:
        raise ValueError(f"format {name!r}: cannot combine files of this format")


def _combine_with_header(parts: Iterable[Part], out: BinaryIO) -> None:
    header: bytes | None = None
    for part in parts:
        first, _, rest = part.data.partition(b"\n")
        if header is None:
            header = first
            out.write(first + b"\n")
        elif first != header:
            raise ValueError(f"{part.source}: its header differs from the first file's")
        out.write(rest)


def read_raven(data: bytes, source: str = "<raven>") -> list[dict[str, str]]:
    """A selection table's rows as dicts by column name; checks the header."""
    lines = data.decode("utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != RAVEN_COLUMNS:
        raise ValueError(f"{source}: not an audioclf Raven selection table (header differs)")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != len(RAVEN_COLUMNS):
            raise ValueError(
                f"{source}: line {number}: {len(cells)} columns, expected {len(RAVEN_COLUMNS)}"
            )
        rows.append(dict(zip(RAVEN_COLUMNS, cells)))
    return rows


def _combine_raven(parts: Iterable[Part], out: BinaryIO) -> None:
    out.write(("\t".join(RAVEN_COLUMNS) + "\n").encode("utf-8"))
    selection, offset = 0, 0.0
    for part in parts:
        lines = []
        for row in read_raven(part.data, part.source):
            selection += 1
            row["Selection"] = str(selection)
            row["Begin Time (s)"] = _time(float(row["Begin Time (s)"]) + offset)
            row["End Time (s)"] = _time(float(row["End Time (s)"]) + offset)
            lines.append("\t".join(row[c] for c in RAVEN_COLUMNS) + "\n")
        out.write("".join(lines).encode("utf-8"))
        offset += part.duration


def _combine_parquet(parts: Iterable[Part], out: BinaryIO) -> None:
    pa = _pyarrow()
    writer, first = None, None
    try:
        for part in parts:
            try:
                table = pa.parquet.read_table(pa.BufferReader(part.data))
            except pa.ArrowException as error:
                raise ValueError(f"{part.source}: not a Parquet file: {error}") from None
            if writer is None:
                first = part.source
                writer = pa.parquet.ParquetWriter(out, table.schema)
            elif table.schema.metadata != writer.schema.metadata:
                raise ValueError(
                    f"{part.source}: written by another model or with other options than "
                    f"{first} (Parquet metadata differs)"
                )
            writer.write_table(table)
        if writer is None:
            out.write(_parquet([], RenderContext()))
    finally:
        if writer is not None:
            writer.close()
