"""audioclf.task on a live device: a Raspberry-Pi-example-style client records
speech from a virtual ALSA capture device fed at real-time pace and must hear
Speech (see /work/shared/docs/capture-testing.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import capture_helper
import numpy as np
import pytest
from audioclf import _core
from conftest import shared_path
from test_live import portaudio  # noqa: F401  (fixture)

CLIENT = Path(__file__).with_name("pi_style_client.py")
RATE = 16000
BLOCK = RATE // 100  # 10 ms


def _feed(fifo: Path, samples: np.ndarray, stop: threading.Event) -> None:
    """Writes float32 samples into the FIFO at real-time pace, then silence.

    PortAudio opens the device more than once (probing, then the stream);
    each open is a new reader, so the clip starts over for each one.
    """
    silence = np.zeros(BLOCK, dtype="<f4").tobytes()
    while not stop.is_set():
        try:
            with open(fifo, "wb", buffering=0) as out:  # blocks until a reader opens it
                started = time.monotonic()
                sent = 0
                while not stop.is_set():
                    delay = started + sent / RATE - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    block = samples[sent : sent + BLOCK]
                    out.write(block.astype("<f4").tobytes() if len(block) == BLOCK else silence)
                    sent += BLOCK
        except OSError:  # BrokenPipeError: that reader closed the device
            continue


@pytest.mark.usefixtures("portaudio")
def test_pi_style_client_hears_speech(tmp_path: Path) -> None:
    model = shared_path("models", "yamnet_audio_classifier_with_metadata.tflite")
    wav = shared_path("audio", "speech.wav")
    reader = _core.WavReader(str(wav))
    samples = reader.read(0, reader.info.frame_count)[:, 0].astype(np.float32)
    fifo = tmp_path / "capture.fifo"
    os.mkfifo(fifo)
    # The default capture device, so the client opens it as the example does.
    capture_helper.write_alsa_config(tmp_path, fifo, name="!default")
    stop = threading.Event()
    feeder = threading.Thread(target=_feed, args=(fifo, samples, stop), daemon=True)
    feeder.start()
    try:
        process = subprocess.run(
            [sys.executable, str(CLIENT), "--model", str(model), "--seconds", "5"],
            env=capture_helper.capture_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        stop.set()
        try:  # unblock a feeder still waiting for the device to open the FIFO
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        except OSError:
            pass
        feeder.join(timeout=5)
    assert process.returncode == 0, process.stderr[-3000:]
    lines = [json.loads(line) for line in process.stdout.splitlines()]
    # 5 s at one inference per half window (0.4875 s): about ten.
    assert 7 <= len(lines) <= 11, lines
    during_clip = [line for line in lines if 1.0 <= line["t"] <= 4.0]
    assert during_clip, lines
    tops = [line["top"][0][0] for line in during_clip]
    assert tops.count("Speech") >= len(tops) - 1, lines
    assert all(0.0 <= score <= 1.0 for line in lines for _, score in line["top"])
