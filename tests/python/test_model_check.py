"""check_model and `audioclf check`: a model is tried in a child process, and
whatever it does there (error, crash, hang, memory) comes back as a report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from audioclf import model_check
from audioclf.model_check import check_model
from conftest import ROOT

DATA = ROOT / "tests" / "data"


def test_a_working_model_reports_its_format_and_top_classes() -> None:
    report = check_model(DATA / "tiny_two_heads.tflite")
    assert report.ok, report.message
    assert (report.sample_rate, report.channels, report.window_frames) == (16000, 1, 1600)
    assert [h["head_name"] for h in report.heads] == ["loudness", "sound_type"]
    assert all(len(h["top"]) == 3 for h in report.heads)
    assert 0 < report.peak_rss_bytes < 512 << 20


def test_a_refused_model_reports_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"TFL3" * 100)
    report = check_model(bad)
    assert report.status == "error" and report.error_type == "ValueError"
    assert str(bad) in report.message


def test_not_a_regular_file(tmp_path: Path) -> None:
    assert check_model(tmp_path).message == f"{tmp_path}: is not a regular file"
    assert check_model(tmp_path / "x").message == f"{tmp_path / 'x'}: does not exist"


@pytest.mark.parametrize(
    ("child", "status", "text"),
    [
        ("import os; os.abort()", "crashed", "crashed the runtime (SIGABRT)"),
        ("import time; time.sleep(30)", "timeout", "no result within 1 s"),
        ("x = bytearray(1 << 31)", "memory", "needs more than 512 MiB"),
    ],
)
def test_what_the_child_does_cannot_reach_the_caller(
    monkeypatch: pytest.MonkeyPatch, child: str, status: str, text: str
) -> None:
    monkeypatch.setattr(model_check, "_CHILD", child)
    report = check_model(DATA / "tiny_softmax.tflite", timeout=1, memory_bytes=512 << 20)
    assert report.status == status
    assert text in report.message


def test_argument_bounds() -> None:
    with pytest.raises(ValueError, match="timeout must be in"):
        check_model(DATA / "tiny_softmax.tflite", timeout=0)
    with pytest.raises(ValueError, match="memory_bytes must be in"):
        check_model(DATA / "tiny_softmax.tflite", memory_bytes=1)


def test_cli_check_exit_codes_and_json(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "audioclf", "check", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = run(str(DATA / "tiny_softmax.tflite"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: ") and "400 frames x 1 channel(s) at 16000 Hz" in ok.stdout
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\0" * 64)
    refused = run(str(bad), "--json")
    assert refused.returncode == 1
    report = json.loads(refused.stdout)
    assert report["status"] == "error" and "not a TFLite model" in report["message"]
