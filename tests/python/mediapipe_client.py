"""A live client written against MediaPipe's audio API, on audioclf.mediapipe,
and a real-time feeder for the virtual capture device it records from
(test_mediapipe_client.py runs both).

``client``: the loop MediaPipe's Raspberry Pi example runs. An AUDIO_STREAM
classifier; an AudioRecord on the default input device; every half window
the newest window is read into an AudioData and sent with the wall-clock
time; results arrive on the callback. Prints one JSON line per result, then
closes the classifier (which delivers what is pending) and prints a summary.
Run it with HOME pointing at the .asoundrc whose default PCM is the device:
PortAudio reads the ALSA configuration when sounddevice is imported.

``feed``: writes a clip into a FIFO (the device's ``infile``) as float32 PCM
at real-time pace in 10 ms blocks, then silence, until killed; the device
has no clock of its own, so this paces the capture. Each time a reader
opens the FIFO (PortAudio's device probe opens and closes it too) the clip
starts again from its beginning.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000
BLOCK = RATE // 100


def write_alsa_default(home: Path, fifo: Path) -> None:
    """``home/.asoundrc`` making the default PCM a capture device reading ``fifo``."""
    (home / ".asoundrc").write_text(
        f"""\
pcm.!default {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{fifo}"
    format "raw"
}}
"""
    )


def feed(args: argparse.Namespace) -> int:
    import soundfile

    clip, rate = soundfile.read(args.clip, dtype="float32")
    if rate != RATE or clip.ndim != 1:
        raise SystemExit(f"{args.clip}: expected mono {RATE} Hz, got {rate} Hz, shape {clip.shape}")
    silence = np.zeros(BLOCK, np.float32)
    while True:
        with open(args.fifo, "wb", buffering=0) as pipe:  # waits for a reader
            start, n = time.monotonic(), 0
            try:
                while True:
                    block = clip[n * BLOCK : (n + 1) * BLOCK]
                    pipe.write((block if len(block) == BLOCK else silence).tobytes())
                    n += 1
                    time.sleep(max(0.0, start + n * BLOCK / RATE - time.monotonic()))
            except BrokenPipeError:
                continue  # the reader went away: start again for the next one


def client(args: argparse.Namespace) -> int:
    from audioclf import mediapipe as python
    from audioclf.mediapipe import audio
    from audioclf.mediapipe.audio.core import audio_record
    from audioclf.mediapipe.components import containers

    results: list[tuple[Any, int]] = []

    def on_result(result: audio.AudioClassifierResult, timestamp_ms: int) -> None:
        results.append((result, timestamp_ms))

    options = audio.AudioClassifierOptions(
        base_options=python.BaseOptions(model_asset_path=args.model),
        running_mode=audio.RunningMode.AUDIO_STREAM,
        max_results=3,
        result_callback=on_result,
    )
    classifier = audio.AudioClassifier.create_from_options(options)
    window = 15600
    record = audio_record.AudioRecord(1, RATE, window)
    data = containers.AudioData(window, containers.AudioDataFormat(1, RATE))
    interval = window / RATE * 0.5  # half-overlapping windows
    record.start_recording()
    started = last = time.time()
    sent = printed = 0
    while time.time() - started < args.seconds:
        now = time.time()
        if now - last < interval:
            time.sleep(interval * 0.1)
            continue
        last = now
        data.load_from_array(record.read(window))
        classifier.classify_async(data, time.time_ns() // 1_000_000)
        sent += 1
        while printed < len(results):
            _print(*results[printed])
            printed += 1
    record.stop()
    classifier.close()
    for result in results[printed:]:
        _print(*result)
    print(json.dumps({"summary": {"sent": sent, "results": len(results)}}), flush=True)
    return 0


def _print(result: Any, timestamp_ms: int) -> None:
    top = result.classifications[0].categories
    line = {"timestamp_ms": timestamp_ms, "top": [[c.category_name, c.score] for c in top]}
    print(json.dumps(line), flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    f = commands.add_parser("feed")
    f.add_argument("--clip", required=True)
    f.add_argument("--fifo", required=True)
    c = commands.add_parser("client")
    c.add_argument("--model", required=True)
    c.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    return feed(args) if args.command == "feed" else client(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
