"""The ``audioclf`` command line, run as a subprocess like a user would."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import types
import wave
from pathlib import Path

import numpy as np
import pytest
from audioclf.cli.main import expand_inputs, main
from audioclf.cli.output import EVENT_COLUMNS, WINDOW_COLUMNS
from conftest import DATA, golden, shared_path

TINY = str(DATA / "tiny_two_heads.tflite")
TONE = str(DATA / "tiny_tone.wav")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioclf.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- output formats ---------------------------------------------------------------


def test_table_shows_each_window_with_top_classes() -> None:
    proc = run("classify", "--model", TINY, TONE, "--top-k", "2", "--locale", "fr")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"{TONE} (5 windows)"
    assert lines[1].split() == ["start", "end", "head", "rank", "label", "display", "name", "score"]
    # 8000 frames in 1600-frame windows: 5 windows x 2 heads x 2 categories.
    rows = lines[2:-1]
    assert len(rows) == 20
    starts = [row.split()[:2] for row in rows[::4]]
    assert starts == [[f"{t / 10:.3f}", f"{t / 10 + 0.1:.3f}"] for t in range(5)]
    assert all(row.split()[2] == "loudness" for row in rows[::4])
    assert all(row.split()[0] == "sound_type" for row in rows[2::4])
    assert any(word in proc.stdout for word in ("modéré", "calme", "fort"))


def test_csv_has_a_header_and_one_row_per_category() -> None:
    proc = run("classify", "--model", TINY, TONE, "--top-k", "2", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == ",".join(WINDOW_COLUMNS)
    rows = parse_csv(proc.stdout)
    assert len(rows) == 5 * 2 * 2
    assert {row["file"] for row in rows} == {TONE}
    assert [row["rank"] for row in rows[:4]] == ["1", "2", "1", "2"]
    assert [row["head_name"] for row in rows[:4]] == ["loudness"] * 2 + ["sound_type"] * 2
    assert rows[-1]["start"] == "0.400" and rows[-1]["end"] == "0.500"
    assert all(len(row["score"].split(".")[1]) == 6 for row in rows)


def test_jsonl_has_one_object_per_window() -> None:
    proc = run("classify", "--model", TINY, TONE, "--format", "jsonl", "--top-k", "1")
    assert proc.returncode == 0, proc.stderr
    windows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(windows) == 5
    assert [w["start"] for w in windows] == [0.0, 0.1, 0.2, 0.3, 0.4]
    first = windows[0]
    assert set(first) == {"file", "start", "end", "heads"}
    assert [h["head_name"] for h in first["heads"]] == ["loudness", "sound_type"]
    category = first["heads"][0]["categories"][0]
    assert set(category) == {"index", "label", "display_name", "score"}


def test_json_is_one_document_and_output_goes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = run("classify", "--model", TINY, TONE, "--format", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [f["file"] for f in document["files"]] == [TONE]
    windows = document["files"][0]["windows"]
    assert len(windows) == 5 and windows[1]["start"] == 0.1
    assert all(len(h["categories"]) == 3 for w in windows for h in w["heads"][:1])
    assert "events" not in document and document["errors"] == []


def test_yamnet_jsonl_matches_mediapipe() -> None:
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    audio = shared_path("audio", "speech.wav")
    (case,) = [c for c in golden("mediapipe.json") if c["case"] == "yamnet_clip"]
    proc = run("classify", "--model", str(model), str(audio), "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    windows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [w["start"] for w in windows] == [0, 0.975, 1.95, 2.925, 3.9]
    assert len(windows) == len(case["windows"])
    for ours, theirs in zip(windows, case["windows"]):
        assert ours["start"] * 1000 == pytest.approx(theirs["timestamp_ms"])
        got = ours["heads"][0]["categories"]
        want = theirs["result"][0]["categories"]
        assert [c["index"] for c in got] == [c["index"] for c in want]
        for g, w in zip(got, want):
            assert g["score"] == pytest.approx(w["score"], abs=1e-6)
            assert g["label"] == w["label"]


# --- inputs: batches, directories, globs, failures ------------------------------


def make_tree(root: Path) -> None:
    """Two WAVs in nested folders (one with an upper-case extension) and a non-audio file."""
    (root / "a" / "b").mkdir(parents=True)
    shutil.copy(TONE, root / "a" / "one.WAV")
    shutil.copy(TONE, root / "a" / "b" / "two.wav")
    (root / "a" / "notes.txt").write_text("not audio")


def test_directories_are_searched_recursively(tmp_path: Path) -> None:
    make_tree(tmp_path)
    files, errors = expand_inputs([str(tmp_path)])
    assert errors == []
    assert sorted(Path(f).name for f in files) == ["one.WAV", "two.wav"]
    proc = run("classify", "--model", TINY, str(tmp_path), "--format", "csv", "--top-k", "1")
    assert proc.returncode == 0, proc.stderr
    named = {Path(row["file"]).name for row in parse_csv(proc.stdout)}
    assert named == {"one.WAV", "two.wav"}


def test_globs_are_expanded_and_repeats_dropped(tmp_path: Path) -> None:
    make_tree(tmp_path)
    pattern = str(tmp_path / "**" / "*.wav")
    files, errors = expand_inputs([pattern, str(tmp_path / "a" / "b" / "two.wav")])
    assert errors == []
    assert [Path(f).name for f in files] == ["two.wav"]  # the glob is case-sensitive
    proc = run("classify", "--model", TINY, pattern, "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 5


def test_a_glob_without_matches_is_an_error(tmp_path: Path) -> None:
    proc = run("classify", "--model", TINY, str(tmp_path / "*.flac"), TONE, "--format", "csv")
    assert proc.returncode == 1
    assert f"audioclf: error: {tmp_path / '*.flac'}: no file matches" in proc.stderr
    assert len(parse_csv(proc.stdout)) == 5 * 2 * 3


def test_bad_files_in_a_batch_are_reported_and_the_rest_classified(tmp_path: Path) -> None:
    text = tmp_path / "x.wav"
    text.write_text("this is not audio\n")
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(Path(TONE).read_bytes()[:3000])
    missing = tmp_path / "missing.wav"
    inputs = [str(text), TONE, str(truncated), str(missing)]
    proc = run("classify", "--model", TINY, *inputs, "--format", "csv", "--top-k", "1", "--strict")
    assert proc.returncode == 1
    assert {row["file"] for row in parse_csv(proc.stdout)} == {TONE}
    errors = proc.stderr.splitlines()
    for path in (text, truncated, missing):
        assert any(line.startswith(f"audioclf: error: {path}: ") for line in errors), errors
    assert "Traceback" not in proc.stderr


def test_json_lists_the_files_that_failed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF")
    proc = run("classify", "--model", TINY, TONE, str(bad), "--format", "json")
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert [f["file"] for f in document["files"]] == [TONE]
    assert [e["file"] for e in document["errors"]] == [str(bad)]


# --- exit codes and options -----------------------------------------------------


@pytest.mark.parametrize(
    "args,message",
    [
        (["classify"], "--model"),
        (["classify", "--model", TINY], "INPUT"),
        (["classify", "--model", TINY, TONE, "--allow", "quiet", "--deny", "loud"], "--allow"),
        (["classify", "--model", TINY, TONE, "--overlap", "abc"], "--overlap"),
        (["classify", "--model", TINY, TONE, "--overlap", "100%"], "--overlap"),
        (["classify", "--model", TINY, TONE, "--overlap", "0.1"], "shorter than the window"),
        (["classify", "--model", TINY, TONE, "--top-k", "0"], "--top-k"),
        (["classify", "--model", TINY, TONE, "--workers", "-1"], "--workers"),
        (["classify", "--model", TINY, TONE, "--format", "xml"], "--format"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert proc.stdout == ""


NO_METADATA = str(DATA / "tiny_no_metadata.tflite")  # 3 classes, 400 frames, no metadata


@pytest.mark.parametrize(
    "options,message",
    [
        (["--top-k", "abc"], "argument --top-k: expected an integer > 0, or -1 for all, got 'abc'"),
        (["--top-k", "-2"], "argument --top-k: expected an integer > 0"),
        (["--threshold", "2"], "argument --threshold: expected a score from 0 to 1, got '2'"),
        (["--threshold", "nan"], "argument --threshold: expected a score from 0 to 1, got 'nan'"),
        (["--threshold", "-0.1"], "argument --threshold: expected a score from 0 to 1"),
        (["--workers", "100000"], "argument --workers: expected an integer from 1 to"),
        (["--workers", "two"], "argument --workers: expected an integer"),
        (["--threads", "0"], "argument --threads: expected an integer from 1 to 64, or -1"),
        (["--threads", "x"], "argument --threads: expected an integer"),
        (["--sample-rate", "0"], "argument --sample-rate: expected a sample rate in Hz"),
        (["--sample-rate", "10000000"], "argument --sample-rate: expected a sample rate in Hz"),
        (["--overlap", "nan"], "argument --overlap: must be >= 0"),
        (["--plot", "timeline.gif"], "argument --plot: expected a file name ending in .png, .svg"),
        (["--plot", "timeline"], "argument --plot: expected a file name ending in .png"),
        (["--labels", "absent-labels.txt"], "--labels: 'absent-labels.txt' does not exist"),
        (["--labels", str(DATA)], f"--labels: '{DATA}' is a directory, expected a label file"),
        (["--labels", TONE], "--labels: the metadata of"),
        (["--activation", "softmax"], "--activation: "),
        (["--allow", "nothing-like-this"], "--allow: none of the given names is a label"),
        (["--deny", "a", "--allow", "b"], "--allow and --deny: give one or the other"),
    ],
)
def test_bad_option_values_exit_2_in_the_command_line_s_words(
    options: list[str], message: str
) -> None:
    proc = run("classify", "--model", TINY, TONE, *options)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert proc.stderr.startswith("usage: audioclf classify")
    for api_name in ("category_name", "base_options", "_top_k", "score_threshold", "Traceback"):
        assert api_name not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "options,message",
    [
        (["--top-k", "abc"], "argument --top-k: expected an integer > 0, or -1 for all, got 'abc'"),
        (["--hop", "x"], "argument --hop: expected a number of seconds > 0, got 'x'"),
        (["--duration", "inf"], "argument --duration: expected a number of seconds > 0"),
        (["--threshold", "1.5"], "argument --threshold: expected a score from 0 to 1, got '1.5'"),
    ],
)
def test_listen_option_values_exit_2_too(options: list[str], message: str) -> None:
    proc = run("listen", "--model", TINY, *options)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: audioclf listen")
    assert message in proc.stderr


def test_labels_on_a_model_with_labels_are_refused_saying_why() -> None:
    proc = run("classify", "--model", TINY, TONE, "--labels", TONE)
    assert proc.returncode == 2
    assert f"--labels: the metadata of '{TINY}' already has labels (head loudness, sound_type)" in (
        proc.stderr
    )


def test_activation_on_a_model_that_gives_scores_is_refused() -> None:
    proc = run("classify", "--model", TINY, TONE, "--activation", "sigmoid")
    assert proc.returncode == 2
    assert "has classification metadata, so its outputs are already scores" in proc.stderr
    # "none" asks for nothing and is accepted.
    assert run("classify", "--model", TINY, TONE, "--activation", "none").returncode == 0


def test_a_model_without_metadata_needs_its_rate_from_the_command_line() -> None:
    proc = run("classify", "--model", NO_METADATA, TONE)
    assert proc.returncode == 2
    assert "audioclf classify: error: --sample-rate: " in proc.stderr
    assert "give the model's rate, e.g. --sample-rate 16000" in proc.stderr
    assert "sample_rate" not in proc.stderr and "in the options" not in proc.stderr


def test_labels_and_activation_apply_to_a_model_without_metadata(tmp_path: Path) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("low\nmid\nhigh\n")
    base = ["classify", "--model", NO_METADATA, TONE, "--sample-rate", "16000", "--top-k", "-1"]
    proc = run(*base, "--labels", str(labels), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = parse_csv(proc.stdout)
    assert {row["label"] for row in rows} == {"low", "mid", "high"}
    plain = [float(row["score"]) for row in rows]
    proc = run(*base, "--activation", "sigmoid", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    squashed = [float(row["score"]) for row in parse_csv(proc.stdout)]
    assert sorted(squashed) != sorted(plain)
    # The model ends in softmax: every score is in (0, 1), so sigmoid maps them to (0.5, 0.74).
    assert all(0.5 < score < 0.74 for score in squashed)


def test_an_unknown_locale_is_a_warning_listing_the_locales() -> None:
    proc = run("classify", "--model", TINY, TONE, "--locale", "xx", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (
        "audioclf: warning: --locale xx: the model has no display names in that locale "
        "(it has: en, fr); showing labels only\n"
    )
    assert parse_csv(proc.stdout)


def test_each_bad_input_names_the_file_and_the_reason(tmp_path: Path) -> None:
    not_audio = tmp_path / "song.mp3"
    not_audio.write_bytes(b"this is text, not an MP3 stream\n" * 20)
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    missing = tmp_path / "missing.wav"
    proc = run("classify", "--model", TINY, str(not_audio), str(missing), TONE, str(folder))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"audioclf: error: {folder}: directory holds no "
        ".wav/.flac/.ogg/.mp3/.aiff/.aif/.opus files",
        f"audioclf: error: {not_audio}: is not audio that libsndfile (FLAC, OGG, MP3, AIFF, ...) "
        "can read",
        f"audioclf: error: {missing}: does not exist",
    ]
    assert f"{TONE} (5 windows)" in proc.stdout  # the good file is still classified


def test_errors_are_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tflite"
    broken.write_bytes(os.urandom(4096))
    proc = run("classify", "--model", str(broken), TONE)
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"audioclf: error: {broken}")
    for debug in (["--debug", "classify"], ["classify", "--debug"]):
        proc = run(*debug, "--model", str(broken), TONE)
        assert proc.returncode == 1
        assert "Traceback (most recent call last)" in proc.stderr
        assert proc.stderr.splitlines()[-1].startswith(f"audioclf: error: {broken}")


def test_version_from_the_command_and_python_m_audioclf() -> None:
    from audioclf import __version__

    for command in (["-m", "audioclf.cli"], ["-m", "audioclf"]):
        proc = subprocess.run(
            [sys.executable, *command, "--version"], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == f"audioclf {__version__}\n"


def test_python_m_audioclf_classifies() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "audioclf", "classify", "--model", TINY, TONE, "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 5
    assert proc.stderr == ""


def test_listen_without_an_input_device_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class PortAudioError(Exception):
        pass

    def no_stream(**kwargs: object) -> None:
        raise PortAudioError("Error querying device -1", -9996)

    fake = types.SimpleNamespace(
        InputStream=no_stream, PortAudioError=PortAudioError, query_devices=lambda *a, **k: []
    )
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    assert main(["listen", "--model", TINY, "--duration", "0.1"]) == 1
    assert capsys.readouterr().err == (
        "audioclf: error: no audio input device found (PortAudio: Error querying device -1)\n"
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (["classify", "--model", "absent.tflite", TONE], "model 'absent.tflite' does not exist"),
        (["classify", "--model", str(DATA), TONE], f"model '{DATA}' is a directory, expected"),
        (["classify", "--model", str(DATA / "tiny_tone.wav"), TONE], "tiny_tone.wav"),
        (["info", "absent.tflite"], "absent.tflite"),
    ],
)
def test_a_model_that_cannot_load_exits_1(args: list[str], message: str) -> None:
    proc = run(*args)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_overlap_as_a_percentage_or_seconds() -> None:
    for overlap in ("50%", "0.05"):
        proc = run("classify", "--model", TINY, TONE, "--overlap", overlap, "--format", "jsonl")
        assert proc.returncode == 0, proc.stderr
        starts = [json.loads(line)["start"] for line in proc.stdout.splitlines()]
        assert starts[:4] == [0.0, 0.05, 0.1, 0.15]


def test_allow_and_deny_filter_labels() -> None:
    model = str(DATA / "tiny_uint8.tflite")  # one head: alpha .. foxtrot
    allow = ["--allow", "alpha", "--allow", "bravo"]
    proc = run("classify", "--model", model, TONE, *allow, "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert {row["label"] for row in parse_csv(proc.stdout)} == {"alpha", "bravo"}
    proc = run("classify", "--model", model, TONE, "--deny", "alpha", "--format", "csv")
    labels = {row["label"] for row in parse_csv(proc.stdout)}
    assert "alpha" not in labels and labels


def test_threshold_drops_low_scores() -> None:
    proc = run("classify", "--model", TINY, TONE, "--threshold", "0.5", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    scores = [float(row["score"]) for row in parse_csv(proc.stdout)]
    assert scores and min(scores) >= 0.5


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    proc = run("classify", "--model", TINY, TONE, "--format", "csv")
    assert proc.returncode == 0
    assert proc.stderr == ""  # nor LiteRT's log lines


def test_wrong_rate_is_resampled(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "8k.wav", np.zeros(4000), rate=8000)
    proc = run("classify", "--model", TINY, str(path), "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["end"] for line in proc.stdout.splitlines()] == [
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
    ]


def test_main_in_process_returns_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "--model", TINY, TONE, "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5
    assert main(["classify", "--model", TINY, "absent.wav"]) == 1
    assert "audioclf: error: absent.wav: " in capsys.readouterr().err


# --- info ----------------------------------------------------------------------


def test_info_describes_the_model() -> None:
    proc = run("info", TINY)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "1600 samples = 1600 frames x 1 channel(s) at 16000 Hz (0.100 s)" in out
    assert "locales:      en, fr" in out
    assert "head 0:       loudness: float32[1, 3], 3 labels, calibration yes" in out
    assert "head 1:       sound_type: float32[1, 4], 4 labels, calibration no, threshold 0.1" in out


def test_info_of_a_model_without_metadata_takes_its_rate() -> None:
    proc = run("info", str(DATA / "tiny_no_metadata.tflite"), "--sample-rate", "8000")
    assert proc.returncode == 0, proc.stderr
    assert "metadata:     no" in proc.stdout
    assert "400 frames x 1 channel(s) at 8000 Hz (0.050 s)" in proc.stdout


# --- events ---------------------------------------------------------------------


@pytest.fixture
def level_model(tmp_path: Path) -> str:
    """A 0.1 s window model: 'high' = sigmoid(4 x mean sample), 'low' = sigmoid(-4 x mean)."""
    from model_builder import Head, build_model

    n = 1600
    head = Head(
        num_classes=2,
        name="level",
        activation="sigmoid",
        labels=["high", "low"],
        weights=np.stack([np.full(n, 4 / n), np.full(n, -4 / n)]).astype(np.float32),
        bias=np.zeros(2, dtype=np.float32),
    )
    path = tmp_path / "level.tflite"
    path.write_bytes(build_model(n, [head]))
    return str(path)


@pytest.fixture
def levels_wav(tmp_path: Path) -> str:
    """0.1 s steps of constant level: high high high low high high."""
    levels = [0.9, 0.9, 0.9, -0.5, 0.9, 0.9]
    return str(write_wav(tmp_path / "levels.wav", np.repeat(levels, 1600)))


def test_events_merge_windows_above_the_threshold(level_model: str, levels_wav: str) -> None:
    proc = run("classify", "--model", level_model, levels_wav, "--events", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == ",".join(EVENT_COLUMNS)
    events = [(e["label"], e["start"], e["end"], e["windows"]) for e in parse_csv(proc.stdout)]
    assert events == [
        ("high", "0.000", "0.300", "3"),
        ("low", "0.300", "0.400", "1"),
        ("high", "0.400", "0.600", "2"),
    ]
    first = parse_csv(proc.stdout)[0]
    assert float(first["max_score"]) == pytest.approx(1 / (1 + math.exp(-3.6)), abs=1e-5)


def test_events_with_overlapping_windows_end_at_the_last_window(
    level_model: str, levels_wav: str
) -> None:
    proc = run(
        "classify", "--model", level_model, levels_wav, "--events", "--overlap", "50%",
        "--format", "jsonl",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    high = [e for e in events if e["label"] == "high"]
    # Windows start every 0.05 s; the one at 0.25 s still averages above 0 (high),
    # the one at 0.3 s is all low.
    assert (high[0]["start"], high[0]["end"], high[0]["windows"]) == (0.0, 0.35, 6)
    assert high[1]["start"] == 0.35
    assert [e["file"] for e in events] == [levels_wav] * len(events)


def test_events_in_json_and_table(level_model: str, levels_wav: str) -> None:
    proc = run("classify", "--model", level_model, levels_wav, "--events", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    assert document["files"] == [{"file": levels_wav}]
    assert [e["label"] for e in document["events"]] == ["high", "low", "high"]
    proc = run("classify", "--model", level_model, levels_wav, "--events", "--threshold", "0.99")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"{levels_wav} (0 events)"


# --- plot -----------------------------------------------------------------------


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="--plot needs the plot extra (matplotlib)")
    png = tmp_path / "timeline.png"
    other = tmp_path / "other.wav"
    shutil.copy(TONE, other)
    proc = run("classify", "--model", TINY, TONE, str(other), "--plot", str(png), "--top-k", "1")
    assert proc.returncode == 0, proc.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000
    assert len(proc.stdout.splitlines()) == 2 * (2 + 5 * 2 + 1)  # --top-k still shapes the table


@pytest.mark.parametrize(
    "name,magic",
    [("t.svg", b"<?xml"), ("t.pdf", b"%PDF"), ("t.jpg", b"\xff\xd8\xff"), ("T.JPEG", b"\xff\xd8")],
)
def test_plot_writes_the_format_its_name_asks_for(tmp_path: Path, name: str, magic: bytes) -> None:
    pytest.importorskip("matplotlib", reason="--plot needs the plot extra (matplotlib)")
    image = tmp_path / name
    proc = run("classify", "--model", TINY, TONE, "--plot", str(image), "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert image.read_bytes().startswith(magic)


def test_plot_rows_are_the_top_classes_and_long_files_are_aggregated() -> None:
    from audioclf import AudioClassifier
    from audioclf.cli.plot import MAX_COLUMNS, top_classes

    with AudioClassifier.create_from_file(TINY) as classifier:
        rng = np.random.default_rng(0)
        clip = rng.uniform(-0.5, 0.5, 1600 * (MAX_COLUMNS + 301)).astype(np.float32)
        windows = classifier.classify_clip(clip)
    assert len(windows) == MAX_COLUMNS + 301
    rows = top_classes(windows, 3)
    assert rows.scores.shape == (3, MAX_COLUMNS)
    assert len(rows.edges) == MAX_COLUMNS + 1
    assert rows.edges[0] == 0.0 and rows.edges[-1] == pytest.approx(len(windows) * 0.1)
    # Each column holds the highest score of its windows; rows are by peak score.
    peaks = rows.scores.max(axis=1)
    assert list(peaks) == sorted(peaks, reverse=True)
    first = windows[0].result.classifications
    best = max((c.score for h in first for c in h.categories), default=0)
    assert rows.scores[:, 0].max() >= best - 1e-6


def test_plot_without_matplotlib_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "block"
    blocker.mkdir()
    # A module that fails to import stands in for an absent matplotlib.
    (blocker / "matplotlib.py").write_text("raise ImportError('absent for this test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker), *sys.path]))
    proc = run("classify", "--model", TINY, TONE, "--plot", str(tmp_path / "x.png"), env=env)
    assert proc.returncode == 1
    assert "pip install 'audioclf[plot]'" in proc.stderr
    assert proc.stdout == ""


def test_resampler_option_reaches_the_pipeline() -> None:
    """--resampler mediapipe gives MediaPipe's top class on the 48 kHz clip's padded tail."""
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    audio = shared_path("audio", "speech_48k.wav")
    tops = {}
    for name in ("hq", "mediapipe"):
        proc = run(
            "classify", "--model", str(model), str(audio), "--format", "jsonl", "--resampler", name
        )
        assert proc.returncode == 0, proc.stderr
        windows = [json.loads(line) for line in proc.stdout.splitlines()]
        tops[name] = [w["heads"][0]["categories"][0]["index"] for w in windows]
    assert tops["mediapipe"] == [0, 0, 0, 0, 465]
    assert tops["hq"][:4] == [0, 0, 0, 0] and tops["hq"][4] != 465
