"""A client in the style of MediaPipe's Raspberry Pi audio example, on
audioclf.mediapipe, recording speech from a virtual capture device fed at
real-time pace (see mediapipe_client.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mediapipe_client
import pytest
from conftest import shared_path

HELPER = Path(__file__).with_name("mediapipe_client.py")


def _portaudio() -> None:
    check = subprocess.run(
        [sys.executable, "-c", "import sounddevice; sounddevice.query_devices()"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check.returncode != 0:
        reason = (check.stderr.strip().splitlines() or ["unknown error"])[-1]
        message = f"PortAudio via sounddevice cannot be loaded ({reason})"
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


def test_live_client_hears_speech(tmp_path: Path) -> None:
    _portaudio()
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    clip = shared_path("audio", "speech.wav")  # 4.3 s of speech at 16 kHz
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    mediapipe_client.write_alsa_default(tmp_path, fifo)
    env = dict(os.environ, HOME=str(tmp_path))
    env.pop("XDG_CONFIG_HOME", None)
    feeder = subprocess.Popen(
        [sys.executable, str(HELPER), "feed", "--clip", str(clip), "--fifo", str(fifo)]
    )
    try:
        time.sleep(0.2)
        run = subprocess.run(
            [sys.executable, str(HELPER), "client", "--model", str(model), "--seconds", "5"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        feeder.kill()
        feeder.wait()
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    summary = lines.pop()["summary"]
    # One window per half-window read; every result delivered by close().
    assert summary["results"] == summary["sent"] == len(lines) >= 8
    stamps = [line["timestamp_ms"] for line in lines]
    assert [b - a for a, b in zip(stamps, stamps[1:])] == [975] * (len(stamps) - 1)
    tops = [line["top"][0][0] for line in lines]
    # The speech fills the first ~4 s of reads; silence follows.
    assert tops[0] == "Speech", tops
    assert tops[:6].count("Speech") >= 5, tops
