"""The ``audioclf`` command line, run as a subprocess like a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from audioclf.cli import main
from conftest import DATA, shared_path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audioclf.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_classify_prints_each_window_with_top_classes() -> None:
    proc = run(
        "classify",
        "--model",
        str(DATA / "tiny_two_heads.tflite"),
        str(DATA / "tiny_tone.wav"),
        "--top-k",
        "2",
        "--locale",
        "fr",
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # 8000 frames in 1600-frame windows: 5 windows, each a time line + 2 heads.
    assert [line.split()[0] for line in lines[::3]] == [
        "0.000s",
        "0.100s",
        "0.200s",
        "0.300s",
        "0.400s",
    ]
    assert all(line.startswith("    loudness: ") for line in lines[1::3])
    assert all(line.startswith("    sound_type: ") for line in lines[2::3])
    assert all(len(line.split(", ")) <= 2 for line in lines[1::3])
    assert any("modéré" in line or "calme" in line or "fort" in line for line in lines[1::3])


def test_classify_yamnet_on_speech() -> None:
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    proc = run("classify", "--model", str(model), str(shared_path("audio", "speech.wav")))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 5  # 68360 frames / 15600 per window, the last padded
    assert lines[0].split()[0] == "0.000s"
    assert lines[0].split(None, 1)[1].startswith("Speech 0.918, Inside, small room 0.082")
    assert lines[1].split()[0] == "0.975s"


def test_info_describes_the_model() -> None:
    proc = run("info", str(DATA / "tiny_two_heads.tflite"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "1600 samples = 1600 frames x 1 channel(s) at 16000 Hz" in out
    assert "locales:      en, fr" in out
    assert "head 0:       loudness: float32[1, 3], 3 labels, calibration yes" in out
    assert "head 1:       sound_type: float32[1, 4], 4 labels, calibration no, threshold 0.1" in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["classify", "--model", "absent.tflite", "x.wav"], "absent.tflite' cannot be opened"),
        (["classify", "--model", str(DATA / "tiny_uint8.tflite"), "absent.wav"], "absent.wav"),
        (
            [
                "classify",
                "--model",
                str(DATA / "tiny_two_heads.tflite"),
                str(DATA / "tiny_tone.wav"),
                "--top-k",
                "0",
            ],
            "--top-k",
        ),
    ],
)
def test_errors_exit_1_with_a_message(args: list[str], message: str) -> None:
    proc = run(*args)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_error_exits_2() -> None:
    proc = run("classify")
    assert proc.returncode == 2
    assert "--model" in proc.stderr


def test_wrong_rate_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import wave

    path = tmp_path / "8k.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 4000)
    code = main(["classify", "--model", str(DATA / "tiny_uint8.tflite"), str(path)])
    assert code == 1
    assert "sample rate is 8000 Hz, the model expects 16000 Hz" in capsys.readouterr().err
