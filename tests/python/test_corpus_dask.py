"""Corpus runs on Dask: a worker killed mid-run, long files cut into segments, --scheduler."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from audioclf.corpus import classify_corpus
from audioclf.corpus.options import build_job
from audioclf.corpus.runner import Job, loaded_models, plan_segments, read_manifest_lines
from corpus_helpers import birdlike_model, corpus, run_cli, tree
from test_cli import write_wav

distributed = pytest.importorskip("distributed", reason="needs dask.distributed (audioclf[dask])")


def test_killing_a_worker_mid_run_still_gives_the_local_result(tmp_path: Path) -> None:
    model = birdlike_model(tmp_path / "birdlike.tflite")
    files = corpus(tmp_path / "rec", 40, seconds=6.0)
    local = classify_corpus(
        str(tmp_path / "rec"), model, output_dir=tmp_path / "local", format="raven"
    )
    assert not local.failed and len(local.outcomes) == 40

    out = tmp_path / "dask"
    manifest = out / "audioclf-manifest.jsonl"
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        killed: dict[str, int] = {}

        def kill_one_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if manifest.exists():
                    done = manifest.read_text().count('"status": "done"')
                    if done >= 4:
                        os.kill(pids[0], signal.SIGKILL)
                        killed["after"] = done
                        return
                time.sleep(0.002)

        killer = threading.Thread(target=kill_one_worker)
        killer.start()
        report = classify_corpus(
            str(tmp_path / "rec"), model, output_dir=out, format="raven", client=client
        )
        killer.join()
        assert 4 <= killed.get("after", 0) < 40, f"the kill was not mid-run: {killed}"
        # Each live worker process loaded the model at most once.
        assert all(n <= 1 for n in client.run(loaded_models).values())

    assert not report.failed and len(report.outcomes) == 40
    lines = [line for line in read_manifest_lines(str(manifest)) if line["type"] == "file"]
    assert sorted(line["file"] for line in lines) == sorted(files)  # each exactly once
    assert tree(out) == tree(tmp_path / "local")  # byte for byte


def test_scheduler_option_runs_a_local_cluster(tmp_path: Path) -> None:
    model = birdlike_model(tmp_path / "birdlike.tflite")
    corpus(tmp_path / "rec", 4)
    base = ["classify", str(tmp_path / "rec"), "--model", model, "--format", "kaleidoscope"]
    assert run_cli(*base, "--output-dir", str(tmp_path / "plain")).returncode == 0
    proc = run_cli(*base, "--output-dir", str(tmp_path / "dask"), "--scheduler", "local:2")
    assert proc.returncode == 0, proc.stderr
    assert tree(tmp_path / "dask") == tree(tmp_path / "plain")


@pytest.mark.parametrize("address", ["local:0", "local:x", "somewhere:8786"])
def test_bad_scheduler_is_reported(tmp_path: Path, address: str) -> None:
    model = birdlike_model(tmp_path / "birdlike.tflite")
    corpus(tmp_path / "rec", 1)
    proc = run_cli(
        "classify",
        str(tmp_path / "rec"),
        "--model",
        model,
        "--format",
        "raven",
        "--output-dir",
        str(tmp_path / "out"),
        "--scheduler",
        address,
    )
    assert proc.returncode == 1 and "--scheduler: expected" in proc.stderr


@pytest.mark.parametrize("overlap", [None, 0.05])
def test_long_files_split_into_segments_stitch_to_the_local_result(
    tmp_path: Path, overlap: float | None
) -> None:
    model = birdlike_model(tmp_path / "birdlike.tflite")
    # 3.03 s (its last window padded) and 3 s, cut into 0.5 s segments.
    files = corpus(tmp_path / "rec", 2, seconds=3.0)
    write_wav(Path(files[0]), np.sin(np.arange(48480) * 0.001) * 0.8)
    job, _ = build_job(model, format="raven", overlap=overlap)
    assert isinstance(job, Job)
    segments = plan_segments(job, files[0], 0.5)
    assert segments is not None and len(segments) >= 5 and segments[-1].last
    options = {"format": "raven", "overlap": overlap, "threshold": 0.0}
    local = classify_corpus(str(tmp_path / "rec"), model, output_dir=tmp_path / "local", **options)
    assert not local.failed
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        report = classify_corpus(
            str(tmp_path / "rec"),
            model,
            output_dir=tmp_path / "dask",
            client=client,
            segment_seconds=0.5,
            **options,
        )
    assert not report.failed and len(report.outcomes) == 2
    assert tree(tmp_path / "dask") == tree(tmp_path / "local")
