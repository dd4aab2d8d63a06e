"""Corpus runs: per-file atomic outputs, the manifest, resume after kill -9, shards, merge."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audioclf.corpus.runner import (
    CorpusProgress,
    Outcome,
    atomic_write,
    parse_shard,
    read_manifest_lines,
    shard_files,
)
from corpus_helpers import birdlike_model, corpus, run_cli, tree


@pytest.fixture
def model(tmp_path: Path) -> str:
    return birdlike_model(tmp_path / "birdlike.tflite")


def test_output_dir_writes_one_table_per_file_and_a_manifest(tmp_path: Path, model: str) -> None:
    files = corpus(tmp_path / "rec", 4)
    out = tmp_path / "out"
    proc = run_cli(
        "classify",
        str(tmp_path / "rec"),
        "--model",
        model,
        "--format",
        "raven",
        "--output-dir",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    outputs = sorted(p for p in tree(out) if p.endswith(".selections.txt"))
    # The inputs' folders are mirrored below the output directory.
    assert outputs == sorted(
        os.path.relpath(f, tmp_path / "rec") + ".selections.txt" for f in files
    )
    lines = list(read_manifest_lines(str(out / "audioclf-manifest.jsonl")))
    assert lines[0]["type"] == "run" and len(lines[0]["model_sha256"]) == 64
    assert lines[0]["options"]["threshold"] == 0.25
    done = [line for line in lines if line["type"] == "file"]
    assert sorted(line["file"] for line in done) == sorted(files)
    assert {line["status"] for line in done} == {"done"}
    assert all(line["duration"] == pytest.approx(0.5) for line in done)
    assert (out / "audioclf-failed.tsv").read_text() == "file\terror\n"
    assert not [p for p in tree(out) if p.endswith(".tmp")]
    # Progress over the whole corpus on stderr.
    assert "4/4 files" in proc.stderr and "x real time" in proc.stderr and "ETA" in proc.stderr


def test_rerun_skips_done_files_and_retries_failed_ones(tmp_path: Path, model: str) -> None:
    files = corpus(tmp_path / "rec", 3)
    broken = tmp_path / "rec" / "broken.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    out = tmp_path / "out"
    args = [
        "classify",
        str(tmp_path / "rec"),
        "--model",
        model,
        "--format",
        "raven",
        "--output-dir",
        str(out),
    ]
    first = run_cli(*args)
    assert first.returncode == 1
    assert "1 file(s) failed:" in first.stderr and str(broken) in first.stderr
    failed = (out / "audioclf-failed.tsv").read_text().splitlines()
    assert failed[0] == "file\terror" and failed[1].startswith(f"{broken}\t")
    assert len(failed) == 2 and len(failed[1].split("\t")[1]) > 5
    before = {
        f: (out / (os.path.relpath(f, tmp_path / "rec") + ".selections.txt")).stat() for f in files
    }

    # Fix the broken file: the rerun classifies it and leaves the others alone.
    import numpy as np
    from test_cli import write_wav

    write_wav(broken, np.full(3200, 0.5))
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr
    assert "3 file(s) already done, skipped" in second.stderr
    for f, stat in before.items():
        path = out / (os.path.relpath(f, tmp_path / "rec") + ".selections.txt")
        assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert (out / "broken.wav.selections.txt").is_file()
    assert (out / "audioclf-failed.tsv").read_text() == "file\terror\n"


def test_rerun_with_other_options_is_refused(tmp_path: Path, model: str) -> None:
    corpus(tmp_path / "rec", 2)
    out = tmp_path / "out"
    base = [
        "classify",
        str(tmp_path / "rec"),
        "--model",
        model,
        "--format",
        "raven",
        "--output-dir",
        str(out),
    ]
    assert run_cli(*base).returncode == 0
    proc = run_cli(*base, "--threshold", "0.5")
    assert proc.returncode == 1
    assert "audioclf-manifest.jsonl" in proc.stderr and "another options" in proc.stderr


def test_kill_9_then_rerun_equals_an_uninterrupted_run(tmp_path: Path, model: str) -> None:
    corpus(tmp_path / "rec", 60, seconds=4.0)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    args = [
        "classify",
        str(tmp_path / "rec"),
        "--model",
        model,
        "--format",
        "raven",
        "--workers",
        "1",
    ]
    assert run_cli(*args, "--output-dir", str(clean)).returncode == 0

    manifest = killed / "audioclf-manifest.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "audioclf.cli", *args, "--output-dir", str(killed)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists():
            done = manifest.read_text().count('"status": "done"')
            if done >= 5:
                break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert 5 <= done < 60, f"the kill came after {done} of 60 files, not mid-run"

    rerun = run_cli(*args, "--output-dir", str(killed))
    assert rerun.returncode == 0, rerun.stderr
    assert "already done, skipped" in rerun.stderr
    got, want = tree(killed), tree(clean)
    assert sorted(got) == sorted(want)  # no file missing, none extra (no temporaries)
    assert got == want  # byte for byte
    lines = [line for line in read_manifest_lines(str(manifest)) if line["type"] == "file"]
    assert len({line["file"] for line in lines}) == 60


def test_shards_split_evenly_and_merge_to_the_unsharded_output(tmp_path: Path, model: str) -> None:
    files = corpus(tmp_path / "rec", 7)
    shards = [shard_files(files, (i, 3)) for i in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(files)
    assert sorted(len(s) for s in shards) == [2, 2, 3]
    assert shard_files(list(reversed(files)), (2, 3)) == shards[1]  # order-independent

    whole = tmp_path / "whole.txt"
    base = ["classify", str(tmp_path / "rec"), "--model", model, "--format", "raven"]
    assert run_cli(*base, "--output", str(whole)).returncode == 0
    dirs = []
    for i in (1, 2, 3):
        d = tmp_path / f"shard{i}"
        proc = run_cli(*base, "--output-dir", str(d), "--shard", f"{i}/3")
        assert proc.returncode == 0, proc.stderr
        assert (d / f"audioclf-manifest.shard-{i}-of-3.jsonl").is_file()
        dirs.append(str(d))
    merged = tmp_path / "merged.txt"
    proc = run_cli("merge", *dirs, "--output", str(merged))
    assert proc.returncode == 0, proc.stderr
    assert merged.read_bytes() == whole.read_bytes()
    rows = merged.read_text().splitlines()[1:]
    assert [int(r.split("\t")[0]) for r in rows] == list(range(1, len(rows) + 1))
    assert len(rows) > len(files)  # several detections a file


def test_merge_refuses_runs_of_other_options(tmp_path: Path, model: str) -> None:
    corpus(tmp_path / "rec", 2)
    base = ["classify", str(tmp_path / "rec"), "--model", model, "--format", "raven"]
    assert run_cli(*base, "--output-dir", str(tmp_path / "a")).returncode == 0
    assert run_cli(*base, "--output-dir", str(tmp_path / "b"), "--top-k", "1").returncode == 0
    proc = run_cli("merge", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "m"))
    assert proc.returncode == 1 and "another model or other options" in proc.stderr
    proc = run_cli("merge", str(tmp_path / "rec"), "-o", str(tmp_path / "m"))
    assert proc.returncode == 1 and "no audioclf-manifest" in proc.stderr


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "x/2", "2", "1/2/3"])
def test_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(ValueError, match="--shard: expected I/N"):
        parse_shard(text)


def test_shard_needs_an_output_dir(tmp_path: Path, model: str) -> None:
    corpus(tmp_path / "rec", 1)
    proc = run_cli(
        "classify", str(tmp_path / "rec"), "--model", model, "--format", "raven", "--shard", "1/2"
    )
    assert proc.returncode == 2 and "--shard: needs --output-dir" in proc.stderr


def test_atomic_write_leaves_no_temporary_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write(str(target), b"one")
    assert target.read_bytes() == b"one"
    atomic_write(str(target), b"two")
    assert target.read_bytes() == b"two" and os.listdir(target.parent) == ["out.txt"]


def test_manifest_reader_skips_a_line_cut_by_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"type": "file", "file": "a"}) + '\n{"type": "fi')
    assert list(read_manifest_lines(str(path))) == [{"type": "file", "file": "a"}]


def test_progress_reports_files_hours_speed_and_eta() -> None:
    import io

    stream = io.StringIO()
    meter = CorpusProgress(4, 4 * 3600.0, stream, interval=0)
    meter.started -= 100  # 100 s elapsed
    meter.update(Outcome("a", "done", duration=3600.0))
    line = stream.getvalue().strip()
    assert line.startswith("1/4 files, 1.00/4.00 h audio, 36.0x real time, ETA 0:05:0")


def test_python_api_combines_in_memory_with_overlap(tmp_path: Path, model: str) -> None:
    from audioclf.corpus import classify_corpus

    files = corpus(tmp_path / "rec", 2)
    report = classify_corpus(
        str(tmp_path / "rec" / "**" / "*.wav"), model, format="csv", top_k=1, overlap=0.05
    )
    assert not report.failed and sorted(o.file for o in report.outcomes) == sorted(files)
    rows = (report.combined or b"").decode().splitlines()
    assert rows[0].startswith("file,start,end,")
    starts = [float(r.split(",")[1]) for r in rows[1:] if r.startswith(files[0])]
    assert starts[:3] == [0.0, 0.05, 0.1]  # a 0.05 s hop: the 0.1 s window overlaps by half
    with pytest.raises(ValueError, match=r"--overlap: must be >= 0 and shorter than the window"):
        classify_corpus(files, model, overlap=0.1)
    with pytest.raises(ValueError, match="no file matches this pattern"):
        classify_corpus(str(tmp_path / "none" / "*.wav"), model)


def test_parquet_shards_merge_to_one_table(tmp_path: Path, model: str) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="needs pyarrow (audioclf[parquet])")
    corpus(tmp_path / "rec", 5)
    base = ["classify", str(tmp_path / "rec"), "--model", model, "--format", "parquet"]
    assert run_cli(*base, "--output", str(tmp_path / "whole.parquet")).returncode == 0
    for i in (1, 2):
        proc = run_cli(*base, "--output-dir", str(tmp_path / f"s{i}"), "--shard", f"{i}/2")
        assert proc.returncode == 0, proc.stderr
    merged = tmp_path / "merged.parquet"
    proc = run_cli("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "-o", str(merged))
    assert proc.returncode == 0, proc.stderr
    whole, joined = pq.read_table(tmp_path / "whole.parquet"), pq.read_table(merged)
    assert joined.num_rows > 5 and joined.to_pylist() == whole.to_pylist()
    assert joined.schema.metadata == whole.schema.metadata


def test_workers_run_files_at_once_with_the_same_output(tmp_path: Path, model: str) -> None:
    files = corpus(tmp_path / "rec", 6)
    files += corpus(tmp_path / "rec" / "long", 1, seconds=40.0)  # split in segments at 2 workers
    base = ["classify", str(tmp_path / "rec"), "--model", model, "--format", "raven"]
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        proc = run_cli(*base, "--workers", workers, "--output-dir", str(out))
        assert proc.returncode == 0, proc.stderr
        outputs[workers] = tree(out)
        combined = tmp_path / f"all{workers}.txt"
        assert run_cli(*base, "--workers", workers, "--output", str(combined)).returncode == 0
    assert len(outputs["1"]) == len(files) + 1  # and the failed-files table
    assert outputs["2"] == outputs["1"]  # byte for byte
    assert (tmp_path / "all2.txt").read_bytes() == (tmp_path / "all1.txt").read_bytes()
    lines = (tmp_path / "all1.txt").read_text().splitlines()
    assert len(lines) > 400  # the long file's detections are in it


@pytest.mark.parametrize(
    ("durations", "widths", "holds"),
    [
        # Short files: one worker each, two at a time ("c" runs until "d" has started).
        (
            {"a": 30.0, "b": 30.0, "c": 30.0, "d": 30.0},
            {"a": 1, "b": 1, "c": 1, "d": 1},
            {"c": "d"},
        ),
        # A file that is nearly all the audio gets both workers; the last file too.
        ({"long": 3600.0, "short": 30.0}, {"long": 2, "short": 2}, {}),
        # Two long files share the workers; the short one gets the one freed first
        # while the other long file still runs ("y" runs until "z" has started).
        ({"x": 3600.0, "y": 3600.0, "z": 10.0}, {"x": 1, "y": 1, "z": 1}, {"y": "z"}),
    ],
)
@pytest.mark.parametrize("workers", [2, 0])  # 0: one per core, two here
def test_local_executor_shares_workers_by_length(
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
    durations: dict[str, float],
    widths: dict[str, int],
    holds: dict[str, str],
) -> None:
    import threading

    from audioclf.corpus import runner

    both_running = threading.Barrier(2, timeout=10)
    started = {path: threading.Event() for path in durations}
    seen: dict[str, int] = {}
    order: list[str] = []

    def fake_process_file(job, path, output_dir, name, classifier=None):  # type: ignore[no-untyped-def]
        assert classifier == "shared"  # one model for every thread
        order.append(path)
        seen[path] = job.workers
        started[path].set()
        if len(order) <= 2 and job.workers == 1:
            both_running.wait()  # the first two one-worker files run at once
        if path in holds:
            assert started[holds[path]].wait(10)
        return Outcome(path, "done", duration=durations[path])

    monkeypatch.setattr(runner, "process_file", fake_process_file)
    monkeypatch.setattr(runner, "audio_duration", lambda path: durations[path])
    monkeypatch.setattr(runner, "classifier_for", lambda settings: "shared")
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    job = runner.Job(model=runner.ModelSettings(path="m.tflite"), format="raven", workers=workers)
    outcomes = list(runner.local_executor(job, [(p, None) for p in durations], None))
    assert sorted(o.file for o in outcomes) == sorted(durations)  # each once
    assert seen == widths
    assert order[0] == max(durations, key=lambda p: durations[p])  # longest first
